import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import type { S3Client } from '@aws-sdk/client-s3'
import { DEFAULT_MAX_ATTEMPTS } from '../../../common/aws-clients.js'
import type { Clock } from '../../../common/clock.js'
import { errorMessage } from '../../../common/errors.js'
import type { Logger } from '../../../common/log.js'
import { plural } from '../../../common/plural.js'
import type { CacheHeaders } from './cache-headers.js'
import type { ContentTypes } from './content-types.js'
import type { FileChecksum } from './checksums.js'
import { hashFile, mapLimit, type BuildFile } from './files.js'
import { INDEX_FILE } from './frontend-check.js'
import {
  Semaphore,
  sendS3,
  sendWithRetry,
  type RequestLimits,
} from './s3-requests.js'
import type { S3ResponseError, SignedS3Client } from './s3-signed-client.js'

/**
 * Loads the AWS SDK's S3 module on first use. Publish sends its listing,
 * uploads and HEAD requests through SignedS3Client, so a run that replaces
 * no index.html and deletes nothing never loads the SDK.
 */
const sdkCommands = () => import('@aws-sdk/client-s3')

/** Object metadata key (x-amz-meta-sha256) with the hex SHA-256 of the content. */
export const SHA256_METADATA = 'sha256'

/** Files of this size or larger are uploaded in parts, as `aws s3` does by default. */
export const DEFAULT_MULTIPART_THRESHOLD = 8 * 1024 * 1024
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024

/**
 * Folder under the prefix that contains copies of replaced index.html files in
 * unversioned buckets. Publish never lists its objects as stale.
 */
export const KEEP_FOLDER = '.deploy-kit/previous-index'

export interface PublishOptions {
  /** Returns the SDK client, created on first use, for the operations SignedS3Client does not send. */
  sdk: () => Promise<S3Client>
  /** Sends ListObjectsV2, HeadObject, PutObject and the multipart upload requests. */
  signed: SignedS3Client
  bucket: string
  /** Key prefix without leading or trailing '/'; '' for the bucket root. */
  prefix: string
  files: readonly BuildFile[]
  contentTypes: ContentTypes
  cacheHeaders: CacheHeaders
  deleteStale: boolean
  maxDeletePercent: number
  /** S3 requests in flight at once. */
  concurrency: number
  runId: string
  limits: RequestLimits
  clock: Clock
  logger: Logger
  multipartThreshold?: number
  partSize?: number
  /**
   * SHA-256 and MD5 of the files by relative path, computed by the caller
   * (for example together with the secret scan). It is awaited together
   * with the listing, and its rejection stops publish before any write.
   * Without it, publish hashes the files itself.
   */
  localDigests?: Promise<
    Map<string, { sha256: string; md5: string; content?: Buffer }>
  >
}

/** Reason for uploading a file. */
export type UploadReason = 'new' | 'changed'

export interface UploadedFile {
  relativePath: string
  key: string
  size: number
  reason: UploadReason
  multipart: boolean
  contentType: string
  cacheControl: string
}

/** Reference to the index.html that publish replaced. */
export interface PreviousIndex {
  bucket: string
  key: string
  /** Version id in a versioned bucket. */
  version_id?: string
  /** Key of the copy in an unversioned bucket. */
  copy_key?: string
}

export interface PublishResult {
  uploaded: UploadedFile[]
  unchangedCount: number
  deletedKeys: string[]
  /** Objects under the prefix before publish (copies of replaced index files left out). */
  existingCount: number
  uploadedBytes: number
  previousIndex?: PreviousIndex
  /** Keys whose content changed: uploads of existing objects and deletions. */
  changedKeys: string[]
  /** SHA-256 of every local file, in the order of `files`. */
  checksums: FileChecksum[]
}

interface RemoteObject {
  etag: string
  size: number
}

interface PlannedFile {
  file: BuildFile
  key: string
  sha256: string
  md5: string
  /** Content the digests were computed from, when the local pass kept it; dropped after the upload. */
  content?: Buffer
  reason?: UploadReason
}

/** Object key of a build file: the prefix, '/', the NFC relative path. */
export function objectKey(prefix: string, relativePath: string): string {
  const key = relativePath.normalize('NFC')
  return prefix === '' ? key : `${prefix.normalize('NFC')}/${key}`
}

