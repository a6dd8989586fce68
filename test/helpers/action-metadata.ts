import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import type { InputSource } from '../../common/inputs.js'

export const REPOSITORY_ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../..',
)

export interface ActionInput {
  description?: unknown
  required?: unknown
  default?: unknown
}

export interface ActionMetadata {
  name?: unknown
  description?: unknown
  author?: unknown
  branding?: { icon?: unknown; color?: unknown }
  inputs?: Record<string, ActionInput>
  outputs?: Record<string, { description?: unknown }>
  runs?: Record<string, unknown>
}

/** Parses actions/<action>/action.yml. */
export function loadActionMetadata(action: string): ActionMetadata {
  const file = path.join(REPOSITORY_ROOT, 'actions', action, 'action.yml')
  return parse(readFileSync(file, 'utf8')) as ActionMetadata
}

/** Values of the `github` context that the runner would put into `${{ github.* }}` defaults. */
export const TEST_GITHUB_CONTEXT: Record<string, string> = {
  'github.run_id': '4242424242',
  'github.sha': '0123456789abcdef0123456789abcdef01234567',
  'github.token': 'ghs_TestTokenValue0123456789',
  'github.event.pull_request.number': '',
}

export interface DefaultsSource {
  source: InputSource
  /** How often each input was read. */
  reads: Map<string, number>
}

/**
 * Builds an InputSource the way the runner would: the defaults of the
 * action's action.yml, with `${{ github.* }}` expressions replaced from
 * `context`, then `overrides` (undefined removes an input). Naming an input
 * that action.yml does not declare, in an override or in a read, throws.
 */
export function defaultsSource(
  action: string,
  overrides: Record<string, string | undefined> = {},
  context: Record<string, string> = TEST_GITHUB_CONTEXT,
): DefaultsSource {
  const inputs = loadActionMetadata(action).inputs ?? {}
  const values = new Map<string, string>()
  for (const [name, input] of Object.entries(inputs)) {
    if (input.default === undefined || input.default === null) continue
    values.set(name, evaluate(String(input.default), context))
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (!(name in inputs)) {
      throw new Error(`${action}/action.yml declares no input '${name}'`)
    }
    if (value === undefined) values.delete(name)
    else values.set(name, value)
  }

  const reads = new Map<string, number>()
  const source: InputSource = (name) => {
    if (!(name in inputs)) {
      throw new Error(
        `${action} read input '${name}', which action.yml does not declare`,
      )
    }
    reads.set(name, (reads.get(name) ?? 0) + 1)
    return values.get(name)
  }
  return { source, reads }
}

function evaluate(text: string, context: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_match, key: string) => {
    const value = context[key]
    if (value === undefined) {
      throw new Error(`No test value for the expression ${key}`)
    }
    return value
  })
}
