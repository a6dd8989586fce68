// Every module must work with Terraform 1.5. Only Terraform 1.11 is
// installed here, so this reads the modules' code for the constraint and
// for the newer language features that 1.5 cannot parse.
import { describe, expect, it } from '@jest/globals'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const modulesDir = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'terraform-modules',
)

const modules = readdirSync(modulesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'examples')
  .map((entry) => entry.name)
  .sort()

/** Returns the text of the module's own .tf files (not its examples), keyed by file name. */
function moduleFiles(name: string): Map<string, string> {
  const dir = join(modulesDir, name)
  return new Map(
    readdirSync(dir)
      .filter((file) => file.endsWith('.tf'))
      .map((file) => [file, readFileSync(join(dir, file), 'utf8')]),
  )
}

/** Features newer than Terraform 1.5, with the release that added each. */
const newerFeatures: { name: string; pattern: RegExp }[] = [
  { name: 'ephemeral block (1.10)', pattern: /^\s*ephemeral\s+"/m },
  { name: 'write-only argument (1.11)', pattern: /^\s*\w+_wo(_version)?\s*=/m },
  { name: 'removed block (1.7)', pattern: /^\s*removed\s*\{/m },
  { name: 'provider function call (1.8)', pattern: /provider::/ },
]

describe('module Terraform version', () => {
  it('finds the modules', () => {
    expect(modules).toContain('ecs-service')
    expect(modules.length).toBeGreaterThanOrEqual(8)
  })

  it.each(modules)('%s requires at most 1.5', (name) => {
    const versions = moduleFiles(name).get('versions.tf') ?? ''
    expect(versions).toMatch(/required_version\s*=\s*">= 1\.5"/)
  })

  it.each(modules)('%s uses no feature newer than 1.5', (name) => {
    const found: string[] = []
    for (const [file, text] of moduleFiles(name)) {
      for (const feature of newerFeatures) {
        if (feature.pattern.test(text)) found.push(`${file}: ${feature.name}`)
      }
    }
    expect(found).toEqual([])
  })
})
