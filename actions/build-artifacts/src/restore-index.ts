/**
 * The `restore-index` part: puts back the index.html that publish replaced,
 * from the reference publish wrote to `previous-index-json` (the kept object
 * version in a versioned bucket, or the kept copy in an unversioned one).
 */
import {
  CopyObjectCommand,
  HeadObjectCommand,
  S3Client,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3'
import { createAwsClient } from '../../../common/aws-clients.js'
import type { Deadline } from '../../../common/deadline.js'
import { errorMessage } from '../../../common/errors.js'
import type { ActionContext } from '../../../common/run-action.js'
import type { BuildArtifactsInputs, PreviousIndexReference } from './inputs.js'
import type { StepReport } from './report.js'
import { sendS3, type RequestLimits } from './s3-requests.js'
import { uriEncode } from './sigv4.js'

/** Result of restore-index, as the `restored-index-json` output shows it. */
export interface RestoredIndex {
  bucket: string
  key: string
  /** Where the content came from: `<key>?versionId=<id>` or the copy key. */
  source: string
  /** Version id of the restored object, when the bucket is versioned. */
  version_id?: string
  etag: string
  size_bytes: number
}

/** Returns the CopySource value of the kept index.html: bucket and encoded key, with the version id when set. */
export function copySourceOf(previous: PreviousIndexReference): string {
  const key = previous.copy_key ?? previous.key
  const source = `${previous.bucket}/${uriEncode(key, true)}`
  return previous.version_id === undefined
    ? source
    : `${source}?versionId=${encodeURIComponent(previous.version_id)}`
}

/** Describes the kept index.html for logs and errors. */
function describeSource(previous: PreviousIndexReference): string {
  return previous.version_id === undefined
    ? `s3://${previous.bucket}/${previous.copy_key}`
    : `s3://${previous.bucket}/${previous.key} version ${previous.version_id}`
}

/**
 * Restores the previous index.html: checks that the kept object exists,
 * copies it over the current key with its metadata (Content-Type,
 * Cache-Control and x-amz-meta-sha256 are kept), and checks the result.
 * Without a previous index.html it logs that and changes nothing.
 */
export async function runRestoreIndex(
  ctx: ActionContext,
  inputs: BuildArtifactsInputs,
  report: StepReport,
  deadline: Deadline,
): Promise<void> {
  const previous = inputs.restoreIndex?.previousIndex
  if (previous === undefined) {
    const line =
      'previous-index-json names no previous index.html (publish replaced none), so there is nothing to restore; no S3 request was sent'
    ctx.logger.info(line)
    ctx.outputs.set('restored-index-json', '')
    report.skippedReason = line
    report.details.restore_index = { restored: false }
    report.rows.push(['restore-index', 'nothing to restore'])
    return
  }

  const target = `s3://${previous.bucket}/${previous.key}`
  const source = describeSource(previous)
  const s3 = createAwsClient(S3Client, {
    region: inputs.awsRegion,
    logger: ctx.logger,
    env: ctx.env,
  })
  const limits: RequestLimits = {
    attemptTimeoutMs: inputs.attemptTimeoutMs,
    maxAttempts: 3,
    signal: AbortSignal.any([
      ctx.cancellation.signal,
      AbortSignal.timeout(
        Math.max(1, Math.min(deadline.remainingMs(), 2 ** 31 - 1)),
      ),
    ]),
    logger: ctx.logger,
  }
  try {
    ctx.logger.info(`Checking the kept index.html at ${source}`)
    const kept = await headSource(s3, previous, source, limits)
    ctx.logger.info(
      `Found ${source}: ${kept.ContentLength ?? 0} bytes, ETag ${kept.ETag ?? '(none)'}, Content-Type ${kept.ContentType ?? '(none)'}`,
    )

    ctx.logger.info(`Copying ${source} over ${target}`)
    const copied = await sendS3(
      s3,
      `S3 CopyObject ${source} to ${target}`,
      (client, abortSignal) =>
        client.send(
          new CopyObjectCommand({
            Bucket: previous.bucket,
            Key: previous.key,
            CopySource: copySourceOf(previous),
            MetadataDirective: 'COPY',
          }),
          { abortSignal },
        ),
      limits,
    )

    const restored = await sendS3(
      s3,
      `S3 HeadObject ${target}`,
      (client, abortSignal) =>
        client.send(
          new HeadObjectCommand({
            Bucket: previous.bucket,
            Key: previous.key,
            ...(copied.VersionId === undefined
              ? {}
              : { VersionId: copied.VersionId }),
          }),
          { abortSignal },
        ),
      limits,
    )
    // A server-side copy of a single-part object keeps its MD5 ETag.
    if (
      kept.ETag !== undefined &&
      !kept.ETag.includes('-') &&
      restored.ETag !== kept.ETag
    ) {
      throw new Error(
        `After the copy, ${target} has ETag ${restored.ETag ?? '(none)'}, not the ETag ${kept.ETag} of ${source}. Another writer may have replaced it; check the bucket and run the step again.`,
      )
    }

    const result: RestoredIndex = {
      bucket: previous.bucket,
      key: previous.key,
      source:
        previous.version_id === undefined
          ? (previous.copy_key as string)
          : `${previous.key}?versionId=${previous.version_id}`,
      ...(copied.VersionId === undefined
        ? {}
        : { version_id: copied.VersionId }),
      etag: (restored.ETag ?? '').replace(/^"|"$/g, ''),
      size_bytes: restored.ContentLength ?? 0,
    }
    ctx.logger.info(
      `Restored ${target} from ${source}${result.version_id === undefined ? '' : ` as version ${result.version_id}`} (${result.size_bytes} bytes, Content-Type ${restored.ContentType ?? '(none)'}, Cache-Control ${restored.CacheControl ?? '(none)'})`,
    )
    ctx.outputs.set('restored-index-json', result)
    report.details.restore_index = { restored: true, ...result }
    report.rows.push(['restore-index', `${target} restored from ${source}`])
  } catch (error) {
    report.rows.push(['restore-index', `failed: ${errorMessage(error)}`])
    throw error
  } finally {
    s3.destroy()
  }
}

/** Reads the kept object's headers; a missing object or version fails with the reason. */
async function headSource(
  s3: S3Client,
  previous: PreviousIndexReference,
  source: string,
  limits: RequestLimits,
): Promise<HeadObjectCommandOutput> {
  try {
    return await sendS3(
      s3,
      `S3 HeadObject ${source}`,
      (client, abortSignal) =>
        client.send(
          new HeadObjectCommand({
            Bucket: previous.bucket,
            Key: previous.copy_key ?? previous.key,
            ...(previous.version_id === undefined
              ? {}
              : { VersionId: previous.version_id }),
          }),
          { abortSignal },
        ),
      limits,
    )
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } })
      .$metadata?.httpStatusCode
    if (status === 404 || status === 400) {
      throw new Error(
        `The kept index.html ${source} was not found (HTTP ${status}), so ${previous.key} cannot be restored from it. Check that previous-index-json comes from the publish of this release and that no lifecycle rule removed the ${previous.version_id === undefined ? 'copy' : 'version'}.`,
        { cause: error },
      )
    }
    throw error
  }
}
