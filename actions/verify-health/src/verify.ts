/**
 * The health-check loop: probes every URL concurrently until each has the
 * required number of consecutive successes or the time runs out.
 *
 * Timing contract: a new attempt starts only while the check's deadline
 * (timeout, or deadline-at when earlier) has not passed, and only when the
 * interval before it ends before that deadline. An attempt that starts gets
 * its full attempt timeout, except that it is cut at deadline-at, so the
 * check ends at most one attempt timeout after its timeout.
 */
import type { LookupFunction } from 'node:net'
import type { Clock, Sleep } from '../../../common/clock.js'
import { realSleep, systemClock } from '../../../common/clock.js'
import { Deadline } from '../../../common/deadline.js'
import { formatDuration } from '../../../common/duration.js'
import type { Logger } from '../../../common/log.js'
import { redactUrl } from '../../../common/masking.js'
import { evaluateResponse, type ResponseExpectations } from './checks.js'
import type { VerifyHealthInputs } from './inputs.js'
import { probe, type ProbeResult } from './probe.js'

export type VerifySettings = Pick<
  VerifyHealthInputs,
  | 'urls'
  | 'expectedStatus'
  | 'expectedBody'
  | 'expectedJson'
  | 'expectedVersion'
  | 'versionField'
  | 'headers'
  | 'attemptTimeoutMs'
  | 'intervalMs'
  | 'timeoutMs'
  | 'deadlineAt'
  | 'consecutiveSuccesses'
  | 'latencyBudgetMs'
  | 'followRedirects'
  | 'maxRedirects'
  | 'tlsVerify'
>

export interface VerifyDeps {
  logger: Logger
  clock?: Clock
  sleep?: Sleep
  signal?: AbortSignal
  /** Name resolver for the probes; tests inject one that never leaves the process. */
  lookup?: LookupFunction
  /** Sends one attempt; defaults to probe(). */
  probe?: typeof probe
  /** Called after each attempt with the redacted URL and the attempt. */
  onAttempt?: (url: string, record: AttemptRecord) => void
}

/** One attempt as it appears in the log and in report-json. */
export interface AttemptRecord {
  attempt: number
  started_at: string
  /** Milliseconds from the start of the check to the start of this attempt. */
  elapsed_ms: number
  latency_ms: number
  ok: boolean
  status?: number
  /** Error code when no response came back (ECONNREFUSED, TIMEOUT ...). */
  error?: string
  /** Reason the attempt failed. */
  reason?: string
  location?: string
  final_url?: string
  redirects?: number
  version?: string
}

export interface LatencySummary {
  samples: number
  p50_ms?: number
  p95_ms?: number
  max_ms?: number
}

export interface UrlResult {
  /** Redacted URL. */
  url: string
  healthy: boolean
  attempts: AttemptRecord[]
  consecutiveSuccesses: number
  /** Last HTTP status, or the error code of the last attempt. */
  lastStatus: string
  failureReason?: string
  latency: LatencySummary
}

export interface VerifyResult {
  healthy: boolean
  startedAt: number
  completedAt: number
  urls: UrlResult[]
  /** Over the successful attempts of every URL. */
  latency: LatencySummary
  failureReason?: string
}

/** Runs the check and returns its result; throws only on cancellation. */
export async function verifyHealth(
  settings: VerifySettings,
  deps: VerifyDeps,
): Promise<VerifyResult> {
  const clock = deps.clock ?? systemClock
  const startedAt = clock.now()
  const deadline = Deadline.start({
    stage: 'verify-health',
    timeoutMs: settings.timeoutMs,
    deadlineAt: settings.deadlineAt,
    clock,
  })
  // From the settings rather than deadline.remainingMs(), which would
  // already have lost the milliseconds spent since startedAt.
  const checkMs = Math.min(
    settings.timeoutMs,
    (settings.deadlineAt ?? Number.POSITIVE_INFINITY) - startedAt,
  )
  const maxAttempts = Math.floor(Math.max(0, checkMs) / settings.intervalMs) + 1
  const limit = describeLimit(settings, deadline)
  if (!settings.tlsVerify) {
    deps.logger.warning(
      'tls-verify is false: TLS certificates are not verified, so a server that impersonates these URLs would pass the check',
    )
  }
  deps.logger.info(
    `Checking ${settings.urls.length} URL(s) until ${settings.consecutiveSuccesses} consecutive success(es) each: ` +
      `attempt-timeout ${formatMs(settings.attemptTimeoutMs)}, interval ${formatMs(settings.intervalMs)}, ${limit}`,
  )

  const urls = await Promise.all(
    settings.urls.map((url) =>
      checkUrl(url, settings, deps, {
        clock,
        deadline,
        startedAt,
        maxAttempts,
      }),
    ),
  )

  const completedAt = clock.now()
  const healthy = urls.every((result) => result.healthy)
  const successLatencies = urls.flatMap((result) =>
    result.attempts.filter((a) => a.ok).map((a) => a.latency_ms),
  )
  const result: VerifyResult = {
    healthy,
    startedAt,
    completedAt,
    urls,
    latency: summarizeLatency(successLatencies),
  }
  if (!healthy) {
    result.failureReason = urls
      .filter((url) => !url.healthy)
      .map((url) => `${url.url}: ${url.failureReason ?? 'unhealthy'}`)
      .join('\n')
  }
  deps.logger.info(
    healthy
      ? `Healthy: every URL passed in ${formatMs(completedAt - startedAt)}`
      : `Unhealthy after ${formatMs(completedAt - startedAt)}: ${result.failureReason}`,
  )
  return result
}

