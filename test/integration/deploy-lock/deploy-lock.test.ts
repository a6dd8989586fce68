import {
  afterAll,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
} from '@jest/globals'
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import type { Clock } from '../../../common/clock.js'
import { CancelledError } from '../../../common/errors.js'
import {
  acquireDeployLock,
  AwsOperationError,
  LockHeldError,
  readDeployLock,
  serializeLockOwner,
  type DeployLockOptions,
  type LockOwner,
} from '../../../common/deploy-lock.js'
import { memoryLogger } from '../../../common/log.js'
import {
  awsClient,
  createBucket,
  createLockTable,
  uniqueName,
} from '../../helpers/fixtures.js'
import { stackEnv } from '../../helpers/stack.js'
import { ContenderProcess } from './fixtures/contender-process.js'

const KEY = 'locks/shop/production/api.lock'
const HOUR = 3_600_000

let s3: S3Client
let dynamodb: DynamoDBClient
/** Bucket created for each test, so that no test reads another test's lock. */
let bucket: string

beforeAll(() => {
  s3 = awsClient(S3Client)
  dynamodb = awsClient(DynamoDBClient)
})

afterAll(() => {
  s3?.destroy()
  dynamodb?.destroy()
})

beforeEach(async () => {
  bucket = await createBucket(uniqueName('deploy-lock'))
})

function owner(runId: string, clock: Clock = { now: Date.now }): LockOwner {
  return {
    run_id: runId,
    holder: `test holder ${runId}`,
    started_at: new Date(clock.now()).toISOString(),
    host: 'localhost',
    pid: process.pid,
  }
}

function lockOptions(
  runId: string,
  overrides: Partial<DeployLockOptions> = {},
): DeployLockOptions & { logger: ReturnType<typeof memoryLogger> } {
  const logger = memoryLogger()
  return {
    s3,
    bucket,
    key: KEY,
    owner: owner(runId, overrides.clock),
    staleAfterMs: HOUR,
    takeOverStale: false,
    logger,
    ...overrides,
  } as DeployLockOptions & { logger: ReturnType<typeof memoryLogger> }
}

/** Returns a clock `offsetMs` ahead of the real one, so that fresh locks look old. */
function clockAhead(offsetMs: number): Clock {
  return { now: () => Date.now() + offsetMs }
}

async function readLockBody(): Promise<string | undefined> {
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: KEY }),
    )
    return await response.Body?.transformToString()
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined
    throw error
  }
}

async function lockExists(): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: KEY }))
    return true
  } catch (error) {
    if ((error as Error).name === 'NotFound') return false
    throw error
  }
}

async function putForeignLock(lockOwner: LockOwner): Promise<string> {
  const response = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: KEY,
      Body: serializeLockOwner(lockOwner),
    }),
  )
  return response.ETag ?? ''
}

/**
 * Runs `action` once, right before the first `commandName` request that
 * `client` sends, to interleave another writer at an exact point.
 */
function beforeFirstRequest(
  client: S3Client,
  commandName: string,
  action: () => Promise<void>,
): void {
  let done = false
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!done && context.commandName === commandName) {
        done = true
        await action()
      }
      return next(args)
    },
    { step: 'initialize', name: `before${commandName}Hook` },
  )
}

async function expectHeld(promise: Promise<unknown>): Promise<LockHeldError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(LockHeldError)
  return error as LockHeldError
}

