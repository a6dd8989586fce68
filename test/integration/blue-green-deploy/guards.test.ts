import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  it,
} from '@jest/globals'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs'
import {
  CreateListenerCommand,
  DescribeListenersCommand,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { realSleep, systemClock } from '../../../common/clock.js'
import type { RecordFragment } from '../../../common/contracts/records.js'
import {
  acquireDeployLock,
  lockOwnerFromEnvironment,
} from '../../../common/deploy-lock.js'
import { InputReader } from '../../../common/inputs.js'
import { memoryLogger } from '../../../common/log.js'
import { OutputWriter, parseCommandFile } from '../../../common/outputs.js'
import { Cancellation } from '../../../common/signals.js'
import { SummaryBuilder } from '../../../common/summary.js'
import { post } from '../../../actions/blue-green-deploy/src/post.js'
import { inputEnv } from '../../helpers/action-inputs.js'
import {
  createDeployFixture,
  runDeployAction,
  type DeployFixture,
} from '../../helpers/blue-green-deploy.js'
import { forwardWeights } from '../../helpers/blue-green-stack.js'
import {
  resetEngineConfig,
  setConvergeSeconds,
} from '../../helpers/ecs-engine.js'
import { awsClient } from '../../helpers/fixtures.js'
import { motoState, stackEnv } from '../../helpers/stack.js'
import { repoRoot } from '../../../local-stack/state.js'

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

async function weights(f: DeployFixture) {
  const found = await forwardWeights(f.stack)
  return {
    blue: found[f.stack.state.blue.target_group_arn],
    green: found[f.stack.state.green.target_group_arn],
  }
}

function lockKey(f: DeployFixture): string {
  return `locks/${f.stack.state.cluster}/${f.service}.lock`
}

async function lockExists(f: DeployFixture): Promise<boolean> {
  const s3 = awsClient(S3Client)
  try {
    await s3.send(
      new HeadObjectCommand({ Bucket: f.lockBucket, Key: lockKey(f) }),
    )
    return true
  } catch {
    return false
  } finally {
    s3.destroy()
  }
}

async function revisions(f: DeployFixture): Promise<string[]> {
  const listed = await f.stack.ecs.send(
    new ListTaskDefinitionsCommand({ familyPrefix: f.family }),
  )
  return listed.taskDefinitionArns ?? []
}

describe('blue-green-deploy bad inputs', () => {
  let f: DeployFixture
  let otherListener: string

  beforeAll(async () => {
    f = await createDeployFixture()
    const listener = (
      await f.stack.elbv2.send(
        new DescribeListenersCommand({
          ListenerArns: [f.stack.state.listener_arn],
        }),
      )
    ).Listeners?.[0]
    otherListener =
      (
        await f.stack.elbv2.send(
          new CreateListenerCommand({
            LoadBalancerArn: listener?.LoadBalancerArn,
            Protocol: 'HTTP',
            Port: 8081,
            DefaultActions: [
              {
                Type: 'forward',
                ForwardConfig: {
                  TargetGroups: [
                    {
                      TargetGroupArn: f.stack.canaryTargetGroupArn,
                      Weight: 1,
                    },
                  ],
                },
              },
            ],
          }),
        )
      ).Listeners?.[0]?.ListenerArn ?? ''
  })

  afterAll(() => f.destroy())

  const cases: Array<[string, () => Record<string, string>, RegExp]> = [
    [
      'unknown cluster',
      () => ({ cluster: 'no-such-cluster' }),
      /^cluster: cluster no-such-cluster does not exist/,
    ],
    [
      'unknown service',
      () => ({ 'green-service': 'no-such-service' }),
      /^green-service: service no-such-service is not active/,
    ],
    [
      'listener without both groups',
      () => ({ 'listener-arn': otherListener }),
      /^listener-arn: it does not forward to both target groups/,
    ],
    [
      'container not in the revision',
      () => ({ 'container-name': 'web' }),
      /^container-name: The task definition has no container 'web'; its containers are: api/,
    ],
    [
      'image without digest or tag',
      () => ({ image: '127.0.0.1:5000/shop/api' }),
      /image/,
    ],
    [
      'canary percent out of range',
      () => ({ traffic: 'canary', 'canary-percent': '150' }),
      /canary-percent/,
    ],
  ]

  it.each(cases)('%s changes nothing', async (_name, overrides, message) => {
    const before = await motoState()
    const run = await runDeployAction({ ...f.inputs, ...overrides() })
    expect(run.outcome).toBe('failed')
    expect(run.failures[0]).toMatch(message)
    expect(await motoState()).toEqual(before)
  })

  it('split weights change nothing', async () => {
    const actions = (
      await f.stack.elbv2.send(
        new DescribeListenersCommand({
          ListenerArns: [f.stack.state.listener_arn],
        }),
      )
    ).Listeners?.[0]?.DefaultActions
    const split = JSON.parse(JSON.stringify(actions)) as typeof actions
    for (const group of split?.[0]?.ForwardConfig?.TargetGroups ?? []) {
      if (group.TargetGroupArn === f.stack.state.blue.target_group_arn)
        group.Weight = 90
      if (group.TargetGroupArn === f.stack.state.green.target_group_arn)
        group.Weight = 10
    }
    await f.stack.elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: f.stack.state.listener_arn,
        DefaultActions: split,
      }),
    )
    try {
      const before = await motoState()
      const run = await runDeployAction(f.inputs)
      expect(run.failures[0]).toMatch(
        /^listener-arn: it splits traffic \(blue 90 \/ green 10\)/,
      )
      expect(await motoState()).toEqual(before)
    } finally {
      await f.stack.elbv2.send(
        new ModifyListenerCommand({
          ListenerArn: f.stack.state.listener_arn,
          DefaultActions: actions,
        }),
      )
    }
  })
})

