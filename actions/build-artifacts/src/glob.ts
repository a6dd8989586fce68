/**
 * Matches build-folder paths against the patterns of the `content-types`
 * and `cache-control` inputs. A pattern without '/' matches the file name
 * in any folder (as in .gitignore); a pattern with '/' matches the whole
 * path relative to the build folder. `*` matches within one path segment,
 * `**` across segments, `?` one character other than '/'.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = ''
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i] as string
    if (char === '*') {
      if (pattern[i + 1] === '*') {
        // '**/' matches zero or more whole folders; a bare '**' anything.
        if (pattern[i + 2] === '/') {
          source += '(?:.*/)?'
          i += 2
        } else {
          source += '.*'
          i += 1
        }
      } else {
        source += '[^/]*'
      }
    } else if (char === '?') {
      source += '[^/]'
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&')
    }
  }
  return new RegExp(`^${source}$`, 'u')
}

/** A compiled glob with the value it maps to. */
export interface GlobRule<T> {
  pattern: string
  regexp: RegExp
  matchName: boolean
  value: T
}

export function compileRules<T>(entries: Array<[string, T]>): GlobRule<T>[] {
  return entries.map(([pattern, value]) => ({
    pattern,
    regexp: globToRegExp(pattern.normalize('NFC')),
    matchName: !pattern.includes('/'),
    value,
  }))
}

/** Returns the first rule that matches the relative path, or undefined. */
export function firstMatch<T>(
  rules: GlobRule<T>[],
  relativePath: string,
): GlobRule<T> | undefined {
  const name = relativePath.slice(relativePath.lastIndexOf('/') + 1)
  return rules.find((rule) =>
    rule.regexp.test(rule.matchName ? name : relativePath),
  )
}
