import { EventEmitter } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'

import { CancelledError } from '../../../common/errors.js'
import { describeEnd, formatCommand, runCommand } from '../../../common/exec.js'
import { memoryLogger } from '../../../common/log.js'
import { maskSecret, resetMasksForTests } from '../../../common/masking.js'
import { Cancellation } from '../../../common/signals.js'
import { SIGNAL_RECORDER, waitForText } from './fixtures/processes.js'

const node = process.execPath
let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'exec-test-'))
})

afterEach(async () => {
  resetMasksForTests()
  await rm(dir, { recursive: true, force: true })
})

describe('runCommand', () => {
  it('collects and logs output lines', async () => {
    const logger = memoryLogger()
    const result = await runCommand(
      node,
      ['-e', 'console.log("one\\ntwo"); process.stdout.write("three")'],
      { logger },
    )

    expect(result).toEqual({
      exitCode: 0,
      signal: null,
      stdout: 'one\ntwo\nthree',
      stderr: '',
      timedOut: false,
    })
    expect(logger.lines).toContain('info: one')
    expect(logger.lines).toContain('info: two')
    expect(logger.lines).toContain('info: three')
    expect(logger.lines.at(-1)).toMatch(/ended with exit code 0$/)
  })

  it('names the label in the end line', async () => {
    const logger = memoryLogger()
    await runCommand(node, ['-e', 'process.exit(2)'], {
      logger,
      label: 'terraform plan',
    })

    expect(logger.lines[0]).toBe(`info: Running: ${node} -e 'process.exit(2)'`)
    expect(logger.lines.at(-1)).toBe(
      'info: terraform plan ended with exit code 2',
    )
  })

  it('returns non-zero exit code', async () => {
    const result = await runCommand(node, [
      '-e',
      'console.error("plan failed"); process.exit(3)',
    ])
    expect(result.exitCode).toBe(3)
    expect(result.signal).toBeNull()
    expect(result.stderr).toBe('plan failed\n')
  })

  it('returns signal that ended child', async () => {
    const result = await runCommand(node, [
      '-e',
      'process.kill(process.pid, "SIGTERM"); setInterval(() => {}, 1000)',
    ])
    expect(result.exitCode).toBeNull()
    expect(result.signal).toBe('SIGTERM')
    expect(result.timedOut).toBe(false)
  })

  it('writes input to stdin', async () => {
    const result = await runCommand(
      node,
      ['-e', 'process.stdin.pipe(process.stdout)'],
      { input: 'plan.json contents\n' },
    )
    expect(result.stdout).toBe('plan.json contents\n')
  })

  it('passes cwd and env', async () => {
    const result = await runCommand(
      node,
      ['-e', 'console.log(process.cwd(), process.env.DEPLOY_COLOUR)'],
      { cwd: dir, env: { PATH: process.env.PATH, DEPLOY_COLOUR: 'green' } },
    )
    expect(result.stdout.trim()).toMatch(/ green$/)
    expect(result.stdout).toContain('exec-test-')
  })

  it('redacts secrets in logged lines', async () => {
    maskSecret('hunter2-token')
    const logger = memoryLogger()
    const result = await runCommand(
      node,
      ['-e', 'console.log("token=hunter2-token")'],
      { logger },
    )
    expect(logger.lines).toContain('info: token=***')
    expect(logger.lines.join('\n')).not.toContain('hunter2-token')
    expect(result.stdout).toBe('token=hunter2-token\n')
  })

  it('skips echo when disabled', async () => {
    const logger = memoryLogger()
    await runCommand(node, ['-e', 'console.log("quiet")'], {
      logger,
      echo: false,
    })
    expect(logger.lines).not.toContain('info: quiet')
  })

  it('rejects command that cannot start', async () => {
    await expect(runCommand(join(dir, 'no-such-command'), [])).rejects.toThrow(
      `Failed to start ${join(dir, 'no-such-command')}: ENOENT, the command is not installed or not on PATH`,
    )
  })

  it('timeout sends SIGINT first', async () => {
    const file = join(dir, 'signals')
    const result = await runCommand(
      node,
      ['-e', SIGNAL_RECORDER, file, 'exit'],
      { timeoutMs: 300, graceMs: 5_000 },
    )
    expect(result.timedOut).toBe(true)
    expect(result.exitCode).toBe(0)
    expect(await readFile(file, 'utf8')).toBe('ready\nSIGINT\n')
  })

  it('timeout escalates to SIGKILL', async () => {
    const file = join(dir, 'signals')
    const logger = memoryLogger()
    const started = Date.now()
    const result = await runCommand(
      node,
      ['-e', SIGNAL_RECORDER, file, 'ignore'],
      { timeoutMs: 300, graceMs: 200, logger },
    )
    expect(result.timedOut).toBe(true)
    expect(result.exitCode).toBeNull()
    expect(result.signal).toBe('SIGKILL')
    expect(Date.now() - started).toBeGreaterThanOrEqual(700)
    expect(await readFile(file, 'utf8')).toBe('ready\nSIGINT\nSIGTERM\n')
    expect(logger.lines).toContainEqual(
      expect.stringMatching(
        /^warning: .* timed out after 300ms; sending SIGINT/,
      ),
    )
  })

  it('forwards cancellation to child', async () => {
    const file = join(dir, 'signals')
    const proc = Object.assign(new EventEmitter(), { exit: () => {} })
    const cancellation = new Cancellation({
      process: proc,
      exitAfterRestore: false,
    })
    cancellation.install()

    const running = runCommand(node, ['-e', SIGNAL_RECORDER, file, 'exit'], {
      cancellation,
    })
    await waitForText(file, 'ready')
    proc.emit('SIGINT', 'SIGINT')
    const result = await running

    expect(result.exitCode).toBe(0)
    expect(await readFile(file, 'utf8')).toBe('ready\nSIGINT\n')
  })

  it('rejects after cancellation fired', async () => {
    const cancellation = new Cancellation({
      process: Object.assign(new EventEmitter(), { exit: () => {} }),
      exitAfterRestore: false,
    })
    cancellation.handleSignal('SIGTERM')
    await expect(() => runCommand(node, ['-e', '0'], { cancellation })).toThrow(
      CancelledError,
    )
  })
})

describe('formatCommand', () => {
  it('quotes arguments that need it', () => {
    expect(
      formatCommand('terraform', ['plan', '-var', "name=it's mine", '']),
    ).toBe(`terraform plan -var 'name=it'\\''s mine' ''`)
  })
})

describe('describeEnd', () => {
  it('names exit code or signal', () => {
    expect(describeEnd(2, null)).toBe('exit code 2')
    expect(describeEnd(null, 'SIGKILL')).toBe('signal SIGKILL')
  })
})
