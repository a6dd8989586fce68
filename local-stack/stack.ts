/**
 * The local AWS stack: moto servers (with the kit's extensions), a local
 * OCI registry, podman behind the `docker` CLI and a Terraform CLI
 * configuration that reads providers from the filesystem mirror. Every
 * service listens on 127.0.0.1 only.
 *
 * startStack() starts the services, waits until each part responds and
 * writes `<stateDir>/state.json`; stopStack() stops what that file lists.
 */
import { request } from 'node:http'
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { delimiter, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ensureBaseImage } from './base-image.js'
import {
  writeContainersConfig,
  writeRegistriesConfig,
  writeRegistryConfig,
  writeStorageConfig,
  writeTerraformConfig,
} from './config-files.js'
import {
  freePort,
  isAlive,
  isOurs,
  logTail,
  runTool,
  spawnService,
  stopProcessGroup,
  type ServiceProcess,
} from './processes.js'
import {
  defaultCacheDir,
  defaultStateDir,
  readStackState,
  repoRoot,
  statePath,
  writeStackState,
  type ServiceRecord,
  type StackState,
} from './state.js'

export interface StartStackOptions {
  /** Folder for this stack's state file, logs, configs and registry data; default `.stack/` at the repository root. */
  stateDir?: string
  /** Folder shared by all stacks: container storage, base image build, Terraform plugin cache; default `.stack/cache/`. */
  cacheDir?: string
  /** Number of moto servers, for example one per jest worker; default 1. */
  motoCount?: number
  /**
   * When true (the default) every service is killed by the kernel when the
   * calling process ends, even by SIGKILL. When false the services outlive
   * it and `stopStack` stops them.
   */
  bindToParent?: boolean
  /** Build or check the local node base image; default true. */
  baseImage?: boolean
  /** Extra environment for the moto servers, such as MOTO_ECS_SERVICE_RUNNING. */
  motoEnv?: Record<string, string>
  /** Python with moto installed; default $KIT_PYTHON, then python3. */
  python?: string
  /** Terraform provider mirror; default /opt/tf-plugins. */
  terraformMirror?: string
  /** AWS region the stack's environment names; default us-east-1. */
  region?: string
  /** Time limit for each part to respond; default 60 s. */
  readyTimeoutMs?: number
  /** Receives progress lines; default: none. */
  log?: (line: string) => void
}

/** Raised when the state folder already has a running stack (or one being started). */
export class StackAlreadyRunningError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StackAlreadyRunningError'
  }
}

const LAUNCHER = join(repoRoot, 'local-stack', 'moto', 'launcher.py')
/** The podman-docker shim; /usr/local/bin/docker may be a Docker client with no engine behind it. */
const PODMAN_DOCKER = '/usr/bin/docker'
const REGISTRY_ATTEMPTS = 3

function findOnPath(
  name: string,
  path: string | undefined,
): string | undefined {
  for (const folder of (path ?? '').split(delimiter)) {
    if (!folder) continue
    const candidate = join(folder, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this folder
    }
  }
  return undefined
}

/** Fails with one message that lists every missing tool and how to get it. */
function checkTools(bindToParent: boolean, mirror: string): void {
  const missing: string[] = []
  const path = process.env.PATH
  if (!findOnPath('docker-registry', path)) {
    missing.push('docker-registry (apt-get install docker-registry)')
  }
  if (!findOnPath('podman', path))
    missing.push('podman (apt-get install podman)')
  if (!existsSync(PODMAN_DOCKER)) {
    missing.push(`${PODMAN_DOCKER} (apt-get install podman-docker)`)
  }
  if (!findOnPath('terraform', path)) missing.push('terraform (1.11 on PATH)')
  if (!existsSync(mirror)) missing.push(`Terraform provider mirror ${mirror}`)
  if (bindToParent && !findOnPath('setpriv', path)) {
    missing.push('setpriv (util-linux), needed to tie services to this process')
  }
  if (missing.length > 0) {
    throw new Error(`The local stack needs: ${missing.join('; ')}.`)
  }
}