describe('acquireDeployLock against moto', () => {
  it('acquire writes record, release deletes it', async () => {
    const opts = lockOptions('run-1')
    const lock = await acquireDeployLock(opts)

    const body = await readLockBody()
    expect(JSON.parse(body ?? '{}')).toEqual(opts.owner)
    expect(lock.location).toBe(`s3://${bucket}/${KEY}`)

    const result = await lock.release()
    expect(result.outcome).toBe('released')
    expect(await lockExists()).toBe(false)
    expect(opts.logger.lines).toContain(
      `info: Released deploy lock s3://${bucket}/${KEY}`,
    )
  })

  it('second acquire fails naming holder', async () => {
    const first = await acquireDeployLock(lockOptions('run-1'))
    const second = lockOptions('run-2')

    const error = await expectHeld(acquireDeployLock(second))
    expect(error.holder.run_id).toBe('run-1')
    expect(error.holder.holder).toBe('test holder run-1')
    expect(error.stale).toBe(false)
    expect(error.ageMs).toBeLessThan(60_000)
    expect(error.message).toContain('is held by test holder run-1 (run run-1')
    expect(error.message).toContain(`s3://${bucket}/${KEY}`)
    expect(JSON.parse((await readLockBody()) ?? '{}').run_id).toBe('run-1')

    await first.release()
  })

  it('second release does nothing', async () => {
    const first = await acquireDeployLock(lockOptions('run-1'))
    const firstResult = await first.release()
    const second = await acquireDeployLock(lockOptions('run-2'))

    const again = await first.release()
    expect(again).toBe(firstResult)
    expect(JSON.parse((await readLockBody()) ?? '{}').run_id).toBe('run-2')
    await second.release()
  })

  it('waits until holder releases', async () => {
    const first = await acquireDeployLock(lockOptions('run-1'))
    const opts = lockOptions('run-2', { waitMs: 10_000, pollIntervalMs: 100 })
    const timer = setTimeout(() => void first.release(), 500)

    const lock = await acquireDeployLock(opts)
    clearTimeout(timer)
    expect(lock.owner.run_id).toBe('run-2')
    const waits = opts.logger.lines.filter((line) =>
      line.includes('next attempt in'),
    )
    expect(waits.length).toBeGreaterThan(0)
    expect(waits[0]).toContain('is held by test holder run-1')
    await lock.release()
  })

  it('wait gives up after waitMs', async () => {
    const first = await acquireDeployLock(lockOptions('run-1'))
    const startedAt = Date.now()

    const error = await expectHeld(
      acquireDeployLock(
        lockOptions('run-2', { waitMs: 600, pollIntervalMs: 200 }),
      ),
    )
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(600)
    expect(error.message).toContain('Waited')
    expect(error.holder.run_id).toBe('run-1')
    await first.release()
  })

  it('cancellation stops the wait', async () => {
    const first = await acquireDeployLock(lockOptions('run-1'))
    const controller = new AbortController()
    setTimeout(() => controller.abort(new CancelledError('SIGTERM')), 300)

    const attempt = acquireDeployLock(
      lockOptions('run-2', {
        waitMs: 30_000,
        pollIntervalMs: 100,
        signal: controller.signal,
      }),
    )
    await expect(attempt).rejects.toBeInstanceOf(CancelledError)
    expect(JSON.parse((await readLockBody()) ?? '{}').run_id).toBe('run-1')
    await first.release()
  })

  it('missing bucket names S3 PutObject', async () => {
    const attempt = acquireDeployLock(
      lockOptions('run-1', { bucket: 'no-such-bucket' }),
    )
    await expect(attempt).rejects.toBeInstanceOf(AwsOperationError)
    await expect(attempt).rejects.toThrow(
      /^S3 PutObject on s3:\/\/no-such-bucket\/locks\/shop\/production\/api\.lock failed: NoSuchBucket/,
    )
  })
})

