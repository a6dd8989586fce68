import { existsSync, realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import { formatDuration } from './duration.js'
import type { InputReader } from './inputs.js'

/**
 * Checks that several actions apply to their inputs: workspace paths, AWS
 * names, `KEY=value` lines and `{placeholder}` templates. Each check raises
 * an InputError (through InputReader.fail) that names the input, the value
 * and the fix.
 */

/** AWS region names such as us-east-1, eu-central-1 or us-gov-west-1. */
export const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/

/** S3 bucket names for general purpose buckets (3 to 63 characters). */
export const S3_BUCKET =
  /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
export const S3_BUCKET_HINT =
  'Use a bucket name of 3 to 63 lowercase letters, digits, dots and hyphens that starts and ends with a letter or digit.'

/** DynamoDB table names. */
export const DYNAMODB_TABLE = /^[A-Za-z0-9_.-]{3,255}$/
export const DYNAMODB_TABLE_HINT =
  "Use a table name of 3 to 255 letters, digits, '_', '-' and '.'."

// Control characters have no place in an object key that people read.
const S3_KEY = /^(?!\/)[^\p{Cc}]{1,1024}$/u
const S3_KEY_HINT =
  'Use an object key of 1 to 1024 characters without a leading / or control characters.'

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** Maximum length of a file or folder name, in bytes, on ext4, XFS and APFS. */
const MAX_NAME_BYTES = 255

/** Returns the folder that path inputs resolve against: GITHUB_WORKSPACE, else `cwd`. */
export function workspaceRoot(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string {
  const workspace = env.GITHUB_WORKSPACE?.trim()
  return path.resolve(workspace ? workspace : cwd)
}

export type PathKind = 'file' | 'directory'

export interface WorkspacePathOptions {
  workspace: string
  /** Folder that a relative value resolves against; defaults to the workspace. */
  base?: string
  /** Requires the path to exist and be of this kind. */
  mustExist?: PathKind
}

/**
 * Resolves a path input and rejects it when it leaves the workspace, either
 * by its text ('..', an absolute path elsewhere) or through a symbolic link
 * on the existing part of the path. Returns the absolute path.
 */
export function resolveWorkspacePath(
  reader: InputReader,
  name: string,
  value: string,
  opts: WorkspacePathOptions,
): string {
  const workspace = path.resolve(opts.workspace)
  const inside = `Use a path inside the workspace ${workspace}, relative to it or absolute.`
  if (value.includes('\0')) reader.fail(name, value, inside)
  const longName = value
    .split(/[\\/]/)
    .find((segment) => Buffer.byteLength(segment) > MAX_NAME_BYTES)
  if (longName !== undefined) {
    reader.fail(
      name,
      value,
      `A file or folder name in the path has ${Buffer.byteLength(longName)} bytes, and common file systems (ext4, XFS, APFS) allow at most ${MAX_NAME_BYTES}. Use shorter names.`,
    )
  }

  const resolved = path.resolve(opts.base ?? workspace, value)
  if (!isInside(workspace, resolved)) reader.fail(name, value, inside)

  const existing = nearestExisting(resolved)
  const realWorkspace = realpathSync(nearestExisting(workspace))
  const realExisting = realpathSync(existing)
  if (!isInside(realWorkspace, realExisting)) {
    reader.fail(
      name,
      value,
      `It resolves through a symbolic link to ${realExisting}, outside the workspace. ${inside}`,
    )
  }

  if (opts.mustExist !== undefined) {
    checkKind(reader, name, value, resolved, opts.mustExist, existing)
  }
  return resolved
}

function checkKind(
  reader: InputReader,
  name: string,
  value: string,
  resolved: string,
  kind: PathKind,
  existing: string,
): void {
  if (existing !== resolved) {
    reader.fail(
      name,
      value,
      `No ${kind} exists at ${resolved}. Check the path, or create the ${kind} in an earlier step.`,
    )
  }
  const stats = statSync(resolved)
  const isKind = kind === 'file' ? stats.isFile() : stats.isDirectory()
  if (!isKind) {
    reader.fail(
      name,
      value,
      `${resolved} exists but is not a ${kind}. Give the path of a ${kind}.`,
    )
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate)
  return (
    relative === '' ||
    (!relative.startsWith(`..${path.sep}`) &&
      relative !== '..' &&
      !path.isAbsolute(relative))
  )
}

/** Returns `target` or its closest ancestor that exists. */
function nearestExisting(target: string): string {
  let current = target
  while (!existsSync(current)) {
    const parent = path.dirname(current)
    if (parent === current) return current
    current = parent
  }
  return current
}

/** Reads `aws-region` (required; its default lives in action.yml). */
export function readAwsRegion(reader: InputReader): string {
  return reader.string('aws-region', {
    required: true,
    pattern: AWS_REGION,
    patternHint: 'Use an AWS region name such as us-east-1 or eu-central-1.',
  })
}

/**
 * Reads `run-id`, the pipeline run that records and locks name. Its default
 * is the expression `${{ github.run_id }}`, which only the runner evaluates,
 * so a local run must set it.
 */
export function readRunId(reader: InputReader): string {
  const value = reader.string('run-id', { required: true })
  if (!RUN_ID.test(value)) {
    reader.fail(
      'run-id',
      value,
      `Use the workflow run id (the default, github.run_id) or another id of 1 to 128 letters, digits, '.', '_' and '-'.${expressionHint(value)}`,
    )
  }
  return value
}

/**
 * Returns a sentence for an error about a value that still contains a `${{ }}`
 * expression, which happens when an action.yml default is used outside the
 * GitHub runner; otherwise ''.
 */
export function expressionHint(value: string): string {
  if (!value.includes('${{')) return ''
  return ' The GitHub runner evaluates ${{ }} expressions in defaults; elsewhere, set the value explicitly.'
}

/** Reads an S3 bucket name. */
export function readBucket(
  reader: InputReader,
  name: string,
  opts: { required: boolean },
): string | undefined {
  return reader.string(name, {
    required: opts.required,
    pattern: S3_BUCKET,
    patternHint: S3_BUCKET_HINT,
  })
}

/** Reads a DynamoDB table name. */
export function readTable(
  reader: InputReader,
  name: string,
): string | undefined {
  return reader.string(name, {
    pattern: DYNAMODB_TABLE,
    patternHint: DYNAMODB_TABLE_HINT,
  })
}

export interface KeyValueOptions {
  keyPattern: RegExp
  keyHint: string
  /** Leaves values out of error messages, for inputs whose values may be secret. */
  hideValues?: boolean
}

/**
 * Reads `KEY=value` lines (one per line, blank lines and lines starting with
 * '#' skipped). Values may contain '=' and ','. Keys must be unique.
 * Returns the pairs in input order.
 */
export function readKeyValueLines(
  reader: InputReader,
  name: string,
  opts: KeyValueOptions,
): Array<[string, string]> {
  const text = reader.string(name)
  if (text === undefined) return []

  const pairs: Array<[string, string]> = []
  const seen = new Set<string>()
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#')) return

    const separator = line.indexOf('=')
    const key = separator < 0 ? '' : line.slice(0, separator).trim()
    const shown = !opts.hideValues
      ? line
      : separator < 0
        ? `(line ${index + 1}, not shown)`
        : `${key}=***`
    if (separator < 0) {
      reader.fail(name, shown, `Write each line as KEY=value. ${opts.keyHint}`)
    }
    if (!opts.keyPattern.test(key)) reader.fail(name, shown, opts.keyHint)
    if (seen.has(key)) {
      reader.fail(name, shown, `The key ${key} appears more than once.`)
    }
    seen.add(key)
    pairs.push([key, line.slice(separator + 1).trim()])
  })
  return pairs
}

