import {
  BatchGetImageCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  StartImageScanCommand,
  type DescribeImageScanFindingsCommandOutput,
  type ECRClient,
  type ImageScanFinding,
} from '@aws-sdk/client-ecr'
import type { Sleep } from '../../../common/clock.js'
import { waitFor, type Deadline } from '../../../common/deadline.js'
import { errorMessage } from '../../../common/errors.js'
import type { Logger } from '../../../common/log.js'
import { maskSecret } from '../../../common/masking.js'
import { DONE_STATUSES, FINAL_FAILURE_STATUSES } from './scan-gate.js'

/** Registry credentials from GetAuthorizationToken; the password is masked at once. */
export interface RegistryLogin {
  username: string
  password: string
  /** host[:port] of the registry that ECR names (proxyEndpoint without the scheme). */
  registry: string
  expiresAt?: Date
}

export async function getRegistryLogin(ecr: ECRClient): Promise<RegistryLogin> {
  const result = await ecr.send(new GetAuthorizationTokenCommand({}))
  const data = result.authorizationData?.[0]
  const token = data?.authorizationToken
  if (!token || !data?.proxyEndpoint) {
    throw new Error(
      'ECR GetAuthorizationToken returned no token or no proxy endpoint',
    )
  }
  maskSecret(token)
  const decoded = Buffer.from(token, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0) {
    throw new Error(
      'ECR GetAuthorizationToken returned a token that is not user:password',
    )
  }
  const password = decoded.slice(colon + 1)
  maskSecret(password)
  return {
    username: decoded.slice(0, colon),
    password,
    registry: new URL(data.proxyEndpoint).host,
    ...(data.expiresAt ? { expiresAt: data.expiresAt } : {}),
  }
}

/** Whether the repository's tags are immutable (IMMUTABLE or IMMUTABLE_WITH_EXCLUSION). */
export async function tagsAreImmutable(
  ecr: ECRClient,
  repository: string,
): Promise<boolean> {
  let result
  try {
    result = await ecr.send(
      new DescribeRepositoriesCommand({ repositoryNames: [repository] }),
    )
  } catch (error) {
    if ((error as { name?: unknown }).name === 'RepositoryNotFoundException') {
      throw new Error(
        `ECR repository '${repository}' (ecr-repository) was not found in the account and aws-region of this step. Create the repository first, or set ecr-repository and aws-region to an existing one.`,
        { cause: error },
      )
    }
    throw error
  }
  const mutability = result.repositories?.[0]?.imageTagMutability ?? 'MUTABLE'
  // NOTE: exclusion filters of IMMUTABLE_WITH_EXCLUSION are not read; every
  // tag is treated as immutable, which can only reject more re-runs.
  return mutability.startsWith('IMMUTABLE')
}

/** What a tag points to in ECR: manifest digest and the image config digest. */
export interface ExistingTag {
  tag: string
  digest: string
  /** Config digest from the manifest; undefined for a manifest list or index. */
  configDigest?: string
}

/** Returns the tags that already exist in the repository. */
export async function existingTags(
  ecr: ECRClient,
  repository: string,
  tags: string[],
): Promise<ExistingTag[]> {
  const result = await ecr.send(
    new BatchGetImageCommand({
      repositoryName: repository,
      imageIds: tags.map((imageTag) => ({ imageTag })),
      acceptedMediaTypes: [
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.oci.image.index.v1+json',
      ],
    }),
  )
  const found: ExistingTag[] = []
  for (const image of result.images ?? []) {
    const tag = image.imageId?.imageTag
    const digest = image.imageId?.imageDigest
    if (!tag || !digest || !tags.includes(tag)) continue
    let configDigest: string | undefined
    try {
      const manifest = JSON.parse(image.imageManifest ?? '{}') as {
        config?: { digest?: string }
      }
      configDigest = manifest.config?.digest
    } catch {
      configDigest = undefined
    }
    found.push({ tag, digest, ...(configDigest ? { configDigest } : {}) })
  }
  for (const failure of result.failures ?? []) {
    if (
      failure.failureCode !== 'ImageNotFound' &&
      failure.failureCode !== 'ImageTagDoesNotMatchDigest'
    ) {
      throw new Error(
        `ECR BatchGetImage failed for tag ${failure.imageId?.imageTag}: ${failure.failureCode} ${failure.failureReason ?? ''}`,
      )
    }
  }
  return found
}

