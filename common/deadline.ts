import {
  realSleep,
  systemClock,
  throwIfAborted,
  type Clock,
  type Sleep,
} from './clock.js'
import { formatDuration } from './duration.js'
import { DeadlineError } from './errors.js'
import type { Logger } from './log.js'
import { plural } from './plural.js'

/** The limit that decides when a deadline passes. */
type Limit =
  | { kind: 'timeout'; timeoutMs: number; stage: string }
  | { kind: 'run-deadline'; at: number }
  | { kind: 'none' }

export interface DeadlineStartOptions {
  /** Stage name used in log lines and errors, such as 'blue/green deploy'. */
  stage: string
  /** The stage's own time limit, counted from now. */
  timeoutMs?: number
  /** Run-wide deadline as epoch ms (the `deadline-at` input). */
  deadlineAt?: number
  clock?: Clock
}

/**
 * A hard time limit for a stage: the earlier of now + timeout and the
 * run-wide deadline. Without either limit the deadline never passes.
 */
export class Deadline {
  readonly stage: string
  /** Epoch ms at which the deadline passes, or Infinity when unlimited. */
  readonly at: number
  /** Epoch ms at which the stage started. */
  readonly startedAt: number
  readonly clock: Clock
  private readonly limit: Limit
  private readonly runDeadlineAt: number | undefined

  private constructor(opts: {
    stage: string
    at: number
    startedAt: number
    clock: Clock
    limit: Limit
    runDeadlineAt: number | undefined
  }) {
    this.stage = opts.stage
    this.at = opts.at
    this.startedAt = opts.startedAt
    this.clock = opts.clock
    this.limit = opts.limit
    this.runDeadlineAt = opts.runDeadlineAt
  }

  /** Starts a deadline now. Throws a RangeError for a negative or non-finite limit. */
  static start(opts: DeadlineStartOptions): Deadline {
    const clock = opts.clock ?? systemClock
    checkTimeout(opts.stage, opts.timeoutMs)
    if (opts.deadlineAt !== undefined && !Number.isFinite(opts.deadlineAt)) {
      throw new RangeError(
        `Deadline for '${opts.stage}': deadlineAt must be epoch milliseconds, got ${opts.deadlineAt}`,
      )
    }

    const now = clock.now()
    const timeoutAt =
      opts.timeoutMs === undefined ? Infinity : now + opts.timeoutMs
    const runAt = opts.deadlineAt ?? Infinity
    let limit: Limit = { kind: 'none' }
    if (opts.timeoutMs !== undefined && timeoutAt <= runAt) {
      limit = { kind: 'timeout', timeoutMs: opts.timeoutMs, stage: opts.stage }
    } else if (opts.deadlineAt !== undefined) {
      limit = { kind: 'run-deadline', at: opts.deadlineAt }
    }

    return new Deadline({
      stage: opts.stage,
      at: Math.min(timeoutAt, runAt),
      startedAt: now,
      clock,
      limit,
      runDeadlineAt: opts.deadlineAt,
    })
  }

  /** Creates a deadline for a sub-step that never passes later than this one. */
  child(stage: string, timeoutMs?: number): Deadline {
    checkTimeout(stage, timeoutMs)
    const now = this.clock.now()
    const ownAt = timeoutMs === undefined ? Infinity : now + timeoutMs
    const ownLimitApplies = timeoutMs !== undefined && ownAt < this.at
    return new Deadline({
      stage,
      at: Math.min(ownAt, this.at),
      startedAt: now,
      clock: this.clock,
      limit: ownLimitApplies
        ? { kind: 'timeout', timeoutMs, stage }
        : this.limit,
      runDeadlineAt: this.runDeadlineAt,
    })
  }

  /** Time left before the deadline, never negative, or Infinity when unlimited. */
  remainingMs(): number {
    return Math.max(0, this.at - this.clock.now())
  }

  /** Time since the stage started. */
  elapsedMs(): number {
    return this.clock.now() - this.startedAt
  }

  expired(): boolean {
    return this.clock.now() >= this.at
  }

  /**
   * Throws a DeadlineError when the deadline has passed. `what` completes the
   * sentence "<stage> timed out after 10m ...", for example 'waiting for the
   * service to become stable'.
   */
  check(what?: string): void {
    if (this.expired()) throw this.timeoutError(what)
  }

