/**
 * Reads and validates the blue-green-deploy inputs once, before any AWS
 * request. Defaults live in action.yml; an empty input here means "not set".
 */
import type { DeploymentState } from '../../../common/contracts/records.js'
import { formatDuration } from '../../../common/duration.js'
import { errorMessage } from '../../../common/errors.js'
import type { InputReader } from '../../../common/inputs.js'
import {
  checkNotLonger,
  expandTemplate,
  readAwsRegion,
  readBucket,
  readKeyValueLines,
  readObjectKey,
  readRunId,
  readTable,
  resolveWorkspacePath,
} from '../../../common/input-checks.js'
import { isSecretName, redactUrl } from '../../../common/masking.js'
import { parseDeploymentState } from '../../../common/rollback.js'

export const MODES = ['deploy', 'rollback'] as const
export type Mode = (typeof MODES)[number]

/** Strategies this version implements; `ecs-native` is planned. */
export const STRATEGIES = ['alb-weighted'] as const
export type Strategy = (typeof STRATEGIES)[number]

export const TRAFFIC_KINDS = ['all-at-once', 'canary', 'linear'] as const
export type TrafficKind = (typeof TRAFFIC_KINDS)[number]

/** Traffic plan: the steps that move traffic to the new colour before the final bake. */
export type TrafficPlan =
  | { kind: 'all-at-once' }
  | { kind: 'canary'; percent: number; bakeMs: number }
  | { kind: 'linear'; stepPercent: number; bakeMs: number }

/** An image reference split into its parts; a tag or a digest is always present. */
export interface ImageReference {
  /** The reference as given. */
  text: string
  /** Registry host and repository path, without tag or digest. */
  repository: string
  tag?: string
  /** `sha256:` and 64 hexadecimal digits. */
  digest?: string
}

export interface MigrationSettings {
  command: string[]
  timeoutMs: number
}

/** Settings that only deploy mode uses. */
export interface DeploySettings {
  containerName: string
  image: ImageReference
  /** Absolute path of a task definition JSON file; undefined starts from the live revision. */
  taskDefinitionFile?: string
  environment: Array<[string, string]>
  /** Variable name to Secrets Manager or SSM parameter ARN. */
  secrets: Array<[string, string]>
  /** Undefined keeps the live service's desired count. */
  desiredCount?: number
  migration?: MigrationSettings
  deployTimeoutMs: number
  listenerArn?: string
  listenerRuleArn?: string
  testListenerArn?: string
  traffic: TrafficPlan
  finalBakeMs: number
  keepOldColour: boolean
  max5xxCount: number
  verifyUrls: URL[]
  verifyTimeoutMs: number
  keepRevisions: number
}

export interface LockSettings {
  bucket: string
  table?: string
  /** Object key with the placeholders replaced. */
  key: string
  staleAfterMs: number
  takeOverStale: boolean
  waitMs: number
}

export interface BlueGreenDeployInputs {
  mode: Mode
  strategy: Strategy
  awsRegion: string
  cluster: string
  service: string
  blueService: string
  greenService: string
  /** Set in deploy mode. */
  deploy?: DeploySettings
  /** Set in rollback mode. */
  deployment?: DeploymentState
  rollbackTimeoutMs: number
  pollIntervalMs: number
  lock: LockSettings
  timeoutMs: number
  attemptTimeoutMs: number
  /** Run-wide deadline, epoch ms. */
  deadlineAt?: number
  /** Absolute path of the record file. */
  recordFile: string
  runId: string
}

const ARN_PARTITION = 'arn:aws[a-z-]*'
const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/
const CLUSTER_ARN = new RegExp(
  `^${ARN_PARTITION}:ecs:[a-z0-9-]+:\\d{12}:cluster/([A-Za-z0-9_-]{1,255})$`,
)
const SERVICE_NAME = /^[A-Za-z0-9_-]{1,255}$/
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/
const LISTENER_ARN = new RegExp(
  `^${ARN_PARTITION}:elasticloadbalancing:([a-z0-9-]+):\\d{12}:listener/app/[^/]+/[0-9a-f]+/[0-9a-f]+$`,
)
const RULE_ARN = new RegExp(
  `^${ARN_PARTITION}:elasticloadbalancing:([a-z0-9-]+):\\d{12}:listener-rule/app/[^/]+/[0-9a-f]+/[0-9a-f]+/[0-9a-f]+$`,
)
const SECRET_ARN = new RegExp(
  `^${ARN_PARTITION}:(?:secretsmanager:[a-z0-9-]+:\\d{12}:secret:.+|ssm:[a-z0-9-]+:\\d{12}:parameter/.+)$`,
)
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const ENV_NAME_HINT =
  "Each name must start with a letter or '_' and hold only letters, digits and '_'."
