/**
 * A small reader for the structure of Terraform configuration files: the
 * blocks, their labels and their attributes, with each attribute's
 * expression kept as source text. It understands what can hide a brace or
 * a line break from a naive scan (quoted strings with `${...}` templates,
 * heredocs, and `#`, `//` and `/* *\/` comments) and does not evaluate
 * expressions, except string literals through `stringValue`.
 */

export interface HclAttribute {
  kind: 'attribute'
  name: string
  /** Source text of the expression, trimmed, with its inner line breaks. */
  expression: string
  line: number
}

export interface HclBlock {
  kind: 'block'
  type: string
  labels: string[]
  body: HclItem[]
  line: number
}

export type HclItem = HclAttribute | HclBlock

export class HclSyntaxError extends Error {
  constructor(message: string, file: string, line: number) {
    super(`${file}:${line}: ${message}`)
    this.name = 'HclSyntaxError'
  }
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_-]*/y
const HEREDOC_START = /<<(-?)([A-Za-z_][A-Za-z0-9_]*)\r?\n/y

/** Parses a whole file into its top-level blocks and attributes. */
export function parseHcl(source: string, file = '<input>'): HclItem[] {
  const reader = new Reader(source, file)
  const items = reader.body(false)
  return items
}

/** Returns the first attribute of that name in a body. */
export function attribute(
  body: HclItem[],
  name: string,
): HclAttribute | undefined {
  return body.find(
    (item): item is HclAttribute =>
      item.kind === 'attribute' && item.name === name,
  )
}

/** Returns the blocks of one type in a body, in source order. */
export function blocks(body: HclItem[], type: string): HclBlock[] {
  return body.filter(
    (item): item is HclBlock => item.kind === 'block' && item.type === type,
  )
}

/**
 * Returns the value of an expression that is a plain string literal or a
 * heredoc, or undefined for any other expression (including strings with
 * `${...}` templates, whose value depends on evaluation).
 */
