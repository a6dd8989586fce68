import { describe, expect, it } from '@jest/globals'

import { Deadline } from '../../../common/deadline.js'
import { CancelledError, DeadlineError } from '../../../common/errors.js'
import { memoryLogger } from '../../../common/log.js'
import {
  backoffDelay,
  isTransientAwsError,
  retry,
} from '../../../common/retry.js'
import { manualClock } from '../../helpers/manual-clock.js'

function throttling(message = 'Rate exceeded'): Error {
  const error = new Error(message)
  error.name = 'ThrottlingException'
  Object.assign(error, { $metadata: { httpStatusCode: 400 } })
  return error
}

/** A function that fails with `errors` in turn, then returns 'ok'. */
function failing(errors: unknown[]): {
  fn: (attempt: number) => Promise<string>
  attempts: number[]
} {
  const attempts: number[] = []
  const fn = async (attempt: number): Promise<string> => {
    attempts.push(attempt)
    const error = errors[attempts.length - 1]
    if (error !== undefined) throw error
    return 'ok'
  }
  return { fn, attempts }
}

describe('backoffDelay', () => {
  it.each([
    { name: 'first retry high', retry: 1, random: 0.9999, expected: 200 },
    { name: 'second retry high', retry: 2, random: 0.9999, expected: 400 },
    { name: 'third retry half', retry: 3, random: 0.5, expected: 400 },
    { name: 'capped at max', retry: 10, random: 0.9999, expected: 1_000 },
    { name: 'zero random', retry: 4, random: 0, expected: 0 },
  ])('$name', ({ retry: n, random, expected }) => {
    expect(backoffDelay(n, 200, 1_000, () => random)).toBe(expected)
  })
})

