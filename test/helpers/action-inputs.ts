// Action inputs and bundle runs the way the GitHub runner does them:
// defaults come from action.yml only, inputs travel as INPUT_<NAME>
// variables, and a bundle runs as `node dist/index.js` with the runner's
// command files (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY,
// GITHUB_ENV, GITHUB_PATH) in a temporary folder.
import { spawn, type ChildProcess } from 'node:child_process'
import {
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, isAbsolute, join } from 'node:path'
import { parse } from 'yaml'
import { inputEnvName } from '../../common/inputs.js'
import { parseCommandFile } from '../../common/outputs.js'
import { repoRoot } from '../../local-stack/state.js'

interface ActionInput {
  description?: string
  required?: boolean
  default?: unknown
}

interface ActionMetadata {
  name?: string
  inputs?: Record<string, ActionInput | null>
  outputs?: Record<string, unknown>
}

/** Folder of an action: actions/<name>, or `action` itself when it is an absolute path (fixtures). */
export function actionDir(action: string): string {
  return isAbsolute(action) ? action : join(repoRoot, 'actions', action)
}

/** Parses the action's action.yml. */
export function actionMetadata(actionName: string): ActionMetadata {
  const file = join(actionDir(actionName), 'action.yml')
  return (parse(readFileSync(file, 'utf8')) ?? {}) as ActionMetadata
}

/** Default of every input that has one in action.yml, as the runner passes it (text). */
export function actionDefaults(actionName: string): Record<string, string> {
  const defaults: Record<string, string> = {}
  for (const [name, input] of Object.entries(
    actionMetadata(actionName).inputs ?? {},
  )) {
    if (input?.default !== undefined && input.default !== null) {
      defaults[name] = String(input.default)
    }
  }
  return defaults
}

/**
 * INPUT_* variables for a step: action.yml defaults with `overrides` on top.
 * An override of undefined drops that input's default. Throws for an
 * override that action.yml does not declare, so a typo cannot pass
 * silently.
 */
export function inputEnv(
  actionName: string,
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  const declared = Object.keys(actionMetadata(actionName).inputs ?? {})
  const unknown = Object.keys(overrides).filter(
    (name) => !declared.includes(name),
  )
  if (unknown.length > 0) {
    throw new Error(
      `${join(actionDir(actionName), 'action.yml')} declares no input ${unknown.map((name) => `'${name}'`).join(', ')}; declared: ${declared.join(', ')}`,
    )
  }
  const values: Record<string, string | undefined> = {
    ...actionDefaults(actionName),
    ...overrides,
  }
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) env[inputEnvName(name)] = value
  }
  return env
}

export interface RunBundleOptions {
  /** Input overrides on top of the action.yml defaults. */
  inputs?: Record<string, string | undefined>
  /** Environment of the step without inputs (default process.env); pass stackEnv() for stack tests. */
  env?: NodeJS.ProcessEnv
  /** 'index' runs dist/index.js, 'post' runs dist/post/index.js. */
  entry?: 'index' | 'post'
  /** Saved state for the post entry, as STATE_<name> variables (a main run's `state`). */
  state?: Record<string, string>
  /** Working directory (GITHUB_WORKSPACE); default a temporary folder removed afterwards. */
  cwd?: string
  /** The bundle is killed with SIGKILL after this long; default 120 s. */
  timeoutMs?: number
}

export interface BundleResult {
  exitCode: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  stdout: string
  stderr: string
  /** Parsed GITHUB_OUTPUT. */
  outputs: Record<string, string>
  /** Parsed GITHUB_STATE (what a post step receives as STATE_*). */
  state: Record<string, string>
  /** GITHUB_STEP_SUMMARY contents. */
  summary: string
  /** Parsed GITHUB_ENV. */
  exportedEnv: Record<string, string>
  /** Lines of GITHUB_PATH. */
  addedPath: string[]
  durationMs: number
}

