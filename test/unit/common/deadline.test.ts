import { describe, expect, it } from '@jest/globals'

import { Deadline, waitFor } from '../../../common/deadline.js'
import { CancelledError, DeadlineError } from '../../../common/errors.js'
import { memoryLogger } from '../../../common/log.js'
import { manualClock } from '../../helpers/manual-clock.js'

const MINUTE = 60_000

describe('Deadline.start', () => {
  it('uses timeout before run deadline', () => {
    const clock = manualClock()
    const runDeadline = clock.now() + 15 * MINUTE
    const deadline = Deadline.start({
      stage: 'deploy',
      timeoutMs: 10 * MINUTE,
      deadlineAt: runDeadline,
      clock,
    })

    expect(deadline.at).toBe(clock.now() + 10 * MINUTE)
    expect(deadline.remainingMs()).toBe(10 * MINUTE)
    clock.advance(10 * MINUTE)
    expect(deadline.expired()).toBe(true)

    const error = catchError(() => deadline.check())
    expect(error.stage).toBe('deploy')
    expect(error.remainingMs).toBe(0)
    expect(error.message).toBe(
      'deploy timed out after 10m (limit: timeout 10m; ' +
        'run budget left: 5m until 2026-12-04T12:15:00.000Z)',
    )
  })

  it('uses run deadline before timeout', () => {
    const clock = manualClock()
    const runDeadline = clock.now() + 5 * MINUTE
    const deadline = Deadline.start({
      stage: 'deploy',
      timeoutMs: 10 * MINUTE,
      deadlineAt: runDeadline,
      clock,
    })

    expect(deadline.at).toBe(runDeadline)
    clock.advance(5 * MINUTE - 1)
    expect(deadline.expired()).toBe(false)
    expect(() => deadline.check()).not.toThrow()
    clock.advance(1)

    const error = catchError(() =>
      deadline.check('waiting for the service to become stable'),
    )
    expect(error.message).toBe(
      'deploy timed out after 5m waiting for the service to become stable ' +
        '(limit: run deadline 2026-12-04T12:05:00.000Z; ' +
        'run budget left: 0s until 2026-12-04T12:05:00.000Z)',
    )
  })

  it('runs without limit when none given', () => {
    const clock = manualClock()
    const deadline = Deadline.start({ stage: 'build', clock })
    clock.advance(1_000 * MINUTE)
    expect(deadline.expired()).toBe(false)
    expect(deadline.remainingMs()).toBe(Infinity)
  })

  it('rejects negative timeout', () => {
    expect(() => Deadline.start({ stage: 'deploy', timeoutMs: -1 })).toThrow(
      "Deadline for 'deploy': timeout must be a finite number of ms >= 0, got -1",
    )
  })
})

describe('Deadline.child', () => {
  it('never ends after parent', () => {
    const clock = manualClock()
    const parent = Deadline.start({
      stage: 'deploy',
      timeoutMs: 2 * MINUTE,
      clock,
    })
    const child = parent.child('wait for healthy targets', 10 * MINUTE)

    expect(child.at).toBe(parent.at)
    clock.advance(2 * MINUTE)
    const error = catchError(() => child.check())
    expect(error.stage).toBe('wait for healthy targets')
    expect(error.message).toContain("limit: timeout 2m of 'deploy'")
  })

  it('applies own shorter timeout', () => {
    const clock = manualClock()
    const parent = Deadline.start({
      stage: 'deploy',
      timeoutMs: 10 * MINUTE,
      deadlineAt: clock.now() + 14 * MINUTE,
      clock,
    })
    clock.advance(MINUTE)
    const child = parent.child('register targets', 30_000)

    expect(child.at).toBe(clock.now() + 30_000)
    clock.advance(30_000)
    const error = catchError(() => child.check())
    expect(error.message).toBe(
      'register targets timed out after 30s (limit: timeout 30s; ' +
        'run budget left: 12m30s until 2026-12-04T12:14:00.000Z)',
    )
  })
})

