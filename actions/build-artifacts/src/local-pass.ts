import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import {
  hashBuffer,
  hashFile,
  mapLimit,
  type BuildFile,
  type FileDigests,
} from './files.js'
import {
  isBinary,
  scanBuffer,
  scanFileNames,
  type ScanFinding,
} from './secret-scan.js'

/** Files up to this size are read whole once for the scan and both hashes. */
const WHOLE_READ_MAX_BYTES = 8 * 1024 * 1024

/** Small files read between two turns of the event loop. */
const YIELD_EVERY_FILES = 32

/** Total size of the file contents that the pass keeps for the uploads. */
export const KEPT_CONTENTS_MAX_BYTES = 64 * 1024 * 1024

/** Digests of one file, with its content when the pass kept it. */
export interface LocalFileDigests extends Required<FileDigests> {
  /** Content the digests were computed from; kept for files below the multipart threshold until the budget is used. */
  content?: Buffer
}

export interface LocalPass {
  findings: ScanFinding[]
  scannedFiles: number
  skippedBinary: number
  /** SHA-256 and MD5 of every file, by relative path. */
  digests: Map<string, LocalFileDigests>
}

/**
 * Reads every build file once: scans names and text contents (see
 * secret-scan.ts) and computes SHA-256 and MD5. Files above 8 MiB are
 * streamed for the hashes, and read again for the scan only when their
 * start shows text. With `keepContentsBelow`, the contents of files smaller
 * than that size are kept in `digests` (up to KEPT_CONTENTS_MAX_BYTES in
 * total), so publish uploads the bytes it hashed without reading them again.
 */
export async function scanAndHash(
  files: readonly BuildFile[],
  opts: {
    includeSourceMaps: boolean
    concurrency?: number
    keepContentsBelow?: number
  },
): Promise<LocalPass> {
  const findings = scanFileNames(files, opts)
  const digests = new Map<string, LocalFileDigests>()
  let keptBytes = 0
  let scannedFiles = 0
  let skippedBinary = 0
  let sinceYield = 0
  let pause: Promise<void> | undefined
  const perFile = await mapLimit(
    files,
    opts.concurrency ?? 16,
    async (file) => {
      if (file.size <= WHOLE_READ_MAX_BYTES) {
        // The synchronous reads below never return to the event loop, so
        // without a pause the requests started beside this pass (the
        // bucket listing of publish) would be sent only after it ends.
        // Every worker waits for the same pause.
        sinceYield += 1
        if (sinceYield >= YIELD_EVERY_FILES) {
          sinceYield = 0
          pause = new Promise<void>((resolve) => setImmediate(resolve)).then(
            () => {
              pause = undefined
            },
          )
        }
        if (pause !== undefined) await pause
        // A synchronous read of a small file costs a fraction of
        // fs.promises.readFile (no FileHandle, no chunked reads), and at
        // most 8 MiB blocks the event loop for a few milliseconds.
        const buffer = readFileSync(file.absolutePath)
        const fileDigests: LocalFileDigests = hashBuffer(buffer)
        if (
          buffer.length < (opts.keepContentsBelow ?? 0) &&
          keptBytes + buffer.length <= KEPT_CONTENTS_MAX_BYTES
        ) {
          keptBytes += buffer.length
          fileDigests.content = buffer
        }
        digests.set(file.relativePath, fileDigests)
        const found =
          file.size === 0 ? [] : scanBuffer(file.relativePath, buffer)
        if (found === undefined) skippedBinary += 1
        else scannedFiles += 1
        return found ?? []
      }
      const streamed = await hashFile(file.absolutePath, { md5: true })
      digests.set(file.relativePath, {
        sha256: streamed.sha256,
        md5: streamed.md5 ?? '',
      })
      if (await isBinary(file.absolutePath)) {
        skippedBinary += 1
        return []
      }
      scannedFiles += 1
      const buffer = await readFile(file.absolutePath)
      return scanBuffer(file.relativePath, buffer) ?? []
    },
  )
  for (const list of perFile) findings.push(...list)
  return { findings, scannedFiles, skippedBinary, digests }
}
