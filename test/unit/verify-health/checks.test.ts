import { describe, expect, it } from '@jest/globals'
import {
  evaluateResponse,
  fieldText,
  parseExpectedStatus,
  statusMatches,
  type ResponseExpectations,
  type StatusMatcher,
} from '../../../actions/verify-health/src/checks.js'
import {
  parseJsonPath,
  parseJsonPathPrefix,
  selectJsonPath,
} from '../../../actions/verify-health/src/json-path.js'
import {
  percentile,
  summarizeLatency,
} from '../../../actions/verify-health/src/verify.js'

function matcher(items: string[]): StatusMatcher {
  const parsed = parseExpectedStatus(items)
  if ('invalidItem' in parsed) {
    throw new Error(`invalid item ${parsed.invalidItem}`)
  }
  return parsed.matcher
}

describe('parseJsonPath', () => {
  it.each([
    ['status', ['status']],
    ['$.status', ['status']],
    ['$', []],
    ['checks.db.status', ['checks', 'db', 'status']],
    ['$.checks[0].status', ['checks', 0, 'status']],
    ['$["build.info"].version', ['build.info', 'version']],
    ["$['single'][2]", ['single', 2]],
    ['items[10]', ['items', 10]],
    ['$id', ['$id']],
    ['a-b_c', ['a-b_c']],
    ['$["say \\"hi\\""]', ['say "hi"']],
  ])('parses %s', (text, segments) => {
    expect(parseJsonPath(text).segments).toEqual(segments)
  })

  it.each([
    ['', 'the path is empty'],
    ['=ok', "a field name is missing at position 1 (found '=')"],
    ['a..b', 'a field name is missing at position 3'],
    ['a.', 'a field name is missing at the end'],
    ['a[x]', "'[' at position 2 must hold an array index"],
    ['a[-1]', "'[' at position 2 must hold an array index"],
    ['a["b"', "']' expected after the quoted name at position 6"],
    ['a b', "unexpected ' ' at position 2"],
  ])('rejects %j', (text, message) => {
    expect(() => parseJsonPath(text)).toThrow(message)
  })

  it('stops a prefix at the equals sign', () => {
    const { path, end } = parseJsonPathPrefix('$.a[1]=ok')

    expect(path.text).toBe('$.a[1]')
    expect(end).toBe(6)
  })

  it('selects nested values and reports the missing part', () => {
    const document = { a: [{ b: null }], c: 'x' }

    expect(selectJsonPath(document, parseJsonPath('a[0].b'))).toEqual({
      found: true,
      value: null,
    })
    expect(selectJsonPath(document, parseJsonPath('a[1].b'))).toEqual({
      found: false,
      missing: '$.a[1]',
    })
    expect(selectJsonPath(document, parseJsonPath('c.length'))).toEqual({
      found: false,
      missing: '$.c.length',
    })
  })
})

describe('expected status', () => {
  it('parses codes and classes', () => {
    expect(matcher(['200', '3XX'])).toEqual({
      text: '200,3xx',
      codes: [200],
      classes: [3],
    })
  })

  it.each(['6xx', '2x', '99', '600', '20x', 'ok'])('rejects %s', (item) => {
    expect(parseExpectedStatus(['200', item])).toEqual({ invalidItem: item })
  })

  it('matches codes and classes', () => {
    const accepted = matcher(['204', '3xx'])

    expect(statusMatches(accepted, 204)).toBe(true)
    expect(statusMatches(accepted, 200)).toBe(false)
    expect(statusMatches(accepted, 308)).toBe(true)
    expect(statusMatches(accepted, 404)).toBe(false)
  })
})

describe('evaluateResponse', () => {
  const base: ResponseExpectations = {
    status: matcher(['200']),
    json: [],
    followRedirects: false,
  }
  const response = {
    status: 200,
    body: '{"status":"ok","count":3,"ready":true,"meta":{}}',
    bodyTruncated: false,
    maxBodyBytes: 1_048_576,
  }

  it('accepts an expected 3xx without following', () => {
    const outcome = evaluateResponse(
      { ...response, status: 301, location: '/elsewhere' },
      { ...base, status: matcher(['301']) },
    )

    expect(outcome).toEqual({ ok: true })
  })

  it('compares numbers and booleans as JSON text', () => {
    const outcome = evaluateResponse(response, {
      ...base,
      json: [
        { path: parseJsonPath('count'), expected: '3' },
        { path: parseJsonPath('ready'), expected: 'true' },
      ],
    })

    expect(outcome).toEqual({ ok: true })
  })

  it('rejects an object where a value is expected', () => {
    const outcome = evaluateResponse(response, {
      ...base,
      json: [{ path: parseJsonPath('meta'), expected: 'x' }],
    })

    expect(outcome).toEqual({
      ok: false,
      reason: 'JSON field meta is an object, expected "x"',
    })
  })

  it('names a missing field', () => {
    const outcome = evaluateResponse(response, {
      ...base,
      json: [{ path: parseJsonPath('$.checks.db'), expected: 'up' }],
    })

    expect(outcome).toEqual({
      ok: false,
      reason: 'JSON field $.checks.db not found (no $.checks in the body)',
    })
  })

  it('skips JSON checks of a truncated body', () => {
    const outcome = evaluateResponse(
      { ...response, bodyTruncated: true, maxBodyBytes: 1024 },
      { ...base, version: { path: parseJsonPath('version'), expected: '1' } },
    )

    expect(outcome).toEqual({
      ok: false,
      reason: 'body is larger than 1 KiB, so its JSON was not checked',
    })
  })

  it('reports a missing version field', () => {
    const outcome = evaluateResponse(response, {
      ...base,
      version: { path: parseJsonPath('version'), expected: '1.4.0' },
    })

    expect(outcome).toEqual({
      ok: false,
      reason: 'version field version not found (no $.version in the body)',
    })
  })

  it('gives scalars a text form', () => {
    expect(fieldText('ok')).toBe('ok')
    expect(fieldText(1.5)).toBe('1.5')
    expect(fieldText(false)).toBe('false')
    expect(fieldText(null)).toBe('null')
    expect(fieldText([1])).toBeUndefined()
  })
})

describe('latency summary', () => {
  it('uses nearest-rank percentiles', () => {
    const latencies = Array.from({ length: 20 }, (_, index) => index + 1)

    expect(percentile(latencies, 50)).toBe(10)
    expect(percentile(latencies, 95)).toBe(19)
    expect(percentile([7], 95)).toBe(7)
    expect(summarizeLatency([3.4, 1.2, 2.6])).toEqual({
      samples: 3,
      p50_ms: 3,
      p95_ms: 3,
      max_ms: 3,
    })
    expect(summarizeLatency([])).toEqual({ samples: 0 })
  })
})
