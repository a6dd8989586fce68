import { describe, expect, it, jest } from '@jest/globals'

jest.unstable_mockModule('../../../common/runner-commands.js', () => ({
  setSecret: jest.fn(),
}))

// Imported after the mock is registered, because ESM imports are resolved
// before the test body runs.
const { CancelledError, DeadlineError, InputError, errorMessage, showValue } =
  await import('../../../common/errors.js')
const { maskSecret, resetMasksForTests } =
  await import('../../../common/masking.js')

describe('InputError', () => {
  it('names input, value and fix', () => {
    const error = new InputError('timeout', '10x', 'Use a duration.')
    expect(error.message).toBe(
      `Invalid input 'timeout': "10x". Use a duration.`,
    )
    expect(error.input).toBe('timeout')
    expect(error.value).toBe('10x')
    expect(error.expected).toBe('Use a duration.')
    expect(error.name).toBe('InputError')
    expect(error).toBeInstanceOf(Error)
  })

  it('uses missing wording for empty', () => {
    const error = new InputError('cluster', '', 'Set it.')
    expect(error.message).toBe(`Missing input 'cluster'. Set it.`)
  })
})

describe('showValue', () => {
  it.each([
    ['plain', 'abc', '"abc"'],
    ['newline', 'a\nb', '"a\\nb"'],
    ['carriage return and tab', 'a\r\tb', '"a\\r\\tb"'],
    ['quote and backslash', 'a"b\\c', '"a\\"b\\\\c"'],
    ['NUL and escape', 'a\u0000\u001b[31m', '"a\\u0000\\u001b[31m"'],
    ['C1 control', 'a\u0085b', '"a\\u0085b"'],
    ['bidirectional override', 'a\u202eb', '"a\\u202eb"'],
    ['zero-width space', 'a\u200bb', '"a\\u200bb"'],
    ['unicode kept', 'żółw ✓', '"żółw ✓"'],
  ])('escapes %s', (_case, value, shown) => {
    expect(showValue(value)).toBe(shown)
  })

  it('cuts values over 200 characters', () => {
    const shown = showValue('x'.repeat(500))
    expect(shown).toBe(
      `"${'x'.repeat(200)}"... (500 characters, first 200 shown)`,
    )
  })

  it('cuts without splitting surrogate pairs', () => {
    const shown = showValue('😀'.repeat(201))
    expect(shown.startsWith(`"${'😀'.repeat(200)}"...`)).toBe(true)
    expect(shown).toContain('201 characters')
  })

  it('keeps 200 characters whole', () => {
    expect(showValue('y'.repeat(200))).toBe(`"${'y'.repeat(200)}"`)
  })

  it('redacts registered secrets', () => {
    resetMasksForTests()
    maskSecret('hunter2-secret')
    expect(showValue('pw=hunter2-secret')).toBe('"pw=***"')
    resetMasksForTests()
  })
})

describe('errorMessage', () => {
  it('returns an Error message without stack', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom')
  })

  it('appends the cause chain', () => {
    const error = new Error('upload failed', { cause: new Error('timeout') })
    expect(errorMessage(error)).toBe('upload failed: timeout')
  })

  it('skips a cause already in the message', () => {
    const cause = new Error('socket hang up')
    const error = new Error('request failed: socket hang up', { cause })
    expect(errorMessage(error)).toBe('request failed: socket hang up')
  })

  it('stops at cyclic causes', () => {
    const a = new Error('a')
    const b = new Error('b', { cause: a })
    a.cause = b
    expect(errorMessage(a)).toBe('a: b')
  })

  it('prefixes AWS SDK error names', () => {
    const error = Object.assign(new Error('The bucket does not exist'), {
      name: 'NoSuchBucket',
      $metadata: { httpStatusCode: 404 },
    })
    expect(errorMessage(error)).toBe('NoSuchBucket: The bucket does not exist')
  })

  it('names the labelled AWS operation and attempts', () => {
    const error = Object.assign(new Error('Rate exceeded'), {
      name: 'Throttling',
      $metadata: { httpStatusCode: 400, attempts: 5 },
      awsOperation: 'Elastic Load Balancing v2 ModifyListener',
    })
    expect(errorMessage(error)).toBe(
      'Elastic Load Balancing v2 ModifyListener failed after 5 attempts: Throttling: Rate exceeded',
    )
    expect(errorMessage(error, { operation: false })).toBe(
      'Throttling: Rate exceeded',
    )
  })

  it('skips a labelled cause an outer message contains', () => {
    const cause = Object.assign(new Error('Rate exceeded'), {
      name: 'Throttling',
      $metadata: { attempts: 1 },
      awsOperation: 'Elastic Load Balancing v2 ModifyListener',
    })
    const outer = new Error(
      `ModifyListener failed: ${errorMessage(cause, { operation: false })}`,
      { cause },
    )
    expect(errorMessage(outer)).toBe(
      'ModifyListener failed: Throttling: Rate exceeded',
    )
  })

  it('prefixes a missing system error code', () => {
    const error = Object.assign(new Error('read failed'), { code: 'EPIPE' })
    expect(errorMessage(error)).toBe('EPIPE: read failed')
  })

  it('does not repeat a code in the message', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    })
    expect(errorMessage(error)).toBe('connect ECONNREFUSED 127.0.0.1:1')
  })

  it('lists AggregateError members', () => {
    const error = new AggregateError([new Error('a'), 'b'], 'two failed')
    expect(errorMessage(error)).toBe('two failed (a; b)')
  })

  it.each([
    ['string', 'plain text', 'plain text'],
    ['empty string', '', 'unknown error (empty string)'],
    ['null', null, 'unknown error (null)'],
    ['undefined', undefined, 'unknown error (undefined)'],
    ['number', 42, '42'],
    ['object with message', { message: 'from object' }, 'from object'],
    ['plain object', { code: 7 }, '{"code":7}'],
  ])('converts a thrown %s', (_case, thrown, expected) => {
    expect(errorMessage(thrown)).toBe(expected)
  })

  it('uses the name for an empty message', () => {
    const error = new TypeError('')
    expect(errorMessage(error)).toBe('TypeError')
  })
})

describe('DeadlineError and CancelledError', () => {
  it('keeps stage, remaining time and cause', () => {
    const cause = new Error('still deploying')
    const error = new DeadlineError('deploy timed out after 600s', {
      stage: 'deploy',
      remainingMs: 0,
      cause,
    })
    expect(error.stage).toBe('deploy')
    expect(error.remainingMs).toBe(0)
    expect(error.cause).toBe(cause)
    expect(error.name).toBe('DeadlineError')
    expect(errorMessage(error)).toBe(
      'deploy timed out after 600s: still deploying',
    )
  })

  it('defaults remaining time to zero', () => {
    const error = new DeadlineError('late', { stage: 'wait' })
    expect(error.remainingMs).toBe(0)
    expect(error.cause).toBeUndefined()
  })

  it('names the cancelling signal', () => {
    const error = new CancelledError('SIGTERM')
    expect(error.signal).toBe('SIGTERM')
    expect(error.message).toBe('The action was cancelled by SIGTERM')
    expect(new CancelledError('SIGINT', 'stopped').message).toBe('stopped')
  })
})
