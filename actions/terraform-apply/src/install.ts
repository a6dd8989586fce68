/**
 * Installs a Terraform or OpenTofu release into the runner's tool cache
 * (GitHub runners only): downloads the zip and the release's SHA256SUMS
 * file, checks the zip's SHA-256 against it, extracts and caches the
 * binary. The signature of SHA256SUMS is not checked.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Logger } from '../../../common/log.js'
import type { Distribution } from './inputs.js'
import { BINARY_NAME } from './terraform-binary.js'

export interface Release {
  zipName: string
  zipUrl: string
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

/** Download addresses of a release for a platform and CPU. */
export function releaseFor(
  distribution: Distribution,
  version: string,
  platform: NodeJS.Platform,
  arch: string,
): Release {
  const os = PLATFORMS[platform]
  const cpu = ARCHES[arch]
  if (os === undefined || cpu === undefined) {
    throw new Error(
      `No ${distribution} release for ${platform}/${arch}. Install the binary before this step and set terraform-binary.`,
    )
  }
  if (distribution === 'terraform') {
    const base = `https://releases.hashicorp.com/terraform/${version}`
    const zipName = `terraform_${version}_${os}_${cpu}.zip`
    return {
      zipName,
      zipUrl: `${base}/${zipName}`,
      sumsUrl: `${base}/terraform_${version}_SHA256SUMS`,
    }
  }
  const base = `https://github.com/opentofu/opentofu/releases/download/v${version}`
  const zipName = `tofu_${version}_${os}_${cpu}.zip`
  return {
    zipName,
    zipUrl: `${base}/${zipName}`,
    sumsUrl: `${base}/tofu_${version}_SHA256SUMS`,
  }
}

/** Returns the SHA-256 that a SHA256SUMS file lists for `fileName`. */
export function checksumFor(sums: string, fileName: string): string {
  for (const line of sums.split(/\r?\n/)) {
    const match = /^([0-9a-fA-F]{64})\s+\*?(\S+)$/.exec(line.trim())
    if (match?.[2] === fileName && match[1] !== undefined) {
      return match[1].toLowerCase()
    }
  }
  throw new Error(`The release's SHA256SUMS lists no ${fileName}`)
}

/** Installs the release (or finds it in the tool cache) and returns the binary's path. */
export async function installRelease(
  distribution: Distribution,
  version: string,
  logger: Logger,
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
  )
  logger.info(`Downloading ${release.zipUrl}`)
  const zip = await tc.downloadTool(release.zipUrl)
  const sums = await readFile(await tc.downloadTool(release.sumsUrl), 'utf8')
  const expected = checksumFor(sums, release.zipName)
  const actual = createHash('sha256')
    .update(await readFile(zip))
    .digest('hex')
  if (actual !== expected) {
    throw new Error(
      `${release.zipName} has SHA-256 ${actual}, but the release lists ${expected}. The download is damaged or was altered; run the job again.`,
    )
  }
  logger.info(`Checksum of ${release.zipName} verified (${actual})`)
  const folder = await tc.extractZip(zip)
  const dir = await tc.cacheDir(folder, tool, version)
  return path.join(dir, executable)
}