// Step variables that the test process may carry from its own run; the
// step gets only the inputs and state given here.
const STEP_PREFIXES = ['INPUT_', 'STATE_']

export interface RunningBundle {
  /** The bundle's node process, for sending it signals. */
  child: ChildProcess
  /** Text printed on stdout so far. */
  stdout(): string
  /** Settles when the process has closed, with what it wrote. */
  done: Promise<BundleResult>
}

/** Runs an action's committed bundle with node, as the runner does, and collects what it wrote. */
export function runBundle(
  actionName: string,
  opts: RunBundleOptions = {},
): Promise<BundleResult> {
  return startBundle(actionName, opts).done
}

/**
 * Starts an action's committed bundle like runBundle and returns at once,
 * so the caller can watch its output and signal it while it runs.
 */
export function startBundle(
  actionName: string,
  opts: RunBundleOptions = {},
): RunningBundle {
  const entry = opts.entry ?? 'index'
  const bundle = join(
    actionDir(actionName),
    'dist',
    ...(entry === 'post' ? ['post', 'index.js'] : ['index.js']),
  )
  const files = mkdtempSync(join(tmpdir(), `kit-${basename(actionName)}-`))
  const workspace = opts.cwd ?? join(files, 'workspace')
  mkdirSync(workspace, { recursive: true })
  const runnerTemp = join(files, 'runner-temp')
  mkdirSync(runnerTemp)
  const commandFiles = {
    GITHUB_OUTPUT: join(files, 'output'),
    GITHUB_STATE: join(files, 'state'),
    GITHUB_STEP_SUMMARY: join(files, 'summary.md'),
    GITHUB_ENV: join(files, 'env'),
    GITHUB_PATH: join(files, 'path'),
  }
  for (const file of Object.values(commandFiles)) writeFileSync(file, '')

  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(opts.env ?? process.env)) {
    if (!STEP_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      env[name] = value
    }
  }
  Object.assign(
    env,
    {
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTION: basename(actionName),
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: runnerTemp,
    },
    commandFiles,
    inputEnv(actionName, opts.inputs),
    Object.fromEntries(
      Object.entries(opts.state ?? {}).map(([name, value]) => [
        `STATE_${name}`,
        value,
      ]),
    ),
  )

  const started = Date.now()
  const node = startNode(bundle, workspace, env, opts.timeoutMs ?? 120_000)
  const done = node.done
    .then((run) => {
      const read = (file: string) => readFileSync(file, 'utf8')
      return {
        ...run,
        outputs: parseCommandFile(read(commandFiles.GITHUB_OUTPUT)),
        state: parseCommandFile(read(commandFiles.GITHUB_STATE)),
        summary: read(commandFiles.GITHUB_STEP_SUMMARY),
        exportedEnv: parseCommandFile(read(commandFiles.GITHUB_ENV)),
        addedPath: read(commandFiles.GITHUB_PATH).split('\n').filter(Boolean),
        durationMs: Date.now() - started,
      }
    })
    .finally(() => {
      rmSync(files, { recursive: true, force: true })
    })
  return { child: node.child, stdout: node.stdout, done }
}

function startNode(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): {
  child: ChildProcess
  stdout(): string
  done: Promise<
    Pick<BundleResult, 'exitCode' | 'signal' | 'timedOut' | 'stdout' | 'stderr'>
  >
} {
  const child = spawn(process.execPath, [script], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let timedOut = false
  child.stdout
    .setEncoding('utf8')
    .on('data', (chunk: string) => (stdout += chunk))
  child.stderr
    .setEncoding('utf8')
    .on('data', (chunk: string) => (stderr += chunk))
  const done = new Promise<
    Pick<BundleResult, 'exitCode' | 'signal' | 'timedOut' | 'stdout' | 'stderr'>
  >((resolve, reject) => {
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer)
      resolve({ exitCode, signal, timedOut, stdout, stderr })
    })
  })
  return { child, stdout: () => stdout, done }
}
