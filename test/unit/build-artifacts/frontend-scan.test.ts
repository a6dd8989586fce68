import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  buildDigest,
  checksumFiles,
  checksumList,
} from '../../../actions/build-artifacts/src/checksums.js'
import {
  mapLimit,
  listBuildFiles,
} from '../../../actions/build-artifacts/src/files.js'
import { checkBuildFolder } from '../../../actions/build-artifacts/src/frontend-check.js'
import {
  scanBuild,
  scanText,
} from '../../../actions/build-artifacts/src/secret-scan.js'

// Assembled at run time so that this file itself holds no credential.
const ACCESS_KEY = [
  'AKIA',
  'Q3EXAMPLEZ7ABCDE'.replace('EXAMPLE', 'XMPLQRS'),
].join('')
const GITHUB_TOKEN = `ghp_${'a1B2'.repeat(9)}`
const PRIVATE_KEY = ['-----BEGIN', 'RSA PRIVATE KEY-----'].join(' ')

let dir: string

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'build-scan-'))
})

afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

function write(relative: string, content: string | Buffer): void {
  const file = path.join(dir, relative)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, content)
}

describe('scanText', () => {
  it('finds an access key with line', () => {
    const findings = scanText(
      'a.js',
      `const a = 1\nconst k = "${ACCESS_KEY}"\n`,
    )
    expect(findings).toHaveLength(1)
    expect(findings[0]?.rule).toBe('aws-access-key-id')
    expect(findings[0]?.line).toBe(2)
    expect(JSON.stringify(findings)).not.toContain(ACCESS_KEY)
  })

  it('finds tokens and private keys', () => {
    const text = `x\n${PRIVATE_KEY}\ny = '${GITHUB_TOKEN}'\n`
    const rules = scanText('k.txt', text).map((f) => `${f.rule}@${f.line}`)
    expect(rules).toEqual(['private-key@2', 'github-token@3'])
  })

  it('ignores documentation example key', () => {
    expect(scanText('a.md', 'AKIAIOSFODNN7EXAMPLE')).toEqual([])
  })
})

describe('scanBuild', () => {
  it('flags env files and source maps', async () => {
    write('index.html', '<p>')
    write('.env', 'A=1')
    write('conf/.env.production', 'B=2')
    write('app.js.map', '{}')
    const files = await listBuildFiles(dir)
    const strict = await scanBuild(files, { includeSourceMaps: false })
    expect(strict.findings.map((f) => `${f.rule}:${f.relativePath}`)).toEqual([
      'env-file:.env',
      'source-map:app.js.map',
      'env-file:conf/.env.production',
    ])
    const allowMaps = await scanBuild(files, { includeSourceMaps: true })
    expect(allowMaps.findings.map((f) => f.rule)).toEqual([
      'env-file',
      'env-file',
    ])
  })

  it('skips binary files', async () => {
    write('index.html', '<p>')
    write(
      'img.png',
      Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(ACCESS_KEY)]),
    )
    const result = await scanBuild(await listBuildFiles(dir), {
      includeSourceMaps: false,
    })
    expect(result.findings).toEqual([])
    expect(result.skippedBinary).toBe(1)
  })
})

describe('checkBuildFolder', () => {
  it('rejects missing folder', async () => {
    await expect(
      checkBuildFolder(path.join(dir, 'nope'), 'nope'),
    ).rejects.toThrow(/nope does not exist/)
  })

  it('rejects a file', async () => {
    write('file', 'x')
    await expect(
      checkBuildFolder(path.join(dir, 'file'), 'file'),
    ).rejects.toThrow(/is not a folder/)
  })

  it('rejects empty folder', async () => {
    await expect(checkBuildFolder(dir, 'dist')).rejects.toThrow(/dist is empty/)
  })

  it('rejects missing index.html', async () => {
    write('sub/index.html', '<p>')
    await expect(checkBuildFolder(dir, 'dist')).rejects.toThrow(
      /has no index.html at its root \(1 files found\)/,
    )
  })

  it('rejects NFC collisions', async () => {
    write('index.html', '<p>')
    write('caf\u00e9.txt', 'a')
    write('cafe\u0301.txt', 'b')
    await expect(checkBuildFolder(dir, 'dist')).rejects.toThrow(/NFC/)
  })
})

describe('checksums', () => {
  it('lists sha256sum lines and digest', async () => {
    write('index.html', 'hello')
    write('a/b c.txt', '')
    const checksums = await checksumFiles(await listBuildFiles(dir))
    const list = checksumList(checksums)
    expect(list).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a/b c.txt\n' +
        '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824  index.html\n',
    )
    expect(buildDigest(checksums)).toMatch(/^[0-9a-f]{64}$/)
    write('index.html', 'hellp')
    const changed = await checksumFiles(await listBuildFiles(dir))
    expect(buildDigest(changed)).not.toBe(buildDigest(checksums))
  })
})

describe('mapLimit', () => {
  it('bounds calls in flight', async () => {
    let active = 0
    let peak = 0
    const results = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      active += 1
      peak = Math.max(peak, active)
      await new Promise((resolve) => setTimeout(resolve, 5))
      active -= 1
      return n * 2
    })
    expect(results).toEqual([2, 4, 6, 8, 10, 12, 14])
    expect(peak).toBe(3)
  })
})
