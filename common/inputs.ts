import { formatDuration, parseDuration } from './duration.js'
import { InputError } from './errors.js'
import { parseInstant } from './instant.js'
import { maskSecret, redactUrl } from './masking.js'

export { formatDuration, parseDuration } from './duration.js'

/** Returns the raw text of an input, or undefined when it is not set. */
export type InputSource = (name: string) => string | undefined

/** Returns the variable the runner sets for an input: 'aws-region' gives 'INPUT_AWS-REGION'. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** Reads INPUT_<NAME> the way the runner sets it: spaces to '_', upper-cased, hyphens kept. */
export function envInputSource(
  env: NodeJS.ProcessEnv = process.env,
): InputSource {
  return (name) => env[inputEnvName(name)]
}

export interface RequiredInput {
  required: true
}
export interface OptionalInput {
  required?: boolean
}
export interface StringOptions {
  maxLength?: number
  pattern?: RegExp
  /** Sentence that replaces "Use a value that matches /.../." in errors. */
  patternHint?: string
  /** Masks the value (maskSecret) before anything can print it. */
  secret?: boolean
}
export interface RangeOptions {
  min?: number
  max?: number
}
export interface ListOptions {
  required?: boolean
  minItems?: number
  maxItems?: number
  itemPattern?: RegExp
  itemHint?: string
}
export interface UrlOptions {
  /** Allowed schemes, with or without the trailing ':'. Default http and https. */
  protocols?: string[]
}
export type Validator<T> = (
  value: unknown,
  fail: (expected: string) => never,
) => T

const SET_IT = "Set it in the step's 'with:' block."
const BOOLEAN_TRUE = ['true', 'True', 'TRUE']
const BOOLEAN_FALSE = ['false', 'False', 'FALSE']
const INTEGER = /^[+-]?\d+$/
const DURATION_FORMS =
  'a duration such as 500ms, 90s, 10m or 1h30m (a bare number is seconds)'
const INSTANT_FORMS =
  'an ISO 8601 time with a zone, such as 2026-05-01T12:00:00Z or 2026-05-01T14:00:00+02:00, or Unix epoch seconds'
const MAP_FORMS =
  "'key: value' lines (or key=value) or a JSON object whose values are strings"

/**
 * Reads action inputs as typed values. Every value is trimmed and an empty
 * value counts as not set: defaults belong in action.yml, which the runner
 * applies. Invalid values raise InputError naming the input, the value and
 * what is allowed.
 */
export class InputReader {
  constructor(private readonly source: InputSource) {}

  /** Throws an InputError naming `name` (for checks across inputs). */
  fail(name: string, value: string, expected: string): never {
    throw new InputError(name, value, expected)
  }

  string(name: string, opts: RequiredInput & StringOptions): string
  string(name: string, opts?: OptionalInput & StringOptions): string | undefined
  string(
    name: string,
    opts: OptionalInput & StringOptions = {},
  ): string | undefined {
    const value = this.read(name, opts.required, '')
    if (value === undefined) return undefined
    if (opts.secret) maskSecret(value)

    const length = Array.from(value).length
    if (opts.maxLength !== undefined && length > opts.maxLength) {
      this.fail(
        name,
        value,
        `Use at most ${opts.maxLength} characters (this value has ${length}).`,
      )
    }
    if (opts.pattern !== undefined && !matchesWhole(opts.pattern, value)) {
      const hint =
        opts.patternHint ?? `Use a value that matches ${opts.pattern}.`
      this.fail(name, value, hint)
    }
    return value
  }

  boolean(name: string, opts: RequiredInput): boolean
  boolean(name: string, opts?: OptionalInput): boolean | undefined
  boolean(name: string, opts: OptionalInput = {}): boolean | undefined {
    const expected = 'Use true or false.'
    const value = this.read(name, opts.required, expected)
    if (value === undefined) return undefined
    if (BOOLEAN_TRUE.includes(value)) return true
    if (BOOLEAN_FALSE.includes(value)) return false
    return this.fail(name, value, expected)
  }

  integer(name: string, opts: RequiredInput & RangeOptions): number
  integer(name: string, opts?: OptionalInput & RangeOptions): number | undefined
  integer(
    name: string,
    opts: OptionalInput & RangeOptions = {},
  ): number | undefined {
    const expected = `Use a whole number${describeRange(opts, String)}.`
    const value = this.read(name, opts.required, expected)
    if (value === undefined) return undefined

    const number = INTEGER.test(value) ? Number(value) : Number.NaN
    if (!Number.isSafeInteger(number) || !inRange(number, opts)) {
      this.fail(name, value, expected)
    }
    return number
  }

