/** Result of parseInstant: epoch ms, or the reason the text is not an instant. */
export type InstantResult =
  | { ok: true; epochMs: number }
  | { ok: false; reason: 'no-zone' | 'invalid' | 'milliseconds' }

// RFC 3339 profile of ISO 8601: date, 'T' (or a space), time with optional
// seconds and fraction, and a zone that is 'Z' or an offset (+hh:mm or +hhmm).
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2})?$/
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/
const EPOCH_SECONDS = /^\d+(\.\d+)?$/

// Epoch seconds above this (the year 5138) are almost surely milliseconds.
const MAX_EPOCH_SECONDS = 1e11

/**
 * Parses an absolute instant: ISO 8601 with a zone ('2026-05-01T12:00:00Z',
 * '2026-05-01T14:00:00+02:00') or Unix epoch seconds ('1777636800').
 * Dates and times without a zone are rejected with reason 'no-zone'.
 */
export function parseInstant(text: string): InstantResult {
  const trimmed = text.trim()
  if (EPOCH_SECONDS.test(trimmed)) return parseEpochSeconds(trimmed)
  if (DATE_ONLY.test(trimmed)) return { ok: false, reason: 'no-zone' }

  const match = ISO_INSTANT.exec(trimmed)
  if (match === null) return { ok: false, reason: 'invalid' }
  const [, year, month, day, hour, minute, second, fraction, zone] = match
  if (zone === undefined) return { ok: false, reason: 'no-zone' }

  const fields = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second ?? '0'),
  }
  const offsetMs = parseOffset(zone)
  if (!validFields(fields) || offsetMs === undefined) {
    return { ok: false, reason: 'invalid' }
  }

  const utc = Date.UTC(
    fields.year,
    fields.month - 1,
    fields.day,
    fields.hour,
    fields.minute,
    fields.second,
  )
  const fractionMs = Math.floor(Number(`0.${fraction ?? '0'}`) * 1_000)
  return { ok: true, epochMs: utc + fractionMs - offsetMs }
}

function parseEpochSeconds(text: string): InstantResult {
  const seconds = Number(text)
  if (seconds > MAX_EPOCH_SECONDS) return { ok: false, reason: 'milliseconds' }
  return { ok: true, epochMs: Math.round(seconds * 1_000) }
}

function parseOffset(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z') return 0
  const digits = zone.slice(1).replace(':', '')
  const hours = Number(digits.slice(0, 2))
  const minutes = Number(digits.slice(2))
  if (hours > 23 || minutes > 59) return undefined
  const sign = zone.startsWith('-') ? -1 : 1
  return sign * (hours * 60 + minutes) * 60_000
}

interface DateFields {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

function validFields(f: DateFields): boolean {
  if (f.year < 1970 || f.month < 1 || f.month > 12 || f.day < 1) return false
  const daysInMonth = new Date(Date.UTC(f.year, f.month, 0)).getUTCDate()
  return (
    f.day <= daysInMonth && f.hour <= 23 && f.minute <= 59 && f.second <= 59
  )
}
