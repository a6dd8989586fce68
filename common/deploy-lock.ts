import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import {
  realSleep,
  systemClock,
  throwIfAborted,
  type Clock,
  type Sleep,
} from './clock.js'
import {
  deleteLockItem,
  putLockItem,
  type ItemDeleteOutcome,
} from './deploy-lock-dynamodb.js'
import {
  awsOperationError,
  dynamoLockId,
  formatLockHolder,
  isConditionalConflict,
  isNoSuchKey,
  isPreconditionFailed,
  lockAgeMs,
  LockHeldError,
  parseLockBody,
  s3LockLocation,
  serializeLockOwner,
  type HeldLock,
  type LockOwner,
} from './deploy-lock-record.js'
import { formatDuration } from './duration.js'
import { errorMessage } from './errors.js'
import { actionsLogger, type Logger } from './log.js'
import { retry } from './retry.js'

export {
  AwsOperationError,
  dynamoLockId,
  formatLockHeldMessage,
  formatLockHolder,
  lockAgeMs,
  LockHeldError,
  lockOwnerFromEnvironment,
  parseLockBody,
  serializeLockOwner,
  type HeldLock,
  type LockOwner,
} from './deploy-lock-record.js'

/** Time between two attempts while waiting for a held lock (default 5 s). */
export const DEFAULT_LOCK_POLL_INTERVAL_MS = 5_000
/** Attempts per release request when S3 or DynamoDB fails transiently. */
export const DEFAULT_RELEASE_ATTEMPTS = 4
/**
 * Attempts within one round when the lock changes between a failed
 * conditional write and the read that follows it (released, or taken over).
 */
const MAX_CHANGES_PER_ROUND = 5

export interface DeployLockOptions {
  s3: S3Client
  bucket: string
  /** Object key, such as `locks/<project>/<environment>/<service>.lock`. */
  key: string
  /** Client for the optional DynamoDB lock, required when `table` is set. */
  dynamodb?: DynamoDBClient
  /** DynamoDB table with the string hash key `LockID`. No DynamoDB lock is taken when unset. */
  table?: string
  owner: LockOwner
  /** Age after which a lock counts as stale, in ms. */
  staleAfterMs: number
  /** Delete a stale lock and take it, instead of reporting it as held. */
  takeOverStale: boolean
  clock?: Clock
  logger?: Logger
  /** How long to wait for a held lock, in ms. 0 (the default) fails at once. */
  waitMs?: number
  sleep?: Sleep
  /** Time between attempts while waiting, in ms (default 5 s). */
  pollIntervalMs?: number
  /** Aborting it stops the wait with a CancelledError, after releasing a lock already taken. */
  signal?: AbortSignal
  /** Attempts per release request on transient errors (default 4). */
  releaseAttempts?: number
}

export type ReleaseOutcome =
  'released' | 'already-released' | 'missing' | 'not-ours' | 'failed'

/** Result of DeployLock.release(), which never rejects. */
export interface ReleaseResult {
  outcome: ReleaseOutcome
  /** One line for a log or summary, such as "Released deploy lock s3://b/k". */
  message: string
}

/** A lock this process holds. */
export interface DeployLock {
  readonly owner: LockOwner
  /** `s3://bucket/key` of the lock object. */
  readonly location: string
  /** ETag of the lock object as written by this process. */
  readonly etag: string
  /**
   * Deletes our own lock, the DynamoDB item first and then the S3 object,
   * each only while it still contains our run. Someone else's lock is left
   * in place with a warning. Retries transient failures and logs every
   * outcome. Never rejects and ignores the cancellation signal, because a
   * release also runs during cancellation. Later calls return the first
   * call's result without sending requests.
   */
  release(): Promise<ReleaseResult>
}

/** A lock as read from S3 for reporting. */
export interface DeployLockInfo {
  owner: LockOwner
  ageMs: number
  /** Set when `staleAfterMs` was given. */
  stale?: boolean
  etag: string
  lastModified?: Date
  location: string
}

interface LockObject {
  owner: LockOwner
  body: string
  etag: string
  lastModified?: Date
}

interface Context {
  s3: S3Client
  bucket: string
  key: string
  location: string
  dynamodb?: DynamoDBClient
  table?: string
  owner: LockOwner
  body: string
  staleAfterMs: number
  takeOverStale: boolean
  clock: Clock
  logger: Logger
  waitMs: number
  sleep: Sleep
  pollIntervalMs: number
  signal?: AbortSignal
  releaseAttempts: number
  /** Set once the stale-lock warning was logged, so that polling repeats it only as info. */
  staleWarned: boolean
}