/** Whether an ETag is that of a multipart upload (`<hex>-<parts>`). */
export function isMultipartEtag(etag: string): boolean {
  return /-\d+$/.test(etag)
}

/**
 * Decides whether a local file differs from the stored object by content:
 * the MD5 against a single-part ETag, else the SHA-256 that publish stores
 * in the object's metadata. Returns undefined when the object must be
 * inspected (a multipart ETag) before deciding.
 */
export function compareByContent(
  local: { md5: string },
  remote: RemoteObject | undefined,
): UploadReason | 'unchanged' | undefined {
  if (remote === undefined) return 'new'
  if (isMultipartEtag(remote.etag)) return undefined
  // NOTE: objects encrypted with SSE-KMS or SSE-C have an ETag that is not
  // their MD5, so they count as changed and are uploaded again.
  return remote.etag === local.md5 ? 'unchanged' : 'changed'
}

/**
 * Checks the stale-object guard: deleting `staleCount` of `existingCount`
 * objects must not exceed `maxDeletePercent`. Throws the reason otherwise.
 */
export function checkDeletionGuard(
  staleCount: number,
  existingCount: number,
  maxDeletePercent: number,
  where: string,
): void {
  if (staleCount === 0) return
  if (staleCount * 100 > maxDeletePercent * existingCount) {
    const percent = ((staleCount * 100) / existingCount).toFixed(1)
    throw new Error(
      `delete-stale would delete ${staleCount} of the ${existingCount} objects under ${where} (${percent}%), more than max-delete-percent ${maxDeletePercent}%. Nothing was uploaded or deleted. Check frontend-dir and frontend-prefix, or raise max-delete-percent when the deletion is intended.`,
    )
  }
}

/**
 * Publishes the build folder to S3:
 * 1. lists the objects under the prefix and hashes every local file;
 * 2. decides by content which files changed (see compareByContent);
 * 3. with delete-stale, checks the deletion guard before any write;
 * 4. uploads assets, then HTML, then the root index.html, after keeping
 *    the replaced index.html (its version id, or a copy);
 * 5. with delete-stale, deletes the objects that are not in the build.
 */
