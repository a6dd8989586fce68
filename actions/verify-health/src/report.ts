/**
 * Builds what verify-health leaves behind: report-json, the record fragment
 * and the job summary.
 */
import type {
  RecordFragment,
  StageStatus,
} from '../../../common/contracts/records.js'
import type { RollbackResult } from '../../../common/rollback.js'
import { escapeMarkdown, type SummaryBuilder } from '../../../common/summary.js'
import type { VerifyHealthInputs } from './inputs.js'
import {
  formatMs,
  type AttemptRecord,
  type LatencySummary,
  type VerifyResult,
} from './verify.js'

/** Attempts kept per URL in report-json: the first 50 and the last 150. */
export const REPORTED_ATTEMPTS_HEAD = 50
export const REPORTED_ATTEMPTS_TAIL = 150
/** Attempts per URL shown in the job summary, the most recent ones. */
export const SUMMARY_ATTEMPTS = 20

/** Outcome of the rollback that a failed check triggered. */
export type RollbackReport =
  | ({ status: 'succeeded' } & RollbackResult)
  | { status: 'failed'; error: string }

export interface HealthReport {
  /** succeeded, failed, or cancelled when a signal stopped the check. */
  status: StageStatus
  healthy: boolean
  failure_reason?: string
  started_at: string
  completed_at: string
  duration_ms: number
  settings: Record<string, unknown>
  latency: LatencySummary
  urls: Array<{
    url: string
    healthy: boolean
    attempt_count: number
    consecutive_successes: number
    last_status: string
    failure_reason?: string
    latency: LatencySummary
    attempts: AttemptRecord[]
    /** Attempts left out of `attempts` between the first and the last ones. */
    omitted_attempts?: number
  }>
  rollback?: RollbackReport
}

export function buildReport(
  inputs: VerifyHealthInputs,
  result: VerifyResult,
  rollback: RollbackReport | undefined,
  status: StageStatus = result.healthy ? 'succeeded' : 'failed',
): HealthReport {
  const report: HealthReport = {
    status,
    healthy: result.healthy,
    started_at: new Date(result.startedAt).toISOString(),
    completed_at: new Date(result.completedAt).toISOString(),
    duration_ms: result.completedAt - result.startedAt,
    settings: describeSettings(inputs),
    latency: result.latency,
    urls: result.urls.map((url) => {
      const kept = keepAttempts(url.attempts)
      const entry: HealthReport['urls'][number] = {
        url: url.url,
        healthy: url.healthy,
        attempt_count: url.attempts.length,
        consecutive_successes: url.consecutiveSuccesses,
        last_status: url.lastStatus,
        latency: url.latency,
        attempts: kept.attempts,
      }
      if (url.failureReason !== undefined) {
        entry.failure_reason = url.failureReason
      }
      if (kept.omitted > 0) {
        entry.omitted_attempts = kept.omitted
      }
      return entry
    }),
  }
  if (result.failureReason !== undefined) {
    report.failure_reason = result.failureReason
  }
  if (rollback !== undefined) {
    report.rollback = rollback
  }
  return report
}

/** Returns the report of a run that stopped before any check, such as on invalid inputs. */
export function buildEmptyReport(options: {
  status: StageStatus
  startedAt: number
  completedAt: number
  reason: string
}): HealthReport {
  return {
    status: options.status,
    healthy: false,
    failure_reason: options.reason,
    started_at: new Date(options.startedAt).toISOString(),
    completed_at: new Date(options.completedAt).toISOString(),
    duration_ms: options.completedAt - options.startedAt,
    settings: {},
    latency: { samples: 0 },
    urls: [],
  }
}

function keepAttempts(attempts: AttemptRecord[]): {
  attempts: AttemptRecord[]
  omitted: number
} {
  const limit = REPORTED_ATTEMPTS_HEAD + REPORTED_ATTEMPTS_TAIL
  if (attempts.length <= limit) {
    return { attempts, omitted: 0 }
  }
  return {
    attempts: [
      ...attempts.slice(0, REPORTED_ATTEMPTS_HEAD),
      ...attempts.slice(-REPORTED_ATTEMPTS_TAIL),
    ],
    omitted: attempts.length - limit,
  }
}

