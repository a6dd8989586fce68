/**
 * Renders a JSON plan as Markdown for the job summary, the plan artifact and
 * the pull-request comment: counts by action and resource type (replacements
 * highlighted), then each change with its changed attributes. Sensitive
 * values, attributes with secret-looking names and registered secrets are
 * redacted.
 */
import { isSecretName, redact } from '../../../common/masking.js'
import { escapeCell } from '../../../common/summary.js'
import { maskValue, SENSITIVE_MARKER } from './plan-hash.js'
import {
  changeKind,
  countChanges,
  isObject,
  isRealChange,
  type ChangeKind,
  type PlanJson,
  type ResourceChange,
} from './plan-json.js'

export const REDACTED = '(redacted)'

/** Maximum length of a value shown for one attribute. */
const VALUE_WIDTH = 80

/** Words that make an attribute name secret-looking wherever they stand. */
const SECRET_WORDS = new Set(['password', 'passwd', 'secret', 'token'])

/** Last words that name facts about a secret rather than the secret itself. */
const METADATA_WORDS = new Set([
  'arn',
  'arns',
  'id',
  'ids',
  'name',
  'names',
  'length',
  'file',
  'path',
  'url',
  'version',
  'count',
  'expiry',
  'expires',
])

const KIND_LABEL: Record<ChangeKind, string> = {
  add: 'create',
  change: 'update in place',
  replace: '**replace** ⚠️',
  destroy: 'destroy',
  read: 'read',
}

const KIND_ORDER: ChangeKind[] = ['replace', 'destroy', 'change', 'add', 'read']

/** Tells whether an attribute name looks like it contains a secret. */
export function isSecretLookingKey(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '')
  const last = words[words.length - 1]
  if (last === undefined || METADATA_WORDS.has(last)) return false
  if (isSecretName(name)) return true
  return last === 'key' || words.some((word) => SECRET_WORDS.has(word))
}

/** Replaces the values under secret-looking keys, at any depth, by REDACTED. */
export function redactSecretKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecretKeys)
  if (isObject(value)) {
    const result: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      result[key] =
        isSecretLookingKey(key) && item !== null && item !== SENSITIVE_MARKER
          ? REDACTED
          : redactSecretKeys(item)
    }
    return result
  }
  return value
}

export interface RenderOptions {
  title?: string
  planHash?: string
}

/** Renders the plan as Markdown, redacted. */
export function renderPlan(plan: PlanJson, opts: RenderOptions = {}): string {
  const counts = countChanges(plan)
  const resources = (plan.resource_changes ?? []).filter((resource) =>
    isRealChange(resource.change),
  )
  const outputs = Object.entries(plan.output_changes ?? {}).filter(
    ([, change]) => isRealChange(change),
  )
  const lines: string[] = [`### ${opts.title ?? 'Terraform plan'}`, '']
  if (resources.length === 0 && outputs.length === 0) {
    lines.push('No changes. The infrastructure matches the configuration.')
  } else {
    lines.push(
      `**${counts.add} to add, ${counts.change} to change, ${counts.replace} to replace, ${counts.destroy} to destroy.**`,
    )
  }
  if (opts.planHash !== undefined) {
    lines.push('', `Plan hash: \`${opts.planHash}\``)
  }

  if (resources.length > 0) {
    lines.push('', '| Action | Resource type | Count |', '| --- | --- | --- |')
    for (const [kind, type, count] of countByType(resources)) {
      lines.push(`| ${KIND_LABEL[kind]} | ${escapeCell(type)} | ${count} |`)
    }
    lines.push(
      '',
      '| Action | Address | Changed attributes |',
      '| --- | --- | --- |',
    )
    for (const resource of sortResources(resources)) {
      const kind = changeKind(resource.change.actions) ?? 'change'
      lines.push(
        `| ${KIND_LABEL[kind]} | ${escapeCell(resource.address)} | ${describeAttributes(resource)} |`,
      )
    }
  }
  if (outputs.length > 0) {
    lines.push('', '| Output | Action | Value after |', '| --- | --- | --- |')
    for (const [name, change] of outputs.sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      const kind = changeKind(change.actions) ?? 'change'
      const after = redactSecretKeys(
        isSecretLookingKey(name)
          ? REDACTED
          : maskValue(
              change.after,
              change.after_sensitive,
              change.after_unknown,
            ),
      )
      lines.push(
        `| ${escapeCell(name)} | ${KIND_LABEL[kind]} | ${escapeCell(showValue(kind === 'destroy' ? null : after))} |`,
      )
    }
  }
  return redact(lines.join('\n'))
}

