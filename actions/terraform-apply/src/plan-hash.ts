/**
 * The plan hash: the SHA-256 of a canonical JSON of a plan's resource and
 * output changes. For each change it keeps the address, the actions and the
 * before and after values, with sensitive values replaced by a marker and
 * values unknown until apply by another; object keys are sorted. Timestamps,
 * versions, prior state, configuration and no-op entries are left out, so
 * the same changes planned twice give the same hash.
 */
import { createHash } from 'node:crypto'
import {
  isObject,
  isRealChange,
  type Change,
  type PlanJson,
} from './plan-json.js'

export const SENSITIVE_MARKER = '(sensitive)'
export const UNKNOWN_MARKER = '(known after apply)'

export interface CanonicalChange {
  address: string
  actions: string[]
  before: unknown
  after: unknown
}

export interface CanonicalPlan {
  resource_changes: CanonicalChange[]
  output_changes: CanonicalChange[]
}

/** Builds the document that the plan hash is computed from. */
export function canonicalPlan(plan: PlanJson): CanonicalPlan {
  const resources = (plan.resource_changes ?? [])
    .filter((resource) => isRealChange(resource.change))
    .map((resource) => canonicalChange(resource.address, resource.change))
  const outputs = Object.entries(plan.output_changes ?? {})
    .filter(([, change]) => isRealChange(change))
    .map(([name, change]) => canonicalChange(`output.${name}`, change))
  const byAddress = (a: CanonicalChange, b: CanonicalChange): number => {
    if (a.address < b.address) return -1
    if (a.address > b.address) return 1
    return 0
  }
  return {
    resource_changes: resources.sort(byAddress),
    output_changes: outputs.sort(byAddress),
  }
}

function canonicalChange(address: string, change: Change): CanonicalChange {
  return {
    address,
    actions: [...change.actions],
    before: maskValue(change.before, change.before_sensitive, undefined),
    after: maskValue(
      change.after,
      change.after_sensitive,
      change.after_unknown,
    ),
  }
}

/**
 * Replaces the parts of `value` that `sensitive` marks (true, or a
 * structure of the same shape with true leaves) by SENSITIVE_MARKER, and
 * the parts that `unknown` marks by UNKNOWN_MARKER. Used by the hash and by
 * the rendering.
 */
export function maskValue(
  value: unknown,
  sensitive: unknown,
  unknown: unknown,
): unknown {
  if (sensitive === true) return SENSITIVE_MARKER
  if (unknown === true) return UNKNOWN_MARKER
  if (Array.isArray(value) || Array.isArray(unknown)) {
    const items = Array.isArray(value) ? value : []
    const length = Math.max(
      items.length,
      Array.isArray(unknown) ? unknown.length : 0,
    )
    return Array.from({ length }, (_, index) =>
      maskValue(items[index], pick(sensitive, index), pick(unknown, index)),
    )
  }
  if (isObject(value) || isObject(unknown)) {
    const result: Record<string, unknown> = {}
    const source = isObject(value) ? value : {}
    const keys = new Set([
      ...Object.keys(source),
      ...(isObject(unknown) ? Object.keys(unknown) : []),
    ])
    for (const key of keys) {
      result[key] = maskValue(
        source[key],
        pick(sensitive, key),
        pick(unknown, key),
      )
    }
    return result
  }
  return value === undefined ? null : value
}

function pick(marks: unknown, key: string | number): unknown {
  if (Array.isArray(marks) && typeof key === 'number') return marks[key]
  if (isObject(marks) && typeof key === 'string') return marks[key]
  return undefined
}

/** JSON with object keys sorted at every level and no whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`
  }
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

/** SHA-256 (lowercase hex) of the canonical JSON of the plan's changes. */
export function planHash(plan: PlanJson): string {
  return createHash('sha256')
    .update(canonicalJson(canonicalPlan(plan)))
    .digest('hex')
}
