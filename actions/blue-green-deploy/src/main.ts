import * as core from '../../../common/runner-commands.js'
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { ECRClient } from '@aws-sdk/client-ecr'
import { ECSClient } from '@aws-sdk/client-ecs'
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { S3Client } from '@aws-sdk/client-s3'
import { createAwsClient } from '../../../common/aws-clients.js'
import type { StageStatus } from '../../../common/contracts/records.js'
import { Deadline } from '../../../common/deadline.js'
import {
  acquireDeployLock,
  lockOwnerFromEnvironment,
  type LockOwner,
} from '../../../common/deploy-lock.js'
import { CancelledError, errorMessage } from '../../../common/errors.js'
import { workspaceRoot } from '../../../common/input-checks.js'
import { rollbackDeployment } from '../../../common/rollback.js'
import { runAction, type ActionContext } from '../../../common/run-action.js'
import { parseExpectedStatus } from '../../../actions/verify-health/src/checks.js'
import { parseJsonPath } from '../../../actions/verify-health/src/json-path.js'
import { verifyHealth } from '../../../actions/verify-health/src/verify.js'
import {
  emptyReport,
  runDeploy,
  type Clients,
  type DeployDeps,
  type DeployReport,
  type VerifyOutcome,
} from './deploy.js'
import { readInputs, type BlueGreenDeployInputs } from './inputs.js'
import {
  buildFragment,
  setOutputs,
  writeRecord,
  writeSummary,
} from './report.js'
import { STATE_LOCK } from './saved-state.js'
import { describeSettings } from './settings.js'

/** Entry of the main step. */
export async function run(): Promise<void> {
  await runAction(main)
}

/** Dependencies that tests replace. */
export interface MainDeps {
  clients?: (inputs: BlueGreenDeployInputs) => Clients
  saveState?: (name: string, value: string) => void
  verify?: DeployDeps['verify']
}

export function createClients(
  inputs: BlueGreenDeployInputs,
  ctx: Pick<ActionContext, 'env' | 'logger'>,
): Clients {
  const opts = {
    region: inputs.awsRegion,
    env: ctx.env,
    logger: ctx.logger,
    attemptTimeoutMs: inputs.attemptTimeoutMs,
  }
  return {
    ecs: createAwsClient(ECSClient, opts),
    elbv2: createAwsClient(ElasticLoadBalancingV2Client, opts),
    cloudwatch: createAwsClient(CloudWatchClient, opts),
    logs: createAwsClient(CloudWatchLogsClient, opts),
    ecr: createAwsClient(ECRClient, opts),
    s3: createAwsClient(S3Client, opts),
    ...(inputs.lock.table === undefined
      ? {}
      : { dynamodb: createAwsClient(DynamoDBClient, opts) }),
  }
}

/** verify-health's check loop with its defaults: 2xx from each URL, one success each. */
export function verifyWith(
  ctx: ActionContext,
  deadlineAt: number | undefined,
): DeployDeps['verify'] {
  return async (urls, timeoutMs): Promise<VerifyOutcome> => {
    const status = parseExpectedStatus(['2xx'])
    if (!('matcher' in status)) throw new Error('bad expected status')
    const result = await verifyHealth(
      {
        urls,
        expectedStatus: status.matcher,
        expectedJson: [],
        versionField: parseJsonPath('version'),
        headers: {},
        attemptTimeoutMs: Math.min(5_000, timeoutMs),
        intervalMs: Math.min(2_000, timeoutMs),
        timeoutMs,
        ...(deadlineAt === undefined ? {} : { deadlineAt }),
        consecutiveSuccesses: 1,
        followRedirects: false,
        maxRedirects: 0,
        tlsVerify: true,
      },
      {
        logger: ctx.logger,
        clock: ctx.clock,
        sleep: ctx.sleep,
        signal: ctx.cancellation.signal,
      },
    )
    return {
      healthy: result.healthy,
      ...(result.failureReason === undefined
        ? {}
        : { reason: result.failureReason }),
    }
  }
}