interface LoopContext {
  clock: Clock
  deadline: Deadline
  startedAt: number
  maxAttempts: number
}

async function checkUrl(
  url: URL,
  settings: VerifySettings,
  deps: VerifyDeps,
  context: LoopContext,
): Promise<UrlResult> {
  const { clock, deadline, startedAt } = context
  const sleep = deps.sleep ?? realSleep
  const send = deps.probe ?? probe
  const shownUrl = redactUrl(url)
  const expectations = buildExpectations(settings)
  const attempts: AttemptRecord[] = []
  let consecutive = 0
  let lastFailure: string | undefined

  while (!deadline.expired()) {
    const attemptStart = clock.now()
    const attemptTimeoutMs =
      settings.deadlineAt === undefined
        ? settings.attemptTimeoutMs
        : Math.max(
            1,
            Math.min(
              settings.attemptTimeoutMs,
              settings.deadlineAt - attemptStart,
            ),
          )
    const outcome = await send(url, {
      headers: settings.headers,
      attemptTimeoutMs,
      followRedirects: settings.followRedirects,
      maxRedirects: settings.maxRedirects,
      tlsVerify: settings.tlsVerify,
      ...(deps.lookup === undefined ? {} : { lookup: deps.lookup }),
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    })
    const record = recordAttempt(
      attempts.length + 1,
      attemptStart,
      startedAt,
      outcome,
      expectations,
    )
    attempts.push(record)
    deps.onAttempt?.(shownUrl, record)

    if (record.ok) {
      consecutive++
    } else {
      consecutive = 0
      lastFailure = record.reason
    }
    deps.logger.info(
      formatAttemptLine(shownUrl, record, context.maxAttempts, {
        consecutive,
        required: settings.consecutiveSuccesses,
      }),
    )
    if (consecutive >= settings.consecutiveSuccesses) {
      break
    }

    // Sleep only when another attempt can start after it.
    if (deadline.remainingMs() <= settings.intervalMs) {
      break
    }
    await sleep(settings.intervalMs, deps.signal)
  }

  return finishUrl(
    shownUrl,
    attempts,
    consecutive,
    lastFailure,
    settings,
    deadline,
  )
}

function finishUrl(
  shownUrl: string,
  attempts: AttemptRecord[],
  consecutive: number,
  lastFailure: string | undefined,
  settings: VerifySettings,
  deadline: Deadline,
): UrlResult {
  const latency = summarizeLatency(
    attempts.filter((a) => a.ok).map((a) => a.latency_ms),
  )
  const last = attempts.at(-1)
  const result: UrlResult = {
    url: shownUrl,
    healthy: consecutive >= settings.consecutiveSuccesses,
    attempts,
    consecutiveSuccesses: consecutive,
    lastStatus:
      last === undefined ? '' : String(last.status ?? last.error ?? ''),
    latency,
  }

  if (!result.healthy) {
    result.failureReason = describeTimeout(
      attempts.length,
      consecutive,
      lastFailure,
      settings,
      deadline,
    )
    return result
  }
  const budget = settings.latencyBudgetMs
  if (budget !== undefined && (latency.p95_ms ?? 0) > budget) {
    result.healthy = false
    result.failureReason =
      `p95 latency ${latency.p95_ms} ms over ${latency.samples} successful attempt(s) ` +
      `is above latency-budget ${formatMs(budget)}`
  }
  return result
}

