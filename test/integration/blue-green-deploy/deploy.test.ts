import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  it,
} from '@jest/globals'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs'
import {
  CreateListenerCommand,
  DescribeListenersCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import {
  createDeployFixture,
  runDeployAction,
  waitForSteady,
  type DeployFixture,
} from '../../helpers/blue-green-deploy.js'
import {
  forwardWeights,
  serviceCounts,
} from '../../helpers/blue-green-stack.js'
import {
  raiseAlb5xx,
  resetEngineConfig,
  setConvergeSeconds,
} from '../../helpers/ecs-engine.js'
import { awsClient } from '../../helpers/fixtures.js'
import {
  startHttpServer,
  type TestServer,
} from '../../helpers/health-servers.js'

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

async function fixture(opts: { rule?: boolean } = {}): Promise<DeployFixture> {
  const created = await createDeployFixture(opts)
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

async function primaryTaskDefinition(f: DeployFixture, service: string) {
  const described = await f.stack.ecs.send(
    new DescribeServicesCommand({
      cluster: f.stack.state.cluster,
      services: [service],
    }),
  )
  return described.services?.[0]?.deployments?.find(
    (d) => d.status === 'PRIMARY',
  )?.taskDefinition
}

async function server(status: number): Promise<TestServer> {
  const started = await startHttpServer((_request, response) => {
    response.statusCode = status
    response.end(status === 200 ? 'ok' : 'broken')
  })
  cleanups.push(() => started.close())
  return started
}

describe('blue-green-deploy deploys', () => {
  it('alternates colours over two deploys', async () => {
    const f = await fixture()
    const first = await runDeployAction(f.inputs)
    expect(first.failures).toEqual([])
    expect(first.outcome).toBe('succeeded')
    expect(first.outputs['live-colour-before']).toBe('blue')
    expect(first.outputs['live-colour-after']).toBe('green')
    expect(first.outputs['image-digest']).toBe(f.inputs.image?.split('@')[1])
    expect(first.outputs['rolled-back']).toBe('false')
    expect(await weights(f)).toEqual({ blue: 0, green: 100 })
    const newRevision = first.outputs['task-definition-arn']
    expect(await primaryTaskDefinition(f, f.stack.state.green.service)).toBe(
      newRevision,
    )
    expect(await serviceCounts(f.stack, f.stack.state.blue.service)).toEqual({
      desired: 0,
      running: expect.any(Number),
    })
    expect(first.deployment).toMatchObject({
      live_colour_before: 'blue',
      target_colour: 'green',
      weights_before: { blue: 100, green: 0 },
      weights_after: { blue: 0, green: 100 },
      previous_desired_count: 2,
      new_task_definition_arn: newRevision,
    })
    expect(first.record?.status).toBe('succeeded')
    expect(first.summary).toMatch(/final shift/)
    expect(await lockExists(f)).toBe(false)
    expect(first.state.get('lock')).toBe('')

    const second = await runDeployAction({
      ...f.inputs,
      image: `127.0.0.1:5000/shop/api@sha256:${'d4'.repeat(32)}`,
    })
    expect(second.failures).toEqual([])
    expect(second.outputs['live-colour-before']).toBe('green')
    expect(second.outputs['live-colour-after']).toBe('blue')
    expect(await weights(f)).toEqual({ blue: 100, green: 0 })
    expect(await primaryTaskDefinition(f, f.stack.state.blue.service)).toBe(
      second.outputs['task-definition-arn'],
    )
    const described = await f.stack.ecs.send(
      new DescribeTaskDefinitionCommand({
        taskDefinition: second.outputs['task-definition-arn'],
      }),
    )
    expect(described.taskDefinition?.containerDefinitions?.[0]?.image).toBe(
      `127.0.0.1:5000/shop/api@sha256:${'d4'.repeat(32)}`,
    )
  })

  it('shifts a canary then the rest', async () => {
    const f = await fixture()
    const run = await runDeployAction({
      ...f.inputs,
      traffic: 'canary',
      'canary-percent': '10',
    })
    expect(run.failures).toEqual([])
    const history = JSON.parse(run.outputs['traffic-history-json'] ?? '[]')
    expect(
      history.map((move: { kind: string; percent: number }) => [
        move.kind,
        move.percent,
      ]),
    ).toEqual([
      ['step', 10],
      ['final', 100],
    ])
    expect(history[0].weights).toEqual({ blue: 90, green: 10 })
    expect(run.lines.join('\n')).toMatch(/Bake of 10%/)
    expect(await weights(f)).toEqual({ blue: 0, green: 100 })
  })

  it('takes the lock as run-id', async () => {
    const f = await fixture()
    const savedLocks: string[] = []
    const run = await runDeployAction(
      { ...f.inputs, 'run-id': 'release-4711' },
      {
        saveState: (name, value) => {
          if (name === 'lock' && value !== '') savedLocks.push(value)
        },
      },
    )

    expect(run.failures).toEqual([])
    expect(savedLocks).toHaveLength(1)
    const saved = JSON.parse(savedLocks[0] ?? '{}') as {
      owner?: { run_id?: string; holder?: string }
    }
    expect(saved.owner?.run_id).toBe('release-4711-1')
    expect(saved.owner?.holder).toContain('run release-4711 attempt 1')
  })

  it('shifts linearly in steps', async () => {
    const f = await fixture()
    const run = await runDeployAction({
      ...f.inputs,
      traffic: 'linear',
      'linear-step-percent': '40',
      'keep-old-colour': 'true',
    })
    expect(run.failures).toEqual([])
    const history = JSON.parse(run.outputs['traffic-history-json'] ?? '[]')
    expect(history.map((move: { percent: number }) => move.percent)).toEqual([
      40, 80, 100,
    ])
    expect(await serviceCounts(f.stack, f.stack.state.blue.service)).toEqual({
      desired: 2,
      running: 2,
    })
  })
})

describe('blue-green-deploy routing', () => {
  it('shifts a listener rule', async () => {
    const f = await fixture({ rule: true })
    const run = await runDeployAction(f.inputs)
    expect(run.failures).toEqual([])
    expect(await weights(f)).toEqual({ blue: 0, green: 100 })
    expect(run.deployment?.rule_arn).toBe(f.stack.state.rule_arn)
    const listener = await f.stack.elbv2.send(
      new DescribeListenersCommand({
        ListenerArns: [f.stack.state.listener_arn],
      }),
    )
    expect(listener.Listeners?.[0]?.DefaultActions?.[0]?.Type).toBe(
      'fixed-response',
    )
  })

  it('points the test listener at the new colour', async () => {
    const f = await fixture()
    const listener = (
      await f.stack.elbv2.send(
        new DescribeListenersCommand({
          ListenerArns: [f.stack.state.listener_arn],
        }),
      )
    ).Listeners?.[0]
    const testListener = (
      await f.stack.elbv2.send(
        new CreateListenerCommand({
          LoadBalancerArn: listener?.LoadBalancerArn,
          Protocol: 'HTTP',
          Port: 8080,
          DefaultActions: listener?.DefaultActions,
        }),
      )
    ).Listeners?.[0]?.ListenerArn
    const run = await runDeployAction({
      ...f.inputs,
      'test-listener-arn': testListener,
    })
    expect(run.failures).toEqual([])
    const after = await f.stack.elbv2.send(
      new DescribeListenersCommand({ ListenerArns: [testListener ?? ''] }),
    )
    const groups =
      after.Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups ??
      []
    expect(
      groups.find(
        (group) =>
          group.TargetGroupArn === f.stack.state.green.target_group_arn,
      )?.Weight,
    ).toBe(100)
    expect(
      groups.find(
        (group) => group.TargetGroupArn === f.stack.state.blue.target_group_arn,
      )?.Weight,
    ).toBe(0)
  })
})

describe('blue-green-deploy migration', () => {
  it('runs the one-off task first', async () => {
    const f = await fixture()
    const run = await runDeployAction({
      ...f.inputs,
      'migration-command': '["npm", "run", "migrate"]',
    })
    expect(run.failures).toEqual([])
    expect(run.record?.details?.migration).toEqual({
      task_arn: expect.stringContaining(':task/'),
      exit_code: 0,
    })
    const steps = run.summary.indexOf('| migration |')
    expect(steps).toBeGreaterThan(-1)
    expect(steps).toBeLessThan(run.summary.indexOf('| deploy |'))
  })
})

describe('blue-green-deploy failures', () => {
  it('reports a failing revision untouched', async () => {
    const f = await fixture()
    const previous = await primaryTaskDefinition(f, f.stack.state.green.service)
    const run = await runDeployAction({
      ...f.inputs,
      'environment-variables': 'KIT_SIMULATED_FAILURE=1',
    })
    expect(run.outcome).toBe('failed')
    const message = run.failures[0] ?? ''
    expect(message).toMatch(
      /deployment .* failed: ECS deployment circuit breaker/,
    )
    expect(message).toMatch(/rolled the service back/)
    expect(message).toMatch(/Stopped task .*failed ELB health checks/)
    expect(message).toMatch(/simulated start-up failure/)
    expect(message).toMatch(/Production traffic was not moved/)
    expect(await weights(f)).toEqual({ blue: 100, green: 0 })
    expect(await primaryTaskDefinition(f, f.stack.state.green.service)).toBe(
      previous,
    )
    expect(run.outputs['live-colour-after']).toBe('blue')
    expect(run.record?.status).toBe('failed')
    expect(await lockExists(f)).toBe(false)
  })

  it('stops when the migration exits 1', async () => {
    const f = await fixture()
    const run = await runDeployAction({
      ...f.inputs,
      'migration-command': '["sh", "-c", "exit 1"]',
    })
    expect(run.outcome).toBe('failed')
    expect(run.failures[0]).toMatch(/one-off task .* ended with exit code 1/)
    expect(run.failures[0]).toMatch(/process exited with code 1/)
    expect(await weights(f)).toEqual({ blue: 100, green: 0 })
    expect(await serviceCounts(f.stack, f.stack.state.green.service)).toEqual({
      desired: 0,
      running: 0,
    })
  })

  it('rolls back on 5xx during a bake', async () => {
    const f = await fixture()
    const raise = (async () => {
      const until = Date.now() + 30_000
      while (Date.now() < until) {
        if ((await weights(f)).green === 10) {
          await raiseAlb5xx(f.loadBalancerArn, 20)
          return
        }
        await sleep(100)
      }
    })()
    const run = await runDeployAction({
      ...f.inputs,
      traffic: 'canary',
      'canary-bake-time': '5s',
      'max-5xx-count': '5',
    })
    await raise
    expect(run.outcome).toBe('failed')
    expect(run.failures[0]).toMatch(/counted 20 5xx responses/)
    expect(run.outputs['rolled-back']).toBe('true')
    expect(await weights(f)).toEqual({ blue: 100, green: 0 })
    expect(await serviceCounts(f.stack, f.stack.state.blue.service)).toEqual({
      desired: 2,
      running: 2,
    })
  })

  it('rolls back when verify-health fails', async () => {
    const f = await fixture()
    const broken = await server(500)
    const run = await runDeployAction({
      ...f.inputs,
      traffic: 'canary',
      'verify-urls': `${broken.origin}/healthz`,
      'verify-timeout': '2s',
    })
    expect(run.outcome).toBe('failed')
    expect(run.failures[0]).toMatch(/verify-health failed after 10%/)
    expect(await weights(f)).toEqual({ blue: 100, green: 0 })
    const history = JSON.parse(run.outputs['traffic-history-json'] ?? '[]')
    expect(history.map((move: { kind: string }) => move.kind)).toEqual([
      'step',
      'rollback',
    ])
  })

  it('passes verify-health between steps', async () => {
    const f = await fixture()
    const healthy = await server(200)
    const run = await runDeployAction({
      ...f.inputs,
      traffic: 'canary',
      'verify-urls': `${healthy.origin}/healthz`,
    })
    expect(run.failures).toEqual([])
    expect(run.summary).toMatch(/verify after 10%/)
  })
})

describe('blue-green-deploy rollback mode', () => {
  it('restores weights after a deploy', async () => {
    const f = await fixture()
    const deploy = await runDeployAction(f.inputs)
    expect(deploy.failures).toEqual([])
    expect(await serviceCounts(f.stack, f.stack.state.blue.service)).toEqual(
      expect.objectContaining({ desired: 0 }),
    )
    const rollback = await runDeployAction({
      mode: 'rollback',
      cluster: f.inputs.cluster,
      service: f.service,
      'lock-bucket': f.lockBucket,
      'poll-interval': '1s',
      'run-id': 'bg-rollback',
      'deployment-json': deploy.outputs['deployment-json'],
    })
    expect(rollback.failures).toEqual([])
    expect(rollback.outputs['rolled-back']).toBe('true')
    expect(rollback.outputs['live-colour-after']).toBe('blue')
    expect(await weights(f)).toEqual({ blue: 100, green: 0 })
    expect(await serviceCounts(f.stack, f.stack.state.blue.service)).toEqual({
      desired: 2,
      running: 2,
    })
    expect(rollback.record?.stage).toBe('rollback')
    expect(await lockExists(f)).toBe(false)
  })
})

describe('blue-green-deploy task definition file', () => {
  it('cleans a described task definition', async () => {
    const f = await fixture()
    const live = await primaryTaskDefinition(f, f.stack.state.blue.service)
    const described = await f.stack.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: live }),
    )
    const copy = JSON.parse(JSON.stringify(described)) as {
      taskDefinition: Record<string, unknown> & {
        containerDefinitions: Array<Record<string, unknown>>
      }
      $metadata?: unknown
    }
    delete copy.$metadata
    const container = copy.taskDefinition.containerDefinitions[0] ?? {}
    container.healthCheck = null
    container.linuxParameters = {}
    container.logConfiguration = {
      logDriver: 'awslogs',
      options: {
        'awslogs-group': f.logGroup,
        'awslogs-region': 'us-east-1',
        'awslogs-stream-prefix': 'api',
        'awslogs-multiline-pattern': '',
      },
    }
    copy.taskDefinition.registeredAt = '2026-12-01T00:00:00Z'
    copy.taskDefinition.registeredBy = 'arn:aws:iam::123456789012:role/x'
    copy.taskDefinition.proxyConfiguration = null
    const run = await runDeployAction(
      { ...f.inputs, 'task-definition': 'task-definition.json' },
      {},
      { 'task-definition.json': JSON.stringify(copy) },
    )
    expect(run.failures).toEqual([])
    const removed = (run.record?.details?.removed_task_definition_keys ??
      []) as string[]
    expect(removed).toEqual(
      expect.arrayContaining([
        'taskDefinitionArn (read-only)',
        'revision (read-only)',
        'registeredAt (read-only)',
        'registeredBy (read-only)',
        'proxyConfiguration (null)',
        'containerDefinitions[0].healthCheck (null)',
        'containerDefinitions[0].linuxParameters (empty object)',
      ]),
    )
    const registered = await f.stack.ecs.send(
      new DescribeTaskDefinitionCommand({
        taskDefinition: run.outputs['task-definition-arn'],
      }),
    )
    expect(
      registered.taskDefinition?.containerDefinitions?.[0]?.logConfiguration
        ?.options,
    ).toEqual({
      'awslogs-group': f.logGroup,
      'awslogs-region': 'us-east-1',
      'awslogs-stream-prefix': 'api',
      'awslogs-multiline-pattern': '',
    })
  })
})

describe('blue-green-deploy revisions', () => {
  it('deregisters revisions beyond keep-revisions', async () => {
    const f = await fixture()
    const run = await runDeployAction({ ...f.inputs, 'keep-revisions': '1' })
    expect(run.failures).toEqual([])
    const listed = await f.stack.ecs.send(
      new ListTaskDefinitionsCommand({
        familyPrefix: f.family,
        status: 'ACTIVE',
      }),
    )
    const active = listed.taskDefinitionArns ?? []
    expect(active).toContain(run.outputs['task-definition-arn'])
    // The old colour's revision still backs its (scaled-down) service.
    const blueRevision = await primaryTaskDefinition(
      f,
      f.stack.state.blue.service,
    )
    expect(active).toContain(blueRevision)
    expect(active.length).toBeLessThan(3)
    await waitForSteady(f.stack, f.stack.state.green.service)
  })
})
