/**
 * Reads and validates the verify-health inputs once, before any request.
 * Defaults live in action.yml; an empty input here means "not set".
 */
import type { InputReader } from '../../../common/inputs.js'
import {
  isSecretName,
  maskSecret,
  maskUrlSecrets,
  redactUrl,
} from '../../../common/masking.js'
import { parseDeploymentState } from '../../../common/rollback.js'
import type { DeploymentState } from '../../../common/contracts/records.js'
import {
  parseExpectedStatus,
  type JsonExpectation,
  type StatusMatcher,
} from './checks.js'
import {
  JsonPathSyntaxError,
  parseJsonPath,
  parseJsonPathPrefix,
  type JsonPath,
} from './json-path.js'
import { prepareRecordFile } from './record-file.js'

/** Path probed when a URL has none. */
export const DEFAULT_HEALTH_PATH = '/healthz'
export const MAX_URLS = 20
/** Shortest interval, so that a typo such as 1ms cannot flood an endpoint that is starting. */
export const MIN_INTERVAL_MS = 50

export interface VerifyHealthInputs {
  urls: URL[]
  expectedStatus: StatusMatcher
  expectedBody?: string
  expectedJson: JsonExpectation[]
  expectedVersion?: string
  versionField: JsonPath
  headers: Record<string, string>
  attemptTimeoutMs: number
  intervalMs: number
  timeoutMs: number
  /** Run-wide deadline, epoch ms. */
  deadlineAt?: number
  consecutiveSuccesses: number
  latencyBudgetMs?: number
  followRedirects: boolean
  maxRedirects: number
  tlsVerify: boolean
  rollbackOnFailure: boolean
  rollbackTimeoutMs: number
  deployment?: DeploymentState
  /** True when deployment-json is set, also when rollback-on-failure is false. */
  deploymentGiven: boolean
  /** Set only when rollback-on-failure is true. */
  awsRegion?: string
  /** Absolute path, checked and with its folder created. */
  recordFile?: string
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/

/**
 * Reads every input through `reader`, registers secret header values and
 * URL passwords with the masker, and throws an InputError naming the input
 * for the first invalid value.
 */
export function readVerifyHealthInputs(
  reader: InputReader,
): VerifyHealthInputs {
  const headers = readHeaders(reader)
  const urls = readUrls(reader)
  const expectedStatus = readExpectedStatus(reader)
  const expectedBody = reader.string('expected-body')
  const expectedJson = readExpectedJson(reader)
  const expectedVersion = reader.string('expected-version')
  const versionField = readPath(
    reader,
    'version-field',
    reader.string('version-field', { required: true }),
  )

  const attemptTimeoutMs = reader.duration('attempt-timeout', {
    required: true,
    max: 600_000,
  })
  const intervalMs = reader.duration('interval', {
    required: true,
    min: MIN_INTERVAL_MS,
    max: 3_600_000,
  })
  const timeoutMs = reader.duration('timeout', {
    required: true,
    max: 6 * 3_600_000,
  })
  if (attemptTimeoutMs > timeoutMs) {
    reader.fail(
      'attempt-timeout',
      reader.string('attempt-timeout') ?? '',
      `It is longer than timeout (${reader.string('timeout')}). Set attempt-timeout to at most the overall timeout.`,
    )
  }
  const deadlineAt = reader.deadline('deadline-at')
  const consecutiveSuccesses = reader.integer('consecutive-successes', {
    required: true,
    min: 1,
    max: 100,
  })
  const latencyBudgetMs = reader.duration('latency-budget', { max: 600_000 })

  const followRedirects = reader.boolean('follow-redirects', { required: true })
  const maxRedirects = reader.integer('max-redirects', {
    required: true,
    min: 1,
    max: 20,
  })
  const tlsVerify = reader.boolean('tls-verify', { required: true })

  const rollbackOnFailure = reader.boolean('rollback-on-failure', {
    required: true,
  })
  const rollbackTimeoutMs = reader.duration('rollback-timeout', {
    required: true,
    max: 3_600_000,
  })
  const rollback = readRollbackTarget(reader, rollbackOnFailure)
  const recordFileValue = reader.string('record-file')
  const recordFile =
    recordFileValue === undefined
      ? undefined
      : prepareRecordFile(reader, recordFileValue)

  const inputs: VerifyHealthInputs = {
    urls,
    expectedStatus,
    expectedJson,
    versionField,
    headers,
    attemptTimeoutMs,
    intervalMs,
    timeoutMs,
    consecutiveSuccesses,
    followRedirects,
    maxRedirects,
    tlsVerify,
    rollbackOnFailure,
    rollbackTimeoutMs,
    deploymentGiven: reader.string('deployment-json') !== undefined,
  }
  assignDefined(inputs, {
    expectedBody,
    expectedVersion,
    deadlineAt,
    latencyBudgetMs,
    deployment: rollback?.deployment,
    awsRegion: rollback?.awsRegion,
    recordFile,
  })
  return inputs
}

/**
 * Reads deployment-json and aws-region when rollback-on-failure is true,
 * and checks that they name the same region. Both are ignored otherwise,
 * because nothing uses them.
 */
function readRollbackTarget(
  reader: InputReader,
  rollbackOnFailure: boolean,
): { deployment: DeploymentState; awsRegion: string } | undefined {
  if (!rollbackOnFailure) {
    return undefined
  }
  const awsRegion = reader.string('aws-region', {
    required: true,
    pattern: AWS_REGION,
    patternHint: 'Use an AWS region name such as us-east-1.',
  })
  const deployment = reader.json('deployment-json', parseDeploymentState)
  if (deployment === undefined) {
    reader.fail(
      'deployment-json',
      '',
      'rollback-on-failure is true, so deployment-json must contain the deployment-json output of blue-green-deploy.',
    )
  }
  if (deployment.region !== awsRegion) {
    reader.fail(
      'aws-region',
      awsRegion,
      `deployment-json names region ${deployment.region}. Set aws-region to the region of the deployment.`,
    )
  }
  return { deployment, awsRegion }
}

function assignDefined<T extends object>(target: T, values: Partial<T>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) {
      ;(target as Record<string, unknown>)[key] = value
    }
  }
}

