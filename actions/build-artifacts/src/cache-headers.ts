import { extensionOf } from './content-types.js'
import { compileRules, firstMatch, type GlobRule } from './glob.js'

/** Kind of file, which decides its built-in Cache-Control value. */
export type FileKind = 'html' | 'fingerprinted' | 'entry' | 'asset'

/** Built-in Cache-Control value of each file kind. */
export const CACHE_CONTROL: Readonly<Record<FileKind, string>> = {
  // Browsers and CloudFront must revalidate HTML on every load, so a new
  // release is visible at once.
  html: 'public, max-age=0, must-revalidate',
  // The name changes with the content, so the object never changes.
  fingerprinted: 'public, max-age=31536000, immutable',
  // Fixed names that browsers fetch directly (service worker, web manifest,
  // robots.txt): revalidated like HTML.
  entry: 'public, max-age=0, must-revalidate',
  // Other files keep their name across releases: a short cache, then revalidation.
  asset: 'public, max-age=300, must-revalidate',
}

// A name part of 8 or more characters after '.', '-' or '_' that contains
// both a digit and a letter, or is 8+ hexadecimal digits, as bundlers write
// it: main.3f9a1c2b.js, chunk-BX4Q7Z2M.js, logo.a1b2c3d4e5.svg.
const HASH_PART = /[.\-_]([A-Za-z0-9_-]{8,})\.[A-Za-z0-9]+$/
const HEX_HASH = /^[0-9a-f]{8,}$/i

const ENTRY_NAMES = new Set([
  'sw.js',
  'service-worker.js',
  'serviceworker.js',
  'manifest.json',
  'manifest.webmanifest',
  'site.webmanifest',
  'robots.txt',
  'sitemap.xml',
  'favicon.ico',
  'browserconfig.xml',
])

/** Classifies a path relative to the build folder. */
export function fileKind(relativePath: string): FileKind {
  const extension = extensionOf(relativePath)
  if (extension === 'html' || extension === 'htm') return 'html'
  const name = relativePath.slice(relativePath.lastIndexOf('/') + 1)
  if (ENTRY_NAMES.has(name.toLowerCase())) return 'entry'
  if (isFingerprinted(name)) return 'fingerprinted'
  return 'asset'
}

/** Whether a file name carries a content hash. */
export function isFingerprinted(name: string): boolean {
  const part = HASH_PART.exec(name)?.[1]
  if (part === undefined) return false
  if (HEX_HASH.test(part)) return true
  return /\d/.test(part) && /[A-Za-z]/.test(part) && !/[_-]/.test(part)
}

/** Picks Cache-Control values: the `cache-control` patterns first, then the kind's value. */
export class CacheHeaders {
  private readonly rules: GlobRule<string>[]

  constructor(overrides: Array<[string, string]> = []) {
    this.rules = compileRules(overrides)
  }

  cacheControlOf(relativePath: string): string {
    const rule = firstMatch(this.rules, relativePath)
    return rule?.value ?? CACHE_CONTROL[fileKind(relativePath)]
  }
}
