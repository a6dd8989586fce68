/**
 * The state lock that Terraform takes in the S3 lock object or the DynamoDB
 * table: reading who holds it, recording the ID that this run's Terraform
 * took, and releasing it only while that ID is still the one held.
 */
import { hostname, userInfo } from 'node:os'
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { Sleep } from '../../../common/clock.js'
import { isNoSuchKey } from '../../../common/deploy-lock-record.js'
import { errorMessage } from '../../../common/errors.js'
import type { Logger } from '../../../common/log.js'
import type { LockLocation } from './backend.js'

/** Lock information as Terraform stores it. */
export interface LockInfo {
  ID: string
  Operation?: string
  Info?: string
  Who?: string
  Version?: string
  Created?: string
  Path?: string
}

export interface LockClients {
  s3: Pick<S3Client, 'send'>
  dynamodb?: Pick<DynamoDBClient, 'send'>
}

/** `user@host` as Terraform writes it into the lock's Who field. */
export function terraformWho(): string {
  return `${userInfo().username}@${hostname()}`
}

/** Object key of the S3 lock object. */
export function lockObjectKey(location: LockLocation): string {
  return `${location.stateKey}.tflock`
}

/** Describes where the lock lives, for messages. */
export function describeLocation(location: LockLocation): string {
  return location.lockfile
    ? `s3://${location.bucket}/${lockObjectKey(location)}`
    : `dynamodb://${location.table}/${location.bucket}/${location.stateKey}`
}

/**
 * Reads the lock that is held now: the S3 lock object in the lockfile and
 * both modes, the DynamoDB item otherwise. Undefined when none is held.
 */
export async function readHeldLock(
  location: LockLocation,
  clients: LockClients,
): Promise<LockInfo | undefined> {
  if (location.lockfile) {
    try {
      const response = await clients.s3.send(
        new GetObjectCommand({
          Bucket: location.bucket,
          Key: lockObjectKey(location),
        }),
      )
      const body = (await response.Body?.transformToString('utf-8')) ?? ''
      return parseLockInfo(body, describeLocation(location))
    } catch (error) {
      if (isNoSuchKey(error)) return undefined
      throw error
    }
  }
  if (location.table === undefined || clients.dynamodb === undefined) {
    throw new Error('The DynamoDB lock mode needs a lock table and a client')
  }
  const response = await clients.dynamodb.send(
    new GetItemCommand({
      TableName: location.table,
      Key: { LockID: { S: `${location.bucket}/${location.stateKey}` } },
      ConsistentRead: true,
    }),
  )
  const info = response.Item?.Info?.S
  if (info === undefined) return undefined
  return parseLockInfo(info, describeLocation(location))
}

/** Parses lock information; throws when it has no ID. */
export function parseLockInfo(text: string, where: string): LockInfo {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error(
      `The lock at ${where} contains no valid JSON lock information`,
    )
  }
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    typeof (parsed as LockInfo).ID !== 'string'
  ) {
    throw new Error(`The lock at ${where} has no ID`)
  }
  return parsed as LockInfo
}

/** Describes a lock holder: ID, who, operation and since when. */
export function describeLock(lock: LockInfo): string {
  const parts = [`ID ${lock.ID}`]
  if (lock.Who) parts.push(`held by ${lock.Who}`)
  if (lock.Operation) parts.push(`for ${lock.Operation}`)
  if (lock.Created) parts.push(`since ${lock.Created}`)
  return parts.join(', ')
}

/** Epoch ms of the lock's Created time (nanosecond fractions cut to ms). */
export function lockCreatedMs(lock: LockInfo): number | undefined {
  if (lock.Created === undefined) return undefined
  const text = lock.Created.replace(/(\.\d{3})\d+/, '$1')
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}

/**
 * Parses the lock information that Terraform prints when it cannot take
 * the lock ("Error acquiring the state lock").
 */
