import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb'
import type { Clock } from './clock.js'
import { formatDuration } from './duration.js'
import {
  awsErrorName,
  awsOperationError,
  formatLockHolder,
  lockAgeMs,
  sameLockOwner,
  toLockOwner,
  type HeldLock,
  type LockOwner,
} from './deploy-lock-record.js'
import type { Logger } from './log.js'

type Item = Record<string, AttributeValue>

/** Client, table and settings for the DynamoDB half of the deploy lock. */
export interface LockItemContext {
  dynamodb: DynamoDBClient
  table: string
  /** Value of the `LockID` hash key. */
  lockId: string
  owner: LockOwner
  staleAfterMs: number
  takeOverStale: boolean
  clock: Clock
  logger: Logger
}

export type ItemPutResult =
  { kind: 'acquired' } | { kind: 'held'; held: HeldLock }

export type ItemDeleteOutcome =
  | { kind: 'deleted' }
  | { kind: 'missing' }
  | { kind: 'other'; owner: LockOwner }

/**
 * Attempts within one call when the item changes between a failed
 * conditional put and the read that follows it.
 */
const MAX_CHANGES = 5

/**
 * Puts the lock item with `attribute_not_exists(LockID)`. An existing item
 * with exactly our owner fields (left by a retried request) is kept as
 * ours. A stale item is deleted and the put repeated when `takeOverStale`
 * is set. Otherwise the holder is returned.
 */
export async function putLockItem(
  ctx: LockItemContext,
): Promise<ItemPutResult> {
  for (let change = 1; ; change += 1) {
    const existing = await tryPutItem(ctx)
    if (existing === 'created') return { kind: 'acquired' }

    if (existing !== undefined) {
      const owner = itemOwner(existing)
      if (sameLockOwner(owner, ctx.owner)) return { kind: 'acquired' }

      const held = heldFromItem(ctx, owner)
      if (!held.stale || !ctx.takeOverStale) {
        if (held.stale) {
          ctx.logger.warning(
            `${describeItem(ctx)} is stale: held by ${formatLockHolder(owner)} ` +
              `for ${formatDuration(held.ageMs)} (stale after ${formatDuration(ctx.staleAfterMs)})`,
          )
        }
        return { kind: 'held', held }
      }
      await takeOverStaleItem(ctx, existing, held)
    }

    if (change >= MAX_CHANGES) {
      throw new Error(
        `${describeItem(ctx)} changed ${change} times while it was being taken; try again later`,
      )
    }
  }
}

/**
 * Deletes the lock item only while its run id and start time are ours.
 * Returns the current owner when the item belongs to someone else.
 */