  /**
   * Reads a duration ('500ms', '90s', '10m', '1h30m', a bare number of
   * seconds) in ms. `min` defaults to 1 ms, so zero and negative values are
   * rejected unless the caller passes min: 0.
   */
  duration(name: string, opts: RequiredInput & RangeOptions): number
  duration(
    name: string,
    opts?: OptionalInput & RangeOptions,
  ): number | undefined
  duration(
    name: string,
    opts: OptionalInput & RangeOptions = {},
  ): number | undefined {
    const range = { min: opts.min ?? 1, max: opts.max }
    const value = this.read(name, opts.required, `Use ${DURATION_FORMS}.`)
    if (value === undefined) return undefined

    const ms = parseDuration(value)
    if (ms === undefined) this.fail(name, value, `Use ${DURATION_FORMS}.`)
    if (!inRange(ms, range)) {
      this.fail(
        name,
        value,
        `Use a duration${describeRange(range, formatDuration)}.`,
      )
    }
    return ms
  }

  /** Reads an absolute instant (ISO 8601 with a zone, or Unix epoch seconds) as epoch ms. */
  deadline(name: string, opts: RequiredInput): number
  deadline(name: string, opts?: OptionalInput): number | undefined
  deadline(name: string, opts: OptionalInput = {}): number | undefined {
    const value = this.read(name, opts.required, `Use ${INSTANT_FORMS}.`)
    if (value === undefined) return undefined

    const result = parseInstant(value)
    if (result.ok) return result.epochMs
    switch (result.reason) {
      case 'no-zone':
        return this.fail(
          name,
          value,
          "Add a zone: 'Z' for UTC or an offset such as +02:00 (for example 2026-05-01T12:00:00Z).",
        )
      case 'milliseconds':
        return this.fail(
          name,
          value,
          'This looks like epoch milliseconds. Use epoch seconds (divide by 1000).',
        )
      case 'invalid':
        return this.fail(name, value, `Use ${INSTANT_FORMS}.`)
    }
  }

  /** Reads items given one per line or comma separated, trimmed, without empty items. */
  list(name: string, opts: ListOptions = {}): string[] {
    const value = this.read(name, opts.required, 'List one item per line.')
    if (value === undefined) return []

    const items = value
      .split(/\r?\n|,/)
      .map((item) => item.trim())
      .filter((item) => item !== '')
    checkItemCount(this, name, value, items.length, opts)

    const pattern = opts.itemPattern
    if (pattern === undefined) return items
    items.forEach((item, index) => {
      if (matchesWhole(pattern, item)) return
      const hint = opts.itemHint ?? `Each item must match ${pattern}.`
      this.fail(name, item, `${hint} (item ${index + 1} of ${items.length})`)
    })
    return items
  }

  /**
   * Parses JSON, then runs the optional validator. The validator calls
   * `fail(expected)` to raise an InputError that shows the input's value.
   */
  json<T = unknown>(
    name: string,
    validate: Validator<T> | undefined,
    opts: RequiredInput,
  ): T
  json<T = unknown>(
    name: string,
    validate?: Validator<T>,
    opts?: OptionalInput,
  ): T | undefined
  json<T = unknown>(
    name: string,
    validate?: Validator<T>,
    opts: OptionalInput = {},
  ): T | undefined {
    const value = this.read(name, opts.required, 'Set it to a JSON value.')
    if (value === undefined) return undefined

    let parsed: unknown
    try {
      parsed = JSON.parse(value)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      this.fail(name, value, `Use valid JSON (${reason}).`)
    }
    if (validate === undefined) return parsed as T
    return validate(parsed, (expected) => this.fail(name, value, expected))
  }

  /** Reads one of `allowed`. Matching is case-sensitive, and a case-only mismatch gets a hint. */
  enumValue<T extends string>(
    name: string,
    allowed: readonly T[],
    opts: RequiredInput,
  ): T
  enumValue<T extends string>(
    name: string,
    allowed: readonly T[],
    opts?: OptionalInput,
  ): T | undefined
  enumValue<T extends string>(
    name: string,
    allowed: readonly T[],
    opts: OptionalInput = {},
  ): T | undefined {
    const expected = `Use one of: ${allowed.join(', ')}.`
    const value = this.read(name, opts.required, expected)
    if (value === undefined) return undefined

    const match = allowed.find((option) => option === value)
    if (match !== undefined) return match
    const nearly = allowed.find(
      (option) => option.toLowerCase() === value.toLowerCase(),
    )
    const hint =
      nearly === undefined
        ? ''
        : ` Values are case-sensitive: did you mean '${nearly}'?`
    return this.fail(name, value, expected + hint)
  }