/** Status code of a request to a loopback URL, or undefined when it fails. */
function httpStatus(
  url: string,
  method = 'GET',
  timeoutMs = 2_000,
): Promise<number | undefined> {
  return new Promise((resolvePromise) => {
    const req = request(url, { method, agent: false, timeout: timeoutMs })
    req.on('response', (response) => {
      response.resume()
      resolvePromise(response.statusCode)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolvePromise(undefined))
    req.end()
  })
}

/** Polls until `check` returns a value, the process exits or the limit passes. */
async function waitUntil<T>(
  what: string,
  service: { process: ServiceProcess; log: string },
  timeoutMs: number,
  check: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    const status = service.process.exitStatus()
    if (status !== undefined) {
      throw new Error(
        `${what}: the process ended (${status}) before it responded. Last lines of ${service.log}:\n${logTail(service.log)}`,
      )
    }
    if (Date.now() >= until) {
      throw new Error(
        `${what}: no response within ${timeoutMs} ms. Last lines of ${service.log}:\n${logTail(service.log)}`,
      )
    }
    await sleep(100)
  }
}

/** Services that the state file lists and that still run. */
function runningServices(state: StackState): ServiceRecord[] {
  return [...state.moto, state.registry].filter((service) =>
    isOurs(service.pid, service.marker),
  )
}

/** Throws if a stack runs in `stateDir`; removes the state file of one whose services are gone. */
function checkNotRunning(stateDir: string, log: (line: string) => void): void {
  const file = statePath(stateDir)
  const state = readStackState(file)
  if (state === undefined) return
  const running = runningServices(state)
  if (running.length > 0) {
    const pids = running.map((service) => service.pid).join(', ')
    throw new StackAlreadyRunningError(
      `A local stack is already running in ${stateDir} (pids ${pids}, started ${state.startedAt} by pid ${state.ownerPid}). ` +
        'Stop it with `npm run stack:stop` (add `-- --state-dir DIR` for another folder) or start this one in another state folder.',
    )
  }
  log(`removing the state file of a stack that no longer runs: ${file}`)
  unlinkSync(file)
}

/** Creates `<stateDir>/start.lock` so two starts in one folder cannot race; returns its remover. */
function takeStartLock(stateDir: string): () => void {
  const lock = join(stateDir, 'start.lock')
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' })
      return () => rmSync(lock, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = Number(readFileSync(lock, 'utf8').trim())
      if (
        Number.isInteger(holder) &&
        holder !== process.pid &&
        isAlive(holder)
      ) {
        throw new StackAlreadyRunningError(
          `Process ${holder} is starting a local stack in ${stateDir}. Wait for it, or use another state folder.`,
        )
      }
      rmSync(lock, { force: true })
    }
  }
  throw new Error(`Failed to create the start lock ${lock}`)
}

/** Returns the caller's environment without REGISTRY_* variables, because the registry maps each of them onto its configuration. */
function registryEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('REGISTRY_'),
    ),
  )
}