type RoundResult =
  { kind: 'acquired'; etag: string } | { kind: 'held'; held: HeldLock }

/**
 * Takes the deploy lock: creates the S3 object with `If-None-Match: *`,
 * then, when a table is given, puts the DynamoDB item with
 * `attribute_not_exists(LockID)`. When the DynamoDB put fails the S3 lock is
 * released again. While the lock is held by another run, polls until
 * `waitMs` has passed and then throws LockHeldError. A lock older than
 * `staleAfterMs` is deleted (only if unchanged since it was read) and taken
 * when `takeOverStale` is set, and otherwise reported as stale.
 */
export async function acquireDeployLock(
  opts: DeployLockOptions,
): Promise<DeployLock> {
  const ctx = resolveOptions(opts)
  const { logger, clock } = ctx
  const startedAt = clock.now()
  const target = ctx.table
    ? `${ctx.location} and DynamoDB item '${dynamoLockId(ctx.bucket, ctx.key)}' in table ${ctx.table}`
    : ctx.location
  logger.info(`Taking deploy lock ${target} for ${formatLockHolder(ctx.owner)}`)

  for (;;) {
    throwIfAborted(ctx.signal)
    const result = await tryAcquireOnce(ctx)
    if (result.kind === 'acquired') {
      if (ctx.signal?.aborted) {
        await createHandle(ctx, result.etag).release()
        throwIfAborted(ctx.signal)
      }
      const took = formatDuration(clock.now() - startedAt)
      logger.info(`Took deploy lock ${ctx.location} after ${took}`)
      return createHandle(ctx, result.etag)
    }

    const waitedMs = clock.now() - startedAt
    const remainingMs = ctx.waitMs - waitedMs
    if (remainingMs <= 0) {
      throw new LockHeldError({
        ...result.held,
        staleAfterMs: ctx.staleAfterMs,
        waitedMs,
      })
    }
    const nextMs = Math.min(ctx.pollIntervalMs, remainingMs)
    logger.info(describeWait(result.held, waitedMs, ctx.waitMs, nextMs))
    await ctx.sleep(nextMs, ctx.signal)
  }
}

/**
 * Reads the lock object for reporting. Returns undefined when there is no
 * lock, and `stale` when `staleAfterMs` is given.
 */
export async function readDeployLock(
  opts: Pick<DeployLockOptions, 's3' | 'bucket' | 'key' | 'clock'> & {
    staleAfterMs?: number
  },
): Promise<DeployLockInfo | undefined> {
  const clock = opts.clock ?? systemClock
  const found = await getLockObject(opts.s3, opts.bucket, opts.key)
  if (found === undefined) return undefined
  const ageMs = lockAgeMs(found.owner, found.lastModified, clock.now())
  const info: DeployLockInfo = {
    owner: found.owner,
    ageMs,
    etag: found.etag,
    location: s3LockLocation(opts.bucket, opts.key),
  }
  if (found.lastModified !== undefined) info.lastModified = found.lastModified
  if (opts.staleAfterMs !== undefined) {
    info.stale = ageMs >= opts.staleAfterMs
  }
  return info
}

function resolveOptions(opts: DeployLockOptions): Context {
  checkText('bucket', opts.bucket)
  checkText('key', opts.key)
  checkText('owner.run_id', opts.owner.run_id)
  checkText('owner.holder', opts.owner.holder)
  if (Number.isNaN(Date.parse(opts.owner.started_at))) {
    throw new TypeError(
      `Deploy lock option owner.started_at must be an ISO 8601 time, got ${JSON.stringify(opts.owner.started_at)}`,
    )
  }
  checkPositive('staleAfterMs', opts.staleAfterMs)
  if (opts.pollIntervalMs !== undefined) {
    checkPositive('pollIntervalMs', opts.pollIntervalMs)
  }
  const waitMs = opts.waitMs ?? 0
  if (!Number.isFinite(waitMs) || waitMs < 0) {
    throw new RangeError(
      `Deploy lock option waitMs must be a finite number >= 0, got ${waitMs}`,
    )
  }
  const table = opts.table === '' ? undefined : opts.table
  if (table !== undefined && opts.dynamodb === undefined) {
    throw new TypeError(
      `Deploy lock option table is '${table}' but no DynamoDB client was given; pass dynamodb as well`,
    )
  }

  const ctx: Context = {
    s3: opts.s3,
    bucket: opts.bucket,
    key: opts.key,
    location: s3LockLocation(opts.bucket, opts.key),
    owner: { ...opts.owner },
    body: serializeLockOwner(opts.owner),
    staleAfterMs: opts.staleAfterMs,
    takeOverStale: opts.takeOverStale,
    clock: opts.clock ?? systemClock,
    logger: opts.logger ?? actionsLogger,
    waitMs,
    sleep: opts.sleep ?? realSleep,
    pollIntervalMs: opts.pollIntervalMs ?? DEFAULT_LOCK_POLL_INTERVAL_MS,
    releaseAttempts: opts.releaseAttempts ?? DEFAULT_RELEASE_ATTEMPTS,
    staleWarned: false,
  }
  if (table !== undefined && opts.dynamodb !== undefined) {
    ctx.table = table
    ctx.dynamodb = opts.dynamodb
  }
  if (opts.signal !== undefined) ctx.signal = opts.signal
  return ctx
}