describe('stale deploy locks', () => {
  it('stale lock reported without take-over', async () => {
    await putForeignLock(owner('old-run'))
    const opts = lockOptions('run-2', { clock: clockAhead(2 * HOUR) })

    const error = await expectHeld(acquireDeployLock(opts))
    expect(error.stale).toBe(true)
    expect(error.ageMs).toBeGreaterThanOrEqual(2 * HOUR - 5_000)
    expect(error.message).toContain('is stale: held by test holder old-run')
    expect(error.message).toContain('(stale after 1h)')
    expect(error.message).toContain(
      `aws s3api delete-object --bucket ${bucket} --key ${KEY}`,
    )
    expect(JSON.parse((await readLockBody()) ?? '{}').run_id).toBe('old-run')
  })

  it('stale lock taken over when allowed', async () => {
    await putForeignLock(owner('old-run'))
    const opts = lockOptions('run-2', {
      clock: clockAhead(2 * HOUR),
      takeOverStale: true,
    })

    const lock = await acquireDeployLock(opts)
    expect(JSON.parse((await readLockBody()) ?? '{}').run_id).toBe('run-2')
    const warnings = opts.logger.lines.filter((line) =>
      line.startsWith('warning: Took over stale deploy lock'),
    )
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('test holder old-run (run old-run')
    await lock.release()
  })

  it('renewed lock survives stale take-over', async () => {
    const clock = clockAhead(2 * HOUR)
    await putForeignLock(owner('old-run'))
    const hooked = awsClient(S3Client)
    // The holder rewrites its lock between our read and our delete.
    beforeFirstRequest(hooked, 'DeleteObjectCommand', async () => {
      await putForeignLock(owner('old-run', clock))
    })

    const error = await expectHeld(
      acquireDeployLock(
        lockOptions('run-2', { s3: hooked, clock, takeOverStale: true }),
      ),
    )
    hooked.destroy()
    expect(error.stale).toBe(false)
    expect(error.holder.run_id).toBe('old-run')
    const body = JSON.parse((await readLockBody()) ?? '{}') as LockOwner
    expect(body.run_id).toBe('old-run')
    expect(Date.parse(body.started_at)).toBeGreaterThan(Date.now() + HOUR)
  })

  it('unreadable lock object is reported', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: 'not json' }),
    )
    const error = await expectHeld(acquireDeployLock(lockOptions('run-2')))
    expect(error.holder.run_id).toBe('unknown')
    expect(error.message).toContain('unreadable lock record "not json"')
  })

  it('readDeployLock reports owner and age', async () => {
    expect(await readDeployLock({ s3, bucket, key: KEY })).toBe(undefined)
    await putForeignLock(owner('old-run'))

    const info = await readDeployLock({
      s3,
      bucket,
      key: KEY,
      clock: clockAhead(2 * HOUR),
      staleAfterMs: HOUR,
    })
    expect(info?.owner.run_id).toBe('old-run')
    expect(info?.stale).toBe(true)
    expect(info?.ageMs).toBeGreaterThanOrEqual(2 * HOUR - 5_000)
    expect(info?.lastModified).toBeInstanceOf(Date)
  })
})

describe('release of deploy locks', () => {
  it('leaves a lock taken over by another run', async () => {
    const opts = lockOptions('run-1')
    const lock = await acquireDeployLock(opts)
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: KEY }))
    await putForeignLock(owner('run-2'))

    const result = await lock.release()
    expect(result.outcome).toBe('not-ours')
    expect(JSON.parse((await readLockBody()) ?? '{}').run_id).toBe('run-2')
    expect(opts.logger.lines.some((line) => line.startsWith('warning: '))).toBe(
      true,
    )
    expect(result.message).toContain('now belongs to test holder run-2')
  })

  it('leaves a lock replaced during release', async () => {
    const hooked = awsClient(S3Client)
    const lock = await acquireDeployLock(lockOptions('run-1', { s3: hooked }))
    beforeFirstRequest(hooked, 'DeleteObjectCommand', async () => {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: KEY }))
      await putForeignLock(owner('run-2'))
    })

    const result = await lock.release()
    hooked.destroy()
    expect(result.outcome).toBe('not-ours')
    expect(JSON.parse((await readLockBody()) ?? '{}').run_id).toBe('run-2')
  })

  it('reports a lock that is already gone', async () => {
    const lock = await acquireDeployLock(lockOptions('run-1'))
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: KEY }))

    const result = await lock.release()
    expect(result.outcome).toBe('missing')
  })

  it('failed release reports manual command', async () => {
    const hooked = awsClient(S3Client)
    const opts = lockOptions('run-1', {
      s3: hooked,
      releaseAttempts: 2,
      sleep: async () => {},
    })
    const lock = await acquireDeployLock(opts)
    hooked.middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error('Service Unavailable'), {
          name: 'ServiceUnavailable',
          $metadata: { httpStatusCode: 503 },
        })
      },
      { step: 'initialize', name: 'failEveryRequest' },
    )

    const result = await lock.release()
    hooked.destroy()
    expect(result.outcome).toBe('failed')
    expect(result.message).toContain(
      `aws s3api delete-object --bucket ${bucket} --key ${KEY}`,
    )
    expect(
      opts.logger.lines.some((line) => line.includes('(attempt 1 of 2)')),
    ).toBe(true)
    expect(
      opts.logger.lines.some((line) =>
        line.startsWith('error: Failed to release deploy lock'),
      ),
    ).toBe(true)
    expect(await lockExists()).toBe(true)
  })
})

