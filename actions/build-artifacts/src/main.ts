import path from 'node:path'
import type { StageName } from '../../../common/contracts/records.js'
import { Deadline } from '../../../common/deadline.js'
import { formatDuration } from '../../../common/duration.js'
import { errorMessage, InputError } from '../../../common/errors.js'
import { workspaceRoot } from '../../../common/input-checks.js'
import { runAction, type ActionContext } from '../../../common/run-action.js'
import { escapeMarkdown } from '../../../common/summary.js'
import type { BuildFile } from './files.js'
import { loadBuild, runFrontend, runPublish } from './frontend-part.js'
import { readInputs, type BuildArtifactsInputs } from './inputs.js'
import { uploadRecords, writeRecordFiles } from './records.js'
import { StepReport } from './report.js'
import { objectKey } from './s3-publish.js'
import { describeSettings } from './settings.js'

/** Entry of the main step. */
export async function run(): Promise<void> {
  await runAction(main)
}

/** Stage named in the record: publish belongs to the deploy stage, restore-index to the rollback. */
function stageOf(inputs: BuildArtifactsInputs | undefined): StageName {
  return stageOfParts(inputs?.parts ?? [])
}

function stageOfParts(parts: readonly string[]): StageName {
  if (parts.includes('restore-index')) return 'rollback'
  return parts.includes('publish') ? 'publish' : 'build'
}

/** Stage of a step whose inputs failed their checks, from the words of its mode input. */
function stageOfModeText(ctx: ActionContext): StageName {
  let text = ''
  try {
    text = ctx.inputs.string('mode') ?? ''
  } catch {
    // An unreadable mode leaves the build stage.
  }
  return stageOfParts(
    text
      .trim()
      .toLowerCase()
      .split(/[\s,]+/),
  )
}

/** Name of the workflow artifact that contains this step's records. */
export function recordsArtifactName(inputs: BuildArtifactsInputs): string {
  return `build-artifacts-${inputs.parts.join('-')}-records-${inputs.runId}`
}

/**
 * Reads the inputs, runs the selected parts in the order image, frontend,
 * publish, and always writes the record fragment (output and files), the
 * artifact records and the job summary, also when a part fails.
 */
export async function main(ctx: ActionContext): Promise<void> {
  const report = new StepReport(ctx.clock.now())
  const workspace = workspaceRoot(ctx.env)
  let inputs: BuildArtifactsInputs
  try {
    inputs = readInputs(ctx.inputs, workspace)
  } catch (error) {
    report.details.inputs_valid = false
    ctx.outputs.set(
      'record-json',
      report.fragment({
        stage: stageOfModeText(ctx),
        status: 'failed',
        completedAt: ctx.clock.now(),
        reason: errorMessage(error),
      }),
    )
    throw error
  }

  await ctx.logger.group('Settings', async () => {
    for (const [name, value] of describeSettings(inputs, workspace)) {
      ctx.logger.info(`${name}: ${value}`)
    }
  })
  report.details.mode = inputs.parts.join(', ')

  const deadline = Deadline.start({
    stage: 'build-artifacts',
    timeoutMs: inputs.timeoutMs,
    deadlineAt: inputs.deadlineAt,
    clock: ctx.clock,
  })
  let failure: unknown
  try {
    await runParts(ctx, inputs, report, deadline)
  } catch (error) {
    failure = error
  }
  await finish(ctx, inputs, report, failure)
  if (failure !== undefined) throw failure
}

async function runParts(
  ctx: ActionContext,
  inputs: BuildArtifactsInputs,
  report: StepReport,
  deadline: Deadline,
): Promise<void> {
  if (inputs.image !== undefined) {
    // Loaded on demand: a publish-only run then never loads the ECR client.
    const { runImage } = await import('./image-part.js')
    await ctx.logger.group('Backend image', () =>
      runImage(ctx, inputs, report, deadline),
    )
  }
  if (inputs.restoreIndex !== undefined) {
    // Loaded on demand, like the image part, because only a rollback needs it.
    const { runRestoreIndex } = await import('./restore-index.js')
    await ctx.logger.group('Restore the previous index.html', () =>
      runRestoreIndex(ctx, inputs, report, deadline),
    )
    return
  }
  if (inputs.frontend === undefined) return
  const frontend = inputs.frontend
  const files = await loadBuild(frontend, workspace(ctx))
  if (inputs.publish !== undefined) {
    checkKeyLengths(inputs.publish.prefix, files)
  }
  let scanned = false
  if (inputs.parts.includes('frontend')) {
    await ctx.logger.group('Frontend check, scan and checksums', () =>
      runFrontend(ctx, inputs, files, report, recordsArtifactName(inputs)),
    )
    scanned = true
  }
  if (inputs.parts.includes('publish')) {
    deadline.check('before publishing the frontend')
    try {
      await ctx.logger.group('Publish the frontend', () =>
        runPublish(ctx, inputs, files, report, deadline, scanned),
      )
    } catch (error) {
      throw explainMissingBucket(error, inputs.publish?.bucket ?? '')
    }
  }
}

/**
 * Names frontend-bucket in the error of a request to a bucket that does not
 * exist (S3 error code NoSuchBucket); returns other errors unchanged.
 */
