// A folder store for workflow artifacts, one per run, with the semantics
// of actions/upload-artifact and actions/download-artifact v4. Names are
// unique within a run unless `overwrite` is set. A single folder uploads
// its contents, and several paths upload relative to their common
// ancestor. A download of one name unpacks into `path`.
import { createHash } from 'node:crypto'
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import type { ArtifactRecord } from './types.js'

const INVALID_NAME = /["<>|*?\r\n\\/:]/

export type IfNoFilesFound = 'warn' | 'error' | 'ignore'

export interface UploadRequest {
  name: string
  /** Paths (files, folders or glob patterns), relative to `workspace` unless absolute. */
  paths: string[]
  workspace: string
  ifNoFilesFound: IfNoFilesFound
  overwrite: boolean
  includeHiddenFiles: boolean
  job: string
}

export interface UploadResult {
  /** Undefined when no file matched and if-no-files-found allowed it. */
  artifact?: ArtifactRecord
  warning?: string
}

function listFiles(dir: string, includeHidden: boolean): string[] {
  const files: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!includeHidden && entry.name.startsWith('.')) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) files.push(...listFiles(path, includeHidden))
    else if (entry.isFile() || entry.isSymbolicLink()) files.push(path)
  }
  return files
}

function commonAncestor(paths: string[]): string {
  const parts = paths.map((path) => path.split(sep))
  const first = parts[0] ?? []
  let length = 0
  while (
    length < first.length &&
    parts.every((segments) => segments[length] === first[length])
  ) {
    length += 1
  }
  return first.slice(0, length).join(sep) || sep
}

/**
 * Converts a glob to a regular expression: `**` matches any number of path
 * segments, `*` and `?` match within one segment, `[...]` is a character
 * class.
 */
export function globToRegExp(glob: string): RegExp {
  let source = ''
  for (let index = 0; index < glob.length; index += 1) {
    const char = glob[index] as string
    if (char === '*' && glob[index + 1] === '*') {
      const slashAfter = glob[index + 2] === '/'
      source += slashAfter ? '(?:.*/)?' : '.*'
      index += slashAfter ? 2 : 1
    } else if (char === '*') {
      source += '[^/]*'
    } else if (char === '?') {
      source += '[^/]'
    } else if (char === '[') {
      const end = glob.indexOf(']', index + 1)
      if (end < 0) {
        source += '\\['
      } else {
        const body = glob.slice(index + 1, end).replace(/^!/, '^')
        source += `[${body.replace(/\\/g, '\\\\')}]`
        index = end
      }
    } else {
      source += char.replace(/[.+^${}()|\\]/g, '\\$&')
    }
  }
  return new RegExp(`^${source}$`)
}

/**
 * Lists the files that a glob matches. A matching folder includes the
 * files below it, as actions/upload-artifact's implicit descendants do.
 */
