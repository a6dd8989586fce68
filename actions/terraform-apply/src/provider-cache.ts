/**
 * Caches provider plugins across runs with the GitHub Actions cache:
 * Terraform's plugin cache folder (TF_PLUGIN_CACHE_DIR) is restored before
 * `init` and saved after it, keyed by platform and the dependency lock
 * file. Outside GitHub, or with cache-providers false, it does nothing.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import path from 'node:path'
import { errorMessage } from '../../../common/errors.js'
import type { Logger } from '../../../common/log.js'

export interface ProviderCache {
  /** Environment additions for Terraform (TF_PLUGIN_CACHE_DIR). */
  env: Record<string, string>
  /** Saves the folder after a successful init. */
  save(): Promise<void>
}

const NONE: ProviderCache = { env: {}, save: async () => undefined }

/** Cache key: platform, CPU and the hash of .terraform.lock.hcl. */
export async function providerCacheKey(workingDirectory: string): Promise<{
  key: string
  prefix: string
}> {
  const prefix = `terraform-providers-${process.platform}-${process.arch}-`
  let lockHash = 'no-lock-file'
  try {
    const text = await readFile(
      path.join(workingDirectory, '.terraform.lock.hcl'),
    )
    lockHash = createHash('sha256').update(text).digest('hex').slice(0, 32)
  } catch {
    // no dependency lock file yet
  }
  return { key: `${prefix}${lockHash}`, prefix }
}

/** Restores the plugin cache when the runner offers the Actions cache. */
export async function restoreProviderCache(opts: {
  enabled: boolean
  workingDirectory: string
  env: NodeJS.ProcessEnv
  logger: Logger
}): Promise<ProviderCache> {
  const { logger } = opts
  if (!opts.enabled) return NONE
  if (opts.env.TF_PLUGIN_CACHE_DIR) {
    logger.info(
      `TF_PLUGIN_CACHE_DIR is set (${opts.env.TF_PLUGIN_CACHE_DIR}): the provider cache is left to it`,
    )
    return NONE
  }
  if (opts.env.GITHUB_ACTIONS !== 'true') return NONE
  const cache = await import('@actions/cache')
  if (!cache.isFeatureAvailable()) {
    logger.info('The Actions cache is not available: providers are not cached')
    return NONE
  }
  const folder = path.join(
    opts.env.HOME || homedir(),
    '.terraform.d',
    'plugin-cache',
  )
  await mkdir(folder, { recursive: true })
  const { key, prefix } = await providerCacheKey(opts.workingDirectory)
  let hit: string | undefined
  try {
    hit = await cache.restoreCache([folder], key, [prefix])
    logger.info(
      hit === undefined
        ? `No provider cache for ${key}`
        : `Restored the provider cache ${hit}`,
    )
  } catch (error) {
    logger.warning(
      `Restoring the provider cache failed: ${errorMessage(error)}`,
    )
  }
  return {
    env: { TF_PLUGIN_CACHE_DIR: folder },
    save: async () => {
      const after = await providerCacheKey(opts.workingDirectory)
      if (hit === after.key) return
      try {
        await cache.saveCache([folder], after.key)
        logger.info(`Saved the provider cache as ${after.key}`)
      } catch (error) {
        logger.warning(
          `Saving the provider cache failed: ${errorMessage(error)}`,
        )
      }
    },
  }
}
