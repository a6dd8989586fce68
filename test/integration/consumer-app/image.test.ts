// The example backend's image, built with the docker CLI (podman here)
// from a context assembled by scripts/build-context.js, on the local base
// image.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runTool, type ToolResult } from '../../../local-stack/processes.js'
import {
  backendDir,
  exitCodeOf,
  startBackend,
  TEST_JWT_SECRET,
} from '../../helpers/consumer-app.js'
import { uniqueName } from '../../helpers/fixtures.js'
import { baseImage, stackEnv } from '../../helpers/stack.js'

interface ImageConfig {
  Healthcheck?: { Test?: string[]; Interval?: number; Retries?: number }
  User?: string
  ExposedPorts?: Record<string, unknown>
  Env?: string[]
  Cmd?: string[]
  WorkingDir?: string
}

interface InspectedImage {
  Config?: ImageConfig
  Healthcheck?: ImageConfig['Healthcheck']
}

function explain(result: ToolResult): string {
  return `exit code ${result.exitCode}\n${result.stdout}\n${result.stderr}`
}

function docker(args: string[], cwd?: string): Promise<ToolResult> {
  return runTool('docker', args, { env: stackEnv(), cwd, timeoutMs: 240_000 })
}

function buildContext(outDir: string): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(backendDir, 'scripts', 'build-context.js'), outDir],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ exitCode: exitCodeOf(error), stdout, stderr })
      },
    )
  })
}

describe('consumer backend image', () => {
  let work: string
  let context: string
  let tag: string
  let prepared: ToolResult
  let build: ToolResult | undefined
  let config: ImageConfig = {}

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kit-consumer-image-'))
    context = join(work, 'context')
    tag = `localhost/${uniqueName('consumer-app')}:test`
    prepared = await buildContext(context)
    if (prepared.exitCode !== 0) return
    build = await docker(
      ['build', '--build-arg', `BASE_IMAGE=${baseImage()}`, '--tag', tag, '.'],
      context,
    )
    if (build.exitCode !== 0) return
    const inspect = await docker(['inspect', '--type', 'image', tag])
    const [image] = JSON.parse(inspect.stdout) as InspectedImage[]
    // Docker reports the health check under Config; podman's `docker
    // inspect` reports it at the top level of the image.
    config = {
      ...image?.Config,
      Healthcheck: image?.Config?.Healthcheck ?? image?.Healthcheck,
    }
  }, 300_000)

  afterAll(async () => {
    if (build?.exitCode === 0) await docker(['rmi', '--force', tag])
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('context holds pg and its dependencies', () => {
    expect(explain(prepared)).toMatch(/^exit code 0/)
    for (const name of ['pg', 'pg-pool', 'pg-protocol', 'pg-types']) {
      expect(
        existsSync(join(context, 'node_modules', name, 'package.json')),
      ).toBe(true)
    }
    const manifest = JSON.parse(
      readFileSync(join(context, 'package.json'), 'utf8'),
    ) as { name: string }
    expect(manifest.name).toBe('consumer-app-backend')
  })

  it('context runs on its own', async () => {
    // The context lies outside the repository, so `pg` resolves only from
    // the context's own node_modules.
    const app = await startBackend(
      { JWT_SECRET: TEST_JWT_SECRET, APP_VERSION: 'context-check' },
      { dir: context },
    )
    try {
      const response = await fetch(`${app.url}/healthz`)
      const body = (await response.json()) as { version?: string }
      expect(body.version).toBe('context-check')
    } finally {
      app.kill()
    }
  })

  it('builds on the base image', () => {
    expect(build && explain(build)).toMatch(/^exit code 0/)
  })

  it('keeps the HEALTHCHECK', () => {
    expect(config.Healthcheck?.Test).toEqual([
      'CMD',
      'node',
      'src/healthcheck.js',
    ])
    expect(config.Healthcheck?.Retries).toBe(3)
  })

  it('runs as non-root on port 3000', () => {
    expect(config.User).toBe('node')
    expect(Object.keys(config.ExposedPorts ?? {})).toEqual(['3000/tcp'])
    expect(config.Env).toEqual(
      expect.arrayContaining(['NODE_ENV=production', 'PORT=3000']),
    )
    expect(config.Cmd).toEqual(['node', 'src/server.js'])
    expect(config.WorkingDir).toBe('/app')
  })
})
