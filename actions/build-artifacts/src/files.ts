import { createHash } from 'node:crypto'
import { createReadStream, lstatSync, readdirSync } from 'node:fs'
import path from 'node:path'

/** One regular file of the frontend build folder. */
export interface BuildFile {
  /** Path relative to the build folder, '/'-separated, normalised to NFC. */
  relativePath: string
  absolutePath: string
  size: number
  /** Modification time, epoch ms; reported only, never used to detect changes. */
  mtimeMs: number
}

/**
 * Lists every regular file under `dir`, sorted by relative path (code point
 * order). Names are normalised to NFC, so a name written in NFD by macOS
 * tools gives the same key as its NFC form. Throws for a symbolic link,
 * because it could point outside the build, for two names that normalise
 * to the same path, and for anything that is neither file nor folder.
 */
export async function listBuildFiles(dir: string): Promise<BuildFile[]> {
  const files: BuildFile[] = []
  const seen = new Map<string, string>()

  // Synchronous calls: a build folder of a few thousand files is read in
  // tens of milliseconds, several times faster than with fs.promises, whose
  // calls each wait for a thread-pool round trip. Nothing else runs yet.
  function visit(folder: string, relativeFolder: string): void {
    const entries = readdirSync(folder, { withFileTypes: true })
    for (const entry of entries) {
      const absolutePath = path.join(folder, entry.name)
      const raw = relativeFolder
        ? `${relativeFolder}/${entry.name}`
        : entry.name
      const relativePath = raw.normalize('NFC')
      if (entry.isSymbolicLink()) {
        throw new Error(
          `The build folder contains a symbolic link, ${raw}. Replace it with the file it points to, because a link can point outside the build.`,
        )
      }
      if (entry.isDirectory()) {
        visit(absolutePath, raw)
        continue
      }
      if (!entry.isFile()) {
        throw new Error(
          `The build folder contains ${raw}, which is neither a file nor a folder. Remove it from the build.`,
        )
      }
      const earlier = seen.get(relativePath)
      if (earlier !== undefined) {
        throw new Error(
          `The build folder contains two names for the same object key after Unicode NFC normalisation: ${earlier} and ${raw}. Rename one of them.`,
        )
      }
      seen.set(relativePath, raw)
      const stats = lstatSync(absolutePath)
      files.push({
        relativePath,
        absolutePath,
        size: stats.size,
        mtimeMs: stats.mtimeMs,
      })
    }
  }

  visit(dir, '')
  return files.sort((a, b) =>
    a.relativePath < b.relativePath
      ? -1
      : a.relativePath > b.relativePath
        ? 1
        : 0,
  )
}

export interface FileDigests {
  /** Lower-case hex. */
  sha256: string
  /** Lower-case hex; set when requested. */
  md5?: string
}

/** SHA-256 and MD5 of a buffer, in lower-case hex. */
export function hashBuffer(buffer: Buffer): Required<FileDigests> {
  return {
    sha256: createHash('sha256').update(buffer).digest('hex'),
    md5: createHash('md5').update(buffer).digest('hex'),
  }
}

/** Hashes a file in one read, with SHA-256 and optionally MD5. */
export function hashFile(
  file: string,
  opts: { md5?: boolean } = {},
): Promise<FileDigests> {
  return new Promise((resolve, reject) => {
    const sha256 = createHash('sha256')
    const md5 = opts.md5 ? createHash('md5') : undefined
    const stream = createReadStream(file, { highWaterMark: 1024 * 1024 })
    stream.on('data', (chunk) => {
      sha256.update(chunk)
      md5?.update(chunk)
    })
    stream.on('error', reject)
    stream.on('end', () => {
      const digests: FileDigests = { sha256: sha256.digest('hex') }
      if (md5) digests.md5 = md5.digest('hex')
      resolve(digests)
    })
  })
}

/**
 * Runs `fn` for every item with at most `limit` calls in flight. Results
 * keep the order of `items`. The first rejection stops new calls and is
 * thrown after the calls in flight have settled.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let failure: { error: unknown } | undefined
  async function worker(): Promise<void> {
    while (failure === undefined && next < items.length) {
      const index = next
      next += 1
      try {
        results[index] = await fn(items[index] as T, index)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  const workers = Array.from(
    { length: Math.max(1, Math.min(limit, items.length)) },
    () => worker(),
  )
  await Promise.all(workers)
  if (failure !== undefined) throw failure.error
  return results
}
