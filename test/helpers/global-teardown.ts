// Jest global teardown: stops the stack that global-setup.ts started and
// removes its state folder. A reused stack (KIT_STACK_STATE set before the
// run) keeps running.
import { rmSync } from 'node:fs'
import { dirname } from 'node:path'
// Jest loads this file with Node's own module loader, which cannot resolve
// the '.js' suffix of a TypeScript import (jest's moduleNameMapper does
// not apply here), so the stack modules are loaded through tsx.
import { tsImport } from 'tsx/esm/api'

type StackModules = typeof import('../../local-stack/stack.js') &
  typeof import('../../local-stack/state.js') &
  typeof import('../../local-stack/processes.js')

async function loadStackModules(): Promise<StackModules> {
  const load = (path: string) => tsImport(path, import.meta.url)
  const [stack, state, processes] = await Promise.all([
    load('../../local-stack/stack.ts'),
    load('../../local-stack/state.ts'),
    load('../../local-stack/processes.ts'),
  ])
  return { ...processes, ...state, ...stack } as StackModules
}

export default async function globalTeardown(): Promise<void> {
  const stateFile = process.env.KIT_STACK_STATE
  if (process.env.KIT_STACK_OWNED !== '1' || !stateFile) return
  const stateDir = dirname(stateFile)
  const { stopStack } = await loadStackModules()
  await stopStack({
    stateDir,
    log: (line) => process.stderr.write(`[stack] ${line}\n`),
  })
  rmSync(stateDir, { recursive: true, force: true })
  delete process.env.KIT_STACK_STATE
  delete process.env.KIT_STACK_OWNED
}
