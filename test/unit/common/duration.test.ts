import { describe, expect, it } from '@jest/globals'
import { formatDuration, parseDuration } from '../../../common/duration.js'
import { parseInstant } from '../../../common/instant.js'

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['2s', 2_000],
    ['1.5h', 5_400_000],
    ['0.0004s', 0],
    ['-1m', -60_000],
    ['  45  ', 45_000],
    ['+10', 10_000],
    ['1h 0m 1ms', 3_600_001],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each([
    '',
    ' ',
    '-',
    'h',
    '1 h x',
    '1hm',
    '1.h',
    '.5s',
    '1e3',
    'Infinity',
    '1s1h',
    '9'.repeat(30),
  ])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined()
  })
})

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [90_000, '1m30s'],
    [5_400_000, '1h30m'],
    [3_723_004, '1h2m3s4ms'],
    [-1_000, '-1s'],
    [100 * 3_600_000, '100h'],
  ])('formats %d ms', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 1_000, 61_001, 86_400_000, 123_456_789]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms)
    }
  })
})

describe('parseInstant', () => {
  it.each([
    ['2026-05-01T12:00:00Z', Date.UTC(2026, 4, 1, 12)],
    ['2026-05-01t12:00:00z', Date.UTC(2026, 4, 1, 12)],
    ['2026-05-01 12:00:00Z', Date.UTC(2026, 4, 1, 12)],
    ['2026-05-01T12:00:00.123456789Z', Date.UTC(2026, 4, 1, 12) + 123],
    ['2026-05-01T12:00:00,5Z', Date.UTC(2026, 4, 1, 12) + 500],
    ['2026-05-01T00:30:00+01:00', Date.UTC(2026, 3, 30, 23, 30)],
    ['0', 0],
    ['1777636800.5', 1_777_636_800_500],
  ])('parses %s', (text, epochMs) => {
    expect(parseInstant(text)).toEqual({ ok: true, epochMs })
  })

  it.each([
    ['2026-05-01T12:00:00', 'no-zone'],
    ['2026-05-01', 'no-zone'],
    ['2026-05-01T12:00:60Z', 'invalid'],
    ['2025-02-29T12:00:00Z', 'invalid'],
    ['1969-12-31T23:59:59Z', 'invalid'],
    ['2026-05-01T12:00:00+02:60', 'invalid'],
    ['2026-5-1T12:00:00Z', 'invalid'],
    ['May 1 2026', 'invalid'],
    ['1777636800000', 'milliseconds'],
  ])('rejects %s as %s', (text, reason) => {
    expect(parseInstant(text)).toEqual({ ok: false, reason })
  })
})
