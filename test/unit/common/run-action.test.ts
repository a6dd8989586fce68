import { EventEmitter } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'

import { realSleep, systemClock } from '../../../common/clock.js'
import { InputReader } from '../../../common/inputs.js'
import { memoryLogger } from '../../../common/log.js'
import { OutputWriter, parseCommandFile } from '../../../common/outputs.js'
import {
  runActionWith,
  showStackTrace,
  type ActionContext,
} from '../../../common/run-action.js'
import { Cancellation } from '../../../common/signals.js'
import { SummaryBuilder } from '../../../common/summary.js'
import { startFixture, waitForText } from './fixtures/processes.js'

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'run-action-test-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

class FakeProcess extends EventEmitter {
  readonly exits: number[] = []
  exit(code: number): void {
    this.exits.push(code)
  }
}

/** Summary builder that writes to a fixed file instead of $GITHUB_STEP_SUMMARY. */
class FileSummary extends SummaryBuilder {
  constructor(private readonly file: string) {
    super()
  }

  override write(): Promise<void> {
    return super.write(this.file)
  }
}

/** Builds a context that writes outputs and the summary to files in `dir`. */
function testContext(env: NodeJS.ProcessEnv = {}) {
  const logger = memoryLogger()
  const proc = new FakeProcess()
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  const ctx: ActionContext = {
    inputs: new InputReader(() => undefined),
    outputs: new OutputWriter({ file: outputFile, logger }),
    summary: new FileSummary(summaryFile),
    logger,
    cancellation: new Cancellation({
      process: proc,
      logger,
      exitAfterRestore: false,
    }),
    clock: systemClock,
    sleep: realSleep,
    env,
  }
  const failures: string[] = []
  const exitCodes: number[] = []
  const exits: number[] = []
  const host = {
    setFailed: (message: string) => failures.push(message),
    setExitCode: (code: number) => exitCodes.push(code),
    exit: (code: number) => exits.push(code),
  }
  return {
    ctx,
    host,
    logger,
    proc,
    failures,
    exitCodes,
    exits,
    outputFile,
    summaryFile,
  }
}

/** A promise with its resolve function, to let a test wait for a step of main. */
function signalled(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {}
  const promise = new Promise<void>((done) => {
    resolve = done
  })
  return { promise, resolve }
}

async function readOutputs(file: string): Promise<Record<string, string>> {
  return parseCommandFile(await readFile(file, 'utf8').catch(() => ''))
}

describe('runActionWith', () => {
  it('writes outputs and summary on success', async () => {
    const t = testContext()
    const outcome = await runActionWith(
      async (ctx) => {
        ctx.outputs.set('url', 'http://127.0.0.1:8080')
        ctx.summary.heading('Deployed')
      },
      t.ctx,
      t.host,
    )

    expect(outcome).toBe('succeeded')
    expect(t.failures).toEqual([])
    expect(t.exitCodes).toEqual([])
    expect(await readOutputs(t.outputFile)).toEqual({
      url: 'http://127.0.0.1:8080',
    })
    expect(await readFile(t.summaryFile, 'utf8')).toContain('## Deployed')
    expect(t.proc.listenerCount('SIGTERM')).toBe(0)
  })

  it('reports failure in one line', async () => {
    const t = testContext()
    const outcome = await runActionWith(
      async (ctx) => {
        ctx.outputs.set('deployment-id', 'd-1')
        throw new Error('Deploy failed', { cause: new Error('503 from ALB') })
      },
      t.ctx,
      t.host,
    )

    expect(outcome).toBe('failed')
    expect(t.failures).toEqual(['Deploy failed: 503 from ALB'])
    expect(t.exitCodes).toEqual([1])
    expect(await readOutputs(t.outputFile)).toEqual({ 'deployment-id': 'd-1' })
    expect(await readFile(t.summaryFile, 'utf8')).toContain(
      'Failed: Deploy failed: 503 from ALB',
    )
    expect(t.logger.lines.join('\n')).not.toContain('    at ')
  })

  it('logs stack when enabled', async () => {
    const t = testContext({ SHOW_STACK_TRACE: 'true' })
    await runActionWith(
      async () => {
        throw new Error('boom')
      },
      t.ctx,
      t.host,
    )
    expect(t.failures).toEqual(['boom'])
    expect(t.logger.lines.join('\n')).toMatch(/info: Error: boom\n\s+at /)
  })

  it('fails when outputs cannot be written', async () => {
    const t = testContext()
    t.ctx.outputs = new OutputWriter({
      file: join(dir, 'missing-dir', 'output'),
    })
    const outcome = await runActionWith(
      async (ctx) => {
        ctx.outputs.set('url', 'x')
      },
      t.ctx,
      t.host,
    )
    expect(outcome).toBe('failed')
    expect(t.failures).toHaveLength(1)
    expect(t.failures[0]).toMatch(/^Writing the step outputs failed: .*ENOENT/)
    expect(t.exitCodes).toEqual([1])
  })

  it('restores and exits on cancellation', async () => {
    const t = testContext()
    const order: string[] = []
    const started = signalled()
    const running = runActionWith(
      async (ctx) => {
        ctx.outputs.set('deployment-id', 'd-1')
        ctx.cancellation.onRestore('restore weights', async () => {
          const written = await readFile(t.outputFile, 'utf8').catch(() => '')
          order.push(`restore weights; outputs written: ${written !== ''}`)
        })
        started.resolve()
        try {
          await ctx.sleep(60_000, ctx.cancellation.signal)
        } catch (error) {
          ctx.outputs.set('status', 'cancelled')
          throw error
        }
      },
      t.ctx,
      t.host,
    )
    await started.promise
    t.proc.emit('SIGTERM', 'SIGTERM')
    const outcome = await running

    expect(outcome).toBe('cancelled')
    // The restore steps of main run before the outputs are written.
    expect(order).toEqual(['restore weights; outputs written: false'])
    expect(t.failures).toEqual(['The action was cancelled by SIGTERM'])
    expect(await readOutputs(t.outputFile)).toEqual({
      'deployment-id': 'd-1',
      status: 'cancelled',
    })
    expect(await readFile(t.summaryFile, 'utf8')).toContain(
      'The action was cancelled by SIGTERM',
    )
    expect(t.exits).toEqual([143])
    expect(t.proc.exits).toEqual([])
  })

  it('exits when main ignores cancellation', async () => {
    const t = testContext()
    const started = signalled()
    const running = runActionWith(
      async (ctx) => {
        ctx.outputs.set('deployment-id', 'd-2')
        started.resolve()
        await new Promise(() => {})
      },
      t.ctx,
      t.host,
      20,
    )
    await started.promise
    t.proc.emit('SIGINT', 'SIGINT')

    expect(await running).toBe('cancelled')
    expect(t.exits).toEqual([130])
    expect(await readOutputs(t.outputFile)).toEqual({ 'deployment-id': 'd-2' })
  })
})

