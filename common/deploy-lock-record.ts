import { hostname, userInfo } from 'node:os'
import { systemClock, type Clock } from './clock.js'
import { formatDuration } from './duration.js'
import { errorMessage } from './errors.js'

/** Owner of a deploy lock, stored as the JSON body of the lock object. */
export interface LockOwner {
  /** Run id, such as `<GITHUB_RUN_ID>-<GITHUB_RUN_ATTEMPT>`. */
  run_id: string
  /** Human description of the holder: workflow and job, or user, host and pid. */
  holder: string
  /** ISO 8601 time at which the holder took the lock. */
  started_at: string
  host?: string
  pid?: number
}

/** A lock held by someone else, as found while taking it. */
export interface HeldLock {
  owner: LockOwner
  ageMs: number
  stale: boolean
  /** `s3://bucket/key`, or `dynamodb://table/LockID` for the DynamoDB lock. */
  location: string
  /** Shell command that deletes the lock by hand. */
  removeCommand: string
}

/** Raised when the deploy lock is held by another run. */
export class LockHeldError extends Error {
  readonly holder: LockOwner
  readonly ageMs: number
  readonly stale: boolean
  readonly location: string

  constructor(held: HeldLock & { staleAfterMs: number; waitedMs: number }) {
    super(formatLockHeldMessage(held))
    this.name = 'LockHeldError'
    this.holder = held.owner
    this.ageMs = held.ageMs
    this.stale = held.stale
    this.location = held.location
  }
}

/**
 * Builds the LockHeldError message: who holds the lock, for how long, how
 * long this run waited, and what to do next.
 */
export function formatLockHeldMessage(
  held: HeldLock & { staleAfterMs: number; waitedMs: number },
): string {
  const holder = formatLockHolder(held.owner)
  const age = formatDuration(held.ageMs)
  const waited =
    held.waitedMs > 0 ? `Waited ${formatDuration(held.waitedMs)}. ` : ''
  if (held.stale) {
    return (
      `Deploy lock ${held.location} is stale: held by ${holder} for ${age} ` +
      `(stale after ${formatDuration(held.staleAfterMs)}). ${waited}` +
      'If that run has stopped, enable stale lock take-over or delete the lock: ' +
      held.removeCommand
    )
  }
  return (
    `Deploy lock ${held.location} is held by ${holder} for ${age}. ${waited}` +
    'Wait for that deploy to finish, or allow a longer wait for the lock.'
  )
}

/** Formats an owner as "holder (run R, host H, pid P, started T)". */
export function formatLockHolder(owner: LockOwner): string {
  const details = [`run ${owner.run_id}`]
  if (owner.host !== undefined) details.push(`host ${owner.host}`)
  if (owner.pid !== undefined) details.push(`pid ${owner.pid}`)
  if (owner.started_at !== '') details.push(`started ${owner.started_at}`)
  return `${owner.holder} (${details.join(', ')})`
}

/**
 * Returns the age of a lock in ms at `now`. It is the younger of the ages
 * given by `started_at` (the holder's clock) and by the object's
 * LastModified (the storage's clock), so a holder's clock running behind
 * cannot make a live lock look stale. A time after `now` is ignored because
 * it comes from a clock running ahead. Returns 0 when no time is usable.
 */
export function lockAgeMs(
  owner: LockOwner,
  lastModified: Date | undefined,
  now: number,
): number {
  const times = [Date.parse(owner.started_at), lastModified?.getTime()]
  const ages = times
    .filter(
      (time): time is number => time !== undefined && Number.isFinite(time),
    )
    .map((time) => now - time)
    .filter((age) => age >= 0)
  return ages.length === 0 ? 0 : Math.min(...ages)
}

/** Serializes an owner as the lock object's body (fixed key order, one line). */
export function serializeLockOwner(owner: LockOwner): string {
  const record: LockOwner = {
    run_id: owner.run_id,
    holder: owner.holder,
    started_at: owner.started_at,
  }
  if (owner.host !== undefined) record.host = owner.host
  if (owner.pid !== undefined) record.pid = owner.pid
  return `${JSON.stringify(record)}\n`
}

/** Maximum number of characters of an unreadable lock body shown as its holder. */
const SHOWN_BODY_MAX = 80

/**
 * Parses a lock object's body. A body that is not a lock record, written
 * by hand or by another tool, still yields an owner with run id 'unknown',
 * the start of the body as holder and LastModified as start time. Such a
 * lock can then be reported and, once stale, taken over.
 */
export function parseLockBody(text: string, lastModified?: Date): LockOwner {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  const owner = toLockOwner(parsed)
  if (owner !== undefined) return owner

  const shown = JSON.stringify(text.trim().slice(0, SHOWN_BODY_MAX))
  return {
    run_id: 'unknown',
    holder: `unreadable lock record ${shown}`,
    started_at: lastModified?.toISOString() ?? '',
  }
}

