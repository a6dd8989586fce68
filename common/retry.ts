import {
  realSleep,
  systemClock,
  throwIfAborted,
  type Clock,
  type Sleep,
} from './clock.js'
import { formatSeconds, type Deadline } from './deadline.js'
import { DeadlineError, errorMessage } from './errors.js'
import type { Logger } from './log.js'

export const DEFAULT_BASE_DELAY_MS = 200
export const DEFAULT_MAX_DELAY_MS = 10_000

export interface RetryOptions {
  /** Names the operation in log lines and errors, such as 'S3 PutObject'. */
  label: string
  /** Attempts in total, the first one included (at least 1). */
  maxAttempts: number
  /** Upper bound of the first retry delay (default 200 ms), doubled for each later retry. */
  baseDelayMs?: number
  /** Cap on the upper bound of any retry delay (default 10 s). */
  maxDelayMs?: number
  /** Retry policy: which errors are worth another attempt (default isTransientAwsError). */
  isRetryable?: (error: unknown) => boolean
  /** Clock for the elapsed time in the final log line (default systemClock). */
  clock?: Clock
  sleep?: Sleep
  /** Returns a number in [0, 1), as Math.random does. */
  random?: () => number
  /** Retries stop, without sleeping, when the next delay would pass it. */
  deadline?: Deadline
  logger?: Logger
  /** Aborting it stops the retries with a CancelledError. */
  signal?: AbortSignal
}

/**
 * Returns the full-jitter delay before retry number `retry` (1 for the
 * first retry): a random value in [0, min(maxDelayMs, baseDelayMs * 2^(retry-1))].
 */
export function backoffDelay(
  retry: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1))
  return Math.round(random() * ceiling)
}

/**
 * Calls `fn` until it resolves, retrying the errors that `isRetryable`
 * accepts with full-jitter exponential backoff. Logs one line per failed
 * attempt and a final "giving up" line. Throws:
 * - the last error when the attempts run out,
 * - an error that is not retryable at once,
 * - a DeadlineError, with the last error as cause, when the next delay
 *   would pass the deadline,
 * - a CancelledError when `signal` aborts.
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions,
): Promise<T> {
  checkOptions(opts)
  const isRetryable = opts.isRetryable ?? isTransientAwsError
  const sleep = opts.sleep ?? realSleep
  const random = opts.random ?? Math.random
  const base = opts.baseDelayMs ?? DEFAULT_BASE_DELAY_MS
  const max = opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS
  const { label, maxAttempts, logger, deadline, signal } = opts
  const clock = opts.clock ?? systemClock
  const startedAt = clock.now()

  for (let attempt = 1; ; attempt += 1) {
    throwIfAborted(signal)
    let error: unknown
    try {
      return await fn(attempt)
    } catch (caught) {
      error = caught
    }
    throwIfAborted(signal)
    const cause = errorMessage(error)
    if (!isRetryable(error)) {
      logger?.debug(
        `${label} failed with an error that is not retried: ${cause}`,
      )
      throw error
    }

    const took = ` after ${formatSeconds(clock.now() - startedAt)}`
    if (attempt >= maxAttempts) {
      logger?.info(
        `${label} failed (attempt ${attempt} of ${maxAttempts}): ${cause}; giving up${took}, no attempts left`,
      )
      throw error
    }

    const delay = backoffDelay(attempt, base, max, random)
    if (deadline !== undefined && delay >= deadline.remainingMs()) {
      const message =
        `${label} failed (attempt ${attempt} of ${maxAttempts}): ${cause}; ` +
        `giving up${took} because a retry in ${delay} ms would pass the deadline of ` +
        `${deadline.stage} (${deadline.describeLimit()})`
      logger?.info(message)
      throw new DeadlineError(message, {
        stage: deadline.stage,
        remainingMs: deadline.remainingMs(),
        cause: error,
      })
    }

    logger?.info(
      `${label} failed (attempt ${attempt} of ${maxAttempts}): ${cause}; retrying in ${delay} ms`,
    )
    await sleep(delay, signal)
  }
}

function checkOptions(opts: RetryOptions): void {
  if (!Number.isInteger(opts.maxAttempts) || opts.maxAttempts < 1) {
    throw new RangeError(
      `retry '${opts.label}': maxAttempts must be an integer >= 1, got ${opts.maxAttempts}`,
    )
  }
  for (const name of ['baseDelayMs', 'maxDelayMs'] as const) {
    const value = opts[name]
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new RangeError(
        `retry '${opts.label}': ${name} must be a finite number >= 0, got ${value}`,
      )
    }
  }
}

/** AWS error names and codes that mean "slow down and try again". */
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'ProvisionedThroughputExceeded',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
])

/** AWS error names and codes for a request that timed out or a service that was briefly unavailable. */
const TRANSIENT_SERVICE_CODES = new Set([
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
])

/** Node.js network error codes after which the same request may succeed. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
])

/** How many `cause` links isTransientAwsError follows. */
const MAX_CAUSE_DEPTH = 5

/**
 * Decides whether an AWS SDK (or network) error is transient: throttling
 * codes, HTTP 429 and 5xx (from `$metadata.httpStatusCode` or
 * `$response.statusCode`), SDK errors marked `$retryable`, and network
 * errors such as ECONNRESET or "socket hang up". Follows `cause` links.
 */
export function isTransientAwsError(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH; depth += 1) {
    if (typeof current !== 'object' || current === null) return false
    if (isTransientRecord(current as Record<string, unknown>)) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

function isTransientRecord(record: Record<string, unknown>): boolean {
  const codes = [record.name, record.code, record.Code, record.errno].filter(
    (value): value is string => typeof value === 'string',
  )
  if (codes.some((code) => THROTTLING_CODES.has(code))) return true
  if (codes.some((code) => TRANSIENT_SERVICE_CODES.has(code))) return true
  if (codes.some((code) => NETWORK_ERROR_CODES.has(code))) return true

  const status = httpStatus(record)
  if (status !== undefined && (status === 429 || status >= 500)) return true
  if (typeof record.$retryable === 'object' && record.$retryable !== null) {
    return true
  }
  const message = record.message
  return typeof message === 'string' && /socket hang up/i.test(message)
}

function httpStatus(record: Record<string, unknown>): number | undefined {
  const metadata = record.$metadata as { httpStatusCode?: unknown } | undefined
  if (typeof metadata?.httpStatusCode === 'number') {
    return metadata.httpStatusCode
  }
  const response = record.$response as { statusCode?: unknown } | undefined
  if (typeof response?.statusCode === 'number') return response.statusCode
  return undefined
}