function checkText(name: string, value: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(
      `Deploy lock option ${name} must be a non-empty string, got ${JSON.stringify(value)}`,
    )
  }
}

function checkPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `Deploy lock option ${name} must be a finite number > 0, got ${value}`,
    )
  }
}

/** Takes the S3 lock and then the DynamoDB lock, once. */
async function tryAcquireOnce(ctx: Context): Promise<RoundResult> {
  const s3Result = await acquireS3Lock(ctx)
  if (s3Result.kind === 'held' || ctx.table === undefined) return s3Result

  let itemResult: Awaited<ReturnType<typeof putLockItem>>
  try {
    throwIfAborted(ctx.signal)
    itemResult = await putLockItem(lockItemContext(ctx))
  } catch (error) {
    await rollBackS3Lock(ctx, s3Result.etag, errorMessage(error))
    throw error
  }
  if (itemResult.kind === 'acquired') return s3Result

  const holder = formatLockHolder(itemResult.held.owner)
  await rollBackS3Lock(
    ctx,
    s3Result.etag,
    `the DynamoDB lock is held by ${holder}`,
  )
  return itemResult
}

/**
 * Creates the lock object, reading and (when stale and allowed) deleting an
 * existing one in between. Returns the holder when the lock is taken.
 */
async function acquireS3Lock(ctx: Context): Promise<RoundResult> {
  for (let change = 1; ; change += 1) {
    throwIfAborted(ctx.signal)
    const created = await putLockObject(ctx)
    if (created !== undefined) return { kind: 'acquired', etag: created }

    const existing = await getLockObject(ctx.s3, ctx.bucket, ctx.key)
    if (existing?.body === ctx.body) {
      // A retried request of ours created the object and then saw it exist.
      ctx.logger.info(
        `Deploy lock ${ctx.location} already contains this run's record (created by a retried request); keeping it`,
      )
      return { kind: 'acquired', etag: existing.etag }
    }

    if (existing !== undefined) {
      const held = heldFromObject(ctx, existing)
      if (!held.stale || !ctx.takeOverStale) {
        if (held.stale) warnStale(ctx, held)
        return { kind: 'held', held }
      }
      await takeOverStaleObject(ctx, existing, held)
    }

    if (change >= MAX_CHANGES_PER_ROUND) {
      throw new Error(
        `Deploy lock ${ctx.location} changed ${change} times while it was being taken: ` +
          'other runs are taking and releasing it in quick succession; try again later',
      )
    }
    ctx.logger.info(
      `Deploy lock ${ctx.location} changed while it was being read; trying again`,
    )
  }
}

function heldFromObject(ctx: Context, object: LockObject): HeldLock {
  const ageMs = lockAgeMs(object.owner, object.lastModified, ctx.clock.now())
  return {
    owner: object.owner,
    ageMs,
    stale: ageMs >= ctx.staleAfterMs,
    location: ctx.location,
    removeCommand: `aws s3api delete-object --bucket ${ctx.bucket} --key ${ctx.key}`,
  }
}

function warnStale(ctx: Context, held: HeldLock): void {
  if (ctx.staleWarned) return
  ctx.staleWarned = true
  ctx.logger.warning(
    `Deploy lock ${held.location} is stale: held by ${formatLockHolder(held.owner)} ` +
      `for ${formatDuration(held.ageMs)} (stale after ${formatDuration(ctx.staleAfterMs)}); ` +
      'it is taken over only when stale take-over is enabled',
  )
}