/** Returns the owner held in a parsed record, or undefined when it is not one. */
export function toLockOwner(value: unknown): LockOwner | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const record = value as Record<string, unknown>
  const { run_id: runId, holder, started_at: startedAt, host, pid } = record
  if (typeof runId !== 'string' || runId === '') return undefined
  if (typeof holder !== 'string') return undefined
  if (typeof startedAt !== 'string') return undefined
  const owner: LockOwner = { run_id: runId, holder, started_at: startedAt }
  if (typeof host === 'string') owner.host = host
  if (typeof pid === 'number' && Number.isInteger(pid)) owner.pid = pid
  return owner
}

/** Compares every stored field of two owners. */
export function sameLockOwner(a: LockOwner, b: LockOwner): boolean {
  return serializeLockOwner(a) === serializeLockOwner(b)
}

/**
 * Builds the owner record for this process. Inside GitHub Actions: run id
 * `<GITHUB_RUN_ID>-<GITHUB_RUN_ATTEMPT>` and the repository, workflow and
 * job as holder. Elsewhere: a run id made of host, pid and time, and
 * `user@host` as holder.
 */
export function lockOwnerFromEnvironment(
  opts: {
    env?: NodeJS.ProcessEnv
    clock?: Clock
    host?: string
    pid?: number
  } = {},
): LockOwner {
  const env = opts.env ?? process.env
  const now = (opts.clock ?? systemClock).now()
  const host = opts.host ?? hostname()
  const pid = opts.pid ?? process.pid
  const startedAt = new Date(now).toISOString()

  const runId = env.GITHUB_RUN_ID
  if (runId !== undefined && runId !== '') {
    const attempt = env.GITHUB_RUN_ATTEMPT || '1'
    const parts = [
      env.GITHUB_REPOSITORY,
      env.GITHUB_WORKFLOW && `workflow "${env.GITHUB_WORKFLOW}"`,
      env.GITHUB_JOB && `job ${env.GITHUB_JOB}`,
    ].filter((part): part is string => typeof part === 'string' && part !== '')
    const where = parts.length > 0 ? parts.join(' ') : 'GitHub Actions'
    return {
      run_id: `${runId}-${attempt}`,
      holder: `${where}, run ${runId} attempt ${attempt}`,
      started_at: startedAt,
      host,
      pid,
    }
  }

  return {
    run_id: `local-${host}-${pid}-${now}`,
    holder: `${currentUser(env)}@${host}`,
    started_at: startedAt,
    host,
    pid,
  }
}

function currentUser(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.USER || env.USERNAME
  if (fromEnv) return fromEnv
  try {
    return userInfo().username
  } catch {
    return 'unknown-user'
  }
}

export function s3LockLocation(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`
}

/** LockID of the DynamoDB lock item: `<bucket>/<key>` of the lock object. */
export function dynamoLockId(bucket: string, key: string): string {
  return `${bucket}/${key}`
}

/** An AWS call that failed, named by service, operation and target. */
export class AwsOperationError extends Error {
  readonly service: string
  readonly operation: string

  constructor(
    service: string,
    operation: string,
    target: string,
    cause: unknown,
  ) {
    super(
      `${service} ${operation} on ${target} failed: ${errorMessage(cause, { operation: false })}`,
      {
        cause,
      },
    )
    this.name = 'AwsOperationError'
    this.service = service
    this.operation = operation
  }
}

export function awsOperationError(
  service: string,
  operation: string,
  target: string,
  cause: unknown,
): AwsOperationError {
  return new AwsOperationError(service, operation, target, cause)
}

/** S3 `PreconditionFailed` (HTTP 412): a conditional write or delete did not apply. */
export function isPreconditionFailed(error: unknown): boolean {
  return (
    awsErrorName(error) === 'PreconditionFailed' || httpStatus(error) === 412
  )
}

/**
 * S3 `ConditionalRequestConflict` (HTTP 409): another conditional request
 * on the same key is in progress.
 */
export function isConditionalConflict(error: unknown): boolean {
  const name = awsErrorName(error)
  return (
    name === 'ConditionalRequestConflict' ||
    (httpStatus(error) === 409 && name !== 'BucketAlreadyExists')
  )
}

/** S3 `NoSuchKey`, or a 404 that is not about a missing bucket. */
export function isNoSuchKey(error: unknown): boolean {
  const name = awsErrorName(error)
  if (name === 'NoSuchKey' || name === 'NotFound') return true
  return httpStatus(error) === 404 && name !== 'NoSuchBucket'
}

export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { name, Code: code } = error as { name?: unknown; Code?: unknown }
  if (typeof code === 'string' && code !== '') return code
  return typeof name === 'string' ? name : undefined
}

function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } })
    .$metadata
  const status = metadata?.httpStatusCode
  return typeof status === 'number' ? status : undefined
}