/** Starts moto, the registry and the podman and Terraform configuration; resolves when every part responds. */
export async function startStack(
  opts: StartStackOptions = {},
): Promise<StackState> {
  const startedMs = Date.now()
  const log = opts.log ?? (() => {})
  const stateDir = resolve(opts.stateDir ?? defaultStateDir)
  const cacheDir = resolve(opts.cacheDir ?? defaultCacheDir)
  const motoCount = opts.motoCount ?? 1
  const bindToParent = opts.bindToParent ?? true
  const timeoutMs = opts.readyTimeoutMs ?? 60_000
  const region = opts.region ?? 'us-east-1'
  const mirror = opts.terraformMirror ?? '/opt/tf-plugins'
  const python = opts.python ?? process.env.KIT_PYTHON ?? 'python3'
  if (!Number.isInteger(motoCount) || motoCount < 1 || motoCount > 16) {
    throw new RangeError(
      `motoCount must be an integer from 1 to 16, got ${motoCount}`,
    )
  }

  mkdirSync(stateDir, { recursive: true })
  checkNotRunning(stateDir, log)
  const releaseLock = takeStartLock(stateDir)
  const started: ServiceRecord[] = []
  try {
    checkTools(bindToParent, mirror)
    const paths = preparePaths(stateDir, cacheDir)
    writeStorageConfig(paths.storageConf, {
      runRoot: join(cacheDir, 'containers', 'run'),
      graphRoot: join(cacheDir, 'containers', 'storage'),
    })
    writeContainersConfig(paths.containersConf, {
      tmpDir: join(cacheDir, 'containers', 'tmp'),
      eventsLog: join(cacheDir, 'containers', 'events.log'),
    })
    writeTerraformConfig(paths.terraformConf, { mirrorDir: mirror })

    const env: Record<string, string> = {
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_EC2_METADATA_DISABLED: 'true',
      TF_CLI_CONFIG_FILE: paths.terraformConf,
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      CONTAINERS_STORAGE_CONF: paths.storageConf,
      CONTAINERS_CONF: paths.containersConf,
      CONTAINERS_REGISTRIES_CONF: paths.registriesConf,
      REGISTRY_AUTH_FILE: paths.authFile,
      BUILDAH_FORMAT: 'docker',
      BUILDAH_ISOLATION: 'chroot',
      KIT_STACK_STATE: statePath(stateDir),
    }
    const toolEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...env,
      PATH: [paths.binDir, process.env.PATH].filter(Boolean).join(delimiter),
    }

    const registry = await startRegistry({
      paths,
      bindToParent,
      timeoutMs,
      log,
      started,
    })
    env.KIT_LOCAL_REGISTRY = registry.address

    const checks = Promise.all([
      checkPodman(toolEnv, paths.binDir, log).then(async () => {
        if (opts.baseImage === false) return undefined
        const { image } = await ensureBaseImage({
          env: toolEnv,
          workDir: join(cacheDir, 'build'),
          log,
        })
        return image
      }),
      checkTerraform(toolEnv, log),
    ])
    // Handled below, after the moto servers; this keeps an early failure
    // from being reported as an unhandled rejection meanwhile.
    checks.catch(() => undefined)
    const motoServers = await Promise.all(
      Array.from({ length: motoCount }, (_, index) =>
        startMoto({
          index,
          python,
          env: {
            ...process.env,
            ...opts.motoEnv,
            KIT_LOCAL_REGISTRY: registry.address,
            // No __pycache__ folders in the repository's moto extensions.
            PYTHONDONTWRITEBYTECODE: '1',
          },
          stateDir,
          bindToParent,
          timeoutMs,
          log,
          started,
        }),
      ),
    )
    const [baseImage] = await checks
    if (baseImage) env.KIT_BASE_IMAGE = baseImage

    const state: StackState = {
      version: 1,
      stateDir,
      cacheDir,
      ownerPid: process.pid,
      boundToOwner: bindToParent,
      startedAt: new Date(startedMs).toISOString(),
      startupMs: Date.now() - startedMs,
      moto: motoServers,
      registry,
      baseImage,
      binDir: paths.binDir,
      env,
    }
    writeStackState(state)
    log(`stack ready in ${state.startupMs} ms; state: ${statePath(stateDir)}`)
    return state
  } catch (error) {
    await Promise.allSettled(
      started.map((service) => stopProcessGroup(service.pid, service.marker)),
    )
    throw error
  } finally {
    releaseLock()
  }
}

interface StackPaths {
  binDir: string
  logDir: string
  storageConf: string
  containersConf: string
  registriesConf: string
  registryConf: string
  registryData: string
  authFile: string
  terraformConf: string
}