describe('blue-green-deploy lock', () => {
  it('blocks a concurrent deploy', async () => {
    const f = await fixture()
    const s3 = awsClient(S3Client)
    cleanups.push(() => s3.destroy())
    const other = await acquireDeployLock({
      s3,
      bucket: f.lockBucket,
      key: lockKey(f),
      owner: lockOwnerFromEnvironment({ env: { GITHUB_RUN_ID: '777' } }),
      staleAfterMs: 600_000,
      takeOverStale: false,
    })
    const before = await revisions(f)
    const run = await runDeployAction(f.inputs)
    await other.release()
    expect(run.outcome).toBe('failed')
    expect(run.failures[0]).toMatch(/run 777/)
    expect(await revisions(f)).toEqual(before)
    expect(await weights(f)).toEqual({ blue: 100, green: 0 })
  })
})

describe('blue-green-deploy post step', () => {
  it('restores split weights and the lock', async () => {
    const f = await fixture()
    const s3 = awsClient(S3Client)
    cleanups.push(() => s3.destroy())
    const owner = lockOwnerFromEnvironment({ env: { GITHUB_RUN_ID: '888' } })
    const lock = await acquireDeployLock({
      s3,
      bucket: f.lockBucket,
      key: lockKey(f),
      owner,
      staleAfterMs: 600_000,
      takeOverStale: false,
    })
    const actions = (
      await f.stack.elbv2.send(
        new DescribeListenersCommand({
          ListenerArns: [f.stack.state.listener_arn],
        }),
      )
    ).Listeners?.[0]?.DefaultActions
    for (const group of actions?.[0]?.ForwardConfig?.TargetGroups ?? []) {
      if (group.TargetGroupArn === f.stack.state.blue.target_group_arn)
        group.Weight = 70
      if (group.TargetGroupArn === f.stack.state.green.target_group_arn)
        group.Weight = 30
    }
    await f.stack.elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: f.stack.state.listener_arn,
        DefaultActions: actions,
      }),
    )
    const saved: Record<string, string> = {
      deployment: JSON.stringify({
        ...f.stack.state,
        weights_before: { blue: 100, green: 0 },
      }),
      lock: JSON.stringify({
        bucket: f.lockBucket,
        key: lockKey(f),
        owner,
        etag: lock.etag,
      }),
    }
    const logger = memoryLogger()
    await post(
      {
        inputs: new InputReader(() => undefined),
        outputs: new OutputWriter({ logger }),
        summary: new SummaryBuilder({ logger }),
        logger,
        cancellation: new Cancellation({
          process: {
            on: () => undefined,
            off: () => undefined,
            exit: () => undefined,
          },
          exitAfterRestore: false,
        }),
        clock: systemClock,
        sleep: realSleep,
        env: stackEnv(),
      },
      (name) => saved[name] ?? '',
    )
    expect(await weights(f)).toEqual({ blue: 100, green: 0 })
    expect(await lockExists(f)).toBe(false)
    expect(logger.lines.join('\n')).toMatch(/Released the deploy lock/)
  })
})

describe('blue-green-deploy cancellation', () => {
  it('SIGTERM mid-canary restores traffic', async () => {
    const f = await fixture()
    const folder = mkdtempSync(path.join(tmpdir(), 'kit-bg-sigterm-'))
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }))
    const files = {
      GITHUB_OUTPUT: path.join(folder, 'output'),
      GITHUB_STATE: path.join(folder, 'state'),
      GITHUB_STEP_SUMMARY: path.join(folder, 'summary.md'),
    }
    for (const file of Object.values(files)) writeFileSync(file, '')
    const child = spawn(
      path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
      [path.join(repoRoot, 'actions/blue-green-deploy/src/index.ts')],
      {
        cwd: folder,
        env: {
          ...stackEnv(),
          ...inputEnv('blue-green-deploy', {
            ...f.inputs,
            traffic: 'canary',
            'canary-bake-time': '30s',
          }),
          ...files,
          GITHUB_WORKSPACE: folder,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    )
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })

    const until = Date.now() + 60_000
    while ((await weights(f)).green !== 10) {
      if (Date.now() > until || child.exitCode !== null) {
        throw new Error(`the canary step never came:\n${stdout}`)
      }
      await sleep(100)
    }
    expect(await lockExists(f)).toBe(true)
    child.kill('SIGTERM')
    const code = await exited

    expect(code).toBe(143)
    expect(await weights(f)).toEqual({ blue: 100, green: 0 })
    expect(await lockExists(f)).toBe(false)
    const outputs = parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8'))
    const record = JSON.parse(outputs['record-json'] ?? '{}') as RecordFragment
    expect(record.status).toBe('cancelled')
    expect(outputs['rolled-back']).toBe('true')
    const file = JSON.parse(
      readFileSync(
        path.join(folder, '.deploy-records/blue-green-deploy.json'),
        'utf8',
      ),
    ) as RecordFragment
    expect(file.status).toBe('cancelled')
  })
})