describe('deploy lock across processes', () => {
  const contenders: ContenderProcess[] = []

  afterAll(async () => {
    await Promise.all(contenders.map((contender) => contender.stop()))
  })

  async function startContender(name: string): Promise<ContenderProcess> {
    const contender = await ContenderProcess.start({
      name,
      env: stackEnv(),
      bucket,
      key: KEY,
    })
    contenders.push(contender)
    return contender
  }

  it('one of two racing processes wins', async () => {
    const [a, b] = await Promise.all([startContender('a'), startContender('b')])
    const rounds = 25
    const wins = { a: 0, b: 0 }

    for (let round = 1; round <= rounds; round += 1) {
      a.send({ op: 'acquire', runId: `a-${round}` })
      b.send({ op: 'acquire', runId: `b-${round}` })
      const [fromA, fromB] = await Promise.all([a.next(), b.next()])

      const events = [fromA, fromB]
      const acquired = events.filter((event) => event.event === 'acquired')
      const held = events.filter((event) => event.event === 'held')
      expect(acquired).toHaveLength(1)
      expect(held).toHaveLength(1)
      const winner = acquired[0]
      const loser = held[0]
      if (winner?.event !== 'acquired' || loser?.event !== 'held') {
        throw new Error(`round ${round}: ${JSON.stringify(events)}`)
      }
      expect(loser.holderRunId).toBe(winner.runId)
      expect(loser.message).toContain(`(run ${winner.runId}`)

      const winnerProcess = fromA.event === 'acquired' ? a : b
      wins[winnerProcess === a ? 'a' : 'b'] += 1
      expect(await winnerProcess.request({ op: 'release' })).toEqual({
        event: 'released',
        outcome: 'released',
      })
      expect(await lockExists()).toBe(false)
    }
    expect(wins.a + wins.b).toBe(rounds)
  })

  it('killed holder leaves a stale lock', async () => {
    const holder = await startContender('holder')
    const taken = await holder.request({ op: 'acquire', runId: 'killed-run' })
    expect(taken.event).toBe('acquired')
    await holder.kill('SIGKILL')

    const left = await readDeployLock({ s3, bucket, key: KEY })
    expect(left?.owner.run_id).toBe('killed-run')
    expect(left?.owner.pid).toBe(holder.pid)

    const next = await startContender('next')
    // The next contender's clock runs two hours ahead, so the lock is stale.
    const reported = await next.request({
      op: 'acquire',
      runId: 'next-run',
      staleAfterMs: HOUR,
      takeOverStale: false,
      clockOffsetMs: 2 * HOUR,
    })
    expect(reported).toMatchObject({
      event: 'held',
      holderRunId: 'killed-run',
      holderPid: holder.pid,
      stale: true,
    })
    if (reported.event !== 'held') throw new Error('expected held')
    expect(reported.ageMs).toBeGreaterThanOrEqual(2 * HOUR - 5_000)
    expect(reported.message).toContain('is stale: held by contender holder')

    const takenOver = await next.request({
      op: 'acquire',
      runId: 'next-run',
      staleAfterMs: HOUR,
      takeOverStale: true,
      clockOffsetMs: 2 * HOUR,
    })
    expect(takenOver.event).toBe('acquired')
    if (takenOver.event !== 'acquired') throw new Error('expected acquired')
    expect(
      takenOver.logs.some(
        (line) =>
          line.startsWith('warning: Took over stale deploy lock') &&
          line.includes('contender holder (run killed-run'),
      ),
    ).toBe(true)
    expect(JSON.parse((await readLockBody()) ?? '{}').run_id).toBe('next-run')
    expect(await next.request({ op: 'release' })).toMatchObject({
      outcome: 'released',
    })
  })
})

