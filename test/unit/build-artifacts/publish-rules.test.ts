import { describe, expect, it } from '@jest/globals'
import {
  CACHE_CONTROL,
  CacheHeaders,
  fileKind,
} from '../../../actions/build-artifacts/src/cache-headers.js'
import {
  CONTENT_TYPES,
  ContentTypes,
  DEFAULT_CONTENT_TYPE,
} from '../../../actions/build-artifacts/src/content-types.js'
import { globToRegExp } from '../../../actions/build-artifacts/src/glob.js'
import {
  invalidationPath,
  invalidationPaths,
} from '../../../actions/build-artifacts/src/invalidation.js'
import {
  checkDeletionGuard,
  compareByContent,
  listBoundaries,
  objectKey,
} from '../../../actions/build-artifacts/src/s3-publish.js'

describe('globToRegExp', () => {
  it.each([
    ['*.js', 'main.js', true],
    ['*.js', 'a/main.js', false],
    ['assets/**', 'assets/a/b.css', true],
    ['**/*.map', 'x.map', true],
    ['**/*.map', 'a/b/x.map', true],
    ['file?.txt', 'file1.txt', true],
    ['file?.txt', 'file/.txt', false],
    ['a+b.txt', 'a+b.txt', true],
  ])('%s against %s', (pattern, path, expected) => {
    expect(globToRegExp(pattern).test(path)).toBe(expected)
  })
})

describe('content types', () => {
  const types = new ContentTypes()

  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['a/app.js', 'text/javascript; charset=utf-8'],
    ['a/app.mjs', 'text/javascript; charset=utf-8'],
    ['style.CSS', 'text/css; charset=utf-8'],
    ['data.json', 'application/json; charset=utf-8'],
    ['logo.svg', 'image/svg+xml; charset=utf-8'],
    ['mod.wasm', 'application/wasm'],
    ['p.webp', 'image/webp'],
    ['p.avif', 'image/avif'],
    ['f.woff2', 'font/woff2'],
    ['app.js.map', 'application/json; charset=utf-8'],
    ['robots.txt', 'text/plain; charset=utf-8'],
    ['sitemap.xml', 'application/xml; charset=utf-8'],
    ['favicon.ico', 'image/vnd.microsoft.icon'],
    ['p.png', 'image/png'],
    ['p.jpg', 'image/jpeg'],
    ['LICENSE', DEFAULT_CONTENT_TYPE],
    ['.hidden', DEFAULT_CONTENT_TYPE],
  ])('types %s', (path, expected) => {
    expect(types.typeOf(path)).toBe(expected)
  })

  it('override wins over table', () => {
    const custom = new ContentTypes([
      ['*.data', 'application/x-data'],
      ['legacy/*.js', 'application/javascript'],
    ])
    expect(custom.typeOf('deep/x.data')).toBe('application/x-data')
    expect(custom.typeOf('legacy/a.js')).toBe('application/javascript')
    expect(custom.typeOf('other/a.js')).toBe(CONTENT_TYPES.js)
  })
})

describe('cache headers', () => {
  it.each([
    ['index.html', 'html'],
    ['docs/page.htm', 'html'],
    ['assets/main.3f9a1c2b.js', 'fingerprinted'],
    ['assets/chunk-BX4Q7Z2M.js', 'fingerprinted'],
    ['assets/index-a1b2c3d4.css', 'fingerprinted'],
    ['sw.js', 'entry'],
    ['robots.txt', 'entry'],
    ['assets/app.js', 'asset'],
    ['assets/my-component.js', 'asset'],
    ['images/background_image.png', 'asset'],
  ])('kind of %s', (path, kind) => {
    expect(fileKind(path)).toBe(kind)
  })

  it('fingerprinted assets are immutable', () => {
    const headers = new CacheHeaders()
    expect(headers.cacheControlOf('a/main.3f9a1c2b.js')).toMatch(/immutable/)
    expect(headers.cacheControlOf('index.html')).toBe(CACHE_CONTROL.html)
  })

  it('override wins over kind', () => {
    const headers = new CacheHeaders([['*.html', 'no-store']])
    expect(headers.cacheControlOf('x/index.html')).toBe('no-store')
  })
})

