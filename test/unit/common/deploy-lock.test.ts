import { describe, expect, it } from '@jest/globals'
import type { S3Client } from '@aws-sdk/client-s3'
import {
  acquireDeployLock,
  formatLockHeldMessage,
  formatLockHolder,
  lockAgeMs,
  LockHeldError,
  lockOwnerFromEnvironment,
  parseLockBody,
  serializeLockOwner,
  type DeployLockOptions,
  type LockOwner,
} from '../../../common/deploy-lock.js'
import {
  isConditionalConflict,
  isNoSuchKey,
  isPreconditionFailed,
  type HeldLock,
} from '../../../common/deploy-lock-record.js'

const NOW = Date.UTC(2026, 11, 4, 12)
const MINUTE = 60_000

const OWNER: LockOwner = {
  run_id: '1234-1',
  holder: 'shop workflow "deploy" job api, run 1234 attempt 1',
  started_at: new Date(NOW - 5 * MINUTE).toISOString(),
  host: 'runner-7',
  pid: 4242,
}

function held(overrides: Partial<HeldLock> = {}): HeldLock {
  return {
    owner: OWNER,
    ageMs: 5 * MINUTE,
    stale: false,
    location: 's3://state/locks/shop/production/api.lock',
    removeCommand:
      'aws s3api delete-object --bucket state --key locks/shop/production/api.lock',
    ...overrides,
  }
}

describe('lockAgeMs', () => {
  const cases: Array<[string, string, Date | undefined, number]> = [
    ['started_at only', iso(NOW - 5 * MINUTE), undefined, 5 * MINUTE],
    ['LastModified only', '', new Date(NOW - 3 * MINUTE), 3 * MINUTE],
    [
      'younger of the two',
      iso(NOW - 90 * MINUTE),
      new Date(NOW - 2 * MINUTE),
      2 * MINUTE,
    ],
    [
      'future started_at ignored',
      iso(NOW + 60 * MINUTE),
      new Date(NOW - 7 * MINUTE),
      7 * MINUTE,
    ],
    ['unreadable started_at', 'yesterday', undefined, 0],
    ['no time at all', '', undefined, 0],
  ]

  it.each(cases)('age from %s', (_name, startedAt, lastModified, expected) => {
    const owner = { ...OWNER, started_at: startedAt }
    expect(lockAgeMs(owner, lastModified, NOW)).toBe(expected)
  })
})

describe('formatLockHolder', () => {
  it('holder with all details', () => {
    expect(formatLockHolder(OWNER)).toBe(
      'shop workflow "deploy" job api, run 1234 attempt 1 ' +
        '(run 1234-1, host runner-7, pid 4242, started 2026-12-04T11:55:00.000Z)',
    )
  })

  it('holder without host and pid', () => {
    const owner = { run_id: 'r', holder: 'me@laptop', started_at: '' }
    expect(formatLockHolder(owner)).toBe('me@laptop (run r)')
  })
})

describe('formatLockHeldMessage', () => {
  it('held lock names holder and age', () => {
    const message = formatLockHeldMessage({
      ...held(),
      staleAfterMs: 60 * MINUTE,
      waitedMs: 0,
    })
    expect(message).toContain(
      'Deploy lock s3://state/locks/shop/production/api.lock is held by shop workflow',
    )
    expect(message).toContain('(run 1234-1, host runner-7, pid 4242')
    expect(message).toContain('for 5m')
    expect(message).not.toContain('Waited')
    expect(message).toContain('Wait for that deploy to finish')
  })

  it('held lock shows time waited', () => {
    const message = formatLockHeldMessage({
      ...held(),
      staleAfterMs: 60 * MINUTE,
      waitedMs: 90_000,
    })
    expect(message).toContain('Waited 1m')
  })

  it('stale lock gives the fix', () => {
    const message = formatLockHeldMessage({
      ...held({ stale: true, ageMs: 2 * 60 * MINUTE }),
      staleAfterMs: 60 * MINUTE,
      waitedMs: 0,
    })
    expect(message).toContain('is stale: held by shop workflow')
    expect(message).toContain('for 2h (stale after 1h)')
    expect(message).toContain('enable stale lock take-over')
    expect(message).toContain(
      'aws s3api delete-object --bucket state --key locks/shop/production/api.lock',
    )
  })

  it('LockHeldError carries holder fields', () => {
    const error = new LockHeldError({
      ...held({ stale: true }),
      staleAfterMs: MINUTE,
      waitedMs: 0,
    })
    expect(error.name).toBe('LockHeldError')
    expect(error.holder).toEqual(OWNER)
    expect(error.ageMs).toBe(5 * MINUTE)
    expect(error.stale).toBe(true)
    expect(error.location).toBe('s3://state/locks/shop/production/api.lock')
  })
})

