import path from 'node:path'
import { formatDuration } from '../../../common/duration.js'
import { showInstant } from '../../../common/inputs-only.js'
import type { TerraformApplyInputs } from './inputs.js'

/**
 * Lists the parsed settings by input name for the log and the job summary.
 * Variable values and the GitHub token are left out: variables may hold
 * secrets, so only their names are shown.
 */
export function describeSettings(
  inputs: TerraformApplyInputs,
  workspace: string,
): Array<[string, string]> {
  const relative = (file: string): string =>
    path.relative(workspace, file) || '.'
  const { backend, comment } = inputs
  const endpoints = Object.entries(backend.endpoints)
  return [
    ['mode', inputs.mode],
    ['aws-region', inputs.awsRegion],
    ['working-directory', relative(inputs.workingDirectory)],
    ['distribution', inputs.distribution],
    ['terraform-version', inputs.version],
    ['terraform-binary', inputs.binary ?? '(PATH or install)'],
    ['release-mirror', inputs.releaseMirror ?? '(the official releases)'],
    ['cache-providers', String(inputs.cacheProviders)],
    ['backend-bucket', backend.bucket],
    ['backend-key', backend.key],
    ['workspace', backend.workspace],
    ['lock-mode', backend.lockMode],
    ['lock-table', backend.lockTable ?? '(none)'],
    ['lock-timeout', formatDuration(backend.lockTimeoutMs)],
    ['backend-encrypt', String(backend.encrypt)],
    [
      'backend-endpoints',
      endpoints.length === 0
        ? '(from the environment)'
        : endpoints.map(([service, url]) => `${service}: ${url}`).join(', '),
    ],
    [
      'backend-config',
      backend.extraConfig
        .map(([name, value]) => `${name}=${value}`)
        .join(', ') || '(none)',
    ],
    ['variables', Object.keys(inputs.variables).join(', ') || '(none)'],
    ['var-files', inputs.varFiles.map(relative).join(', ') || '(none)'],
    ['reviewed-plan-hash', inputs.reviewedPlanHash ?? '(none)'],
    ['on-drift', inputs.onDrift],
    ['timeout', formatDuration(inputs.timeoutMs)],
    ['grace-period', formatDuration(inputs.gracePeriodMs)],
    ['deadline-at', showInstant(inputs.deadlineAt)],
    ['plan-artifact-name', inputs.planArtifactName],
    ['retention-days', String(inputs.retentionDays)],
    ['comment-on-pr', String(comment.enabled)],
    [
      'pr-number',
      comment.prNumber === undefined ? '(none)' : String(comment.prNumber),
    ],
    ['record-file', relative(inputs.recordFile)],
    ['run-id', inputs.runId],
  ]
}
