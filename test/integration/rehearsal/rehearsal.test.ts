// The local rehearsal end to end, as `bash scripts/rehearse.sh` runs it
// (without the machine setup): a good second release under load, and a
// broken second release that must be rolled back. Each variant is one run
// of rehearsal/cli.ts in its own process, with its own stack.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { repoRoot } from '../../../local-stack/state.js'
import type { RehearsalResult } from '../../../rehearsal/rehearse.js'

/** A variant takes 4 to 8 minutes on a 2-CPU machine; this leaves room for a slow one. */
const VARIANT_TIMEOUT_MS = 20 * 60_000

interface CliRun {
  exitCode: number | null
  stdout: string
  stderr: string
  result?: RehearsalResult
  workDir: string
}

function runCli(variant: 'release' | 'break'): Promise<CliRun> {
  const id = `test-${variant}-${process.pid}-${Date.now().toString(36)}`
  const workDir = join(repoRoot, '.rehearsal', id)
  const reportFile = join(repoRoot, '.rehearsal', `${id}.json`)
  const args = [
    'rehearsal/cli.ts',
    '--work-dir',
    workDir,
    '--report-json',
    reportFile,
    ...(variant === 'break' ? ['--break'] : []),
  ]
  return new Promise((resolve, reject) => {
    const child = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), args, {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (exitCode) => {
      let result: RehearsalResult | undefined
      try {
        result = JSON.parse(readFileSync(reportFile, 'utf8')) as RehearsalResult
      } catch {
        result = undefined
      }
      rmSync(reportFile, { force: true })
      resolve({ exitCode, stdout, stderr, result, workDir })
    })
  })
}

/** Processes whose working folder or command line is inside one of `dirs`. */
function processesUsing(dirs: string[]): string[] {
  const found: string[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let cwd = ''
    let cmdline = ''
    try {
      cwd = readlinkSync(`/proc/${entry}/cwd`)
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
        .split('\0')
        .join(' ')
    } catch {
      continue
    }
    if (dirs.some((dir) => cwd.startsWith(dir) || cmdline.includes(dir))) {
      found.push(`${entry}: ${cmdline}`)
    }
  }
  return found
}

/** Formats the exit code and the last progress lines, for failure messages. */
function explain(run: CliRun | undefined): string {
  if (!run) return 'the rehearsal did not run'
  return `exit code ${run.exitCode}\n${run.stderr.split('\n').slice(-60).join('\n')}`
}

describe('rehearsal of a good release', () => {
  let run: CliRun | undefined

  beforeAll(async () => {
    run = await runCli('release')
  }, VARIANT_TIMEOUT_MS)

  afterAll(() => {
    if (run) rmSync(run.workDir, { recursive: true, force: true })
  })

  it('exits with code 0', () => {
    expect(explain(run)).toMatch(/^exit code 0\n/)
  })

  it('reports a passed verdict', () => {
    expect(run?.result?.verdict.passed).toBe(true)
    expect(run?.stdout).toContain('Verdict: PASSED')
  })

  it('runs both releases successfully', () => {
    const conclusions = run?.result?.releases.map(
      (release) => release.run.conclusion,
    )
    expect(conclusions).toEqual(['success', 'success'])
  })

  it('moves all traffic to the new version', () => {
    const [first, second] = run?.result?.releases ?? []
    expect(first?.traffic).toEqual({ [first!.version]: 20 })
    expect(second?.traffic).toEqual({ [second!.version]: 20 })
    expect(second?.version).not.toBe(first?.version)
  })

  it('publishes the new index.html', () => {
    const second = run?.result?.releases[1]
    expect(second?.indexVersion).toBe(second?.version)
  })

  it('loses no request during the switch', () => {
    const load = run?.result?.load
    expect(load?.requests).toBeGreaterThan(100)
    expect(load?.failed).toBe(0)
    expect(run?.stdout).toMatch(/failed: 0\n/)
  })

  it('serves both versions under load', () => {
    const versions = Object.keys(run?.result?.load?.versions ?? {}).sort()
    expect(versions).toEqual(
      run?.result?.releases.map((release) => release.version).sort(),
    )
  })

  it('records weight moves', () => {
    const weights = run?.result?.weights ?? []
    expect(weights.length).toBeGreaterThanOrEqual(2)
    const last = weights.at(-1)?.weights ?? {}
    expect(Object.values(last).sort()).toEqual([0, 100])
  })

  it('prints the report sections', () => {
    expect(run?.stdout).toContain('Release 1: version')
    expect(run?.stdout).toContain('artifacts (SHA-256):')
    expect(run?.stdout).toMatch(/[0-9a-f]{64} {2}index\.html/)
    expect(run?.stdout).toContain('Traffic moves')
    expect(run?.stdout).toContain('Load generator')
    expect(run?.stdout).toContain('Deployment record')
  })

  it('leaves no process behind', () => {
    const dirs = [run!.workDir, run?.result?.postgresDir].filter(
      (dir): dir is string => Boolean(dir),
    )
    expect(processesUsing(dirs)).toEqual([])
  })
})

describe('rehearsal of a broken release', () => {
  let run: CliRun | undefined

  beforeAll(async () => {
    run = await runCli('break')
  }, VARIANT_TIMEOUT_MS)

  afterAll(() => {
    if (run) rmSync(run.workDir, { recursive: true, force: true })
  })

  it('exits with code 0', () => {
    expect(explain(run)).toMatch(/^exit code 0\n/)
  })

  it('ends the broken run failed', () => {
    const [first, second] = run?.result?.releases ?? []
    expect(first?.run.conclusion).toBe('success')
    expect(second?.broken).toBe(true)
    expect(second?.run.conclusion).toBe('failure')
  })

  it('keeps traffic on the previous version', () => {
    const [first, second] = run?.result?.releases ?? []
    expect(second?.traffic).toEqual({ [first!.version]: 20 })
  })

  it('keeps index.html on the previous version', () => {
    const [first, second] = run?.result?.releases ?? []
    expect(second?.indexVersion).toBe(first?.version)
  })

  it('says why the release failed', () => {
    expect(run?.result?.verdict.passed).toBe(true)
    expect(run?.result?.verdict.reasons.length).toBeGreaterThan(0)
    expect(run?.stdout).toContain('failed as intended')
  })

  it('reports load generator figures', () => {
    expect(run?.result?.load?.requests).toBeGreaterThan(100)
    expect(run?.stdout).toMatch(/failed: \d+/)
  })

  it('leaves no process behind', () => {
    const dirs = [run!.workDir, run?.result?.postgresDir].filter(
      (dir): dir is string => Boolean(dir),
    )
    expect(processesUsing(dirs)).toEqual([])
  })
})