describe('object keys and change detection', () => {
  it('normalises keys to NFC', () => {
    const nfd = 'cafe\u0301 menu.html'
    expect(objectKey('site', nfd)).toBe('site/caf\u00e9 menu.html')
    expect(objectKey('', 'a/b.js')).toBe('a/b.js')
  })

  it('compares MD5 with single-part ETag', () => {
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e'
    expect(compareByContent({ md5 }, undefined)).toBe('new')
    expect(compareByContent({ md5 }, { etag: md5, size: 0 })).toBe('unchanged')
    expect(compareByContent({ md5 }, { etag: 'ab'.repeat(16), size: 0 })).toBe(
      'changed',
    )
  })

  it('defers multipart ETags to metadata', () => {
    expect(
      compareByContent({ md5: 'x' }, { etag: 'abc-3', size: 1 }),
    ).toBeUndefined()
  })
})

describe('deletion guard', () => {
  it('allows deletions within the share', () => {
    expect(() => checkDeletionGuard(5, 10, 50, 's3://b/')).not.toThrow()
    expect(() => checkDeletionGuard(0, 0, 0, 's3://b/')).not.toThrow()
  })

  it('rejects deletions above the share', () => {
    expect(() => checkDeletionGuard(6, 10, 50, 's3://b/')).toThrow(
      /would delete 6 of the 10 objects under s3:\/\/b\/ \(60\.0%\), more than max-delete-percent 50%/,
    )
  })
})

describe('invalidation paths', () => {
  it('escapes unsafe characters', () => {
    expect(invalidationPath('a b/ü~x+y.js')).toBe('/a%20b/%C3%BC%7Ex+y.js')
    expect(invalidationPath('odd#name%.css')).toBe('/odd%23name%25.css')
  })

  it('leaves wildcards alone', () => {
    expect(invalidationPath('assets/*')).toBe('/assets/*')
  })

  it('adds folder for index.html', () => {
    const result = invalidationPaths(
      ['site/index.html', 'site/a.js'],
      'site',
      10,
    )
    expect(result.wildcard).toBe(false)
    expect(result.paths).toEqual(['/site/', '/site/a.js', '/site/index.html'])
  })

  it('falls back to one wildcard', () => {
    const keys = ['p/a.js', 'p/b.js', 'p/c.js']
    expect(invalidationPaths(keys, 'p', 2)).toEqual({
      paths: ['/p/*'],
      wildcard: true,
    })
    expect(invalidationPaths(keys, '', 2).paths).toEqual(['/*'])
  })
})

describe('listBoundaries', () => {
  const keys = Array.from({ length: 2000 }, (_, i) => `f/${i}`)

  it('returns none for small builds', () => {
    expect(listBoundaries(keys.slice(0, 500), 16)).toEqual([])
    expect(listBoundaries(keys, 1)).toEqual([])
  })

  it('cuts about every 500 keys', () => {
    const boundaries = listBoundaries(keys, 16)
    expect(boundaries).toHaveLength(3)
    const sorted = [...keys].sort()
    expect(boundaries).toEqual([sorted[499], sorted[999], sorted[1499]])
  })

  it('caps segments by concurrency', () => {
    expect(listBoundaries(keys, 2)).toHaveLength(1)
  })

  it('sorts in UTF-8 byte order', () => {
    // U+FF5E comes before U+1F600 in UTF-8, after it in UTF-16.
    const mixed = [
      ...Array.from({ length: 500 }, () => '\u{1F600}'),
      ...Array.from({ length: 500 }, () => '\uFF5E'),
    ].map((name, i) => `${name}${String(i).padStart(4, '0')}`)
    const boundaries = listBoundaries(mixed, 16)
    expect(boundaries).toEqual(['\uFF5E0999'])
  })
})
