/**
 * Reads and validates the terraform-apply inputs once, before `init` runs.
 * Defaults live in action.yml; an empty input here means "not set".
 */
import { accessSync, constants, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import type { InputReader } from '../../../common/inputs.js'
import { redactUrl } from '../../../common/masking.js'
import { declaredBackends } from './backend-block.js'
import {
  checkNotLonger,
  expressionHint,
  readAwsRegion,
  readBucket,
  readObjectKey,
  readRunId,
  readTable,
  resolveWorkspacePath,
} from '../../../common/input-checks.js'

export const MODES = ['plan', 'apply', 'drift'] as const
export type Mode = (typeof MODES)[number]

export const DISTRIBUTIONS = ['terraform', 'opentofu'] as const
export type Distribution = (typeof DISTRIBUTIONS)[number]

export const LOCK_MODES = ['lockfile', 'dynamodb', 'both'] as const
export type LockMode = (typeof LOCK_MODES)[number]

export const DRIFT_ACTIONS = ['fail', 'warn'] as const
export type DriftAction = (typeof DRIFT_ACTIONS)[number]

/** Services whose endpoints the S3 backend's `endpoints` block accepts. */
export const ENDPOINT_SERVICES = ['s3', 'dynamodb', 'sts', 'iam'] as const
export type EndpointService = (typeof ENDPOINT_SERVICES)[number]

/** Oldest supported version of each distribution. */
export const MIN_VERSION: Record<Distribution, Version> = {
  terraform: [1, 5, 0],
  opentofu: [1, 6, 0],
}

/** First version of both distributions whose S3 backend has `use_lockfile`. */
export const LOCKFILE_VERSION: Version = [1, 10, 0]

/** Major, minor and patch numbers. */
export type Version = [number, number, number]

/** Files that hold Terraform or OpenTofu configuration. */
const CONFIGURATION_FILE = /\.(?:tf|tf\.json|tofu|tofu\.json)$/

const VERSION = /^(\d{1,4})\.(\d{1,4})\.(\d{1,4})(?:-[0-9A-Za-z.-]+)?$/
const WORKSPACE = /^[A-Za-z0-9_-]{1,90}$/
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/
const BACKEND_SETTING = /^[a-z][a-z0-9_]*$/
const PLAN_HASH = /^[0-9A-Fa-f]{64}$/
const PR_NUMBER = /^[1-9]\d{0,9}$/
// Characters that workflow artifact names may not contain.
const ARTIFACT_NAME = /^[^":<>|*?\\/\r\n]{1,256}$/

/** Backend settings that inputs of their own set. */
const OWN_SETTINGS: Record<string, string> = {
  bucket: 'backend-bucket',
  key: 'backend-key',
  region: 'aws-region',
  encrypt: 'backend-encrypt',
  use_lockfile: 'lock-mode',
  dynamodb_table: 'lock-table',
  endpoints: 'backend-endpoints',
  endpoint: 'backend-endpoints',
  dynamodb_endpoint: 'backend-endpoints',
  sts_endpoint: 'backend-endpoints',
  iam_endpoint: 'backend-endpoints',
}

/** Backend settings that carry credentials, which belong in the environment. */
const CREDENTIAL_SETTINGS = new Set([
  'access_key',
  'secret_key',
  'token',
  'sse_customer_key',
])

export interface BackendSettings {
  bucket: string
  key: string
  workspace: string
  lockMode: LockMode
  /** Set for the dynamodb and both lock modes. */
  lockTable?: string
  lockTimeoutMs: number
  encrypt: boolean
  endpoints: Partial<Record<EndpointService, string>>
  /** Further `-backend-config` settings, in input order. */
  extraConfig: Array<[string, string]>
}

export interface CommentSettings {
  enabled: boolean
  /** Undefined outside pull requests. */
  prNumber?: number
  /** Undefined when comments are off; registered as a secret when read. */
  token?: string
}

export interface TerraformApplyInputs {
  mode: Mode
  awsRegion: string
  /** Absolute path of the root module. */
  workingDirectory: string
  distribution: Distribution
  version: string
  /** Absolute path of a binary to use instead of searching or installing. */
  binary?: string
  /** Base URL of a release mirror, without a trailing slash. */
  releaseMirror?: string
  cacheProviders: boolean
  backend: BackendSettings
  /** Root module variables; values from `name: value` lines are strings. */
  variables: Record<string, unknown>
  /** Absolute paths of variable files. */
  varFiles: string[]
  /** Lowercase SHA-256 hex; only in apply mode. */
  reviewedPlanHash?: string
  onDrift: DriftAction
  timeoutMs: number
  gracePeriodMs: number
  /** Run-wide deadline, epoch ms. */
  deadlineAt?: number
  planArtifactName: string
  retentionDays: number
  comment: CommentSettings
  /** Absolute path of the record file. */
  recordFile: string
  runId: string
}

/**
 * Reads every terraform-apply input through `reader` exactly once and
 * validates each one and their combinations. Relative paths resolve against
 * `workspace` and must stay inside it; `terraform-binary` may point outside.
 */
export function readInputs(
  reader: InputReader,
  workspace: string,
): TerraformApplyInputs {
  const mode = reader.enumValue('mode', MODES, { required: true })
  const awsRegion = readAwsRegion(reader)
  const workingDirectory = readWorkingDirectory(reader, workspace)
  const distribution = reader.enumValue('distribution', DISTRIBUTIONS, {
    required: true,
  })
  const version = readVersion(reader, distribution)
  const binary = readBinary(reader, workspace)
  const releaseMirror = readReleaseMirror(reader)
  const cacheProviders = reader.boolean('cache-providers', { required: true })
  const backend = readBackend(reader, version)
  const variables = readVariables(reader)
  const varFiles = reader.list('var-files').map((file) =>
    resolveWorkspacePath(reader, 'var-files', file, {
      workspace,
      base: workingDirectory,
      mustExist: 'file',
    }),
  )
  const reviewedPlanHash = readPlanHash(reader, mode)
  const onDrift = reader.enumValue('on-drift', DRIFT_ACTIONS, {
    required: true,
  })

  const timeoutMs = reader.duration('timeout', { required: true })
  const gracePeriodMs = reader.duration('grace-period', {
    required: true,
    max: 600_000,
  })
  const deadlineAt = reader.deadline('deadline-at')
  checkNotLonger(
    reader,
    { name: 'lock-timeout', ms: backend.lockTimeoutMs },
    { name: 'timeout', ms: timeoutMs },
  )

  const planArtifactName = reader.string('plan-artifact-name', {
    required: true,
    pattern: ARTIFACT_NAME,
    patternHint:
      'Use an artifact name of 1 to 256 characters without " : < > | * ? \\ / or line breaks.',
  })
  const retentionDays = reader.integer('retention-days', {
    required: true,
    min: 1,
    max: 400,
  })
  const comment = readComment(reader)
  const recordFile = resolveWorkspacePath(
    reader,
    'record-file',
    reader.string('record-file', { required: true }),
    { workspace },
  )
  const runId = readRunId(reader)

  return {
    mode,
    awsRegion,
    workingDirectory,
    distribution,
    version,
    ...(binary === undefined ? {} : { binary }),
    ...(releaseMirror === undefined ? {} : { releaseMirror }),
    cacheProviders,
    backend,
    variables,
    varFiles,
    ...(reviewedPlanHash === undefined ? {} : { reviewedPlanHash }),
    onDrift,
    timeoutMs,
    gracePeriodMs,
    ...(deadlineAt === undefined ? {} : { deadlineAt }),
    planArtifactName,
    retentionDays,
    comment,
    recordFile,
    runId,
  }
}

/** Reads `working-directory`, which must be a folder with configuration files. */
function readWorkingDirectory(reader: InputReader, workspace: string): string {
  const text = reader.string('working-directory', { required: true })
  const directory = resolveWorkspacePath(reader, 'working-directory', text, {
    workspace,
    mustExist: 'directory',
  })
  const hasConfiguration = readdirSync(directory, { withFileTypes: true }).some(
    (entry) => entry.isFile() && CONFIGURATION_FILE.test(entry.name),
  )
  if (!hasConfiguration) {
    reader.fail(
      'working-directory',
      text,
      `${directory} holds no .tf, .tf.json, .tofu or .tofu.json file. Point working-directory at the root module's folder.`,
    )
  }
  checkS3Backend(reader, text, directory)
  return directory
}

/**
 * Requires a backend "s3" block, and no backend of another type, in the root
 * module. Without it Terraform ignores the backend inputs and keeps the
 * state on the runner.
 */
function checkS3Backend(
  reader: InputReader,
  text: string,
  directory: string,
): void {
  const backends = declaredBackends(directory)
  const declare =
    'Declare the S3 backend in the root module: terraform { backend "s3" {} }. The action fills in its settings from backend-bucket, backend-key and the other backend inputs.'
  if (backends.length === 0) {
    reader.fail(
      'working-directory',
      text,
      `The configuration in ${directory} declares no backend, so Terraform would keep the state in a local file on the runner and ignore the S3 backend settings. ${declare}`,
    )
  }
  const other = backends.find((backend) => backend.type !== 's3')
  if (other !== undefined) {
    reader.fail(
      'working-directory',
      text,
      `${other.file} declares backend "${other.type}", and this action stores the state in S3. ${declare}`,
    )
  }
}

function readVersion(reader: InputReader, distribution: Distribution): string {
  const text = reader.string('terraform-version', { required: true })
  const version = parseVersion(text)
  if (version === undefined) {
    return reader.fail(
      'terraform-version',
      text,
      'Use an exact version such as 1.11.4 (major.minor.patch).',
    )
  }
  const minimum = MIN_VERSION[distribution]
  if (compareVersions(version, minimum) < 0) {
    reader.fail(
      'terraform-version',
      text,
      `The kit supports ${distribution} ${minimum.join('.')} or newer. Use a newer version.`,
    )
  }
  return text
}

/** Parses 'major.minor.patch' with an optional pre-release suffix, which is ignored. */
export function parseVersion(text: string): Version | undefined {
  const match = VERSION.exec(text)
  if (match === null) return undefined
  return [Number(match[1]), Number(match[2]), Number(match[3])]
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i += 1) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0)
    if (difference !== 0) return difference
  }
  return 0
}

