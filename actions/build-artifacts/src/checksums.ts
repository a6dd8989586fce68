import { createHash } from 'node:crypto'
import { hashFile, mapLimit, type BuildFile } from './files.js'

/** A build file with its SHA-256. */
export interface FileChecksum {
  relativePath: string
  size: number
  sha256: string
}

/** Computes the SHA-256 of every file, `concurrency` files at a time. */
export async function checksumFiles(
  files: readonly BuildFile[],
  concurrency = 8,
): Promise<FileChecksum[]> {
  return mapLimit(files, concurrency, async (file) => ({
    relativePath: file.relativePath,
    size: file.size,
    sha256: (await hashFile(file.absolutePath)).sha256,
  }))
}

/**
 * Renders the checksums in the `sha256sum` format, one `<hex>  <path>` line
 * per file, sorted by path, so `sha256sum -c` can check a copy of the build.
 */
export function checksumList(checksums: readonly FileChecksum[]): string {
  return [...checksums]
    .sort((a, b) =>
      a.relativePath < b.relativePath
        ? -1
        : a.relativePath > b.relativePath
          ? 1
          : 0,
    )
    .map((entry) => `${entry.sha256}  ${entry.relativePath}\n`)
    .join('')
}

/**
 * SHA-256 of the checksum list: the frontend artifact's checksum, which
 * changes when any file's name or content changes.
 */
export function buildDigest(checksums: readonly FileChecksum[]): string {
  return createHash('sha256').update(checksumList(checksums)).digest('hex')
}
