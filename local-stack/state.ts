import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

/** Repository root (the folder above local-stack/). */
export const repoRoot = resolve(import.meta.dirname, '..')

/** Folder of the stack that `npm run stack:start` manages. */
export const defaultStateDir = join(repoRoot, '.stack')

/** Folder shared by every stack: container storage, base image build, Terraform plugin cache. */
export const defaultCacheDir = join(repoRoot, '.stack', 'cache')

export const STATE_FILE = 'state.json'

/** A process the stack started. */
export interface ServiceRecord {
  pid: number
  port: number
  /** Log file of the process (stdout and stderr). */
  log: string
  /** Text in the process's command line; stop signals a pid only when it still matches. */
  marker: string
}

/** Contents of `<stateDir>/state.json` while a stack runs. */
export interface StackState {
  version: 1
  stateDir: string
  cacheDir: string
  /** Process that started the stack. */
  ownerPid: number
  /** True when the services end with the owner process. */
  boundToOwner: boolean
  startedAt: string
  /** Time from the start call until every part responded, in ms. */
  startupMs: number
  moto: Array<ServiceRecord & { endpoint: string }>
  registry: ServiceRecord & { address: string }
  /** Local base image for Dockerfiles, or undefined when start skipped it. */
  baseImage: string | undefined
  /** Folder put first on PATH: its `docker` is the podman-backed CLI. */
  binDir: string
  /** Variables every stack client needs; AWS_ENDPOINT_URL is added per moto server by stackEnvFor(). */
  env: Record<string, string>
}

export function statePath(stateDir: string): string {
  return join(stateDir, STATE_FILE)
}

/** Reads a stack's state file; undefined when there is none. */
export function readStackState(stateFile: string): StackState | undefined {
  if (!existsSync(stateFile)) return undefined
  const parsed = JSON.parse(readFileSync(stateFile, 'utf8')) as StackState
  if (parsed.version !== 1) {
    throw new Error(
      `Unsupported stack state file ${stateFile}: version ${String(parsed.version)}, expected 1. Stop that stack with the tool version that started it.`,
    )
  }
  return parsed
}

/** Writes the state file through a temporary name, so readers never see half a file. */
export function writeStackState(state: StackState): void {
  const file = statePath(state.stateDir)
  const partial = join(dirname(file), `.${STATE_FILE}.partial`)
  writeFileSync(partial, `${JSON.stringify(state, null, 2)}\n`)
  renameSync(partial, file)
}

// Variables that would send clients elsewhere than the stack or pick
// credentials other than the stack's fake keys.
const CLEARED = [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
]

/**
 * Returns the environment for a client of the stack. It is `base` (default
 * process.env) without AWS profile, session and endpoint variables, plus
 * the stack's variables and AWS_ENDPOINT_URL of moto server `motoIndex`.
 * The stack's bin folder comes first on PATH, and NO_PROXY gains the
 * loopback addresses.
 */
export function stackEnvFor(
  state: StackState,
  motoIndex = 0,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const moto = state.moto[motoIndex]
  if (moto === undefined) {
    throw new Error(
      `The stack has ${state.moto.length} moto server(s); there is no server ${motoIndex}.`,
    )
  }
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(base)) {
    if (CLEARED.includes(name) || name.startsWith('AWS_ENDPOINT_URL')) continue
    env[name] = value
  }
  Object.assign(env, state.env)
  env.AWS_ENDPOINT_URL = moto.endpoint
  const noProxy = [base.NO_PROXY ?? base.no_proxy, '127.0.0.1,localhost']
  env.NO_PROXY = env.no_proxy = noProxy.filter(Boolean).join(',')
  env.PATH = [state.binDir, base.PATH].filter(Boolean).join(':')
  return env
}
