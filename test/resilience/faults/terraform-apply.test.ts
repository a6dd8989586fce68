// terraform-apply through the fault proxy: the action's own S3 calls, the
// S3 backend (state and lock file) and the AWS provider all use the proxy
// as their endpoint, so Terraform's own retries meet the faults too.
import { rmSync } from 'node:fs'
import { afterAll, afterEach, describe, expect, it } from '@jest/globals'
import { GetBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3'
import type { FaultProxy } from '../../helpers/fault-proxy.js'
import {
  awsClient,
  createBucket,
  listKeys,
  readObjectText,
  uniqueName,
} from '../../helpers/fixtures.js'
import {
  AWS_CONFIG,
  runStep,
  workspaceWith,
  type StepResult,
} from '../../integration/terraform-apply/step.js'
import {
  expectSuccess,
  lastErrorLine,
  motoProxy,
  proxiedEnv,
  recordPersistent,
  recordSurvival,
  survivalRuns,
  transientRules,
} from './fault-run.js'

const STEP_TIMEOUT_MS = 240_000
const STATE_KEY = 'faults/terraform.tfstate'
const workspaces: string[] = []
const proxies: FaultProxy[] = []

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
})

afterAll(() => {
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true })
})

async function proxy(
  ...args: Parameters<typeof motoProxy>
): Promise<FaultProxy> {
  const started = await motoProxy(...args)
  proxies.push(started)
  return started
}

/** AWS_CONFIG with the provider's own retries capped, so a persistent fault ends in seconds. */
function configWithRetries(maxRetries: number): string {
  return AWS_CONFIG.replace(
    's3_use_path_style           = true',
    `s3_use_path_style           = true\n  max_retries                 = ${maxRetries}`,
  )
}

async function apply(
  through: FaultProxy,
  config = AWS_CONFIG,
): Promise<{
  run: StepResult
  durationMs: number
  name: string
  stateBucket: string
}> {
  const workspace = workspaceWith('infra', config)
  workspaces.push(workspace)
  const stateBucket = await createBucket(uniqueName('kit-faults-state'))
  const name = uniqueName('kit-faults-site')
  const started = Date.now()
  const run = await runStep({
    workspace,
    env: proxiedEnv(through),
    timeoutMs: STEP_TIMEOUT_MS + 30_000,
    inputs: {
      mode: 'apply',
      'working-directory': 'infra',
      'backend-bucket': stateBucket,
      'backend-key': STATE_KEY,
      variables: JSON.stringify({
        endpoint: through.url,
        name,
        parameter_value: 'first',
        db_password: 'fault-test-password',
      }),
      'run-id': 'faults-1',
      'pr-number': undefined,
      'github-token': undefined,
      timeout: `${STEP_TIMEOUT_MS / 1000}s`,
    },
  })
  return { run, durationMs: Date.now() - started, name, stateBucket }
}

async function settingTag(bucket: string): Promise<string | undefined> {
  const s3 = awsClient(S3Client)
  try {
    const tagging = await s3.send(
      new GetBucketTaggingCommand({ Bucket: bucket }),
    )
    return tagging.TagSet?.find((tag) => tag.Key === 'setting')?.Value
  } finally {
    s3.destroy()
  }
}

function comparable(run: StepResult) {
  return {
    applied: run.outputs.applied,
    hasChanges: run.outputs['has-changes'],
    add: run.outputs['add-count'],
    change: run.outputs['change-count'],
    destroy: run.outputs['destroy-count'],
  }
}

describe('terraform-apply under faults', () => {
  it('survives 20% transient faults', async () => {
    const clean = await proxy()
    const expected = await apply(clean)
    expectSuccess(expected.run)
    expect(await settingTag(expected.name)).toBe('first')

    for (let run = 0; run < survivalRuns(); run += 1) {
      const faulty = await proxy(transientRules(), run)
      const actual = await apply(faulty)
      recordSurvival('terraform-apply', faulty, actual.run.exitCode === 0)
      expect(faulty.injected.length).toBeGreaterThan(0)
      expectSuccess(actual.run)
      expect(comparable(actual.run)).toEqual(comparable(expected.run))
      expect(await settingTag(actual.name)).toBe('first')
      expect(await listKeys(actual.stateBucket)).toEqual([STATE_KEY])
    }
  }, 600_000)

  it('fails cleanly on persistent SSM faults', async () => {
    const faulty = await proxy([
      { name: 'ssm', service: 'ssm', fault: 'server-error' },
    ])
    const { run, durationMs, stateBucket } = await apply(
      faulty,
      configWithRetries(1),
    )
    const keys = await listKeys(stateBucket)
    const lockHeld = keys.some((key) => key.endsWith('.tflock'))
    const error = lastErrorLine(run)
    recordPersistent(
      'terraform-apply, persistent SSM 500s',
      run.exitCode !== 0 && /SSM/i.test(run.stdout) && !lockHeld,
      `exit ${run.exitCode} after ${durationMs} ms, ${faulty.injected.length} faults: ${error}`,
    )
    expect(run.exitCode).not.toBe(0)
    expect(run.stdout).toMatch(/SSM.*(PutParameter|InternalFailure|500)/i)
    expect(durationMs).toBeLessThan(STEP_TIMEOUT_MS)
    // The state lock is released even though the apply failed, and the
    // state records the resources that were created before the fault.
    expect(lockHeld).toBe(false)
    const state = JSON.parse(await readObjectText(stateBucket, STATE_KEY)) as {
      resources: Array<{ type: string }>
    }
    const types = state.resources.map((resource) => resource.type)
    expect(types).toContain('aws_s3_bucket')
    expect(types).not.toContain('aws_ssm_parameter')
  }, 600_000)
})