function readBinary(
  reader: InputReader,
  workspace: string,
): string | undefined {
  const text = reader.string('terraform-binary')
  if (text === undefined) return undefined
  const binary = path.resolve(workspace, text)
  if (!isExecutableFile(binary)) {
    reader.fail(
      'terraform-binary',
      text,
      `${binary} is not an executable file. Give the path of the terraform or tofu binary, or leave terraform-binary empty to search PATH.`,
    )
  }
  return binary
}

/**
 * Reads `release-mirror`. The release paths are appended to it, so a query
 * or a fragment would end up in the middle of the URL, and credentials
 * would be printed in the download log line.
 */
function readReleaseMirror(reader: InputReader): string | undefined {
  const url = reader.url('release-mirror')
  if (url === undefined) return undefined
  if (url.username !== '' || url.password !== '') {
    reader.fail(
      'release-mirror',
      `${url.protocol}//***@${url.host}${url.pathname}`,
      'Remove the user name and password from the URL: the download log prints it. Use a mirror that the runner reaches without credentials in the URL.',
    )
  }
  // An empty query or fragment ('https://host/tf?') leaves url.search and
  // url.hash empty but stays in href, where the appended path would follow.
  if (/[?#]/.test(url.href)) {
    reader.fail(
      'release-mirror',
      redactUrl(url),
      'Give a base URL without ? query or # fragment, such as https://mirror.example.com/terraform: the action appends /<version>/<file> to it.',
    )
  }
  return url.href.replace(/\/+$/, '')
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return statSync(file).isFile()
  } catch {
    return false
  }
}

