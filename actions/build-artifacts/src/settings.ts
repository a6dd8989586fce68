import path from 'node:path'
import { formatDuration } from '../../../common/duration.js'
import { showInstant, showNames } from '../../../common/inputs-only.js'
import type { BuildArtifactsInputs } from './inputs.js'

/**
 * Lists the parsed settings by input name for the log and the job summary.
 * Build argument values are left out because they may hold credentials;
 * only their names are shown.
 */
export function describeSettings(
  inputs: BuildArtifactsInputs,
  workspace: string,
): Array<[string, string]> {
  const relative = (file: string): string =>
    path.relative(workspace, file) || '.'
  const rows: Array<[string, string]> = [
    ['mode', inputs.parts.join(', ')],
    ['aws-region', inputs.awsRegion],
    ['run-id', inputs.runId],
    ['commit-sha', inputs.commitSha],
    ['timeout', formatDuration(inputs.timeoutMs)],
    ['attempt-timeout', formatDuration(inputs.attemptTimeoutMs)],
    ['deadline-at', showInstant(inputs.deadlineAt)],
    ['record-file', relative(inputs.recordFile)],
    ['retention-days', String(inputs.retentionDays)],
  ]

  const { image, frontend, publish, restoreIndex } = inputs
  if (image !== undefined) {
    rows.push(
      ['ecr-repository', image.repository],
      ['ecr-registry', image.registry ?? '(from ECR_REGISTRY or ECR)'],
      ['context', relative(image.contextDir)],
      ['dockerfile', relative(image.dockerfile)],
      ['build-args', showNames(image.buildArgs)],
      ['target', image.target ?? '(last stage)'],
      [
        'labels',
        image.labels.map(([k, v]) => `${k}=${v}`).join(', ') || '(none)',
      ],
      ['platform', image.platform],
      ['image-tag', image.tags[0] ?? ''],
      ['extra-tags', image.tags.slice(1).join(', ') || '(none)'],
      ['health-check-path', image.healthCheckPath ?? '(image HEALTHCHECK)'],
      ['severity-threshold', image.severityThreshold],
      ['scan-timeout', formatDuration(image.scanTimeoutMs)],
    )
  }
  if (frontend !== undefined) {
    rows.push(
      ['frontend-dir', relative(frontend.dir)],
      ['include-source-maps', String(frontend.includeSourceMaps)],
    )
  }
  if (publish !== undefined) {
    const cloudFront = publish.cloudFront
    rows.push(
      ['frontend-bucket', publish.bucket],
      ['frontend-prefix', publish.prefix || '(bucket root)'],
      ['content-types', pairs(publish.contentTypes)],
      ['cache-control', pairs(publish.cacheControl)],
      ['delete-stale', String(publish.deleteStale)],
      ['max-delete-percent', String(publish.maxDeletePercent)],
      ['upload-concurrency', String(publish.uploadConcurrency)],
      ['cloudfront-distribution-id', cloudFront?.distributionId ?? '(none)'],
    )
    if (cloudFront !== undefined) {
      rows.push(
        ['invalidation-max-paths', String(cloudFront.maxPaths)],
        ['wait-for-invalidation', String(cloudFront.wait)],
        ['invalidation-timeout', formatDuration(cloudFront.timeoutMs)],
      )
    }
  }
  if (restoreIndex !== undefined) {
    const previous = restoreIndex.previousIndex
    rows.push([
      'previous-index-json',
      previous === undefined
        ? '(no previous index.html)'
        : previous.version_id === undefined
          ? `s3://${previous.bucket}/${previous.key} from copy ${previous.copy_key}`
          : `s3://${previous.bucket}/${previous.key} version ${previous.version_id}`,
    ])
  }
  return rows
}

function pairs(entries: Array<[string, string]>): string {
  if (entries.length === 0) return '(built-in)'
  return entries.map(([k, v]) => `${k}: ${v}`).join('; ')
}