function describeTimeout(
  attemptCount: number,
  consecutive: number,
  lastFailure: string | undefined,
  settings: VerifySettings,
  deadline: Deadline,
): string {
  const limit = describeLimit(settings, deadline)
  if (attemptCount === 0) {
    return `no attempt made: no time left before ${limit}`
  }
  const required = settings.consecutiveSuccesses
  const progress =
    required > 1
      ? `${consecutive} of ${required} consecutive successes`
      : 'no success'
  const last = lastFailure === undefined ? '' : `; last failure: ${lastFailure}`
  return `${progress} after ${attemptCount} attempt(s) within ${limit}${last}`
}

function describeLimit(settings: VerifySettings, deadline: Deadline): string {
  const timeout = `timeout ${formatMs(settings.timeoutMs)}`
  if (settings.deadlineAt !== undefined && settings.deadlineAt <= deadline.at) {
    return `deadline-at ${new Date(settings.deadlineAt).toISOString()}`
  }
  return timeout
}

function buildExpectations(settings: VerifySettings): ResponseExpectations {
  const expectations: ResponseExpectations = {
    status: settings.expectedStatus,
    json: settings.expectedJson,
    followRedirects: settings.followRedirects,
  }
  if (settings.expectedBody !== undefined) {
    expectations.bodyContains = settings.expectedBody
  }
  if (settings.expectedVersion !== undefined) {
    expectations.version = {
      path: settings.versionField,
      expected: settings.expectedVersion,
    }
  }
  return expectations
}

function recordAttempt(
  attempt: number,
  attemptStart: number,
  startedAt: number,
  outcome: ProbeResult,
  expectations: ResponseExpectations,
): AttemptRecord {
  const record: AttemptRecord = {
    attempt,
    started_at: new Date(attemptStart).toISOString(),
    elapsed_ms: attemptStart - startedAt,
    latency_ms: roundMs(outcome.latencyMs),
    ok: false,
  }
  if (outcome.redirects.length > 0) {
    record.redirects = outcome.redirects.length
  }
  if (outcome.kind === 'error') {
    record.error = outcome.code
    record.reason = outcome.message
    return record
  }

  record.status = outcome.status
  if (outcome.location !== undefined) {
    record.location = outcome.location
  }
  if (outcome.redirects.length > 0) {
    record.final_url = outcome.finalUrl
  }
  const checked = evaluateResponse(outcome, expectations)
  record.ok = checked.ok
  if (checked.reason !== undefined) {
    record.reason = checked.reason
  }
  if (checked.version !== undefined) {
    record.version = checked.version
  }
  return record
}

/**
 * Formats the log line of one attempt, for example:
 * `http://127.0.0.1:8080/healthz attempt 3 of at most 61 (10.2s elapsed): failed in 4 ms: HTTP 503 Service Unavailable, expected 200`
 */
export function formatAttemptLine(
  url: string,
  record: AttemptRecord,
  maxAttempts: number,
  progress: { consecutive: number; required: number },
): string {
  const head = `${url} attempt ${record.attempt} of at most ${maxAttempts} (${formatMs(record.elapsed_ms)} elapsed)`
  if (record.ok) {
    const streak =
      progress.required > 1
        ? `, ${progress.consecutive} of ${progress.required} consecutive successes`
        : ''
    return `${head}: HTTP ${record.status} in ${record.latency_ms} ms, success${streak}`
  }
  const code = record.error === undefined ? '' : ` (${record.error})`
  return `${head}: failed in ${record.latency_ms} ms: ${record.reason ?? 'unknown reason'}${code}`
}

/** Nearest-rank percentiles of the given latencies, in whole milliseconds. */
export function summarizeLatency(latencies: number[]): LatencySummary {
  if (latencies.length === 0) {
    return { samples: 0 }
  }
  const sorted = [...latencies].sort((a, b) => a - b)
  return {
    samples: sorted.length,
    p50_ms: Math.round(percentile(sorted, 50)),
    p95_ms: Math.round(percentile(sorted, 95)),
    max_ms: Math.round(sorted[sorted.length - 1] ?? 0),
  }
}

/** Nearest-rank percentile of an ascending, non-empty list. */
export function percentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1] ?? Number.NaN
}

function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10
}

/** Formats a duration for logs: '250 ms', '10.2s', then '2m30s', '1h' from two minutes on. */
export function formatMs(ms: number): string {
  if (ms < 1000) {
    return `${Math.round(ms)} ms`
  }
  const seconds = ms / 1000
  if (seconds < 120) {
    return `${Number(seconds.toFixed(1))}s`
  }
  return formatDuration(Math.round(seconds) * 1000)
}