// Registry host (optional), repository path, optional tag, optional digest,
// following the grammar of the docker CLI's image references.
const IMAGE_REFERENCE =
  /^((?:[A-Za-z0-9.-]+(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$/

/**
 * Reads every blue-green-deploy input through `reader` exactly once and
 * validates each one and their combinations for the selected mode. Relative
 * paths resolve against `workspace` and must stay inside it.
 */
export function readInputs(
  reader: InputReader,
  workspace: string,
): BlueGreenDeployInputs {
  const mode = reader.enumValue('mode', MODES, { required: true })
  const strategy = readStrategy(reader)
  const trafficKind = reader.enumValue('traffic', TRAFFIC_KINDS, {
    required: true,
  })
  const awsRegion = readAwsRegion(reader)
  const cluster = readCluster(reader)
  const service = reader.string('service', {
    required: true,
    pattern: SERVICE_NAME,
    patternHint:
      "Use an ECS service name of 1 to 255 letters, digits, '_' and '-'.",
  })
  const blueService = readServiceName(reader, 'blue-service', service)
  const greenService = readServiceName(reader, 'green-service', service)
  if (blueService === greenService) {
    reader.fail(
      'green-service',
      greenService,
      'blue-service and green-service name the same service. Give each colour its own service.',
    )
  }

  const raw = readDeployInputs(reader, workspace, trafficKind)
  const deployment = reader.json('deployment-json', parseDeploymentState)
  const rollbackTimeoutMs = reader.duration('rollback-timeout', {
    required: true,
  })
  const pollIntervalMs = reader.duration('poll-interval', {
    required: true,
    min: 1_000,
    max: 60_000,
  })
  const lock = readLock(reader, cluster, service)
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
  const runId = readRunId(reader)

  const limit = { name: 'timeout', ms: timeoutMs }
  checkNotLonger(
    reader,
    { name: 'attempt-timeout', ms: attemptTimeoutMs },
    limit,
  )
  checkNotLonger(reader, { name: 'lock-timeout', ms: lock.waitMs }, limit)
  checkNotLonger(
    reader,
    { name: 'rollback-timeout', ms: rollbackTimeoutMs },
    limit,
  )

  const common = {
    mode,
    strategy,
    awsRegion,
    cluster,
    service,
    blueService,
    greenService,
    rollbackTimeoutMs,
    pollIntervalMs,
    lock,
    timeoutMs,
    attemptTimeoutMs,
    ...(deadlineAt === undefined ? {} : { deadlineAt }),
    recordFile,
    runId,
  }
  if (mode === 'rollback') {
    const state = checkRollback(reader, raw, deployment, common)
    return { ...common, deployment: state }
  }
  if (deployment !== undefined) {
    reader.fail(
      'deployment-json',
      JSON.stringify(deployment),
      'Only rollback mode reads deployment-json, and mode is deploy. Set mode to rollback, or remove deployment-json.',
    )
  }
  return { ...common, deploy: checkDeploy(reader, raw, awsRegion, timeoutMs) }
}

function readStrategy(reader: InputReader): Strategy {
  const value = reader.string('strategy', { required: true })
  if (value === 'ecs-native') {
    reader.fail(
      'strategy',
      value,
      'ECS-native blue/green (AWS provider 6.4 or newer) is planned but not part of this version. Use alb-weighted.',
    )
  }
  const strategy = STRATEGIES.find((known) => known === value)
  if (strategy === undefined) {
    return reader.fail('strategy', value, `Use ${STRATEGIES.join(', ')}.`)
  }
  return strategy
}

/** Reads `cluster` as a name or an ARN. */
function readCluster(reader: InputReader): string {
  const value = reader.string('cluster', { required: true })
  if (!CLUSTER_NAME.test(value) && !CLUSTER_ARN.test(value)) {
    reader.fail(
      'cluster',
      value,
      "Use an ECS cluster name of 1 to 255 letters, digits, '_' and '-', or the cluster's ARN.",
    )
  }
  return value
}

/** Returns the cluster name of a cluster name or ARN. */
export function clusterName(cluster: string): string {
  return CLUSTER_ARN.exec(cluster)?.[1] ?? cluster
}

function readServiceName(
  reader: InputReader,
  name: string,
  service: string,
): string {
  const template = reader.string(name, { required: true })
  const expanded = expandTemplate(reader, name, template, { service })
  if (!SERVICE_NAME.test(expanded)) {
    reader.fail(
      name,
      expanded,
      "Use an ECS service name of 1 to 255 letters, digits, '_' and '-'; {service} stands for the service input.",
    )
  }
  return expanded
}

/** Deploy-mode inputs as read, before the checks that depend on the mode. */
interface RawDeployInputs {
  listenerArn?: string
  listenerRuleArn?: string
  testListenerArn?: string
  containerName?: string
  image?: ImageReference
  taskDefinitionFile?: string
  environment: Array<[string, string]>
  secrets: Array<[string, string]>
  desiredCount?: number
  migrationCommand?: string[]
  migrationTimeoutMs: number
  deployTimeoutMs: number
  traffic: TrafficPlan
  finalBakeMs: number
  keepOldColour: boolean
  max5xxCount: number
  verifyUrls: URL[]
  verifyTimeoutMs: number
  keepRevisions: number
}

function readDeployInputs(
  reader: InputReader,
  workspace: string,
  trafficKind: TrafficKind,
): RawDeployInputs {
  const listenerArn = readArn(reader, 'listener-arn', LISTENER_ARN, 'listener')
  const listenerRuleArn = readArn(
    reader,
    'listener-rule-arn',
    RULE_ARN,
    'listener rule',
  )
  const testListenerArn = readArn(
    reader,
    'test-listener-arn',
    LISTENER_ARN,
    'listener',
  )
  const containerName = reader.string('container-name', {
    pattern: CONTAINER_NAME,
    patternHint:
      "Use the container's name from the task definition: 1 to 255 letters, digits, '_' and '-'.",
  })
  const image = readImage(reader)
  const taskDefinitionText = reader.string('task-definition')
  const taskDefinitionFile =
    taskDefinitionText === undefined
      ? undefined
      : resolveWorkspacePath(reader, 'task-definition', taskDefinitionText, {
          workspace,
          mustExist: 'file',
        })
  const { environment, secrets } = readContainerSettings(reader)
  const desiredCount = reader.integer('desired-count', { min: 1, max: 5000 })
  const migrationCommand = readMigrationCommand(reader)
  const migrationTimeoutMs = reader.duration('migration-timeout', {
    required: true,
  })
  const deployTimeoutMs = reader.duration('deploy-timeout', { required: true })
  const traffic = readTraffic(reader, trafficKind)
  const finalBakeMs = reader.duration('final-bake-time', {
    required: true,
    min: 0,
  })
  const keepOldColour = reader.boolean('keep-old-colour', { required: true })
  const max5xxCount = reader.integer('max-5xx-count', {
    required: true,
    min: 0,
    max: 1_000_000,
  })
  const verifyUrls = readVerifyUrls(reader)
  const verifyTimeoutMs = reader.duration('verify-timeout', { required: true })
  const keepRevisions = reader.integer('keep-revisions', {
    required: true,
    min: 0,
    max: 1000,
  })

  return {
    ...(listenerArn === undefined ? {} : { listenerArn }),
    ...(listenerRuleArn === undefined ? {} : { listenerRuleArn }),
    ...(testListenerArn === undefined ? {} : { testListenerArn }),
    ...(containerName === undefined ? {} : { containerName }),
    ...(image === undefined ? {} : { image }),
    ...(taskDefinitionFile === undefined ? {} : { taskDefinitionFile }),
    environment,
    secrets,
    ...(desiredCount === undefined ? {} : { desiredCount }),
    ...(migrationCommand === undefined ? {} : { migrationCommand }),
    migrationTimeoutMs,
    deployTimeoutMs,
    traffic,
    finalBakeMs,
    keepOldColour,
    max5xxCount,
    verifyUrls,
    verifyTimeoutMs,
    keepRevisions,
  }
}

function readArn(
  reader: InputReader,
  name: string,
  pattern: RegExp,
  kind: string,
): string | undefined {
  return reader.string(name, {
    pattern,
    patternHint: `Use the ARN of an Application Load Balancer ${kind}, such as the one the alb module outputs.`,
  })
}

/** Reads `image`: a reference with a tag, a digest or both. */
function readImage(reader: InputReader): ImageReference | undefined {
  const text = reader.string('image')
  if (text === undefined) return undefined
  const match = IMAGE_REFERENCE.exec(text)
  if (match === null) {
    return reader.fail(
      'image',
      text,
      'Use an image reference such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api@sha256:<64 hex digits>, with a lowercase repository path.',
    )
  }
  const [, repository = '', tag, digest] = match
  if (tag === undefined && digest === undefined) {
    reader.fail(
      'image',
      text,
      'Add a digest (@sha256:...) or a tag (:v1.2.3). The action deploys by digest and resolves a tag to its digest first.',
    )
  }
  return {
    text,
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  }
}

function readContainerSettings(reader: InputReader): {
  environment: Array<[string, string]>
  secrets: Array<[string, string]>
} {
  const environment = readKeyValueLines(reader, 'environment-variables', {
    hideValues: true,
    keyPattern: ENV_NAME,
    keyHint: ENV_NAME_HINT,
  })
  const secrets = readKeyValueLines(reader, 'secrets', {
    keyPattern: ENV_NAME,
    keyHint: ENV_NAME_HINT,
  })

  for (const [name] of environment) {
    if (isSecretName(name)) {
      reader.fail(
        'environment-variables',
        `${name}=***`,
        `${name} looks like a secret, and a plain value would be stored in the task definition. Move it to secrets as ${name}=<Secrets Manager or SSM parameter ARN>.`,
      )
    }
  }
  const environmentNames = new Set(environment.map(([name]) => name))
  for (const [name, arn] of secrets) {
    if (!SECRET_ARN.test(arn)) {
      // A value that is not an ARN may be the secret itself, so it is not shown.
      reader.fail(
        'secrets',
        `${name}=***`,
        'Give the ARN of a Secrets Manager secret (arn:aws:secretsmanager:...:secret:...) or an SSM parameter (arn:aws:ssm:...:parameter/...).',
      )
    }
    if (environmentNames.has(name)) {
      reader.fail(
        'secrets',
        `${name}=${arn}`,
        `${name} is also in environment-variables, and ECS rejects a name that is in both. Keep it in one of them.`,
      )
    }
  }
  return { environment, secrets }
}

/** Reads `migration-command`, a JSON array that becomes the container's command override. */
function readMigrationCommand(reader: InputReader): string[] | undefined {
  const text = reader.string('migration-command')
  if (text === undefined) return undefined
  const fail = (expected: string) =>
    reader.fail('migration-command', text, expected)
  if (!text.startsWith('[')) {
    // A shell-style command line is the likely mistake. The override takes
    // the argument list, and the action never splits a line into one.
    fail(
      `Use a JSON array of the command and its arguments, such as ${JSON.stringify(text.split(/\s+/))}.`,
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    fail(`Use valid JSON (${errorMessage(error)}).`)
  }
  return parseCommand(parsed, fail)
}

function parseCommand(
  value: unknown,
  fail: (expected: string) => never,
): string[] {
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => typeof item === 'string' && item !== '')
  if (!ok) {
    return fail(
      'Use a JSON array of one or more non-empty strings, such as ["npm", "run", "migrate"].',
    )
  }
  return value as string[]
}

function readTraffic(reader: InputReader, kind: TrafficKind): TrafficPlan {
  const canaryPercent = reader.integer('canary-percent', {
    required: true,
    min: 1,
    max: 99,
  })
  const canaryBakeMs = reader.duration('canary-bake-time', { required: true })
  const linearStepPercent = reader.integer('linear-step-percent', {
    required: true,
    min: 1,
    max: 99,
  })
  const linearBakeMs = reader.duration('linear-bake-time', { required: true })

  switch (kind) {
    case 'all-at-once':
      return { kind }
    case 'canary':
      return { kind, percent: canaryPercent, bakeMs: canaryBakeMs }
    case 'linear':
      return { kind, stepPercent: linearStepPercent, bakeMs: linearBakeMs }
  }
}

function readVerifyUrls(reader: InputReader): URL[] {
  return reader.list('verify-urls').map((text) => {
    let url: URL | undefined
    try {
      url = new URL(text)
    } catch {
      url = undefined
    }
    if (url === undefined || !['http:', 'https:'].includes(url.protocol)) {
      return reader.fail(
        'verify-urls',
        url === undefined ? text : redactUrl(url),
        'Use absolute http or https URLs, such as https://shop.example.com/healthz.',
      )
    }
    return url
  })
}

function readLock(
  reader: InputReader,
  cluster: string,
  service: string,
): LockSettings {
  const bucket = readBucket(reader, 'lock-bucket', { required: true }) ?? ''
  const table = readTable(reader, 'lock-table')
  const keyTemplate =
    readObjectKey(reader, 'lock-key', { required: true }) ?? ''
  const key = expandTemplate(reader, 'lock-key', keyTemplate, {
    cluster: clusterName(cluster),
    service,
  })
  const staleAfterMs = reader.duration('lock-stale-after', { required: true })
  const takeOverStale = reader.boolean('take-over-stale-lock', {
    required: true,
  })
  const waitMs = reader.duration('lock-timeout', { required: true, min: 0 })
  return {
    bucket,
    ...(table === undefined ? {} : { table }),
    key,
    staleAfterMs,
    takeOverStale,
    waitMs,
  }
}

/** Inputs that only deploy mode uses, each with its value as given (undefined when not set). */
const DEPLOY_ONLY: ReadonlyArray<
  [string, (raw: RawDeployInputs) => string | undefined]
> = [
  ['container-name', (raw) => raw.containerName],
  ['image', (raw) => raw.image?.text],
  ['task-definition', (raw) => raw.taskDefinitionFile],
  ['environment-variables', (raw) => names(raw.environment)],
  ['secrets', (raw) => names(raw.secrets)],
  ['desired-count', (raw) => raw.desiredCount?.toString()],
  ['migration-command', (raw) => raw.migrationCommand?.join(' ')],
  ['test-listener-arn', (raw) => raw.testListenerArn],
  [
    'verify-urls',
    (raw) => raw.verifyUrls.map(redactUrl).join(', ') || undefined,
  ],
]

function names(pairs: Array<[string, string]>): string | undefined {
  return pairs.length === 0 ? undefined : pairs.map(([name]) => name).join(', ')
}

/**
 * Checks rollback mode: deployment-json is required, deploy-only inputs
 * must be empty, and the deployment must belong to the named region,
 * cluster, services and listener.
 */
function checkRollback(
  reader: InputReader,
  raw: RawDeployInputs,
  deployment: DeploymentState | undefined,
  common: {
    awsRegion: string
    cluster: string
    blueService: string
    greenService: string
  },
): DeploymentState {
  for (const [name, valueOf] of DEPLOY_ONLY) {
    const value = valueOf(raw)
    if (value === undefined) continue
    reader.fail(
      name,
      value,
      `Only deploy mode uses ${name}; rollback restores what deployment-json records. Remove ${name}, or set mode to deploy.`,
    )
  }
  if (deployment === undefined) {
    return reader.fail(
      'deployment-json',
      '',
      'mode is rollback, so pass the deployment-json output of the deploy to roll back.',
    )
  }

  const mismatch = (name: string, given: string, recorded: string): never =>
    reader.fail(
      name,
      given,
      `deployment-json records ${recorded}, so it belongs to another deployment. Pass the matching deployment-json, or correct ${name}.`,
    )
  if (deployment.region !== common.awsRegion) {
    mismatch('aws-region', common.awsRegion, `region ${deployment.region}`)
  }
  if (clusterName(deployment.cluster) !== clusterName(common.cluster)) {
    mismatch('cluster', common.cluster, `cluster ${deployment.cluster}`)
  }
  if (deployment.blue.service !== common.blueService) {
    mismatch(
      'blue-service',
      common.blueService,
      `blue service ${deployment.blue.service}`,
    )
  }
  if (deployment.green.service !== common.greenService) {
    mismatch(
      'green-service',
      common.greenService,
      `green service ${deployment.green.service}`,
    )
  }
  if (
    raw.listenerArn !== undefined &&
    raw.listenerArn !== deployment.listener_arn
  ) {
    mismatch(
      'listener-arn',
      raw.listenerArn,
      `listener ${deployment.listener_arn}`,
    )
  }
  if (
    raw.listenerRuleArn !== undefined &&
    raw.listenerRuleArn !== deployment.rule_arn
  ) {
    mismatch(
      'listener-rule-arn',
      raw.listenerRuleArn,
      `rule ${deployment.rule_arn ?? '(none)'}`,
    )
  }
  return deployment
}

/** Checks deploy mode and returns its settings. */
function checkDeploy(
  reader: InputReader,
  raw: RawDeployInputs,
  awsRegion: string,
  timeoutMs: number,
): DeploySettings {
  if (raw.image === undefined) {
    reader.fail(
      'image',
      '',
      'mode is deploy, so set image to the image to deploy, by digest (repo@sha256:...) or tag (repo:tag).',
    )
  }
  if (raw.containerName === undefined) {
    reader.fail(
      'container-name',
      '',
      'mode is deploy, so set container-name to the container of the task definition that runs the image.',
    )
  }
  checkListeners(reader, raw, awsRegion)

  const limit = { name: 'timeout', ms: timeoutMs }
  checkNotLonger(
    reader,
    { name: 'deploy-timeout', ms: raw.deployTimeoutMs },
    limit,
  )
  checkNotLonger(
    reader,
    { name: 'verify-timeout', ms: raw.verifyTimeoutMs },
    limit,
  )
  if (raw.migrationCommand !== undefined) {
    checkNotLonger(
      reader,
      { name: 'migration-timeout', ms: raw.migrationTimeoutMs },
      limit,
    )
  }
  checkBakeTime(reader, raw, timeoutMs)

  const { migrationCommand, migrationTimeoutMs, ...rest } = raw
  return {
    ...rest,
    containerName: raw.containerName,
    image: raw.image,
    ...(migrationCommand === undefined
      ? {}
      : {
          migration: {
            command: migrationCommand,
            timeoutMs: migrationTimeoutMs,
          },
        }),
  }
}

function checkListeners(
  reader: InputReader,
  raw: RawDeployInputs,
  awsRegion: string,
): void {
  const { listenerArn, listenerRuleArn, testListenerArn } = raw
  if (listenerArn === undefined && listenerRuleArn === undefined) {
    reader.fail(
      'listener-arn',
      '',
      'mode is deploy, so set listener-arn to the production listener, or listener-rule-arn to the rule that forwards to the two target groups.',
    )
  }
  if (listenerArn !== undefined && listenerRuleArn !== undefined) {
    reader.fail(
      'listener-rule-arn',
      listenerRuleArn,
      'listener-arn is set too, so it is unclear which one routes production traffic. Set only one of them.',
    )
  }
  if (testListenerArn !== undefined && testListenerArn === listenerArn) {
    reader.fail(
      'test-listener-arn',
      testListenerArn,
      'It is the production listener. Give a separate test listener, or leave test-listener-arn empty.',
    )
  }
  const arns: Array<[string, string | undefined, RegExp]> = [
    ['listener-arn', listenerArn, LISTENER_ARN],
    ['listener-rule-arn', listenerRuleArn, RULE_ARN],
    ['test-listener-arn', testListenerArn, LISTENER_ARN],
  ]
  for (const [name, arn, pattern] of arns) {
    const region = arn === undefined ? undefined : pattern.exec(arn)?.[1]
    if (arn === undefined || region === undefined || region === awsRegion) {
      continue
    }
    reader.fail(
      name,
      arn,
      `The ARN is in region ${region}, and aws-region is ${awsRegion}. Use an ARN from ${awsRegion}, or set aws-region to ${region}.`,
    )
  }
}

/**
 * Rejects a traffic plan whose bake times alone do not fit into `timeout`,
 * because such a deploy could only end in a timeout and a rollback.
 */
function checkBakeTime(
  reader: InputReader,
  raw: RawDeployInputs,
  timeoutMs: number,
): void {
  const finalMs = raw.keepOldColour ? 0 : raw.finalBakeMs
  const { traffic } = raw
  let stepsMs = 0
  let stepInput = 'final-bake-time'
  if (traffic.kind === 'canary') {
    stepsMs = traffic.bakeMs
    stepInput = 'canary-bake-time'
  } else if (traffic.kind === 'linear') {
    const steps = Math.ceil(100 / traffic.stepPercent) - 1
    stepsMs = steps * traffic.bakeMs
    stepInput = 'linear-bake-time'
  }
  const totalMs = stepsMs + finalMs
  if (totalMs < timeoutMs) return
  reader.fail(
    'timeout',
    formatDuration(timeoutMs),
    `The ${traffic.kind} traffic plan bakes for ${formatDuration(totalMs)} in total (${stepInput} and final-bake-time), which leaves no time to deploy within timeout. Raise timeout, or shorten the bake times.`,
  )
}