export async function publishToS3(
  opts: PublishOptions,
): Promise<PublishResult> {
  const { bucket, prefix, logger } = opts
  const where = `s3://${bucket}/${prefix === '' ? '' : `${prefix}/`}`
  const semaphore = new Semaphore(opts.concurrency)

  logger.info(`Listing the objects under ${where}`)
  const localKeys = opts.files.map((file) =>
    objectKey(prefix, file.relativePath),
  )
  const [remote, digests] = await Promise.all([
    listObjects(opts, where, localKeys),
    opts.localDigests ?? hashAll(opts),
  ])
  logger.info(`Found ${remote.size} objects under ${where}`)
  const planned: PlannedFile[] = opts.files.map((file) => {
    const fileDigests = digests.get(file.relativePath)
    if (fileDigests === undefined) {
      throw new Error(`No checksum was computed for ${file.relativePath}`)
    }
    return {
      file,
      key: objectKey(prefix, file.relativePath),
      sha256: fileDigests.sha256,
      md5: fileDigests.md5,
      ...(fileDigests.content === undefined
        ? {}
        : { content: fileDigests.content }),
    }
  })
  await decideChanges(opts, planned, remote, semaphore)

  const localKeySet = new Set(localKeys)
  const staleKeys = [...remote.keys()]
    .filter((key) => !localKeySet.has(key))
    .sort()
  if (opts.deleteStale) {
    checkDeletionGuard(
      staleKeys.length,
      remote.size,
      opts.maxDeletePercent,
      where,
    )
  } else if (staleKeys.length > 0) {
    logger.info(
      `${staleKeys.length} objects under ${where} are not in the build; they stay because delete-stale is false`,
    )
  }

  const toUpload = planned.filter((entry) => entry.reason !== undefined)
  const unchangedCount = planned.length - toUpload.length
  const toDelete = opts.deleteStale ? staleKeys.length : 0
  logger.info(
    `${plural(toUpload.length, 'file')} to upload (${toUpload.filter((e) => e.reason === 'new').length} new, ${toUpload.filter((e) => e.reason === 'changed').length} changed), ${unchangedCount} unchanged${toDelete > 0 ? `, ${plural(toDelete, 'stale object')} to delete after the uploads` : ''}`,
  )

  const rootIndexKey = objectKey(prefix, INDEX_FILE)
  const isHtml = (entry: PlannedFile) =>
    /\.html?$/i.test(entry.file.relativePath)
  const assets = toUpload.filter((entry) => !isHtml(entry))
  const pages = toUpload.filter(
    (entry) => isHtml(entry) && entry.key !== rootIndexKey,
  )
  const rootIndex = toUpload.find((entry) => entry.key === rootIndexKey)

  const uploaded: UploadedFile[] = []
  const progress = new Progress(toUpload.length, logger, opts.clock)
  const uploadAll = async (batch: PlannedFile[], label: string) => {
    if (batch.length === 0) return
    logger.info(`Uploading ${plural(batch.length, label)}`)
    await mapLimit(batch, opts.concurrency, async (entry) => {
      uploaded.push(await uploadFile(opts, entry, semaphore))
      progress.step()
    })
  }
  let previousIndex: PreviousIndex | undefined
  try {
    await uploadAll(assets, 'asset')
    await uploadAll(pages, 'HTML file')
    if (rootIndex !== undefined) {
      if (rootIndex.reason === 'changed') {
        previousIndex = await keepPreviousIndex(opts, rootIndexKey)
      }
      await uploadAll([rootIndex], INDEX_FILE)
    }
  } catch (error) {
    const indexState =
      rootIndex === undefined
        ? 'unchanged'
        : uploaded.some((file) => file.key === rootIndexKey)
          ? 'replaced'
          : 'not replaced, so visitors still get the previous site'
    logger.warning(
      `Publish stopped after uploading ${uploaded.length} of ${plural(toUpload.length, 'file')} to ${where}. ${INDEX_FILE} is ${indexState}, and no object was deleted.`,
    )
    throw error
  }

  const deletedKeys: string[] = []
  if (opts.deleteStale && staleKeys.length > 0) {
    logStaleKeys(logger, staleKeys, where)
    await deleteObjects(opts, staleKeys)
    deletedKeys.push(...staleKeys)
    logger.info(
      `Deleted ${plural(staleKeys.length, 'stale object')} under ${where}`,
    )
  }

  uploaded.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const changedKeys = [
    ...uploaded
      .filter((file) => file.reason === 'changed')
      .map((file) => file.key),
    ...deletedKeys,
  ]
  return {
    uploaded,
    unchangedCount,
    deletedKeys,
    existingCount: remote.size,
    uploadedBytes: uploaded.reduce((sum, file) => sum + file.size, 0),
    ...(previousIndex === undefined ? {} : { previousIndex }),
    changedKeys,
    checksums: planned.map((entry) => ({
      relativePath: entry.file.relativePath,
      size: entry.file.size,
      sha256: entry.sha256,
    })),
  }
}

/** Hashes every file with SHA-256 and MD5, by relative path. */
async function hashAll(
  opts: PublishOptions,
): Promise<Map<string, { sha256: string; md5: string; content?: Buffer }>> {
  opts.logger.info(`Hashing ${opts.files.length} files`)
  const digests = new Map<string, { sha256: string; md5: string }>()
  await mapLimit(opts.files, Math.max(4, opts.concurrency), async (file) => {
    const fileDigests = await hashFile(file.absolutePath, { md5: true })
    digests.set(file.relativePath, {
      sha256: fileDigests.sha256,
      md5: fileDigests.md5 ?? '',
    })
  })
  return digests
}

/** Local keys per listing segment; a segment of this size fits one page. */
const LIST_SEGMENT_KEYS = 500
const MAX_LIST_SEGMENTS = 8

/**
 * Lists the objects under the prefix, leaving out the kept index copies.
 * S3 returns keys in UTF-8 byte order, so the key space is cut at local keys
 * into segments that are listed in parallel (StartAfter the previous
 * boundary, up to and including the next one). Together the segments cover
 * every key under the prefix once, stale keys included.
 */