function explainMissingBucket(error: unknown, bucket: string): unknown {
  if (!(error instanceof Error) || error.name !== 'NoSuchBucket') return error
  return new Error(
    `frontend-bucket: the bucket ${bucket} does not exist (${error.message}). Create the bucket, or fix frontend-bucket.`,
    { cause: error },
  )
}

/** S3's limit on the length of an object key, in bytes of UTF-8. */
const MAX_KEY_BYTES = 1024

/**
 * Rejects a publish whose longest object key (prefix, '/', file path) is
 * longer than S3 allows, before the first request.
 */
function checkKeyLengths(prefix: string, files: BuildFile[]): void {
  let longest = ''
  for (const file of files) {
    const key = objectKey(prefix, file.relativePath)
    if (Buffer.byteLength(key) > Buffer.byteLength(longest)) longest = key
  }
  const bytes = Buffer.byteLength(longest)
  if (bytes <= MAX_KEY_BYTES) return
  throw new InputError(
    'frontend-prefix',
    prefix,
    `The object key of ${longest.slice(prefix.length + 1)} would be ${bytes} bytes, and S3 allows at most ${MAX_KEY_BYTES} bytes (UTF-8). Shorten frontend-prefix or the file's path.`,
  )
}

function workspace(ctx: ActionContext): string {
  return workspaceRoot(ctx.env)
}

/** Writes the fragment, outputs, record files, the records upload and the summary. */
async function finish(
  ctx: ActionContext,
  inputs: BuildArtifactsInputs,
  report: StepReport,
  failure: unknown,
): Promise<void> {
  const cancelled = ctx.cancellation.cancelledBy !== undefined
  const status = cancelled
    ? 'cancelled'
    : failure !== undefined
      ? 'failed'
      : report.skippedReason !== undefined
        ? 'skipped'
        : 'succeeded'
  const stage = stageOf(inputs)
  const completedAt = ctx.clock.now()
  const fragment = report.fragment({
    stage,
    status,
    completedAt,
    ...(failure === undefined ? {} : { reason: errorMessage(failure) }),
  })
  ctx.outputs.set('artifacts-json', report.artifacts)
  ctx.outputs.set('record-json', fragment)

  let uploadLine: string
  try {
    const files = await writeRecordFiles(
      inputs.recordFile,
      fragment,
      report.checksumList,
    )
    ctx.logger.info(
      `Wrote the record fragment to ${files.recordFile} and the artifact records to ${files.artifactsFile}`,
    )
    const upload = await uploadRecords({
      files,
      name: recordsArtifactName(inputs),
      retentionDays: inputs.retentionDays,
      env: ctx.env,
      logger: ctx.logger,
    })
    uploadLine =
      upload.status === 'uploaded'
        ? `Records uploaded as workflow artifact ${upload.name}, kept ${upload.retentionDays} days.`
        : upload.status === 'unavailable'
          ? `Records not uploaded: ${upload.reason}.`
          : `Uploading the records as workflow artifact ${upload.name} failed: ${upload.reason}.`
  } catch (error) {
    ctx.logger.error(
      `Writing the record files next to ${inputs.recordFile} failed: ${errorMessage(error)}`,
    )
    uploadLine = `Writing the record files failed: ${errorMessage(error)}.`
  }

  renderSummary(ctx, inputs, report, {
    status,
    durationMs: completedAt - report.startedAt,
    uploadLine,
    workspace: workspace(ctx),
  })
}

function renderSummary(
  ctx: ActionContext,
  inputs: BuildArtifactsInputs,
  report: StepReport,
  facts: {
    status: string
    durationMs: number
    uploadLine: string
    workspace: string
  },
): void {
  const summary = ctx.summary
  summary
    .heading(`build-artifacts (${inputs.parts.join(', ')})`)
    .paragraph(
      escapeMarkdown(
        `Status: ${facts.status}, in ${formatDuration(Math.round(facts.durationMs / 1000) * 1000 || facts.durationMs)}. Record file: ${path.relative(facts.workspace, inputs.recordFile)}.`,
      ),
    )
  if (report.rows.length > 0) summary.table(['Part', 'Result'], report.rows)
  if (report.artifacts.length > 0) {
    summary.table(
      ['Artifact', 'Version', 'Size (bytes)', 'SHA-256', 'Location', 'Scan'],
      report.artifacts.map((artifact) => [
        `${artifact.type} ${artifact.name}`,
        artifact.version,
        artifact.size_bytes,
        artifact.sha256,
        artifact.location.kind === 'ecr'
          ? artifact.location.image_uri
          : artifact.location.kind === 's3'
            ? `s3://${artifact.location.bucket}/${artifact.location.prefix}`
            : `workflow artifact ${artifact.location.name}`,
        `${artifact.scan.status} (threshold ${artifact.scan.threshold})`,
      ]),
    )
  }
  for (const section of report.sections) {
    summary.details(
      section.title,
      section.lines.map((line) => `- ${escapeMarkdown(line)}`).join('\n'),
    )
  }
  if (facts.uploadLine) summary.paragraph(escapeMarkdown(facts.uploadLine))
}