export function stringValue(expression: string): string | undefined {
  const heredoc =
    /^<<(-?)([A-Za-z_][A-Za-z0-9_]*)\r?\n([\s\S]*?)\r?\n[ \t]*\2$/.exec(
      expression,
    )
  if (heredoc) {
    const lines = (heredoc[3] ?? '').split(/\r?\n/)
    if (heredoc[1] !== '-') return lines.join('\n')
    const indents = lines
      .filter((line) => line.trim() !== '')
      .map((line) => /^[ \t]*/.exec(line)?.[0].length ?? 0)
    const strip = indents.length > 0 ? Math.min(...indents) : 0
    return lines.map((line) => line.slice(strip)).join('\n')
  }
  if (!expression.startsWith('"') || !expression.endsWith('"')) return undefined
  const inner = expression.slice(1, -1)
  if (/(^|[^$%])[$%]\{/.test(inner)) return undefined
  return inner.replace(
    /\\(["\\nrt]|u[0-9A-Fa-f]{4})|\$\$\{|%%\{/g,
    (match: string, escape: string | undefined) => {
      if (match === '$${') return '${'
      if (match === '%%{') return '%{'
      switch (escape) {
        case 'n':
          return '\n'
        case 'r':
          return '\r'
        case 't':
          return '\t'
        case '"':
          return '"'
        case '\\':
          return '\\'
        default:
          return String.fromCharCode(parseInt(escape?.slice(1) ?? '0', 16))
      }
    },
  )
}

class Reader {
  private pos = 0

  constructor(
    private readonly source: string,
    private readonly file: string,
  ) {}

  /** Reads items until the end of input, or until `}` when `nested`. */
  body(nested: boolean): HclItem[] {
    const items: HclItem[] = []
    for (;;) {
      this.skipSpaceAndComments(true)
      if (this.pos >= this.source.length) {
        if (nested) this.fail('missing "}" at the end of a block')
        return items
      }
      if (this.source[this.pos] === '}') {
        if (!nested) this.fail('unexpected "}"')
        this.pos++
        return items
      }
      items.push(this.item())
    }
  }

  private item(): HclItem {
    const line = this.line()
    const name = this.identifier()
    if (name === undefined) {
      this.fail(
        `expected an attribute or block name, found ${JSON.stringify(this.source.slice(this.pos, this.pos + 10))}`,
      )
    }
    this.skipSpaceAndComments(false)
    if (this.source[this.pos] === '=' && this.source[this.pos + 1] !== '=') {
      this.pos++
      const expression = this.expression()
      return { kind: 'attribute', name, expression, line }
    }
    const labels: string[] = []
    for (;;) {
      this.skipSpaceAndComments(false)
      const char = this.source[this.pos]
      if (char === '{') break
      if (char === '"') {
        const start = this.pos
        this.skipQuoted()
        const label = stringValue(this.source.slice(start, this.pos))
        if (label === undefined)
          this.fail('a block label must be a plain string')
        labels.push(label)
        continue
      }
      const bare = this.identifier()
      if (bare === undefined) {
        this.fail(`expected "=" or "{" after ${JSON.stringify(name)}`)
      }
      labels.push(bare)
    }
    this.pos++
    const body = this.body(true)
    return { kind: 'block', type: name, labels, body, line }
  }

  /** Reads an expression up to the end of its line, outside brackets. */
  private expression(): string {
    const start = this.pos
    let depth = 0
    while (this.pos < this.source.length) {
      const char = this.source[this.pos]
      const next = this.source[this.pos + 1]
      if (char === '"') {
        this.skipQuoted()
        continue
      }
      if (char === '<' && next === '<' && this.atHeredoc()) {
        this.skipHeredoc()
        continue
      }
      if (char === '#' || (char === '/' && next === '/')) {
        if (depth === 0) break
        this.skipLineComment()
        continue
      }
      if (char === '/' && next === '*') {
        this.skipBlockComment()
        continue
      }
      if (char === '(' || char === '[' || char === '{') depth++
      if (char === ')' || char === ']' || char === '}') {
        if (depth === 0) break
        depth--
      }
      if (char === '\n' && depth === 0) break
      this.pos++
    }
    if (depth !== 0) this.fail('unclosed bracket in an expression')
    const text = this.source.slice(start, this.pos).trim()
    if (text === '') this.fail('missing expression after "="')
    return text
  }

  private atHeredoc(): boolean {
    HEREDOC_START.lastIndex = this.pos
    return HEREDOC_START.test(this.source)
  }

  private skipHeredoc(): void {
    HEREDOC_START.lastIndex = this.pos
    const match = HEREDOC_START.exec(this.source)
    if (!match) this.fail('invalid heredoc')
    const marker = match[2] ?? ''
    this.pos = HEREDOC_START.lastIndex
    const end = new RegExp(`^[ \\t]*${marker}[ \\t]*$`, 'm')
    const rest = this.source.slice(this.pos)
    const found = end.exec(rest)
    if (!found) this.fail(`heredoc without its closing ${marker}`)
    this.pos += found.index + found[0].length
  }

  /** Skips a quoted string, including `${...}` and `%{...}` templates that may contain strings. */
  private skipQuoted(): void {
    const startLine = this.line()
    this.pos++
    while (this.pos < this.source.length) {
      const char = this.source[this.pos]
      if (char === '\\') {
        this.pos += 2
        continue
      }
      if (char === '"') {
        this.pos++
        return
      }
      if (char === '\n') break
      if (
        (char === '$' || char === '%') &&
        this.source[this.pos + 1] === '{' &&
        this.source[this.pos - 1] !== char
      ) {
        this.pos += 2
        this.skipTemplate()
        continue
      }
      this.pos++
    }
    throw new HclSyntaxError('unterminated string', this.file, startLine)
  }

  private skipTemplate(): void {
    let depth = 1
    while (this.pos < this.source.length && depth > 0) {
      const char = this.source[this.pos]
      if (char === '"') {
        this.skipQuoted()
        continue
      }
      if (char === '{') depth++
      if (char === '}') depth--
      this.pos++
    }
  }

  private skipSpaceAndComments(newlines: boolean): void {
    while (this.pos < this.source.length) {
      const char = this.source[this.pos]
      const next = this.source[this.pos + 1]
      if (char === ' ' || char === '\t' || char === '\r') this.pos++
      else if (char === '\n' && newlines) this.pos++
      else if (char === '#' || (char === '/' && next === '/')) {
        this.skipLineComment()
      } else if (char === '/' && next === '*') this.skipBlockComment()
      else return
    }
  }

  private skipLineComment(): void {
    const end = this.source.indexOf('\n', this.pos)
    this.pos = end === -1 ? this.source.length : end
  }

  private skipBlockComment(): void {
    const end = this.source.indexOf('*/', this.pos + 2)
    if (end === -1) this.fail('unterminated /* comment')
    this.pos = end + 2
  }

  private identifier(): string | undefined {
    IDENTIFIER.lastIndex = this.pos
    const match = IDENTIFIER.exec(this.source)
    if (!match) return undefined
    this.pos = IDENTIFIER.lastIndex
    return match[0]
  }

  private line(): number {
    let line = 1
    for (let index = 0; index < this.pos; index++) {
      if (this.source[index] === '\n') line++
    }
    return line
  }

  private fail(message: string): never {
    throw new HclSyntaxError(message, this.file, this.line())
  }
}