async function listObjects(
  opts: PublishOptions,
  where: string,
  localKeys: readonly string[],
): Promise<Map<string, RemoteObject>> {
  const listPrefix = opts.prefix === '' ? '' : `${opts.prefix}/`
  const keepPrefix = `${listPrefix}${KEEP_FOLDER}/`
  const boundaries = listBoundaries(localKeys, opts.concurrency)
  const segmentCount = boundaries.length + 1
  const pageSize = Math.min(
    1000,
    Math.ceil((localKeys.length / segmentCount) * 1.1) + 10,
  )
  const objects = new Map<string, RemoteObject>()
  await mapLimit(
    Array.from({ length: segmentCount }, (_, index) => index),
    segmentCount,
    async (index) => {
      const startAfter = index === 0 ? undefined : boundaries[index - 1]
      const last = boundaries[index]
      const lastBytes = last === undefined ? undefined : Buffer.from(last)
      let token: string | undefined
      let first = true
      do {
        const continuationToken = token
        const page = await sendWithRetry(
          `S3 ListObjectsV2 ${where}`,
          (abortSignal) =>
            opts.signed.listObjectsPage(
              {
                prefix: listPrefix,
                ...(continuationToken === undefined
                  ? {}
                  : { continuationToken }),
                ...(first && startAfter !== undefined ? { startAfter } : {}),
                ...(segmentCount > 1 ? { maxKeys: pageSize } : {}),
              },
              abortSignal,
            ),
          signedLimits(opts),
        )
        first = false
        token = page.continuationToken
        for (const item of page.objects) {
          if (
            lastBytes !== undefined &&
            Buffer.compare(Buffer.from(item.key), lastBytes) > 0
          ) {
            token = undefined
            break
          }
          if (item.key.startsWith(keepPrefix)) continue
          objects.set(item.key, { etag: item.etag, size: item.size })
        }
      } while (token !== undefined)
    },
  )
  return objects
}

/**
 * Picks the keys that end each listing segment but the last: about one
 * boundary per LIST_SEGMENT_KEYS local keys, at most one segment per
 * request in flight. Returns them in UTF-8 byte order.
 */
export function listBoundaries(
  localKeys: readonly string[],
  concurrency: number,
): string[] {
  const segments = Math.min(
    MAX_LIST_SEGMENTS,
    concurrency,
    Math.ceil(localKeys.length / LIST_SEGMENT_KEYS),
  )
  if (segments <= 1) return []
  const sorted = localKeys
    .map((key) => Buffer.from(key))
    .sort(Buffer.compare)
    .map((bytes) => bytes.toString())
  const boundaries: string[] = []
  for (let index = 1; index < segments; index += 1) {
    const key = sorted[Math.floor((index * sorted.length) / segments) - 1]
    if (key !== undefined && key !== boundaries.at(-1)) boundaries.push(key)
  }
  return boundaries
}

/**
 * Limits of a SignedS3Client request. It has no retry loop of its own, unlike
 * the SDK client, so it gets the attempts the SDK would make.
 */
function signedLimits(opts: PublishOptions): RequestLimits {
  return { ...opts.limits, maxAttempts: DEFAULT_MAX_ATTEMPTS }
}

/** Sets `reason` on each planned file that must be uploaded. */
async function decideChanges(
  opts: PublishOptions,
  planned: PlannedFile[],
  remote: Map<string, RemoteObject>,
  semaphore: Semaphore,
): Promise<void> {
  const inspect: PlannedFile[] = []
  for (const entry of planned) {
    const decision = compareByContent(entry, remote.get(entry.key))
    if (decision === undefined) inspect.push(entry)
    else if (decision !== 'unchanged') entry.reason = decision
  }
  if (inspect.length === 0) return
  opts.logger.info(
    `Reading the SHA-256 metadata of ${plural(inspect.length, 'multipart object')}`,
  )
  await mapLimit(inspect, opts.concurrency, async (entry) => {
    const headers = await semaphore.use(() =>
      sendWithRetry(
        `S3 HeadObject ${entry.key}`,
        (abortSignal) => opts.signed.headObject(entry.key, abortSignal),
        signedLimits(opts),
      ),
    )
    // A key deleted since the listing counts as changed, so it is uploaded.
    const stored = headers?.[`x-amz-meta-${SHA256_METADATA}`]
    if (stored !== entry.sha256) entry.reason = 'changed'
  })
}

