import path from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { plural } from '../../../common/plural.js'
import { createAwsClient } from '../../../common/aws-clients.js'
import type { FrontendFilesRecord } from '../../../common/contracts/records.js'
import type { Deadline } from '../../../common/deadline.js'
import type { ActionContext } from '../../../common/run-action.js'
import { CacheHeaders } from './cache-headers.js'
import {
  buildDigest,
  checksumFiles,
  checksumList,
  type FileChecksum,
} from './checksums.js'
import { ContentTypes } from './content-types.js'
import type { BuildFile } from './files.js'
import { checkBuildFolder, INDEX_FILE } from './frontend-check.js'
import type {
  BuildArtifactsInputs,
  FrontendSettings,
  PublishSettings,
} from './inputs.js'
import type { StepReport } from './report.js'
import { DEFAULT_MULTIPART_THRESHOLD, publishToS3 } from './s3-publish.js'
import { SignedS3Client } from './s3-signed-client.js'
import type { SigningCredentials } from './sigv4.js'
import { scanAndHash, type LocalFileDigests } from './local-pass.js'
import { scanBuild, type ScanFinding } from './secret-scan.js'

/** Name of the frontend artifact in its record. */
export const FRONTEND_ARTIFACT_NAME = 'frontend'

/** Lists the build folder after the folder checks; the label is relative to the workspace. */
export async function loadBuild(
  frontend: FrontendSettings,
  workspace: string,
): Promise<BuildFile[]> {
  const label = path.relative(workspace, frontend.dir) || '.'
  return checkBuildFolder(frontend.dir, label)
}

/**
 * Scans the build for credentials and files that must not ship; throws with
 * every finding listed (file, line, rule, never the value).
 */
export async function scanFrontend(
  ctx: ActionContext,
  files: BuildFile[],
  frontend: FrontendSettings,
  report: StepReport,
): Promise<void> {
  ctx.logger.info(
    `Scanning ${files.length} frontend files for credentials and files that must not ship`,
  )
  const scan = await scanBuild(files, {
    includeSourceMaps: frontend.includeSourceMaps,
  })
  reportScan(ctx, scan, report)
}

/** Records the scan result; throws with every finding listed when there is one. */
function reportScan(
  ctx: ActionContext,
  scan: {
    findings: ScanFinding[]
    scannedFiles: number
    skippedBinary: number
  },
  report: StepReport,
): void {
  const counts: Record<string, number> = {}
  for (const finding of scan.findings) {
    counts[finding.rule] = (counts[finding.rule] ?? 0) + 1
  }
  report.details.frontend_scan = {
    scanned_text_files: scan.scannedFiles,
    skipped_binary_files: scan.skippedBinary,
    finding_counts: counts,
  }
  if (scan.findings.length === 0) {
    ctx.logger.info(
      `Scan passed: no finding in ${plural(scan.scannedFiles, 'text file')} (${plural(scan.skippedBinary, 'binary file')} skipped)`,
    )
    return
  }
  const lines = scan.findings.map(
    (f) =>
      `${f.relativePath}${f.line === undefined ? '' : `:${f.line}`}: ${f.rule}: ${f.description}`,
  )
  for (const line of lines) ctx.logger.error(line)
  report.sections.push({ title: 'Frontend scan findings', lines })
  report.rows.push([
    'frontend scan',
    `failed, ${scan.findings.length} findings`,
  ])
  throw new Error(
    `The frontend scan found ${scan.findings.length} problems (${Object.entries(
      counts,
    )
      .map(([rule, count]) => `${rule}: ${count}`)
      .join(
        ', ',
      )}), first ${lines[0]}. Remove the files or secrets from the build and rebuild.`,
  )
}

/** Builds the frontend artifact record from the checksums. */
function frontendRecord(
  inputs: BuildArtifactsInputs,
  checksums: FileChecksum[],
  createdAt: number,
  location: FrontendFilesRecord['location'],
  publish?: { bucket: string; prefix: string },
): FrontendFilesRecord {
  return {
    type: 'frontend_files',
    name: FRONTEND_ARTIFACT_NAME,
    version: inputs.commitSha,
    size_bytes: checksums.reduce((sum, entry) => sum + entry.size, 0),
    sha256: buildDigest(checksums),
    created_at: new Date(createdAt).toISOString(),
    location,
    pipeline_run_id: inputs.runId,
    scan: { status: 'passed', threshold: 'any finding', finding_counts: {} },
    bucket: publish?.bucket ?? null,
    prefix: publish?.prefix ?? '',
    file_count: checksums.length,
    index_file: INDEX_FILE,
  }
}

function setFrontendOutputs(ctx: ActionContext, record: FrontendFilesRecord) {
  ctx.outputs.set('frontend-file-count', record.file_count)
  ctx.outputs.set('frontend-size-bytes', record.size_bytes)
  ctx.outputs.set('frontend-sha256', record.sha256)
}

