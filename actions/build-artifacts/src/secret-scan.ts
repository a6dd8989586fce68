import { open, readFile } from 'node:fs/promises'
import { mapLimit, type BuildFile } from './files.js'

/** One reason a build file must not ship. */
export interface ScanFinding {
  relativePath: string
  /** 1-based line of the match; undefined for a finding about the file itself. */
  line?: number
  rule: string
  /** What was found, without the secret itself. */
  description: string
}

interface SecretRule {
  rule: string
  description: string
  pattern: RegExp
  /** Returns false for a match that is a documented placeholder. */
  accept?: (match: string) => boolean
}

/** Credential patterns, as their issuers document the formats. */
export const SECRET_RULES: readonly SecretRule[] = [
  {
    rule: 'aws-access-key-id',
    description: 'AWS access key id',
    // Key ids are 20 characters: a 4-letter prefix and 16 base32 characters.
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/g,
    // AKIAIOSFODNN7EXAMPLE and the like are AWS's documentation examples.
    accept: (match) => !match.endsWith('EXAMPLE'),
  },
  {
    rule: 'aws-secret-access-key',
    description: 'AWS secret access key assignment',
    pattern:
      /(?:aws_?secret_?access_?key|secret_?access_?key)["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/gi,
    accept: (match) => !/EXAMPLEKEY/.test(match),
  },
  {
    rule: 'private-key',
    description: 'private key block',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
  },
  {
    rule: 'github-token',
    description: 'GitHub token',
    pattern:
      /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g,
  },
  {
    rule: 'slack-token',
    description: 'Slack token',
    pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
  },
  {
    rule: 'stripe-secret-key',
    description: 'Stripe secret key',
    pattern: /\b(?:sk|rk)_live_[A-Za-z0-9]{20,}/g,
  },
  {
    rule: 'npm-token',
    description: 'npm access token',
    pattern: /\bnpm_[A-Za-z0-9]{36}\b/g,
  },
]

// Files are read whole; one larger than this is scanned in its first part
// only and reported, because builds do not ship such text files.
const MAX_SCAN_BYTES = 64 * 1024 * 1024
// A NUL byte in the first 8 KiB marks a binary file (as git decides it).
const BINARY_PROBE_BYTES = 8000

/** Whether a file name is an environment file (`.env`, `.env.production`, ...). */
export function isEnvFile(relativePath: string): boolean {
  const name = relativePath.slice(relativePath.lastIndexOf('/') + 1)
  return name === '.env' || name.startsWith('.env.')
}

/** Checks the names of the build files: environment files and, unless allowed, source maps. */
export function scanFileNames(
  files: readonly BuildFile[],
  opts: { includeSourceMaps: boolean },
): ScanFinding[] {
  const findings: ScanFinding[] = []
  for (const file of files) {
    if (isEnvFile(file.relativePath)) {
      findings.push({
        relativePath: file.relativePath,
        rule: 'env-file',
        description:
          'environment file, which usually holds secrets; remove it from the build',
      })
    } else if (
      !opts.includeSourceMaps &&
      file.relativePath.toLowerCase().endsWith('.map')
    ) {
      findings.push({
        relativePath: file.relativePath,
        rule: 'source-map',
        description:
          'source map, which publishes the original source; remove it or set include-source-maps: true',
      })
    }
  }
  return findings
}

/** Finds credentials in text; one finding per match, with its line. */
export function scanText(relativePath: string, text: string): ScanFinding[] {
  const findings: ScanFinding[] = []
  for (const rule of SECRET_RULES) {
    rule.pattern.lastIndex = 0
    for (const match of text.matchAll(rule.pattern)) {
      if (rule.accept && !rule.accept(match[0])) continue
      findings.push({
        relativePath,
        line: lineOf(text, match.index),
        rule: rule.rule,
        description: `${rule.description} (${match[0].length} characters, value not shown)`,
      })
    }
  }
  return findings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
}

function lineOf(text: string, index: number): number {
  let line = 1
  for (
    let i = text.indexOf('\n');
    i !== -1 && i < index;
    i = text.indexOf('\n', i + 1)
  ) {
    line += 1
  }
  return line
}

/** Whether the start of a file contains a NUL byte. */
export async function isBinary(file: string): Promise<boolean> {
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.alloc(BINARY_PROBE_BYTES)
    const { bytesRead } = await handle.read(buffer, 0, BINARY_PROBE_BYTES, 0)
    return buffer.subarray(0, bytesRead).includes(0)
  } finally {
    await handle.close()
  }
}

/**
 * Scans the contents of one file for credentials; returns undefined for a
 * binary file (a NUL byte in the first 8000 bytes).
 */
export function scanBuffer(
  relativePath: string,
  buffer: Buffer,
): ScanFinding[] | undefined {
  if (buffer.subarray(0, BINARY_PROBE_BYTES).includes(0)) return undefined
  const text = buffer.subarray(0, MAX_SCAN_BYTES).toString('utf8')
  return scanText(relativePath, text)
}

/**
 * Scans every build file: names first (environment files, source maps),
 * then the contents of every text file for credentials. Binary files are
 * skipped. Findings never contain the matched value.
 */
export async function scanBuild(
  files: readonly BuildFile[],
  opts: { includeSourceMaps: boolean; concurrency?: number },
): Promise<{
  findings: ScanFinding[]
  scannedFiles: number
  skippedBinary: number
}> {
  const findings = scanFileNames(files, opts)
  let scannedFiles = 0
  let skippedBinary = 0
  const perFile = await mapLimit(files, opts.concurrency ?? 8, async (file) => {
    if (file.size === 0) return []
    if (await isBinary(file.absolutePath)) {
      skippedBinary += 1
      return []
    }
    scannedFiles += 1
    const buffer = await readFile(file.absolutePath)
    const text = buffer.subarray(0, MAX_SCAN_BYTES).toString('utf8')
    return scanText(file.relativePath, text)
  })
  for (const list of perFile) findings.push(...list)
  return { findings, scannedFiles, skippedBinary }
}
