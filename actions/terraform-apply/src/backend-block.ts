// Finds the backend that a root module declares. The action passes the S3
// backend's settings to `terraform init -backend-config=...`, and Terraform
// applies them only to a `backend "s3"` block in the configuration. Without
// one it warns "Missing backend configuration" and keeps the state in a
// local file on the runner, which no later job can read.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

export interface DeclaredBackend {
  /** Backend type, such as `s3` or `local`. */
  type: string
  /** Name of the file that declares it, relative to the root module. */
  file: string
}

const NATIVE_FILE = /\.(?:tf|tofu)$/
const JSON_FILE = /\.(?:tf|tofu)\.json$/

/**
 * Returns the backend blocks declared in the root module's configuration
 * files, in file name order. Comments are skipped in the native syntax.
 */
export function declaredBackends(directory: string): DeclaredBackend[] {
  const found: DeclaredBackend[] = []
  const names = readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort()
  for (const name of names) {
    if (NATIVE_FILE.test(name)) {
      const text = readFileSync(path.join(directory, name), 'utf8')
      for (const type of nativeBackends(text)) found.push({ type, file: name })
    } else if (JSON_FILE.test(name)) {
      const text = readFileSync(path.join(directory, name), 'utf8')
      for (const type of jsonBackends(text)) found.push({ type, file: name })
    }
  }
  return found
}

/**
 * Returns the backend types of `backend "<type>" {` blocks in HCL text,
 * after removing comments.
 * NOTE: a heredoc or string that contains such text also counts. A real
 * configuration has no reason to contain one.
 */
export function nativeBackends(text: string): string[] {
  const code = text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*(?:#|\/\/).*$/gm, '')
  const types: string[] = []
  for (const match of code.matchAll(/(?:^|[\s{])backend\s+"([^"]+)"\s*\{/g)) {
    types.push(match[1] as string)
  }
  return types
}

/**
 * Returns the backend types of the `terraform` blocks in JSON configuration
 * syntax, where `terraform` and `backend` are each an object or a list of
 * objects. Text that is not JSON gives none, because Terraform reports
 * that error itself.
 */
export function jsonBackends(text: string): string[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return []
  }
  const types: string[] = []
  for (const block of objectsOf(
    (parsed as Record<string, unknown> | null)?.terraform,
  )) {
    for (const backend of objectsOf(block.backend)) {
      types.push(...Object.keys(backend))
    }
  }
  return types
}

function objectsOf(value: unknown): Record<string, unknown>[] {
  const list = Array.isArray(value) ? value : [value]
  return list.filter(
    (item): item is Record<string, unknown> =>
      typeof item === 'object' && item !== null && !Array.isArray(item),
  )
}
