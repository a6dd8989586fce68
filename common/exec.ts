import { spawn, type ChildProcess } from 'node:child_process'

import { formatDuration } from './duration.js'
import { errorMessage } from './errors.js'
import type { Logger } from './log.js'
import type { Cancellation } from './signals.js'

/** Time between the escalation steps after a timeout (SIGINT, SIGTERM, SIGKILL). */
export const DEFAULT_GRACE_MS = 10_000

export interface RunCommandOptions {
  cwd?: string
  /** Full environment of the child (default: this process's environment). */
  env?: NodeJS.ProcessEnv
  /** Text written to the child's stdin, which is then closed. Without it stdin is ignored. */
  input?: string
  /** Tracks the child so that SIGINT/SIGTERM reach it at once. */
  cancellation?: Cancellation
  logger?: Logger
  /** After this long the child gets SIGINT, then SIGTERM and SIGKILL, graceMs apart. */
  timeoutMs?: number
  graceMs?: number
  /** Logs every output line through the logger (default true). */
  echo?: boolean
  /**
   * Name of the command in the end and timeout log lines, such as
   * 'terraform plan' for a command started through a wrapper like setsid
   * (default: `cmd`).
   */
  label?: string
}

export interface CommandResult {
  /** Exit code, or null when a signal ended the child. */
  exitCode: number | null
  /** Signal that ended the child, or null when it exited by itself. */
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** True when the timeout passed and the child was sent SIGINT. */
  timedOut: boolean
}

/**
 * Spawns `cmd` without a shell and waits until it ends and its output is
 * closed. Output lines go through the logger (which redacts secrets) and are
 * also collected unredacted in the result. The exit code and signal are
 * returned as the child reported them, and callers decide what they mean.
 * Rejects only when the command cannot start (for example ENOENT) or the
 * cancellation has already fired.
 */
export function runCommand(
  cmd: string,
  args: string[],
  opts: RunCommandOptions = {},
): Promise<CommandResult> {
  opts.cancellation?.throwIfCancelled()
  const logger = opts.logger
  const echo = opts.echo ?? true
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS
  checkDuration('timeoutMs', opts.timeoutMs)
  checkDuration('graceMs', graceMs)
  const label = opts.label ?? cmd
  logger?.info(`Running: ${formatCommand(cmd, args)}`)

  return new Promise<CommandResult>((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      shell: false,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    opts.cancellation?.trackChild(child)

    const stdout: string[] = []
    const stderr: string[] = []
    const log = echo ? (line: string) => logger?.info(line) : undefined
    collectLines(child.stdout, stdout, log)
    collectLines(child.stderr, stderr, log)
    writeInput(child, opts.input, logger)

    let timedOut = false
    const timers: NodeJS.Timeout[] = []
    if (opts.timeoutMs !== undefined) {
      const timeoutMs = opts.timeoutMs
      timers.push(
        setTimeout(() => {
          timedOut = true
          logger?.warning(
            `${label} timed out after ${formatDuration(timeoutMs)}; sending SIGINT, then SIGTERM and SIGKILL ${formatDuration(graceMs)} apart`,
          )
          escalate(child, ['SIGINT', 'SIGTERM', 'SIGKILL'], graceMs, timers)
        }, timeoutMs),
      )
    }

    let settled = false
    child.once('error', (error) => {
      if (settled) return
      settled = true
      timers.forEach(clearTimeout)
      reject(
        new Error(describeStartFailure(cmd, opts.cwd, error), { cause: error }),
      )
    })
    child.once('close', (exitCode, signal) => {
      if (settled) return
      settled = true
      timers.forEach(clearTimeout)
      logger?.info(`${label} ended with ${describeEnd(exitCode, signal)}`)
      resolve({
        exitCode,
        signal,
        stdout: stdout.join(''),
        stderr: stderr.join(''),
        timedOut,
      })
    })
  })
}

function describeStartFailure(
  cmd: string,
  cwd: string | undefined,
  error: NodeJS.ErrnoException,
): string {
  if (error.code === 'ENOENT') {
    const where =
      cwd === undefined ? '' : ` or the directory ${cwd} does not exist`
    return `Failed to start ${cmd}: ENOENT, the command is not installed or not on PATH${where}`
  }
  if (error.code === 'EACCES') {
    return `Failed to start ${cmd}: EACCES, the file is not executable by this user`
  }
  return `Failed to start ${cmd}: ${errorMessage(error)}`
}

/** Describes how a command ended: 'exit code 2' or 'signal SIGTERM'. */
export function describeEnd(
  exitCode: number | null,
  signal: NodeJS.Signals | null,
): string {
  if (signal !== null) return `signal ${signal}`
  return `exit code ${exitCode}`
}

/** Formats a command line for logs, quoting arguments that need it. */
export function formatCommand(cmd: string, args: string[]): string {
  return [cmd, ...args].map(quoteArgument).join(' ')
}

function quoteArgument(arg: string): string {
  if (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg)) return arg
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

function checkDuration(name: string, value: number | undefined): void {
  if (value === undefined) return
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `runCommand: ${name} must be a finite number of ms >= 0, got ${value}`,
    )
  }
}

/**
 * Sends the first signal now and each next one `graceMs` later, as long as
 * the child is still running.
 */
function escalate(
  child: ChildProcess,
  signals: NodeJS.Signals[],
  graceMs: number,
  timers: NodeJS.Timeout[],
): void {
  const [signal, ...rest] = signals
  if (signal === undefined || child.exitCode !== null || child.signalCode) {
    return
  }
  child.kill(signal)
  if (rest.length > 0) {
    timers.push(
      setTimeout(() => escalate(child, rest, graceMs, timers), graceMs),
    )
  }
}

/**
 * Collects a stream's text and passes each complete line to `log`. A last
 * line without a newline is passed when the stream ends.
 */
function collectLines(
  stream: NodeJS.ReadableStream | null,
  chunks: string[],
  log: ((line: string) => void) | undefined,
): void {
  if (stream === null) return
  stream.setEncoding('utf8')
  let partial = ''
  stream.on('data', (chunk: string) => {
    chunks.push(chunk)
    if (log === undefined) return
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) log(line.replace(/\r$/, ''))
  })
  stream.on('end', () => {
    if (log !== undefined && partial !== '') log(partial.replace(/\r$/, ''))
    partial = ''
  })
}

function writeInput(
  child: ChildProcess,
  input: string | undefined,
  logger: Logger | undefined,
): void {
  if (input === undefined || child.stdin === null) return
  // A child that exits without reading its input makes the write fail with
  // EPIPE. The caller learns what happened from the child's exit code.
  child.stdin.on('error', (error) => {
    logger?.debug(`Writing stdin failed: ${errorMessage(error)}`)
  })
  child.stdin.end(input)
}
