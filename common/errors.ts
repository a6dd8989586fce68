import { redact } from './masking.js'

/** Maximum number of characters of a bad value that an error message shows. */
const SHOWN_VALUE_MAX = 200

/** Invalid action input: names the input, the bad value and the fix. */
export class InputError extends Error {
  readonly input: string
  readonly value: string
  readonly expected: string

  /**
   * Builds the message `Invalid input 'name': "value". expected`, or
   * `Missing input 'name'. expected` when the value is empty.
   */
  constructor(input: string, value: string, expected: string) {
    const message =
      value === ''
        ? `Missing input '${input}'. ${expected}`
        : `Invalid input '${input}': ${showValue(value)}. ${expected}`
    super(message)
    this.name = 'InputError'
    this.input = input
    this.value = value
    this.expected = expected
  }
}

/** Raised when a deadline or timeout passes. */
export class DeadlineError extends Error {
  /** Stage whose limit passed, such as 'wait for healthy targets'. */
  readonly stage: string
  /** Time left on the deadline when this error was raised, in ms. */
  readonly remainingMs: number

  constructor(
    message: string,
    opts: { stage: string; remainingMs?: number; cause?: unknown },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'DeadlineError'
    this.stage = opts.stage
    this.remainingMs = opts.remainingMs ?? 0
  }
}

/** Raised when SIGINT or SIGTERM cancelled the action. */
export class CancelledError extends Error {
  readonly signal: NodeJS.Signals

  constructor(signal: NodeJS.Signals, message?: string) {
    super(message ?? `The action was cancelled by ${signal}`)
    this.name = 'CancelledError'
    this.signal = signal
  }
}

/**
 * Converts any thrown value to one line of text without a stack. AWS SDK
 * service errors get their error name in front ('NoSuchBucket: ...'), and an
 * Error's cause chain is appended after ': '. An error from a createAwsClient
 * client also gets its service and operation in front ('S3 PutObject failed
 * after 5 attempts: SlowDown: ...') unless `opts.operation` is false, for
 * callers whose own message names the operation.
 */
export function errorMessage(
  error: unknown,
  opts: { operation?: boolean } = {},
): string {
  const withOperation = opts.operation ?? true
  const seen = new Set<unknown>()
  const parts: string[] = []
  let current: unknown = error

  while (current !== undefined && !seen.has(current)) {
    seen.add(current)
    // A cause whose text an outer message already contains adds nothing,
    // even when the outer message names the operation in its own words.
    const plain = describeThrown(current, false)
    if (!parts.some((part) => part.includes(plain))) {
      parts.push(withOperation ? describeThrown(current, true) : plain)
    }
    current = current instanceof Error ? current.cause : undefined
  }

  return parts.length > 0 ? parts.join(': ') : 'unknown error (undefined)'
}

function describeThrown(value: unknown, withOperation: boolean): string {
  if (value instanceof AggregateError) {
    const inner = value.errors.map((e) => errorMessage(e)).join('; ')
    const head = value.message || 'several errors'
    return inner ? `${head} (${inner})` : head
  }
  if (value instanceof Error) return describeError(value, withOperation)
  if (typeof value === 'string') return value || 'unknown error (empty string)'
  if (value === null) return 'unknown error (null)'
  if (typeof value === 'object') return describeObject(value)
  return String(value)
}

/**
 * Property that createAwsClient sets on every error a request throws: the
 * service and operation, such as 'S3 PutObject', so that errorMessage can
 * name them.
 */
export const AWS_OPERATION_PROPERTY = 'awsOperation'

function describeError(error: Error, withOperation: boolean): string {
  const message = error.message || error.name || 'unknown error'
  const prefix = errorPrefix(error)
  const text =
    prefix && !message.includes(prefix) ? `${prefix}: ${message}` : message
  const operation = withOperation ? operationPrefix(error) : undefined
  return operation && !text.includes(operation) ? `${operation}: ${text}` : text
}

/** Returns 'S3 PutObject failed after 5 attempts' for an error that createAwsClient labelled. */
function operationPrefix(error: Error): string | undefined {
  const record = error as unknown as Record<string, unknown>
  const operation = record[AWS_OPERATION_PROPERTY]
  if (typeof operation !== 'string' || operation === '') return undefined
  const attempts = (record.$metadata as { attempts?: unknown } | undefined)
    ?.attempts
  return typeof attempts === 'number' && attempts > 1
    ? `${operation} failed after ${attempts} attempts`
    : `${operation} failed`
}

/** Returns the AWS SDK error name, or a Node system error code such as ECONNRESET. */
function errorPrefix(error: Error): string | undefined {
  const record = error as unknown as Record<string, unknown>
  if ('$metadata' in record && error.name !== 'Error') return error.name
  const code = record.code
  return typeof code === 'string' && code !== '' ? code : undefined
}

function describeObject(value: object): string {
  const message = (value as { message?: unknown }).message
  if (typeof message === 'string' && message !== '') return message
  try {
    const json = JSON.stringify(value)
    if (json !== undefined) return json
  } catch {
    // Cyclic or BigInt-holding objects fall through to String().
  }
  return String(value)
}

/**
 * Formats a value for an error message: redacted, cut to 200 characters,
 * double-quoted, with backslashes, quotes, control characters and invisible
 * bidirectional or zero-width characters escaped.
 */
export function showValue(value: string): string {
  const characters = Array.from(redact(value))
  const cut = characters.slice(0, SHOWN_VALUE_MAX).join('')
  const quoted = `"${escapeText(cut)}"`
  if (characters.length <= SHOWN_VALUE_MAX) return quoted
  return `${quoted}... (${characters.length} characters, first ${SHOWN_VALUE_MAX} shown)`
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
}

// Control characters (C0, DEL, C1), line and paragraph separators,
// zero-width characters and bidirectional overrides.
const ESCAPED_CHARACTERS =
  /[\\"\p{Cc}\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/gu

function escapeText(text: string): string {
  return text.replace(ESCAPED_CHARACTERS, (character) => {
    const simple = SIMPLE_ESCAPES[character]
    if (simple !== undefined) return simple
    const code = character.charCodeAt(0).toString(16).padStart(4, '0')
    return `\\u${code}`
  })
}