function readBackend(reader: InputReader, version: string): BackendSettings {
  const bucket = readBucket(reader, 'backend-bucket', { required: true }) ?? ''
  const key = readObjectKey(reader, 'backend-key', { required: true }) ?? ''
  const workspace = reader.string('workspace', {
    required: true,
    pattern: WORKSPACE,
    patternHint:
      "Use a workspace name of 1 to 90 letters, digits, '_' and '-'.",
  })
  const lockMode = reader.enumValue('lock-mode', LOCK_MODES, {
    required: true,
  })
  const lockTable = readTable(reader, 'lock-table')
  const lockTimeoutMs = reader.duration('lock-timeout', {
    required: true,
    min: 0,
  })
  const encrypt = reader.boolean('backend-encrypt', { required: true })
  const endpoints = readEndpoints(reader)
  const extraConfig = readExtraConfig(reader)

  checkLockMode(reader, lockMode, lockTable, version)
  return {
    bucket,
    key,
    workspace,
    lockMode,
    ...(lockTable === undefined ? {} : { lockTable }),
    lockTimeoutMs,
    encrypt,
    endpoints,
    extraConfig,
  }
}

function checkLockMode(
  reader: InputReader,
  lockMode: LockMode,
  lockTable: string | undefined,
  version: string,
): void {
  if (lockMode !== 'lockfile' && lockTable === undefined) {
    reader.fail(
      'lock-table',
      '',
      `lock-mode is ${lockMode}, so set lock-table to the DynamoDB table that holds the state locks.`,
    )
  }
  if (lockMode === 'lockfile' && lockTable !== undefined) {
    reader.fail(
      'lock-table',
      lockTable,
      'lock-mode is lockfile, which does not use a table. Set lock-mode to dynamodb or both, or remove lock-table.',
    )
  }
  const parsed = parseVersion(version)
  const tooOld =
    parsed !== undefined && compareVersions(parsed, LOCKFILE_VERSION) < 0
  if (lockMode !== 'dynamodb' && tooOld) {
    reader.fail(
      'lock-mode',
      lockMode,
      `The S3 lock file needs version ${LOCKFILE_VERSION.join('.')} or newer, and terraform-version is ${version}. Set lock-mode to dynamodb with a lock-table, or use a newer version.`,
    )
  }
}

