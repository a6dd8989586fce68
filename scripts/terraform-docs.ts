/**
 * Generates the inputs, outputs, resources and requirements tables of each
 * Terraform module's README from the module's code, between the
 * `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->` markers.
 *
 *   tsx scripts/terraform-docs.ts             rewrite every module README
 *   tsx scripts/terraform-docs.ts --check     fail when a README is out of date
 *   tsx scripts/terraform-docs.ts DIR...      only these module folders
 *
 * A module is a folder of terraform-modules/ with a variables.tf.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { readModule, renderDocs, replaceDocs } from './terraform-docs/readme.js'

const root = resolve(import.meta.dirname, '..')

export interface ReadmeStatus {
  dir: string
  /** 'current', 'updated' (write mode) or 'stale' (check mode). */
  state: 'current' | 'updated' | 'stale'
}

/** Lists the module folders of terraform-modules/, sorted. */
export function listModules(
  modulesDir = join(root, 'terraform-modules'),
): string[] {
  return readdirSync(modulesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(modulesDir, entry.name))
    .filter((dir) => existsSync(join(dir, 'variables.tf')))
    .sort()
}

/**
 * Regenerates the README of one module. In check mode nothing is written
 * and a README whose generated part differs is reported as stale.
 */
export function syncReadme(dir: string, check: boolean): ReadmeStatus {
  const path = join(dir, 'README.md')
  if (!existsSync(path)) {
    throw new Error(
      `${relative(root, path)} is missing: write the module's README with the generated-docs markers`,
    )
  }
  const current = readFileSync(path, 'utf8')
  let expected: string
  try {
    expected = replaceDocs(current, renderDocs(readModule(dir)))
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`${relative(root, path)}: ${reason}`, { cause: error })
  }
  if (expected === current) return { dir, state: 'current' }
  if (check) return { dir, state: 'stale' }
  writeFileSync(path, expected)
  return { dir, state: 'updated' }
}

function main(argv: string[]): number {
  const check = argv.includes('--check')
  const dirs = argv.filter((arg) => !arg.startsWith('--'))
  const modules =
    dirs.length > 0 ? dirs.map((dir) => resolve(dir)) : listModules()
  let stale = 0
  for (const dir of modules) {
    const status = syncReadme(dir, check)
    const name = relative(root, join(dir, 'README.md'))
    if (status.state === 'stale') {
      stale++
      console.error(`${name}: out of date with the module's code`)
    } else if (status.state === 'updated') {
      console.log(`${name}: updated`)
    }
  }
  if (stale > 0) {
    console.error(
      `${stale} README(s) out of date; run \`npx tsx scripts/terraform-docs.ts\` and commit the result.`,
    )
    return 1
  }
  console.log(
    `${modules.length} module README(s) checked${check ? '' : ' and written'}`,
  )
  return 0
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.exitCode = main(process.argv.slice(2))
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    process.exitCode = 1
  }
}