describe('Deadline.sleep', () => {
  it('sleeps no longer than remaining', async () => {
    const clock = manualClock()
    const deadline = Deadline.start({ stage: 'x', timeoutMs: 700, clock })
    await deadline.sleep(500, clock.sleep)
    await deadline.sleep(500, clock.sleep)
    await deadline.sleep(500, clock.sleep)
    expect(clock.sleeps).toEqual([500, 200, 0])
  })
})

describe('waitFor', () => {
  it('returns value and logs each poll', async () => {
    const clock = manualClock()
    const logger = memoryLogger()
    const deadline = Deadline.start({
      stage: 'deploy',
      timeoutMs: MINUTE,
      clock,
    })
    const states = ['PENDING', 'PROVISIONING', 'RUNNING']
    let polls = 0

    const result = await waitFor({
      what: 'task to run',
      deadline,
      intervalMs: 5_000,
      check: async () => {
        polls += 1
        return polls === 3 ? 'arn:task/1' : undefined
      },
      describe: () => states[polls - 1] ?? '',
      logger,
      sleep: clock.sleep,
    })

    expect(result).toBe('arn:task/1')
    expect(clock.sleeps).toEqual([5_000, 5_000])
    expect(logger.lines).toEqual([
      'info: Waiting for task to run: 0s elapsed, 1m left; state: PENDING',
      'info: Waiting for task to run: 5s elapsed, 55s left; state: PROVISIONING',
      'info: Done waiting for task to run after 10s (3 polls)',
    ])
  })

  it('times out with latest state', async () => {
    const clock = manualClock()
    const logger = memoryLogger()
    const deadline = Deadline.start({
      stage: 'deploy',
      timeoutMs: 12_000,
      clock,
    })
    let polls = 0

    const error = await waitFor({
      what: 'service web to become stable',
      deadline,
      intervalMs: 5_000,
      check: async () => {
        polls += 1
        return undefined
      },
      describe: () => `2 of 3 tasks running (poll ${polls})`,
      logger,
      sleep: clock.sleep,
    }).catch((caught: unknown) => caught)

    // Polls at 0, 5 and 10 s, and a last one when the deadline arrives.
    expect(polls).toBe(4)
    expect(clock.sleeps).toEqual([5_000, 5_000, 2_000])
    expect(error).toBeInstanceOf(DeadlineError)
    expect((error as DeadlineError).message).toBe(
      'deploy timed out after 12s waiting for service web to become stable ' +
        '(limit: timeout 12s). Latest state: 2 of 3 tasks running (poll 4)',
    )
    expect(logger.lines).toHaveLength(4)
    expect(logger.lines[3]).toBe(
      'info: Waiting for service web to become stable: 12s elapsed, 0s left; ' +
        'state: 2 of 3 tasks running (poll 4)',
    )
  })

  it('stops when signal aborts', async () => {
    const clock = manualClock()
    const controller = new AbortController()
    const deadline = Deadline.start({ stage: 'x', timeoutMs: MINUTE, clock })
    let polls = 0

    const promise = waitFor({
      what: 'anything',
      deadline,
      intervalMs: 1_000,
      check: async () => {
        polls += 1
        if (polls === 2) controller.abort(new CancelledError('SIGINT'))
        return undefined
      },
      sleep: clock.sleep,
      signal: controller.signal,
    })

    await expect(promise).rejects.toMatchObject({ signal: 'SIGINT' })
    expect(polls).toBe(2)
  })

  it('propagates check errors', async () => {
    const deadline = Deadline.start({ stage: 'x', timeoutMs: MINUTE })
    await expect(
      waitFor({
        what: 'anything',
        deadline,
        intervalMs: 1_000,
        check: async () => {
          throw new Error('DescribeServices failed')
        },
      }),
    ).rejects.toThrow('DescribeServices failed')
  })
})

function catchError(fn: () => void): DeadlineError {
  try {
    fn()
  } catch (error) {
    if (error instanceof DeadlineError) return error
    throw error
  }
  throw new Error('expected a DeadlineError, nothing was thrown')
}
