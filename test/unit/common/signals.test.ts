import { spawn, type ChildProcess } from 'node:child_process'
import { EventEmitter, once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'

import { CancelledError } from '../../../common/errors.js'
import { memoryLogger } from '../../../common/log.js'
import {
  Cancellation,
  signalExitCode,
  type SignalProcess,
} from '../../../common/signals.js'
import {
  SIGNAL_RECORDER,
  startFixture,
  waitForText,
} from './fixtures/processes.js'

class FakeProcess extends EventEmitter implements SignalProcess {
  readonly exits: number[] = []
  exit(code: number): void {
    this.exits.push(code)
  }
}

let dir: string
const children: ChildProcess[] = []

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signals-test-'))
})

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
    }
  }
  await rm(dir, { recursive: true, force: true })
})

function startRecorder(name: string, mode: 'exit' | 'ignore'): ChildProcess {
  const child = spawn(
    process.execPath,
    ['-e', SIGNAL_RECORDER, join(dir, name), mode],
    { stdio: 'ignore' },
  )
  children.push(child)
  return child
}

/** Waits until queued promise callbacks and timers of 0 ms have run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0))
}

describe('signalExitCode', () => {
  it('maps signals to shell codes', () => {
    expect(signalExitCode('SIGINT')).toBe(130)
    expect(signalExitCode('SIGTERM')).toBe(143)
  })
})

describe('Cancellation', () => {
  it('install adds and removes listeners', () => {
    const proc = new FakeProcess()
    const cancellation = new Cancellation({ process: proc })

    cancellation.install()
    cancellation.install()
    expect(proc.listenerCount('SIGINT')).toBe(1)
    expect(proc.listenerCount('SIGTERM')).toBe(1)

    cancellation.uninstall()
    expect(proc.listenerCount('SIGINT')).toBe(0)
    expect(proc.listenerCount('SIGTERM')).toBe(0)
  })

  it('aborts and restores on SIGTERM', async () => {
    const proc = new FakeProcess()
    const logger = memoryLogger()
    const cancellation = new Cancellation({ process: proc, logger })
    const order: string[] = []
    cancellation.onRestore('release lock', async () => {
      order.push('release lock')
    })
    cancellation.onRestore('broken step', async () => {
      order.push('broken step')
      throw new Error('ELB unreachable')
    })
    cancellation.onRestore('restore weights', async () => {
      order.push('restore weights')
    })
    cancellation.install()

    proc.emit('SIGTERM', 'SIGTERM')

    expect(cancellation.cancelledBy).toBe('SIGTERM')
    expect(cancellation.signal.aborted).toBe(true)
    expect(cancellation.signal.reason).toBeInstanceOf(CancelledError)
    expect(() => cancellation.throwIfCancelled()).toThrow(CancelledError)
    await cancellation.restore()
    await settle()
    expect(order).toEqual(['restore weights', 'broken step', 'release lock'])
    expect(logger.lines).toContain(
      "error: Restore step 'broken step' failed: ELB unreachable",
    )
    expect(proc.exits).toEqual([143])
  })

  it('runs each restore step once', async () => {
    const proc = new FakeProcess()
    const cancellation = new Cancellation({ process: proc })
    let runs = 0
    cancellation.onRestore('count', async () => {
      runs += 1
    })

    cancellation.handleSignal('SIGINT')
    await cancellation.restore()
    await cancellation.restore()
    await settle()
    expect(runs).toBe(1)
    expect(proc.exits).toEqual([130])
  })

  it('skips unregistered restore steps', async () => {
    const cancellation = new Cancellation({
      process: new FakeProcess(),
      exitAfterRestore: false,
    })
    const order: string[] = []
    cancellation.onRestore('kept', async () => {
      order.push('kept')
    })
    const unregister = cancellation.onRestore('done', async () => {
      order.push('done')
    })
    unregister()

    cancellation.handleSignal('SIGTERM')
    await cancellation.restore()
    expect(order).toEqual(['kept'])
  })

  it('second signal forces exit', async () => {
    const proc = new FakeProcess()
    const cancellation = new Cancellation({ process: proc })
    let finishRestore = (): void => {}
    cancellation.onRestore('slow', async () => {
      await new Promise<void>((resolve) => {
        finishRestore = resolve
      })
    })
    cancellation.install()

    proc.emit('SIGTERM', 'SIGTERM')
    await settle()
    expect(proc.exits).toEqual([])
    proc.emit('SIGINT', 'SIGINT')
    expect(proc.exits).toEqual([130])

    finishRestore()
    await cancellation.restore()
    await settle()
    expect(proc.exits).toEqual([130, 143])
  })

  it('forwards signal to tracked child', async () => {
    const proc = new FakeProcess()
    const cancellation = new Cancellation({
      process: proc,
      exitAfterRestore: false,
    })
    cancellation.install()
    const child = startRecorder('child', 'exit')
    cancellation.trackChild(child)
    await waitForText(join(dir, 'child'), 'ready')

    proc.emit('SIGTERM', 'SIGTERM')
    const [code] = await once(child, 'exit')

    expect(code).toBe(0)
    expect(await readFile(join(dir, 'child'), 'utf8')).toBe('ready\nSIGTERM\n')
  })

  it('forwards each signal once per child', async () => {
    const proc = new FakeProcess()
    const cancellation = new Cancellation({ process: proc })
    cancellation.install()
    const first = startRecorder('first', 'ignore')
    const second = startRecorder('second', 'ignore')
    cancellation.trackChild(first)
    cancellation.trackChild(second)
    await waitForText(join(dir, 'first'), 'ready')
    await waitForText(join(dir, 'second'), 'ready')

    proc.emit('SIGINT', 'SIGINT')
    await waitForText(join(dir, 'first'), 'SIGINT')
    proc.emit('SIGTERM', 'SIGTERM')

    expect(await waitForText(join(dir, 'first'), 'SIGTERM')).toBe(
      'ready\nSIGINT\nSIGTERM\n',
    )
    expect(await waitForText(join(dir, 'second'), 'SIGTERM')).toBe(
      'ready\nSIGINT\nSIGTERM\n',
    )
  })

  it('signals child tracked after cancel', async () => {
    const cancellation = new Cancellation({
      process: new FakeProcess(),
      exitAfterRestore: false,
    })
    cancellation.handleSignal('SIGTERM')
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])
    children.push(child)
    await once(child, 'spawn')

    cancellation.trackChild(child)
    const [code, signal] = await once(child, 'exit')

    expect(code).toBeNull()
    expect(signal).toBe('SIGTERM')
  })

  it.each([
    { signal: 'SIGTERM' as const, exitCode: 143 },
    { signal: 'SIGINT' as const, exitCode: 130 },
  ])(
    'real process handles $signal',
    async ({ signal, exitCode }) => {
      const fixture = startFixture('cancellation-main.ts', [dir])
      await waitForText(join(dir, 'child-signals'), 'ready')

      process.kill(fixture.pid, signal)
      const result = await fixture.done

      expect(result.stderr).toBe('')
      expect(result.code).toBe(exitCode)
      const childSignals = await readFile(join(dir, 'child-signals'), 'utf8')
      expect(childSignals).toBe(`ready\n${signal}\n`)
      const restoreLog = await readFile(join(dir, 'restore-log'), 'utf8')
      expect(restoreLog).toBe('last\nfirst\n')
      const log = await readFile(join(dir, 'log'), 'utf8')
      expect(log).toContain(
        "error: Restore step 'failing' failed: restore step broke",
      )
      const childResult = JSON.parse(
        await readFile(join(dir, 'child-result'), 'utf8'),
      ) as { exitCode: number | null }
      expect(childResult.exitCode).toBe(0)
    },
    30_000,
  )
})