function readHeaders(reader: InputReader): Record<string, string> {
  const headers = reader.map('headers')
  for (const [name, value] of Object.entries(headers)) {
    if (isSecretName(name)) {
      maskSecret(value)
      // Also mask the credential alone, as in `Bearer <token>`.
      const credential = value.split(/\s+/).pop()
      if (credential !== undefined && credential !== value) {
        maskSecret(credential)
      }
    }
  }
  for (const [name, value] of Object.entries(headers)) {
    if (name === '') {
      reader.fail(
        'headers',
        reader.string('headers') ?? '',
        'A header name is empty. Give every header a name, as in "Name: value" or {"Name": "value"}.',
      )
    }
    if (!HEADER_NAME.test(name)) {
      reader.fail(
        'headers',
        name,
        'A header name may contain only letters, digits and !#$%&\'*+-.^_`|~. Write one "Name: value" per line.',
      )
    }
    if (/[\r\n\0]/.test(value)) {
      reader.fail(
        'headers',
        name,
        'The value of this header contains a line break or NUL character, which HTTP does not allow.',
      )
    }
  }
  return headers
}

function readUrls(reader: InputReader): URL[] {
  const value = reader.string('urls', { required: true })
  const items = splitUrlList(value)
  if (items.length === 0) {
    reader.fail('urls', value, 'List at least one URL, one per line.')
  }
  if (items.length > MAX_URLS) {
    reader.fail(
      'urls',
      value,
      `List at most ${MAX_URLS} URLs (this value has ${items.length}).`,
    )
  }
  const seen = new Set<string>()
  const urls: URL[] = []
  for (const item of items) {
    const url = parseHealthUrl(reader, item)
    if (seen.has(url.href)) {
      reader.fail(
        'urls',
        redactUrl(url),
        'This URL is listed twice. Remove the duplicate.',
      )
    }
    seen.add(url.href)
    urls.push(url)
  }
  return urls
}

/**
 * Splits the `urls` input. A value of several lines has one URL per line,
 * and commas stay part of the URLs. A single line may list URLs separated
 * by commas, and there a comma splits only when the next URL starts with a
 * scheme (`http://`), so `?ids=1,2` stays intact.
 */
export function splitUrlList(value: string): string[] {
  const lines = value.split(/\r?\n/)
  const items =
    lines.filter((line) => line.trim() !== '').length > 1
      ? lines
      : value.split(/,(?=\s*[a-z][a-z0-9+.-]*:\/\/)/i)
  return items.map((item) => item.trim()).filter((item) => item !== '')
}