describe('deploy lock with DynamoDB', () => {
  let table: string
  let lockId: string

  beforeEach(async () => {
    table = await createLockTable(uniqueName('deploy-lock'))
    lockId = `${bucket}/${KEY}`
  })

  async function getItem() {
    const response = await dynamodb.send(
      new GetItemCommand({
        TableName: table,
        Key: { LockID: { S: lockId } },
        ConsistentRead: true,
      }),
    )
    return response.Item
  }

  async function putForeignItem(lockOwner: LockOwner): Promise<void> {
    await dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          LockID: { S: lockId },
          run_id: { S: lockOwner.run_id },
          holder: { S: lockOwner.holder },
          started_at: { S: lockOwner.started_at },
        },
      }),
    )
  }

  it('takes and releases both locks', async () => {
    const opts = lockOptions('run-1', { dynamodb, table })
    const lock = await acquireDeployLock(opts)

    const item = await getItem()
    expect(item?.run_id?.S).toBe('run-1')
    expect(item?.holder?.S).toBe('test holder run-1')
    expect(item?.started_at?.S).toBe(opts.owner.started_at)
    expect(item?.pid?.N).toBe(String(process.pid))
    expect(await lockExists()).toBe(true)

    const result = await lock.release()
    expect(result.outcome).toBe('released')
    expect(await getItem()).toBe(undefined)
    expect(await lockExists()).toBe(false)
  })

  it('held item rolls back the S3 lock', async () => {
    await putForeignItem(owner('other-run'))
    const opts = lockOptions('run-2', { dynamodb, table })

    const error = await expectHeld(acquireDeployLock(opts))
    expect(error.holder.run_id).toBe('other-run')
    expect(error.location).toBe(`dynamodb://${table}/${lockId}`)
    expect(error.message).toContain('is held by test holder other-run')
    expect(await lockExists()).toBe(false)
    expect(
      opts.logger.lines.some((line) =>
        line.startsWith(
          `info: Releasing deploy lock s3://${bucket}/${KEY} again`,
        ),
      ),
    ).toBe(true)
    expect((await getItem())?.run_id?.S).toBe('other-run')
  })

  it('missing table rolls back the S3 lock', async () => {
    const attempt = acquireDeployLock(
      lockOptions('run-1', { dynamodb, table: 'no-such-table' }),
    )
    await expect(attempt).rejects.toThrow(
      /DynamoDB PutItem on DynamoDB lock .* in table no-such-table failed: ResourceNotFoundException/,
    )
    expect(await lockExists()).toBe(false)
  })

  it('stale item taken over when allowed', async () => {
    await putForeignItem(owner('old-run'))
    const opts = lockOptions('run-2', {
      dynamodb,
      table,
      clock: clockAhead(2 * HOUR),
      takeOverStale: true,
    })

    const lock = await acquireDeployLock(opts)
    expect((await getItem())?.run_id?.S).toBe('run-2')
    expect(
      opts.logger.lines.some(
        (line) =>
          line.startsWith('warning: Took over stale DynamoDB lock') &&
          line.includes('run old-run'),
      ),
    ).toBe(true)
    await lock.release()
    expect(await getItem()).toBe(undefined)
  })

  it('release leaves a foreign item', async () => {
    const lock = await acquireDeployLock(
      lockOptions('run-1', { dynamodb, table }),
    )
    await putForeignItem(owner('run-2'))

    const result = await lock.release()
    expect(result.outcome).toBe('not-ours')
    expect((await getItem())?.run_id?.S).toBe('run-2')
    expect(await lockExists()).toBe(false)
  })
})
