import { appendFile } from 'node:fs/promises'
import type { Logger } from './log.js'
import { redact } from './masking.js'

/**
 * Builds a job summary in Markdown and appends it to $GITHUB_STEP_SUMMARY.
 * All text is redacted when rendered. Table cells, headings, list items and
 * details titles are escaped, while paragraph and details bodies are
 * Markdown written by the caller. Unlike core.summary, write() never throws
 * for a missing variable: it logs a debug line and does nothing.
 */
export class SummaryBuilder {
  private readonly blocks: string[] = []
  private writtenBlocks = 0
  private readonly logger: Logger | undefined

  constructor(opts: { logger?: Logger } = {}) {
    this.logger = opts.logger
  }

  heading(text: string, level: 1 | 2 | 3 = 2): this {
    return this.add(`${'#'.repeat(level)} ${escapeInline(text)}`)
  }

  /** Adds Markdown text as written. Pass outside text through escapeMarkdown() first. */
  paragraph(text: string): this {
    return this.add(text)
  }

  /** Adds a table. Rows shorter than the header are padded with empty cells. */
  table(header: string[], rows: Array<Array<string | number>>): this {
    if (header.length === 0) throw new Error('A summary table needs a header')
    const width = header.length
    const tooWide = rows.findIndex((row) => row.length > width)
    if (tooWide >= 0) {
      throw new Error(
        `Summary table row ${tooWide + 1} has ${rows[tooWide]?.length} cells, but the header has ${width}`,
      )
    }

    const line = (cells: Array<string | number>): string => {
      const padded = [...cells, ...Array<string>(width - cells.length).fill('')]
      return `| ${padded.map((cell) => escapeCell(String(cell))).join(' | ')} |`
    }
    const rule = `|${' --- |'.repeat(width)}`
    return this.add([line(header), rule, ...rows.map(line)].join('\n'))
  }

  list(items: string[]): this {
    if (items.length === 0) return this
    return this.add(items.map((item) => `- ${escapeInline(item)}`).join('\n'))
  }

  /** Adds a collapsed section whose `body` is Markdown. */
  details(summary: string, body: string): this {
    return this.add(
      `<details><summary>${escapeHtml(summary)}</summary>\n\n${body}\n\n</details>`,
    )
  }

  /** Adds a fenced code block whose fence is longer than any backtick run in text. */
  code(text: string, lang = ''): this {
    const longestRun = Math.max(
      0,
      ...(text.match(/`+/g) ?? []).map((run) => run.length),
    )
    const fence = '`'.repeat(Math.max(3, longestRun + 1))
    return this.add(`${fence}${lang}\n${text}\n${fence}`)
  }

  /** Returns the whole summary as Markdown, redacted. */
  toMarkdown(): string {
    return renderBlocks(this.blocks)
  }

  /**
   * Appends the blocks added since the last write to `file` (default:
   * GITHUB_STEP_SUMMARY), so calling write() again never repeats a block.
   */
  async write(file?: string): Promise<void> {
    const target = file ?? process.env.GITHUB_STEP_SUMMARY
    if (!target) {
      this.logger?.debug(
        'GITHUB_STEP_SUMMARY is not set, so the job summary was not written',
      )
      return
    }
    const pending = this.blocks.slice(this.writtenBlocks)
    if (pending.length === 0) return

    await appendFile(target, renderBlocks(pending), 'utf8')
    this.writtenBlocks += pending.length
  }

  private add(block: string): this {
    this.blocks.push(block)
    return this
  }
}

function renderBlocks(blocks: string[]): string {
  return blocks.length === 0 ? '' : `${redact(blocks.join('\n\n'))}\n\n`
}

/** Escapes text for HTML: &, < and >. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * Escapes text for a Markdown table cell: HTML, '|', '*' (so a masked `***`
 * shows as written) and line breaks (as <br>).
 */
export function escapeCell(text: string): string {
  return escapeHtml(text)
    .replace(/\\/g, '\\\\')
    .replace(/[|*]/g, '\\$&')
    .replace(/\r?\n/g, '<br>')
}

function escapeInline(text: string): string {
  return escapeHtml(text).replace(/\r?\n/g, ' ')
}

/** Escapes Markdown punctuation so that outside text shows as written. */
export function escapeMarkdown(text: string): string {
  return escapeHtml(text).replace(/[\\`*_{}[\]()#+\-.!|~]/g, '\\$&')
}
