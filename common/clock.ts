import { CancelledError, errorMessage } from './errors.js'

/** Source of the current time, replaced by a manual clock in tests. */
export interface Clock {
  /** Current time as epoch milliseconds. */
  now(): number
}

/**
 * Waits `ms` milliseconds. Rejects with a CancelledError as soon as
 * `signal` aborts, including when it has already aborted.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>

export const systemClock: Clock = { now: () => Date.now() }

/** Sleep backed by setTimeout. The timer is cleared when the signal aborts. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelledErrorFrom(signal))
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(cancelledErrorFrom(signal))
    }
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      },
      Math.max(0, ms),
    )
    signal?.addEventListener('abort', onAbort, { once: true })
  })

/**
 * Returns the CancelledError to raise for an aborted signal: the signal's
 * reason when it is one (Cancellation aborts with it), otherwise a new one
 * that wraps the reason.
 */
export function cancelledErrorFrom(signal?: AbortSignal): CancelledError {
  const reason: unknown = signal?.reason
  if (reason instanceof CancelledError) return reason
  // NOTE: an AbortController that is not driven by a process signal has no
  // signal name to report, so the error reports SIGTERM.
  const error = new CancelledError(
    'SIGTERM',
    `The operation was aborted: ${errorMessage(reason)}`,
  )
  error.cause = reason
  return error
}

/** Throws a CancelledError when `signal` has aborted. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw cancelledErrorFrom(signal)
}
