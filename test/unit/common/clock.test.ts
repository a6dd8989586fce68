import { afterEach, describe, expect, it, jest } from '@jest/globals'

import {
  cancelledErrorFrom,
  realSleep,
  systemClock,
  throwIfAborted,
} from '../../../common/clock.js'
import { CancelledError } from '../../../common/errors.js'

afterEach(() => {
  jest.restoreAllMocks()
})

describe('systemClock', () => {
  it('returns the current epoch time', () => {
    const before = Date.now()
    const now = systemClock.now()
    expect(now).toBeGreaterThanOrEqual(before)
    expect(now).toBeLessThanOrEqual(Date.now())
  })
})

describe('realSleep', () => {
  it('resolves after the delay', async () => {
    const started = performance.now()
    await realSleep(50)
    expect(performance.now() - started).toBeGreaterThanOrEqual(45)
  })

  it('rejects when already aborted', async () => {
    const controller = new AbortController()
    controller.abort(new CancelledError('SIGINT'))
    const sleeping = realSleep(10_000, controller.signal)
    await expect(sleeping).rejects.toBeInstanceOf(CancelledError)
    await expect(sleeping).rejects.toMatchObject({ signal: 'SIGINT' })
  })

  it('rejects and clears timer on abort', async () => {
    const clearSpy = jest.spyOn(globalThis, 'clearTimeout')
    const controller = new AbortController()
    const started = performance.now()
    const sleeping = realSleep(10_000, controller.signal)
    setTimeout(() => controller.abort(new CancelledError('SIGTERM')), 20)

    await expect(sleeping).rejects.toMatchObject({ signal: 'SIGTERM' })
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(clearSpy).toHaveBeenCalledTimes(1)
  })

  it('removes abort listener after resolving', async () => {
    const controller = new AbortController()
    const removeSpy = jest.spyOn(controller.signal, 'removeEventListener')
    await realSleep(1, controller.signal)
    expect(removeSpy).toHaveBeenCalledWith('abort', expect.any(Function))
  })
})

describe('cancelledErrorFrom', () => {
  it('returns CancelledError reason unchanged', () => {
    const controller = new AbortController()
    const reason = new CancelledError('SIGINT')
    controller.abort(reason)
    expect(cancelledErrorFrom(controller.signal)).toBe(reason)
  })

  it('wraps another abort reason', () => {
    const controller = new AbortController()
    const reason = new Error('stop now')
    controller.abort(reason)
    const error = cancelledErrorFrom(controller.signal)
    expect(error).toBeInstanceOf(CancelledError)
    expect(error.message).toContain('stop now')
    expect(error.cause).toBe(reason)
  })

  it('throwIfAborted ignores live signal', () => {
    expect(() => throwIfAborted(new AbortController().signal)).not.toThrow()
    expect(() => throwIfAborted(undefined)).not.toThrow()
  })
})
