// Jest global setup for integration tests: starts one local stack for the
// whole run, with one moto server per jest worker, and publishes its state
// file through KIT_STACK_STATE (jest workers inherit this process's env).
//
// To reuse a stack started with `npm run stack:start`, set KIT_STACK_STATE
// to its state file (.stack/state.json); the run then leaves it running.
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
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

/** Prefix of the per-run state folders under .stack/; the suffix is the jest process id. */
export const RUN_FOLDER_PREFIX = 'jest-'

const log = (line: string) => process.stderr.write(`[stack] ${line}\n`)

/** Removes state folders of earlier runs whose jest process is gone, stopping anything they left running. */
async function removeStaleRunFolders(root: string): Promise<void> {
  const { isAlive, stopStack } = await loadStackModules()
  if (!existsSync(root)) return
  for (const entry of readdirSync(root)) {
    const match = new RegExp(`^${RUN_FOLDER_PREFIX}(\\d+)$`).exec(entry)
    if (!match || isAlive(Number(match[1]))) continue
    const folder = join(root, entry)
    await stopStack({ stateDir: folder })
    rmSync(folder, { recursive: true, force: true })
  }
}

async function reuseStack(stateFile: string): Promise<void> {
  const { stackStatus } = await loadStackModules()
  const status = stackStatus(join(stateFile, '..'))
  if (status === undefined || status.stopped.length > 0) {
    throw new Error(
      `KIT_STACK_STATE is ${stateFile}, but no running stack is recorded there. Start one with npm run stack:start, or unset KIT_STACK_STATE.`,
    )
  }
  log(`reusing the stack in ${status.state.stateDir}`)
}

export default async function globalSetup(globalConfig: {
  maxWorkers: number
}): Promise<void> {
  const preset = process.env.KIT_STACK_STATE
  if (preset) {
    await reuseStack(preset)
    return
  }
  const { repoRoot, startStack, statePath } = await loadStackModules()
  const root = join(repoRoot, '.stack')
  await removeStaleRunFolders(root)
  const stateDir = join(root, `${RUN_FOLDER_PREFIX}${process.pid}`)
  const motoCount = Number(
    process.env.KIT_MOTO_COUNT ?? globalConfig.maxWorkers,
  )
  await startStack({
    stateDir,
    motoCount: Math.max(1, motoCount),
    bindToParent: true,
    log,
  })
  process.env.KIT_STACK_STATE = statePath(stateDir)
  process.env.KIT_STACK_OWNED = '1'
}