/** Creates the folders, the `docker` link and the registry auth file; wipes the previous registry data. */
function preparePaths(stateDir: string, cacheDir: string): StackPaths {
  const paths: StackPaths = {
    binDir: join(stateDir, 'bin'),
    logDir: join(stateDir, 'logs'),
    storageConf: join(cacheDir, 'containers', 'storage.conf'),
    containersConf: join(cacheDir, 'containers', 'containers.conf'),
    registriesConf: join(stateDir, 'registries.conf'),
    registryConf: join(stateDir, 'registry.yml'),
    registryData: join(stateDir, 'registry-data'),
    authFile: join(stateDir, 'auth.json'),
    terraformConf: join(cacheDir, 'terraform', 'terraformrc'),
  }
  rmSync(paths.registryData, { recursive: true, force: true })
  for (const folder of [
    paths.binDir,
    paths.logDir,
    paths.registryData,
    join(cacheDir, 'containers', 'tmp'),
    join(cacheDir, 'terraform'),
  ]) {
    mkdirSync(folder, { recursive: true })
  }
  const docker = join(paths.binDir, 'docker')
  rmSync(docker, { force: true })
  symlinkSync(PODMAN_DOCKER, docker)
  writeFileSync(paths.authFile, '{"auths": {}}\n')
  for (const entry of readdirSync(stateDir)) {
    if (/^moto-\d+\.port$/.test(entry)) rmSync(join(stateDir, entry))
  }
  return paths
}

async function startRegistry(opts: {
  paths: StackPaths
  bindToParent: boolean
  timeoutMs: number
  log: (line: string) => void
  started: ServiceRecord[]
}): Promise<StackState['registry']> {
  const { paths } = opts
  const logFile = join(paths.logDir, 'registry.log')
  for (let attempt = 1; ; attempt += 1) {
    const begin = Date.now()
    const port = await freePort()
    writeRegistryConfig(paths.registryConf, {
      port,
      storageDir: paths.registryData,
    })
    writeRegistriesConfig(paths.registriesConf, { registryPort: port })
    const child = await spawnService({
      command: 'docker-registry',
      args: ['serve', paths.registryConf],
      env: registryEnv(),
      logFile,
      bindToParent: opts.bindToParent,
    })
    const record = {
      pid: child.pid,
      port,
      log: logFile,
      marker: paths.registryConf,
    }
    opts.started.push(record)
    try {
      await waitUntil(
        `registry on 127.0.0.1:${port}`,
        { process: child, log: logFile },
        opts.timeoutMs,
        async () =>
          (await httpStatus(`http://127.0.0.1:${port}/v2/`)) === 200
            ? true
            : undefined,
      )
    } catch (error) {
      // A registry that ended by itself most likely lost the probed port
      // to another process; try a new port.
      const endedByItself = child.exitStatus() !== undefined
      await stopProcessGroup(child.pid, record.marker)
      if (attempt >= REGISTRY_ATTEMPTS || !endedByItself) throw error
      opts.log(
        `registry did not start on port ${port}; retrying with another port`,
      )
      continue
    }
    const address = `127.0.0.1:${port}`
    opts.log(
      `registry ready on ${address} (pid ${child.pid}, ${Date.now() - begin} ms)`,
    )
    return { ...record, address }
  }
}

async function startMoto(opts: {
  index: number
  python: string
  env: NodeJS.ProcessEnv
  stateDir: string
  bindToParent: boolean
  timeoutMs: number
  log: (line: string) => void
  started: ServiceRecord[]
}): Promise<StackState['moto'][number]> {
  const begin = Date.now()
  const portFile = join(opts.stateDir, `moto-${opts.index}.port`)
  const logFile = join(opts.stateDir, 'logs', `moto-${opts.index}.log`)
  const child = await spawnService({
    command: opts.python,
    args: [LAUNCHER, '--port-file', portFile],
    env: opts.env,
    logFile,
    bindToParent: opts.bindToParent,
  })
  const what = `moto server ${opts.index}`
  const service = { process: child, log: logFile }
  const partial = { pid: child.pid, log: logFile, marker: portFile }
  opts.started.push({ ...partial, port: 0 })
  const port = await waitUntil(what, service, opts.timeoutMs, () =>
    existsSync(portFile)
      ? Number(readFileSync(portFile, 'utf8').trim())
      : undefined,
  )
  const endpoint = `http://127.0.0.1:${port}`
  await waitUntil(what, service, opts.timeoutMs, async () =>
    (await httpStatus(`${endpoint}/moto-api/data.json`)) === 200
      ? true
      : undefined,
  )
  opts.log(
    `${what} ready on ${endpoint} (pid ${child.pid}, ${Date.now() - begin} ms)`,
  )
  return { ...partial, port, endpoint }
}

