import { describe, expect, it } from '@jest/globals'
import {
  attribute,
  blocks,
  HclSyntaxError,
  parseHcl,
  stringValue,
} from '../../../scripts/terraform-docs/hcl.js'
import type { HclBlock } from '../../../scripts/terraform-docs/hcl.js'

function only(source: string): HclBlock {
  const items = parseHcl(source)
  const block = items[0]
  if (block?.kind !== 'block') throw new Error('expected one block')
  return block
}

describe('parseHcl', () => {
  it('reads blocks, labels and attributes', () => {
    const block = only(
      'variable "name" {\n  type    = string\n  default = "web"\n}\n',
    )
    expect(block.type).toBe('variable')
    expect(block.labels).toEqual(['name'])
    expect(attribute(block.body, 'type')?.expression).toBe('string')
    expect(attribute(block.body, 'default')?.expression).toBe('"web"')
  })

  it('keeps multi-line expressions whole', () => {
    const block = only(
      'variable "x" {\n  type = object({\n    a = string\n    b = optional(number, 1)\n  })\n  default = {}\n}\n',
    )
    expect(attribute(block.body, 'type')?.expression).toBe(
      'object({\n    a = string\n    b = optional(number, 1)\n  })',
    )
    expect(attribute(block.body, 'default')?.expression).toBe('{}')
  })

  it('ignores braces inside strings and templates', () => {
    const block = only(
      'output "x" {\n  description = "a } brace"\n  value = "${jsonencode({ a = "}" })}"\n}\n',
    )
    expect(attribute(block.body, 'description')?.expression).toBe('"a } brace"')
    expect(attribute(block.body, 'value')?.expression).toBe(
      '"${jsonencode({ a = "}" })}"',
    )
  })

  it('ignores braces inside comments', () => {
    const items = parseHcl(
      '# a { comment\n// another }\n/* and {\n a block } */\nlocals {\n  a = 1 # trailing }\n}\n',
    )
    expect(items).toHaveLength(1)
    expect(attribute((items[0] as HclBlock).body, 'a')?.expression).toBe('1')
  })

  it('reads heredocs with braces inside', () => {
    const block = only(
      'variable "x" {\n  description = <<-EOT\n    Text with { and }.\n      Indented.\n  EOT\n  type = string\n}\n',
    )
    const description = attribute(block.body, 'description')?.expression ?? ''
    expect(stringValue(description)).toBe('Text with { and }.\n  Indented.')
    expect(attribute(block.body, 'type')?.expression).toBe('string')
  })

  it('reads nested and one-line blocks', () => {
    const block = only(
      'variable "x" {\n  validation {\n    condition     = var.x > 0\n    error_message = "Must be positive."\n  }\n  validation { condition = true }\n}\n',
    )
    expect(blocks(block.body, 'validation')).toHaveLength(2)
  })

  it('reports an unclosed block with its line', () => {
    expect(() => parseHcl('locals {\n  a = 1\n', 'main.tf')).toThrow(
      HclSyntaxError,
    )
    expect(() => parseHcl('locals {\n  a = 1\n', 'main.tf')).toThrow(
      /main\.tf:3: missing "}"/,
    )
  })

  it('reports an unterminated string', () => {
    expect(() => parseHcl('locals {\n  a = "open\n}\n', 'x.tf')).toThrow(
      /x\.tf:2: unterminated string/,
    )
  })
})

describe('stringValue', () => {
  it('unescapes a string literal', () => {
    expect(stringValue('"a \\"b\\" \\n $${x}"')).toBe('a "b" \n ${x}')
  })

  it('returns undefined for templates and other expressions', () => {
    expect(stringValue('"${var.x}-y"')).toBeUndefined()
    expect(stringValue('var.x')).toBeUndefined()
    expect(stringValue('["a"]')).toBeUndefined()
  })

  it('keeps a plain heredoc as written', () => {
    expect(stringValue('<<EOT\n  two\n one\nEOT')).toBe('  two\n one')
  })
})
