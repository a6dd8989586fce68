import { randomUUID } from 'node:crypto'
import { appendFile } from 'node:fs/promises'
import type { Logger } from './log.js'
import { redact } from './masking.js'

// GitHub's rule for output names: a letter or '_' first, then letters,
// digits, '-' or '_'.
const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/

export type OutputValue = string | number | boolean | object

/**
 * Collects step outputs and writes them to $GITHUB_OUTPUT in the runner's
 * delimiter form. Each name may be set once. flush() can run several times,
 * also after a failure, and writes each output exactly once.
 */
export class OutputWriter {
  private readonly values = new Map<string, string>()
  private readonly written = new Set<string>()
  private flushing: Promise<void> = Promise.resolve()
  private readonly file: string | undefined
  private readonly logger: Logger | undefined
  private readonly makeDelimiter: () => string

  constructor(
    opts: {
      /** Output file. Without it, flush() uses GITHUB_OUTPUT as set when it runs. */
      file?: string
      logger?: Logger
      /** Delimiter generator, replaceable in tests. */
      makeDelimiter?: () => string
    } = {},
  ) {
    this.file = opts.file
    this.logger = opts.logger
    this.makeDelimiter =
      opts.makeDelimiter ?? (() => `ghadelimiter_${randomUUID()}`)
  }

  /** Records an output: objects become JSON, numbers and booleans text. Throws if the name is invalid or already set. */
  set(name: string, value: OutputValue): void {
    if (!OUTPUT_NAME.test(name)) {
      throw new Error(
        `Invalid output name '${name}': use a letter or '_' first, then letters, digits, '-' or '_'.`,
      )
    }
    if (this.values.has(name)) {
      throw new Error(`Output '${name}' is already set. Set each output once.`)
    }
    this.values.set(name, toOutputText(value))
  }

  has(name: string): boolean {
    return this.values.has(name)
  }

  /** Returns the redacted text recorded for an output, or undefined. */
  get(name: string): string | undefined {
    const value = this.values.get(name)
    return value === undefined ? undefined : redact(value)
  }

  /**
   * Appends every output not written yet to the output file, redacted. Calls
   * run one after another, so concurrent calls never write an output twice.
   * Without an output file (outside a runner) it only logs the names.
   */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .catch(() => undefined)
      .then(() => this.writePending())
    return this.flushing
  }

  private async writePending(): Promise<void> {
    const pending = [...this.values].filter(([name]) => !this.written.has(name))
    if (pending.length === 0) return

    const file = this.file ?? process.env.GITHUB_OUTPUT
    const names = pending.map(([name]) => name).join(', ')
    if (!file) {
      this.logger?.debug(
        `GITHUB_OUTPUT is not set, so these outputs were not written: ${names}`,
      )
      return
    }

    const text = pending
      .map(([name, value]) => this.formatEntry(name, redact(value)))
      .join('')
    await appendFile(file, text, 'utf8')
    for (const [name] of pending) this.written.add(name)
    this.logger?.debug(`Wrote outputs: ${names}`)
  }

  private formatEntry(name: string, value: string): string {
    let delimiter = this.makeDelimiter()
    while (value.includes(delimiter)) {
      delimiter = this.makeDelimiter()
    }
    return `${name}<<${delimiter}\n${value}\n${delimiter}\n`
  }
}

function toOutputText(value: OutputValue): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value)
  }
  return JSON.stringify(value) ?? ''
}

/**
 * Parses a GITHUB_OUTPUT, GITHUB_ENV or GITHUB_STATE file the way the
 * runner (actions/runner, FileCommandManager) does on Linux: 'name=value'
 * lines and 'name<<DELIMITER' blocks that end at a line equal to the
 * delimiter, whose value excludes the line break before that line. A later
 * entry for the same name replaces the earlier one.
 */
export function parseCommandFile(text: string): Record<string, string> {
  const result = new Map<string, string>()
  const reader = new LineReader(text)

  for (let line = reader.next(); line !== undefined; line = reader.next()) {
    if (line === '') continue
    const equals = line.indexOf('=')
    const heredoc = line.indexOf('<<')

    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      const name = line.slice(0, equals)
      if (name === '') throw new Error(`Invalid format '${line}': empty name`)
      result.set(name, line.slice(equals + 1))
    } else if (heredoc >= 0) {
      const name = line.slice(0, heredoc)
      const delimiter = line.slice(heredoc + 2)
      if (name === '' || delimiter === '') {
        throw new Error(`Invalid format '${line}': empty name or delimiter`)
      }
      result.set(name, readHeredoc(reader, text, delimiter))
    } else {
      throw new Error(
        `Invalid format '${line}': expected name=value or name<<DELIMITER`,
      )
    }
  }
  return Object.fromEntries(result)
}

function readHeredoc(
  reader: LineReader,
  text: string,
  delimiter: string,
): string {
  const start = reader.index
  let end = start
  for (;;) {
    const line = reader.next()
    if (line === undefined) {
      throw new Error(
        `Invalid value: matching delimiter '${delimiter}' not found`,
      )
    }
    if (line === delimiter) break
    end = reader.index - 1
  }
  return end > start ? text.slice(start, end) : ''
}

/** Splits text at '\n', keeping the position after the last line read. */
class LineReader {
  index = 0

  constructor(private readonly text: string) {}

  next(): string | undefined {
    if (this.index >= this.text.length) return undefined
    const start = this.index
    const lineFeed = this.text.indexOf('\n', start)
    if (lineFeed < 0) {
      this.index = this.text.length
      return this.text.slice(start)
    }
    this.index = lineFeed + 1
    return this.text.slice(start, lineFeed)
  }
}
