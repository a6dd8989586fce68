// terraform-apply (mode apply) cancelled by SIGINT or SIGTERM at seeded
// points, run as the committed bundle the way the runner runs it. After
// each cancellation no state lock may be left, the record status must be
// cancelled, the post step must finish, and a new run must apply the
// configuration from the state the cancelled run left.
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runBundle, startBundle } from '../../helpers/action-inputs.js'
import { createBucket, listKeys, uniqueName } from '../../helpers/fixtures.js'
import { motoEndpoint, stackEnv } from '../../helpers/stack.js'
import { isFullSweep } from '../sampling.js'
import {
  cancelAt,
  cancellationPoints,
  cancelledExitCode,
  PointChecks,
  recordCancellation,
  recordStatus,
  snapshotAction,
  type Phase,
} from './cancel-run.js'

/** S3 and SSM resources around a provisioner that sleeps, so the apply takes a while. */
const CONFIG = `
terraform {
  required_version = ">= 1.10"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.100" }
  }
  backend "s3" {}
}

variable "endpoint" { type = string }
variable "name" { type = string }
variable "sleep_seconds" { type = number }

provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  endpoints {
    s3  = var.endpoint
    sts = var.endpoint
    ssm = var.endpoint
  }
}

resource "aws_s3_bucket" "site" {
  bucket = var.name
}

resource "aws_ssm_parameter" "before" {
  name  = "/\${var.name}/before"
  type  = "String"
  value = "before"
}

resource "terraform_data" "slow" {
  input = var.name
  provisioner "local-exec" {
    command = "sleep \${var.sleep_seconds}"
  }
}

resource "aws_ssm_parameter" "after" {
  name       = "/\${var.name}/after"
  type       = "String"
  value      = terraform_data.slow.output
  depends_on = [aws_s3_bucket.site]
}

output "bucket" { value = aws_s3_bucket.site.bucket }
`

// The action runs terraform through setsid, so a command line starts with
// `/usr/bin/setsid /path/to/terraform`.
const phases: Phase[] = [
  { name: 'init', pattern: /Running: .*terraform init /, maxDelayMs: 2000 },
  { name: 'plan', pattern: /Running: .*terraform plan /, maxDelayMs: 2000 },
  { name: 'apply', pattern: /Running: .*terraform apply /, maxDelayMs: 1000 },
  {
    name: 'apply lock held',
    pattern: /terraform apply holds the state lock/,
    maxDelayMs: 3000,
  },
  {
    name: 'provisioner',
    pattern: /terraform_data\.slow: Provisioning/,
    maxDelayMs: 3500,
  },
]

const folders: string[] = []
let bundle: string | undefined

/** Returns the folder of the action's bundle, copied once per file (see snapshotAction). */
function action(): string {
  if (bundle === undefined) {
    bundle = snapshotAction('terraform-apply')
    folders.push(path.dirname(bundle))
  }
  return bundle
}
let stateBucket: string

beforeAll(async () => {
  stateBucket = await createBucket(uniqueName('kit-cancel-tfa'))
})

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

function workspace(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'cancel-tfa-'))
  folders.push(folder)
  mkdirSync(path.join(folder, 'infra'))
  writeFileSync(path.join(folder, 'infra', 'main.tf'), CONFIG)
  return folder
}

function inputs(
  stateKey: string,
  name: string,
): Record<string, string | undefined> {
  return {
    mode: 'apply',
    'working-directory': 'infra',
    'backend-bucket': stateBucket,
    'backend-key': stateKey,
    variables: JSON.stringify({
      endpoint: motoEndpoint(),
      name,
      sleep_seconds: 4,
    }),
    'run-id': '404',
    'pr-number': undefined,
    'github-token': undefined,
  }
}

describe('terraform-apply cancellation', () => {
  it('releases the lock at every point', async () => {
    const points = cancellationPoints('terraform-apply apply', phases)
    const results: PointChecks[] = []
    const notes: string[] = []
    for (const point of points) {
      const checks = new PointChecks(point)
      results.push(checks)
      const stateKey = `cancel-${point.index}/terraform.tfstate`
      const name = uniqueName('kit-cancel-site')
      const folder = workspace()

      const running = startBundle(action(), {
        cwd: folder,
        env: stackEnv(),
        inputs: inputs(stateKey, name),
        timeoutMs: 180_000,
      })
      const delivery = await cancelAt(running, point)
      const run = await running.done
      const keys = await listKeys(stateBucket, `cancel-${point.index}/`)
      notes.push(
        `point ${point.index}: signal at ${delivery.atMs} ms, exit ${run.exitCode}, objects ${keys.join(' ') || 'none'}`,
      )

      checks.expect(delivery.sent, 'the run ended before the signal')
      checks.expect(
        run.exitCode === cancelledExitCode(point.signal),
        `exit code ${run.exitCode}, expected ${cancelledExitCode(point.signal)}`,
      )
      checks.expect(
        !keys.includes(`${stateKey}.tflock`),
        'the state lock is still held',
      )
      const status = recordStatus(run.outputs['record-json'])
      checks.expect(status === 'cancelled', `record-json status ${status}`)
      let fileStatus: string
      try {
        fileStatus = recordStatus(
          readFileSync(
            path.join(folder, '.deploy-records/terraform-apply.json'),
            'utf8',
          ),
        )
      } catch (error) {
        fileStatus = `(unreadable: ${String(error)})`
      }
      checks.expect(
        fileStatus === 'cancelled',
        `record-file status ${fileStatus}`,
      )

      // The runner runs the post step after a cancelled main step.
      const post = await runBundle(action(), {
        entry: 'post',
        cwd: folder,
        env: stackEnv(),
        inputs: inputs(stateKey, name),
        state: run.state,
      })
      checks.expect(post.exitCode === 0, `post step exit ${post.exitCode}`)

      checks.printOutputOnProblems(`${run.stdout}\n${run.stderr}`)

      // A new run must be able to take the lock and finish the apply. Each
      // rerun is a full apply, so the sample reruns after its last point only.
      if (!isFullSweep() && point !== points[points.length - 1]) continue
      const again = await runBundle(action(), {
        cwd: folder,
        env: stackEnv(),
        inputs: inputs(stateKey, name),
        timeoutMs: 180_000,
      })
      checks.expect(
        again.exitCode === 0,
        `the next run failed with exit ${again.exitCode}: ${again.stdout
          .split('\n')
          .filter((line) => line.startsWith('::error'))
          .join(' ')}`,
      )
    }
    expect(recordCancellation('terraform-apply apply', results, notes)).toEqual(
      [],
    )
  }, 1_800_000)
})
