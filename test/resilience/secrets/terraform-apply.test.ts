// Secret canaries in terraform-apply: a sensitive Terraform variable, a
// database password in a var file, a GitHub token for the plan comment and
// the planted AWS keys, on a plan with a PR comment and a failing apply.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createBucket, readObjectText } from '../../helpers/fixtures.js'
import { stackEnv } from '../../helpers/stack.js'
import {
  startGitHubStandIn,
  type GitHubStandIn,
} from '../../integration/terraform-apply/github-stand-in.js'
import { CANARIES } from './canaries.js'
import { runKeptStep } from './run-step.js'
import { canaryAwsEnv, expectNoCanaryHits, stepSources } from './suite.js'

const CONFIGURATION = `terraform {
  backend "s3" {}
}

variable "label" { type = string }
variable "api_token" {
  type      = string
  sensitive = true
}
variable "database_password" {
  type      = string
  sensitive = true
}

resource "terraform_data" "label" { input = var.label }
resource "terraform_data" "token" { input = var.api_token }
resource "terraform_data" "database" { input = var.database_password }

output "label" { value = terraform_data.label.output }
output "api_token" {
  value     = var.api_token
  sensitive = true
}
`

const planted = {
  awsAccessKeyId: CANARIES.awsAccessKeyId,
  awsSecretAccessKey: CANARIES.awsSecretAccessKey,
  awsSessionToken: CANARIES.awsSessionToken,
  terraformSensitive: CANARIES.terraformSensitive,
  databasePassword: CANARIES.databasePassword,
  githubToken: CANARIES.githubToken,
}

// Terraform writes variable values into the binary plan file by design;
// the action keeps it in RUNNER_TEMP and never uploads it.
function withoutPlanFiles(
  sources: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(sources).filter(([name]) => !name.endsWith('.tfplan')),
  )
}

describe('terraform-apply secret canaries', () => {
  let workspace: string
  let bucket: string
  let github: GitHubStandIn

  beforeAll(async () => {
    workspace = mkdtempSync(path.join(tmpdir(), 'kit-secrets-tf-'))
    mkdirSync(path.join(workspace, 'infra'))
    writeFileSync(path.join(workspace, 'infra', 'main.tf'), CONFIGURATION)
    writeFileSync(
      path.join(workspace, 'infra', 'prod.tfvars'),
      `database_password = "${CANARIES.databasePassword}"\n`,
    )
    bucket = await createBucket()
    github = await startGitHubStandIn({
      repository: 'octo/shop',
      token: CANARIES.githubToken,
    })
  })

  afterAll(async () => {
    await github.close()
    rmSync(workspace, { recursive: true, force: true })
  })

  function step(overrides: Record<string, string | undefined>) {
    return runKeptStep('terraform-apply', {
      workspace,
      plantedFiles: ['infra/prod.tfvars'],
      env: stackEnv({
        ...canaryAwsEnv(),
        GITHUB_API_URL: github.url,
        GITHUB_REPOSITORY: 'octo/shop',
      }),
      inputs: {
        'working-directory': 'infra',
        'backend-bucket': bucket,
        'backend-key': 'secrets/terraform.tfstate',
        variables: JSON.stringify({
          label: 'web',
          api_token: CANARIES.terraformSensitive,
        }),
        'var-files': 'prod.tfvars',
        'run-id': '301',
        'pr-number': '7',
        'github-token': CANARIES.githubToken,
        ...overrides,
      },
    })
  }

  it('plan with a PR comment leaks nothing', async () => {
    const plan = await step({ mode: 'plan', 'comment-on-pr': 'true' })
    try {
      expect(plan.exitCode).toBe(0)
      expect(plan.stdout).toContain('terraform_data.token')
      expect(github.comments).toHaveLength(1)
      const comments = Object.fromEntries(
        github.comments.map((comment) => [
          `comment ${comment.id}`,
          comment.body,
        ]),
      )
      expectNoCanaryHits(
        'terraform-apply plan and comment',
        { ...withoutPlanFiles(stepSources(plan)), ...comments },
        planted,
      )
    } finally {
      plan.cleanup()
    }
  }, 240_000)

  it('apply of another plan leaks nothing', async () => {
    const apply = await step({
      mode: 'apply',
      'reviewed-plan-hash': 'ab'.repeat(32),
      'pr-number': undefined,
      'github-token': undefined,
    })
    try {
      expect(apply.exitCode).toBe(1)
      expect(apply.stdout).toContain('reviewed-plan-hash')
      expectNoCanaryHits(
        'terraform-apply rejected apply',
        withoutPlanFiles(stepSources(apply)),
        planted,
      )
    } finally {
      apply.cleanup()
    }
  }, 240_000)

  it('apply leaks nothing', async () => {
    const apply = await step({
      mode: 'apply',
      'pr-number': undefined,
      'github-token': undefined,
    })
    try {
      expect(apply.exitCode).toBe(0)
      expect(apply.files['runner/output']).toContain('applied')
      // Terraform keeps sensitive values in the state, which shows that the
      // planted values were used.
      const state = await readObjectText(bucket, 'secrets/terraform.tfstate')
      expect(state).toContain(CANARIES.terraformSensitive)
      expect(state).toContain(CANARIES.databasePassword)
      expectNoCanaryHits(
        'terraform-apply apply',
        withoutPlanFiles(stepSources(apply)),
        planted,
      )
    } finally {
      apply.cleanup()
    }
  }, 240_000)
})
