import { compileRules, firstMatch, type GlobRule } from './glob.js'

/**
 * Built-in content types by file extension (lower case, without the dot).
 * The table is fixed in the code, so the result does not depend on the
 * host's MIME database. Text types carry `charset=utf-8`.
 */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  cjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
  map: 'application/json; charset=utf-8',
  webmanifest: 'application/manifest+json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  svg: 'image/svg+xml; charset=utf-8',
  wasm: 'application/wasm',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/vnd.microsoft.icon',
  bmp: 'image/bmp',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  eot: 'application/vnd.ms-fontobject',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
}

/** Content type of files whose extension is not in the table. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream'

/** Picks content types: the `content-types` patterns first, then the table. */
export class ContentTypes {
  private readonly rules: GlobRule<string>[]

  constructor(overrides: Array<[string, string]> = []) {
    this.rules = compileRules(overrides)
  }

  /** Content type of a path relative to the build folder. */
  typeOf(relativePath: string): string {
    const rule = firstMatch(this.rules, relativePath)
    if (rule !== undefined) return rule.value
    return CONTENT_TYPES[extensionOf(relativePath)] ?? DEFAULT_CONTENT_TYPE
  }
}

/** Lower-case extension of the file name without the dot; '' when there is none. */
export function extensionOf(relativePath: string): string {
  const name = relativePath.slice(relativePath.lastIndexOf('/') + 1)
  const dot = name.lastIndexOf('.')
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase()
}