  /** Reads an absolute URL whose scheme is one of `protocols` (default http and https). */
  url(name: string, opts: RequiredInput & UrlOptions): URL
  url(name: string, opts?: OptionalInput & UrlOptions): URL | undefined
  url(name: string, opts: OptionalInput & UrlOptions = {}): URL | undefined {
    const protocols = (opts.protocols ?? ['http', 'https']).map((p) =>
      p.endsWith(':') ? p : `${p}:`,
    )
    const schemes = protocols.map((p) => p.slice(0, -1)).join(' or ')
    const example = protocols.includes('https:') ? 'https:' : protocols[0]
    const expected = `Use an absolute ${schemes} URL, such as ${example}//example.com.`
    const value = this.read(name, opts.required, expected)
    if (value === undefined) return undefined

    let parsed: URL
    try {
      parsed = new URL(value)
    } catch {
      return this.fail(name, redactUrl(value), expected)
    }
    if (!protocols.includes(parsed.protocol)) {
      const hasCredentials = parsed.username !== '' || parsed.password !== ''
      this.fail(name, hasCredentials ? redactUrl(parsed) : value, expected)
    }
    return parsed
  }

  /** Reads 'Key: value' (or key=value) lines, or a JSON object with string values. */
  map(name: string, opts: OptionalInput = {}): Record<string, string> {
    const value = this.read(name, opts.required, `Use ${MAP_FORMS}.`)
    if (value === undefined) return {}
    const fail = (bad: string, expected: string): never =>
      this.fail(name, bad, expected)
    return value.startsWith('{')
      ? parseJsonMap(value, fail)
      : parseLineMap(value, fail)
  }

  /** Returns the trimmed value, undefined when empty, or throws 'missing' when required. */
  private read(
    name: string,
    required: boolean | undefined,
    expected: string,
  ): string | undefined {
    const value = (this.source(name) ?? '').trim()
    if (value !== '') return value
    if (required) {
      throw new InputError(
        name,
        '',
        expected ? `${SET_IT} ${expected}` : SET_IT,
      )
    }
    return undefined
  }
}

/** Tests whether the whole value matches, so /[a-z]+/ rejects 'abc1'. */
function matchesWhole(pattern: RegExp, value: string): boolean {
  const flags = pattern.flags.replace(/[gy]/g, '')
  return new RegExp(`^(?:${pattern.source})$`, flags).test(value)
}

function inRange(value: number, range: RangeOptions): boolean {
  if (range.min !== undefined && value < range.min) return false
  return range.max === undefined || value <= range.max
}

function describeRange(
  range: RangeOptions,
  format: (value: number) => string,
): string {
  const { min, max } = range
  if (min !== undefined && max !== undefined) {
    return ` from ${format(min)} to ${format(max)}`
  }
  if (min !== undefined) return ` of at least ${format(min)}`
  if (max !== undefined) return ` of at most ${format(max)}`
  return ''
}

function checkItemCount(
  reader: InputReader,
  name: string,
  value: string,
  count: number,
  opts: ListOptions,
): void {
  const min = Math.max(opts.minItems ?? 0, opts.required ? 1 : 0)
  const has = `(this value has ${count})`
  if (count < min) {
    reader.fail(
      name,
      value,
      `List at least ${min} item(s), one per line or comma separated ${has}.`,
    )
  }
  if (opts.maxItems !== undefined && count > opts.maxItems) {
    reader.fail(name, value, `List at most ${opts.maxItems} item(s) ${has}.`)
  }
}

type MapFail = (bad: string, expected: string) => never

function parseJsonMap(value: string, fail: MapFail): Record<string, string> {
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return fail(value, `Use ${MAP_FORMS} (invalid JSON: ${reason}).`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return fail(value, `Use ${MAP_FORMS}.`)
  }

  const entries = Object.entries(parsed).map(
    ([key, item]): [string, string] => {
      if (['string', 'number', 'boolean'].includes(typeof item)) {
        return [key, String(item)]
      }
      return fail(
        value,
        `The value of '${key}' must be a string, number or boolean.`,
      )
    },
  )
  return Object.fromEntries(entries)
}

function parseLineMap(value: string, fail: MapFail): Record<string, string> {
  const entries = new Map<string, string>()
  for (const rawLine of value.split(/\r?\n/)) {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#')) continue

    const separator = line.search(/[:=]/)
    const key = separator < 0 ? '' : line.slice(0, separator).trim()
    if (key === '' || /\s/.test(key)) {
      fail(
        line,
        `Write each line as 'key: value' or key=value, with a key that has no spaces.`,
      )
    }
    if (entries.has(key)) fail(line, `The key '${key}' appears more than once.`)
    entries.set(key, line.slice(separator + 1).trim())
  }
  return Object.fromEntries(entries)
}
