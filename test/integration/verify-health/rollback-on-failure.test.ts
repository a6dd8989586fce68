import { afterEach, describe, expect, it } from '@jest/globals'
import type { RecordFragment } from '../../../common/contracts/records.js'
import {
  createBlueGreenStack,
  forwardWeights,
  registerTargets,
  serviceCounts,
  type BlueGreenStack,
} from '../../helpers/blue-green-stack.js'
import {
  startHttpServer,
  type TestServer,
} from '../../helpers/health-servers.js'
import { stackEnv } from '../../helpers/stack.js'
import {
  runVerifyHealthAction,
  type ActionRun,
} from '../../helpers/verify-health.js'

const cleanups: Array<() => Promise<void> | void> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup()
  }
})

async function failingEndpoint(): Promise<TestServer> {
  const server = await startHttpServer((_request, response) => {
    response.statusCode = 502
    response.end('bad gateway')
  })
  cleanups.push(() => server.close())
  return server
}

async function blueGreen(blueDesiredCount: number): Promise<BlueGreenStack> {
  const stack = await createBlueGreenStack({
    weightsNow: { blue: 0, green: 100 },
    blueDesiredCount,
    greenDesiredCount: 2,
  })
  cleanups.push(() => stack.destroy())
  return stack
}

async function runWithRollback(
  server: TestServer,
  stack: BlueGreenStack,
): Promise<ActionRun> {
  const run = await runVerifyHealthAction(
    {
      urls: server.origin,
      timeout: '500ms',
      'rollback-on-failure': 'true',
      'rollback-timeout': '30s',
      'deployment-json': JSON.stringify(stack.state),
    },
    {},
    stackEnv(),
  )
  cleanups.push(() => run.cleanup())
  return run
}

describe('verify-health rollback-on-failure', () => {
  it('restores the weights after a failed check', async () => {
    const server = await failingEndpoint()
    const stack = await blueGreen(2)
    await registerTargets(stack, stack.state.blue.target_group_arn, 2)

    const run = await runWithRollback(server, stack)

    expect(run.outcome).toBe('failed')
    expect(run.failures[0]).toMatch(
      /^Health check failed: .*HTTP 502 Bad Gateway, expected 200\. Rolled back: traffic restored to blue 100 \/ green 0$/,
    )
    expect(await forwardWeights(stack)).toMatchObject({
      [stack.state.blue.target_group_arn]: 100,
      [stack.state.green.target_group_arn]: 0,
    })
    const rollback = JSON.parse(run.outputs['rollback-json'] ?? '') as Record<
      string,
      unknown
    >
    expect(rollback).toMatchObject({
      status: 'succeeded',
      changed: true,
      restored_weights: { blue: 100, green: 0 },
      weights_found: { blue: 0, green: 100 },
      listener_arn: stack.state.listener_arn,
    })
    const record = JSON.parse(
      run.outputs['record-json'] ?? '',
    ) as RecordFragment
    expect(record.status).toBe('failed')
    expect(record.details?.rollback).toEqual(rollback)
    expect(run.summary).toContain('### Rollback')
    expect(run.summary).toContain(
      `- modified listener ${stack.state.listener_arn}: blue 0 / green 100 -&gt; blue 100 / green 0`,
    )
  })

  it('scales the previous colour up first', async () => {
    const server = await failingEndpoint()
    const stack = await blueGreen(0)
    // Targets that ECS would register once blue runs tasks again.
    await registerTargets(stack, stack.state.blue.target_group_arn, 2)

    const run = await runWithRollback(server, stack)

    expect(run.outcome).toBe('failed')
    expect(JSON.parse(run.outputs['rollback-json'] ?? '')).toMatchObject({
      status: 'succeeded',
      scaled_up_service: stack.state.blue.service,
      scaled_up_desired_count: 2,
    })
    expect(await serviceCounts(stack, stack.state.blue.service)).toEqual({
      desired: 2,
      running: 2,
    })
    expect(await forwardWeights(stack)).toMatchObject({
      [stack.state.blue.target_group_arn]: 100,
    })
  })

  it('reports a rollback that cannot find the listener', async () => {
    const server = await failingEndpoint()
    const stack = await blueGreen(2)
    const missing = {
      ...stack.state,
      listener_arn: stack.state.listener_arn.replace(
        /\/[^/]+$/,
        '/0000000000000000',
      ),
    }

    const run = await runVerifyHealthAction(
      {
        urls: server.origin,
        timeout: '400ms',
        'rollback-on-failure': 'true',
        'deployment-json': JSON.stringify(missing),
      },
      {},
      stackEnv({ AWS_MAX_ATTEMPTS: '1' }),
    )
    cleanups.push(() => run.cleanup())

    expect(run.outcome).toBe('failed')
    const rollback = JSON.parse(run.outputs['rollback-json'] ?? '') as {
      status: string
      error: string
    }
    expect(rollback.status).toBe('failed')
    expect(rollback.error).toMatch(
      /^DescribeListeners failed: ListenerNotFound/,
    )
    expect(run.failures[0]).toContain(
      '. Rollback failed: DescribeListeners failed: ListenerNotFound',
    )
    expect(await forwardWeights(stack)).toMatchObject({
      [stack.state.green.target_group_arn]: 100,
    })
  })
})
