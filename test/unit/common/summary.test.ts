import {
  afterEach,
  beforeEach,
  describe,
  expect,
  it,
  jest,
} from '@jest/globals'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

jest.unstable_mockModule('../../../common/runner-commands.js', () => ({
  setSecret: jest.fn(),
}))

// Imported after the mock is registered, because ESM imports are resolved
// before the test body runs.
const { SummaryBuilder, escapeCell, escapeMarkdown } =
  await import('../../../common/summary.js')
const { memoryLogger } = await import('../../../common/log.js')
const { maskSecret, resetMasksForTests } =
  await import('../../../common/masking.js')

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'summary-test-'))
})

afterEach(async () => {
  resetMasksForTests()
  await rm(dir, { recursive: true, force: true })
})

describe('SummaryBuilder markdown', () => {
  it('renders headings and paragraphs', () => {
    const markdown = new SummaryBuilder()
      .heading('Deploy')
      .heading('Top', 1)
      .heading('Detail\nline', 3)
      .paragraph('Traffic moved to **green**.')
      .toMarkdown()
    expect(markdown).toBe(
      '## Deploy\n\n# Top\n\n### Detail line\n\nTraffic moved to **green**.\n\n',
    )
  })

  it('renders a table with escaped cells', () => {
    const markdown = new SummaryBuilder()
      .table(
        ['Name', 'Value'],
        [['a|b', 'line1\nline2'], ['<tag>', 42], ['short']],
      )
      .toMarkdown()
    expect(markdown).toBe(
      [
        '| Name | Value |',
        '| --- | --- |',
        '| a\\|b | line1<br>line2 |',
        '| &lt;tag&gt; | 42 |',
        '| short |  |',
      ].join('\n') + '\n\n',
    )
  })

  it('rejects rows wider than the header', () => {
    const builder = new SummaryBuilder()
    expect(() => builder.table(['a'], [['1', '2']])).toThrow(
      'Summary table row 1 has 2 cells, but the header has 1',
    )
    expect(() => builder.table([], [])).toThrow('needs a header')
  })

  it('renders lists, details and code', () => {
    const markdown = new SummaryBuilder()
      .list(['one', 'two\nparts'])
      .list([])
      .details('Plan <full>', 'body text')
      .code('echo ```', 'sh')
      .toMarkdown()
    expect(markdown).toBe(
      [
        '- one\n- two parts',
        '<details><summary>Plan &lt;full&gt;</summary>\n\nbody text\n\n</details>',
        '````sh\necho ```\n````',
      ].join('\n\n') + '\n\n',
    )
  })

  it('redacts all text', () => {
    maskSecret('p4ssw0rd')
    const markdown = new SummaryBuilder()
      .heading('h p4ssw0rd')
      .table(['k'], [['p4ssw0rd']])
      .code('p4ssw0rd')
      .toMarkdown()
    expect(markdown).not.toContain('p4ssw0rd')
    expect(markdown.match(/\*\*\*/g)).toHaveLength(3)
  })

  it('is empty without blocks', () => {
    expect(new SummaryBuilder().toMarkdown()).toBe('')
  })
})

describe('SummaryBuilder write', () => {
  it('appends to the given file', async () => {
    const file = join(dir, 'summary.md')
    const builder = new SummaryBuilder().heading('First')
    await builder.write(file)
    builder.paragraph('Second')
    await builder.write(file)
    await builder.write(file)
    expect(await readFile(file, 'utf8')).toBe('## First\n\nSecond\n\n')
  })

  it('writes to GITHUB_STEP_SUMMARY', async () => {
    const file = join(dir, 'step.md')
    const previous = process.env.GITHUB_STEP_SUMMARY
    process.env.GITHUB_STEP_SUMMARY = file
    try {
      await new SummaryBuilder().paragraph('done').write()
    } finally {
      if (previous === undefined) delete process.env.GITHUB_STEP_SUMMARY
      else process.env.GITHUB_STEP_SUMMARY = previous
    }
    expect(await readFile(file, 'utf8')).toBe('done\n\n')
  })

  it('logs and skips without a file', async () => {
    const previous = process.env.GITHUB_STEP_SUMMARY
    delete process.env.GITHUB_STEP_SUMMARY
    const logger = memoryLogger()
    try {
      await new SummaryBuilder({ logger }).paragraph('x').write()
    } finally {
      if (previous !== undefined) process.env.GITHUB_STEP_SUMMARY = previous
    }
    expect(logger.lines).toEqual([
      'debug: GITHUB_STEP_SUMMARY is not set, so the job summary was not written',
    ])
  })
})

describe('escape helpers', () => {
  it('escapes table cells', () => {
    expect(escapeCell('a\\|b\r\nc & d')).toBe('a\\\\\\|b<br>c &amp; d')
    expect(escapeCell('token=***')).toBe('token=\\*\\*\\*')
  })

  it('escapes markdown punctuation', () => {
    expect(escapeMarkdown('*bold* [x](y) <b>')).toBe(
      '\\*bold\\* \\[x\\]\\(y\\) &lt;b&gt;',
    )
  })
})
