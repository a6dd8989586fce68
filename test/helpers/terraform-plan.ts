// Reading `terraform show -json` plans: the resources of the planned state
// and the changes between the prior state and the plan.

/** The parts of Terraform's JSON plan format (format_version 1.x) the tests read. */
export interface PlanJson {
  format_version: string
  planned_values?: { root_module: ModuleValues }
  prior_state?: { values?: { root_module: ModuleValues } }
  resource_changes?: ResourceChange[]
}

export interface ModuleValues {
  address?: string
  resources?: ResourceValues[]
  child_modules?: ModuleValues[]
}

export interface ResourceValues {
  address: string
  mode: 'managed' | 'data'
  type: string
  name: string
  index?: string | number
  values: Record<string, unknown>
}

export type ChangeAction = 'no-op' | 'create' | 'read' | 'update' | 'delete'

export interface ResourceChange {
  address: string
  module_address?: string
  mode: 'managed' | 'data'
  type: string
  name: string
  change: {
    actions: ChangeAction[]
    before: Record<string, unknown> | null
    after: Record<string, unknown> | null
    after_unknown?: Record<string, unknown>
  }
  action_reason?: string
}

/** Every managed resource of the planned state, child modules included. */
export function plannedResources(plan: PlanJson): ResourceValues[] {
  const root = plan.planned_values?.root_module
  return root ? moduleResources(root).filter((r) => r.mode === 'managed') : []
}

function moduleResources(module: ModuleValues): ResourceValues[] {
  return [
    ...(module.resources ?? []),
    ...(module.child_modules ?? []).flatMap(moduleResources),
  ]
}

/** Resource changes other than no-ops and data source reads. */
export function pendingChanges(plan: PlanJson): ResourceChange[] {
  return (plan.resource_changes ?? []).filter(
    (change) =>
      change.mode === 'managed' &&
      !(
        change.change.actions.length === 1 &&
        change.change.actions[0] === 'no-op'
      ),
  )
}

/**
 * Top-level attributes whose value differs between before and after, or
 * whose new value is unknown until apply.
 */
export function changedAttributes(change: ResourceChange): string[] {
  const before = change.change.before ?? {}
  const after = change.change.after ?? {}
  const unknown = change.change.after_unknown ?? {}
  const names = new Set([...Object.keys(before), ...Object.keys(after)])
  return [...names]
    .filter(
      (name) =>
        !isDeepEqual(before[name], after[name]) || containsTrue(unknown[name]),
    )
    .sort()
}

/** Whether an after_unknown entry marks anything as unknown. */
export function containsTrue(value: unknown): boolean {
  if (value === true) return true
  if (Array.isArray(value)) return value.some(containsTrue)
  if (value !== null && typeof value === 'object') {
    return Object.values(value).some(containsTrue)
  }
  return false
}

/** Structural equality of JSON values; arrays compare in order. */
export function isDeepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) {
    return (
      a.length === b.length && a.every((item, i) => isDeepEqual(item, b[i]))
    )
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    return [...keys].every((key) => isDeepEqual(a[key], b[key]))
  }
  return false
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** A short account of one change, for failure messages. */
export function describeChange(change: ResourceChange): string {
  const attributes = changedAttributes(change)
  const detail = attributes
    .map((name) => {
      const before = JSON.stringify(change.change.before?.[name])
      const unknown = containsTrue(change.change.after_unknown?.[name])
      const after = unknown
        ? '(known after apply)'
        : JSON.stringify(change.change.after?.[name])
      return `    ${name}: ${truncate(before)} -> ${truncate(after)}`
    })
    .join('\n')
  const reason = change.action_reason ? ` (${change.action_reason})` : ''
  return `  ${change.address} [${change.change.actions.join(', ')}]${reason}\n${detail}`
}

function truncate(text: string | undefined): string {
  const value = text ?? 'undefined'
  return value.length > 300 ? `${value.slice(0, 300)}...` : value
}
