/**
 * Installs a Terraform or OpenTofu release into the runner's tool cache
 * (GitHub runners only): downloads the zip and the release's
 * `<tool>_<version>_SHA256SUMS` file, from the official releases or a mirror
 * of them, checks the zip's SHA-256 against it, extracts and caches the
 * binary, then deletes the downloads. The signature of the SHA256SUMS file
 * is not checked.
 */
import { createHash, randomUUID } from 'node:crypto'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { errorMessage } from '../../../common/errors.js'
import type { Logger } from '../../../common/log.js'
import type { Distribution } from './inputs.js'
import { BINARY_NAME } from './terraform-binary.js'

export interface Release {
  zipName: string
  zipUrl: string
  /** File name of the release's checksum list, such as terraform_1.11.4_SHA256SUMS. */
  sumsName: string
  sumsUrl: string
}

const PLATFORMS: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'linux',
  darwin: 'darwin',
  win32: 'windows',
}

const ARCHES: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
}

/** Base URLs of the official releases, in the layout that `release-mirror` copies. */
export const RELEASE_BASES: Record<Distribution, string> = {
  terraform: 'https://releases.hashicorp.com/terraform',
  opentofu: 'https://github.com/opentofu/opentofu/releases/download',
}

/**
 * Download addresses of a release for a platform and CPU, under `base`
 * (default: the official releases). Terraform's files sit in
 * `<base>/<version>/`, OpenTofu's in `<base>/v<version>/`.
 */
export function releaseFor(
  distribution: Distribution,
  version: string,
  platform: NodeJS.Platform,
  arch: string,
  base: string = RELEASE_BASES[distribution],
): Release {
  const os = PLATFORMS[platform]
  const cpu = ARCHES[arch]
  if (os === undefined || cpu === undefined) {
    throw new Error(
      `No ${distribution} release for ${platform}/${arch}. Install the binary before this step and set terraform-binary.`,
    )
  }
  const root = base.replace(/\/+$/, '')
  if (distribution === 'terraform') {
    const folder = `${root}/${version}`
    const zipName = `terraform_${version}_${os}_${cpu}.zip`
    const sumsName = `terraform_${version}_SHA256SUMS`
    return {
      zipName,
      zipUrl: `${folder}/${zipName}`,
      sumsName,
      sumsUrl: `${folder}/${sumsName}`,
    }
  }
  const folder = `${root}/v${version}`
  const zipName = `tofu_${version}_${os}_${cpu}.zip`
  const sumsName = `tofu_${version}_SHA256SUMS`
  return {
    zipName,
    zipUrl: `${folder}/${zipName}`,
    sumsName,
    sumsUrl: `${folder}/${sumsName}`,
  }
}

/**
 * Returns the SHA-256 that a SHA256SUMS file lists for `fileName`, or
 * undefined when no line names it.
 */
export function checksumFor(
  sums: string,
  fileName: string,
): string | undefined {
  for (const line of sums.split(/\r?\n/)) {
    const match = /^([0-9a-fA-F]{64})\s+\*?(\S+)$/.exec(line.trim())
    if (match?.[2] === fileName && match[1] !== undefined) {
      return match[1].toLowerCase()
    }
  }
  return undefined
}

export interface InstallOptions {
  /** Base URL of a mirror of the releases (the `release-mirror` input). */
  mirror?: string
}

/** Installs the release (or finds it in the tool cache) and returns the binary's path. */
export async function installRelease(
  distribution: Distribution,
  version: string,
  logger: Logger,
  opts: InstallOptions = {},
): Promise<string> {
  const tc = await import('@actions/tool-cache')
  const tool = BINARY_NAME[distribution]
  const executable = process.platform === 'win32' ? `${tool}.exe` : tool
  const cached = tc.find(tool, version)
  if (cached !== '') {
    logger.info(`Found ${distribution} ${version} in the tool cache`)
    return path.join(cached, executable)
  }
  const release = releaseFor(
    distribution,
    version,
    process.platform,
    process.arch,
    opts.mirror,
  )
  const source =
    opts.mirror === undefined
      ? 'the release'
      : `the release-mirror ${opts.mirror}`
  const download = async (
    url: string,
    dest: string,
    hint: string,
  ): Promise<string> => {
    try {
      return await tc.downloadTool(url, dest)
    } catch (error) {
      const message = `Downloading ${url} failed: ${errorMessage(error)}. ${hint}`
      throw new Error(message, { cause: error })
    }
  }
  // Downloads and the extracted zip go to one folder, deleted once the
  // binary is in the tool cache or the install failed.
  const work = path.join(
    process.env.RUNNER_TEMP || tmpdir(),
    `terraform-apply-install-${randomUUID()}`,
  )
  await mkdir(work, { recursive: true, mode: 0o700 })
  try {
    logger.info(`Downloading ${release.zipUrl}`)
    const zip = await download(
      release.zipUrl,
      path.join(work, release.zipName),
      `Check that ${source} has ${distribution} ${version} for this platform, or install the binary before this step and set terraform-binary.`,
    )
    const sumsFile = await download(
      release.sumsUrl,
      path.join(work, release.sumsName),
      opts.mirror === undefined
        ? `${release.zipName} was downloaded, but ${release.sumsName} was not. Run the job again, or install the binary before this step and set terraform-binary.`
        : `${release.zipName} was downloaded, but ${release.sumsName} was not. Put the release's ${release.sumsName} beside the zip on the release-mirror, under that exact name and not as plain SHA256SUMS.`,
    )
    const expected = checksumFor(
      await readFile(sumsFile, 'utf8'),
      release.zipName,
    )
    if (expected === undefined) {
      throw new Error(
        missingChecksumMessage(release, distribution, version, opts.mirror),
      )
    }
    const actual = createHash('sha256')
      .update(await readFile(zip))
      .digest('hex')
    if (actual !== expected) {
      throw new Error(
        `${release.zipName} has SHA-256 ${actual}, but ${release.sumsUrl} lists ${expected}. The download is damaged or was altered; run the job again, and if it fails again, check the files of ${source}.`,
      )
    }
    logger.info(`Checksum of ${release.zipName} verified (${actual})`)
    const folder = await tc.extractZip(zip, path.join(work, 'extracted'))
    const dir = await tc.cacheDir(folder, tool, version)
    return path.join(dir, executable)
  } finally {
    await rm(work, { recursive: true, force: true }).catch((error: unknown) => {
      logger.warning(`Deleting ${work} failed: ${errorMessage(error)}`)
    })
  }
}

/** Error message for a SHA256SUMS file without a line for the zip. */
function missingChecksumMessage(
  release: Release,
  distribution: Distribution,
  version: string,
  mirror: string | undefined,
): string {
  const problem = `${release.sumsUrl} lists no SHA-256 for ${release.zipName}, so the download cannot be verified`
  if (mirror === undefined) {
    return `${problem}. Install the binary before this step and set terraform-binary.`
  }
  return `${problem} until that URL on the release-mirror serves the official ${release.sumsName} of ${distribution} ${version}, which has a line for ${release.zipName}.`
}
