import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseHcl } from '../../../scripts/terraform-docs/hcl.js'
import {
  BEGIN_MARKER,
  describeModule,
  END_MARKER,
  renderDocs,
  replaceDocs,
} from '../../../scripts/terraform-docs/readme.js'
import { listModules, syncReadme } from '../../../scripts/terraform-docs.js'

const MODULE = `
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}

variable "tags" {
  description = "Tags | with a pipe."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "ID of the VPC."
  type        = string

  validation {
    condition     = can(regex("^vpc-", var.vpc_id))
    error_message = "Must be a VPC ID."
  }
}

variable "health_check" {
  description = "Health check."
  type = object({
    path = optional(string, "/healthz")
  })
  default = {}
}

resource "aws_lb" "this" {}
data "aws_vpc" "this" {}

output "arn" {
  description = "ARN."
  value       = aws_lb.this.arn
}
`

describe('describeModule', () => {
  const docs = describeModule(parseHcl(MODULE))

  it('lists requirements', () => {
    expect(docs.requirements).toEqual([
      { name: 'terraform', version: '>= 1.5' },
      { name: 'aws', version: '>= 5.100, < 7.0' },
    ])
  })

  it('puts required inputs first', () => {
    expect(docs.inputs.map((input) => input.name)).toEqual([
      'vpc_id',
      'health_check',
      'tags',
    ])
    expect(docs.inputs[0]?.default).toBeUndefined()
    expect(docs.inputs[0]?.validations).toBe(1)
  })

  it('lists resources and data sources', () => {
    expect(docs.resources).toEqual([
      { address: 'aws_lb.this', kind: 'resource' },
      { address: 'aws_vpc.this', kind: 'data source' },
    ])
  })
})

describe('renderDocs', () => {
  const text = renderDocs(describeModule(parseHcl(MODULE)))

  it('escapes pipes in cells', () => {
    expect(text).toContain('Tags \\| with a pipe.')
  })

  it('renders multi-line types as pre blocks', () => {
    expect(text).toContain(
      '<pre>object({<br>  path = optional(string, "/healthz")<br>})</pre>',
    )
  })

  it('marks required inputs', () => {
    expect(text).toContain('| `string` | n/a | yes |')
  })
})

describe('replaceDocs', () => {
  it('replaces only the marked section', () => {
    const readme = `# title\n\n${BEGIN_MARKER}\nold\n${END_MARKER}\n\nfooter\n`
    expect(replaceDocs(readme, `${BEGIN_MARKER}\nnew\n${END_MARKER}`)).toBe(
      `# title\n\n${BEGIN_MARKER}\nnew\n${END_MARKER}\n\nfooter\n`,
    )
  })

  it('rejects a README without markers', () => {
    expect(() => replaceDocs('# title\n', 'x')).toThrow(
      /missing <!-- BEGIN_TF_DOCS -->/,
    )
  })
})

describe('syncReadme', () => {
  it('reports a stale README and rewrites it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'terraform-docs-'))
    try {
      writeFileSync(join(dir, 'variables.tf'), MODULE)
      writeFileSync(
        join(dir, 'README.md'),
        `# m\n\n${BEGIN_MARKER}\n${END_MARKER}\n`,
      )
      expect(syncReadme(dir, true).state).toBe('stale')
      expect(syncReadme(dir, false).state).toBe('updated')
      expect(syncReadme(dir, true).state).toBe('current')
      expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(
        '[vpc_id](#input_vpc_id)',
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('finds every module README current', () => {
    const modules = listModules()
    expect(modules.length).toBe(8)
    for (const dir of modules) {
      expect({ dir, state: syncReadme(dir, true).state }).toEqual({
        dir,
        state: 'current',
      })
    }
  })
})