async function takeOverStaleObject(
  ctx: Context,
  stale: LockObject,
  held: HeldLock,
): Promise<void> {
  const previous = formatLockHolder(held.owner)
  const outcome = await deleteLockObject(
    ctx.s3,
    ctx.bucket,
    ctx.key,
    stale.etag,
  )
  if (outcome === 'deleted') {
    ctx.logger.warning(
      `Took over stale deploy lock ${ctx.location}: deleted the lock of ${previous}, ` +
        `which was ${formatDuration(held.ageMs)} old (stale after ${formatDuration(ctx.staleAfterMs)})`,
    )
    return
  }
  ctx.logger.info(
    `Stale deploy lock ${ctx.location} of ${previous} was ${outcome === 'missing' ? 'released' : 'replaced'} ` +
      'before it could be deleted; leaving it to its new state',
  )
}

async function rollBackS3Lock(
  ctx: Context,
  etag: string,
  reason: string,
): Promise<void> {
  ctx.logger.info(`Releasing deploy lock ${ctx.location} again: ${reason}`)
  const result = await releaseS3Part(ctx, etag)
  if (result.outcome === 'failed') {
    throw new Error(
      `Deploy lock ${ctx.location} was taken but the DynamoDB lock was not (${reason}), and releasing it again failed. ${result.message}`,
    )
  }
}

function describeWait(
  held: HeldLock,
  waitedMs: number,
  waitMs: number,
  nextMs: number,
): string {
  const state = held.stale ? 'stale lock held' : 'held'
  return (
    `Deploy lock ${held.location} is ${state} by ${formatLockHolder(held.owner)} ` +
    `for ${formatDuration(held.ageMs)}; waited ${formatDuration(waitedMs)} of ` +
    `${formatDuration(waitMs)}, next attempt in ${formatDuration(nextMs)}`
  )
}

function lockItemContext(ctx: Context) {
  if (ctx.dynamodb === undefined || ctx.table === undefined) {
    throw new Error('DynamoDB lock used without a table')
  }
  return {
    dynamodb: ctx.dynamodb,
    table: ctx.table,
    lockId: dynamoLockId(ctx.bucket, ctx.key),
    owner: ctx.owner,
    staleAfterMs: ctx.staleAfterMs,
    takeOverStale: ctx.takeOverStale,
    clock: ctx.clock,
    logger: ctx.logger,
  }
}

function createHandle(ctx: Context, etag: string): DeployLock {
  let released: Promise<ReleaseResult> | undefined
  return {
    owner: { ...ctx.owner },
    location: ctx.location,
    etag,
    release() {
      released ??= releaseLock(ctx, etag)
      return released
    },
  }
}

/** Ranks outcomes so that the overall result of a release is the worst part. */
const OUTCOME_RANK: Record<ReleaseOutcome, number> = {
  released: 0,
  'already-released': 1,
  missing: 2,
  'not-ours': 3,
  failed: 4,
}

async function releaseLock(ctx: Context, etag: string): Promise<ReleaseResult> {
  const results: ReleaseResult[] = []
  if (ctx.table !== undefined) results.push(await releaseItemPart(ctx))
  results.push(await releaseS3Part(ctx, etag))

  const worst = results.reduce((a, b) =>
    OUTCOME_RANK[b.outcome] > OUTCOME_RANK[a.outcome] ? b : a,
  )
  return {
    outcome: worst.outcome,
    message: results.map((result) => result.message).join('; '),
  }
}

/** Deletes the lock object only while it is still ours (same run id and ETag). */
async function releaseS3Part(
  ctx: Context,
  etag: string,
): Promise<ReleaseResult> {
  const { logger, location } = ctx
  try {
    const current = await withReleaseRetry(ctx, 'S3 GetObject', () =>
      getLockObject(ctx.s3, ctx.bucket, ctx.key),
    )
    if (current === undefined) {
      const message = `Deploy lock ${location} was already gone; nothing to release`
      logger.warning(message)
      return { outcome: 'missing', message }
    }
    if (current.owner.run_id !== ctx.owner.run_id || current.etag !== etag) {
      return leaveOthersLock(ctx, current.owner)
    }

    const outcome = await withReleaseRetry(ctx, 'S3 DeleteObject', () =>
      deleteLockObject(ctx.s3, ctx.bucket, ctx.key, etag),
    )
    if (outcome === 'deleted') {
      const message = `Released deploy lock ${location}`
      logger.info(message)
      return { outcome: 'released', message }
    }
    const after = await getLockObject(ctx.s3, ctx.bucket, ctx.key)
    if (after === undefined) {
      const message = `Deploy lock ${location} was removed by someone else during release`
      logger.warning(message)
      return { outcome: 'missing', message }
    }
    return leaveOthersLock(ctx, after.owner)
  } catch (error) {
    const message =
      `Failed to release deploy lock ${location}: ${errorMessage(error)}. ` +
      `It stays until it is stale; to remove it by hand once no deploy of run ${ctx.owner.run_id} is running: ` +
      `aws s3api delete-object --bucket ${ctx.bucket} --key ${ctx.key}`
    logger.error(message)
    return { outcome: 'failed', message }
  }
}