function readEndpoints(
  reader: InputReader,
): Partial<Record<EndpointService, string>> {
  const entries = Object.entries(reader.map('backend-endpoints'))
  const endpoints: Partial<Record<EndpointService, string>> = {}
  for (const [service, url] of entries) {
    const known = ENDPOINT_SERVICES.find((name) => name === service)
    if (known === undefined) {
      reader.fail(
        'backend-endpoints',
        `${service}: ${url}`,
        `Unknown service '${service}'. Use ${ENDPOINT_SERVICES.join(', ')}.`,
      )
    }
    if (!isHttpUrl(url)) {
      reader.fail(
        'backend-endpoints',
        `${service}: ${url}`,
        `Give an absolute http or https URL for ${service}, such as http://127.0.0.1:5000.`,
      )
    }
    endpoints[known] = url
  }
  return endpoints
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

function readExtraConfig(reader: InputReader): Array<[string, string]> {
  const entries = Object.entries(reader.map('backend-config'))
  for (const [name, value] of entries) {
    const errorValue = `${name}: ${CREDENTIAL_SETTINGS.has(name) ? '***' : value}`
    if (!BACKEND_SETTING.test(name)) {
      reader.fail(
        'backend-config',
        errorValue,
        'Use S3 backend setting names in lowercase with underscores, such as kms_key_id.',
      )
    }
    const ownInput = OWN_SETTINGS[name]
    if (ownInput !== undefined) {
      reader.fail(
        'backend-config',
        errorValue,
        `The input ${ownInput} sets ${name}. Use ${ownInput} instead.`,
      )
    }
    if (CREDENTIAL_SETTINGS.has(name)) {
      reader.fail(
        'backend-config',
        errorValue,
        `Credentials on the command line can leak. Pass ${name} through the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_SSE_CUSTOMER_KEY) or use OIDC.`,
      )
    }
  }
  return entries
}

/** Reads `variables`: a JSON object, or `name: value` (or name=value) lines. */
function readVariables(reader: InputReader): Record<string, unknown> {
  const text = reader.string('variables')
  if (text === undefined) return {}
  const variables = text.startsWith('{')
    ? parseJsonVariables(reader, text)
    : parseLineVariables(reader, text)

  for (const name of Object.keys(variables)) {
    if (!VARIABLE_NAME.test(name)) {
      reader.fail(
        'variables',
        name,
        "Variable names start with a letter or '_' and hold only letters, digits, '_' and '-'.",
      )
    }
  }
  return variables
}

function parseJsonVariables(
  reader: InputReader,
  text: string,
): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return reader.fail(
      'variables',
      '(JSON not shown)',
      `Use a valid JSON object (${reason}).`,
    )
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return reader.fail(
      'variables',
      '(JSON not shown)',
      'Use a JSON object whose keys are variable names.',
    )
  }
  return parsed as Record<string, unknown>
}

