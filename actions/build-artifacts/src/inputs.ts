/**
 * Reads and validates the build-artifacts inputs once, before any side
 * effect. Defaults live in action.yml; an empty input here means "not set".
 */
import type { InputReader } from '../../../common/inputs.js'
import {
  checkNotLonger,
  expressionHint,
  S3_BUCKET,
  S3_BUCKET_HINT,
  readAwsRegion,
  readBucket,
  readKeyValueLines,
  readRunId,
  resolveWorkspacePath,
} from '../../../common/input-checks.js'

/**
 * Parts of the action, in the order they run. `restore-index` belongs to
 * the rollback stage and runs alone.
 */
export const PARTS = ['image', 'frontend', 'publish', 'restore-index'] as const
export type Part = (typeof PARTS)[number]

/** `mode: all` is the build stage: image and frontend. */
export const ALL_PARTS: readonly Part[] = ['image', 'frontend']

export const SEVERITY_THRESHOLDS = [
  'critical',
  'high',
  'medium',
  'low',
  'informational',
  'none',
] as const
export type SeverityThreshold = (typeof SEVERITY_THRESHOLDS)[number]

/** Platforms that ECS on Fargate runs Linux images on. */
export const PLATFORMS = ['linux/amd64', 'linux/arm64'] as const
export type Platform = (typeof PLATFORMS)[number]

export interface ImageSettings {
  repository: string
  /** Registry host and port; undefined means ECR_REGISTRY or the one ECR returns. */
  registry?: string
  /** Absolute build context folder. */
  contextDir: string
  /** Absolute Dockerfile path. */
  dockerfile: string
  buildArgs: Array<[string, string]>
  target?: string
  labels: Array<[string, string]>
  platform: Platform
  /** Primary tag first, then the extra tags without duplicates. */
  tags: string[]
  /** Undefined when the image itself must declare a HEALTHCHECK. */
  healthCheckPath?: string
  severityThreshold: SeverityThreshold
  scanTimeoutMs: number
}

export interface FrontendSettings {
  /** Absolute path of the build folder. */
  dir: string
  includeSourceMaps: boolean
}

export interface CloudFrontSettings {
  distributionId: string
  maxPaths: number
  wait: boolean
  timeoutMs: number
}

export interface PublishSettings {
  bucket: string
  /** Key prefix without leading or trailing '/'; '' for the bucket root. */
  prefix: string
  /** Glob to content type, in input order; the first match wins. */
  contentTypes: Array<[string, string]>
  /** Glob to Cache-Control value, in input order; the first match wins. */
  cacheControl: Array<[string, string]>
  deleteStale: boolean
  maxDeletePercent: number
  uploadConcurrency: number
  cloudFront?: CloudFrontSettings
}

/** The index.html that publish replaced, as its `previous-index-json` output describes it. */
export interface PreviousIndexReference {
  bucket: string
  key: string
  /** Version id of the kept object in a versioned bucket. */
  version_id?: string
  /** Key of the kept copy in an unversioned bucket. */
  copy_key?: string
}

export interface RestoreIndexSettings {
  /** Undefined when publish replaced no index.html, so there is nothing to restore. */
  previousIndex?: PreviousIndexReference
}

export interface BuildArtifactsInputs {
  /** Selected parts in run order, without duplicates. */
  parts: Part[]
  awsRegion: string
  runId: string
  commitSha: string
  timeoutMs: number
  attemptTimeoutMs: number
  /** Run-wide deadline, epoch ms. */
  deadlineAt?: number
  /** Absolute path of the record file. */
  recordFile: string
  retentionDays: number
  /** Set when `parts` includes image. */
  image?: ImageSettings
  /** Set when `parts` includes frontend or publish. */
  frontend?: FrontendSettings
  /** Set when `parts` includes publish. */
  publish?: PublishSettings
  /** Set when `parts` is restore-index. */
  restoreIndex?: RestoreIndexSettings
}