/** Runs the `frontend` part: scan, checksums and artifact record, without any AWS request. */
export async function runFrontend(
  ctx: ActionContext,
  inputs: BuildArtifactsInputs,
  files: BuildFile[],
  report: StepReport,
  recordsArtifactName: string,
): Promise<void> {
  const frontend = inputs.frontend as FrontendSettings
  await scanFrontend(ctx, files, frontend, report)
  ctx.logger.info(`Computing SHA-256 checksums of ${files.length} files`)
  const checksums = await checksumFiles(files)
  report.checksumList = checksumList(checksums)
  const record = frontendRecord(inputs, checksums, ctx.clock.now(), {
    kind: 'workflow-artifact',
    name: recordsArtifactName,
  })
  report.setFrontendRecord(record)
  setFrontendOutputs(ctx, record)
  ctx.logger.info(
    `Frontend: ${record.file_count} files, ${record.size_bytes} bytes, SHA-256 ${record.sha256}`,
  )
  report.rows.push([
    'frontend',
    `${record.file_count} files, ${record.size_bytes} bytes, scan passed, SHA-256 ${record.sha256}`,
  ])
}

/** Runs the `publish` part: scan (unless frontend ran), upload to S3 and invalidation. */
export async function runPublish(
  ctx: ActionContext,
  inputs: BuildArtifactsInputs,
  files: BuildFile[],
  report: StepReport,
  deadline: Deadline,
  alreadyScanned: boolean,
): Promise<void> {
  const frontend = inputs.frontend as FrontendSettings
  const publish = inputs.publish as PublishSettings
  // The scan and the hashes come from one read of each file, while the
  // bucket listing runs at the same time. A finding rejects localDigests,
  // which stops publish before its first write.
  let localDigests: Promise<Map<string, LocalFileDigests>>
  const keepContentsBelow = DEFAULT_MULTIPART_THRESHOLD
  if (alreadyScanned) {
    localDigests = scanAndHash(files, {
      includeSourceMaps: true,
      keepContentsBelow,
    }).then((pass) => pass.digests)
  } else {
    ctx.logger.info(
      `Scanning ${files.length} frontend files for credentials and files that must not ship`,
    )
    localDigests = scanAndHash(files, {
      includeSourceMaps: frontend.includeSourceMaps,
      keepContentsBelow,
    }).then((pass) => {
      reportScan(ctx, pass, report)
      return pass.digests
    })
  }

  // The SDK client is created on first use: a publish that needs no
  // index copy or deletion never loads the SDK.
  let sdkClient: Promise<S3Client> | undefined
  const sdk = () => {
    sdkClient ??= import('@aws-sdk/client-s3').then(({ S3Client }) => {
      const client = createAwsClient(S3Client, {
        region: inputs.awsRegion,
        logger: ctx.logger,
        env: ctx.env,
        attemptTimeoutMs: inputs.attemptTimeoutMs,
      })
      skipOptionalChecksums(client)
      return client
    })
    return sdkClient
  }
  const signed = new SignedS3Client({
    bucket: publish.bucket,
    region: inputs.awsRegion,
    env: ctx.env,
    credentials: signingCredentials(ctx.env, sdk),
    maxIdleConnections: publish.uploadConcurrency,
    now: () => ctx.clock.now(),
  })
  const signal = AbortSignal.any([
    ctx.cancellation.signal,
    AbortSignal.timeout(
      Math.max(1, Math.min(deadline.remainingMs(), 2 ** 31 - 1)),
    ),
  ])
  let result: Awaited<ReturnType<typeof publishToS3>>
  try {
    result = await publishToS3({
      sdk,
      signed,
      bucket: publish.bucket,
      prefix: publish.prefix,
      files,
      contentTypes: new ContentTypes(publish.contentTypes),
      cacheHeaders: new CacheHeaders(publish.cacheControl),
      deleteStale: publish.deleteStale,
      maxDeletePercent: publish.maxDeletePercent,
      concurrency: publish.uploadConcurrency,
      runId: inputs.runId,
      limits: {
        attemptTimeoutMs: inputs.attemptTimeoutMs,
        maxAttempts: 3,
        signal,
        logger: ctx.logger,
      },
      clock: ctx.clock,
      logger: ctx.logger,
      localDigests,
    })
  } catch (error) {
    if (deadline.expired()) {
      throw deadline.timeoutError('publishing to S3', { cause: error })
    }
    throw error
  } finally {
    signed.destroy()
    if (sdkClient !== undefined) (await sdkClient).destroy()
  }

  ctx.outputs.set('uploaded-count', result.uploaded.length)
  ctx.outputs.set('unchanged-count', result.unchangedCount)
  ctx.outputs.set('deleted-count', result.deletedKeys.length)
  ctx.outputs.set(
    'previous-index-json',
    result.previousIndex === undefined ? '' : result.previousIndex,
  )
  const record = frontendRecord(
    inputs,
    result.checksums,
    ctx.clock.now(),
    { kind: 's3', bucket: publish.bucket, prefix: publish.prefix },
    { bucket: publish.bucket, prefix: publish.prefix },
  )
  if (result.previousIndex !== undefined) {
    const { bucket, key, version_id, copy_key } = result.previousIndex
    record.previous_index =
      version_id !== undefined
        ? { bucket, key, version_id }
        : { bucket, key: copy_key ?? key }
  }
  report.setFrontendRecord(record)
  // With the frontend part in the same step, the outputs are set already,
  // from the same files, so they have the same values.
  if (!alreadyScanned) setFrontendOutputs(ctx, record)
  report.details.publish = {
    bucket: publish.bucket,
    prefix: publish.prefix,
    uploaded: result.uploaded.length,
    uploaded_bytes: result.uploadedBytes,
    unchanged: result.unchangedCount,
    deleted: result.deletedKeys.length,
    // The log names every deleted key; the record keeps the first 1,000.
    deleted_keys: result.deletedKeys.slice(0, 1000),
    existing_objects: result.existingCount,
    previous_index: result.previousIndex ?? null,
  }
  const where = `s3://${publish.bucket}/${publish.prefix}`
  report.rows.push([
    'publish',
    `${where}: ${result.uploaded.length} uploaded (${result.uploadedBytes} bytes), ${result.unchangedCount} unchanged, ${result.deletedKeys.length} deleted`,
  ])
  if (result.uploaded.length > 0) {
    const shown = result.uploaded.slice(0, 50)
    report.sections.push({
      title: `Uploaded files (${result.uploaded.length})`,
      lines: [
        ...shown.map(
          (file) =>
            `${file.key} (${file.reason}, ${file.size} bytes, ${file.contentType}, ${file.cacheControl})`,
        ),
        ...(result.uploaded.length > shown.length
          ? [`and ${result.uploaded.length - shown.length} more`]
          : []),
      ],
    })
  }

  const cloudFront = publish.cloudFront
  if (cloudFront === undefined) return
  // Loaded on demand, because most publishes need no CloudFront client.
  const { CloudFrontClient } = await import('@aws-sdk/client-cloudfront')
  const { invalidateChanged } = await import('./invalidation.js')
  const client = createAwsClient(CloudFrontClient, {
    region: inputs.awsRegion,
    logger: ctx.logger,
    env: ctx.env,
    attemptTimeoutMs: inputs.attemptTimeoutMs,
  })
  try {
    const invalidation = await invalidateChanged({
      cloudFront: client,
      distributionId: cloudFront.distributionId,
      changedKeys: result.changedKeys,
      prefix: publish.prefix,
      maxPaths: cloudFront.maxPaths,
      callerReference: `build-artifacts-${inputs.runId}-${ctx.clock.now()}`,
      wait: cloudFront.wait,
      deadline: deadline.child('CloudFront invalidation', cloudFront.timeoutMs),
      logger: ctx.logger,
      sleep: ctx.sleep,
      signal: ctx.cancellation.signal,
    })
    if (invalidation === undefined) {
      report.rows.push([
        'invalidation',
        'none needed: no object was replaced or deleted',
      ])
      return
    }
    ctx.outputs.set('invalidation-id', invalidation.id)
    report.details.invalidation = {
      distribution_id: cloudFront.distributionId,
      id: invalidation.id,
      paths: invalidation.paths,
      wildcard: invalidation.wildcard,
      status: invalidation.status,
    }
    report.rows.push([
      'invalidation',
      `${invalidation.id} in ${cloudFront.distributionId}: ${invalidation.wildcard ? invalidation.paths[0] : `${invalidation.paths.length} paths`}, status ${invalidation.status}`,
    ])
  } finally {
    client.destroy()
  }
}

