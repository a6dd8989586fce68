/**
 * Benchmark of build-artifacts `publish` against `aws s3 sync` (the AWS CLI
 * on PATH, pip-installed 1.45 here) on the same moto server and the same
 * generated site: FILES small files in nested folders whose names contain
 * spaces and non-ASCII characters, plus BIG_FILES files of 8 MiB.
 *
 * Scenarios, each into its own bucket per tool:
 * 1. full upload into an empty bucket;
 * 2. unchanged re-sync;
 * 3. one small file changed without changing its size, its modification
 *    time set back to 2001 (`aws s3 sync` compares size and time, so it
 *    skips the file; publish compares content, so it uploads it).
 *
 * Each tool runs as its own process under /usr/bin/time, so the CPU time
 * (user + system) is that of the uploading process alone, without moto.
 * publish runs from an ncc bundle of its entry, built into a temporary
 * folder the way scripts/build-actions.ts builds the committed dist/
 * (lazily imported modules in chunks of their own), so no TypeScript
 * compiler runs in the measured process.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { inputEnvName } from '../common/inputs.js'
import { parseCommandFile } from '../common/outputs.js'
import { startStack, stopStack } from '../local-stack/stack.js'
import { repoRoot, stackEnvFor, type StackState } from '../local-stack/state.js'

const USAGE = `Usage: npx tsx bench/build-artifacts-publish.ts [files] [big-files] [runs]
  files      small files in the generated site, index.html included (default 2000)
  big-files  files of 8 MiB, uploaded in parts (default 3)
  runs       runs of each scenario; the table shows the median, min and max (default 3)
Set KIT_BENCH_NODE_ARGS to pass options to the node process of publish (such as --cpu-prof).`

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(USAGE)
  process.exit(0)
}

/** Reads positional argument `index` as a whole number of at least `min`. */
function countArgument(index: number, fallback: number, min: number): number {
  const text = process.argv[index]
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < min) {
    console.error(
      `Invalid argument '${text}': use a whole number of at least ${min}.\n${USAGE}`,
    )
    process.exit(2)
  }
  return value
}

const FILES = countArgument(2, 2000, 2)
const BIG_FILES = countArgument(3, 3, 0)
const RUNS = countArgument(4, 3, 1)
const BIG_FILE_BYTES = 8 * 1024 * 1024
const OLD_DATE = new Date('2001-02-03T04:05:06Z')
const ENTRY = path.join(repoRoot, 'actions/build-artifacts/src/index.ts')

interface Measure {
  wallSeconds: number
  cpuSeconds: number
  uploads: number
}

const FOLDER_NAMES = ['assets', 'static media', 'über uns', 'カタログ', 'docs']
const WORDS =
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do'.split(' ')

/** Writes the generated site; returns the path of the file that scenario 3 changes. */
function generateSite(dir: string): string {
  writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><title>bench</title>',
  )
  let changing = ''
  for (let i = 0; i < FILES - 1; i += 1) {
    const folder = path.join(
      FOLDER_NAMES[i % FOLDER_NAMES.length] as string,
      `part ${Math.floor(i / 100)}`,
      i % 3 === 0 ? 'café menü' : 'plain',
    )
    const extension = ['js', 'css', 'json', 'txt', 'svg'][i % 5] as string
    const name = `file ${i} naïve.${extension}`
    const length = 200 + ((i * 37) % 3000)
    let text = ''
    while (text.length < length)
      text += `${WORDS[(text.length + i) % WORDS.length]} `
    mkdirSync(path.join(dir, folder), { recursive: true })
    writeFileSync(path.join(dir, folder, name), text.slice(0, length))
    if (i === 7) changing = path.join(dir, folder, name)
  }
  mkdirSync(path.join(dir, 'media'), { recursive: true })
  for (let i = 0; i < BIG_FILES; i += 1) {
    writeFileSync(
      path.join(dir, 'media', `video ${i}.mp4`),
      randomBytes(BIG_FILE_BYTES),
    )
  }
  return changing
}

