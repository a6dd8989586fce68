/**
 * Builds the generated part of a Terraform module's README: requirements,
 * resources, inputs and outputs, read from the module's `.tf` files.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { HclBlock, HclItem } from './hcl.js'
import { attribute, blocks, parseHcl, stringValue } from './hcl.js'

export const BEGIN_MARKER = '<!-- BEGIN_TF_DOCS -->'
export const END_MARKER = '<!-- END_TF_DOCS -->'

export interface ModuleInput {
  name: string
  description: string
  type: string
  /** Source text of the default, or undefined for a required input. */
  default: string | undefined
  validations: number
}

export interface ModuleOutput {
  name: string
  description: string
  sensitive: boolean
}

export interface ModuleDocs {
  requirements: { name: string; version: string }[]
  resources: {
    address: string
    kind: 'resource' | 'data source' | 'ephemeral resource'
  }[]
  inputs: ModuleInput[]
  outputs: ModuleOutput[]
}

/** Reads every `.tf` file of a module folder (not its subfolders) into docs. */
export function readModule(dir: string): ModuleDocs {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.tf'))
    .sort()
  const items: HclItem[] = []
  for (const name of files) {
    const path = join(dir, name)
    items.push(...parseHcl(readFileSync(path, 'utf8'), path))
  }
  return describeModule(items)
}

/** Collects the documented parts of a module from its parsed top-level items. */
export function describeModule(items: HclItem[]): ModuleDocs {
  const docs: ModuleDocs = {
    requirements: [],
    resources: [],
    inputs: [],
    outputs: [],
  }
  for (const terraform of blocks(items, 'terraform')) {
    const version = attribute(terraform.body, 'required_version')
    if (version) {
      docs.requirements.push({
        name: 'terraform',
        version: stringValue(version.expression) ?? version.expression,
      })
    }
    for (const providers of blocks(terraform.body, 'required_providers')) {
      for (const provider of providers.body) {
        if (provider.kind !== 'attribute') continue
        const match = /version\s*=\s*("(?:[^"\\]|\\.)*")/.exec(
          provider.expression,
        )
        const version = match?.[1] ? stringValue(match[1]) : undefined
        docs.requirements.push({ name: provider.name, version: version ?? '' })
      }
    }
  }
  const kinds = {
    resource: 'resource',
    data: 'data source',
    ephemeral: 'ephemeral resource',
  } as const
  for (const [type, kind] of Object.entries(kinds)) {
    for (const block of blocks(items, type)) {
      const address = block.labels.join('.')
      docs.resources.push({ address, kind })
    }
  }
  docs.resources.sort((a, b) => compare(a.address, b.address))
  for (const block of blocks(items, 'variable'))
    docs.inputs.push(toInput(block))
  for (const block of blocks(items, 'output'))
    docs.outputs.push(toOutput(block))
  docs.inputs.sort((a, b) => compareInputs(a, b))
  docs.outputs.sort((a, b) => compare(a.name, b.name))
  return docs
}

function toInput(block: HclBlock): ModuleInput {
  const name = block.labels[0] ?? ''
  const type = attribute(block.body, 'type')?.expression ?? 'any'
  const fallback = attribute(block.body, 'default')?.expression
  return {
    name,
    description: describe(block),
    type,
    default: fallback,
    validations: blocks(block.body, 'validation').length,
  }
}

function toOutput(block: HclBlock): ModuleOutput {
  const sensitive = attribute(block.body, 'sensitive')?.expression === 'true'
  return {
    name: block.labels[0] ?? '',
    description: describe(block),
    sensitive,
  }
}

function describe(block: HclBlock): string {
  const description = attribute(block.body, 'description')
  if (!description) return ''
  return (stringValue(description.expression) ?? description.expression).trim()
}

/** Required inputs first, then by name, as terraform-docs orders them. */
function compareInputs(a: ModuleInput, b: ModuleInput): number {
  const required =
    Number(b.default === undefined) - Number(a.default === undefined)
  return required !== 0 ? required : compare(a.name, b.name)
}

function compare(a: string, b: string): number {
  if (a === b) return 0
  return a < b ? -1 : 1
}

/** Renders the generated README section, markers included. */
export function renderDocs(docs: ModuleDocs): string {
  const lines: string[] = [BEGIN_MARKER, '']

  lines.push('## Requirements', '')
  lines.push('| Name | Version |', '|------|---------|')
  for (const requirement of docs.requirements) {
    lines.push(`| ${requirement.name} | ${cell(requirement.version)} |`)
  }

  lines.push('', '## Resources', '')
  lines.push('| Name | Type |', '|------|------|')
  for (const resource of docs.resources) {
    lines.push(`| \`${resource.address}\` | ${resource.kind} |`)
  }

  lines.push('', '## Inputs', '')
  lines.push(
    '| Name | Description | Type | Default | Required |',
    '|------|-------------|------|---------|:--------:|',
  )
  for (const input of docs.inputs) {
    const required = input.default === undefined
    const fallback = required ? 'n/a' : code(input.default ?? '')
    lines.push(
      `| <a name="input_${input.name}"></a> [${input.name}](#input_${input.name}) | ${cell(input.description)} | ${code(input.type)} | ${fallback} | ${required ? 'yes' : 'no'} |`,
    )
  }

  lines.push('', '## Outputs', '')
  lines.push('| Name | Description |', '|------|-------------|')
  for (const output of docs.outputs) {
    const note = output.sensitive ? ' (sensitive)' : ''
    lines.push(
      `| <a name="output_${output.name}"></a> [${output.name}](#output_${output.name}) | ${cell(output.description)}${note} |`,
    )
  }
  lines.push('', END_MARKER)
  return lines.join('\n')
}

/** Text for a table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|')
}

/** Formats an expression as code: inline when it fits one line, a `<pre>` block otherwise. */
function code(expression: string): string {
  const lines = dedent(expression.split(/\r?\n/))
  if (lines.length === 1) return `\`${(lines[0] ?? '').replace(/\|/g, '\\|')}\``
  const html = lines.map((line) =>
    line
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/\|/g, '&#124;'),
  )
  return `<pre>${html.join('<br>')}</pre>`
}

/** Removes the indentation that all lines after the first share. */
function dedent(lines: string[]): string[] {
  const rest = lines.slice(1).filter((line) => line.trim() !== '')
  const indents = rest.map((line) => /^ */.exec(line)?.[0].length ?? 0)
  const strip = indents.length > 0 ? Math.min(...indents) : 0
  return lines.map((line, index) => (index === 0 ? line : line.slice(strip)))
}

/**
 * Returns the README text with its generated section replaced, or throws
 * when the markers are missing or out of order.
 */
export function replaceDocs(readme: string, generated: string): string {
  const begin = readme.indexOf(BEGIN_MARKER)
  const end = readme.indexOf(END_MARKER)
  if (begin === -1 || end === -1 || end < begin) {
    throw new Error(
      `missing ${BEGIN_MARKER} and ${END_MARKER} markers (in that order); add both on lines of their own where the generated tables belong`,
    )
  }
  return (
    readme.slice(0, begin) + generated + readme.slice(end + END_MARKER.length)
  )
}
