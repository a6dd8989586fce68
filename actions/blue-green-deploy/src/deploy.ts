/**
 * The deploy: discover the pair, render and register the new revision, run
 * the one-off task, deploy the idle colour, shift traffic with bakes and
 * checks, scale the old colour down and clean up revisions, all under the
 * deploy lock. Every change before the final shift is undone on failure
 * and on cancellation.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { ECRClient } from '@aws-sdk/client-ecr'
import {
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs'
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import type { S3Client } from '@aws-sdk/client-s3'
import type { Clock, Sleep } from '../../../common/clock.js'
import type {
  Colour,
  ColourWeights,
  DeploymentState,
} from '../../../common/contracts/records.js'
import { Deadline } from '../../../common/deadline.js'
import {
  acquireDeployLock,
  type DeployLock,
  type LockOwner,
} from '../../../common/deploy-lock.js'
import { CancelledError, errorMessage } from '../../../common/errors.js'
import type { Logger } from '../../../common/log.js'
import { formatWeights } from '../../../common/rollback.js'
import type { Cancellation } from '../../../common/signals.js'
import { deregisterOldRevisions, type CleanupResult } from './cleanup.js'
import { discoverPair, DiscoveryError, type Pair } from './discover.js'
import { resolveImage, type ResolvedImage } from './image.js'
import type { BlueGreenDeployInputs, DeploySettings } from './inputs.js'
import { runMigration, type MigrationResult } from './migration.js'
import { deployIdle, restoreService, type RolloutResult } from './rollout.js'
import {
  ContainerNotFoundError,
  readTaskDefinitionFile,
  renderTaskDefinition,
} from './task-definition.js'
import { STATE_LOCK } from './saved-state.js'
import { shiftTraffic } from './shift.js'
import { setWeights, weightsFor } from './traffic.js'

export interface Clients {
  ecs: ECSClient
  elbv2: ElasticLoadBalancingV2Client
  cloudwatch: CloudWatchClient
  logs: CloudWatchLogsClient
  ecr: ECRClient
  s3: S3Client
  dynamodb?: DynamoDBClient
}

/** Result of the checks between traffic steps. */
export interface VerifyOutcome {
  healthy: boolean
  reason?: string
}

export interface DeployDeps {
  clients: Clients
  logger: Logger
  clock: Clock
  sleep: Sleep
  cancellation: Cancellation
  lockOwner: LockOwner
  /** Saves a value for the post step (core.saveState). */
  saveState: (name: string, value: string) => void
  /** Probes the verify URLs after a traffic step. */
  verify: (urls: URL[], timeoutMs: number) => Promise<VerifyOutcome>
}

export interface TrafficMove {
  at: string
  weights: ColourWeights
  /** Share of the new colour in percent. */
  percent: number
  /** Kind of move: a step, the final shift, a rollback or a restore on cancellation. */
  kind: 'step' | 'final' | 'rollback' | 'restore-on-cancel'
  result: string
}

export interface TimelineEntry {
  at: string
  step: string
  result: string
}

/** Everything the run found and did, filled in as it goes, for outputs and the record. */
export interface DeployReport {
  liveBefore?: Colour
  liveAfter?: Colour
  image?: ResolvedImage
  taskDefinitionArn?: string
  removedKeys: string[]
  containerChanges: string[]
  state?: DeploymentState
  migration?: MigrationResult
  rollout?: RolloutResult
  history: TrafficMove[]
  timeline: TimelineEntry[]
  rolledBack: boolean
  scaledDown?: string
  cleanup?: CleanupResult
  lock?: string
}

export function emptyReport(): DeployReport {
  return {
    removedKeys: [],
    containerChanges: [],
    history: [],
    timeline: [],
    rolledBack: false,
  }
}

function colourName(pair: Pair, colour: Colour): string {
  return pair[colour].name
}

