/**
 * The parts of `terraform show -json <plan>` that this action reads, and a
 * checked parse of that document.
 */

export type ChangeAction = 'no-op' | 'create' | 'read' | 'update' | 'delete'

export interface Change {
  actions: ChangeAction[]
  before?: unknown
  after?: unknown
  after_unknown?: unknown
  before_sensitive?: unknown
  after_sensitive?: unknown
}

export interface ResourceChange {
  address: string
  mode?: string
  type: string
  name?: string
  change: Change
  action_reason?: string
}

export interface PlanJson {
  format_version?: string
  terraform_version?: string
  resource_changes?: ResourceChange[]
  output_changes?: Record<string, Change>
  [key: string]: unknown
}

/** Parses the JSON plan, checking the shape of the fields used here. */
export function parsePlanJson(text: string): PlanJson {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new Error(
      `terraform show -json printed no valid JSON plan: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    )
  }
  if (!isObject(parsed)) {
    throw new Error('terraform show -json printed no JSON object')
  }
  const resourceChanges = parsed.resource_changes
  if (resourceChanges !== undefined) {
    if (!Array.isArray(resourceChanges)) {
      throw new Error('Invalid JSON plan: resource_changes is not a list')
    }
    for (const change of resourceChanges) {
      if (
        !isObject(change) ||
        typeof change.address !== 'string' ||
        typeof change.type !== 'string' ||
        !isChange(change.change)
      ) {
        throw new Error(
          'The JSON plan has a resource change without address, type or actions',
        )
      }
    }
  }
  const outputChanges = parsed.output_changes
  if (outputChanges !== undefined) {
    if (!isObject(outputChanges)) {
      throw new Error('Invalid JSON plan: output_changes is not an object')
    }
    for (const change of Object.values(outputChanges)) {
      if (!isChange(change)) {
        throw new Error('The JSON plan has an output change without actions')
      }
    }
  }
  return parsed as PlanJson
}

function isChange(value: unknown): value is Change {
  return (
    isObject(value) &&
    Array.isArray(value.actions) &&
    value.actions.every((action) => typeof action === 'string')
  )
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Tells whether a change does something (anything but a no-op). */
export function isRealChange(change: Change): boolean {
  return !(change.actions.length === 1 && change.actions[0] === 'no-op')
}

export type ChangeKind = 'add' | 'change' | 'replace' | 'destroy' | 'read'

/** Classifies a change's action list as the plan summary line does. */
export function changeKind(actions: ChangeAction[]): ChangeKind | undefined {
  const has = (action: ChangeAction) => actions.includes(action)
  if (has('create') && has('delete')) return 'replace'
  if (has('create')) return 'add'
  if (has('delete')) return 'destroy'
  if (has('update')) return 'change'
  if (has('read')) return 'read'
  return undefined
}

export interface ChangeCounts {
  add: number
  change: number
  replace: number
  destroy: number
}

/** Counts managed resources by kind of change; data source reads are not counted. */
export function countChanges(plan: PlanJson): ChangeCounts {
  const counts: ChangeCounts = { add: 0, change: 0, replace: 0, destroy: 0 }
  for (const resource of plan.resource_changes ?? []) {
    const kind = changeKind(resource.change.actions)
    if (kind !== undefined && kind !== 'read') counts[kind] += 1
  }
  return counts
}
