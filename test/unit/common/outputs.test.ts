import {
  afterEach,
  beforeEach,
  describe,
  expect,
  it,
  jest,
} from '@jest/globals'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

jest.unstable_mockModule('../../../common/runner-commands.js', () => ({
  setSecret: jest.fn(),
}))

// Imported after the mock is registered, because ESM imports are resolved
// before the test body runs.
const { OutputWriter, parseCommandFile } =
  await import('../../../common/outputs.js')
const { memoryLogger } = await import('../../../common/log.js')
const { maskSecret, resetMasksForTests } =
  await import('../../../common/masking.js')

let dir: string
let file: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outputs-test-'))
  file = join(dir, 'output')
  await writeFile(file, '')
})

afterEach(async () => {
  resetMasksForTests()
  await rm(dir, { recursive: true, force: true })
})

async function roundTrip(values: Record<string, string>) {
  const writer = new OutputWriter({ file })
  for (const [name, value] of Object.entries(values)) writer.set(name, value)
  await writer.flush()
  return parseCommandFile(await readFile(file, 'utf8'))
}

describe('OutputWriter round trip', () => {
  it.each([
    ['multi-line with delimiter text', 'a\nghadelimiter_\nEOF\n%0A = b'],
    ['literal %0A and equals', 'x%0Ay=z==%25'],
    ['no trailing newline', 'line1\nline2'],
    ['trailing newline', 'line1\n'],
    ['only newlines', '\n\n'],
    ['empty value', ''],
    ['unicode', 'żółw 🐢 ✓ \u202e'],
    ['carriage returns', 'a\r\nb\r'],
    ['looks like a heredoc', 'other<<EOF\nEOF'],
    ['JSON text', '{"a":"b\\nc"}'],
  ])('keeps %s byte for byte', async (_case, value) => {
    const outputs = await roundTrip({ result: value })
    expect(outputs).toEqual({ result: value })
    expect(Buffer.from(outputs.result ?? '')).toEqual(Buffer.from(value))
  })

  it('writes several outputs in order', async () => {
    const outputs = await roundTrip({ a: '1', b: 'two\nlines', c: '' })
    expect(outputs).toEqual({ a: '1', b: 'two\nlines', c: '' })
  })

  it('uses the runner delimiter form', async () => {
    const writer = new OutputWriter({ file })
    writer.set('name', 'v')
    await writer.flush()
    const text = await readFile(file, 'utf8')
    expect(text).toMatch(/^name<<(ghadelimiter_[0-9a-f-]{36})\nv\n\1\n$/)
  })

  it('converts numbers, booleans and objects', async () => {
    const writer = new OutputWriter({ file })
    writer.set('count', 3)
    writer.set('ok', false)
    writer.set('record-json', { a: [1, 'x'] })
    await writer.flush()
    expect(parseCommandFile(await readFile(file, 'utf8'))).toEqual({
      count: '3',
      ok: 'false',
      'record-json': '{"a":[1,"x"]}',
    })
  })
})

