// Runs every action bundle the way the runner runs it, with a given Node
// binary: once with an invalid input (the bundle must load, reject the input
// by name and exit 1), and verify-health once against a healthy server on
// 127.0.0.1. Writes one check marker per run into the results folder.
//
//   node scripts/node24-smoke.mjs <node-binary> <results-dir>
import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'

const [nodeBinary, results = 'test-results'] = process.argv.slice(2)
if (!nodeBinary)
  throw new Error('usage: node24-smoke.mjs <node-binary> <results-dir>')
const root = resolve(import.meta.dirname, '..')
const version = spawnSync(nodeBinary, ['--version'], {
  encoding: 'utf8',
}).stdout.trim()

function inputEnv(action, overrides) {
  const metadata = parse(
    readFileSync(join(root, 'actions', action, 'action.yml'), 'utf8'),
  )
  const env = {}
  for (const [name, spec] of Object.entries(metadata.inputs ?? {})) {
    if (spec.default !== undefined)
      env[`INPUT_${name.toUpperCase()}`] = String(spec.default)
  }
  for (const [name, value] of Object.entries(overrides))
    env[`INPUT_${name.toUpperCase()}`] = value
  return env
}

function runBundle(action, overrides) {
  const dir = mkdtempSync(join(tmpdir(), 'smoke-'))
  for (const file of ['output', 'state', 'summary'])
    writeFileSync(join(dir, file), '')
  const started = Date.now()
  const run = spawnSync(
    nodeBinary,
    [join(root, 'actions', action, 'dist', 'index.js')],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        GITHUB_WORKSPACE: root,
        GITHUB_OUTPUT: join(dir, 'output'),
        GITHUB_STATE: join(dir, 'state'),
        GITHUB_STEP_SUMMARY: join(dir, 'summary'),
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        ...inputEnv(action, overrides),
      },
    },
  )
  return {
    ...run,
    ms: Date.now() - started,
    outputs: readFileSync(join(dir, 'output'), 'utf8'),
  }
}

function record(name, ok, detail) {
  writeFileSync(
    join(results, `check-node24-${name}`),
    ok ? 'passed\n' : 'failed\n',
  )
  console.log(`${ok ? 'ok' : 'FAILED'} ${name} on node ${version}: ${detail}`)
}

const actions = readdirSync(join(root, 'actions')).filter((name) =>
  existsSync(join(root, 'actions', name, 'dist', 'index.js')),
)
for (const action of actions) {
  // An unknown value for a shared enum-like input, or a bad duration, must be
  // rejected by name before any side effect.
  const run = runBundle(action, {
    timeout: '-5s',
    'aws-region': 'not a region!',
  })
  const rejected =
    run.status === 1 && /::error::.*(Invalid|Missing) input '/.test(run.stdout)
  record(
    `${action}-invalid-input`,
    rejected,
    `exit ${run.status} in ${run.ms} ms`,
  )
  if (!rejected) console.log(run.stdout, run.stderr)
}

if (actions.includes('verify-health')) {
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json')
    response.end('{"status":"ok"}')
  })
  await new Promise((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address()
  // spawnSync would block the server's event loop, so run it asynchronously.
  const { spawn } = await import('node:child_process')
  const dir = mkdtempSync(join(tmpdir(), 'smoke-'))
  for (const file of ['output', 'state', 'summary'])
    writeFileSync(join(dir, file), '')
  const child = spawn(
    nodeBinary,
    [join(root, 'actions', 'verify-health', 'dist', 'index.js')],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        GITHUB_OUTPUT: join(dir, 'output'),
        GITHUB_STATE: join(dir, 'state'),
        GITHUB_STEP_SUMMARY: join(dir, 'summary'),
        ...inputEnv('verify-health', {
          urls: `http://127.0.0.1:${port}/healthz`,
          timeout: '20s',
        }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  const code = await new Promise((done) => child.on('exit', done))
  server.close()
  const outputs = readFileSync(join(dir, 'output'), 'utf8')
  const healthy = code === 0 && /healthy<<[^\n]*\ntrue\n/.test(outputs)
  record('verify-health-healthy', healthy, `exit ${code}`)
  if (!healthy) console.log(stdout)
}
