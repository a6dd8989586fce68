/**
 * The record-file input: checked and prepared before the first request, and
 * written at the end within a time limit.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { InputReader } from '../../../common/inputs.js'

/** Maximum time for the record-file write, unless deadline-at is earlier. */
export const RECORD_WRITE_TIMEOUT_MS = 30_000

/** Maximum length of a file or folder name, in bytes, on ext4, XFS and APFS. */
const MAX_NAME_BYTES = 255

/**
 * Checks that `value` names a file that can be written and creates its
 * missing parent folders, one level at a time. Returns the absolute path.
 * Raises an InputError naming record-file when the path is a folder, a
 * parent is not a folder, or a folder cannot be created or written to.
 */
export function prepareRecordFile(reader: InputReader, value: string): string {
  const file = path.resolve(value)
  const fail = (problem: string): never =>
    reader.fail(
      'record-file',
      value,
      `${problem} Set record-file to the path of a file in a folder this job can write to, such as records/verify.json.`,
    )

  if (/[\\/]$/.test(value)) {
    fail('The path ends with a separator, so it names a folder.')
  }
  const longName = value
    .split(/[\\/]/)
    .find((segment) => Buffer.byteLength(segment) > MAX_NAME_BYTES)
  if (longName !== undefined) {
    fail(
      `A file or folder name in the path has ${Buffer.byteLength(longName)} bytes, and common file systems (ext4, XFS, APFS) allow at most ${MAX_NAME_BYTES}.`,
    )
  }
  const existing = statOrUndefined(file)
  if (existing?.isDirectory() === true) {
    fail(`${file} is a folder.`)
  }
  if (existing !== undefined && !existing.isFile()) {
    fail(`${file} exists and is not a regular file.`)
  }

  // Recursive mkdir can wait forever on some pseudo file systems such as
  // /proc (seen with Node v20.20.2), so each missing level is created alone.
  const missing: string[] = []
  let folder = path.dirname(file)
  let folderStat = statOrUndefined(folder)
  while (folderStat === undefined) {
    missing.unshift(folder)
    const parent = path.dirname(folder)
    if (parent === folder) {
      break
    }
    folder = parent
    folderStat = statOrUndefined(folder)
  }
  if (folderStat !== undefined && !folderStat.isDirectory()) {
    fail(`${folder} is not a folder.`)
  }
  for (const level of missing) {
    try {
      mkdirSync(level)
    } catch (error) {
      fail(`Creating the folder ${level} failed (${codeOf(error)}).`)
    }
  }
  const target = existing === undefined ? path.dirname(file) : file
  try {
    accessSync(target, constants.W_OK)
  } catch (error) {
    fail(`${target} is not writable (${codeOf(error)}).`)
  }
  return file
}

/**
 * Writes `content` to `file`, recreating its parent folder when it was
 * removed since prepareRecordFile. Rejects with an error naming record-file
 * when the write fails or takes longer than `timeoutMs`.
 */
export async function writeRecordFile(
  file: string,
  content: string,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `Writing record-file ${file} timed out after ${timeoutMs} ms`,
          ),
        ),
      Math.max(0, timeoutMs),
    )
  })
  const write = async (): Promise<void> => {
    try {
      await mkdir(path.dirname(file)).catch((error: unknown) => {
        if (codeOf(error) !== 'EEXIST') {
          throw error
        }
      })
      await writeFile(file, content)
    } catch (error) {
      throw new Error(`Writing record-file ${file} failed (${codeOf(error)})`, {
        cause: error,
      })
    }
  }
  try {
    await Promise.race([write(), timeout])
  } finally {
    clearTimeout(timer)
  }
}

function statOrUndefined(
  file: string,
): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(file)
  } catch {
    return undefined
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : String(error)
}
