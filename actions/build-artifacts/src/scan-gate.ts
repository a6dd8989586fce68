import type { SeverityThreshold } from './inputs.js'

/** Severities of ECR findings from the most to the least severe. */
export const SEVERITY_ORDER = [
  'CRITICAL',
  'HIGH',
  'MEDIUM',
  'LOW',
  'INFORMATIONAL',
  'UNDEFINED',
] as const

/**
 * Severities that fail the gate at a threshold: the threshold and every
 * more severe one. UNDEFINED counts with INFORMATIONAL, and enhanced
 * scanning's UNTRIAGED with it too, so `informational` fails on any finding.
 */
export function failingSeverities(threshold: SeverityThreshold): string[] {
  if (threshold === 'none') return []
  const index = SEVERITY_ORDER.indexOf(
    threshold.toUpperCase() as (typeof SEVERITY_ORDER)[number],
  )
  const failing: string[] = SEVERITY_ORDER.slice(0, index + 1)
  if (threshold === 'informational') failing.push('UNDEFINED', 'UNTRIAGED')
  return failing
}

/** Finding counts at or above the threshold. */
export function countsAtOrAbove(
  counts: Record<string, number>,
  threshold: SeverityThreshold,
): Record<string, number> {
  const failing = new Set(failingSeverities(threshold))
  return Object.fromEntries(
    Object.entries(counts).filter(
      ([severity, count]) => failing.has(severity.toUpperCase()) && count > 0,
    ),
  )
}

/** Scan statuses after which no result will come. */
export const FINAL_FAILURE_STATUSES = new Set([
  'FAILED',
  'UNSUPPORTED_IMAGE',
  'SCAN_ELIGIBILITY_EXPIRED',
  'FINDINGS_UNAVAILABLE',
  'LIMIT_EXCEEDED',
])

/** Scan statuses that carry the findings. */
export const DONE_STATUSES = new Set(['COMPLETE', 'ACTIVE'])
