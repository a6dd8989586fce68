// verify-health through two fault proxies: one between the action and the
// application it probes, one between its rollback and moto. The committed
// bundle runs the way the runner runs it.
import { afterEach, describe, expect, it } from '@jest/globals'
import { runBundle, type BundleResult } from '../../helpers/action-inputs.js'
import {
  createBlueGreenStack,
  forwardWeights,
  registerTargets,
  type BlueGreenStack,
} from '../../helpers/blue-green-stack.js'
import {
  startFaultProxy,
  transientFaultRules,
  type FaultProxy,
  type FaultRule,
} from '../../helpers/fault-proxy.js'
import {
  startHttpServer,
  type TestServer,
} from '../../helpers/health-servers.js'
import { stackEnv } from '../../helpers/stack.js'
import { resilienceSeed } from '../sampling.js'
import {
  expectNamedFailure,
  expectSuccess,
  lastErrorLine,
  motoProxy,
  proxiedEnv,
  recordPersistent,
  recordSurvival,
  survivalRuns,
  TRANSIENT_FRACTION,
  transientRules,
} from './fault-run.js'

const STEP_TIMEOUT_MS = 30_000
const cleanups: Array<() => Promise<void> | void> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function app(status: number): Promise<TestServer> {
  const server = await startHttpServer((_request, response) => {
    response.statusCode = status
    response.end(status === 200 ? 'ok' : 'bad gateway')
  })
  cleanups.push(() => server.close())
  return server
}

async function appProxy(
  server: TestServer,
  rules: FaultRule[],
  seedOffset = 0,
): Promise<FaultProxy> {
  const proxy = await startFaultProxy({
    target: server.origin,
    rules,
    seed: resilienceSeed() + 1000 + seedOffset,
  })
  cleanups.push(() => proxy.close())
  return proxy
}

async function awsProxy(
  rules: FaultRule[],
  seedOffset = 0,
): Promise<FaultProxy> {
  const proxy = await motoProxy(rules, seedOffset)
  cleanups.push(() => proxy.close())
  return proxy
}

async function blueGreen(): Promise<BlueGreenStack> {
  const stack = await createBlueGreenStack({
    weightsNow: { blue: 0, green: 100 },
    blueDesiredCount: 2,
    greenDesiredCount: 2,
  })
  cleanups.push(() => stack.destroy())
  await registerTargets(stack, stack.state.blue.target_group_arn, 2)
  return stack
}

function check(
  url: string,
  env: NodeJS.ProcessEnv,
  inputs: Record<string, string> = {},
): Promise<BundleResult> {
  return runBundle('verify-health', {
    inputs: {
      urls: `${url}/healthz`,
      'consecutive-successes': '10',
      interval: '50ms',
      'attempt-timeout': '2s',
      timeout: '10s',
      ...inputs,
    },
    env,
    timeoutMs: STEP_TIMEOUT_MS + 30_000,
  })
}

async function rollbackRun(
  stack: BlueGreenStack,
  failing: TestServer,
  aws: FaultProxy,
): Promise<BundleResult> {
  return check(failing.origin, proxiedEnv(aws), {
    timeout: '1s',
    'attempt-timeout': '500ms',
    'rollback-on-failure': 'true',
    'rollback-timeout': '20s',
    'deployment-json': JSON.stringify(stack.state),
  })
}

function rollbackOf(run: BundleResult): Record<string, unknown> {
  const parsed = JSON.parse(run.outputs['rollback-json'] ?? '{}') as Record<
    string,
    unknown
  >
  return {
    status: parsed.status,
    changed: parsed.changed,
    restored: parsed.restored_weights,
    found: parsed.weights_found,
  }
}