export function parseLockError(text: string): LockInfo | undefined {
  if (!/Error acquiring the state lock/i.test(text)) return undefined
  const field = (name: string) =>
    new RegExp(`^\\s*${name}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim()
  const id = field('ID')
  if (id === undefined) return undefined
  const info: LockInfo = { ID: id }
  const who = field('Who')
  const operation = field('Operation')
  const created = field('Created')
  const lockPath = field('Path')
  if (who) info.Who = who
  if (operation) info.Operation = operation
  if (created) info.Created = created
  if (lockPath) info.Path = lockPath
  return info
}

export interface LockWatchOptions {
  location: LockLocation
  clients: LockClients
  /** When the command that may take the lock started, epoch ms. */
  startedAt: number
  /** Expected value of the Who field (default terraformWho()). */
  who?: string
  logger: Logger
  sleep: Sleep
  intervalMs?: number
  /** Called once with the ID of the lock this command took. */
  onLock(lock: LockInfo): void
}

/**
 * Polls the lock while a command runs and reports the first lock taken by
 * this user and host after the command started, which is the lock the
 * command took. Returns a function that stops the polling.
 */
export function watchLock(opts: LockWatchOptions): () => Promise<void> {
  const controller = new AbortController()
  const who = opts.who ?? terraformWho()
  const interval = opts.intervalMs ?? 250
  let warned = false
  const loop = (async () => {
    while (!controller.signal.aborted) {
      try {
        const lock = await readHeldLock(opts.location, opts.clients)
        const created = lock === undefined ? undefined : lockCreatedMs(lock)
        if (
          lock !== undefined &&
          lock.Who === who &&
          created !== undefined &&
          created >= opts.startedAt - 1000
        ) {
          opts.onLock(lock)
          return
        }
      } catch (error) {
        if (!warned) {
          opts.logger.warning(
            `Reading the state lock at ${describeLocation(opts.location)} failed: ${errorMessage(error)}`,
          )
          warned = true
        }
      }
      try {
        await opts.sleep(interval, controller.signal)
      } catch {
        return
      }
    }
  })()
  return async () => {
    controller.abort()
    await loop
  }
}

export type ReleaseOutcome =
  'none-recorded' | 'not-held' | 'held-by-other' | 'released' | 'failed'

export interface ReleaseOptions {
  location: LockLocation
  clients: LockClients
  /** Lock ID this run recorded, or undefined. */
  recordedId: string | undefined
  logger: Logger
  /** Runs `terraform force-unlock -force <id>` and returns its exit code. */
  forceUnlock(id: string): Promise<{ exitCode: number | null; output: string }>
}

/**
 * Releases the lock that this run recorded, only while that lock is still
 * the one held. Another holder's lock is left alone and described, so a
 * person can judge whether it is stale.
 */
export async function releaseOwnLock(
  opts: ReleaseOptions,
): Promise<ReleaseOutcome> {
  const { logger, location } = opts
  const where = describeLocation(location)
  const held = await readHeldLock(location, opts.clients)
  if (opts.recordedId === undefined) {
    if (held === undefined) {
      logger.info(
        `No state lock recorded by this run and none held at ${where}`,
      )
    } else {
      logger.warning(
        `This run recorded no state lock, and ${where} is locked: ${describeLock(held)}. It was left alone; if it is stale, remove it with terraform force-unlock ${held.ID}.`,
      )
    }
    return held === undefined ? 'none-recorded' : 'held-by-other'
  }
  if (held === undefined) {
    logger.info(
      `The state lock ${opts.recordedId} of this run was released already; no lock is held at ${where}`,
    )
    return 'not-held'
  }
  if (held.ID !== opts.recordedId) {
    logger.warning(
      `The state lock at ${where} is not this run's (${opts.recordedId}): ${describeLock(held)}. It was left alone; if it is stale, remove it with terraform force-unlock ${held.ID}.`,
    )
    return 'held-by-other'
  }
  logger.info(`Releasing this run's state lock: ${describeLock(held)}`)
  const result = await opts.forceUnlock(held.ID)
  if (result.exitCode !== 0) {
    logger.error(
      `terraform force-unlock ended with exit code ${result.exitCode}: ${result.output.trim()}`,
    )
    return 'failed'
  }
  const after = await readHeldLock(location, opts.clients)
  if (after?.ID === held.ID) {
    logger.error(`The state lock ${held.ID} is still held after force-unlock`)
    return 'failed'
  }
  logger.info(`Released the state lock ${held.ID}`)
  return 'released'
}