/** Returns the settings of the check for the report, without header values. */
function describeSettings(inputs: VerifyHealthInputs): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    expected_status: inputs.expectedStatus.text,
    consecutive_successes: inputs.consecutiveSuccesses,
    attempt_timeout_ms: inputs.attemptTimeoutMs,
    interval_ms: inputs.intervalMs,
    timeout_ms: inputs.timeoutMs,
    follow_redirects: inputs.followRedirects,
    max_redirects: inputs.maxRedirects,
    tls_verify: inputs.tlsVerify,
    header_names: Object.keys(inputs.headers),
  }
  if (inputs.deadlineAt !== undefined) {
    settings.deadline_at = new Date(inputs.deadlineAt).toISOString()
  }
  if (inputs.latencyBudgetMs !== undefined) {
    settings.latency_budget_ms = inputs.latencyBudgetMs
  }
  if (inputs.expectedBody !== undefined) {
    settings.expected_body = inputs.expectedBody
  }
  if (inputs.expectedJson.length > 0) {
    settings.expected_json = inputs.expectedJson.map(
      (check) => `${check.path.text}=${check.expected}`,
    )
  }
  if (inputs.expectedVersion !== undefined) {
    settings.expected_version = inputs.expectedVersion
    settings.version_field = inputs.versionField.text
  }
  return settings
}

export function buildRecordFragment(options: {
  status: StageStatus
  startedAt: number
  completedAt: number
  reason?: string
  report?: HealthReport
}): RecordFragment {
  const fragment: RecordFragment = {
    schema_version: 1,
    action: 'verify-health',
    stage: 'verify',
    status: options.status,
    started_at: new Date(options.startedAt).toISOString(),
    completed_at: new Date(options.completedAt).toISOString(),
    duration_seconds:
      Math.round((options.completedAt - options.startedAt) / 100) / 10,
  }
  if (options.reason !== undefined) {
    fragment.reason = options.reason
  }
  const report = options.report
  if (report !== undefined) {
    const details: Record<string, unknown> = {
      healthy: report.healthy,
      latency: report.latency,
      urls: report.urls.map((url) => ({
        url: url.url,
        healthy: url.healthy,
        attempts: url.attempt_count,
        last_status: url.last_status,
        latency: url.latency,
        ...(url.failure_reason === undefined
          ? {}
          : { failure_reason: url.failure_reason }),
      })),
    }
    if (report.rollback !== undefined) {
      details.rollback = report.rollback
    }
    fragment.details = details
  }
  return fragment
}

/** Adds the verdict, a table of URLs, a table of recent attempts per URL and the rollback. */
export function writeSummary(
  summary: SummaryBuilder,
  report: HealthReport,
): void {
  const verdict =
    report.status === 'cancelled'
      ? 'cancelled'
      : report.healthy
        ? 'healthy'
        : 'unhealthy'
  summary.heading(`verify-health: ${verdict}`, 2)
  const required = Number(report.settings.consecutive_successes)
  summary.paragraph(
    escapeMarkdown(
      `Checked ${report.urls.length} URL(s) in ${formatMs(report.duration_ms)} ` +
        `(timeout ${formatMs(Number(report.settings.timeout_ms))}, ` +
        `${required} consecutive success(es) required, expected status ${String(report.settings.expected_status)}).`,
    ),
  )
  summary.table(
    ['URL', 'Verdict', 'Attempts', 'Last status', 'p50 ms', 'p95 ms', 'Reason'],
    report.urls.map((url) => [
      url.url,
      url.healthy ? 'healthy' : 'unhealthy',
      url.attempt_count,
      url.last_status,
      url.latency.p50_ms ?? '',
      url.latency.p95_ms ?? '',
      url.failure_reason ?? '',
    ]),
  )

  for (const url of report.urls) {
    const recent = url.attempts.slice(-SUMMARY_ATTEMPTS)
    summary.heading(url.url, 3)
    if (url.attempt_count > recent.length) {
      summary.paragraph(
        `Last ${recent.length} of ${url.attempt_count} attempts; report-json lists more.`,
      )
    }
    summary.table(
      ['Attempt', 'Elapsed', 'Result', 'Latency ms', 'Detail'],
      recent.map((attempt) => [
        attempt.attempt,
        formatMs(attempt.elapsed_ms),
        attempt.ok
          ? `HTTP ${attempt.status}`
          : (attempt.error ??
            (attempt.status === undefined
              ? 'failed'
              : `HTTP ${attempt.status}`)),
        attempt.latency_ms,
        attempt.ok ? 'success' : (attempt.reason ?? ''),
      ]),
    )
  }

  const rollback = report.rollback
  if (rollback === undefined) {
    return
  }
  summary.heading('Rollback', 3)
  if (rollback.status === 'failed') {
    summary.paragraph(escapeMarkdown(`Rollback failed: ${rollback.error}`))
    return
  }
  const verb = rollback.changed ? 'Restored' : 'Found traffic already at'
  summary.paragraph(
    escapeMarkdown(
      `${verb} blue ${rollback.restored_weights.blue} / green ${rollback.restored_weights.green} ` +
        `in ${formatMs(rollback.duration_ms)}.`,
    ),
  )
  summary.list(rollback.actions)
}
