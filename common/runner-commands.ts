/**
 * The part of the GitHub Actions runner protocol that the kit's actions
 * speak: workflow commands written to standard output (`::name::message`,
 * with properties as `::name key=value,...::message`) and the step state
 * file named by GITHUB_STATE.
 *
 * It replaces @actions/core in the actions' start-up path, because that
 * package loads an HTTP client with undici on import: about 0.8 MB of
 * bundled code, needed only to request an OIDC token.
 */
import { randomUUID } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { EOL } from 'node:os'

/** Escapes a command's message: '%', CR and LF, which end or break a command line. */
export function escapeCommandData(text: string): string {
  return text.replace(/[%\r\n]/g, (char) => PERCENT_ENCODED[char] as string)
}

/** Escapes a command property value: as a message, and ':' and ',' too. */
export function escapeCommandProperty(text: string): string {
  return text.replace(/[%\r\n:,]/g, (char) => PERCENT_ENCODED[char] as string)
}

const PERCENT_ENCODED: Record<string, string> = {
  '%': '%25',
  '\r': '%0D',
  '\n': '%0A',
  ':': '%3A',
  ',': '%2C',
}

/** Writes one workflow command line; properties with an empty value are left out. */
export function issueCommand(
  name: string,
  message = '',
  properties: Record<string, string | undefined> = {},
): void {
  const pairs = Object.entries(properties)
    .filter((pair): pair is [string, string] => Boolean(pair[1]))
    .map(([key, value]) => `${key}=${escapeCommandProperty(value)}`)
  const head = pairs.length === 0 ? name : `${name} ${pairs.join(',')}`
  process.stdout.write(`::${head}::${escapeCommandData(message)}${EOL}`)
}

/** Writes a plain log line. */
export function info(message: string): void {
  process.stdout.write(`${message}${EOL}`)
}

/** Returns whether step debug logging is on (the runner then sets RUNNER_DEBUG=1). */
export function isDebug(): boolean {
  return process.env.RUNNER_DEBUG === '1'
}

/** Writes a debug line, which the runner shows only with step debug logging on. */
export function debug(message: string): void {
  issueCommand('debug', message)
}

/** Writes a warning annotation. */
export function warning(message: string): void {
  issueCommand('warning', message)
}

/** Writes an error annotation. */
export function error(message: string): void {
  issueCommand('error', message)
}

/** Starts a collapsible group of log lines. */
export function startGroup(title: string): void {
  issueCommand('group', title)
}

/** Ends the current group of log lines. */
export function endGroup(): void {
  issueCommand('endgroup')
}

/** Asks the runner to mask `value` in every later log line. */
export function setSecret(value: string): void {
  issueCommand('add-mask', value)
}

/** Marks the step failed: exit code 1 and an error annotation. */
export function setFailed(message: string): void {
  process.exitCode = 1
  error(message)
}

/**
 * Saves a value for the post step of the same action: appended to the
 * GITHUB_STATE file in the heredoc form, or as a save-state command on a
 * runner too old to set that file.
 */
export function saveState(name: string, value: string): void {
  const file = process.env.GITHUB_STATE
  if (!file) {
    issueCommand('save-state', value, { name })
    return
  }
  let delimiter = `ghadelimiter_${randomUUID()}`
  while (value.includes(delimiter) || name.includes(delimiter)) {
    delimiter = `ghadelimiter_${randomUUID()}`
  }
  appendFileSync(
    file,
    `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`,
    'utf8',
  )
}

/** Reads a value that the main step saved with saveState ('' when none). */
export function getState(name: string): string {
  return process.env[`STATE_${name}`] ?? ''
}
