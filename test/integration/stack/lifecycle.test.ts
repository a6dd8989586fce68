import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from '@jest/globals'
import { isAlive } from '../../../local-stack/processes.js'
import {
  StackAlreadyRunningError,
  startStack,
  stopStack,
} from '../../../local-stack/stack.js'
import {
  readStackState,
  repoRoot,
  statePath,
  type StackState,
} from '../../../local-stack/state.js'
import { stackState } from '../../helpers/stack.js'

function servicePids(state: StackState): number[] {
  return [...state.moto, state.registry].map((service) => service.pid)
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => T | undefined,
): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    if (Date.now() > until)
      throw new Error(`${what}: timed out after ${timeoutMs} ms`)
    await sleep(100)
  }
}

describe('local stack lifecycle', () => {
  it('rejects a second start', async () => {
    const running = stackState()
    await expect(
      startStack({ stateDir: running.stateDir, baseImage: false }),
    ).rejects.toThrow(StackAlreadyRunningError)
    expect(servicePids(running).every(isAlive)).toBe(true)
  })

  it('stop ends every service', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'kit-stack-stop-'))
    try {
      const state = await startStack({
        stateDir,
        motoCount: 2,
        baseImage: false,
      })
      const pids = servicePids(state)
      expect(pids).toHaveLength(3)
      expect(pids.every(isAlive)).toBe(true)

      expect(await stopStack({ stateDir })).toBe(true)
      expect(pids.filter(isAlive)).toEqual([])
      expect(existsSync(statePath(stateDir))).toBe(false)
      expect(await stopStack({ stateDir })).toBe(false)
    } finally {
      await stopStack({ stateDir })
      rmSync(stateDir, { recursive: true, force: true })
    }
  })

  it('start prints commands for its folder', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'kit-stack-hint-'))
    const cli = (args: string[]) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'local-stack', 'cli.ts'), ...args],
        { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
      )
    try {
      const started = cli(['start', '--no-base-image', '--state-dir', stateDir])
      expect(started.status).toBe(0)
      const hint = started.stdout
        .split('\n')
        .find((line) => line.startsWith('environment: '))
      expect(hint).toBe(
        `environment: eval "$(npx tsx local-stack/cli.ts env --state-dir '${stateDir}')"; stop: npx tsx local-stack/cli.ts stop --state-dir '${stateDir}'`,
      )

      const env = cli(['env', '--state-dir', stateDir])
      expect(env.status).toBe(0)
      expect(env.stdout).toContain(`export KIT_STACK_STATE='${stateDir}/`)
      const stopped = cli(['stop', '--state-dir', stateDir])
      expect(stopped.status).toBe(0)
      expect(existsSync(statePath(stateDir))).toBe(false)
    } finally {
      await stopStack({ stateDir })
      rmSync(stateDir, { recursive: true, force: true })
    }
  })

  it('killed owner leaves no services', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'kit-stack-kill-'))
    // node itself, not the tsx wrapper, so that SIGKILL hits the process
    // that started the services.
    const owner = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repoRoot, 'local-stack', 'cli.ts'),
        'start',
        '--foreground',
        '--no-base-image',
        '--state-dir',
        stateDir,
      ],
      { cwd: repoRoot, stdio: 'ignore' },
    )
    try {
      const state = await waitFor('stack start', 60_000, () =>
        readStackState(statePath(stateDir)),
      )
      const pids = servicePids(state)
      expect(state.ownerPid).toBe(owner.pid)
      expect(state.boundToOwner).toBe(true)
      // The owner must still be running, so that the services end because
      // it is killed and not because it exited on its own.
      await sleep(500)
      expect(owner.exitCode).toBeNull()
      expect(pids.every(isAlive)).toBe(true)

      owner.kill('SIGKILL')
      const survivors = await waitFor('services to end', 5_000, () =>
        pids.some(isAlive) ? undefined : [],
      ).catch(() => pids.filter(isAlive))
      expect(survivors).toEqual([])
    } finally {
      owner.kill('SIGKILL')
      await stopStack({ stateDir })
      rmSync(stateDir, { recursive: true, force: true })
    }
  })
})