function leaveOthersLock(ctx: Context, other: LockOwner): ReleaseResult {
  const message =
    `Deploy lock ${ctx.location} now belongs to ${formatLockHolder(other)}, ` +
    `not to run ${ctx.owner.run_id}; leaving it in place`
  ctx.logger.warning(message)
  return { outcome: 'not-ours', message }
}

async function releaseItemPart(ctx: Context): Promise<ReleaseResult> {
  const item = lockItemContext(ctx)
  const where = `DynamoDB lock '${item.lockId}' in table ${item.table}`
  let outcome: ItemDeleteOutcome
  try {
    outcome = await withReleaseRetry(ctx, 'DynamoDB DeleteItem', () =>
      deleteLockItem(item, ctx.owner),
    )
  } catch (error) {
    const message =
      `Failed to release ${where}: ${errorMessage(error)}. ` +
      'It stays until it is stale; to remove it by hand once the run has stopped: ' +
      `aws dynamodb delete-item --table-name ${item.table} --key '{"LockID":{"S":"${item.lockId}"}}'`
    ctx.logger.error(message)
    return { outcome: 'failed', message }
  }

  if (outcome.kind === 'deleted') {
    const message = `Released ${where}`
    ctx.logger.info(message)
    return { outcome: 'released', message }
  }
  if (outcome.kind === 'missing') {
    const message = `${where} was already gone; nothing to release`
    ctx.logger.warning(message)
    return { outcome: 'missing', message }
  }
  const message =
    `${where} now belongs to ${formatLockHolder(outcome.owner)}, ` +
    `not to run ${ctx.owner.run_id}; leaving it in place`
  ctx.logger.warning(message)
  return { outcome: 'not-ours', message }
}

function withReleaseRetry<T>(
  ctx: Context,
  label: string,
  fn: () => Promise<T>,
): Promise<T> {
  // No signal: a release also runs while the action is being cancelled.
  return retry(fn, {
    label: `${label} (release of deploy lock ${ctx.location})`,
    maxAttempts: ctx.releaseAttempts,
    clock: ctx.clock,
    sleep: ctx.sleep,
    logger: ctx.logger,
  })
}

/** Creates the lock object. Returns its ETag, or undefined when the object exists. */
async function putLockObject(ctx: Context): Promise<string | undefined> {
  try {
    const response = await ctx.s3.send(
      new PutObjectCommand({
        Bucket: ctx.bucket,
        Key: ctx.key,
        Body: ctx.body,
        ContentType: 'application/json',
        CacheControl: 'no-store',
        IfNoneMatch: '*',
      }),
    )
    if (response.ETag === undefined) {
      throw new Error('the response carried no ETag')
    }
    return response.ETag
  } catch (error) {
    // 409 ConditionalRequestConflict: a concurrent conditional write to the
    // same key is in progress, so the object is about to exist.
    if (isPreconditionFailed(error) || isConditionalConflict(error)) {
      return undefined
    }
    throw awsOperationError('S3', 'PutObject', ctx.location, error)
  }
}

async function getLockObject(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<LockObject | undefined> {
  const location = s3LockLocation(bucket, key)
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key }),
    )
    const body = (await response.Body?.transformToString('utf-8')) ?? ''
    const object: LockObject = {
      owner: parseLockBody(body, response.LastModified),
      body,
      etag: response.ETag ?? '',
    }
    if (response.LastModified !== undefined) {
      object.lastModified = response.LastModified
    }
    return object
  } catch (error) {
    if (isNoSuchKey(error)) return undefined
    throw awsOperationError('S3', 'GetObject', location, error)
  }
}

/**
 * Deletes the lock object only while its ETag is `etag`. Returns 'changed'
 * when it was replaced and 'missing' when it is gone.
 */
async function deleteLockObject(
  s3: S3Client,
  bucket: string,
  key: string,
  etag: string,
): Promise<'deleted' | 'changed' | 'missing'> {
  try {
    await s3.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag }),
    )
    return 'deleted'
  } catch (error) {
    if (isPreconditionFailed(error) || isConditionalConflict(error)) {
      return 'changed'
    }
    if (isNoSuchKey(error)) return 'missing'
    throw awsOperationError(
      'S3',
      'DeleteObject',
      s3LockLocation(bucket, key),
      error,
    )
  }
}
