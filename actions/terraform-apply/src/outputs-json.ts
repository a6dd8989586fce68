/**
 * Strict parse of `terraform output -json`: one JSON object whose values
 * each hold `sensitive`, `type` and `value`. Text that the CLI prints
 * around the object (warnings, notices) is returned separately, to be
 * logged and never passed on.
 */
import { isObject } from './plan-json.js'

export interface RootOutput {
  sensitive: boolean
  type: unknown
  value: unknown
}

export interface ParsedOutputs {
  outputs: Record<string, RootOutput>
  /** Lines printed before or after the JSON document. */
  surrounding: string[]
}

/** Parses the standard output of `terraform output -json`; throws when it contains no valid document. */
export function parseOutputsJson(stdout: string): ParsedOutputs {
  const lines = stdout.split(/\r?\n/)
  const start = lines.findIndex((line) => line.startsWith('{'))
  let end = -1
  for (let index = lines.length - 1; index >= start && start >= 0; index -= 1) {
    const line = lines[index] ?? ''
    if (
      line.startsWith('}') ||
      (index === start && line.trimEnd().endsWith('}'))
    ) {
      end = index
      break
    }
  }
  if (start < 0 || end < 0) {
    throw new Error(
      'terraform output -json printed no JSON object. Its output is in the log above.',
    )
  }
  const documentText = lines.slice(start, end + 1).join('\n')
  let parsed: unknown
  try {
    parsed = JSON.parse(documentText)
  } catch (error) {
    throw new Error(
      `terraform output -json printed invalid JSON: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    )
  }
  if (!isObject(parsed)) {
    throw new Error('terraform output -json printed JSON that is not an object')
  }
  const outputs: Record<string, RootOutput> = {}
  for (const [name, entry] of Object.entries(parsed)) {
    if (
      !isObject(entry) ||
      typeof entry.sensitive !== 'boolean' ||
      !('value' in entry)
    ) {
      throw new Error(
        `terraform output -json gave output '${name}' without a boolean 'sensitive' and a 'value'`,
      )
    }
    outputs[name] = {
      sensitive: entry.sensitive,
      type: entry.type,
      value: entry.value,
    }
  }
  const surrounding = [
    ...lines.slice(0, start),
    ...lines.slice(end + 1),
  ].filter((line) => line.trim() !== '')
  return { outputs, surrounding }
}

/** Text of an output value as a step output: strings as they are, other values as JSON. */
export function outputText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Collects every string inside a value, for masking sensitive outputs piece by piece. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (typeof value === 'number' || typeof value === 'boolean') {
    return [String(value)]
  }
  if (Array.isArray(value)) return value.flatMap(stringsIn)
  if (isObject(value)) return Object.values(value).flatMap(stringsIn)
  return []
}
