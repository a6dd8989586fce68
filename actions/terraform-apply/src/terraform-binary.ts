/**
 * Finds the Terraform or OpenTofu binary and checks its version: the
 * `terraform-binary` input, else the binary on PATH, else (only on a GitHub
 * runner, where GITHUB_ACTIONS is "true") a release downloaded into the tool
 * cache with its checksum verified.
 */
import type { CommandResult } from '../../../common/exec.js'
import type { Logger } from '../../../common/log.js'
import type { Distribution } from './inputs.js'
import { findOnPath } from './terraform.js'

export const BINARY_NAME: Record<Distribution, string> = {
  terraform: 'terraform',
  opentofu: 'tofu',
}

export interface FoundBinary {
  path: string
  version: string
  /** Where the binary came from, for the log. */
  source: 'input' | 'path' | 'tool-cache'
}

export interface FindBinaryOptions {
  distribution: Distribution
  version: string
  binary?: string
  env: NodeJS.ProcessEnv
  logger: Logger
  /** Runs `<binary> version -json`. */
  runVersion(binary: string): Promise<CommandResult>
  /** Installs the release into the tool cache and returns the binary's path. */
  install?(distribution: Distribution, version: string): Promise<string>
  /** The `release-mirror` input, named in the log and errors when it is not used. */
  releaseMirror?: string
}

/** Finds the binary and checks that it reports the requested version. */
export async function findBinary(
  opts: FindBinaryOptions,
): Promise<FoundBinary> {
  const name = BINARY_NAME[opts.distribution]
  let binary = opts.binary
  let source: FoundBinary['source'] = 'input'
  if (binary === undefined) {
    binary = findOnPath(name, opts.env)
    source = 'path'
  }
  const onRunner = opts.env.GITHUB_ACTIONS === 'true'
  // Reason that release-mirror is not used (undefined when unset or used).
  let mirrorUnused: string | undefined
  if (opts.releaseMirror !== undefined) {
    if (source === 'input') {
      mirrorUnused = `terraform-binary is set to ${binary}`
    } else if (binary !== undefined) {
      mirrorUnused = `${binary} was found on PATH`
    } else if (!onRunner) {
      mirrorUnused = `this is not a GitHub runner (GITHUB_ACTIONS is ${showEnv(opts.env.GITHUB_ACTIONS)}, not "true")`
    }
  }
  if (mirrorUnused !== undefined) {
    opts.logger.warning(
      `release-mirror is not used because ${mirrorUnused}. The action installs ${opts.distribution} only when terraform-binary is empty, no ${name} is on PATH and GITHUB_ACTIONS is "true".`,
    )
  }
  if (binary === undefined) {
    if (opts.install === undefined || !onRunner) {
      const mirrorNote =
        mirrorUnused === undefined
          ? ''
          : `, and release-mirror is not used because ${mirrorUnused}`
      throw new Error(
        `No ${name} binary on PATH${mirrorNote}. Install ${opts.distribution} ${opts.version} before this step, or set terraform-binary to its path.`,
      )
    }
    binary = await opts.install(opts.distribution, opts.version)
    source = 'tool-cache'
  }
  const result = await opts.runVersion(binary)
  if (result.exitCode !== 0) {
    throw new Error(
      `${binary} version -json ended with exit code ${result.exitCode}: ${result.stderr.trim()}`,
    )
  }
  const version = parseVersionJson(result.stdout)
  if (version !== opts.version) {
    const mirrorNote =
      mirrorUnused === undefined
        ? ''
        : ` release-mirror is not used because ${mirrorUnused}, so to install ${opts.version} from it, leave terraform-binary empty and remove ${name} from PATH.`
    throw new Error(
      `${binary} is ${opts.distribution} ${version}, but terraform-version is ${opts.version}. Set terraform-version to ${version}, or provide ${opts.version}.${mirrorNote}`,
    )
  }
  opts.logger.info(
    `Using ${opts.distribution} ${version} at ${binary} (${source})`,
  )
  return { path: binary, version, source }
}

function showEnv(value: string | undefined): string {
  return value === undefined ? 'unset' : JSON.stringify(value)
}

/** Reads `terraform_version` from `version -json` (both distributions print it). */
export function parseVersionJson(stdout: string): string {
  let parsed: unknown
  try {
    parsed = JSON.parse(stdout)
  } catch {
    throw new Error(
      `version -json printed no JSON: ${stdout.trim().slice(0, 200)}`,
    )
  }
  const version =
    parsed !== null && typeof parsed === 'object'
      ? (parsed as Record<string, unknown>).terraform_version
      : undefined
  if (typeof version !== 'string') {
    throw new Error('version -json printed no terraform_version')
  }
  return version
}
