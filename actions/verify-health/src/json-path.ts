/**
 * A small JSON path for picking one field out of a health response body.
 *
 * Syntax: an optional `$` for the root, then segments. A segment is `.name`,
 * `[index]` or `["name"]` (single quotes work too, and a backslash escapes a
 * quote or a backslash inside them). The first segment may leave out the dot
 * when the path has no `$`, so `status`, `$.status`, `checks.db.status`,
 * `$.checks[0].status` and `$["build.info"].version` are all valid. A bare
 * name may contain any character except whitespace, `.`, `[`, `]` and `=`.
 * `$` alone selects the whole body.
 */

export type JsonPathSegment = string | number

export interface JsonPath {
  /** The path as written, for messages. */
  text: string
  segments: JsonPathSegment[]
}

export class JsonPathSyntaxError extends Error {
  override name = 'JsonPathSyntaxError'
}

const NAME_CHARACTER = /[^\s.[\]=]/

/**
 * Parses a path from the start of `text` and stops at the first character
 * that cannot continue it (for `status=ok`, at `=`). Returns the path and
 * the index where parsing stopped.
 */
export function parseJsonPathPrefix(text: string): {
  path: JsonPath
  end: number
} {
  const segments: JsonPathSegment[] = []
  let index = 0
  let expectSegment = true

  // `$` is the root unless it starts a longer name such as `$id`.
  if (text.startsWith('$') && !NAME_CHARACTER.test(text[1] ?? ' ')) {
    index = 1
    expectSegment = false
  }

  for (;;) {
    const character = text[index]
    if (character === '.') {
      const { name, end } = readName(text, index + 1)
      segments.push(name)
      index = end
    } else if (character === '[') {
      const { segment, end } = readBracket(text, index)
      segments.push(segment)
      index = end
    } else if (expectSegment && character !== undefined) {
      const { name, end } = readName(text, index)
      segments.push(name)
      index = end
    } else {
      break
    }
    expectSegment = false
  }

  if (index === 0) {
    throw new JsonPathSyntaxError('the path is empty')
  }
  return { path: { text: text.slice(0, index), segments }, end: index }
}

/** Parses a whole string as a JSON path; trailing characters are an error. */
export function parseJsonPath(text: string): JsonPath {
  const { path, end } = parseJsonPathPrefix(text)
  if (end !== text.length) {
    throw new JsonPathSyntaxError(
      `unexpected '${text[end]}' at position ${end + 1}`,
    )
  }
  return path
}

function readName(text: string, start: number): { name: string; end: number } {
  let end = start
  while (end < text.length && NAME_CHARACTER.test(text[end] ?? '')) {
    end++
  }
  if (end === start) {
    const found = text[start]
    throw new JsonPathSyntaxError(
      found === undefined
        ? `a field name is missing at the end`
        : `a field name is missing at position ${start + 1} (found '${found}')`,
    )
  }
  return { name: text.slice(start, end), end }
}

function readBracket(
  text: string,
  start: number,
): { segment: JsonPathSegment; end: number } {
  const quote = text[start + 1]
  if (quote === '"' || quote === "'") {
    let name = ''
    let index = start + 2
    for (;;) {
      const character = text[index]
      if (character === undefined) {
        throw new JsonPathSyntaxError(
          `the quoted name opened at position ${start + 2} is not closed`,
        )
      }
      if (character === '\\') {
        const escaped = text[index + 1]
        if (escaped === undefined) {
          throw new JsonPathSyntaxError('the path ends inside an escape')
        }
        name += escaped
        index += 2
        continue
      }
      if (character === quote) {
        break
      }
      name += character
      index++
    }
    if (text[index + 1] !== ']') {
      throw new JsonPathSyntaxError(
        `']' expected after the quoted name at position ${index + 2}`,
      )
    }
    return { segment: name, end: index + 2 }
  }

  const close = text.indexOf(']', start)
  const inner = close === -1 ? '' : text.slice(start + 1, close)
  if (!/^\d+$/.test(inner)) {
    throw new JsonPathSyntaxError(
      `'[' at position ${start + 1} must hold an array index like [0] or a quoted name like ["name"]`,
    )
  }
  return { segment: Number(inner), end: close + 1 }
}

/** Selects the value at `path`, or returns `found: false` with the first missing segment. */
export function selectJsonPath(
  value: unknown,
  path: JsonPath,
): { found: true; value: unknown } | { found: false; missing: string } {
  let current: unknown = value
  let walked = '$'
  for (const segment of path.segments) {
    walked += typeof segment === 'number' ? `[${segment}]` : `.${segment}`
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) {
        return { found: false, missing: walked }
      }
      current = current[segment]
      continue
    }
    if (
      current === null ||
      typeof current !== 'object' ||
      Array.isArray(current) ||
      !Object.prototype.hasOwnProperty.call(current, segment)
    ) {
      return { found: false, missing: walked }
    }
    current = (current as Record<string, unknown>)[segment]
  }
  return { found: true, value: current }
}
