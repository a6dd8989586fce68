/**
 * Start-to-exit time of each action bundle, run the way the runner runs it
 * (`node dist/index.js`, inputs as INPUT_* variables, command files), with an
 * input that fails validation, so the figure is load time plus input checks.
 * Each bundle is compared with `node -e 0` on the same Node binary.
 *
 *   npm run bench:startup -- [--runs 15] [--node24]
 *
 * `--node24` also measures with Node 24 from the npm registry (`npx -p node@24`).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const args = process.argv.slice(2)
const runsIndex = args.indexOf('--runs')
const runs = runsIndex >= 0 ? Number(args[runsIndex + 1]) : 15
if (!Number.isInteger(runs) || runs < 3) {
  throw new Error(
    `--runs must be an integer of at least 3, got ${args[runsIndex + 1]}`,
  )
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

function timeRuns(
  node: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
): number {
  const samples: number[] = []
  // One warm-up run fills the page cache.
  spawnSync(node, argv, { env, cwd: root })
  for (let i = 0; i < runs; i += 1) {
    const started = process.hrtime.bigint()
    spawnSync(node, argv, { env, cwd: root })
    samples.push(Number(process.hrtime.bigint() - started) / 1e6)
  }
  return median(samples)
}

function runnerEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'))
  for (const file of ['output', 'state', 'summary'])
    writeFileSync(join(dir, file), '')
  return {
    PATH: process.env.PATH,
    GITHUB_WORKSPACE: root,
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    AWS_EC2_METADATA_DISABLED: 'true',
    // A duration that fails validation in every action.
    INPUT_TIMEOUT: '-5s',
  }
}

const nodes: Array<{ label: string; binary: string }> = [
  { label: process.version, binary: process.execPath },
]
if (args.includes('--node24')) {
  const found = spawnSync(
    'npx',
    ['-y', '-p', 'node@24', '--', 'node', '-p', 'process.execPath'],
    { encoding: 'utf8' },
  )
  const binary = found.stdout.trim()
  if (found.status !== 0 || !binary) throw new Error('npx -p node@24 failed')
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' })
  nodes.push({ label: version.stdout.trim(), binary })
}

const actions = readdirSync(join(root, 'actions')).filter((name) =>
  existsSync(join(root, 'actions', name, 'dist', 'index.js')),
)
const env = runnerEnv()
console.log(
  `Machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${runs} runs each, median wall time`,
)
console.log('| bundle | node | median ms | node -e 0 ms | ratio |')
console.log('| --- | --- | ---: | ---: | ---: |')
for (const { label, binary } of nodes) {
  const baseline = timeRuns(binary, ['-e', '0'], env)
  for (const action of actions) {
    const bundle = join('actions', action, 'dist', 'index.js')
    const ms = timeRuns(binary, [bundle], env)
    const ratio = (ms / baseline).toFixed(1)
    console.log(
      `| ${action} | ${label} | ${ms.toFixed(0)} | ${baseline.toFixed(0)} | ${ratio} |`,
    )
  }
}
console.log(`Command: npm run bench:startup -- ${args.join(' ')}`.trimEnd())
