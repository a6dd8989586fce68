import path from 'node:path'
import { ECRClient } from '@aws-sdk/client-ecr'
import { createAwsClient } from '../../../common/aws-clients.js'
import type {
  BackendImageRecord,
  ScanResult,
} from '../../../common/contracts/records.js'
import type { Deadline } from '../../../common/deadline.js'
import type { ActionContext } from '../../../common/run-action.js'
import {
  buildArguments,
  detectBuilder,
  docker,
  inspectImage,
  shownBuildCommand,
  type DockerOptions,
} from './docker.js'
import {
  describeTag,
  existingTags,
  getRegistryLogin,
  scanImage,
  tagsAreImmutable,
} from './ecr.js'
import type { BuildArtifactsInputs, ImageSettings } from './inputs.js'
import type { StepReport } from './report.js'
import { countsAtOrAbove } from './scan-gate.js'

/** Image labels that every build gets. */
export const REVISION_LABEL = 'org.opencontainers.image.revision'
export const RUN_ID_LABEL = 'org.aws-deploy-kit.run-id'

/**
 * Picks the registry host: the `ecr-registry` input, then ECR_REGISTRY,
 * then the proxy endpoint that GetAuthorizationToken returned.
 */
export function chooseRegistry(
  image: ImageSettings,
  env: NodeJS.ProcessEnv,
  fromEcr: string,
): string {
  return image.registry ?? (env.ECR_REGISTRY?.trim() || fromEcr)
}

/**
 * Runs the `image` part: build with the docker CLI, check the health check,
 * log in to ECR, check existing tags (immutable re-runs), push, read the
 * digest and size from ECR, and gate on the registry's scan findings.
 */
export async function runImage(
  ctx: ActionContext,
  inputs: BuildArtifactsInputs,
  report: StepReport,
  deadline: Deadline,
): Promise<void> {
  const image = inputs.image as ImageSettings
  const { logger } = ctx
  const ecr = createAwsClient(ECRClient, {
    region: inputs.awsRegion,
    logger,
    env: ctx.env,
    attemptTimeoutMs: inputs.attemptTimeoutMs,
  })
  try {
    logger.info('Requesting an ECR authorization token')
    const login = await getRegistryLogin(ecr)
    const registry = chooseRegistry(image, ctx.env, login.registry)
    const repositoryRef = `${registry}/${image.repository}`
    const references = image.tags.map((tag) => `${repositoryRef}:${tag}`)
    const primaryTag = image.tags[0] as string
    const primary = references[0] as string

    const dockerOpts: DockerOptions = {
      env: dockerEnv(ctx.env),
      logger,
      cancellation: ctx.cancellation,
      timeoutMs: Math.max(1, Math.min(deadline.remainingMs(), 2 ** 31 - 1)),
    }
    const builder = await detectBuilder(dockerOpts)
    logger.info(`Builder behind the docker CLI: ${builder}`)
    const args = buildArguments({
      contextDir: image.contextDir,
      dockerfile: image.dockerfile,
      platform: image.platform,
      ...(image.target === undefined ? {} : { target: image.target }),
      buildArgs: image.buildArgs,
      labels: [
        [REVISION_LABEL, inputs.commitSha],
        [RUN_ID_LABEL, inputs.runId],
        ...image.labels,
      ],
      references,
      builder,
    })
    await docker(args, {
      ...dockerOpts,
      displayedCommand: shownBuildCommand(args),
    })
    deadline.check('after the image build')

    const local = await inspectImage(primary, dockerOpts)
    if (
      local.healthCheck === undefined &&
      image.healthCheckPath === undefined
    ) {
      throw new Error(
        `The image ${primary} declares no HEALTHCHECK and health-check-path is empty. Add a HEALTHCHECK to ${path.basename(image.dockerfile)}, or set health-check-path to the backend's health check path (for example /healthz).`,
      )
    }
    logger.info(
      local.healthCheck === undefined
        ? `The image declares no HEALTHCHECK; the record carries health-check-path ${image.healthCheckPath}`
        : `The image declares a HEALTHCHECK (${local.healthCheck.join(' ')})`,
    )

    logger.info(`Logging in to ${registry}`)
    await docker(
      ['login', '--username', login.username, '--password-stdin', registry],
      { ...dockerOpts, input: login.password },
    )

    const immutable = await tagsAreImmutable(ecr, image.repository)
    const existing = await existingTags(ecr, image.repository, image.tags)
    const toPush = planPushes(image, existing, local.configDigest, immutable)
    for (const tag of image.tags) {
      if (!toPush.includes(tag)) {
        logger.info(
          `Tag ${tag} already points to this image (config ${local.configDigest}); not pushed again`,
        )
      }
    }
    for (const tag of toPush) {
      await docker(['push', `${repositoryRef}:${tag}`], dockerOpts)
    }

    const described = await describeTag(ecr, image.repository, primaryTag)
    const imageUri = `${repositoryRef}@${described.digest}`
    ctx.outputs.set('image-uri', imageUri)
    ctx.outputs.set('image-digest', described.digest)
    ctx.outputs.set('image-size-bytes', described.sizeBytes)
    logger.info(`Pushed ${imageUri} (${described.sizeBytes} bytes)`)

    const record: BackendImageRecord = {
      type: 'backend_image',
      name: image.repository,
      version: primaryTag,
      size_bytes: described.sizeBytes,
      sha256: described.digest.replace(/^sha256:/, ''),
      created_at: new Date(ctx.clock.now()).toISOString(),
      location: {
        kind: 'ecr',
        registry,
        repository: image.repository,
        image_uri: imageUri,
      },
      pipeline_run_id: inputs.runId,
      scan: {
        status: 'disabled',
        threshold: image.severityThreshold,
        finding_counts: {},
      },
      image_uri: imageUri,
      image_digest: described.digest,
      health_check_path: image.healthCheckPath ?? '',
      runtime: image.platform,
    }
    report.artifacts.push(record)
    report.details.image = {
      builder,
      tags: image.tags,
      pushed_tags: toPush,
      config_digest: local.configDigest,
      image_health_check: local.healthCheck !== undefined,
    }
    report.rows.push([
      'image',
      `${imageUri}, ${described.sizeBytes} bytes, tags ${image.tags.join(', ')}${toPush.length < image.tags.length ? ` (${image.tags.length - toPush.length} already present)` : ''}`,
    ])

    try {
      record.scan = await scanGate(
        ctx,
        image,
        ecr,
        described.digest,
        deadline,
        report,
      )
    } catch (error) {
      const scan = (error as { scan?: ScanResult }).scan
      if (scan !== undefined) record.scan = scan
      throw error
    }
  } finally {
    ecr.destroy()
  }
}