/**
 * Returns the credentials provider of the signed requests. When the
 * environment carries both access keys, they are used, as the kit's SDK
 * clients use them. Otherwise the SDK client's default provider chain
 * (web identity, container and instance credentials) supplies them, and
 * it caches and refreshes them.
 */
function signingCredentials(
  env: NodeJS.ProcessEnv,
  sdk: () => Promise<S3Client>,
): () => Promise<SigningCredentials> {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim()
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim()
  if (accessKeyId && secretAccessKey) {
    const sessionToken = env.AWS_SESSION_TOKEN?.trim()
    const fixed: SigningCredentials = sessionToken
      ? { accessKeyId, secretAccessKey, sessionToken }
      : { accessKeyId, secretAccessKey }
    return () => Promise.resolve(fixed)
  }
  return async () => {
    const client = await sdk()
    const identity = await client.config.credentials()
    return identity.sessionToken
      ? {
          accessKeyId: identity.accessKeyId,
          secretAccessKey: identity.secretAccessKey,
          sessionToken: identity.sessionToken,
        }
      : {
          accessKeyId: identity.accessKeyId,
          secretAccessKey: identity.secretAccessKey,
        }
  }
}

/**
 * Turns off the SDK's optional CRC32 checksum of request bodies. The SDK
 * client sends no object content here, because uploads go through
 * SignedS3Client, whose signed payload hashes S3 checks. An operation that
 * requires a checksum (DeleteObjects) still gets one. The SDK reads this
 * setting per request.
 */
function skipOptionalChecksums(s3: S3Client): void {
  const config = s3.config as { requestChecksumCalculation?: unknown }
  if (typeof config.requestChecksumCalculation === 'function') {
    config.requestChecksumCalculation = () => Promise.resolve('WHEN_REQUIRED')
  }
}
