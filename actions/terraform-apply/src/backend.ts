/**
 * The `-backend-config` arguments of `init` for the S3 backend, and where
 * the backend keeps the state lock.
 */
import { endpointFor } from '../../../common/aws-clients.js'
import { formatDuration } from '../../../common/duration.js'
import type { BackendSettings, EndpointService } from './inputs.js'
import { ENDPOINT_SERVICES } from './inputs.js'

/** SDK service ids used to read AWS_ENDPOINT_URL_<SERVICE>. */
const SERVICE_IDS: Record<EndpointService, string> = {
  s3: 'S3',
  dynamodb: 'DynamoDB',
  sts: 'STS',
  iam: 'IAM',
}

/** Backend default for the folder of non-default workspaces. */
export const WORKSPACE_KEY_PREFIX = 'env:'

/**
 * Endpoints of the backend: the `backend-endpoints` input, else the
 * AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL variables.
 */
export function backendEndpoints(
  backend: BackendSettings,
  env: NodeJS.ProcessEnv,
): Partial<Record<EndpointService, string>> {
  if (Object.keys(backend.endpoints).length > 0) return backend.endpoints
  const endpoints: Partial<Record<EndpointService, string>> = {}
  for (const service of ENDPOINT_SERVICES) {
    const url = endpointFor(SERVICE_IDS[service], env)
    if (url !== undefined) endpoints[service] = url
  }
  return endpoints
}

/**
 * Arguments for `terraform init`. With endpoint overrides (an S3-compatible
 * store or a local emulator) the backend also gets path-style addressing
 * and skips the account and region checks that only AWS supports.
 */
export function backendArgs(
  backend: BackendSettings,
  region: string,
  env: NodeJS.ProcessEnv,
): string[] {
  const settings: Array<[string, string]> = [
    ['bucket', backend.bucket],
    ['key', backend.key],
    ['region', region],
    ['encrypt', String(backend.encrypt)],
  ]
  if (backend.lockMode !== 'dynamodb') settings.push(['use_lockfile', 'true'])
  if (backend.lockTable !== undefined) {
    settings.push(['dynamodb_table', backend.lockTable])
  }
  const endpoints = backendEndpoints(backend, env)
  const entries = Object.entries(endpoints)
  if (entries.length > 0) {
    const map = entries.map(
      ([service, url]) => `${service}=${JSON.stringify(url)}`,
    )
    settings.push(['endpoints', `{${map.join(',')}}`])
    const own = new Set(backend.extraConfig.map(([name]) => name))
    for (const name of [
      'use_path_style',
      'skip_credentials_validation',
      'skip_requesting_account_id',
      'skip_metadata_api_check',
      'skip_region_validation',
    ]) {
      if (!own.has(name)) settings.push([name, 'true'])
    }
  }
  settings.push(...backend.extraConfig)
  return settings.map(([name, value]) => `-backend-config=${name}=${value}`)
}

/** `-lock-timeout` argument of the commands that take the state lock. */
export function lockTimeoutArg(backend: BackendSettings): string {
  return `-lock-timeout=${Math.ceil(backend.lockTimeoutMs / 1000)}s`
}

/** Location of the selected workspace's state, and so of its lock. */
export interface LockLocation {
  bucket: string
  /** Key of the state object; the lock object is this key plus '.tflock'. */
  stateKey: string
  /** Lock table for the dynamodb and both modes. */
  table?: string
  /** Whether the lock lives in the S3 lock object (lockfile and both modes). */
  lockfile: boolean
}

/** Finds the state key of a workspace the way the S3 backend does. */
export function lockLocation(backend: BackendSettings): LockLocation {
  const prefixSetting = backend.extraConfig.find(
    ([name]) => name === 'workspace_key_prefix',
  )
  const prefix = prefixSetting?.[1] ?? WORKSPACE_KEY_PREFIX
  const stateKey =
    backend.workspace === 'default'
      ? backend.key
      : `${prefix}/${backend.workspace}/${backend.key}`
  return {
    bucket: backend.bucket,
    stateKey,
    ...(backend.lockTable === undefined ? {} : { table: backend.lockTable }),
    lockfile: backend.lockMode !== 'dynamodb',
  }
}

/** Describes the lock settings for the log. */
export function describeLock(backend: BackendSettings): string {
  const wait = `waiting up to ${formatDuration(backend.lockTimeoutMs)}`
  if (backend.lockMode === 'lockfile') return `S3 lock file, ${wait}`
  if (backend.lockMode === 'dynamodb') {
    return `DynamoDB table ${backend.lockTable}, ${wait}`
  }
  return `S3 lock file and DynamoDB table ${backend.lockTable}, ${wait}`
}
