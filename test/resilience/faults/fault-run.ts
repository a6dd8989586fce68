// Shared pieces of the fault tests: a proxy in front of this worker's moto
// server, the step environment that sends every AWS call through it, the
// rate of transient faults, and the figures each test records.
import { expect } from '@jest/globals'
import {
  startFaultProxy,
  transientFaultRules,
  type FaultProxy,
  type FaultRule,
} from '../../helpers/fault-proxy.js'
import { motoEndpoint, stackEnv } from '../../helpers/stack.js'
import { recordFigures } from '../figures.js'
import { isFullSweep, resilienceSeed } from '../sampling.js'

/** Share of AWS calls that fail with a transient fault in the survival runs. */
export const TRANSIENT_FRACTION = 0.2

/** Seeded runs per survival test: one in the CI sample, more in the full sweep. */
export function survivalRuns(): number {
  return isFullSweep() ? 5 : 1
}

/** Starts a proxy in front of this worker's moto server; `seedOffset` gives each run its own sequence. */
export function motoProxy(
  rules: FaultRule[] = [],
  seedOffset = 0,
): Promise<FaultProxy> {
  return startFaultProxy({
    target: motoEndpoint(),
    rules,
    seed: resilienceSeed() + seedOffset,
  })
}

/** Returns the stack environment with every AWS endpoint pointed at `proxy`. */
export function proxiedEnv(
  proxy: FaultProxy,
  overrides: Record<string, string | undefined> = {},
): NodeJS.ProcessEnv {
  return stackEnv({ AWS_ENDPOINT_URL: proxy.url, ...overrides })
}

/** Rules that fail TRANSIENT_FRACTION of all calls with throttling, 500s and resets. */
export function transientRules(): FaultRule[] {
  return transientFaultRules(TRANSIENT_FRACTION)
}

/**
 * Records a survival run: every injected fault counts as tried, and as
 * survived when the run completed with the fault-free result.
 */
export function recordSurvival(
  name: string,
  proxy: FaultProxy,
  survived: boolean,
): void {
  const counts = proxy.countsByFault()
  const tried = proxy.injected.length
  recordFigures('faults', {
    name,
    tried,
    passed: survived ? tried : 0,
    details: [
      `${proxy.requestCount} requests, proxy seed ${proxy.seed}: ` +
        Object.entries(counts)
          .filter(([, count]) => count > 0)
          .map(([fault, count]) => `${count} ${fault}`)
          .join(', '),
    ],
  })
}

/** Records a persistent-fault case: one fault scenario, passed when the action failed cleanly. */
export function recordPersistent(
  name: string,
  failedCleanly: boolean,
  detail: string,
): void {
  recordFigures('faults', {
    name,
    tried: 1,
    passed: failedCleanly ? 1 : 0,
    details: [detail],
  })
}

/**
 * Checks that a failed run's log names the service, the operation and the
 * last error, and that it failed within `limitMs`.
 */
export function expectNamedFailure(
  run: { exitCode: number | null; stdout: string; durationMs: number },
  expected: { label: string; error: string; limitMs: number },
): void {
  expect(run.exitCode).not.toBe(0)
  const errorLines = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('::error'))
  expect(errorLines.join('\n')).toContain(expected.label)
  expect(errorLines.join('\n')).toContain(expected.error)
  expect(run.durationMs).toBeLessThan(expected.limitMs)
}

/** Checks that a run succeeded, showing its error lines when it did not. */
export function expectSuccess(run: {
  exitCode: number | null
  stdout: string
  stderr: string
}): void {
  const errorLines = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('::error'))
  const stderrTail = run.exitCode === 0 ? '' : run.stderr.slice(-600)
  expect({ exitCode: run.exitCode, errorLines, stderrTail }).toEqual({
    exitCode: 0,
    errorLines: [],
    stderrTail: '',
  })
}

/** Returns the first line of the last ::error line of a run, without the command prefix. */
export function lastErrorLine(run: { stdout: string }): string {
  const lines = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('::error'))
  const last = (lines.at(-1) ?? '(no error line)').replace(
    /^::error[^:]*::/,
    '',
  )
  // Workflow commands encode line breaks as %0A; the first line is enough.
  return last.split('%0A')[0] ?? last
}