/** Digest and size of the image a tag points to. */
export async function describeTag(
  ecr: ECRClient,
  repository: string,
  tag: string,
): Promise<{ digest: string; sizeBytes: number; pushedAt?: Date }> {
  const result = await ecr.send(
    new DescribeImagesCommand({
      repositoryName: repository,
      imageIds: [{ imageTag: tag }],
    }),
  )
  const detail = result.imageDetails?.[0]
  if (!detail?.imageDigest) {
    throw new Error(
      `ECR DescribeImages returned no image for ${repository}:${tag}`,
    )
  }
  return {
    digest: detail.imageDigest,
    sizeBytes: detail.imageSizeInBytes ?? 0,
    ...(detail.imagePushedAt ? { pushedAt: detail.imagePushedAt } : {}),
  }
}

export interface ScanOutcome {
  status: string
  counts: Record<string, number>
  findings: ImageScanFinding[]
  /** Findings of enhanced scanning, by title and severity. */
  enhanced: Array<{ name: string; severity: string }>
}

function errorName(error: unknown): string {
  return (error as { name?: string })?.name ?? ''
}

/**
 * Starts a basic scan of the digest (an image scanned in the last 24 hours
 * or a registry with enhanced scanning rejects that, which is fine) and
 * polls DescribeImageScanFindings until the scan completes or the deadline
 * passes. Returns every finding, reading all pages.
 */
export async function scanImage(opts: {
  ecr: ECRClient
  repository: string
  digest: string
  deadline: Deadline
  logger: Logger
  sleep?: Sleep
  signal?: AbortSignal
  pollIntervalMs?: number
}): Promise<ScanOutcome> {
  const { ecr, repository, digest, logger } = opts
  const imageId = { imageDigest: digest }
  try {
    await ecr.send(
      new StartImageScanCommand({ repositoryName: repository, imageId }),
    )
    logger.info(`Started the registry scan of ${repository}@${digest}`)
  } catch (error) {
    const name = errorName(error)
    if (name === 'LimitExceededException') {
      logger.info(
        `The registry scanned ${digest} in the last 24 hours; reading that scan`,
      )
    } else if (
      name === 'ValidationException' ||
      name === 'UnsupportedImageTypeException'
    ) {
      logger.info(
        `StartImageScan was not accepted (${errorMessage(error)}); waiting for the registry's own scan`,
      )
    } else {
      throw error
    }
  }

  let state = 'not started'
  const first = await waitFor<DescribeImageScanFindingsCommandOutput>({
    what: `the registry scan of ${digest}`,
    deadline: opts.deadline,
    intervalMs: opts.pollIntervalMs ?? 3_000,
    logger,
    sleep: opts.sleep,
    signal: opts.signal,
    describe: () => state,
    check: async () => {
      let page: DescribeImageScanFindingsCommandOutput
      try {
        page = await ecr.send(
          new DescribeImageScanFindingsCommand({
            repositoryName: repository,
            imageId,
          }),
        )
      } catch (error) {
        if (errorName(error) === 'ScanNotFoundException') {
          state = 'no scan yet'
          return undefined
        }
        throw error
      }
      const status = page.imageScanStatus?.status ?? 'UNKNOWN'
      state = `${status}${page.imageScanStatus?.description ? ` (${page.imageScanStatus.description})` : ''}`
      if (FINAL_FAILURE_STATUSES.has(status)) {
        throw new Error(
          `The registry scan of ${repository}@${digest} ended with ${state}, so the scan gate cannot pass. Fix the scan (or set severity-threshold: none to turn the gate off).`,
        )
      }
      return DONE_STATUSES.has(status) ? page : undefined
    },
  })

  const findings: ImageScanFinding[] = [
    ...(first.imageScanFindings?.findings ?? []),
  ]
  const enhanced = (first.imageScanFindings?.enhancedFindings ?? []).map(
    (f) => ({
      name: f.title ?? f.findingArn ?? 'finding',
      severity: f.severity ?? 'UNDEFINED',
    }),
  )
  let token = first.nextToken
  while (token) {
    const page = await ecr.send(
      new DescribeImageScanFindingsCommand({
        repositoryName: repository,
        imageId,
        nextToken: token,
      }),
    )
    findings.push(...(page.imageScanFindings?.findings ?? []))
    for (const f of page.imageScanFindings?.enhancedFindings ?? []) {
      enhanced.push({
        name: f.title ?? f.findingArn ?? 'finding',
        severity: f.severity ?? 'UNDEFINED',
      })
    }
    token = page.nextToken
  }
  return {
    status: first.imageScanStatus?.status ?? 'COMPLETE',
    counts: { ...(first.imageScanFindings?.findingSeverityCounts ?? {}) },
    findings,
    enhanced,
  }
}
