const UNIT_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
}

// Units in the only order a combined duration may use them ('1h30m', not '30m1h').
const UNIT_ORDER = ['h', 'm', 's', 'ms']

const BARE_SECONDS = /^[+-]?\d+(\.\d+)?$/
const PART = /(\d+(?:\.\d+)?)\s*(ms|h|m|s)\s*/y

/**
 * Parses '500ms', '90s', '10m', '1h', '1h30m', '1.5h' or a bare number of
 * seconds into milliseconds, rounded to a whole millisecond. A leading '-'
 * gives a negative result. Returns undefined for anything else, including
 * units out of order or repeated ('30m1h', '1m1m') and upper-case units.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim()
  if (BARE_SECONDS.test(trimmed)) return toSafeMs(Number(trimmed) * 1_000)

  const sign = trimmed.startsWith('-') ? -1 : 1
  const body = trimmed.replace(/^[+-]/, '').trimStart()
  if (body === '') return undefined

  const part = new RegExp(PART)
  let total = 0
  let lastUnitIndex = -1
  while (part.lastIndex < body.length) {
    const match = part.exec(body)
    if (match === null) return undefined
    const unit = match[2] ?? ''
    const unitIndex = UNIT_ORDER.indexOf(unit)
    if (unitIndex <= lastUnitIndex) return undefined
    lastUnitIndex = unitIndex
    total += Number(match[1]) * (UNIT_MS[unit] ?? Number.NaN)
  }
  return toSafeMs(sign * total)
}

function toSafeMs(ms: number): number | undefined {
  const rounded = Math.round(ms)
  if (!Number.isSafeInteger(rounded)) return undefined
  return rounded === 0 ? 0 : rounded
}

/** Formats milliseconds the way parseDuration reads them: '1h30m', '90s', '250ms'. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s'
  const sign = ms < 0 ? '-' : ''
  let rest = Math.abs(Math.round(ms))
  const parts: string[] = []
  for (const unit of UNIT_ORDER) {
    const size = UNIT_MS[unit] ?? 1
    const count = Math.floor(rest / size)
    if (count > 0) parts.push(`${count}${unit}`)
    rest -= count * size
  }
  return sign + parts.join('')
}