/** Runs a command under /usr/bin/time; returns wall and CPU seconds and its output. */
async function timed(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ wallSeconds: number; cpuSeconds: number; stdout: string }> {
  const timeFile = path.join(cwd, `.time-${process.hrtime.bigint()}`)
  const child = spawn(
    '/usr/bin/time',
    ['-f', '%e %U %S', '-o', timeFile, command, ...args],
    {
      env,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const code = await new Promise<number | null>((resolve) =>
    child.on('close', resolve),
  )
  if (code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${code}:\n${stdout}\n${stderr}`,
    )
  }
  const [wall, user, system] = readFileSync(timeFile, 'utf8')
    .trim()
    .split('\n')
    .pop()!
    .split(' ')
    .map(Number)
  rmSync(timeFile)
  return {
    wallSeconds: wall ?? 0,
    cpuSeconds: (user ?? 0) + (system ?? 0),
    stdout,
  }
}

async function createBucket(
  env: NodeJS.ProcessEnv,
  bucket: string,
  cwd: string,
) {
  await timed(
    'aws',
    [
      's3api',
      'create-bucket',
      '--bucket',
      bucket,
      '--endpoint-url',
      env.AWS_ENDPOINT_URL ?? '',
    ],
    env,
    cwd,
  )
}

async function cliSync(
  env: NodeJS.ProcessEnv,
  site: string,
  bucket: string,
  cwd: string,
): Promise<Measure> {
  const result = await timed(
    'aws',
    [
      's3',
      'sync',
      site,
      `s3://${bucket}/`,
      '--endpoint-url',
      env.AWS_ENDPOINT_URL ?? '',
      '--no-progress',
    ],
    env,
    cwd,
  )
  const uploads = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('upload:')).length
  return {
    wallSeconds: result.wallSeconds,
    cpuSeconds: result.cpuSeconds,
    uploads,
  }
}

