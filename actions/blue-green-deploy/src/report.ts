/**
 * Outputs, record fragment and job summary of one run, built from the
 * DeployReport whether the run succeeded, failed or was cancelled.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type {
  RecordFragment,
  StageStatus,
} from '../../../common/contracts/records.js'
import { formatWeights } from '../../../common/rollback.js'
import type { ActionContext } from '../../../common/run-action.js'
import { escapeMarkdown } from '../../../common/summary.js'
import type { DeployReport } from './deploy.js'

export interface RunSummary {
  mode: 'deploy' | 'rollback'
  status: StageStatus
  startedAt: number
  completedAt: number
  reason?: string
}

export function buildFragment(
  report: DeployReport,
  run: RunSummary,
): RecordFragment {
  const fragment: RecordFragment = {
    schema_version: 1,
    action: 'blue-green-deploy',
    stage: run.mode === 'rollback' ? 'rollback' : 'deploy',
    status: run.status,
    started_at: new Date(run.startedAt).toISOString(),
    completed_at: new Date(run.completedAt).toISOString(),
    duration_seconds: Math.round((run.completedAt - run.startedAt) / 100) / 10,
    details: {
      mode: run.mode,
      live_colour_before: report.liveBefore ?? null,
      live_colour_after: report.liveAfter ?? null,
      task_definition_arn: report.taskDefinitionArn ?? null,
      image_digest: report.image?.digest ?? null,
      rolled_back: report.rolledBack,
      traffic: report.history,
      timeline: report.timeline,
      removed_task_definition_keys: report.removedKeys,
      ...(report.migration === undefined
        ? {}
        : {
            migration: {
              task_arn: report.migration.taskArn,
              exit_code: report.migration.exitCode,
            },
          }),
      ...(report.scaledDown === undefined
        ? {}
        : { scaled_down: report.scaledDown }),
      ...(report.cleanup === undefined
        ? {}
        : { deregistered_revisions: report.cleanup.deregistered }),
      ...(report.lock === undefined ? {} : { lock: report.lock }),
    },
  }
  if (run.reason !== undefined) fragment.reason = run.reason
  return fragment
}

/** Sets every output once; values that are unknown stay empty. */
export function setOutputs(
  ctx: ActionContext,
  report: DeployReport,
  fragment: RecordFragment,
): void {
  ctx.outputs.set('live-colour-before', report.liveBefore ?? '')
  ctx.outputs.set('live-colour-after', report.liveAfter ?? '')
  ctx.outputs.set('task-definition-arn', report.taskDefinitionArn ?? '')
  ctx.outputs.set('image-digest', report.image?.digest ?? '')
  ctx.outputs.set(
    'deployment-json',
    report.state === undefined ? '' : report.state,
  )
  ctx.outputs.set('traffic-history-json', report.history)
  ctx.outputs.set('rolled-back', report.rolledBack)
  ctx.outputs.set('record-json', fragment)
}

export async function writeRecord(
  file: string,
  fragment: RecordFragment,
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, `${JSON.stringify(fragment, null, 2)}\n`)
}

export function writeSummary(
  ctx: ActionContext,
  report: DeployReport,
  run: RunSummary,
): void {
  const seconds = Math.round((run.completedAt - run.startedAt) / 1000)
  const summary = ctx.summary.heading(`blue-green-deploy (${run.mode})`)
  const head = [
    `Status: ${run.status} in ${seconds}s.`,
    report.liveBefore === undefined
      ? ''
      : ` Live before: ${report.liveBefore}; live after: ${report.liveAfter ?? report.liveBefore}.`,
    report.taskDefinitionArn === undefined
      ? ''
      : ` Task definition: ${report.taskDefinitionArn}.`,
    report.rolledBack ? ' Traffic was rolled back.' : '',
  ].join('')
  summary.paragraph(escapeMarkdown(head))
  if (report.timeline.length > 0) {
    summary.table(
      ['Time', 'Step', 'Result'],
      report.timeline.map((entry) => [entry.at, entry.step, entry.result]),
    )
  }
  if (report.history.length > 0) {
    summary.table(
      ['Time', 'Move', 'Weights', 'Result'],
      report.history.map((move) => [
        move.at,
        move.kind,
        formatWeights(move.weights),
        move.result,
      ]),
    )
  }
  if (report.removedKeys.length > 0) {
    summary.details(
      'Removed from the task definition before registering',
      report.removedKeys.map((line) => `- ${escapeMarkdown(line)}`).join('\n'),
    )
  }
}
