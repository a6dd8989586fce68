// Runs verify-health as its own process, the way the runner does: inputs as
// INPUT_* variables, command files for outputs and the summary, the exit
// code read from the process. The source entry runs through tsx; the
// committed bundle runs when `npm run build` has produced it.
import { afterEach, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseCommandFile } from '../../../common/outputs.js'
import { repoRoot } from '../../../local-stack/state.js'
import { inputEnv, runBundle } from '../../helpers/action-inputs.js'
import {
  startHangingServer,
  startHttpServer,
  type HangingServer,
  type TestServer,
} from '../../helpers/health-servers.js'

const ENTRY = path.join(repoRoot, 'actions/verify-health/src/index.ts')
const BUNDLE = path.join(repoRoot, 'actions/verify-health/dist/index.js')
// tsx's loader by absolute URL, because `--import tsx` resolves from the
// working directory, which is a temporary folder here.
const TSX_LOADER = pathToFileURL(
  path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs'),
).href

interface EntryRun {
  exitCode: number | null
  stdout: string
  outputs: Record<string, string>
  summary: string
}

const servers: Array<TestServer | HangingServer> = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

/** Starts the source entry; `onStdout` receives the output so far on each chunk. */
async function runEntry(
  inputs: Record<string, string>,
  onStdout: (text: string, child: ReturnType<typeof spawn>) => void = () =>
    undefined,
): Promise<EntryRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'verify-health-entry-'))
  const outputFile = path.join(dir, 'output')
  const summaryFile = path.join(dir, 'summary.md')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    NODE_NO_WARNINGS: '1',
    ...inputEnv('verify-health', inputs),
  }
  try {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, ENTRY], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      onStdout(stdout, child)
    })
    child.stderr.resume()
    const exitCode = await new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    )
    return {
      exitCode,
      stdout,
      outputs: parseCommandFile(readFileSync(outputFile, 'utf8')),
      summary: readFileSync(summaryFile, 'utf8'),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('verify-health entry process', () => {
  it('exits 0 with outputs when healthy', async () => {
    const server = await startHttpServer((_request, response) =>
      response.end('ok'),
    )
    servers.push(server)

    const run = await runEntry({ urls: server.origin })

    expect(run.exitCode).toBe(0)
    expect(run.outputs.healthy).toBe('true')
    expect(run.outputs.attempts).toBe('1')
    expect(run.summary).toContain('## verify-health: healthy')
    expect(run.stdout).toContain(
      `${server.origin}/healthz attempt 1 of at most 61`,
    )
  })

  it('exits 1 with the reason when unhealthy', async () => {
    const server = await startHttpServer((_request, response) => {
      response.statusCode = 500
      response.end()
    })
    servers.push(server)

    const run = await runEntry({
      urls: server.origin,
      'attempt-timeout': '300ms',
      interval: '50ms',
      timeout: '500ms',
    })

    expect(run.exitCode).toBe(1)
    expect(run.outputs.healthy).toBe('false')
    expect(run.stdout).toMatch(
      /::error::Health check failed: .*HTTP 500 Internal Server Error, expected 200/,
    )
  })

  it('exits 143 on SIGTERM with outputs set', async () => {
    const server = await startHangingServer()
    servers.push(server)

    const run = await runEntry(
      { urls: server.origin, 'attempt-timeout': '10s', timeout: '60s' },
      (stdout, child) => {
        if (stdout.includes('Checking 1 URL(s)') && !child.killed) {
          child.kill('SIGTERM')
        }
      },
    )

    expect(run.exitCode).toBe(143)
    expect(run.outputs.healthy).toBe('false')
    expect(JSON.parse(run.outputs['record-json'] ?? '{}')).toMatchObject({
      status: 'cancelled',
    })
  })

  const bundleIt = existsSync(BUNDLE) ? it : it.skip
  bundleIt('runs the committed bundle', async () => {
    const server = await startHttpServer((_request, response) =>
      response.end('ok'),
    )
    servers.push(server)

    const result = await runBundle('verify-health', {
      inputs: { urls: server.origin },
      env: { PATH: process.env.PATH },
    })

    expect(result.exitCode).toBe(0)
    expect(result.outputs.healthy).toBe('true')
    expect(result.summary).toContain('## verify-health: healthy')
  })
})