/**
 * Returns the tags to push. A tag that already points to an image with the
 * same config digest is left alone (an idempotent re-run). A tag that
 * points to another image is a conflict in an immutable repository and is
 * moved in a mutable one. Every check runs before the first push.
 */
export function planPushes(
  image: ImageSettings,
  existing: Array<{ tag: string; digest: string; configDigest?: string }>,
  configDigest: string,
  immutable: boolean,
): string[] {
  const conflicts: string[] = []
  const toPush: string[] = []
  for (const tag of image.tags) {
    const found = existing.find((entry) => entry.tag === tag)
    if (found === undefined) {
      toPush.push(tag)
    } else if (found.configDigest === configDigest) {
      continue
    } else if (immutable) {
      conflicts.push(
        `${tag} points to ${found.digest} (image config ${found.configDigest ?? 'unknown'})`,
      )
    } else {
      toPush.push(tag)
    }
  }
  if (conflicts.length > 0) {
    throw new Error(
      `Tag conflict in ECR repository ${image.repository}, whose tags are immutable: ${conflicts.join('; ')}, but this build produced image config ${configDigest}. Nothing was pushed. Use a new image-tag (the commit SHA is the default), or rebuild the exact image of that tag.`,
    )
  }
  return toPush
}

async function scanGate(
  ctx: ActionContext,
  image: ImageSettings,
  ecr: ECRClient,
  digest: string,
  deadline: Deadline,
  report: StepReport,
): Promise<ScanResult> {
  const threshold = image.severityThreshold
  if (threshold === 'none') {
    ctx.logger.warning(
      'severity-threshold is none: the image scan gate is turned off, and the record shows it as disabled',
    )
    ctx.outputs.set('scan-status', 'disabled')
    ctx.outputs.set('scan-findings-json', {})
    report.rows.push(['image scan', 'disabled (severity-threshold: none)'])
    return { status: 'disabled', threshold, finding_counts: {} }
  }
  const outcome = await scanImage({
    ecr,
    repository: image.repository,
    digest,
    deadline: deadline.child('image scan', image.scanTimeoutMs),
    logger: ctx.logger,
    sleep: ctx.sleep,
    signal: ctx.cancellation.signal,
  })
  const blocking = countsAtOrAbove(outcome.counts, threshold)
  const failed = Object.keys(blocking).length > 0
  const status = failed ? 'failed' : 'passed'
  ctx.outputs.set('scan-status', status)
  ctx.outputs.set('scan-findings-json', outcome.counts)
  const countsText =
    Object.entries(outcome.counts)
      .map(([severity, count]) => `${severity}: ${count}`)
      .join(', ') || 'no findings'
  report.rows.push([
    'image scan',
    `${status} at threshold ${threshold}: ${countsText}`,
  ])
  const lines = [
    ...outcome.findings.map(
      (f) =>
        `${f.severity ?? 'UNDEFINED'} ${f.name ?? 'finding'}${f.uri ? ` ${f.uri}` : ''}`,
    ),
    ...outcome.enhanced.map((f) => `${f.severity} ${f.name}`),
  ]
  if (lines.length > 0) {
    report.sections.push({
      title: `Image scan findings (${lines.length})`,
      lines,
    })
  }
  const result: ScanResult = {
    status,
    threshold,
    finding_counts: outcome.counts,
  }
  if (failed) {
    const blockingText = Object.entries(blocking)
      .map(([severity, count]) => `${count} ${severity}`)
      .join(', ')
    throw Object.assign(
      new Error(
        `The registry scan of ${image.repository}@${digest} found ${blockingText} at or above severity-threshold ${threshold}. Fix the vulnerable packages and rebuild, or raise severity-threshold.`,
      ),
      { scan: result },
    )
  }
  ctx.logger.info(`Scan gate passed at threshold ${threshold}: ${countsText}`)
  return result
}

/** Returns the docker CLI's environment, with BUILDAH_FORMAT=docker because podman's OCI format drops HEALTHCHECK. */
function dockerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, BUILDAH_FORMAT: env.BUILDAH_FORMAT ?? 'docker' }
}
