import {
  CreateInvalidationCommand,
  GetInvalidationCommand,
  type CloudFrontClient,
} from '@aws-sdk/client-cloudfront'
import type { Sleep } from '../../../common/clock.js'
import { waitFor, type Deadline } from '../../../common/deadline.js'
import type { Logger } from '../../../common/log.js'
import { INDEX_FILE } from './frontend-check.js'

// Characters that CloudFront requires URL-encoded in invalidation paths:
// the unsafe characters of RFC 1738 (space, quotes, <, >, #, %, {, }, |,
// \, ^, ~, [, ], `) plus control characters and every non-ASCII character.
// '*' stays as written, because CloudFront reads it as a wildcard.
const UNSAFE = /[\p{Cc} "#%<>{}|\\^~[\]`]|[^\p{ASCII}]/gu

/** Encodes one object key as an invalidation path ('/' + key). */
export function invalidationPath(key: string): string {
  const encoded = key.replace(UNSAFE, (char) =>
    [...Buffer.from(char, 'utf8')]
      .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  )
  return `/${encoded}`
}

/**
 * Paths to invalidate for the changed keys: each key's path, plus the
 * folder path for a changed `index.html` (CloudFront serves it as `/` or
 * `/folder/`). Above `maxPaths` distinct paths, one wildcard under the
 * prefix replaces them.
 */
export function invalidationPaths(
  changedKeys: readonly string[],
  prefix: string,
  maxPaths: number,
): { paths: string[]; wildcard: boolean } {
  const paths = new Set<string>()
  for (const key of changedKeys) {
    paths.add(invalidationPath(key))
    const name = key.slice(key.lastIndexOf('/') + 1)
    if (name === INDEX_FILE) {
      paths.add(invalidationPath(key.slice(0, key.length - INDEX_FILE.length)))
    }
  }
  if (paths.size > maxPaths) {
    const base = prefix === '' ? '' : invalidationPath(prefix)
    return { paths: [`${base}/*`], wildcard: true }
  }
  return { paths: [...paths].sort(), wildcard: false }
}

export interface InvalidationResult {
  id: string
  paths: string[]
  wildcard: boolean
  status: string
}

/**
 * Creates one invalidation for the changed keys and, when `wait` is set,
 * polls it until CloudFront reports it completed or the deadline passes.
 * Returns undefined when nothing changed.
 */
export async function invalidateChanged(opts: {
  cloudFront: CloudFrontClient
  distributionId: string
  changedKeys: readonly string[]
  prefix: string
  maxPaths: number
  callerReference: string
  wait: boolean
  deadline: Deadline
  logger: Logger
  sleep?: Sleep
  signal?: AbortSignal
  pollIntervalMs?: number
}): Promise<InvalidationResult | undefined> {
  const { logger, distributionId } = opts
  if (opts.changedKeys.length === 0) {
    logger.info(
      `No object was replaced or deleted, so CloudFront distribution ${distributionId} needs no invalidation`,
    )
    return undefined
  }
  const { paths, wildcard } = invalidationPaths(
    opts.changedKeys,
    opts.prefix,
    opts.maxPaths,
  )
  logger.info(
    wildcard
      ? `Invalidating ${paths[0]} in CloudFront distribution ${distributionId}: ${opts.changedKeys.length} changed objects exceed invalidation-max-paths ${opts.maxPaths}`
      : `Invalidating ${paths.length} paths in CloudFront distribution ${distributionId}`,
  )
  const created = await opts.cloudFront.send(
    new CreateInvalidationCommand({
      DistributionId: distributionId,
      InvalidationBatch: {
        CallerReference: opts.callerReference,
        Paths: { Quantity: paths.length, Items: paths },
      },
    }),
    { abortSignal: opts.signal },
  )
  const id = created.Invalidation?.Id
  if (id === undefined) {
    throw new Error(
      `CloudFront CreateInvalidation for ${distributionId} returned no invalidation id`,
    )
  }
  let status = created.Invalidation?.Status ?? 'InProgress'
  logger.info(`Created invalidation ${id} (status ${status})`)
  if (opts.wait && !isCompleted(status)) {
    status = await waitFor({
      what: `CloudFront invalidation ${id}`,
      deadline: opts.deadline,
      intervalMs: opts.pollIntervalMs ?? 10_000,
      logger,
      sleep: opts.sleep,
      signal: opts.signal,
      describe: () => `status ${status}`,
      check: async () => {
        const current = await opts.cloudFront.send(
          new GetInvalidationCommand({
            DistributionId: distributionId,
            Id: id,
          }),
          { abortSignal: opts.signal },
        )
        status = current.Invalidation?.Status ?? status
        return isCompleted(status) ? status : undefined
      },
    })
  }
  return { id, paths, wildcard, status }
}

/** CloudFront reports `Completed`; moto 5.2 reports `COMPLETED`. */
function isCompleted(status: string): boolean {
  return status.toLowerCase() === 'completed'
}