function countByType(
  resources: ResourceChange[],
): Array<[ChangeKind, string, number]> {
  const counts = new Map<string, number>()
  for (const resource of resources) {
    const kind = changeKind(resource.change.actions) ?? 'change'
    const key = `${kind}\u0000${resource.type}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return [...counts]
    .map(([key, count]) => {
      const [kind, type] = key.split('\u0000') as [ChangeKind, string]
      return [kind, type, count] as [ChangeKind, string, number]
    })
    .sort(
      (a, b) =>
        KIND_ORDER.indexOf(a[0]) - KIND_ORDER.indexOf(b[0]) ||
        a[1].localeCompare(b[1]),
    )
}

function sortResources(resources: ResourceChange[]): ResourceChange[] {
  const rank = (resource: ResourceChange) =>
    KIND_ORDER.indexOf(changeKind(resource.change.actions) ?? 'change')
  return [...resources].sort(
    (a, b) => rank(a) - rank(b) || a.address.localeCompare(b.address),
  )
}

/** Lists changed top-level attributes as `name: before → after`, redacted. */
function describeAttributes(resource: ResourceChange): string {
  const { change } = resource
  const before = redactSecretKeys(
    maskValue(change.before, change.before_sensitive, undefined),
  )
  const after = redactSecretKeys(
    maskValue(change.after, change.after_sensitive, change.after_unknown),
  )
  const beforeObject = isObject(before) ? before : {}
  const afterObject = isObject(after) ? after : {}
  const rawBefore = isObject(change.before) ? change.before : {}
  const rawAfter = isObject(change.after) ? change.after : {}
  const kind = changeKind(change.actions)
  if (kind === 'destroy') return ''
  const parts: string[] = []
  for (const name of Object.keys(afterObject).sort()) {
    const newValue = afterObject[name]
    const oldValue = beforeObject[name]
    if (kind === 'add' && (newValue === null || isEmpty(newValue))) continue
    // Whether a value changed is decided on the real values, so that a
    // changed sensitive value shows up, as '(sensitive)'.
    const same =
      JSON.stringify(rawBefore[name]) === JSON.stringify(rawAfter[name]) &&
      JSON.stringify(oldValue) === JSON.stringify(newValue)
    if (kind !== 'add' && same) continue
    parts.push(
      kind === 'add'
        ? `${name}: ${showValue(newValue)}`
        : `${name}: ${showValue(oldValue)} → ${showValue(newValue)}`,
    )
  }
  return escapeCell(parts.join('\n'))
}

function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0
  if (isObject(value)) return Object.keys(value).length === 0
  return false
}

function showValue(value: unknown): string {
  const text =
    typeof value === 'string'
      ? JSON.stringify(value)
      : JSON.stringify(value ?? null)
  return text.length > VALUE_WIDTH ? `${text.slice(0, VALUE_WIDTH - 1)}…` : text
}

/** Cuts Markdown to at most `max` characters at a line break, saying so. */
export function cutToFit(markdown: string, max: number): string {
  if (markdown.length <= max) return markdown
  const note =
    '\n\n_The plan rendering was cut to fit; the job summary has all of it._'
  const room = Math.max(0, max - note.length)
  const cut = markdown.lastIndexOf('\n', room)
  return `${markdown.slice(0, cut > 0 ? cut : room)}${note}`
}

/**
 * Strings in the plan that must never be shown: values marked sensitive
 * and values under secret-looking keys, before and after, in resource and
 * output changes. The caller registers them as secrets before printing
 * Terraform's own output.
 */
export function secretValues(plan: PlanJson): string[] {
  const found = new Set<string>()
  const collect = (value: unknown, marks: unknown, secret: boolean): void => {
    if (marks === true || secret) {
      for (const text of leafStrings(value)) found.add(text)
      return
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) =>
        collect(item, Array.isArray(marks) ? marks[index] : undefined, false),
      )
      return
    }
    if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        collect(
          item,
          isObject(marks) ? marks[key] : undefined,
          isSecretLookingKey(key),
        )
      }
    }
  }
  for (const resource of plan.resource_changes ?? []) {
    const { change } = resource
    collect(change.before, change.before_sensitive, false)
    collect(change.after, change.after_sensitive, false)
  }
  for (const [name, change] of Object.entries(plan.output_changes ?? {})) {
    const secret = isSecretLookingKey(name)
    collect(change.before, change.before_sensitive, secret)
    collect(change.after, change.after_sensitive, secret)
  }
  return [...found]
}

function leafStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (typeof value === 'number') return [String(value)]
  if (Array.isArray(value)) return value.flatMap(leafStrings)
  if (isObject(value)) return Object.values(value).flatMap(leafStrings)
  return []
}
