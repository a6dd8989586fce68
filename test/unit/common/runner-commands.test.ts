import {
  afterEach,
  beforeEach,
  describe,
  expect,
  it,
  jest,
} from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseCommandFile } from '../../../common/outputs.js'
import {
  debug,
  endGroup,
  error,
  escapeCommandData,
  escapeCommandProperty,
  getState,
  info,
  isDebug,
  issueCommand,
  saveState,
  setFailed,
  setSecret,
  startGroup,
  warning,
} from '../../../common/runner-commands.js'

let written: string[] = []
const savedEnv = { ...process.env }
const savedExitCode = process.exitCode

beforeEach(() => {
  written = []
  jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    })
})

afterEach(() => {
  jest.restoreAllMocks()
  process.env = { ...savedEnv }
  process.exitCode = savedExitCode
})

describe('workflow commands', () => {
  it('escapes the characters that end or split a command', () => {
    expect(escapeCommandData('50% done\r\nnext: a,b')).toBe(
      '50%25 done%0D%0Anext: a,b',
    )
    expect(escapeCommandProperty('50% done\r\nnext: a,b')).toBe(
      '50%25 done%0D%0Anext%3A a%2Cb',
    )
  })

  it('writes each command as one line', () => {
    info('plain: line')
    debug('two\nlines')
    warning('careful 100%')
    error('failed')
    startGroup('Plan')
    endGroup()
    setSecret('hunter22')
    expect(written).toEqual([
      'plain: line\n',
      '::debug::two%0Alines\n',
      '::warning::careful 100%25\n',
      '::error::failed\n',
      '::group::Plan\n',
      '::endgroup::\n',
      '::add-mask::hunter22\n',
    ])
  })

  it('writes properties and leaves out empty ones', () => {
    issueCommand('notice', 'text', { file: 'a,b.ts', line: '', title: 'x:y' })
    expect(written).toEqual(['::notice file=a%2Cb.ts,title=x%3Ay::text\n'])
  })

  it('fails the step with exit code 1 and an error line', () => {
    setFailed('it broke')
    expect(process.exitCode).toBe(1)
    expect(written).toEqual(['::error::it broke\n'])
  })

  it('reads the debug flag that the runner sets', () => {
    delete process.env.RUNNER_DEBUG
    expect(isDebug()).toBe(false)
    process.env.RUNNER_DEBUG = '1'
    expect(isDebug()).toBe(true)
  })
})

describe('step state', () => {
  it('appends values to GITHUB_STATE in the form the runner parses', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'runner-state-'))
    try {
      const file = path.join(dir, 'state')
      writeFileSync(file, '')
      process.env.GITHUB_STATE = file
      saveState('lock', 'id-1')
      saveState('multi', 'line one\nline two\nghadelimiter_x')
      expect(parseCommandFile(readFileSync(file, 'utf8'))).toEqual({
        lock: 'id-1',
        multi: 'line one\nline two\nghadelimiter_x',
      })
      expect(written).toEqual([])
    } finally {
      rmSync(dir, { recursive: true })
    }
  })

  it('falls back to the save-state command without GITHUB_STATE', () => {
    delete process.env.GITHUB_STATE
    saveState('lock', 'a:b')
    expect(written).toEqual(['::save-state name=lock::a:b\n'])
  })

  it('reads saved values from STATE_ variables', () => {
    process.env.STATE_lock = 'id-2'
    expect(getState('lock')).toBe('id-2')
    expect(getState('missing')).toBe('')
  })
})