describe('verify-health under faults', () => {
  it('survives 20% faults on the application path', async () => {
    const server = await app(200)
    const clean = await appProxy(server, [])
    const expected = await check(clean.url, stackEnv())
    expectSuccess(expected)

    for (let run = 0; run < survivalRuns(); run += 1) {
      const faulty = await appProxy(
        server,
        [
          { name: 'first probe', fault: 'reset', firstN: 1 },
          ...transientFaultRules(TRANSIENT_FRACTION),
        ],
        run,
      )
      const result = await check(faulty.url, stackEnv())
      recordSurvival('verify-health probes', faulty, result.exitCode === 0)
      expect(faulty.injected.length).toBeGreaterThan(0)
      expectSuccess(result)
      expect(result.outputs.healthy).toBe(expected.outputs.healthy)
      expect(result.outputs['last-status']).toBe(
        expected.outputs['last-status'],
      )
    }
  })

  it('rollback survives 20% AWS faults', async () => {
    const failing = await app(502)
    const cleanStack = await blueGreen()
    const expected = await rollbackRun(cleanStack, failing, await awsProxy([]))
    expect(expected.exitCode).toBe(1)
    expect(rollbackOf(expected)).toMatchObject({
      status: 'succeeded',
      restored: { blue: 100, green: 0 },
    })

    for (let run = 0; run < survivalRuns(); run += 1) {
      const stack = await blueGreen()
      // A rollback makes few calls, so the first listener read and write
      // fail for certain on top of the random share.
      const faulty = await awsProxy(
        [
          {
            name: 'first DescribeListeners',
            operation: 'DescribeListeners',
            fault: 'reset',
            firstN: 1,
          },
          {
            name: 'first ModifyListener',
            operation: 'ModifyListener',
            fault: 'throttle',
            firstN: 1,
          },
          ...transientRules(),
        ],
        run,
      )
      const result = await rollbackRun(stack, failing, faulty)
      const survived = rollbackOf(result).status === 'succeeded'
      recordSurvival('verify-health rollback', faulty, survived)
      expect(faulty.injected.length).toBeGreaterThan(0)
      expect(result.exitCode).toBe(1)
      expect(rollbackOf(result)).toEqual(rollbackOf(expected))
      expect(await forwardWeights(stack)).toMatchObject({
        [stack.state.blue.target_group_arn]: 100,
        [stack.state.green.target_group_arn]: 0,
      })
    }
  })

  it('fails in time on persistent connection resets', async () => {
    const server = await app(200)
    const faulty = await appProxy(server, [
      { path: '/healthz', fault: 'reset' },
    ])
    const run = await check(faulty.url, stackEnv(), { timeout: '2s' })
    const named =
      /\/healthz/.test(run.stdout) &&
      /ECONNRESET|socket hang up|reset/i.test(lastErrorLine(run))
    recordPersistent(
      'verify-health, persistent connection resets',
      run.exitCode !== 0 && named,
      `exit ${run.exitCode} after ${run.durationMs} ms, ${faulty.injected.length} faults: ${lastErrorLine(run)}`,
    )
    expect(run.exitCode).toBe(1)
    expect(run.outputs.healthy).toBe('false')
    expect(lastErrorLine(run)).toMatch(/ECONNRESET|socket hang up|reset/i)
    expect(run.durationMs).toBeLessThan(STEP_TIMEOUT_MS)
    expect(server.requests).toBe(0)
  })

  it('rollback fails cleanly on persistent ModifyListener faults', async () => {
    const failing = await app(502)
    const stack = await blueGreen()
    const before = await forwardWeights(stack)
    const faulty = await awsProxy([
      {
        service: 'elasticloadbalancing',
        operation: 'ModifyListener',
        fault: 'throttle',
      },
    ])
    const run = await rollbackRun(stack, failing, faulty)
    const after = await forwardWeights(stack)
    recordPersistent(
      'verify-health rollback, persistent ELBv2 ModifyListener Throttling',
      run.exitCode !== 0 &&
        /ModifyListener/.test(lastErrorLine(run)) &&
        JSON.stringify(after) === JSON.stringify(before),
      `exit ${run.exitCode} after ${run.durationMs} ms, ${faulty.injected.length} faults: ${lastErrorLine(run)}`,
    )
    expectNamedFailure(run, {
      label: 'ModifyListener',
      error: 'Throttling',
      limitMs: STEP_TIMEOUT_MS,
    })
    expect(rollbackOf(run).status).toBe('failed')
    // The weights were not half-changed: green still has all traffic.
    expect(after).toEqual(before)
  })
})
