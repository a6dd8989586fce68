// The workflow_call inputs and secrets of a run, checked against the
// workflow's declarations.
import type { WorkflowCallConfig } from '@actions/workflow-parser/model/workflow-template'
import { evaluateToken, type Contexts } from './expressions.js'
import type { InputValue } from './types.js'
import type { CallInput } from './workflow.js'

// The value of an optional input without a default, by type.
const EMPTY_VALUES: Record<CallInput['type'], InputValue> = {
  string: '',
  number: 0,
  boolean: false,
}

function convert(name: string, type: string, value: unknown): InputValue {
  switch (type) {
    case 'number': {
      const number =
        typeof value === 'number' ? value : Number(String(value).trim())
      if (String(value).trim() === '' || !Number.isFinite(number)) {
        throw new Error(
          `Input '${name}' is '${String(value)}', not a number; pass a number such as 900`,
        )
      }
      return number
    }
    case 'boolean':
      if (value === true || value === 'true') return true
      if (value === false || value === 'false') return false
      throw new Error(
        `Input '${name}' is '${String(value)}', not a boolean; pass true or false`,
      )
    default:
      return typeof value === 'string' ? value : String(value)
  }
}

/**
 * Returns the `inputs` context: each declared input from `provided`, else its
 * default, converted to its declared type. Throws for an undeclared input,
 * a missing required input and a value of the wrong type.
 */
export function resolveCallInputs(
  declared: Record<string, CallInput>,
  provided: Record<string, InputValue>,
  contexts: Contexts,
): Record<string, InputValue> {
  const unknown = Object.keys(provided).filter((name) => !(name in declared))
  if (unknown.length > 0) {
    throw new Error(
      `The workflow declares no input ${unknown.map((name) => `'${name}'`).join(', ')}; declared inputs: ${Object.keys(declared).join(', ')}`,
    )
  }
  const inputs: Record<string, InputValue> = {}
  for (const [name, config] of Object.entries(declared)) {
    const type = config.type
    if (name in provided) {
      inputs[name] = convert(name, type, provided[name])
      continue
    }
    if (config.required) {
      throw new Error(`Input '${name}' is required; pass it in inputs`)
    }
    const fallback = config.default
    if (fallback === undefined) {
      inputs[name] = EMPTY_VALUES[type]
      continue
    }
    inputs[name] = convert(name, type, evaluateToken(fallback, contexts) ?? '')
  }
  return inputs
}

/** Returns the `secrets` context. Throws for an undeclared secret and a missing required one. */
export function resolveCallSecrets(
  call: WorkflowCallConfig,
  provided: Record<string, string>,
): Record<string, string> {
  const declared = call.secrets ?? {}
  const unknown = Object.keys(provided).filter((name) => !(name in declared))
  if (unknown.length > 0) {
    throw new Error(
      `The workflow declares no secret ${unknown.map((name) => `'${name}'`).join(', ')}; declared secrets: ${Object.keys(declared).join(', ') || 'none'}`,
    )
  }
  for (const [name, config] of Object.entries(declared)) {
    if (config.required && !(name in provided)) {
      throw new Error(`Secret '${name}' is required; pass it in secrets`)
    }
  }
  return { ...provided }
}
