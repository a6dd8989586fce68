import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { InputError } from '../../../common/errors.js'
import {
  checkNotLonger,
  expandTemplate,
  readKeyValueLines,
  resolveWorkspacePath,
  workspaceRoot,
  type WorkspacePathOptions,
} from '../../../common/input-checks.js'
import { InputReader } from '../../../common/inputs.js'

let root: string
let workspace: string

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'input-checks-'))
  workspace = path.join(root, 'ws')
  mkdirSync(path.join(workspace, 'site'), { recursive: true })
  writeFileSync(path.join(workspace, 'site', 'index.html'), '<p>')
  mkdirSync(path.join(root, 'ws-other'))
  symlinkSync(path.join(root, 'ws-other'), path.join(workspace, 'escape'))
  symlinkSync(path.join(workspace, 'site'), path.join(workspace, 'alias'))
})

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

const reader = new InputReader(() => undefined)

function resolve(
  value: string,
  opts: Partial<WorkspacePathOptions> = {},
): string {
  return resolveWorkspacePath(reader, 'some-path', value, {
    workspace,
    ...opts,
  })
}

function errorOf(fn: () => unknown): InputError {
  try {
    fn()
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('no InputError was thrown')
}

describe('resolveWorkspacePath', () => {
  it('resolves a relative path', () => {
    expect(resolve('site/index.html')).toBe(
      path.join(workspace, 'site', 'index.html'),
    )
  })

  it('accepts a path not yet created', () => {
    expect(resolve('records/new/record.json')).toBe(
      path.join(workspace, 'records', 'new', 'record.json'),
    )
  })

  it('accepts a link inside the workspace', () => {
    expect(resolve('alias', { mustExist: 'directory' })).toBe(
      path.join(workspace, 'alias'),
    )
  })

  it('resolves against a base folder', () => {
    expect(resolve('index.html', { base: path.join(workspace, 'site') })).toBe(
      path.join(workspace, 'site', 'index.html'),
    )
  })

  it.each([
    ['parent folder', '..', 'Use a path inside the workspace'],
    [
      'sibling with shared prefix',
      '../ws-other/x',
      'Use a path inside the workspace',
    ],
    [
      'absolute path elsewhere',
      '/etc/hostname',
      'Use a path inside the workspace',
    ],
    ['link out of the workspace', 'escape', 'symbolic link'],
    ['new file behind a link', 'escape/new/record.json', 'symbolic link'],
    ['file name over 255 bytes', `${'r'.repeat(251)}.json`, 'at most 255'],
    [
      'folder name over 255 bytes',
      `${'é'.repeat(128)}/x.json`,
      'has 256 bytes',
    ],
  ])('rejects %s', (_case, value, fix) => {
    const error = errorOf(() => resolve(value))

    expect(error.input).toBe('some-path')
    expect(error.message).toContain(fix)
  })

  it.each([
    ['missing file', 'site/app.js', 'file', 'No file exists'],
    ['folder for a file', 'site', 'file', 'is not a file'],
    ['file for a folder', 'site/index.html', 'directory', 'is not a directory'],
  ] as const)('rejects %s', (_case, value, kind, fix) => {
    const error = errorOf(() => resolve(value, { mustExist: kind }))

    expect(error.message).toContain(fix)
  })
})

describe('workspaceRoot', () => {
  it('prefers GITHUB_WORKSPACE', () => {
    expect(workspaceRoot({ GITHUB_WORKSPACE: '/srv/ws' }, '/cwd')).toBe(
      '/srv/ws',
    )
  })

  it('falls back to the working directory', () => {
    expect(workspaceRoot({ GITHUB_WORKSPACE: ' ' }, '/cwd')).toBe('/cwd')
  })
})

describe('readKeyValueLines', () => {
  const read = (text: string, hideValues = false) =>
    readKeyValueLines(new InputReader(() => text), 'pairs', {
      keyPattern: /^[A-Z_]+$/,
      keyHint: 'Use upper-case names.',
      hideValues,
    })

  it('keeps = and , in values', () => {
    expect(read('# comment\nA=b=c, d\n\nB = 1')).toEqual([
      ['A', 'b=c, d'],
      ['B', '1'],
    ])
  })

  it('hides values in errors', () => {
    const error = errorOf(() => read('bad=s3cr3t-value', true))

    expect(error.message).toContain('bad=***')
    expect(error.message).not.toContain('s3cr3t-value')
  })

  it('hides lines without a separator', () => {
    const error = errorOf(() => read('A=1\ns3cr3t-value', true))

    expect(error.message).toContain('(line 2, not shown)')
    expect(error.message).not.toContain('s3cr3t-value')
  })
})

describe('expandTemplate', () => {
  it('replaces every placeholder', () => {
    const key = expandTemplate(reader, 'lock-key', '{a}/{b}/{a}', {
      a: 'x',
      b: 'y',
    })

    expect(key).toBe('x/y/x')
  })

  it('rejects an unknown placeholder', () => {
    const error = errorOf(() =>
      expandTemplate(reader, 'lock-key', '{c}.lock', { a: 'x', b: 'y' }),
    )

    expect(error.input).toBe('lock-key')
    expect(error.message).toContain('Use only {a}, {b}')
  })
})

describe('checkNotLonger', () => {
  it('names both inputs', () => {
    const error = errorOf(() =>
      checkNotLonger(
        reader,
        { name: 'attempt-timeout', ms: 120_000 },
        { name: 'timeout', ms: 60_000 },
      ),
    )

    expect(error.message).toBe(
      "Invalid input 'attempt-timeout': \"2m\". It is longer than 'timeout' (1m), which limits it. Lower 'attempt-timeout' or raise 'timeout'.",
    )
  })

  it('accepts an equal limit', () => {
    expect(() =>
      checkNotLonger(
        reader,
        { name: 'attempt-timeout', ms: 60_000 },
        { name: 'timeout', ms: 60_000 },
      ),
    ).not.toThrow()
  })
})