/** Inputs without a default that only some parts use. */
const PART_INPUTS: ReadonlyArray<[string, readonly Part[]]> = [
  ['ecr-repository', ['image']],
  ['ecr-registry', ['image']],
  ['build-args', ['image']],
  ['target', ['image']],
  ['labels', ['image']],
  ['extra-tags', ['image']],
  ['frontend-dir', ['frontend', 'publish']],
  ['frontend-bucket', ['publish']],
  ['frontend-prefix', ['publish']],
  ['content-types', ['publish']],
  ['cache-control', ['publish']],
  ['cloudfront-distribution-id', ['publish']],
  ['previous-index-json', ['restore-index']],
]

// Grammar of the docker CLI for tags and repository paths (ECR allows
// lowercase paths of 2 to 256 characters).
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const IMAGE_TAG_HINT =
  "Use a tag of 1 to 128 letters, digits, '_', '.' and '-' that does not start with '.' or '-'."
const ECR_REPOSITORY =
  /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/
const REGISTRY_HOST =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::\d{1,5})?$/
const BUILD_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/
const BUILD_TARGET = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
const COMMIT_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/
const URL_PATH = /^\/\S{0,1023}$/
const DISTRIBUTION_ID = /^[A-Z0-9]{1,32}$/
// type/subtype with optional parameters, as in RFC 9110 section 8.3.
const MEDIA_TYPE =
  /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(?:\s*;\s*[A-Za-z0-9!#$&^_.+-]+=(?:[A-Za-z0-9!#$&^_.+-]+|"[\t\x20\x21\x23-\x5b\x5d-\x7e]*"))*$/
// Comma-separated directives, each a token or token=value. Quoted strings
// in both take printable ASCII only, because the values become HTTP headers.
const CACHE_CONTROL =
  /^[A-Za-z-]+(?:=(?:[A-Za-z0-9-]+|"[\t\x20\x21\x23-\x5b\x5d-\x7e]*"))?(?:\s*,\s*[A-Za-z-]+(?:=(?:[A-Za-z0-9-]+|"[\t\x20\x21\x23-\x5b\x5d-\x7e]*"))?)*$/
const CONTROL_CHARACTERS = /\p{Cc}/u

/** Shared state of the part readers: the reader, the selected parts and the step's limits. */
interface ReadScope {
  reader: InputReader
  workspace: string
  parts: Part[]
  timeoutMs: number
  /** Inputs without a default that were set, with the text to show in errors. */
  setInputs: Map<string, string>
}

/**
 * Reads every build-artifacts input through `reader` exactly once and
 * validates each one and the combinations the selected parts need. Relative
 * paths resolve against `workspace` and must stay inside it.
 */
export function readInputs(
  reader: InputReader,
  workspace: string,
): BuildArtifactsInputs {
  const parts = readParts(reader)
  const awsRegion = readAwsRegion(reader)
  const runId = readRunId(reader)
  const commitSha = readCommitSha(reader)
  const timeoutMs = reader.duration('timeout', { required: true })
  const attemptTimeoutMs = reader.duration('attempt-timeout', {
    required: true,
  })
  const deadlineAt = reader.deadline('deadline-at')
  const recordFile = resolveWorkspacePath(
    reader,
    'record-file',
    reader.string('record-file', { required: true }),
    { workspace },
  )
  const retentionDays = reader.integer('retention-days', {
    required: true,
    min: 1,
    max: 400,
  })
  checkNotLonger(
    reader,
    { name: 'attempt-timeout', ms: attemptTimeoutMs },
    { name: 'timeout', ms: timeoutMs },
  )

  const scope: ReadScope = {
    reader,
    workspace,
    parts,
    timeoutMs,
    setInputs: new Map(),
  }
  const image = readImageSettings(scope)
  const frontend = readFrontendSettings(scope)
  const publish = readPublishSettings(scope)
  const restoreIndex = readRestoreIndexSettings(scope)
  checkPartInputs(scope)

  return {
    parts,
    awsRegion,
    runId,
    commitSha,
    timeoutMs,
    attemptTimeoutMs,
    ...(deadlineAt === undefined ? {} : { deadlineAt }),
    recordFile,
    retentionDays,
    ...(image === undefined ? {} : { image }),
    ...(frontend === undefined ? {} : { frontend }),
    ...(publish === undefined ? {} : { publish }),
    ...(restoreIndex === undefined ? {} : { restoreIndex }),
  }
}

/** Reads `mode`: a list of parts, `all` for image and frontend, or restore-index alone. */
function readParts(reader: InputReader): Part[] {
  const allowed = ['all', ...PARTS].join(', ')
  const items = reader.list('mode', {
    required: true,
    itemPattern: /^(?:all|image|frontend|publish|restore-index)$/,
    itemHint: `Use one or more of: ${allowed}.`,
  })
  if (items.includes('restore-index') && new Set(items).size > 1) {
    reader.fail(
      'mode',
      items.join(', '),
      'restore-index runs alone, in the rollback of a failed release; use mode: restore-index in a step of its own.',
    )
  }
  if (!items.includes('all')) return PARTS.filter((p) => items.includes(p))
  if (items.length > 1) {
    reader.fail(
      'mode',
      items.join(', '),
      'all already means image and frontend; use all alone, or list the parts you want.',
    )
  }
  return [...ALL_PARTS]
}

function readCommitSha(reader: InputReader): string {
  const value = reader.string('commit-sha', { required: true })
  if (!COMMIT_SHA.test(value)) {
    reader.fail(
      'commit-sha',
      value,
      `Use a full commit SHA of 40 (or 64) lowercase hexadecimal digits, such as the default github.sha.${expressionHint(value)}`,
    )
  }
  return value
}

function noteGiven(
  scope: ReadScope,
  name: string,
  errorValue: string | undefined,
): void {
  if (errorValue !== undefined && errorValue !== '')
    scope.setInputs.set(name, errorValue)
}

function readImageSettings(scope: ReadScope): ImageSettings | undefined {
  const { reader } = scope
  const repository = reader.string('ecr-repository', {
    pattern: ECR_REPOSITORY,
    patternHint:
      "Use an ECR repository name of 2 to 256 lowercase letters, digits and the separators '.', '_', '-' and '/'.",
  })
  const registry = readRegistry(reader)
  const contextText = reader.string('context', { required: true })
  const dockerfileText = reader.string('dockerfile', { required: true })
  const buildArgs = readKeyValueLines(reader, 'build-args', {
    hideValues: true,
    keyPattern: BUILD_ARG_NAME,
    keyHint:
      "Each name must start with a letter or '_' and hold only letters, digits and '_'.",
  })
  const target = reader.string('target', {
    pattern: BUILD_TARGET,
    patternHint:
      "Use the name of a build stage (letters, digits, '_', '.' and '-').",
  })
  const labels = readKeyValueLines(reader, 'labels', {
    keyPattern: LABEL_KEY,
    keyHint:
      "Each label name must start with a letter or digit and hold only letters, digits, '.', '_', '-' and '/'.",
  })
  const platform = reader.enumValue('platform', PLATFORMS, { required: true })
  const { primary, extra } = readTags(reader)
  const healthCheckPath = reader.string('health-check-path', {
    pattern: URL_PATH,
    patternHint:
      'Use an absolute URL path such as /healthz, without spaces, of at most 1024 characters.',
  })
  const severityThreshold = reader.enumValue(
    'severity-threshold',
    SEVERITY_THRESHOLDS,
    { required: true },
  )
  const scanTimeoutMs = reader.duration('scan-timeout', { required: true })

  noteGiven(scope, 'ecr-repository', repository)
  noteGiven(scope, 'ecr-registry', registry)
  noteGiven(scope, 'build-args', buildArgs.map(([name]) => name).join(', '))
  noteGiven(scope, 'target', target)
  noteGiven(scope, 'labels', labels.map(([name]) => name).join(', '))
  noteGiven(scope, 'extra-tags', extra.join(', '))
  if (!scope.parts.includes('image')) return undefined

  if (repository === undefined) {
    return reader.fail(
      'ecr-repository',
      '',
      'mode includes image, so set ecr-repository to the ECR repository name, or remove image from mode.',
    )
  }
  checkNotLonger(
    reader,
    { name: 'scan-timeout', ms: scanTimeoutMs },
    { name: 'timeout', ms: scope.timeoutMs },
  )
  const contextDir = resolveWorkspacePath(reader, 'context', contextText, {
    workspace: scope.workspace,
    mustExist: 'directory',
  })
  const dockerfile = resolveWorkspacePath(
    reader,
    'dockerfile',
    dockerfileText,
    { workspace: scope.workspace, base: contextDir, mustExist: 'file' },
  )

  return {
    repository,
    ...(registry === undefined ? {} : { registry }),
    contextDir,
    dockerfile,
    buildArgs,
    ...(target === undefined ? {} : { target }),
    labels,
    platform,
    tags: [...new Set([primary, ...extra])],
    ...(healthCheckPath === undefined ? {} : { healthCheckPath }),
    severityThreshold,
    scanTimeoutMs,
  }
}

function readRegistry(reader: InputReader): string | undefined {
  const value = reader.string('ecr-registry')
  if (value === undefined) return undefined
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.includes('/')) {
    reader.fail(
      'ecr-registry',
      value,
      'Give the registry host (and port) only, without a scheme such as https:// and without a path.',
    )
  }
  if (!REGISTRY_HOST.test(value)) {
    reader.fail(
      'ecr-registry',
      value,
      'Use a registry host name with an optional port, such as 123456789012.dkr.ecr.us-east-1.amazonaws.com or 127.0.0.1:5000.',
    )
  }
  return value
}

/** Reads `image-tag` and `extra-tags`. */
function readTags(reader: InputReader): { primary: string; extra: string[] } {
  const primary = reader.string('image-tag', { required: true })
  if (!IMAGE_TAG.test(primary)) {
    reader.fail(
      'image-tag',
      primary,
      `${IMAGE_TAG_HINT}${expressionHint(primary)}`,
    )
  }
  const extra = reader.list('extra-tags', {
    itemPattern: IMAGE_TAG,
    itemHint: IMAGE_TAG_HINT,
  })
  return { primary, extra }
}

function readFrontendSettings(scope: ReadScope): FrontendSettings | undefined {
  const { reader, parts } = scope
  const dirText = reader.string('frontend-dir')
  const includeSourceMaps = reader.boolean('include-source-maps', {
    required: true,
  })
  noteGiven(scope, 'frontend-dir', dirText)

  const users = parts.filter(
    (part) => part === 'frontend' || part === 'publish',
  )
  if (users.length === 0) return undefined
  if (dirText === undefined) {
    return reader.fail(
      'frontend-dir',
      '',
      `mode includes ${users.join(' and ')}, so set frontend-dir to the frontend build folder, such as dist or build.`,
    )
  }
  const dir = resolveWorkspacePath(reader, 'frontend-dir', dirText, {
    workspace: scope.workspace,
    mustExist: 'directory',
  })
  return { dir, includeSourceMaps }
}

function readPublishSettings(scope: ReadScope): PublishSettings | undefined {
  const { reader } = scope
  const bucket = readBucket(reader, 'frontend-bucket', { required: false })
  const prefixText = reader.string('frontend-prefix')
  const contentTypes = readGlobMap(reader, 'content-types', {
    pattern: MEDIA_TYPE,
    hint: 'Use a media type such as text/html; charset=utf-8.',
  })
  const cacheControl = readGlobMap(reader, 'cache-control', {
    pattern: CACHE_CONTROL,
    hint: 'Use Cache-Control directives such as public, max-age=31536000, immutable.',
  })
  const deleteStale = reader.boolean('delete-stale', { required: true })
  const maxDeletePercent = reader.integer('max-delete-percent', {
    required: true,
    min: 0,
    max: 100,
  })
  const uploadConcurrency = reader.integer('upload-concurrency', {
    required: true,
    min: 1,
    max: 64,
  })
  const distributionId = reader.string('cloudfront-distribution-id', {
    pattern: DISTRIBUTION_ID,
    patternHint:
      'Use a CloudFront distribution id: uppercase letters and digits, such as E2QWRUHAPOMQZL.',
  })
  const maxPaths = reader.integer('invalidation-max-paths', {
    required: true,
    min: 1,
    max: 3000,
  })
  const wait = reader.boolean('wait-for-invalidation', { required: true })
  const invalidationTimeoutMs = reader.duration('invalidation-timeout', {
    required: true,
  })

  noteGiven(scope, 'frontend-bucket', bucket)
  noteGiven(scope, 'frontend-prefix', prefixText)
  noteGiven(scope, 'content-types', contentTypes.map(([g]) => g).join(', '))
  noteGiven(scope, 'cache-control', cacheControl.map(([g]) => g).join(', '))
  noteGiven(scope, 'cloudfront-distribution-id', distributionId)
  if (wait && distributionId === undefined) {
    reader.fail(
      'wait-for-invalidation',
      'true',
      'There is no invalidation to wait for without cloudfront-distribution-id. Set cloudfront-distribution-id, or set wait-for-invalidation to false.',
    )
  }
  const prefix = normalizePrefix(reader, prefixText)
  if (!scope.parts.includes('publish')) return undefined

  if (bucket === undefined) {
    return reader.fail(
      'frontend-bucket',
      '',
      'mode includes publish, so set frontend-bucket to the bucket that serves the frontend.',
    )
  }
  if (distributionId !== undefined && wait) {
    checkNotLonger(
      reader,
      { name: 'invalidation-timeout', ms: invalidationTimeoutMs },
      { name: 'timeout', ms: scope.timeoutMs },
    )
  }
  const cloudFront: CloudFrontSettings | undefined =
    distributionId === undefined
      ? undefined
      : { distributionId, maxPaths, wait, timeoutMs: invalidationTimeoutMs }

  return {
    bucket,
    prefix,
    contentTypes,
    cacheControl,
    deleteStale,
    maxDeletePercent,
    uploadConcurrency,
    ...(cloudFront === undefined ? {} : { cloudFront }),
  }
}

const PREVIOUS_INDEX_FIELDS = ['bucket', 'key', 'version_id', 'copy_key']
const PREVIOUS_INDEX_HINT =
  'Pass the previous-index-json output of the publish step: a JSON object with bucket, key and either version_id or copy_key, or an empty value when publish replaced no index.html.'

function readRestoreIndexSettings(
  scope: ReadScope,
): RestoreIndexSettings | undefined {
  const { reader } = scope
  const text = reader.string('previous-index-json')
  noteGiven(scope, 'previous-index-json', text)
  if (!scope.parts.includes('restore-index')) return undefined
  // Publish outputs an empty value when it replaced no index.html. `null`
  // and `{}` mean the same, like a record without previous_index.
  if (text === undefined || text === 'null' || text === '{}') return {}
  const previousIndex = reader.json('previous-index-json', (value, fail) =>
    checkPreviousIndex(value, fail),
  )
  return previousIndex === undefined ? {} : { previousIndex }
}

/** Validates the parsed `previous-index-json` object field by field. */
function checkPreviousIndex(
  value: unknown,
  fail: (expected: string) => never,
): PreviousIndexReference {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(`It is not a JSON object. ${PREVIOUS_INDEX_HINT}`)
  }
  const record = value as Record<string, unknown>
  const unknown = Object.keys(record).filter(
    (name) => !PREVIOUS_INDEX_FIELDS.includes(name),
  )
  if (unknown.length > 0) {
    fail(
      `Unknown field ${unknown.join(', ')}; the fields are ${PREVIOUS_INDEX_FIELDS.join(', ')}. ${PREVIOUS_INDEX_HINT}`,
    )
  }
  const text = (name: string): string | undefined => {
    const field = record[name]
    if (field === undefined) return undefined
    if (typeof field !== 'string' || field === '') {
      return fail(
        `Field ${name} must be a non-empty string. ${PREVIOUS_INDEX_HINT}`,
      )
    }
    if (CONTROL_CHARACTERS.test(field) || Buffer.byteLength(field) > 1024) {
      return fail(
        `Field ${name} must be at most 1024 UTF-8 bytes long and contain no control characters, as S3 keys, bucket names and version ids do.`,
      )
    }
    return field
  }
  const bucket = text('bucket')
  const key = text('key')
  const versionId = text('version_id')
  const copyKey = text('copy_key')
  if (bucket === undefined || key === undefined) {
    return fail(
      `Field ${bucket === undefined ? 'bucket' : 'key'} is missing. ${PREVIOUS_INDEX_HINT}`,
    )
  }
  if (!S3_BUCKET.test(bucket)) {
    return fail(
      `Field bucket '${bucket}' is not a valid bucket name. ${S3_BUCKET_HINT}`,
    )
  }
  if ((versionId === undefined) === (copyKey === undefined)) {
    return fail(
      `${versionId === undefined ? 'Neither version_id nor copy_key is set' : 'Both version_id and copy_key are set'}; exactly one of them names the kept index.html. ${PREVIOUS_INDEX_HINT}`,
    )
  }
  if (copyKey === key) {
    return fail(
      'Field copy_key equals key, so the copy would replace the object with itself. Pass the copy key that publish recorded.',
    )
  }
  return versionId === undefined
    ? { bucket, key, copy_key: copyKey as string }
    : { bucket, key, version_id: versionId }
}

