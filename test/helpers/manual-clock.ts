import { throwIfAborted, type Clock, type Sleep } from '../../common/clock.js'

/** Clock whose time moves only when a test sleeps or advances it. */
export interface ManualClock extends Clock {
  /** Moves the time forward by `ms`. */
  advance(ms: number): void
  /** Sleep that records the requested delay and advances the time by it. */
  readonly sleep: Sleep
  /** Every delay passed to `sleep`, in call order. */
  readonly sleeps: number[]
}

/** Creates a manual clock starting at `startMs` (2026-12-04T12:00:00Z by default). */
export function manualClock(startMs = Date.UTC(2026, 11, 4, 12)): ManualClock {
  let now = startMs
  const sleeps: number[] = []
  return {
    now: () => now,
    advance(ms) {
      now += ms
    },
    sleeps,
    async sleep(ms, signal) {
      throwIfAborted(signal)
      sleeps.push(ms)
      now += ms
      await Promise.resolve()
      throwIfAborted(signal)
    },
  }
}