/**
 * Parses one URL of the `urls` input. A URL without a path (nothing after
 * the host and port) gets `/healthz`; an explicit `/` is kept.
 */
export function parseHealthUrl(reader: InputReader, text: string): URL {
  const shown = hideUserInfo(text)
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase()
  if (scheme !== 'http' && scheme !== 'https') {
    reader.fail('urls', shown, 'Each URL must start with http:// or https://.')
  }
  // The URL parser drops tabs and line breaks silently, and a space would
  // be sent percent-encoded, so a URL with any of them is most likely a typo.
  if (/\s/.test(text) || hasControlCharacter(text)) {
    reader.fail(
      'urls',
      shown,
      'The URL contains a space, tab or control character. Percent-encode it (%20 for a space) or remove it.',
    )
  }
  // The URL parser reads http:///healthz and http:/healthz as the host
  // "healthz", so a URL must have '//' and a host before its path.
  const host = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#@]*@)?([^/?#:]*)/i.exec(
    text,
  )?.[1]
  if (host === undefined || host === '') {
    reader.fail(
      'urls',
      shown,
      'The URL has no host. Write it as http://host[:port]/path, such as http://127.0.0.1:3000/healthz.',
    )
  }
  const port =
    /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#@]*@)?(?:\[[^\]]*\]|[^/?#:]*):(\d+)(?:[/?#]|$)/i.exec(
      text,
    )?.[1]
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    reader.fail(
      'urls',
      shown,
      `The port ${port} is out of range. Use a port from 1 to 65535, or none for the scheme's default.`,
    )
  }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    reader.fail('urls', shown, 'It is not a valid URL.')
  }
  if (url.hostname === '') {
    reader.fail('urls', shown, 'The URL has no host.')
  }
  maskUrlSecrets(url)

  const afterAuthority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/is.exec(text)?.[1]
  if (afterAuthority === undefined || !afterAuthority.startsWith('/')) {
    url.pathname = DEFAULT_HEALTH_PATH
  }
  url.hash = ''
  return url
}

function hasControlCharacter(text: string): boolean {
  return Array.from(text).some((character) => {
    const code = character.charCodeAt(0)
    return code < 0x20 || code === 0x7f
  })
}

/** URL text with any `user:password@` part replaced, for messages about unparsable URLs. */
function hideUserInfo(text: string): string {
  return text.replace(/\/\/[^/?#@]*@/, '//***@')
}

function readExpectedStatus(reader: InputReader): StatusMatcher {
  const items = reader.list('expected-status', { required: true, minItems: 1 })
  const parsed = parseExpectedStatus(items)
  if ('invalidItem' in parsed) {
    reader.fail(
      'expected-status',
      parsed.invalidItem,
      'Use status codes from 100 to 599 and classes 1xx to 5xx, comma separated, for example 200,204 or 2xx.',
    )
  }
  return parsed.matcher
}

/**
 * Reads `expected-json`: one `path=value` per line, every line must hold.
 * Spaces around `=` are trimmed.
 */
function readExpectedJson(reader: InputReader): JsonExpectation[] {
  const text = reader.string('expected-json')
  if (text === undefined) {
    return []
  }
  const expectations: JsonExpectation[] = []
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim()
    if (line === '') {
      continue
    }
    let parsed: { path: JsonPath; end: number }
    try {
      parsed = parseJsonPathPrefix(line)
    } catch (error) {
      failPath(reader, 'expected-json', line, error)
    }
    const rest = line.slice(parsed.end).trimStart()
    if (!rest.startsWith('=')) {
      reader.fail(
        'expected-json',
        line,
        'Write one path=value per line, for example status=ok or $.checks.db=up.',
      )
    }
    expectations.push({ path: parsed.path, expected: rest.slice(1).trim() })
  }
  return expectations
}

function readPath(reader: InputReader, name: string, text: string): JsonPath {
  try {
    return parseJsonPath(text)
  } catch (error) {
    failPath(reader, name, text, error)
  }
}

function failPath(
  reader: InputReader,
  name: string,
  value: string,
  error: unknown,
): never {
  if (!(error instanceof JsonPathSyntaxError)) {
    throw error
  }
  reader.fail(
    name,
    value,
    `Invalid JSON path: ${error.message}. Use field names joined by dots, [n] for array items and ["name"] for names with dots, for example $.checks[0].status.`,
  )
}