export async function runDeploy(
  inputs: BlueGreenDeployInputs,
  settings: DeploySettings,
  deps: DeployDeps,
  report: DeployReport,
): Promise<void> {
  const { clients, logger, clock, cancellation } = deps
  const signal = cancellation.signal
  const deadline = Deadline.start({
    stage: 'blue-green-deploy',
    timeoutMs: inputs.timeoutMs,
    ...(inputs.deadlineAt === undefined
      ? {}
      : { deadlineAt: inputs.deadlineAt }),
    clock,
  })
  const mark = (step: string, result: string): void => {
    report.timeline.push({
      at: new Date(clock.now()).toISOString(),
      step,
      result,
    })
    logger.info(`${step}: ${result}`)
  }

  // Read-only checks first: nothing changes until they all pass.
  const discoverOptions = {
    ecs: clients.ecs,
    elbv2: clients.elbv2,
    cluster: inputs.cluster,
    blueService: inputs.blueService,
    greenService: inputs.greenService,
    ...(settings.listenerArn === undefined
      ? {}
      : { listenerArn: settings.listenerArn }),
    ...(settings.listenerRuleArn === undefined
      ? {}
      : { ruleArn: settings.listenerRuleArn }),
  }
  const pair = await discoverPair(discoverOptions)
  report.liveBefore = pair.live
  const live = pair[pair.live]
  const idle = pair[pair.idle]
  mark(
    'discover',
    `${pair.live} (${live.name}) is live with ${formatWeights(pair.weights)}; ${pair.idle} (${idle.name}) gets the new revision`,
  )

  report.image = await resolveImage(settings.image, { ecr: clients.ecr })
  mark('image', `${report.image.uri} (digest from ${report.image.source})`)

  let source: unknown
  if (settings.taskDefinitionFile !== undefined) {
    try {
      source = await readTaskDefinitionFile(settings.taskDefinitionFile)
    } catch (error) {
      throw new DiscoveryError('task-definition', errorMessage(error))
    }
  } else {
    if (live.taskDefinitionArn === undefined) {
      throw new DiscoveryError(
        'task-definition',
        `the live service ${live.name} has no task definition to start from. Give a task definition file.`,
      )
    }
    source = await clients.ecs.send(
      new DescribeTaskDefinitionCommand({
        taskDefinition: live.taskDefinitionArn,
        include: ['TAGS'],
      }),
    )
  }
  let rendered
  try {
    rendered = renderTaskDefinition(source, {
      containerName: settings.containerName,
      image: report.image.uri,
      environment: settings.environment,
      secrets: settings.secrets,
    })
  } catch (error) {
    if (error instanceof ContainerNotFoundError) {
      throw new DiscoveryError(
        'container-name',
        `${error.message}. Set container-name to one of them.`,
      )
    }
    if (settings.taskDefinitionFile !== undefined) {
      throw new DiscoveryError(
        'task-definition',
        `${errorMessage(error)}. Give a task definition JSON object, such as the output of aws ecs describe-task-definition.`,
      )
    }
    throw new Error(
      `Rendering the task definition failed: ${errorMessage(error)}`,
      {
        cause: error,
      },
    )
  }
  report.removedKeys = rendered.removed
  report.containerChanges = rendered.changes
  if (rendered.removed.length > 0) {
    logger.info(
      `Removed from the task definition before registering it: ${rendered.removed.join('; ')}`,
    )
  }
  const desiredCount = settings.desiredCount ?? live.desiredCount
  if (desiredCount < 1) {
    throw new DiscoveryError(
      'desired-count',
      `the live service ${live.name} has desired count 0, so there is no count to copy. Set desired-count.`,
    )
  }

  // From here on, changes: take the lock first.
  const lock = await acquireDeployLock({
    s3: clients.s3,
    bucket: inputs.lock.bucket,
    key: inputs.lock.key,
    ...(inputs.lock.table === undefined || clients.dynamodb === undefined
      ? {}
      : { table: inputs.lock.table, dynamodb: clients.dynamodb }),
    owner: deps.lockOwner,
    staleAfterMs: inputs.lock.staleAfterMs,
    takeOverStale: inputs.lock.takeOverStale,
    waitMs: inputs.lock.waitMs,
    clock,
    logger,
    sleep: deps.sleep,
    pollIntervalMs: Math.min(inputs.pollIntervalMs, 5_000),
    signal,
  })
  report.lock = lock.location
  deps.saveState(
    STATE_LOCK,
    JSON.stringify({
      bucket: inputs.lock.bucket,
      key: inputs.lock.key,
      table: inputs.lock.table,
      owner: deps.lockOwner,
      etag: lock.etag,
    }),
  )
  const unregisterLock = cancellation.onRestore(
    'release the deploy lock',
    async () => {
      await releaseLock(lock, deps, report)
    },
  )
  mark('lock', `took ${lock.location}`)
  try {
    await deployUnderLock(inputs, settings, deps, report, {
      pair,
      desiredCount,
      registerInput: rendered.input,
      deadline,
      mark,
      discoverOptions,
    })
  } finally {
    unregisterLock()
    await releaseLock(lock, deps, report)
  }
}