export async function deleteLockItem(
  ctx: Pick<LockItemContext, 'dynamodb' | 'table' | 'lockId'>,
  owner: LockOwner,
): Promise<ItemDeleteOutcome> {
  try {
    await ctx.dynamodb.send(
      new DeleteItemCommand({
        TableName: ctx.table,
        Key: { LockID: { S: ctx.lockId } },
        ...ownerCondition(owner),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    )
    return { kind: 'deleted' }
  } catch (error) {
    if (awsErrorName(error) !== 'ConditionalCheckFailedException') {
      throw awsOperationError(
        'DynamoDB',
        'DeleteItem',
        describeItem(ctx),
        error,
      )
    }
    const current = conditionItem(error) ?? (await getLockItem(ctx))
    if (current === undefined) return { kind: 'missing' }
    return { kind: 'other', owner: itemOwner(current) }
  }
}

/** Returns the lock item, or undefined when there is none. */
export async function getLockItem(
  ctx: Pick<LockItemContext, 'dynamodb' | 'table' | 'lockId'>,
): Promise<Item | undefined> {
  try {
    const response = await ctx.dynamodb.send(
      new GetItemCommand({
        TableName: ctx.table,
        Key: { LockID: { S: ctx.lockId } },
        ConsistentRead: true,
      }),
    )
    return response.Item
  } catch (error) {
    throw awsOperationError('DynamoDB', 'GetItem', describeItem(ctx), error)
  }
}

/** Returns 'created', or the existing item (undefined if it vanished since). */
async function tryPutItem(
  ctx: LockItemContext,
): Promise<'created' | Item | undefined> {
  try {
    await ctx.dynamodb.send(
      new PutItemCommand({
        TableName: ctx.table,
        Item: ownerItem(ctx.lockId, ctx.owner),
        ConditionExpression: 'attribute_not_exists(LockID)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    )
    return 'created'
  } catch (error) {
    if (awsErrorName(error) !== 'ConditionalCheckFailedException') {
      throw awsOperationError('DynamoDB', 'PutItem', describeItem(ctx), error)
    }
    return conditionItem(error) ?? (await getLockItem(ctx))
  }
}

async function takeOverStaleItem(
  ctx: LockItemContext,
  item: Item,
  held: HeldLock,
): Promise<void> {
  const previous = formatLockHolder(held.owner)
  try {
    await ctx.dynamodb.send(
      new DeleteItemCommand({
        TableName: ctx.table,
        Key: { LockID: { S: ctx.lockId } },
        ...itemCondition(item),
      }),
    )
  } catch (error) {
    if (awsErrorName(error) === 'ConditionalCheckFailedException') {
      ctx.logger.info(
        `Stale ${describeItem(ctx)} of ${previous} changed before it could be deleted; reading it again`,
      )
      return
    }
    throw awsOperationError('DynamoDB', 'DeleteItem', describeItem(ctx), error)
  }
  ctx.logger.warning(
    `Took over stale ${describeItem(ctx)}: deleted the lock of ${previous}, ` +
      `which was ${formatDuration(held.ageMs)} old (stale after ${formatDuration(ctx.staleAfterMs)})`,
  )
}

function heldFromItem(ctx: LockItemContext, owner: LockOwner): HeldLock {
  // NOTE: an item has no LastModified, so one whose started_at is unreadable
  // or in the future has age 0. It never becomes stale and must be removed
  // by hand (LockHeldError prints the command).
  const ageMs = lockAgeMs(owner, undefined, ctx.clock.now())
  return {
    owner,
    ageMs,
    stale: ageMs >= ctx.staleAfterMs,
    location: `dynamodb://${ctx.table}/${ctx.lockId}`,
    removeCommand:
      `aws dynamodb delete-item --table-name ${ctx.table} ` +
      `--key '{"LockID":{"S":"${ctx.lockId}"}}'`,
  }
}

function describeItem(ctx: Pick<LockItemContext, 'table' | 'lockId'>): string {
  return `DynamoDB lock '${ctx.lockId}' in table ${ctx.table}`
}

function ownerItem(lockId: string, owner: LockOwner): Item {
  const item: Item = {
    LockID: { S: lockId },
    run_id: { S: owner.run_id },
    holder: { S: owner.holder },
    started_at: { S: owner.started_at },
  }
  if (owner.host !== undefined) item.host = { S: owner.host }
  if (owner.pid !== undefined) item.pid = { N: String(owner.pid) }
  return item
}

/** Reads an item's owner fields. An item written by another tool gets run id 'unknown'. */
function itemOwner(item: Item): LockOwner {
  const owner = toLockOwner({
    run_id: item.run_id?.S,
    holder: item.holder?.S,
    started_at: item.started_at?.S,
    host: item.host?.S,
    pid: item.pid?.N === undefined ? undefined : Number(item.pid.N),
  })
  return (
    owner ?? {
      run_id: 'unknown',
      holder: 'lock item written by another tool',
      started_at: item.started_at?.S ?? '',
    }
  )
}

/** Condition that matches only an item with our run id and start time. */
function ownerCondition(owner: LockOwner) {
  return {
    ConditionExpression: '#run_id = :run_id AND #started_at = :started_at',
    ExpressionAttributeNames: {
      '#run_id': 'run_id',
      '#started_at': 'started_at',
    },
    ExpressionAttributeValues: {
      ':run_id': { S: owner.run_id },
      ':started_at': { S: owner.started_at },
    },
  }
}

/** Condition that matches only an item still equal to `item` in run id and start time (or their absence). */
function itemCondition(item: Item) {
  const clauses: string[] = []
  const names: Record<string, string> = {}
  const values: Record<string, AttributeValue> = {}
  for (const field of ['run_id', 'started_at']) {
    names[`#${field}`] = field
    const value = item[field]
    if (value === undefined) {
      clauses.push(`attribute_not_exists(#${field})`)
    } else {
      clauses.push(`#${field} = :${field}`)
      values[`:${field}`] = value
    }
  }
  return {
    ConditionExpression: clauses.join(' AND '),
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length > 0
      ? { ExpressionAttributeValues: values }
      : {}),
  }
}

function conditionItem(error: unknown): Item | undefined {
  const item = (error as { Item?: unknown }).Item
  return typeof item === 'object' && item !== null ? (item as Item) : undefined
}
