// Workflow commands: the command files a step writes (GITHUB_OUTPUT,
// GITHUB_ENV, GITHUB_PATH, GITHUB_STATE, GITHUB_STEP_SUMMARY) and the
// `::name key=value::message` lines it prints on stdout.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { parseCommandFile } from '../../common/outputs.js'

export interface CommandFiles {
  GITHUB_OUTPUT: string
  GITHUB_ENV: string
  GITHUB_PATH: string
  GITHUB_STATE: string
  GITHUB_STEP_SUMMARY: string
}

export interface CommandFileContents {
  outputs: Record<string, string>
  env: Record<string, string>
  path: string[]
  state: Record<string, string>
  summary: string
}

/** Creates a fresh, empty set of command files for one step under `dir`. */
export function createCommandFiles(dir: string): CommandFiles {
  const folder = join(dir, `_runner_file_commands`, randomUUID())
  mkdirSync(folder, { recursive: true })
  const files: CommandFiles = {
    GITHUB_OUTPUT: join(folder, 'output'),
    GITHUB_ENV: join(folder, 'env'),
    GITHUB_PATH: join(folder, 'path'),
    GITHUB_STATE: join(folder, 'state'),
    GITHUB_STEP_SUMMARY: join(folder, 'step_summary'),
  }
  for (const file of Object.values(files)) writeFileSync(file, '')
  return files
}

/**
 * Reads what a step wrote to its command files. Throws with the file's
 * variable name when one is not in the name=value or heredoc format.
 */
export function readCommandFiles(files: CommandFiles): CommandFileContents {
  const parse = (variable: keyof CommandFiles): Record<string, string> => {
    try {
      return parseCommandFile(readFileSync(files[variable], 'utf8'))
    } catch (error) {
      throw new Error(
        `${variable}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      )
    }
  }
  return {
    outputs: parse('GITHUB_OUTPUT'),
    env: parse('GITHUB_ENV'),
    state: parse('GITHUB_STATE'),
    path: readFileSync(files.GITHUB_PATH, 'utf8')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
  }
}

export interface WorkflowCommand {
  name: string
  properties: Record<string, string>
  message: string
}

const COMMAND = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/

function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',')
}

/** Parses a `::name key=value,...::message` line, or returns undefined for any other line. */
export function parseWorkflowCommand(
  line: string,
): WorkflowCommand | undefined {
  const match = COMMAND.exec(line.trimStart())
  if (match === null) return undefined
  const properties: Record<string, string> = {}
  for (const pair of (match[2] ?? '').split(',')) {
    const equals = pair.indexOf('=')
    if (equals <= 0) continue
    properties[pair.slice(0, equals).trim()] = unescapeProperty(
      pair.slice(equals + 1),
    )
  }
  return {
    name: (match[1] as string).toLowerCase(),
    properties,
    message: unescapeData(match[3] ?? ''),
  }
}