describe('showStackTrace', () => {
  it.each([
    { env: {}, expected: false },
    { env: { SHOW_STACK_TRACE: 'true' }, expected: true },
    { env: { RUNNER_DEBUG: '1' }, expected: true },
    { env: { ACTIONS_STEP_DEBUG: 'true' }, expected: true },
    { env: { SHOW_STACK_TRACE: 'false' }, expected: false },
  ])('$env gives $expected', ({ env, expected }) => {
    expect(showStackTrace(env)).toBe(expected)
  })
})

describe('runAction in a real process', () => {
  /** Environment the runner gives a step, with temp command files. */
  async function stepEnv(extra: NodeJS.ProcessEnv = {}) {
    const output = join(dir, 'github-output')
    const summary = join(dir, 'step-summary')
    await writeFile(output, '')
    await writeFile(summary, '')
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      ...extra,
    }
    return { env, output, summary }
  }

  it('fails with one error line', async () => {
    const step = await stepEnv()
    const result = await startFixture(
      'run-action-main.ts',
      ['fail', dir],
      step.env,
    ).done

    expect(result.code).toBe(1)
    const errorLines = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('::error'))
    expect(errorLines).toEqual([
      '::error::Deploy failed: target group unhealthy: 2 of 3 targets unhealthy',
    ])
    expect(result.stdout).not.toContain('    at ')
    expect(result.stderr).toBe('')
    expect(await readOutputs(step.output)).toEqual({
      'deployment-id': 'd-123',
    })
    const summary = await readFile(step.summary, 'utf8')
    expect(summary).toContain('## Fixture')
    expect(summary).toContain('Failed: Deploy failed')
  }, 30_000)

  it('prints stack when requested', async () => {
    const step = await stepEnv({ SHOW_STACK_TRACE: 'true' })
    const result = await startFixture(
      'run-action-main.ts',
      ['fail', dir],
      step.env,
    ).done

    expect(result.code).toBe(1)
    expect(result.stdout).toContain('    at ')
    expect(result.stdout).toContain('Caused by: Error: 2 of 3 targets')
  }, 30_000)

  it('succeeds and writes outputs', async () => {
    const step = await stepEnv()
    const result = await startFixture(
      'run-action-main.ts',
      ['succeed', dir],
      step.env,
    ).done

    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain('::error')
    expect(await readOutputs(step.output)).toEqual({
      'deployment-id': 'd-123',
      status: 'succeeded',
    })
  }, 30_000)

  it('exits 143 after SIGTERM', async () => {
    const step = await stepEnv()
    const fixture = startFixture('run-action-main.ts', ['wait', dir], step.env)
    await waitForText(join(dir, 'child-signals'), 'ready')

    process.kill(fixture.pid, 'SIGTERM')
    const result = await fixture.done

    expect(result.code).toBe(143)
    expect(await readFile(join(dir, 'child-signals'), 'utf8')).toBe(
      'ready\nSIGTERM\n',
    )
    expect(await readFile(join(dir, 'restored'), 'utf8')).toBe('yes\n')
    expect(await readOutputs(step.output)).toEqual({
      'deployment-id': 'd-123',
    })
    expect(result.stdout).toContain(
      '::error::The action was cancelled by SIGTERM',
    )
    expect(await readFile(step.summary, 'utf8')).toContain(
      'The action was cancelled by SIGTERM',
    )
  }, 30_000)
})
