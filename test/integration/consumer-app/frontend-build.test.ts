// The example frontend's build script: content-hashed assets, an
// index.html that references them, and the build-time settings.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { exitCodeOf, frontendDir } from '../../helpers/consumer-app.js'

interface BuildResult {
  code: number
  stdout: string
  stderr: string
}

function runBuild(
  outDir: string,
  env: Record<string, string>,
): Promise<BuildResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(frontendDir, 'build.js'), outDir],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: exitCodeOf(error), stdout, stderr })
      },
    )
  })
}

function referencedAssets(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map(
    (match) => match[1] ?? '',
  )
}

describe('consumer frontend build', () => {
  let work: string
  let staging: string
  let result: BuildResult

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kit-frontend-'))
    staging = join(work, 'staging')
    result = await runBuild(staging, { ENVIRONMENT: 'staging' })
  })

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('build exits successfully', () => {
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
  })

  it('writes index.html at the root', () => {
    expect(readdirSync(staging).sort()).toEqual(['assets', 'index.html'])
  })

  it('names assets by content hash', () => {
    const assets = readdirSync(join(staging, 'assets')).sort()
    expect(assets).toHaveLength(2)
    for (const name of assets) {
      const match = /^(app|styles)\.([0-9a-f]{12})\.(js|css)$/.exec(name)
      expect(match).not.toBeNull()
      const content = readFileSync(join(staging, 'assets', name))
      const hash = createHash('sha256').update(content).digest('hex')
      expect(hash.startsWith(match?.[2] ?? '-')).toBe(true)
    }
  })

  it('index.html references existing assets', () => {
    const html = readFileSync(join(staging, 'index.html'), 'utf8')
    const referenced = referencedAssets(html)
    expect(referenced).toHaveLength(2)
    for (const asset of referenced) {
      expect(existsSync(join(staging, asset))).toBe(true)
    }
  })

  it('injects API_BASE_URL and ENVIRONMENT', () => {
    const html = readFileSync(join(staging, 'index.html'), 'utf8')
    const script = referencedAssets(html).find((asset) => asset.endsWith('.js'))
    const code = readFileSync(join(staging, script ?? 'missing'), 'utf8')
    expect(code).toContain('const API_BASE_URL = "/api"')
    expect(code).toContain('const ENVIRONMENT = "staging"')
    expect(code).not.toContain('__API_BASE_URL__')
    expect(html).toContain('<meta name="environment" content="staging" />')
    expect(html).not.toContain('%')
  })

  it('ships no source maps', () => {
    const files = readdirSync(staging, { recursive: true }).map(String)
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([])
  })

  it('settings change the script hash', async () => {
    const other = join(work, 'production')
    const build = await runBuild(other, {
      ENVIRONMENT: 'production',
      API_BASE_URL: 'https://api.example.test/v1/',
    })
    expect(build.code).toBe(0)
    const [stagingScript] = readdirSync(join(staging, 'assets')).filter((n) =>
      n.endsWith('.js'),
    )
    const [productionScript] = readdirSync(join(other, 'assets')).filter((n) =>
      n.endsWith('.js'),
    )
    expect(productionScript).not.toBe(stagingScript)
    const code = readFileSync(
      join(other, 'assets', productionScript ?? ''),
      'utf8',
    )
    expect(code).toContain('const API_BASE_URL = "https://api.example.test/v1"')
  })

  it('same input gives same names', async () => {
    const again = join(work, 'again')
    expect((await runBuild(again, { ENVIRONMENT: 'staging' })).code).toBe(0)
    expect(readdirSync(join(again, 'assets')).sort()).toEqual(
      readdirSync(join(staging, 'assets')).sort(),
    )
  })

  it.each([
    ['API_BASE_URL', 'javascript:alert(1)'],
    ['API_BASE_URL', '/api"; alert(1)'],
    ['ENVIRONMENT', 'Staging!'],
  ])('rejects invalid %s: %s', async (name, value) => {
    const build = await runBuild(join(work, 'invalid'), { [name]: value })
    expect(build.code).toBe(1)
    expect(build.stderr).toContain(`${name} must be`)
    expect(existsSync(join(work, 'invalid'))).toBe(false)
  })
})