async function uploadFile(
  opts: PublishOptions,
  entry: PlannedFile,
  semaphore: Semaphore,
): Promise<UploadedFile> {
  const { file, key } = entry
  const contentType = opts.contentTypes.typeOf(file.relativePath)
  const cacheControl = opts.cacheHeaders.cacheControlOf(file.relativePath)
  const threshold = opts.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD
  const multipart = file.size >= threshold
  const headers = { contentType, cacheControl, sha256: entry.sha256 }
  if (multipart) {
    await uploadMultipart(opts, entry, headers, semaphore)
  } else {
    // Synchronous for the same reason as in local-pass.ts: single-part
    // files are below the multipart threshold of 8 MiB.
    const body = entry.content ?? readFileSync(file.absolutePath)
    delete entry.content
    // The SHA-256 and MD5 of the earlier read are the signed payload hash
    // and Content-MD5, so S3 rejects the body if the file changed since.
    await semaphore.use(() =>
      sendWithRetry(
        `S3 PutObject ${key}`,
        (abortSignal) =>
          opts.signed.putObject(
            key,
            body,
            {
              contentType,
              cacheControl,
              sha256: entry.sha256,
              md5: entry.md5,
              metadata: { [SHA256_METADATA]: entry.sha256 },
            },
            abortSignal,
          ),
        signedLimits(opts),
      ),
    )
  }
  opts.logger.debug(`Uploaded ${key} (${file.size} bytes, ${entry.reason})`)
  return {
    relativePath: file.relativePath,
    key,
    size: file.size,
    reason: entry.reason ?? 'changed',
    multipart,
    contentType,
    cacheControl,
  }
}

/** Uploads one file in parts; the upload is aborted when a part fails. */
async function uploadMultipart(
  opts: PublishOptions,
  entry: PlannedFile,
  headers: { contentType: string; cacheControl: string; sha256: string },
  semaphore: Semaphore,
): Promise<void> {
  const { key, file } = entry
  const partSize = opts.partSize ?? DEFAULT_PART_SIZE
  const limits = signedLimits(opts)
  // CreateMultipartUpload is not cancelled midway: S3 can create the upload
  // after the request is sent, and only the response carries the id that
  // aborting it needs. A cancellation during it aborts the upload after.
  const { signal: cancelSignal, ...uncancelled } = limits
  const uploadId = await semaphore.use(() =>
    sendWithRetry(
      `S3 CreateMultipartUpload ${key}`,
      (abortSignal) =>
        opts.signed.createMultipartUpload(
          key,
          {
            contentType: headers.contentType,
            cacheControl: headers.cacheControl,
            metadata: { [SHA256_METADATA]: headers.sha256 },
          },
          abortSignal,
        ),
      uncancelled,
    ),
  )

  const partCount = Math.max(1, Math.ceil(file.size / partSize))
  const partNumbers = Array.from({ length: partCount }, (_, i) => i + 1)
  let completing = false
  try {
    cancelSignal?.throwIfAborted()
    const handle = await open(file.absolutePath, 'r')
    let parts: Array<{ partNumber: number; etag: string }>
    try {
      parts = await mapLimit(partNumbers, partCount, (partNumber) =>
        semaphore.use(async () => {
          const offset = (partNumber - 1) * partSize
          const length = Math.min(partSize, file.size - offset)
          const body = Buffer.alloc(length)
          await handle.read(body, 0, length, offset)
          // The part's SHA-256 is its signed payload hash, which S3 checks.
          const sha256 = createHash('sha256').update(body).digest('hex')
          const etag = await sendWithRetry(
            `S3 UploadPart ${key} part ${partNumber} of ${partCount}`,
            (abortSignal) =>
              opts.signed.uploadPart(
                key,
                uploadId,
                partNumber,
                body,
                sha256,
                abortSignal,
              ),
            limits,
          )
          return { partNumber, etag }
        }),
      )
    } finally {
      await handle.close()
    }
    completing = true
    await semaphore.use(() =>
      sendWithRetry(
        `S3 CompleteMultipartUpload ${key}`,
        (abortSignal) =>
          opts.signed.completeMultipartUpload(
            key,
            uploadId,
            parts,
            abortSignal,
          ),
        limits,
      ),
    )
  } catch (error) {
    opts.logger.warning(`Aborting the multipart upload of ${key}`)
    // Sent without the caller's signal, so that a cancelled run still frees
    // the parts it stored, within one attempt timeout.
    await opts.signed
      .abortMultipartUpload(
        key,
        uploadId,
        AbortSignal.timeout(opts.limits.attemptTimeoutMs),
      )
      .catch((abortError: unknown) => {
        const status = (abortError as S3ResponseError).$metadata?.httpStatusCode
        if (completing && status === 404) {
          // The CompleteMultipartUpload request reached S3 before it was
          // stopped, so the object is complete and no upload is left.
          opts.logger.info(
            `The multipart upload of ${key} had completed before publish stopped; nothing to abort`,
          )
          return
        }
        opts.logger.warning(
          `${errorMessage(abortError)}. Its parts stay until a lifecycle rule for incomplete multipart uploads removes them.`,
        )
      })
    throw error
  }
}

