/**
 * Resolves the `image` input to a digest. A digest given wins; a tag is
 * looked up in ECR (DescribeImages) or, for a registry on this machine, in
 * the registry's manifest API.
 */
import { DescribeImagesCommand, type ECRClient } from '@aws-sdk/client-ecr'
import { errorMessage } from '../../../common/errors.js'
import type { ImageReference } from './inputs.js'

const ECR_HOST = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/
const LOOPBACK_HOST = /^(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])(?::\d+)?$/
const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ')

export interface ResolvedImage {
  /** `repository@sha256:...` */
  uri: string
  digest: string
  /** Source of the digest: the input, ECR or the registry. */
  source: 'input' | 'ecr' | 'registry'
}

export class ImageResolveError extends Error {
  constructor(message: string) {
    super(`image: ${message}`)
    this.name = 'ImageResolveError'
  }
}

export async function resolveImage(
  image: ImageReference,
  deps: { ecr: ECRClient; fetch?: typeof fetch },
): Promise<ResolvedImage> {
  if (image.digest !== undefined) {
    return {
      uri: `${image.repository}@${image.digest}`,
      digest: image.digest,
      source: 'input',
    }
  }
  const tag = image.tag ?? ''
  const slash = image.repository.indexOf('/')
  const host = slash > 0 ? image.repository.slice(0, slash) : ''
  const path = slash > 0 ? image.repository.slice(slash + 1) : image.repository
  const ecr = ECR_HOST.exec(host)
  if (ecr !== null) {
    let digest: string | undefined
    try {
      const output = await deps.ecr.send(
        new DescribeImagesCommand({
          registryId: ecr[1],
          repositoryName: path,
          imageIds: [{ imageTag: tag }],
        }),
      )
      digest = output.imageDetails?.[0]?.imageDigest
    } catch (error) {
      throw new ImageResolveError(
        `looking up tag ${tag} in ECR repository ${path} failed: ${errorMessage(error)}. Check the tag, or give the image by digest.`,
      )
    }
    if (digest === undefined) {
      throw new ImageResolveError(
        `ECR repository ${path} has no image tagged ${tag}. Push it first, or give the image by digest.`,
      )
    }
    return { uri: `${image.repository}@${digest}`, digest, source: 'ecr' }
  }
  if (LOOPBACK_HOST.test(host)) {
    const fetcher = deps.fetch ?? fetch
    const url = `http://${host}/v2/${path}/manifests/${encodeURIComponent(tag)}`
    let response: Response
    try {
      response = await fetcher(url, {
        method: 'HEAD',
        headers: { accept: MANIFEST_TYPES },
      })
    } catch (error) {
      throw new ImageResolveError(
        `the registry ${host} did not answer (${errorMessage(error)}). Give the image by digest.`,
      )
    }
    const digest = response.headers.get('docker-content-digest') ?? undefined
    if (!response.ok || digest === undefined) {
      throw new ImageResolveError(
        `the registry ${host} has no manifest for ${path}:${tag} (HTTP ${response.status}). Push it first, or give the image by digest.`,
      )
    }
    return { uri: `${image.repository}@${digest}`, digest, source: 'registry' }
  }
  throw new ImageResolveError(
    `${image.text} has a tag but no digest, and its registry is neither ECR nor on this machine, so the tag cannot be resolved here. Give the image by digest (repo@sha256:...).`,
  )
}
