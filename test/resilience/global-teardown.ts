// Jest global teardown of the resilience suite: stops the local stack, then
// prints the figures report of this run.
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
// Loaded through tsx for the reason given in test/helpers/global-setup.ts.
import { tsImport } from 'tsx/esm/api'

const repoRoot = resolve(import.meta.dirname, '..', '..')

export default async function globalTeardown(): Promise<void> {
  const stackTeardown = (await tsImport(
    '../helpers/global-teardown.ts',
    import.meta.url,
  )) as { default: () => Promise<void> }
  await stackTeardown.default()
  spawnSync(
    process.execPath,
    [resolve(repoRoot, 'scripts', 'resilience-report.mjs')],
    { stdio: 'inherit', env: process.env },
  )
}