function expandPattern(pattern: string, includeHidden: boolean): string[] {
  const firstWildcard = pattern.search(/[*?[]/)
  const base = dirname(`${pattern.slice(0, firstWildcard)}x`)
  if (!existsSync(base) || !statSync(base).isDirectory()) return []
  const matcher = globToRegExp(pattern)
  return listFiles(base, includeHidden).filter((file) => {
    for (let path = file; path.length >= base.length; path = dirname(path)) {
      if (matcher.test(path)) return true
      if (path === dirname(path)) break
    }
    return false
  })
}

/** Hashes every file of a folder: SHA-256 over sorted `path\0sha256` lines. */
export function digestFolder(dir: string): {
  files: number
  bytes: number
  sha256: string
} {
  const entries = listFiles(dir, true)
    .map((path) => {
      const content = readFileSync(path)
      return {
        path: relative(dir, path).split(sep).join('/'),
        bytes: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
      }
    })
    .sort((a, b) => a.path.localeCompare(b.path, 'en'))
  const manifest = entries.map((entry) => `${entry.path}\0${entry.sha256}\n`)
  return {
    files: entries.length,
    bytes: entries.reduce((sum, entry) => sum + entry.bytes, 0),
    sha256: createHash('sha256').update(manifest.join('')).digest('hex'),
  }
}

export class ArtifactStore {
  private readonly records = new Map<string, ArtifactRecord>()

  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true })
  }

  list(): ArtifactRecord[] {
    return [...this.records.values()]
  }

  /** Copies the matching files into the store. Throws for an invalid name, a duplicate or no files with `error`. */
  async upload(request: UploadRequest): Promise<UploadResult> {
    const name = request.name
    if (name === '' || INVALID_NAME.test(name)) {
      throw new Error(
        `Invalid artifact name '${name}': use 1 or more characters without " : < > | * ? \\ / or line breaks`,
      )
    }
    if (this.records.has(name) && !request.overwrite) {
      throw new Error(
        `An artifact named '${name}' already exists in this run; set overwrite: true to replace it`,
      )
    }

    const files = new Set<string>()
    const roots: string[] = []
    for (const raw of request.paths) {
      const exclude = raw.startsWith('!')
      const pattern = exclude ? raw.slice(1) : raw
      const absolute = isAbsolute(pattern)
        ? pattern
        : resolve(request.workspace, pattern)
      let matched: string[]
      if (/[*?[\]]/.test(pattern)) {
        matched = expandPattern(absolute, request.includeHiddenFiles)
        if (!exclude) roots.push(absolute.split(/[*?[]/)[0] ?? absolute)
      } else if (!existsSync(absolute)) {
        matched = []
      } else if (statSync(absolute).isDirectory()) {
        matched = listFiles(absolute, request.includeHiddenFiles)
        if (!exclude) roots.push(absolute)
      } else {
        matched = [absolute]
        if (!exclude) roots.push(dirname(absolute))
      }
      for (const file of matched) {
        if (exclude) files.delete(file)
        else files.add(file)
      }
    }

    if (files.size === 0) {
      const message = `No files were found with the provided path: ${request.paths.join(', ')}. No artifact will be uploaded.`
      if (request.ifNoFilesFound === 'error') throw new Error(message)
      return request.ifNoFilesFound === 'warn' ? { warning: message } : {}
    }

    const base =
      roots.length === 1 ? (roots[0] as string) : commonAncestor(roots)
    const target = join(this.root, name)
    rmSync(target, { recursive: true, force: true })
    for (const file of files) {
      const destination = join(target, relative(base, file))
      mkdirSync(dirname(destination), { recursive: true })
      cpSync(file, destination, { dereference: true })
    }
    const digest = digestFolder(target)
    const artifact: ArtifactRecord = {
      name,
      path: target,
      ...digest,
      job: request.job,
    }
    this.records.set(name, artifact)
    return { artifact }
  }

  /**
   * Copies artifacts into `path`: the named one into `path` itself, or with
   * no name every artifact (or those matching `pattern`) into
   * `path/<name>`, or straight into `path` with `mergeMultiple`.
   */
  async download(request: {
    name?: string
    pattern?: string
    path: string
    mergeMultiple: boolean
  }): Promise<ArtifactRecord[]> {
    if (request.name) {
      const artifact = this.records.get(request.name)
      if (artifact === undefined) {
        const known = [...this.records.keys()]
        throw new Error(
          `Artifact not found: '${request.name}'. Artifacts of this run: ${known.length > 0 ? known.join(', ') : 'none'}`,
        )
      }
      mkdirSync(request.path, { recursive: true })
      cpSync(artifact.path, request.path, { recursive: true })
      return [artifact]
    }
    let selected = [...this.records.values()]
    if (request.pattern) {
      const matcher = globToRegExp(request.pattern)
      selected = selected.filter((artifact) => matcher.test(artifact.name))
    }
    for (const artifact of selected) {
      const target = request.mergeMultiple
        ? request.path
        : join(request.path, artifact.name)
      mkdirSync(target, { recursive: true })
      cpSync(artifact.path, target, { recursive: true })
    }
    return selected
  }
}
