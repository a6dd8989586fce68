// Jest global setup of the resilience suite: empties the figures file,
// prints the seed and full-sweep mode, then starts the local stack the way
// the integration tests do.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
// Loaded through tsx for the reason given in test/helpers/global-setup.ts:
// Node's own loader cannot resolve the '.js' suffix of TypeScript imports.
import { tsImport } from 'tsx/esm/api'

const repoRoot = resolve(import.meta.dirname, '..', '..')
const DEFAULT_SEED = '20261204'

export default async function globalSetup(globalConfig: {
  maxWorkers: number
}): Promise<void> {
  if (!process.env.KIT_RESILIENCE_SEED) {
    process.env.KIT_RESILIENCE_SEED = DEFAULT_SEED
  }
  const full = process.env.KIT_RESILIENCE_FULL === '1'
  process.stderr.write(
    `[resilience] seed ${process.env.KIT_RESILIENCE_SEED} (KIT_RESILIENCE_SEED), ${full ? 'full sweep' : 'seeded sample'} (KIT_RESILIENCE_FULL=${full ? '1' : 'unset'})\n`,
  )
  const file =
    process.env.KIT_RESILIENCE_FIGURES ??
    'test-results/resilience-figures.jsonl'
  const path = isAbsolute(file) ? file : join(repoRoot, file)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, '')

  const stackSetup = (await tsImport(
    '../helpers/global-setup.ts',
    import.meta.url,
  )) as { default: (config: { maxWorkers: number }) => Promise<void> }
  await stackSetup.default(globalConfig)
}
