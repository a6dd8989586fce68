// Evaluation of workflow expressions with GitHub's expression library:
// contexts are plain objects converted to the library's data types, and the
// status functions (success, failure, cancelled, always) are supplied per
// evaluation because their meaning depends on where the expression sits.
import { Evaluator, Lexer, Parser, data } from '@actions/expressions'
import type { FunctionDefinition } from '@actions/expressions/funcs/info'
import {
  isBasicExpression,
  isBoolean,
  isMapping,
  isNumber,
  isSequence,
  isString,
} from '@actions/workflow-parser'
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token'

/** Context values by name (github, env, inputs, needs, steps, ...), as plain JSON-like values. */
export type Contexts = Record<string, unknown>

/** The job status that the status functions report. */
export interface StatusState {
  /** success(): no failure so far (and, for a job, every need succeeded). */
  success: boolean
  /** failure(): a step (or an ancestor job) failed. */
  failure: boolean
  /** cancelled(): the run was cancelled. */
  cancelled: boolean
}

/** Converts a plain value to the expression library's data. */
export function toExpressionData(value: unknown): data.ExpressionData {
  if (value === null || value === undefined) return new data.Null()
  if (typeof value === 'string') return new data.StringData(value)
  if (typeof value === 'number') return new data.NumberData(value)
  if (typeof value === 'boolean') return new data.BooleanData(value)
  if (Array.isArray(value)) {
    return new data.Array(...value.map((item) => toExpressionData(item)))
  }
  if (typeof value === 'object') {
    if (isExpressionData(value)) return value
    const dictionary = new data.Dictionary()
    for (const [key, item] of Object.entries(value)) {
      dictionary.add(key, toExpressionData(item))
    }
    return dictionary
  }
  return new data.StringData(String(value))
}

function isExpressionData(value: object): value is data.ExpressionData {
  return (
    value instanceof data.Dictionary ||
    value instanceof data.Array ||
    value instanceof data.StringData ||
    value instanceof data.NumberData ||
    value instanceof data.BooleanData ||
    value instanceof data.Null
  )
}

/** Converts expression data back to a plain value (objects, arrays, primitives, null). */
export function fromExpressionData(value: data.ExpressionData): unknown {
  return JSON.parse(JSON.stringify(value, data.replacer)) as unknown
}

/** Converts a value to the text that a `with:`, `env:` or output receives. */
export function toText(value: data.ExpressionData): string {
  if (value.primitive) return value.coerceString()
  return JSON.stringify(value, data.replacer, 2)
}

function statusFunctions(
  status: StatusState | undefined,
): Map<string, FunctionDefinition> {
  const constant = (name: string, result: () => boolean) =>
    [
      name,
      {
        name,
        minArgs: 0,
        maxArgs: 0,
        call: () => new data.BooleanData(result()),
      },
    ] as const
  const missing = (name: string) => (): boolean => {
    throw new Error(`${name}() is not allowed in this expression`)
  }
  return new Map<string, FunctionDefinition>([
    constant(
      'success',
      status ? () => status.success && !status.cancelled : missing('success'),
    ),
    constant(
      'failure',
      status ? () => status.failure && !status.cancelled : missing('failure'),
    ),
    constant(
      'cancelled',
      status ? () => status.cancelled : missing('cancelled'),
    ),
    constant('always', () => true),
  ])
}

/**
 * Evaluates one expression (the text inside `${{ }}`). Throws an error that
 * names the expression when it does not parse or evaluate.
 */
export function evaluateExpression(
  expression: string,
  contexts: Contexts,
  status?: StatusState,
): data.ExpressionData {
  const functions = statusFunctions(status)
  try {
    const lexed = new Lexer(expression).lex()
    const parser = new Parser(
      lexed.tokens,
      Object.keys(contexts),
      [...functions.values()].map(({ name, minArgs, maxArgs }) => ({
        name,
        minArgs,
        maxArgs,
      })),
    )
    const tree = parser.parse()
    const dictionary = new data.Dictionary()
    for (const [name, value] of Object.entries(contexts)) {
      dictionary.add(name, toExpressionData(value))
    }
    return new Evaluator(tree, dictionary, functions).evaluate()
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`The expression '${expression}' failed: ${reason}`, {
      cause: error,
    })
  }
}

/** Evaluates a condition (`if:`) to a boolean with the expression library's truthiness. */
export function evaluateCondition(
  expression: string,
  contexts: Contexts,
  status: StatusState,
): boolean {
  return truthy(evaluateExpression(expression, contexts, status))
}

function truthy(value: data.ExpressionData): boolean {
  switch (value.kind) {
    case data.Kind.Null:
      return false
    case data.Kind.Boolean:
      return (value as data.BooleanData).value
    case data.Kind.Number: {
      const number = (value as data.NumberData).value
      return number !== 0 && !Number.isNaN(number)
    }
    case data.Kind.String:
      return (value as data.StringData).value !== ''
    default:
      return true
  }
}

/**
 * Evaluates a parsed template token (a scalar, an expression, a mapping or a
 * sequence) to a plain value.
 */
export function evaluateToken(
  token: TemplateToken,
  contexts: Contexts,
  status?: StatusState,
): unknown {
  if (isBasicExpression(token)) {
    return fromExpressionData(
      evaluateExpression(token.expression, contexts, status),
    )
  }
  if (isString(token)) return token.value
  if (isNumber(token)) return token.value
  if (isBoolean(token)) return token.value
  if (isMapping(token)) {
    const result: Record<string, unknown> = {}
    for (const pair of token) {
      result[String(evaluateToken(pair.key, contexts, status))] = evaluateToken(
        pair.value,
        contexts,
        status,
      )
    }
    return result
  }
  if (isSequence(token)) {
    return [...token].map((item) => evaluateToken(item, contexts, status))
  }
  return null
}

/** Evaluates a token to text: scalars as the runner prints them, objects and arrays as JSON. */
export function evaluateTokenText(
  token: TemplateToken,
  contexts: Contexts,
  status?: StatusState,
): string {
  if (isBasicExpression(token)) {
    return toText(evaluateExpression(token.expression, contexts, status))
  }
  const value = evaluateToken(token, contexts, status)
  if (value === null || value === undefined) return ''
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** Evaluates a mapping token (env:, with:, outputs:) to name -> text. */
export function evaluateMappingText(
  token: TemplateToken | undefined,
  contexts: Contexts,
  status?: StatusState,
): Record<string, string> {
  const result: Record<string, string> = {}
  if (token === undefined) return result
  if (!isMapping(token)) {
    const value = evaluateToken(token, contexts, status)
    if (value === null || value === undefined) return result
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new Error(`Expected a mapping, got ${JSON.stringify(value)}`)
    }
    for (const [name, item] of Object.entries(value)) {
      result[name] =
        typeof item === 'object' && item !== null
          ? JSON.stringify(item)
          : String(item ?? '')
    }
    return result
  }
  for (const pair of token) {
    const name = evaluateTokenText(pair.key, contexts, status)
    result[name] = evaluateTokenText(pair.value, contexts, status)
  }
  return result
}
