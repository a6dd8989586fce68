import { readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  GetBucketTaggingCommand,
  PutBucketTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import {
  awsClient,
  createBucket,
  listKeys,
  uniqueName,
} from '../../helpers/fixtures.js'
import { motoEndpoint, stackEnv } from '../../helpers/stack.js'
import { startGitHubStandIn } from './github-stand-in.js'
import {
  AWS_CONFIG,
  explain,
  removeStepFolders,
  runStep,
  workspaceWith,
  type StepResult,
} from './step.js'

const SECRET = 'Planted-Secret-Value-7f3a9c'
const TOKEN = 'planted-token-5d1e88b2'
const GITHUB_TOKEN = 'ghs_StandInToken0123456789abcdef'

// Markdown escapes such as \_ and \* would hide text from a plain search.
function unescaped(markdown: string): string {
  return markdown.replace(/\\(.)/g, '$1')
}

// The runner reads ::add-mask:: lines and never shows them.
function withoutMaskCommands(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
}

describe('terraform-apply against moto', () => {
  let workspace: string
  let stateBucket: string
  const name = uniqueName('kit-tfa-site')
  const stateKey = 'apply-test/terraform.tfstate'

  function inputs(
    mode: string,
    overrides: Record<string, string | undefined> = {},
  ): Record<string, string | undefined> {
    return {
      mode,
      'working-directory': 'infra',
      'backend-bucket': stateBucket,
      'backend-key': stateKey,
      variables: JSON.stringify({
        endpoint: motoEndpoint(),
        name,
        parameter_value: 'first',
        db_password: SECRET,
      }),
      'run-id': '101',
      'pr-number': undefined,
      'github-token': undefined,
      ...overrides,
    }
  }

  function step(
    mode: string,
    overrides: Record<string, string | undefined> = {},
  ): Promise<StepResult> {
    return runStep({
      workspace,
      env: stackEnv(),
      inputs: inputs(mode, overrides),
    })
  }

  async function settingTag(): Promise<string | undefined> {
    const s3 = awsClient(S3Client)
    try {
      const tagging = await s3.send(
        new GetBucketTaggingCommand({ Bucket: name }),
      )
      return tagging.TagSet?.find((tag) => tag.Key === 'setting')?.Value
    } finally {
      s3.destroy()
    }
  }

  let planned: StepResult
  let first: StepResult
  let second: StepResult

  beforeAll(async () => {
    workspace = workspaceWith('infra', AWS_CONFIG)
    stateBucket = await createBucket(uniqueName('kit-tfa-state'))
    planned = await step('plan')
    first = await step('apply')
    second = await step('apply')
  }, 300_000)

  afterAll(() => {
    removeStepFolders()
    rmSync(workspace, { recursive: true, force: true })
  })

  it('applies the first time', async () => {
    if (first.exitCode !== 0) throw new Error(explain(first))
    expect(first.outputs['applied']).toBe('true')
    expect(first.outputs['has-changes']).toBe('true')
    expect(first.outputs['add-count']).toBe('4')
    expect(first.outputs['terraform-version']).toBe('1.11.4')
    expect(await settingTag()).toBe('first')
    expect(await listKeys(stateBucket)).toEqual([stateKey])
  })

  it('reports the plan as plan mode does', () => {
    expect(planned.exitCode).toBe(0)
    expect(first.stdout).toContain('runs beside terraform apply')
    for (const name of [
      'has-changes',
      'plan-hash',
      'add-count',
      'change-count',
      'replace-count',
      'destroy-count',
    ]) {
      expect(first.outputs[name]).toBe(planned.outputs[name])
    }
    expect(first.outputs['plan-hash']).toMatch(/^[0-9a-f]{64}$/)
    const rendering = readFileSync(
      path.join(
        planned.runnerTemp,
        'terraform-apply-artifacts',
        'terraform-plan',
        'plan.md',
      ),
      'utf8',
    )
    expect(first.summary).toContain(rendering.trim())
    const details = (
      JSON.parse(first.outputs['record-json'] ?? '{}') as {
        details: Record<string, unknown>
      }
    ).details
    expect(details['plan_hash']).toBe(planned.outputs['plan-hash'])
    expect(details['changes']).toEqual({
      add: 4,
      change: 0,
      replace: 0,
      destroy: 0,
    })
  })

  it('applies nothing without changes', () => {
    expect(second.exitCode).toBe(0)
    expect(second.outputs['has-changes']).toBe('false')
    expect(second.outputs['applied']).toBe('false')
    expect(second.stdout).not.toMatch(/Running: .* apply /)
  })

  it('sets outputs of every kind', () => {
    const outputs = JSON.parse(first.outputs['outputs-json'] ?? '{}') as Record<
      string,
      unknown
    >
    expect(outputs['notes']).toBe('line one\nline two\nline three')
    expect(outputs['tags']).toEqual({ environment: 'test', owner: 'platform' })
    expect(outputs['db_password']).toBe('***')
    expect(first.outputs['notes']).toBe('line one\nline two\nline three')
    expect(JSON.parse(first.outputs['tags'] ?? '')).toEqual({
      environment: 'test',
      owner: 'platform',
    })
    expect(first.outputs['db_password']).toBe('***')
    expect(first.outputs['bucket_name']).toBe(name)
  })

  it('keeps planted secrets out', async () => {
    const variables = JSON.stringify({
      endpoint: motoEndpoint(),
      name,
      parameter_value: 'first',
      db_password: `${SECRET}-rotated`,
      deploy_token: TOKEN,
    })
    const github = await startGitHubStandIn({
      repository: 'octo/shop',
      token: GITHUB_TOKEN,
    })
    let plan: StepResult
    let again: StepResult
    try {
      const commented = (): Promise<StepResult> =>
        runStep({
          workspace,
          env: stackEnv({
            GITHUB_API_URL: github.url,
            GITHUB_REPOSITORY: 'octo/shop',
          }),
          inputs: inputs('plan', {
            variables,
            'comment-on-pr': 'true',
            'pr-number': '7',
            'github-token': GITHUB_TOKEN,
          }),
        })
      plan = await commented()
      again = await commented()
    } finally {
      await github.close()
    }
    expect(plan.exitCode).toBe(0)
    expect(again.exitCode).toBe(0)
    expect(github.comments).toHaveLength(1)
    const commentBody = unescaped(github.comments[0]?.body ?? '')
    expect(commentBody).toContain('aws_ssm_parameter.password')
    expect(commentBody).toContain(again.outputs['plan-hash'])
    expect(github.requests.filter((r) => r.startsWith('POST'))).toHaveLength(1)
    expect(github.requests.filter((r) => r.startsWith('PATCH'))).toHaveLength(1)
    expect(plan.outputs['change-count']).toBe('2')
    const folder = path.join(
      plan.runnerTemp,
      'terraform-apply-artifacts',
      'terraform-plan',
    )
    const rendering = unescaped(
      readFileSync(path.join(folder, 'plan.md'), 'utf8'),
    )
    expect(rendering).toContain('aws_ssm_parameter.password')
    expect(
      readFileSync(path.join(folder, 'plan-hash.txt'), 'utf8').trim(),
    ).toBe(plan.outputs['plan-hash'])
    for (const text of [
      rendering,
      readFileSync(path.join(folder, 'plan-summary.json'), 'utf8'),
      unescaped(plan.summary),
      withoutMaskCommands(plan.stdout),
      plan.stderr,
      JSON.stringify(plan.outputs),
      commentBody,
    ]) {
      expect(text).not.toContain(SECRET)
      expect(text).not.toContain(TOKEN)
      expect(text).not.toContain(GITHUB_TOKEN)
    }
    expect(unescaped(plan.summary)).toContain('aws_ssm_parameter.password')
  }, 180_000)

  it('detects drift made through the SDK', async () => {
    const s3 = awsClient(S3Client)
    try {
      await s3.send(
        new PutBucketTaggingCommand({
          Bucket: name,
          Tagging: {
            TagSet: [
              { Key: 'environment', Value: 'test' },
              { Key: 'setting', Value: 'first' },
              { Key: 'deploy_token', Value: 'none' },
              { Key: 'changed-by', Value: 'sdk' },
            ],
          },
        }),
      )
    } finally {
      s3.destroy()
    }
    const variables = JSON.stringify({
      endpoint: motoEndpoint(),
      name,
      parameter_value: 'first',
      db_password: SECRET,
    })
    const drift = await step('drift', { variables })
    expect(drift.exitCode).toBe(1)
    expect(drift.stdout).toMatch(/Drift: the plan has changes/)
    expect(unescaped(drift.summary)).toContain('aws_s3_bucket.site')
    const warned = await step('drift', { variables, 'on-drift': 'warn' })
    expect(warned.exitCode).toBe(0)
    expect(warned.outputs['has-changes']).toBe('true')
  }, 180_000)
})