describe('lock record', () => {
  it('serialize and parse round trip', () => {
    const body = serializeLockOwner(OWNER)
    expect(body.endsWith('\n')).toBe(true)
    expect(Object.keys(JSON.parse(body) as object)).toEqual([
      'run_id',
      'holder',
      'started_at',
      'host',
      'pid',
    ])
    expect(parseLockBody(body)).toEqual(OWNER)
  })

  it('serialize drops extra fields', () => {
    const owner = { ...OWNER, token: 'x' } as LockOwner
    expect(serializeLockOwner(owner)).not.toContain('token')
  })

  it('parse keeps unreadable body visible', () => {
    const modified = new Date(NOW - MINUTE)
    const owner = parseLockBody('locked by hand', modified)
    expect(owner.run_id).toBe('unknown')
    expect(owner.holder).toBe('unreadable lock record "locked by hand"')
    expect(owner.started_at).toBe(modified.toISOString())
  })

  it('parse rejects record without run id', () => {
    const body = JSON.stringify({ holder: 'x', started_at: iso(NOW) })
    expect(parseLockBody(body).run_id).toBe('unknown')
  })

  it('parse ignores a non-integer pid', () => {
    const body = JSON.stringify({ ...OWNER, pid: 'abc' })
    expect(parseLockBody(body).pid).toBe(undefined)
  })

  it('parse cuts a long unreadable body', () => {
    const owner = parseLockBody('x'.repeat(500))
    expect(owner.holder.length).toBeLessThan(120)
  })
})

describe('lockOwnerFromEnvironment', () => {
  const clock = { now: () => NOW }

  it('owner inside GitHub Actions', () => {
    const owner = lockOwnerFromEnvironment({
      env: {
        GITHUB_RUN_ID: '987',
        GITHUB_RUN_ATTEMPT: '2',
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_WORKFLOW: 'deploy',
        GITHUB_JOB: 'api',
      },
      clock,
      host: 'runner-1',
      pid: 77,
    })
    expect(owner).toEqual({
      run_id: '987-2',
      holder: 'acme/shop workflow "deploy" job api, run 987 attempt 2',
      started_at: '2026-12-04T12:00:00.000Z',
      host: 'runner-1',
      pid: 77,
    })
  })

  it('owner outside GitHub Actions', () => {
    const owner = lockOwnerFromEnvironment({
      env: { USER: 'dana' },
      clock,
      host: 'laptop',
      pid: 12,
    })
    expect(owner.run_id).toBe(`local-laptop-12-${NOW}`)
    expect(owner.holder).toBe('dana@laptop')
  })
})

describe('S3 error classification', () => {
  function awsError(name: string, status: number): Error {
    return Object.assign(new Error(name), {
      name,
      $metadata: { httpStatusCode: status },
    })
  }

  it('PreconditionFailed means held', () => {
    expect(isPreconditionFailed(awsError('PreconditionFailed', 412))).toBe(true)
    expect(isPreconditionFailed(awsError('Unknown', 412))).toBe(true)
    expect(isPreconditionFailed(awsError('AccessDenied', 403))).toBe(false)
  })

  it('ConditionalRequestConflict means retry', () => {
    const conflict = awsError('ConditionalRequestConflict', 409)
    expect(isConditionalConflict(conflict)).toBe(true)
    expect(isConditionalConflict(awsError('BucketAlreadyExists', 409))).toBe(
      false,
    )
  })

  it('NoSuchBucket is not a missing key', () => {
    expect(isNoSuchKey(awsError('NoSuchKey', 404))).toBe(true)
    expect(isNoSuchKey(awsError('NotFound', 404))).toBe(true)
    expect(isNoSuchKey(awsError('NoSuchBucket', 404))).toBe(false)
  })
})

describe('acquireDeployLock options', () => {
  const noRequests = {
    send: () => {
      throw new Error('no request expected')
    },
  } as unknown as S3Client

  function options(overrides: Partial<DeployLockOptions>): DeployLockOptions {
    return {
      s3: noRequests,
      bucket: 'state',
      key: 'locks/api.lock',
      owner: OWNER,
      staleAfterMs: 60 * MINUTE,
      takeOverStale: false,
      ...overrides,
    }
  }

  const invalid: Array<[string, Partial<DeployLockOptions>, RegExp]> = [
    ['empty bucket', { bucket: '' }, /option bucket must be a non-empty/],
    ['empty key', { key: ' ' }, /option key must be a non-empty/],
    [
      'empty run id',
      { owner: { ...OWNER, run_id: '' } },
      /option owner.run_id must be a non-empty/,
    ],
    [
      'bad started_at',
      { owner: { ...OWNER, started_at: 'now' } },
      /owner.started_at must be an ISO 8601 time, got "now"/,
    ],
    ['zero staleAfterMs', { staleAfterMs: 0 }, /staleAfterMs must be .* > 0/],
    ['negative waitMs', { waitMs: -1 }, /waitMs must be .* >= 0, got -1/],
    ['zero poll interval', { pollIntervalMs: 0 }, /pollIntervalMs must be/],
    [
      'table without client',
      { table: 'locks' },
      /table is 'locks' but no DynamoDB client was given/,
    ],
  ]

  it.each(invalid)('rejects %s', async (_name, overrides, expected) => {
    await expect(acquireDeployLock(options(overrides))).rejects.toThrow(
      expected,
    )
  })
})

function iso(ms: number): string {
  return new Date(ms).toISOString()
}
