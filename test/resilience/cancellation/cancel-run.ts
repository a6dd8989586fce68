// Shared pieces of the cancellation tests: the seeded cancellation points
// of an action, sending SIGINT or SIGTERM to a running bundle at a point,
// and the figures each test records.
import { cpSync, existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { actionDir } from '../../helpers/action-inputs.js'
import type { RunningBundle } from '../../helpers/action-inputs.js'
import { recordFigures } from '../figures.js'
import {
  isFullSweep,
  resilienceSeed,
  seededRandom,
  seededSample,
} from '../sampling.js'

/** Points per action in the full sweep (KIT_RESILIENCE_FULL=1). */
export const FULL_SWEEP_POINTS = 20

/** Points per action in the seeded CI sample. */
export const SAMPLE_POINTS = 5

/** A stage of an action's run, recognised by a line the action logs when it starts. */
export interface Phase {
  name: string
  pattern: RegExp
  /** Upper bound of the seeded delay after the phase appears; short for phases that end soon. */
  maxDelayMs: number
}

/** Where and how a run is cancelled: after `phase` appears, plus `delayMs`. */
export interface CancelPoint {
  index: number
  phase: Phase
  delayMs: number
  signal: 'SIGINT' | 'SIGTERM'
}

/** Returns a short description of a point for messages and figures. */
export function describePoint(point: CancelPoint): string {
  return `#${point.index} ${point.signal} ${point.delayMs} ms after '${point.phase.name}'`
}

/**
 * Returns the cancellation points of one action: FULL_SWEEP_POINTS points
 * that cycle through `phases`, each with a seeded delay below its phase's
 * `maxDelayMs` and a seeded signal. The CI sample is SAMPLE_POINTS of them, also chosen
 * by the seed; the full sweep runs all of them.
 */
export function cancellationPoints(
  label: string,
  phases: Phase[],
): CancelPoint[] {
  const random = seededRandom(resilienceSeed() ^ labelHash(label))
  const points: CancelPoint[] = []
  for (let index = 0; index < FULL_SWEEP_POINTS; index += 1) {
    const phase = phases[index % phases.length] as Phase
    points.push({
      index,
      phase,
      delayMs: Math.floor(random() * phase.maxDelayMs),
      signal: random() < 0.5 ? 'SIGINT' : 'SIGTERM',
    })
  }
  const chosen = seededSample(points, SAMPLE_POINTS, `cancellation ${label}`)
  console.log(
    `[cancellation] ${label}: seed ${resilienceSeed()}, ${isFullSweep() ? 'full sweep' : 'sample'} of ${chosen.length} points:\n` +
      chosen.map((point) => `  ${describePoint(point)}`).join('\n'),
  )
  return chosen
}

/** FNV-1a hash of a label, so that each action draws its own points from one seed. */
function labelHash(label: string): number {
  let hash = 0x811c9dc5
  for (const char of label) {
    hash ^= char.codePointAt(0) ?? 0
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

/**
 * Copies an action's action.yml and committed bundle to a temporary folder
 * and returns that folder, for runBundle and startBundle. The many runs of
 * a sweep then use one bundle, also while `npm run build` rewrites dist/.
 */
export function snapshotAction(name: string): string {
  const source = actionDir(name)
  if (!existsSync(path.join(source, 'dist', 'index.js'))) {
    throw new Error(
      `${source}/dist/index.js is missing; run \`npm run build\` first.`,
    )
  }
  // The folder keeps the action's name, which runBundle passes as GITHUB_ACTION.
  const target = path.join(
    mkdtempSync(path.join(tmpdir(), 'kit-bundle-')),
    name,
  )
  cpSync(path.join(source, 'action.yml'), path.join(target, 'action.yml'))
  cpSync(path.join(source, 'dist'), path.join(target, 'dist'), {
    recursive: true,
  })
  return target
}

/** Exit code of a process cancelled by `signal`: 128 + the signal number. */
export function cancelledExitCode(signal: CancelPoint['signal']): number {
  return signal === 'SIGINT' ? 130 : 143
}

export interface Delivery {
  /** Whether the signal went to a process that was still running. */
  sent: boolean
  /** Milliseconds from the start until the signal was sent. */
  atMs: number
}

/**
 * Waits until the run's output shows the point's phase, then `delayMs`
 * more, and sends the point's signal. Sends nothing when the run has ended
 * first, and throws when the phase does not appear within `timeoutMs`.
 */
export async function cancelAt(
  running: RunningBundle,
  point: CancelPoint,
  timeoutMs = 120_000,
): Promise<Delivery> {
  const started = Date.now()
  const exited = () =>
    running.child.exitCode !== null || running.child.signalCode !== null
  while (!point.phase.pattern.test(running.stdout())) {
    if (exited()) return { sent: false, atMs: Date.now() - started }
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `the phase '${point.phase.name}' (${point.phase.pattern}) did not appear within ${timeoutMs} ms; output so far:\n${running.stdout()}`,
      )
    }
    await sleep(20)
  }
  if (point.delayMs > 0) await sleep(point.delayMs)
  if (exited()) return { sent: false, atMs: Date.now() - started }
  running.child.kill(point.signal)
  return { sent: true, atMs: Date.now() - started }
}

/** Checks of one point, collected so that one failure does not hide the others. */
export class PointChecks {
  readonly problems: string[] = []

  constructor(readonly point: CancelPoint) {}

  /** Records `message` as a problem of this point unless `ok`. */
  expect(ok: boolean, message: string): void {
    if (!ok) this.problems.push(`${describePoint(this.point)}: ${message}`)
  }

  /** Prints the end of the run's output when the point has problems, for diagnosis. */
  printOutputOnProblems(output: string): void {
    if (this.problems.length === 0) return
    const tail = output.split('\n').slice(-40).join('\n')
    console.log(`[cancellation] ${describePoint(this.point)} output:\n${tail}`)
  }
}

/**
 * Records the figures of one action: each point tried, and passed when it
 * ended with a clean exit and every check held. Returns the problems.
 */
export function recordCancellation(
  name: string,
  results: PointChecks[],
  notes: string[] = [],
): string[] {
  const problems = results.flatMap((result) => result.problems)
  recordFigures('cancellation', {
    name,
    tried: results.length,
    passed: results.filter((result) => result.problems.length === 0).length,
    details: [`seed ${resilienceSeed()}`, ...notes, ...problems],
  })
  return problems
}

/**
 * Checks how a signalled run ended and what its record says. A run
 * cancelled mid-way exits with 130 or 143 and records `cancelled`. A signal
 * that arrives after the action had finished its work and written its
 * record may still end the process (130, 143, or the signal's default
 * action once the handlers are removed), so `succeeded` passes too, but
 * only when `finished` confirms that every change of a successful run is
 * in place.
 */
export function checkCancelledRun(
  checks: PointChecks,
  run: { exitCode: number | null; signal: NodeJS.Signals | null },
  statuses: { output: string; file: string },
  finished: boolean,
): 'cancelled' | 'finished before the signal' {
  const code = cancelledExitCode(checks.point.signal)
  if (statuses.output === 'succeeded' && statuses.file === 'succeeded') {
    checks.expect(
      finished,
      'the record says succeeded but the changes of a successful run are not all in place',
    )
    checks.expect(
      run.exitCode === code ||
        run.exitCode === 0 ||
        run.signal === checks.point.signal,
      `exit code ${run.exitCode} (signal ${run.signal}) after a finished run`,
    )
    return 'finished before the signal'
  }
  checks.expect(
    run.exitCode === code,
    `exit code ${run.exitCode} (signal ${run.signal}), expected ${code}`,
  )
  checks.expect(
    statuses.output === 'cancelled',
    `record-json status ${statuses.output}`,
  )
  checks.expect(
    statuses.file === 'cancelled',
    `record-file status ${statuses.file}`,
  )
  return 'cancelled'
}

/** Returns the `status` of a JSON record, or why there is none. */
export function recordStatus(json: string | undefined): string {
  if (json === undefined || json === '') return '(no record)'
  try {
    const parsed = JSON.parse(json) as { status?: unknown }
    return String(parsed.status)
  } catch {
    return `(invalid JSON: ${json.slice(0, 80)})`
  }
}

/**
 * Runs `check` every `intervalMs` until `stop()` is called and collects the
 * distinct problems it returns. It watches for states that must never be
 * seen while an action runs.
 */
export function watch(
  check: () => Promise<string | undefined>,
  intervalMs = 50,
): { stop(): Promise<string[]>; samples(): number } {
  const seen = new Set<string>()
  let running = true
  let count = 0
  const loop = (async () => {
    while (running) {
      try {
        const problem = await check()
        if (problem !== undefined) seen.add(problem)
      } catch (error) {
        seen.add(`the watcher failed: ${String(error)}`)
      }
      count += 1
      await sleep(intervalMs)
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return [...seen]
    },
    samples: () => count,
  }
}