/** Reads an S3 object key (or a key template before expansion). */
export function readObjectKey(
  reader: InputReader,
  name: string,
  opts: { required: boolean },
): string | undefined {
  return reader.string(name, {
    required: opts.required,
    pattern: S3_KEY,
    patternHint: S3_KEY_HINT,
  })
}

/**
 * Replaces `{name}` placeholders in an input's value. A placeholder that is
 * not in `values` raises an InputError listing the ones allowed.
 */
export function expandTemplate(
  reader: InputReader,
  name: string,
  template: string,
  values: Record<string, string>,
): string {
  return template.replace(/\{([^{}]*)\}/g, (placeholder, key: string) => {
    const value = values[key]
    if (value !== undefined) return value
    const allowed = Object.keys(values)
      .map((known) => `{${known}}`)
      .join(', ')
    return reader.fail(
      name,
      template,
      `Unknown placeholder ${placeholder}. Use only ${allowed}.`,
    )
  })
}

/** Rejects a duration that exceeds another one that limits it, such as an attempt timeout above the overall timeout. */
export function checkNotLonger(
  reader: InputReader,
  shorter: { name: string; ms: number },
  longer: { name: string; ms: number },
): void {
  if (shorter.ms <= longer.ms) return
  reader.fail(
    shorter.name,
    formatDuration(shorter.ms),
    `It is longer than '${longer.name}' (${formatDuration(longer.ms)}), which limits it. Lower '${shorter.name}' or raise '${longer.name}'.`,
  )
}