/**
 * Keeps the index.html that is about to be replaced: its version id when the
 * bucket has versioning enabled, otherwise a server-side copy under
 * KEEP_FOLDER named after the run id.
 */
async function keepPreviousIndex(
  opts: PublishOptions,
  key: string,
): Promise<PreviousIndex> {
  const { bucket, limits, logger } = opts
  const s3 = await opts.sdk()
  const { CopyObjectCommand, GetBucketVersioningCommand, HeadObjectCommand } =
    await sdkCommands()
  const versioning = await sendS3(
    s3,
    `S3 GetBucketVersioning ${bucket}`,
    (client, abortSignal) =>
      client.send(new GetBucketVersioningCommand({ Bucket: bucket }), {
        abortSignal,
      }),
    limits,
  )
  if (versioning.Status === 'Enabled') {
    const head = await sendS3(
      s3,
      `S3 HeadObject ${key}`,
      (client, abortSignal) =>
        client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), {
          abortSignal,
        }),
      limits,
    )
    if (head.VersionId !== undefined && head.VersionId !== 'null') {
      logger.info(`Kept the previous ${key} as version ${head.VersionId}`)
      return { bucket, key, version_id: head.VersionId }
    }
  }
  const base = opts.prefix === '' ? '' : `${opts.prefix}/`
  const copyKey = `${base}${KEEP_FOLDER}/${opts.runId}-${opts.clock.now()}.html`
  await sendS3(
    s3,
    `S3 CopyObject ${key} to ${copyKey}`,
    (client, abortSignal) =>
      client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: copyKey,
          CopySource: `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`,
          MetadataDirective: 'COPY',
        }),
        { abortSignal },
      ),
    limits,
  )
  logger.info(`Kept the previous ${key} as a copy at ${copyKey}`)
  return { bucket, key, copy_key: copyKey }
}

async function deleteObjects(
  opts: PublishOptions,
  keys: string[],
): Promise<void> {
  const s3 = await opts.sdk()
  const { DeleteObjectsCommand } = await sdkCommands()
  for (let start = 0; start < keys.length; start += 1000) {
    const batch = keys.slice(start, start + 1000)
    const result = await sendS3(
      s3,
      `S3 DeleteObjects (${batch.length} keys)`,
      (s3, abortSignal) =>
        s3.send(
          new DeleteObjectsCommand({
            Bucket: opts.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
          { abortSignal },
        ),
      opts.limits,
    )
    const errors = result.Errors ?? []
    if (errors.length > 0) {
      const first = errors[0]
      throw new Error(
        `S3 DeleteObjects failed for ${errors.length} keys, first ${first?.Key}: ${first?.Code} ${first?.Message}`,
      )
    }
  }
}

/** Logs every key that delete-stale is about to delete, one per line. */
function logStaleKeys(logger: Logger, keys: string[], where: string): void {
  logger.info(
    `Deleting ${plural(keys.length, 'stale object')} under ${where} (not in the build):`,
  )
  for (const key of keys) logger.info(`  ${key}`)
}

/** Logs upload progress about every tenth of the files or every 10 s. */
class Progress {
  private done = 0
  private lastLogAt: number
  private lastTenth = 0

  constructor(
    private readonly total: number,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.lastLogAt = clock.now()
  }

  step(): void {
    this.done += 1
    const tenth = Math.floor((this.done * 10) / Math.max(1, this.total))
    const now = this.clock.now()
    if (tenth > this.lastTenth || now - this.lastLogAt >= 10_000) {
      this.lastTenth = tenth
      this.lastLogAt = now
      this.logger.info(`Uploaded ${this.done} of ${this.total} files`)
    }
  }
}