describe('OutputWriter rules', () => {
  it('regenerates a delimiter found in the value', async () => {
    const delimiters = ['EOF', 'EOF', 'END']
    const makeDelimiter = jest.fn(() => delimiters.shift() ?? 'LAST')
    const writer = new OutputWriter({ file, makeDelimiter })
    writer.set('body', 'text\nEOF\nmore')
    await writer.flush()
    expect(makeDelimiter).toHaveBeenCalledTimes(3)
    expect(await readFile(file, 'utf8')).toBe(
      'body<<END\ntext\nEOF\nmore\nEND\n',
    )
  })

  it.each(['', '1abc', 'has space', 'a=b', 'a<<b', 'dot.name', 'ü'])(
    'rejects output name %j',
    (name) => {
      const writer = new OutputWriter({ file })
      expect(() => writer.set(name, 'v')).toThrow(
        `Invalid output name '${name}'`,
      )
    },
  )

  it('accepts valid output names', () => {
    const writer = new OutputWriter({ file })
    for (const name of ['a', '_a', 'deployment-json', 'A_1-b']) {
      writer.set(name, 'v')
      expect(writer.has(name)).toBe(true)
    }
    expect(writer.has('missing')).toBe(false)
  })

  it('throws when an output is set twice', () => {
    const writer = new OutputWriter({ file })
    writer.set('result', 'a')
    expect(() => writer.set('result', 'b')).toThrow(
      "Output 'result' is already set",
    )
  })

  it('flushes each output once', async () => {
    const writer = new OutputWriter({ file })
    writer.set('a', '1')
    await writer.flush()
    await writer.flush()
    writer.set('b', '2')
    await Promise.all([writer.flush(), writer.flush()])
    const text = await readFile(file, 'utf8')
    expect(text.match(/^a<</gm)).toHaveLength(1)
    expect(text.match(/^b<</gm)).toHaveLength(1)
    expect(parseCommandFile(text)).toEqual({ a: '1', b: '2' })
  })

  it('retries outputs after a failed write', async () => {
    const nested = join(dir, 'later', 'output')
    const writer = new OutputWriter({ file: nested })
    writer.set('status', 'failed')
    await expect(writer.flush()).rejects.toThrow('ENOENT')
    await mkdir(join(dir, 'later'))
    await writer.flush()
    expect(parseCommandFile(await readFile(nested, 'utf8'))).toEqual({
      status: 'failed',
    })
  })

  it('redacts values when writing', async () => {
    const writer = new OutputWriter({ file })
    writer.set('url', 'https://example.com/?k=topsecret1')
    maskSecret('topsecret1')
    await writer.flush()
    expect(await readFile(file, 'utf8')).not.toContain('topsecret1')
    expect(parseCommandFile(await readFile(file, 'utf8')).url).toBe(
      'https://example.com/?k=***',
    )
    expect(writer.get('url')).toBe('https://example.com/?k=***')
  })

  it('reads GITHUB_OUTPUT at flush time', async () => {
    const previous = process.env.GITHUB_OUTPUT
    const writer = new OutputWriter()
    writer.set('x', 'y')
    process.env.GITHUB_OUTPUT = file
    try {
      await writer.flush()
    } finally {
      if (previous === undefined) delete process.env.GITHUB_OUTPUT
      else process.env.GITHUB_OUTPUT = previous
    }
    expect(parseCommandFile(await readFile(file, 'utf8'))).toEqual({ x: 'y' })
  })

  it('logs when no output file is set', async () => {
    const previous = process.env.GITHUB_OUTPUT
    delete process.env.GITHUB_OUTPUT
    const logger = memoryLogger()
    const writer = new OutputWriter({ logger })
    writer.set('x', 'y')
    try {
      await writer.flush()
    } finally {
      if (previous !== undefined) process.env.GITHUB_OUTPUT = previous
    }
    expect(logger.lines).toEqual([
      'debug: GITHUB_OUTPUT is not set, so these outputs were not written: x',
    ])
  })
})

describe('parseCommandFile', () => {
  it('reads name=value lines', () => {
    expect(parseCommandFile('a=1\nb=x=y\n\nc=\nd=<<no')).toEqual({
      a: '1',
      b: 'x=y',
      c: '',
      d: '<<no',
    })
  })

  it('reads heredoc blocks', () => {
    const text = 'a<<EOF\nline 1\nline 2\nEOF\nb<<X\n\nX\nc<<=Z\nv\n=Z'
    expect(parseCommandFile(text)).toEqual({
      a: 'line 1\nline 2',
      b: '',
      c: 'v',
    })
  })

  it('accepts an empty heredoc body', () => {
    expect(parseCommandFile('a<<EOF\nEOF\n')).toEqual({ a: '' })
  })

  it('keeps the last value per name', () => {
    expect(parseCommandFile('a=1\na=2\n')).toEqual({ a: '2' })
  })

  it('keeps carriage returns as on Linux', () => {
    expect(parseCommandFile('a=1\r\n')).toEqual({ a: '1\r' })
  })

  it.each([
    [
      'missing delimiter',
      'a<<EOF\nvalue\n',
      "matching delimiter 'EOF' not found",
    ],
    ['empty heredoc name', '<<EOF\nEOF\n', 'empty name or delimiter'],
    ['empty delimiter', 'a<<\nx\n', 'empty name or delimiter'],
    ['empty name', '=value\n', 'empty name'],
    ['no separator', 'just text\n', "Invalid format 'just text'"],
  ])('rejects %s', (_case, text, message) => {
    expect(() => parseCommandFile(text)).toThrow(message)
  })
})
