import {
  formatCommand,
  runCommand,
  type CommandResult,
} from '../../../common/exec.js'
import type { Logger } from '../../../common/log.js'
import type { Cancellation } from '../../../common/signals.js'

/** Builder behind the `docker` CLI; only BuildKit takes attestation flags. */
export type Builder = 'buildkit' | 'classic' | 'podman'

export interface DockerOptions {
  env: NodeJS.ProcessEnv
  logger: Logger
  cancellation?: Cancellation
  timeoutMs?: number
}

/** Runs the docker CLI and throws with its exit code and last error line on failure. */
export async function docker(
  args: string[],
  opts: DockerOptions & {
    input?: string
    echo?: boolean
    /** Command line for the log, when the real one contains values to hide. */
    displayedCommand?: string
  },
): Promise<CommandResult> {
  const logger =
    opts.displayedCommand === undefined ? opts.logger : quietStart(opts.logger)
  if (opts.displayedCommand !== undefined) {
    opts.logger.info(`Running: ${opts.displayedCommand}`)
  }
  const result = await runCommand('docker', args, {
    env: opts.env,
    logger,
    cancellation: opts.cancellation,
    timeoutMs: opts.timeoutMs,
    input: opts.input,
    echo: opts.echo,
  })
  if (result.exitCode !== 0) {
    const commandLine = opts.displayedCommand ?? formatCommand('docker', args)
    const reason = result.timedOut
      ? 'timed out'
      : result.exitCode === null
        ? `ended by ${result.signal}`
        : `exited with code ${result.exitCode}`
    const lastLine =
      result.stderr
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('Emulate Docker CLI'))
        .pop() ?? ''
    throw new Error(
      `${commandLine} ${reason}${lastLine ? `: ${lastLine}` : ''}`,
    )
  }
  return result
}

/** Wraps a logger so that runCommand's own "Running: ..." line is dropped. */
function quietStart(logger: Logger): Logger {
  return {
    ...logger,
    info: (message) => {
      if (!message.startsWith('Running: ')) logger.info(message)
    },
    group: logger.group.bind(logger),
  }
}

/**
 * Detects the builder behind `docker`: podman when `docker --version` names
 * podman (podman-docker), classic when DOCKER_BUILDKIT=0 or `docker buildx
 * version` fails, BuildKit otherwise.
 */
export async function detectBuilder(opts: DockerOptions): Promise<Builder> {
  const version = await runCommand('docker', ['--version'], {
    env: opts.env,
    echo: false,
  })
  if (version.exitCode !== 0) {
    throw new Error(
      `docker --version exited with code ${version.exitCode}: ${version.stderr.trim()}. Install the docker CLI (or podman-docker) on the runner.`,
    )
  }
  if (/podman/i.test(version.stdout)) return 'podman'
  if (opts.env.DOCKER_BUILDKIT === '0') return 'classic'
  const buildx = await runCommand('docker', ['buildx', 'version'], {
    env: opts.env,
    echo: false,
  })
  return buildx.exitCode === 0 ? 'buildkit' : 'classic'
}

export interface BuildRequest {
  contextDir: string
  dockerfile: string
  platform: string
  target?: string
  buildArgs: Array<[string, string]>
  labels: Array<[string, string]>
  /** Full references (`registry/repository:tag`). */
  references: string[]
  builder: Builder
}

/**
 * Returns the `docker build` arguments. BuildKit gets `--provenance=false`
 * and `--sbom=false`, so a single-platform push yields a plain image
 * manifest (ECS rejects an attestation index on some paths); podman and the
 * classic builder reject those flags. podman gets `--format docker`, because
 * its default OCI format drops HEALTHCHECK.
 */
export function buildArguments(request: BuildRequest): string[] {
  const args = [
    'build',
    '--platform',
    request.platform,
    '--file',
    request.dockerfile,
  ]
  if (request.builder === 'buildkit') {
    args.push('--provenance=false', '--sbom=false', '--load')
  }
  if (request.builder === 'podman') args.push('--format', 'docker')
  if (request.target !== undefined) args.push('--target', request.target)
  for (const [name, value] of request.buildArgs) {
    args.push('--build-arg', `${name}=${value}`)
  }
  for (const [name, value] of request.labels)
    args.push('--label', `${name}=${value}`)
  for (const reference of request.references) args.push('--tag', reference)
  args.push(request.contextDir)
  return args
}

/** The build command line for the log, with build argument values hidden. */
export function shownBuildCommand(args: string[]): string {
  const shown = args.map((arg, index) =>
    args[index - 1] === '--build-arg' ? arg.replace(/=.*$/s, '=***') : arg,
  )
  return formatCommand('docker', shown)
}

/** Facts that `docker image inspect` reports about a local image. */
export interface LocalImage {
  /** Image id, the digest of the image config (`sha256:...`). */
  configDigest: string
  /** The HEALTHCHECK test, or undefined when the image declares none (or NONE). */
  healthCheck?: string[]
}

export async function inspectImage(
  reference: string,
  opts: DockerOptions,
): Promise<LocalImage> {
  const result = await docker(
    [
      'image',
      'inspect',
      '--format',
      '{{.Id}} {{json .Config.Healthcheck}}',
      reference,
    ],
    { ...opts, echo: false },
  )
  const line = result.stdout.trim().split('\n').pop() ?? ''
  const space = line.indexOf(' ')
  const id = space === -1 ? line : line.slice(0, space)
  const healthJson = space === -1 ? 'null' : line.slice(space + 1)
  const health = JSON.parse(healthJson || 'null') as { Test?: string[] } | null
  const test = health?.Test
  const declared = Array.isArray(test) && test.length > 0 && test[0] !== 'NONE'
  return {
    configDigest: id.startsWith('sha256:') ? id : `sha256:${id}`,
    ...(declared ? { healthCheck: test } : {}),
  }
}