export async function main(
  ctx: ActionContext,
  deps: MainDeps = {},
): Promise<void> {
  const startedAt = ctx.clock.now()
  const workspace = workspaceRoot(ctx.env)
  let inputs: BlueGreenDeployInputs
  try {
    inputs = readInputs(ctx.inputs, workspace)
  } catch (error) {
    const fragment = buildFragment(emptyReport(), {
      mode: 'deploy',
      status: 'failed',
      startedAt,
      completedAt: ctx.clock.now(),
      reason: errorMessage(error),
    })
    ctx.outputs.set('record-json', fragment)
    throw error
  }
  await ctx.logger.group('Settings', async () => {
    for (const [name, value] of describeSettings(inputs, workspace)) {
      ctx.logger.info(`${name}: ${value}`)
    }
  })

  const clients = (deps.clients ?? ((i) => createClients(i, ctx)))(inputs)
  const report = emptyReport()
  const saveState =
    deps.saveState ?? ((name, value) => core.saveState(name, value))
  let status: StageStatus = 'succeeded'
  let reason: string | undefined
  try {
    if (inputs.mode === 'rollback') {
      await runRollbackMode(inputs, ctx, clients, report, saveState)
    } else if (inputs.deploy !== undefined) {
      await runDeploy(
        inputs,
        inputs.deploy,
        {
          clients,
          logger: ctx.logger,
          clock: ctx.clock,
          sleep: ctx.sleep,
          cancellation: ctx.cancellation,
          lockOwner: lockOwnerFor(inputs, ctx),
          saveState,
          verify: deps.verify ?? verifyWith(ctx, inputs.deadlineAt),
        },
        report,
      )
    }
  } catch (error) {
    const cancelled =
      error instanceof CancelledError || ctx.cancellation.signal.aborted
    status = cancelled ? 'cancelled' : 'failed'
    reason = cancelled
      ? `cancelled by ${ctx.cancellation.cancelledBy ?? 'a signal'}`
      : errorMessage(error)
    if (cancelled) {
      // The restore steps (weights, idle service, lock) run in the cancellation.
      await ctx.cancellation.restore()
      const restored = report.history.some(
        (move) => move.kind === 'restore-on-cancel',
      )
      if (restored) report.rolledBack = true
      report.liveAfter ??= report.liveBefore
    }
    throw error
  } finally {
    const run = {
      mode: inputs.mode,
      status,
      startedAt,
      completedAt: ctx.clock.now(),
      ...(reason === undefined ? {} : { reason }),
    }
    if (status === 'failed') report.liveAfter ??= report.liveBefore
    const fragment = buildFragment(report, run)
    setOutputs(ctx, report, fragment)
    writeSummary(ctx, report, run)
    await writeRecord(inputs.recordFile, fragment).catch((error: unknown) =>
      ctx.logger.warning(
        `Writing ${inputs.recordFile} failed: ${errorMessage(error)}`,
      ),
    )
    for (const client of Object.values(clients)) {
      ;(client as { destroy?: () => void } | undefined)?.destroy?.()
    }
  }
}

/** Builds the lock owner from the run-id input and the job's description. */
function lockOwnerFor(
  inputs: BlueGreenDeployInputs,
  ctx: ActionContext,
): LockOwner {
  return lockOwnerFromEnvironment({
    env: { ...ctx.env, GITHUB_RUN_ID: inputs.runId },
    clock: ctx.clock,
  })
}

async function runRollbackMode(
  inputs: BlueGreenDeployInputs,
  ctx: ActionContext,
  clients: Clients,
  report: DeployReport,
  saveState: (name: string, value: string) => void,
): Promise<void> {
  const state = inputs.deployment
  if (state === undefined)
    throw new Error('rollback mode without deployment-json')
  report.state = state
  report.liveBefore = undefined
  const lockOwner = lockOwnerFor(inputs, ctx)
  const lock = await acquireDeployLock({
    s3: clients.s3,
    bucket: inputs.lock.bucket,
    key: inputs.lock.key,
    ...(inputs.lock.table === undefined || clients.dynamodb === undefined
      ? {}
      : { table: inputs.lock.table, dynamodb: clients.dynamodb }),
    owner: lockOwner,
    staleAfterMs: inputs.lock.staleAfterMs,
    takeOverStale: inputs.lock.takeOverStale,
    waitMs: inputs.lock.waitMs,
    clock: ctx.clock,
    logger: ctx.logger,
    sleep: ctx.sleep,
    signal: ctx.cancellation.signal,
  })
  report.lock = lock.location
  saveState(
    STATE_LOCK,
    JSON.stringify({
      bucket: inputs.lock.bucket,
      key: inputs.lock.key,
      table: inputs.lock.table,
      owner: lockOwner,
      etag: lock.etag,
    }),
  )
  const unregister = ctx.cancellation.onRestore(
    'release the deploy lock',
    async () => {
      await lock.release()
    },
  )
  try {
    const result = await rollbackDeployment(state, {
      ecs: clients.ecs,
      elbv2: clients.elbv2,
      logger: ctx.logger,
      deadline: Deadline.start({
        stage: 'rollback',
        timeoutMs: inputs.rollbackTimeoutMs,
        ...(inputs.deadlineAt === undefined
          ? {}
          : { deadlineAt: inputs.deadlineAt }),
        clock: ctx.clock,
      }),
      sleep: ctx.sleep,
      pollIntervalMs: inputs.pollIntervalMs,
      signal: ctx.cancellation.signal,
      clock: ctx.clock,
    })
    const liveNow =
      result.restored_weights.blue >= result.restored_weights.green
        ? 'blue'
        : 'green'
    report.liveBefore =
      result.weights_found.blue >= result.weights_found.green ? 'blue' : 'green'
    report.liveAfter = liveNow
    report.rolledBack = result.changed
    report.history.push({
      at: new Date(ctx.clock.now()).toISOString(),
      kind: 'rollback',
      weights: result.restored_weights,
      percent: 0,
      result: result.changed ? 'restored' : 'already as before',
    })
    for (const action of result.actions) {
      report.timeline.push({
        at: new Date(ctx.clock.now()).toISOString(),
        step: 'rollback',
        result: action,
      })
    }
  } finally {
    unregister()
    const released = await lock.release()
    if (released.outcome === 'released') saveState(STATE_LOCK, '')
    report.timeline.push({
      at: new Date(ctx.clock.now()).toISOString(),
      step: 'unlock',
      result: released.message,
    })
  }
}