async function releaseLock(
  lock: DeployLock,
  deps: DeployDeps,
  report: DeployReport,
): Promise<void> {
  const result = await lock.release()
  if (result.outcome === 'released' || result.outcome === 'already-released') {
    deps.saveState(STATE_LOCK, '')
  }
  if (!report.timeline.some((entry) => entry.step === 'unlock')) {
    report.timeline.push({
      at: new Date(deps.clock.now()).toISOString(),
      step: 'unlock',
      result: result.message,
    })
  }
}

interface UnderLock {
  pair: Pair
  desiredCount: number
  registerInput: ReturnType<typeof renderTaskDefinition>['input']
  deadline: Deadline
  mark: (step: string, result: string) => void
  discoverOptions: Parameters<typeof discoverPair>[0]
}

async function deployUnderLock(
  inputs: BlueGreenDeployInputs,
  settings: DeploySettings,
  deps: DeployDeps,
  report: DeployReport,
  ctx: UnderLock,
): Promise<void> {
  const { clients, logger, cancellation } = deps
  const { deadline, mark } = ctx
  const signal = cancellation.signal
  const pollIntervalMs = inputs.pollIntervalMs

  // The pair may have changed while the lock was awaited.
  const pair = await discoverPair(ctx.discoverOptions)
  if (pair.live !== ctx.pair.live) {
    throw new Error(
      `The live colour changed from ${ctx.pair.live} to ${pair.live} while the deploy waited for the lock; run the deploy again`,
    )
  }
  const live = pair[pair.live]
  const idle = pair[pair.idle]

  const registered = await clients.ecs.send(
    new RegisterTaskDefinitionCommand(ctx.registerInput),
  )
  const taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn
  if (taskDefinitionArn === undefined) {
    throw new Error('RegisterTaskDefinition returned no ARN')
  }
  report.taskDefinitionArn = taskDefinitionArn
  mark('register', taskDefinitionArn)

  const state: DeploymentState = {
    schema_version: 1,
    strategy: 'alb-weighted',
    region: inputs.awsRegion,
    cluster: inputs.cluster,
    blue: {
      service: pair.blue.name,
      target_group_arn: pair.blue.targetGroupArn,
    },
    green: {
      service: pair.green.name,
      target_group_arn: pair.green.targetGroupArn,
    },
    listener_arn: pair.routing.listenerArn,
    ...(pair.routing.ruleArn === undefined
      ? {}
      : { rule_arn: pair.routing.ruleArn }),
    live_colour_before: pair.live,
    target_colour: pair.idle,
    weights_before: { ...pair.weights },
    weights_after: weightsFor(pair.idle, 100),
    previous_desired_count: live.desiredCount,
    previous_task_definition_arn: live.taskDefinitionArn ?? null,
    new_task_definition_arn: taskDefinitionArn,
    image_digest: report.image?.digest ?? '',
    started_at: new Date(deadline.startedAt).toISOString(),
  }
  report.state = state

  if (settings.migration !== undefined) {
    report.migration = await runMigration(
      {
        cluster: inputs.cluster,
        taskDefinitionArn,
        containerName: settings.containerName,
        command: settings.migration.command,
        service: live.service,
      },
      { ...clients, logger, sleep: deps.sleep, signal, pollIntervalMs },
      deadline.child('one-off task', settings.migration.timeoutMs),
    )
    mark('migration', `one-off task exited with code 0`)
  }

  // Deploy the idle colour; on failure or cancellation put it back.
  const idleBefore = {
    cluster: inputs.cluster,
    service: idle.name,
    desiredCount: idle.desiredCount,
    ...(idle.taskDefinitionArn === undefined
      ? {}
      : { taskDefinitionArn: idle.taskDefinitionArn }),
  }
  const unregisterIdle = cancellation.onRestore(
    `put ${idle.name} back`,
    async () => restoreService(clients.ecs, idleBefore, logger),
  )
  try {
    report.rollout = await deployIdle(
      {
        cluster: inputs.cluster,
        service: idle.name,
        targetGroupArn: idle.targetGroupArn,
        taskDefinitionArn,
        desiredCount: ctx.desiredCount,
      },
      { ...clients, logger, sleep: deps.sleep, signal, pollIntervalMs },
      deadline.child('deploy', settings.deployTimeoutMs),
    )
  } catch (error) {
    unregisterIdle()
    if (!(error instanceof CancelledError) && !signal.aborted) {
      mark('deploy', `failed; production traffic stays on ${pair.live}`)
      await restoreService(clients.ecs, idleBefore, logger).catch(
        (restoreError: unknown) =>
          logger.warning(
            `Putting ${idle.name} back failed: ${errorMessage(restoreError)}`,
          ),
      )
    }
    throw error
  }
  unregisterIdle()
  mark(
    'deploy',
    `${idle.name} runs ${ctx.desiredCount} task(s) of the new revision with healthy targets (deployment ${report.rollout.deploymentId})`,
  )

  if (settings.testListenerArn !== undefined) {
    await pointTestListener(settings.testListenerArn, pair, deps, mark)
  }

  await shiftTraffic(
    { inputs, settings, pair, state, desiredCount: ctx.desiredCount },
    deps,
    report,
    { deadline, mark },
  )

  // Old colour down, old revisions away.
  if (settings.keepOldColour) {
    mark(
      'old colour',
      `${live.name} keeps ${live.desiredCount} task(s) (keep-old-colour)`,
    )
  } else {
    await clients.ecs.send(
      new UpdateServiceCommand({
        cluster: inputs.cluster,
        service: live.name,
        desiredCount: 0,
      }),
    )
    report.scaledDown = live.name
    mark('old colour', `scaled ${colourName(pair, pair.live)} to 0 tasks`)
  }
  const family = ctx.registerInput.family ?? ''
  const serving = new Set(
    [
      taskDefinitionArn,
      live.taskDefinitionArn,
      idle.taskDefinitionArn,
      ...(live.service.deployments?.map((d) => d.taskDefinition) ?? []),
    ].filter((arn): arn is string => arn !== undefined),
  )
  if (settings.keepOldColour && live.taskDefinitionArn !== undefined) {
    serving.add(live.taskDefinitionArn)
  }
  try {
    report.cleanup = await deregisterOldRevisions(
      clients.ecs,
      { family, keep: settings.keepRevisions, serving },
      logger,
    )
    mark(
      'revisions',
      `deregistered ${report.cleanup.deregistered.length} old revision(s) of ${family}`,
    )
  } catch (error) {
    logger.warning(`Cleaning up old revisions failed: ${errorMessage(error)}`)
  }
}

async function pointTestListener(
  listenerArn: string,
  pair: Pair,
  deps: DeployDeps,
  mark: (step: string, result: string) => void,
): Promise<void> {
  try {
    await setWeights(
      deps.clients.elbv2,
      {
        listenerArn,
        blueTargetGroupArn: pair.blue.targetGroupArn,
        greenTargetGroupArn: pair.green.targetGroupArn,
      },
      weightsFor(pair.idle, 100),
    )
    mark('test listener', `forwards to ${pair.idle}`)
  } catch (error) {
    throw new DiscoveryError(
      'test-listener-arn',
      `pointing the test listener at ${pair.idle} failed: ${errorMessage(error)}. The test listener must forward to both target groups.`,
    )
  }
}
