import type { S3Client } from '@aws-sdk/client-s3'
import { realSleep } from '../../../common/clock.js'
import { retry, isTransientAwsError } from '../../../common/retry.js'
import type { Logger } from '../../../common/log.js'

/** Limits one S3 request; `send` aborts an attempt after attemptTimeoutMs and retries it. */
export interface RequestLimits {
  attemptTimeoutMs: number
  /** Attempts of one request in total, each with its own timeout (the SDK retries inside an attempt too). */
  maxAttempts: number
  signal?: AbortSignal
  logger?: Logger
}

/** Whether an error is the timeout of one attempt (not a cancellation). */
function isAttemptTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name
  return name === 'TimeoutError'
}

/**
 * Sends one S3 command with a per-attempt timeout. The SDK client retries
 * throttling and transient errors within an attempt (standard retry mode).
 * An attempt that passes its timeout, or fails with a transient error after
 * the SDK gave up, is tried again here with backoff.
 */
export async function sendS3<T>(
  s3: S3Client,
  label: string,
  // The SDK's send() overloads do not accept a union of commands, so the
  // command travels as a function.
  call: (client: S3Client, abortSignal: AbortSignal) => Promise<T>,
  limits: RequestLimits,
): Promise<T> {
  return sendWithRetry(label, (abortSignal) => call(s3, abortSignal), limits)
}

/**
 * Runs one request with a per-attempt timeout and retries the attempts that
 * time out or fail with a transient error (throttling, HTTP 429 and 5xx,
 * connection resets) with the kit's full-jitter backoff, each retry logged.
 */
export async function sendWithRetry<T>(
  label: string,
  call: (abortSignal: AbortSignal) => Promise<T>,
  limits: RequestLimits,
): Promise<T> {
  return retry(
    async () => {
      // One controller per attempt, aborted by the attempt timeout or the
      // caller's signal. It costs less than AbortSignal.timeout and .any per
      // request, and it leaves the caller's signal when the attempt ends.
      const controller = new AbortController()
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        controller.abort()
      }, limits.attemptTimeoutMs)
      const leave =
        limits.signal === undefined
          ? undefined
          : followAbort(limits.signal, controller)
      try {
        return await call(controller.signal)
      } catch (error) {
        if (timedOut) {
          const wrapped = new Error(
            `${label} timed out after ${limits.attemptTimeoutMs} ms (attempt-timeout)`,
            { cause: error },
          )
          wrapped.name = 'TimeoutError'
          throw wrapped
        }
        throw error
      } finally {
        clearTimeout(timer)
        leave?.()
      }
    },
    {
      label,
      maxAttempts: limits.maxAttempts,
      isRetryable: (error) =>
        isAttemptTimeout(error) || isTransientAwsError(error),
      logger: limits.logger,
      signal: limits.signal,
      sleep: sleepFollowing,
    },
  )
}

/** The attempts in flight that one caller's signal aborts, and its listener. */
interface Followers {
  controllers: Set<AbortController>
  onAbort: () => void
}

const followersBySignal = new WeakMap<AbortSignal, Followers>()

/**
 * Aborts `controller` when `signal` aborts; returns the function that stops
 * this. The attempts in flight that share a signal share one listener on
 * it, because Node.js warns (MaxListenersExceededWarning) from the 11th
 * listener on one AbortSignal and publish runs 16 attempts at once by
 * default. The listener is removed when the last attempt leaves.
 */
function followAbort(
  signal: AbortSignal,
  controller: AbortController,
): () => void {
  if (signal.aborted) {
    controller.abort(signal.reason)
    return () => undefined
  }
  let followers = followersBySignal.get(signal)
  if (followers === undefined) {
    const controllers = new Set<AbortController>()
    const onAbort = () => {
      followersBySignal.delete(signal)
      for (const follower of controllers) follower.abort(signal.reason)
    }
    followers = { controllers, onAbort }
    followersBySignal.set(signal, followers)
    signal.addEventListener('abort', onAbort, { once: true })
  }
  followers.controllers.add(controller)
  const joined = followers
  return () => {
    joined.controllers.delete(controller)
    if (
      joined.controllers.size === 0 &&
      followersBySignal.get(signal) === joined
    ) {
      followersBySignal.delete(signal)
      signal.removeEventListener('abort', joined.onAbort)
    }
  }
}

/** Sleeps between attempts; shares the listener on `signal` as the attempts do. */
async function sleepFollowing(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal === undefined) return realSleep(ms)
  const controller = new AbortController()
  const leave = followAbort(signal, controller)
  try {
    await realSleep(ms, controller.signal)
  } finally {
    leave()
  }
}

/** A counting semaphore that bounds the S3 requests in flight. */
export class Semaphore {
  private available: number
  private readonly waiting: Array<() => void> = []

  constructor(size: number) {
    this.available = size
  }

  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.available > 0) {
      this.available -= 1
    } else {
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    }
    try {
      return await fn()
    } finally {
      const next = this.waiting.shift()
      if (next) next()
      else this.available += 1
    }
  }
}