function parseLineVariables(
  reader: InputReader,
  text: string,
): Record<string, unknown> {
  const variables = new Map<string, string>()
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#')) continue
    const separator = line.search(/[:=]/)
    const name = separator < 0 ? line : line.slice(0, separator).trim()
    if (separator < 0) {
      reader.fail(
        'variables',
        name,
        "Write each line as 'name: value' or name=value, or give a JSON object.",
      )
    }
    if (variables.has(name)) {
      reader.fail('variables', name, 'The variable is set more than once.')
    }
    variables.set(name, line.slice(separator + 1).trim())
  }
  return Object.fromEntries(variables)
}

function readPlanHash(reader: InputReader, mode: Mode): string | undefined {
  const text = reader.string('reviewed-plan-hash')
  if (text === undefined) return undefined
  if (!PLAN_HASH.test(text)) {
    const prefix = text.toLowerCase().startsWith('sha256:')
      ? " Remove the 'sha256:' prefix."
      : ''
    reader.fail(
      'reviewed-plan-hash',
      text,
      `Use the plan-hash output of the reviewed plan run: a SHA-256 of 64 hexadecimal digits.${prefix}`,
    )
  }
  if (mode !== 'apply') {
    reader.fail(
      'reviewed-plan-hash',
      text,
      `Only apply mode compares plan hashes, and mode is ${mode}. Set mode to apply, or remove reviewed-plan-hash.`,
    )
  }
  return text.toLowerCase()
}

function readComment(reader: InputReader): CommentSettings {
  const enabled = reader.boolean('comment-on-pr', { required: true })
  const prText = reader.string('pr-number')
  const token = reader.string('github-token', { secret: true })

  if (prText !== undefined && !PR_NUMBER.test(prText)) {
    reader.fail(
      'pr-number',
      prText,
      `Use the number of a pull request, such as 42; the default is empty outside pull requests.${expressionHint(prText)}`,
    )
  }
  const prNumber = prText === undefined ? undefined : Number(prText)
  if (!enabled) return { enabled }
  if (token === undefined || token.includes('${{')) {
    reader.fail(
      'github-token',
      token === undefined ? '' : token,
      `comment-on-pr is true, so set github-token to a token that may write pull-request comments.${expressionHint(token ?? '')}`,
    )
  }
  return {
    enabled,
    ...(prNumber === undefined ? {} : { prNumber }),
    token,
  }
}
