import type { S3Client } from '@aws-sdk/client-s3'
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
      // request, and its listener is removed when the attempt ends.
      const controller = new AbortController()
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        controller.abort()
      }, limits.attemptTimeoutMs)
      const onAbort = () => controller.abort(limits.signal?.reason)
      limits.signal?.addEventListener('abort', onAbort, { once: true })
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
        limits.signal?.removeEventListener('abort', onAbort)
      }
    },
    {
      label,
      maxAttempts: limits.maxAttempts,
      isRetryable: (error) =>
        isAttemptTimeout(error) || isTransientAwsError(error),
      logger: limits.logger,
      signal: limits.signal,
    },
  )
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