/** Bundles the action's entry with ncc into `folder`; returns the path of its index.js. */
async function bundleEntry(folder: string): Promise<string> {
  const ncc = path.join(repoRoot, 'node_modules', '.bin', 'ncc')
  const child = spawn(ncc, ['build', ENTRY, '-o', folder, '-q'], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  if (code !== 0) throw new Error(`ncc build ${ENTRY} exited with ${code}`)
  return path.join(folder, 'index.js')
}

async function kitPublish(
  bundle: string,
  env: NodeJS.ProcessEnv,
  workspace: string,
  bucket: string,
): Promise<Measure> {
  const outputFile = path.join(workspace, '.github-output')
  writeFileSync(outputFile, '')
  const inputs: Record<string, string> = {
    mode: 'publish',
    'aws-region': 'us-east-1',
    'run-id': '1',
    'commit-sha': '0123456789abcdef0123456789abcdef01234567',
    timeout: '15m',
    'attempt-timeout': '60s',
    'record-file': '.deploy-records/build-artifacts.json',
    'retention-days': '90',
    context: '.',
    dockerfile: 'Dockerfile',
    platform: 'linux/amd64',
    'image-tag': 'bench',
    'health-check-path': '/healthz',
    'severity-threshold': 'high',
    'scan-timeout': '5m',
    'include-source-maps': 'false',
    'delete-stale': 'false',
    'max-delete-percent': '50',
    'upload-concurrency': '16',
    'invalidation-max-paths': '100',
    'wait-for-invalidation': 'false',
    'invalidation-timeout': '10m',
    'frontend-dir': 'site',
    'frontend-bucket': bucket,
  }
  const inputEnv: NodeJS.ProcessEnv = {
    ...env,
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
  }
  for (const [name, value] of Object.entries(inputs)) {
    inputEnv[inputEnvName(name)] = value
  }
  const result = await timed(
    process.execPath,
    [
      ...(process.env.KIT_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
      bundle,
    ],
    inputEnv,
    workspace,
  )
  const uploads = Number(
    parseCommandFile(readFileSync(outputFile, 'utf8'))['uploaded-count'] ?? NaN,
  )
  return {
    wallSeconds: result.wallSeconds,
    cpuSeconds: result.cpuSeconds,
    uploads,
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bench-publish-stack-'))
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'bench-publish-'))
  let state: StackState | undefined
  try {
    state = await startStack({ stateDir, motoCount: 1, baseImage: false })
    const env = stackEnvFor(state, 0)
    const site = path.join(workspace, 'site')
    mkdirSync(site)
    const changing = generateSite(site)
    const bundle = await bundleEntry(path.join(workspace, 'bundle'))
    console.log(
      `Site: ${FILES} small files and ${BIG_FILES} files of 8 MiB; ${RUNS} runs per scenario; ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`,
    )

    const rows: Array<{
      scenario: string
      cli: Measure
      kit: Measure
      spread: string
    }> = []
    const results: Record<string, { cli: Measure[]; kit: Measure[] }> = {
      full: { cli: [], kit: [] },
      unchanged: { cli: [], kit: [] },
      changed: { cli: [], kit: [] },
    }
    for (let run = 0; run < RUNS; run += 1) {
      const cliBucket = `bench-cli-${run}-${Date.now()}`
      const kitBucket = `bench-kit-${run}-${Date.now()}`
      await createBucket(env, cliBucket, workspace)
      await createBucket(env, kitBucket, workspace)
      writeFileSync(
        changing,
        readFileSync(changing, 'utf8').replace(/^./, run % 2 === 0 ? 'X' : 'Y'),
      )
      results.full!.cli.push(await cliSync(env, site, cliBucket, workspace))
      results.full!.kit.push(
        await kitPublish(bundle, env, workspace, kitBucket),
      )
      results.unchanged!.cli.push(
        await cliSync(env, site, cliBucket, workspace),
      )
      results.unchanged!.kit.push(
        await kitPublish(bundle, env, workspace, kitBucket),
      )
      const text = readFileSync(changing, 'utf8')
      writeFileSync(changing, `${text[0] === 'Z' ? 'W' : 'Z'}${text.slice(1)}`)
      utimesSync(changing, OLD_DATE, OLD_DATE)
      results.changed!.cli.push(await cliSync(env, site, cliBucket, workspace))
      results.changed!.kit.push(
        await kitPublish(bundle, env, workspace, kitBucket),
      )
    }
    for (const [scenario, { cli, kit }] of Object.entries(results)) {
      const pick = (list: Measure[]): Measure => ({
        wallSeconds: median(list.map((m) => m.wallSeconds)),
        cpuSeconds: median(list.map((m) => m.cpuSeconds)),
        uploads: median(list.map((m) => m.uploads)),
      })
      // Ratios of each run (both tools ran back to back on the same server state).
      const wallRatios = kit.map(
        (m, i) => m.wallSeconds / (cli[i]?.wallSeconds ?? NaN),
      )
      const cpuRatios = kit.map(
        (m, i) => m.cpuSeconds / (cli[i]?.cpuSeconds ?? NaN),
      )
      const range = (values: number[]) =>
        `${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}`
      rows.push({
        scenario,
        cli: pick(cli),
        kit: pick(kit),
        spread: `${range(wallRatios)} | ${range(cpuRatios)}`,
      })
    }
    console.log(
      '\n| Scenario | CLI wall s | publish wall s | wall ratio | CLI CPU s | publish CPU s | CPU ratio | wall ratio range | CPU ratio range | CLI uploads | publish uploads |',
    )
    console.log(
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    )
    for (const { scenario, cli, kit, spread } of rows) {
      console.log(
        `| ${scenario} | ${cli.wallSeconds.toFixed(2)} | ${kit.wallSeconds.toFixed(2)} | ${(kit.wallSeconds / cli.wallSeconds).toFixed(2)} | ${cli.cpuSeconds.toFixed(2)} | ${kit.cpuSeconds.toFixed(2)} | ${(kit.cpuSeconds / cli.cpuSeconds).toFixed(2)} | ${spread} | ${cli.uploads} | ${kit.uploads} |`,
      )
    }
  } finally {
    if (state) await stopStack({ stateDir })
    rmSync(workspace, { recursive: true, force: true })
    rmSync(stateDir, { recursive: true, force: true })
  }
}

await main()
