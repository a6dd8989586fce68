import { randomUUID } from 'node:crypto'
import * as core from './runner-commands.js'
import { redact } from './masking.js'

/** Logger that every module takes as a parameter. All text passes through redact(). */
export interface Logger {
  info(message: string): void
  warning(message: string): void
  error(message: string): void
  debug(message: string): void
  /** Runs fn inside a collapsible log group and ends the group even when fn throws. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>
}

// The runner reads a line that starts with '::' (after white space) as a
// workflow command, and the older '##[name]data' form anywhere in a line.
// Text from outside (command output, service errors) that matches either is
// printed between stop-commands markers, so it cannot set outputs or masks.
const COMMAND_LINE = /^\s*::|##\[/m

function printInfo(message: string): void {
  const text = redact(message)
  if (!COMMAND_LINE.test(text)) {
    core.info(text)
    return
  }
  const token = randomUUID()
  core.info(`::stop-commands::${token}`)
  core.info(text)
  core.info(`::${token}::`)
}

// The runner does not nest groups: a group started inside another one ends
// the outer group. Inner groups are therefore printed as a plain title line.
let groupDepth = 0

/** Logger that writes workflow commands: annotations for warnings and errors, log groups. */
export const actionsLogger: Logger = {
  info: printInfo,
  warning: (message) => core.warning(redact(message)),
  error: (message) => core.error(redact(message)),
  // The runner shows debug lines only when step debug logging is on, and
  // then it sets RUNNER_DEBUG=1. Skipping them otherwise saves one write to
  // the log pipe per line, which adds up for a line per uploaded file.
  debug: (message) => {
    if (core.isDebug()) core.debug(redact(message))
  },
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    if (groupDepth > 0) {
      printInfo(title)
      return fn()
    }
    groupDepth += 1
    core.startGroup(redact(title))
    try {
      return await fn()
    } finally {
      core.endGroup()
      groupDepth -= 1
    }
  },
}

/**
 * Logger for tests that records each message as one entry of `lines`, with
 * a level prefix: 'info: ', 'warning: ', 'error: ', 'debug: ', and
 * 'group: title' / 'endgroup: title' around a group.
 */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  const record = (level: string) => (message: string) => {
    lines.push(`${level}: ${redact(message)}`)
  }
  return {
    lines,
    info: record('info'),
    warning: record('warning'),
    error: record('error'),
    debug: record('debug'),
    async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
      record('group')(title)
      try {
        return await fn()
      } finally {
        record('endgroup')(title)
      }
    },
  }
}
