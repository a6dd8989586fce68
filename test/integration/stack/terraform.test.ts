import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { runTool, type ToolResult } from '../../../local-stack/processes.js'
import {
  awsClient,
  createBucket,
  listKeys,
  readObjectText,
  uniqueName,
} from '../../helpers/fixtures.js'
import { motoEndpoint, stackEnv } from '../../helpers/stack.js'

const MAIN_TF = `
terraform {
  required_version = ">= 1.10"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.100" }
  }
  backend "s3" {}
}

variable "endpoint" { type = string }
variable "bucket_name" { type = string }

provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  endpoints {
    s3  = var.endpoint
    sts = var.endpoint
  }
}

resource "aws_s3_bucket" "site" {
  bucket = var.bucket_name
}

resource "terraform_data" "marker" {
  input = aws_s3_bucket.site.arn
}

output "bucket_arn" {
  value = aws_s3_bucket.site.arn
}
`

function backendConfig(bucket: string, key: string, endpoint: string): string {
  return [
    `bucket = "${bucket}"`,
    `key    = "${key}"`,
    'region = "us-east-1"',
    `endpoints = { s3 = "${endpoint}", sts = "${endpoint}" }`,
    'use_path_style              = true',
    'use_lockfile                = true',
    'skip_credentials_validation = true',
    'skip_requesting_account_id  = true',
    'skip_metadata_api_check     = true',
    'skip_region_validation      = true',
    '',
  ].join('\n')
}

function explain(result: ToolResult): string {
  return `exit code ${result.exitCode}\n${result.stdout}\n${result.stderr}`
}

describe('local stack terraform', () => {
  let workDir: string
  let stateBucket: string
  const stateKey = 'stack-test/terraform.tfstate'
  const bucketName = uniqueName('kit-tf-site')
  let apply: ToolResult

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'kit-terraform-'))
    stateBucket = await createBucket(uniqueName('kit-tf-state'))
    writeFileSync(join(workDir, 'main.tf'), MAIN_TF)
    writeFileSync(
      join(workDir, 'backend.hcl'),
      backendConfig(stateBucket, stateKey, motoEndpoint()),
    )
    const env = stackEnv()
    const init = await runTool(
      'terraform',
      ['init', '-input=false', '-no-color', '-backend-config=backend.hcl'],
      { env, cwd: workDir, timeoutMs: 120_000 },
    )
    if (init.exitCode !== 0) throw new Error(`terraform init: ${explain(init)}`)
    apply = await runTool(
      'terraform',
      [
        'apply',
        '-auto-approve',
        '-input=false',
        '-no-color',
        `-var=endpoint=${motoEndpoint()}`,
        `-var=bucket_name=${bucketName}`,
      ],
      { env, cwd: workDir, timeoutMs: 170_000 },
    )
  }, 300_000)

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true })
  })

  it('applies the configuration', async () => {
    expect(apply.exitCode).toBe(0)
    expect(apply.stdout).toMatch(/Apply complete! Resources: 2 added/)
    const s3 = awsClient(S3Client)
    try {
      const head = await s3.send(new HeadBucketCommand({ Bucket: bucketName }))
      expect(head.$metadata.httpStatusCode).toBe(200)
    } finally {
      s3.destroy()
    }
  })

  it('keeps state in moto S3', async () => {
    const state = JSON.parse(await readObjectText(stateBucket, stateKey)) as {
      resources?: Array<{ type: string; name: string }>
      outputs?: Record<string, { value: unknown }>
    }
    const resources = (state.resources ?? []).map(
      (resource) => `${resource.type}.${resource.name}`,
    )
    expect(resources.sort()).toEqual([
      'aws_s3_bucket.site',
      'terraform_data.marker',
    ])
    expect(state.outputs?.bucket_arn?.value).toBe(`arn:aws:s3:::${bucketName}`)
  })

  it('leaves no lock file', async () => {
    expect(await listKeys(stateBucket)).toEqual([stateKey])
  })
})