  /**
   * Builds the error for a passed deadline: "<stage> timed out after 10m
   * [what] (limit: timeout 10m; run budget left: ...)[. detail]".
   */
  timeoutError(
    what?: string,
    opts: { detail?: string; cause?: unknown } = {},
  ): DeadlineError {
    const after = formatSeconds(this.elapsedMs())
    const context = what ? ` ${what}` : ''
    const detail = opts.detail ? `. ${opts.detail}` : ''
    return new DeadlineError(
      `${this.stage} timed out after ${after}${context} (${this.describeLimit()})${detail}`,
      { stage: this.stage, remainingMs: this.remainingMs(), cause: opts.cause },
    )
  }

  /**
   * Describes which limit applies and the run budget left, for example
   * "limit: timeout 10m; run budget left: 4m 10s until 2026-12-04T12:30:00.000Z".
   */
  describeLimit(): string {
    const parts = [`limit: ${this.describeLimitKind()}`]
    if (this.runDeadlineAt !== undefined) {
      const left = Math.max(0, this.runDeadlineAt - this.clock.now())
      const iso = new Date(this.runDeadlineAt).toISOString()
      parts.push(`run budget left: ${formatSeconds(left)} until ${iso}`)
    }
    return parts.join('; ')
  }

  /** Sleeps min(ms, remaining time). Rejects with a CancelledError when `signal` aborts. */
  async sleep(
    ms: number,
    sleep: Sleep = realSleep,
    signal?: AbortSignal,
  ): Promise<void> {
    await sleep(Math.min(ms, this.remainingMs()), signal)
  }

  private describeLimitKind(): string {
    switch (this.limit.kind) {
      case 'timeout': {
        const timeout = `timeout ${formatSeconds(this.limit.timeoutMs)}`
        return this.limit.stage === this.stage
          ? timeout
          : `${timeout} of '${this.limit.stage}'`
      }
      case 'run-deadline':
        return `run deadline ${new Date(this.limit.at).toISOString()}`
      case 'none':
        return 'none'
    }
  }
}

function checkTimeout(stage: string, timeoutMs: number | undefined): void {
  if (timeoutMs === undefined) return
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(
      `Deadline for '${stage}': timeout must be a finite number of ms >= 0, got ${timeoutMs}`,
    )
  }
}

export interface WaitForOptions<T> {
  /** Subject of the wait, completing "Waiting for ...", such as 'service web to become stable'. */
  what: string
  deadline: Deadline
  /** Time between two polls. */
  intervalMs: number
  /** Returns the awaited value, or undefined to poll again. */
  check: () => Promise<T | undefined>
  /** Returns the latest state as text for the progress lines and the timeout error. */
  describe?: () => string
  logger?: Logger
  sleep?: Sleep
  signal?: AbortSignal
}

/**
 * Polls `check` every `intervalMs` until it returns a value other than
 * undefined. Logs one progress line per poll (elapsed, remaining, latest
 * state). Polls one last time when the deadline arrives, then throws a
 * DeadlineError that includes the latest state. Errors from `check` are
 * not caught.
 */
export async function waitFor<T>(opts: WaitForOptions<T>): Promise<T> {
  const { deadline, what } = opts
  if (!Number.isFinite(opts.intervalMs) || opts.intervalMs <= 0) {
    throw new RangeError(
      `waitFor '${what}': intervalMs must be a positive number, got ${opts.intervalMs}`,
    )
  }
  const sleep = opts.sleep ?? realSleep
  const startedAt = deadline.clock.now()

  for (let poll = 1; ; poll += 1) {
    throwIfAborted(opts.signal)
    const value = await opts.check()
    const elapsed = formatSeconds(deadline.clock.now() - startedAt)
    if (value !== undefined) {
      opts.logger?.info(
        `Done waiting for ${what} after ${elapsed} (${plural(poll, 'poll')})`,
      )
      return value
    }

    const state = opts.describe?.() ?? ''
    const remaining = deadline.remainingMs()
    const stateText = state ? `; state: ${state}` : ''
    opts.logger?.info(
      `Waiting for ${what}: ${elapsed} elapsed, ${formatSeconds(remaining)} left${stateText}`,
    )
    if (remaining <= 0) {
      throw deadline.timeoutError(`waiting for ${what}`, {
        detail: state ? `Latest state: ${state}` : undefined,
      })
    }
    await deadline.sleep(opts.intervalMs, sleep, opts.signal)
  }
}

/**
 * Formats a time span for log lines and errors, rounded to whole seconds
 * from one second up ('1m30s', '250ms'). Infinity reads 'no limit'.
 */
export function formatSeconds(ms: number): string {
  if (!Number.isFinite(ms)) return 'no limit'
  return formatDuration(ms >= 1000 ? Math.round(ms / 1000) * 1000 : ms)
}