/** Checks `frontend-prefix` and removes trailing slashes; '' when not set. */
function normalizePrefix(
  reader: InputReader,
  value: string | undefined,
): string {
  if (value === undefined) return ''
  const prefix = value.replace(/\/+$/, '')
  const segments = prefix.split('/')
  const bad =
    value.startsWith('/') ||
    CONTROL_CHARACTERS.test(value) ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  if (bad) {
    reader.fail(
      'frontend-prefix',
      value,
      "Use a key prefix such as app or releases/web, without a leading '/', without empty, '.' or '..' segments and without control characters.",
    )
  }
  return prefix
}

/** Reads `glob: value` lines (or a JSON object) whose values must match `check.pattern`. */
function readGlobMap(
  reader: InputReader,
  name: string,
  check: { pattern: RegExp; hint: string },
): Array<[string, string]> {
  const entries = Object.entries(reader.map(name))
  for (const [glob, value] of entries) {
    if (glob.startsWith('/') || CONTROL_CHARACTERS.test(glob)) {
      reader.fail(
        name,
        `${glob}: ${value}`,
        "Patterns match paths relative to frontend-dir, such as *.js or assets/**; remove the leading '/'.",
      )
    }
    if (!check.pattern.test(value)) {
      reader.fail(name, `${glob}: ${value}`, check.hint)
    }
  }
  return entries
}

/**
 * Rejects an input without a default that was set while no selected part
 * uses it, because its value would be ignored without a word.
 */
function checkPartInputs(scope: ReadScope): void {
  const { reader, parts } = scope
  for (const [name, users] of PART_INPUTS) {
    const errorValue = scope.setInputs.get(name)
    if (errorValue === undefined) continue
    if (users.some((part) => parts.includes(part))) continue
    reader.fail(
      name,
      errorValue,
      `Only the ${users.join(' and ')} part uses it, and mode selects ${parts.join(', ')}. Add ${users.join(' or ')} to mode, or remove ${name}.`,
    )
  }
}