/** Checks that `docker` on the stack's PATH is the podman shim and that podman uses the vfs storage. */
async function checkPodman(
  env: NodeJS.ProcessEnv,
  binDir: string,
  log: (line: string) => void,
): Promise<void> {
  const docker = findOnPath('docker', env.PATH)
  if (docker !== join(binDir, 'docker')) {
    throw new Error(
      `docker on the stack's PATH is ${docker}, expected ${join(binDir, 'docker')}`,
    )
  }
  const [version, info] = await Promise.all([
    runTool('docker', ['version', '--format', '{{.Client.Version}}'], { env }),
    runTool('podman', ['info', '--format', '{{.Store.GraphDriverName}}'], {
      env,
    }),
  ])
  if (version.exitCode !== 0) {
    throw new Error(
      `docker version failed (exit code ${version.exitCode}): ${version.stderr.trim()}`,
    )
  }
  if (info.exitCode !== 0 || info.stdout.trim() !== 'vfs') {
    throw new Error(
      `podman info failed or reports storage driver '${info.stdout.trim()}' instead of vfs: ${info.stderr.trim()}`,
    )
  }
  log(`docker CLI is podman ${version.stdout.trim()} with vfs storage`)
}

/**
 * Checks `terraform version`. Providers come from the mirror without a
 * plugin cache: `init` links an unpacked mirror package into `.terraform`,
 * while a shared cache is written by every `init` that has no lock file
 * entry yet, which breaks when several run at once.
 */
async function checkTerraform(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<void> {
  const version = await runTool('terraform', ['version', '-json'], { env })
  if (version.exitCode !== 0) {
    throw new Error(
      `terraform version failed (exit code ${version.exitCode}): ${version.stderr.trim()}`,
    )
  }
  const parsed = JSON.parse(version.stdout) as { terraform_version?: string }
  log(
    `terraform ${parsed.terraform_version ?? '(unknown version)'} with providers from the mirror`,
  )
}

export interface StopStackOptions {
  stateDir?: string
  log?: (line: string) => void
}

/** Stops every service the state file in `stateDir` lists and removes the file; false when no stack was recorded there. */
export async function stopStack(opts: StopStackOptions = {}): Promise<boolean> {
  const log = opts.log ?? (() => {})
  const stateDir = resolve(opts.stateDir ?? defaultStateDir)
  const file = statePath(stateDir)
  const state = readStackState(file)
  if (state === undefined) {
    log(`no local stack recorded in ${stateDir}`)
    return false
  }
  const services = [
    ...state.moto.map((service, index) => ({
      name: `moto server ${index}`,
      service,
    })),
    { name: 'registry', service: state.registry },
  ]
  await Promise.all(
    services.map(async ({ name, service }) => {
      const running = isOurs(service.pid, service.marker)
      await stopProcessGroup(service.pid, service.marker)
      log(
        running
          ? `stopped ${name} (pid ${service.pid})`
          : `${name} (pid ${service.pid}) was not running`,
      )
    }),
  )
  rmSync(file, { force: true })
  for (const index of state.moto.keys()) {
    rmSync(join(stateDir, `moto-${index}.port`), { force: true })
  }
  return true
}

/** State of the stack in `stateDir` with each service's liveness, or undefined when none is recorded. */
export function stackStatus(
  stateDir = defaultStateDir,
):
  | { state: StackState; running: ServiceRecord[]; stopped: ServiceRecord[] }
  | undefined {
  const state = readStackState(statePath(resolve(stateDir)))
  if (state === undefined) return undefined
  const all = [...state.moto, state.registry]
  const running = runningServices(state)
  return {
    state,
    running,
    stopped: all.filter((service) => !running.includes(service)),
  }
}
