/**
 * Evaluates one HTTP response against the expected status, body substring,
 * JSON fields and version.
 */
import { STATUS_CODES } from 'node:http'
import { selectJsonPath, type JsonPath } from './json-path.js'

/** Accepted status codes: single codes and whole classes (2 for `2xx`). */
export interface StatusMatcher {
  text: string
  codes: number[]
  classes: number[]
}

export interface JsonExpectation {
  path: JsonPath
  expected: string
}

export interface ResponseExpectations {
  status: StatusMatcher
  bodyContains?: string
  json: JsonExpectation[]
  version?: JsonExpectation
  /** Whether 3xx responses were followed, for the hint in a failure reason. */
  followRedirects: boolean
}

/** Response as a probe received it; `bodyTruncated` is set when the body hit the size cap. */
export interface ReceivedResponse {
  status: number
  location?: string
  body: string
  bodyTruncated: boolean
  maxBodyBytes: number
}

export interface CheckOutcome {
  ok: boolean
  reason?: string
  /** Value of the version field when a version is expected and the field exists. */
  version?: string
}

const STATUS_ITEM = /^(?:([1-5])xx|([1-5]\d\d))$/i

/**
 * Parses the items of `expected-status`. Returns the matcher, or the first
 * item that is neither a code from 100 to 599 nor a class `1xx` to `5xx`.
 */
export function parseExpectedStatus(
  items: string[],
): { matcher: StatusMatcher } | { invalidItem: string } {
  const codes: number[] = []
  const classes: number[] = []
  for (const item of items) {
    const match = STATUS_ITEM.exec(item)
    if (match === null) {
      return { invalidItem: item }
    }
    if (match[1] !== undefined) {
      classes.push(Number(match[1]))
    } else {
      codes.push(Number(match[2]))
    }
  }
  const text = items.map((item) => item.toLowerCase()).join(',')
  return { matcher: { text, codes, classes } }
}

export function statusMatches(matcher: StatusMatcher, status: number): boolean {
  return (
    matcher.codes.includes(status) ||
    matcher.classes.includes(Math.floor(status / 100))
  )
}

export function isRedirectStatus(status: number): boolean {
  return [301, 302, 303, 307, 308].includes(status)
}

/** Checks status, then body, then JSON fields, then version; the first failure is the reason. */
export function evaluateResponse(
  response: ReceivedResponse,
  expectations: ResponseExpectations,
): CheckOutcome {
  if (!statusMatches(expectations.status, response.status)) {
    return { ok: false, reason: describeStatusMismatch(response, expectations) }
  }

  if (expectations.bodyContains !== undefined) {
    if (!response.body.includes(expectations.bodyContains)) {
      const scope = response.bodyTruncated
        ? ` in the first ${formatBytes(response.maxBodyBytes)}`
        : ''
      return {
        ok: false,
        reason: `body does not contain ${quote(expectations.bodyContains)}${scope}`,
      }
    }
  }

  const jsonChecks = [...expectations.json]
  if (expectations.version !== undefined) {
    jsonChecks.push(expectations.version)
  }
  if (jsonChecks.length === 0) {
    return { ok: true }
  }

  if (response.bodyTruncated) {
    return {
      ok: false,
      reason: `body is larger than ${formatBytes(response.maxBodyBytes)}, so its JSON was not checked`,
    }
  }
  let document: unknown
  try {
    document = JSON.parse(response.body)
  } catch (error) {
    const detail = (error as { message?: unknown }).message ?? String(error)
    return {
      ok: false,
      reason: `body is not JSON (${String(detail)}); starts with ${quote(response.body.slice(0, 60))}`,
    }
  }

  for (const check of expectations.json) {
    const mismatch = compareField(document, check, 'JSON field')
    if (mismatch !== undefined) {
      return { ok: false, reason: mismatch }
    }
  }

  if (expectations.version === undefined) {
    return { ok: true }
  }
  const selected = selectJsonPath(document, expectations.version.path)
  const version = selected.found ? fieldText(selected.value) : undefined
  const mismatch = compareField(document, expectations.version, 'version field')
  const outcome: CheckOutcome =
    mismatch === undefined ? { ok: true } : { ok: false, reason: mismatch }
  if (version !== undefined) {
    outcome.version = version
  }
  return outcome
}

function describeStatusMismatch(
  response: ReceivedResponse,
  expectations: ResponseExpectations,
): string {
  const statusText = STATUS_CODES[response.status]
  const shown =
    statusText === undefined
      ? `HTTP ${response.status}`
      : `HTTP ${response.status} ${statusText}`
  const expected = `expected ${expectations.status.text}`
  if (isRedirectStatus(response.status) && response.location !== undefined) {
    const hint = expectations.followRedirects
      ? ''
      : ' (redirects are followed only with follow-redirects: true)'
    return `${shown} redirect to ${quote(response.location)}, ${expected}${hint}`
  }
  return `${shown}, ${expected}`
}

/** Returns a mismatch message, or undefined when the field contains the expected text. */
function compareField(
  document: unknown,
  check: JsonExpectation,
  label: string,
): string | undefined {
  const selected = selectJsonPath(document, check.path)
  if (!selected.found) {
    return `${label} ${check.path.text} not found (no ${selected.missing} in the body)`
  }
  const text = fieldText(selected.value)
  if (text === undefined) {
    const kind = Array.isArray(selected.value) ? 'an array' : 'an object'
    return `${label} ${check.path.text} is ${kind}, expected ${quote(check.expected)}`
  }
  if (text !== check.expected) {
    return `${label} ${check.path.text} is ${quote(text)}, expected ${quote(check.expected)}`
  }
  return undefined
}

/**
 * Text form of a JSON scalar for comparison: strings as they are, numbers,
 * booleans and null as their JSON text. Objects and arrays have none.
 */
export function fieldText(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value
  }
  if (
    value === null ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return JSON.stringify(value)
  }
  return undefined
}

function quote(text: string): string {
  const cut = text.length > 100 ? `${text.slice(0, 100)}…` : text
  return JSON.stringify(cut)
}

function formatBytes(bytes: number): string {
  if (bytes % 1_048_576 === 0) {
    return `${bytes / 1_048_576} MiB`
  }
  if (bytes % 1024 === 0) {
    return `${bytes / 1024} KiB`
  }
  return `${bytes} bytes`
}