describe('retry', () => {
  it('returns first success without sleeping', async () => {
    const clock = manualClock()
    const logger = memoryLogger()
    const { fn, attempts } = failing([])

    const result = await retry(fn, {
      label: 'S3 PutObject',
      maxAttempts: 3,
      clock,
      sleep: clock.sleep,
      logger,
    })

    expect(result).toBe('ok')
    expect(attempts).toEqual([1])
    expect(clock.sleeps).toEqual([])
    expect(logger.lines).toEqual([])
  })

  it('retries transient errors then succeeds', async () => {
    const clock = manualClock()
    const logger = memoryLogger()
    const { fn, attempts } = failing([throttling(), throttling()])

    const result = await retry(fn, {
      label: 'S3 PutObject',
      maxAttempts: 5,
      baseDelayMs: 100,
      clock,
      sleep: clock.sleep,
      random: () => 0.5,
      logger,
    })

    expect(result).toBe('ok')
    expect(attempts).toEqual([1, 2, 3])
    expect(clock.sleeps).toEqual([50, 100])
    expect(logger.lines).toEqual([
      'info: S3 PutObject failed (attempt 1 of 5): ThrottlingException: Rate exceeded; retrying in 50 ms',
      'info: S3 PutObject failed (attempt 2 of 5): ThrottlingException: Rate exceeded; retrying in 100 ms',
    ])
  })

  it('keeps delays within jitter bounds', async () => {
    for (let run = 0; run < 50; run += 1) {
      const clock = manualClock()
      const errors = Array.from({ length: 7 }, () => throttling())
      const { fn } = failing(errors)

      await retry(fn, {
        label: 'ECS DescribeServices',
        maxAttempts: 8,
        baseDelayMs: 200,
        maxDelayMs: 5_000,
        clock,
        sleep: clock.sleep,
      })

      expect(clock.sleeps).toHaveLength(7)
      clock.sleeps.forEach((delay, index) => {
        const ceiling = Math.min(5_000, 200 * 2 ** index)
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThanOrEqual(ceiling)
        expect(Number.isInteger(delay)).toBe(true)
      })
    }
  })

  it('gives up after max attempts', async () => {
    const clock = manualClock()
    const logger = memoryLogger()
    const last = throttling('Rate exceeded (third)')
    const { fn, attempts } = failing([throttling(), throttling(), last])

    const promise = retry(fn, {
      label: 'ELB ModifyListener',
      maxAttempts: 3,
      clock,
      sleep: clock.sleep,
      random: () => 0.9999,
      logger,
    })

    await expect(promise).rejects.toBe(last)
    expect(attempts).toEqual([1, 2, 3])
    expect(clock.sleeps).toEqual([200, 400])
    expect(logger.lines).toHaveLength(3)
    expect(logger.lines[2]).toBe(
      'info: ELB ModifyListener failed (attempt 3 of 3): ThrottlingException: ' +
        'Rate exceeded (third); giving up after 600ms, no attempts left',
    )
  })

  it('throws non-retryable errors at once', async () => {
    const clock = manualClock()
    const denied = new Error('Access Denied')
    denied.name = 'AccessDenied'
    const { fn, attempts } = failing([denied])

    await expect(
      retry(fn, {
        label: 'S3 GetObject',
        maxAttempts: 5,
        clock,
        sleep: clock.sleep,
      }),
    ).rejects.toBe(denied)
    expect(attempts).toEqual([1])
    expect(clock.sleeps).toEqual([])
  })

  it('uses custom retry policy', async () => {
    const clock = manualClock()
    const { fn, attempts } = failing([new Error('not yet'), new Error('x')])

    const result = await retry(fn, {
      label: 'custom',
      maxAttempts: 3,
      isRetryable: (error) => (error as Error).message === 'not yet',
      clock,
      sleep: clock.sleep,
    }).catch((error: unknown) => error)

    expect(attempts).toEqual([1, 2])
    expect((result as Error).message).toBe('x')
  })

  it('stops before sleeping past deadline', async () => {
    const clock = manualClock()
    const logger = memoryLogger()
    const deadline = Deadline.start({
      stage: 'deploy',
      timeoutMs: 1_000,
      clock,
    })
    const errors = Array.from({ length: 9 }, () => throttling())
    const { fn, attempts } = failing(errors)

    const error = await retry(fn, {
      label: 'ECS UpdateService',
      maxAttempts: 10,
      baseDelayMs: 200,
      clock,
      sleep: clock.sleep,
      random: () => 0.9999,
      deadline,
      logger,
    }).catch((caught: unknown) => caught)

    // Delays 200 + 400 fit in 1000 ms, but the next one (800) would not.
    expect(clock.sleeps).toEqual([200, 400])
    expect(attempts).toEqual([1, 2, 3])
    expect(error).toBeInstanceOf(DeadlineError)
    const deadlineError = error as DeadlineError
    expect(deadlineError.stage).toBe('deploy')
    expect(deadlineError.remainingMs).toBe(400)
    expect(deadlineError.cause).toBe(errors[2])
    expect(deadlineError.message).toContain('ECS UpdateService failed')
    expect(deadlineError.message).toContain('a retry in 800 ms would pass')
    expect(deadlineError.message).toContain('limit: timeout 1s')
    expect(logger.lines.at(-1)).toContain('giving up after 600ms because')
  })

  it('stops when signal aborts during sleep', async () => {
    const controller = new AbortController()
    const { fn, attempts } = failing([throttling(), throttling()])
    const sleep = async (): Promise<void> => {
      controller.abort(new CancelledError('SIGINT'))
      throw new CancelledError('SIGINT')
    }

    await expect(
      retry(fn, {
        label: 'S3 PutObject',
        maxAttempts: 5,
        sleep,
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(CancelledError)
    expect(attempts).toEqual([1])
  })

  it('does not start when already aborted', async () => {
    const controller = new AbortController()
    controller.abort(new CancelledError('SIGTERM'))
    const { fn, attempts } = failing([])

    await expect(
      retry(fn, { label: 'x', maxAttempts: 2, signal: controller.signal }),
    ).rejects.toMatchObject({ signal: 'SIGTERM' })
    expect(attempts).toEqual([])
  })

  it('rejects invalid max attempts', async () => {
    await expect(
      retry(async () => 1, { label: 'S3 PutObject', maxAttempts: 0 }),
    ).rejects.toThrow("retry 'S3 PutObject': maxAttempts must be an integer")
  })
})

describe('isTransientAwsError', () => {
  const withProps = (props: Record<string, unknown>, message = 'x'): Error =>
    Object.assign(new Error(message), props)

  it.each([
    { name: 'ThrottlingException name', error: throttling(), expected: true },
    {
      name: 'SlowDown code',
      error: withProps({ Code: 'SlowDown' }),
      expected: true,
    },
    {
      name: 'TooManyRequestsException name',
      error: withProps({ name: 'TooManyRequestsException' }),
      expected: true,
    },
    {
      name: 'HTTP 503 metadata',
      error: withProps({ $metadata: { httpStatusCode: 503 } }),
      expected: true,
    },
    {
      name: 'HTTP 429 metadata',
      error: withProps({ $metadata: { httpStatusCode: 429 } }),
      expected: true,
    },
    {
      name: 'HTTP 502 response',
      error: withProps({ $response: { statusCode: 502 } }),
      expected: true,
    },
    {
      name: 'ECONNRESET code',
      error: withProps({ code: 'ECONNRESET' }),
      expected: true,
    },
    {
      name: 'socket hang up',
      error: new Error('socket hang up'),
      expected: true,
    },
    {
      name: 'nested network cause',
      error: new Error('request failed', {
        cause: withProps({ code: 'ECONNREFUSED' }),
      }),
      expected: true,
    },
    {
      name: 'HTTP 400 validation',
      error: withProps({
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
      }),
      expected: false,
    },
    {
      name: 'HTTP 404 not found',
      error: withProps({
        name: 'NoSuchKey',
        $metadata: { httpStatusCode: 404 },
      }),
      expected: false,
    },
    { name: 'plain error', error: new Error('boom'), expected: false },
    { name: 'string value', error: 'ThrottlingException', expected: false },
    { name: 'undefined value', error: undefined, expected: false },
  ])('$name', ({ error, expected }) => {
    expect(isTransientAwsError(error)).toBe(expected)
  })
})
