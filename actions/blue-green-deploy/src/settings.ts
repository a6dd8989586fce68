import path from 'node:path'
import { formatDuration } from '../../../common/duration.js'
import { showInstant, showNames } from '../../../common/inputs-only.js'
import { redactUrl } from '../../../common/masking.js'
import type { BlueGreenDeployInputs, TrafficPlan } from './inputs.js'

/**
 * Lists the parsed settings by input name for the log and the job summary.
 * Environment variable values are left out because a value may be
 * sensitive even under a plain name; secrets are ARNs, not values.
 */
export function describeSettings(
  inputs: BlueGreenDeployInputs,
  workspace: string,
): Array<[string, string]> {
  const relative = (file: string): string =>
    path.relative(workspace, file) || '.'
  const { lock, deploy, deployment } = inputs
  const rows: Array<[string, string]> = [
    ['mode', inputs.mode],
    ['strategy', inputs.strategy],
    ['aws-region', inputs.awsRegion],
    ['cluster', inputs.cluster],
    ['service', inputs.service],
    ['blue-service', inputs.blueService],
    ['green-service', inputs.greenService],
  ]

  if (deploy !== undefined) {
    rows.push(
      ['listener-arn', deploy.listenerArn ?? '(none)'],
      ['listener-rule-arn', deploy.listenerRuleArn ?? '(none)'],
      ['test-listener-arn', deploy.testListenerArn ?? '(none)'],
      ['container-name', deploy.containerName],
      ['image', deploy.image.text],
      [
        'task-definition',
        deploy.taskDefinitionFile === undefined
          ? '(revision of the live service)'
          : relative(deploy.taskDefinitionFile),
      ],
      ['environment-variables', showNames(deploy.environment)],
      [
        'secrets',
        deploy.secrets.map(([name, arn]) => `${name}=${arn}`).join(', ') ||
          '(none)',
      ],
      ['desired-count', deploy.desiredCount?.toString() ?? '(live service)'],
      ['migration-command', deploy.migration?.command.join(' ') ?? '(none)'],
      ['traffic', describeTraffic(deploy.traffic)],
      ['final-bake-time', formatDuration(deploy.finalBakeMs)],
      ['keep-old-colour', String(deploy.keepOldColour)],
      ['max-5xx-count', String(deploy.max5xxCount)],
      ['verify-urls', deploy.verifyUrls.map(redactUrl).join(', ') || '(none)'],
      ['deploy-timeout', formatDuration(deploy.deployTimeoutMs)],
      ['keep-revisions', String(deploy.keepRevisions)],
    )
    if (deploy.migration !== undefined) {
      rows.push([
        'migration-timeout',
        formatDuration(deploy.migration.timeoutMs),
      ])
    }
    if (deploy.verifyUrls.length > 0) {
      rows.push(['verify-timeout', formatDuration(deploy.verifyTimeoutMs)])
    }
  }
  if (deployment !== undefined) {
    rows.push([
      'deployment-json',
      `${deployment.live_colour_before} to ${deployment.target_colour}, started ${deployment.started_at}`,
    ])
  }

  rows.push(
    ['rollback-timeout', formatDuration(inputs.rollbackTimeoutMs)],
    ['poll-interval', formatDuration(inputs.pollIntervalMs)],
    ['lock-bucket', lock.bucket],
    ['lock-table', lock.table ?? '(none)'],
    ['lock-key', lock.key],
    ['lock-stale-after', formatDuration(lock.staleAfterMs)],
    ['take-over-stale-lock', String(lock.takeOverStale)],
    ['lock-timeout', formatDuration(lock.waitMs)],
    ['timeout', formatDuration(inputs.timeoutMs)],
    ['attempt-timeout', formatDuration(inputs.attemptTimeoutMs)],
    ['deadline-at', showInstant(inputs.deadlineAt)],
    ['record-file', relative(inputs.recordFile)],
    ['run-id', inputs.runId],
  )
  return rows
}

function describeTraffic(traffic: TrafficPlan): string {
  switch (traffic.kind) {
    case 'all-at-once':
      return 'all-at-once'
    case 'canary':
      return `canary: ${traffic.percent}%, bake ${formatDuration(traffic.bakeMs)}, then the rest`
    case 'linear':
      return `linear: steps of ${traffic.stepPercent}%, bake ${formatDuration(traffic.bakeMs)} each`
  }
}
