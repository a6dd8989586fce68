import { describe, expect, it } from '@jest/globals'
import { getEventListeners } from 'node:events'
import { sendWithRetry } from '../../../actions/build-artifacts/src/s3-requests.js'

describe('sendWithRetry', () => {
  it('adds one abort listener for 16 requests', async () => {
    // Node.js warns (MaxListenersExceededWarning) from the 11th listener
    // on one AbortSignal, and publish sends 16 requests at once by default.
    const caller = new AbortController()
    const limits = {
      attemptTimeoutMs: 5_000,
      maxAttempts: 1,
      signal: caller.signal,
    }
    // Each request waits until all 16 are in flight at once.
    let release: () => void = () => undefined
    const allStarted = new Promise<void>((resolve) => {
      release = resolve
    })
    let started = 0
    let listenersInFlight = -1
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, index) =>
        sendWithRetry(
          `request ${index}`,
          async () => {
            started += 1
            if (started === 16) {
              listenersInFlight = getEventListeners(
                caller.signal,
                'abort',
              ).length
              release()
            }
            await allStarted
            return index
          },
          limits,
        ),
      ),
    )

    expect(results).toHaveLength(16)
    expect(listenersInFlight).toBe(1)
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0)
  })

  it('adds one abort listener for 16 retry delays', async () => {
    const caller = new AbortController()
    let listeners = 0
    let maxListeners = 0
    const add = caller.signal.addEventListener.bind(caller.signal)
    const remove = caller.signal.removeEventListener.bind(caller.signal)
    caller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners += 1
      maxListeners = Math.max(maxListeners, listeners)
      add(...args)
    }) as typeof add
    caller.signal.removeEventListener = ((
      ...args: Parameters<typeof remove>
    ) => {
      listeners -= 1
      remove(...args)
    }) as typeof remove
    const attemptsOf: number[] = Array.from({ length: 16 }, () => 0)
    const limits = {
      attemptTimeoutMs: 5_000,
      maxAttempts: 2,
      signal: caller.signal,
    }
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, index) =>
        sendWithRetry(
          `request ${index}`,
          async () => {
            await new Promise((resolve) => setImmediate(resolve))
            const attempt = attemptsOf[index] ?? 0
            attemptsOf[index] = attempt + 1
            if (attempt === 0) {
              throw Object.assign(new Error('reset'), { code: 'ECONNRESET' })
            }
            return index
          },
          limits,
        ),
      ),
    )

    expect(results).toHaveLength(16)
    expect(maxListeners).toBe(1)
    expect(listeners).toBe(0)
  })

  it('aborts every attempt in flight when the caller aborts', async () => {
    const caller = new AbortController()
    const limits = {
      attemptTimeoutMs: 5_000,
      maxAttempts: 3,
      signal: caller.signal,
    }
    const attempts = Array.from({ length: 12 }, (_, index) =>
      sendWithRetry(
        `request ${index}`,
        (signal) =>
          new Promise<never>((_resolve, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason), {
              once: true,
            })
          }),
        limits,
      ),
    )
    caller.abort(new Error('cancelled by the test'))
    const settled = await Promise.allSettled(attempts)

    expect(settled.map((result) => result.status)).toEqual(
      Array.from({ length: 12 }, () => 'rejected'),
    )
  })
})
