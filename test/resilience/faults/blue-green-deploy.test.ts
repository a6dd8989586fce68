// blue-green-deploy through the fault proxy: the committed bundle runs
// against moto with the ECS engine, every AWS call of the action (ECS,
// ELBv2, S3 lock, CloudWatch, Logs, ECR) goes through the proxy.
import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  it,
} from '@jest/globals'
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { runBundle, type BundleResult } from '../../helpers/action-inputs.js'
import {
  createDeployFixture,
  type DeployFixture,
} from '../../helpers/blue-green-deploy.js'
import {
  forwardWeights,
  serviceCounts,
} from '../../helpers/blue-green-stack.js'
import {
  resetEngineConfig,
  setConvergeSeconds,
} from '../../helpers/ecs-engine.js'
import type { FaultProxy } from '../../helpers/fault-proxy.js'
import { awsClient } from '../../helpers/fixtures.js'
import {
  expectNamedFailure,
  expectSuccess,
  lastErrorLine,
  motoProxy,
  proxiedEnv,
  recordPersistent,
  recordSurvival,
  survivalRuns,
  transientRules,
} from './fault-run.js'

const STEP_TIMEOUT_MS = 90_000
const cleanups: Array<() => Promise<void> | void> = []

beforeAll(async () => {
  await setConvergeSeconds(0.6)
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

afterAll(async () => {
  await resetEngineConfig()
})

async function fixture(): Promise<DeployFixture> {
  const created = await createDeployFixture()
  cleanups.push(() => created.destroy())
  return created
}

async function proxy(
  ...args: Parameters<typeof motoProxy>
): Promise<FaultProxy> {
  const started = await motoProxy(...args)
  cleanups.push(() => started.close())
  return started
}

function deploy(f: DeployFixture, through: FaultProxy): Promise<BundleResult> {
  return runBundle('blue-green-deploy', {
    inputs: { ...f.inputs, timeout: `${STEP_TIMEOUT_MS / 1000}s` },
    env: proxiedEnv(through, { GITHUB_RUN_ID: '' }),
    timeoutMs: STEP_TIMEOUT_MS + 30_000,
  })
}

async function weights(f: DeployFixture) {
  const found = await forwardWeights(f.stack)
  return {
    blue: found[f.stack.state.blue.target_group_arn],
    green: found[f.stack.state.green.target_group_arn],
  }
}

async function lockExists(f: DeployFixture): Promise<boolean> {
  const s3 = awsClient(S3Client)
  try {
    await s3.send(
      new HeadObjectCommand({
        Bucket: f.lockBucket,
        Key: `locks/${f.stack.state.cluster}/${f.service}.lock`,
      }),
    )
    return true
  } catch {
    return false
  } finally {
    s3.destroy()
  }
}

/** Collects what a deploy leaves behind, without ARNs and times that differ between fixtures. */
async function deployResult(f: DeployFixture, run: BundleResult) {
  const deployment = JSON.parse(
    run.outputs['deployment-json'] ?? '{}',
  ) as Record<string, unknown>
  return {
    liveBefore: run.outputs['live-colour-before'],
    liveAfter: run.outputs['live-colour-after'],
    rolledBack: run.outputs['rolled-back'],
    digest: run.outputs['image-digest'],
    weightsBefore: deployment.weights_before,
    weightsAfter: deployment.weights_after,
    weights: await weights(f),
    blue: (await serviceCounts(f.stack, f.stack.state.blue.service)).desired,
    green: (await serviceCounts(f.stack, f.stack.state.green.service)).desired,
    lockHeld: await lockExists(f),
  }
}

describe('blue-green-deploy under faults', () => {
  it('survives 20% transient faults', async () => {
    const clean = await proxy()
    const cleanFixture = await fixture()
    const cleanRun = await deploy(cleanFixture, clean)
    expectSuccess(cleanRun)
    const expected = await deployResult(cleanFixture, cleanRun)
    expect(expected.weights).toEqual({ blue: 0, green: 100 })
    expect(expected.lockHeld).toBe(false)

    for (let run = 0; run < survivalRuns(); run += 1) {
      const f = await fixture()
      const faulty = await proxy(transientRules(), run)
      const result = await deploy(f, faulty)
      recordSurvival('blue-green-deploy', faulty, result.exitCode === 0)
      expect(faulty.injected.length).toBeGreaterThan(0)
      expectSuccess(result)
      expect(await deployResult(f, result)).toEqual(expected)
    }
  })

  it('fails cleanly on persistent ModifyListener faults', async () => {
    const f = await fixture()
    const before = await weights(f)
    const faulty = await proxy([
      {
        name: 'listener',
        service: 'elasticloadbalancing',
        operation: 'ModifyListener',
        fault: 'throttle',
      },
    ])
    const run = await deploy(f, faulty)
    const after = await weights(f)
    const lockHeld = await lockExists(f)
    recordPersistent(
      'blue-green-deploy, persistent ELBv2 ModifyListener Throttling',
      run.exitCode !== 0 &&
        /Elastic Load Balancing v2 ModifyListener/.test(run.stdout) &&
        after.blue === before.blue &&
        after.green === before.green &&
        !lockHeld,
      `exit ${run.exitCode} after ${run.durationMs} ms, ${faulty.injected.length} faults: ${lastErrorLine(run)}`,
    )
    expectNamedFailure(run, {
      label: 'Elastic Load Balancing v2 ModifyListener',
      error: 'Throttling',
      limitMs: STEP_TIMEOUT_MS,
    })
    // No split traffic: the weights are those from before the deploy.
    expect(after).toEqual(before)
    expect(lockHeld).toBe(false)
  })
})
