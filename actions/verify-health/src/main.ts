/**
 * verify-health: probes the release URLs until they are healthy or the time
 * runs out, reports every attempt, and on failure rolls the deployment back
 * when rollback-on-failure is true.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { LookupFunction } from 'node:net'
import { ECSClient } from '@aws-sdk/client-ecs'
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { createAwsClient } from '../../../common/aws-clients.js'
import type {
  DeploymentState,
  StageStatus,
} from '../../../common/contracts/records.js'
import { Deadline } from '../../../common/deadline.js'
import { errorMessage } from '../../../common/errors.js'
import {
  rollbackDeployment,
  formatWeights,
  type RollbackDeps,
  type RollbackResult,
} from '../../../common/rollback.js'
import { runAction, type ActionContext } from '../../../common/run-action.js'
import { readVerifyHealthInputs, type VerifyHealthInputs } from './inputs.js'
import {
  buildRecordFragment,
  buildReport,
  writeSummary,
  type HealthReport,
  type RollbackReport,
} from './report.js'
import { verifyHealth, type VerifyResult } from './verify.js'

export async function run(): Promise<void> {
  await runAction((context) => verifyHealthAction(context))
}

/** Replaceable parts, for tests. */
export interface VerifyHealthActionDeps {
  lookup?: LookupFunction
  rollback?: (
    state: DeploymentState,
    deps: RollbackDeps,
  ) => Promise<RollbackResult>
}

/**
 * Runs the action: reads the inputs, runs the check, rolls back on failure
 * when asked, sets every output and the summary, and throws when unhealthy.
 * Outputs are set on every path, input errors and cancellation included.
 */
export async function verifyHealthAction(
  context: ActionContext,
  deps: VerifyHealthActionDeps = {},
): Promise<void> {
  const startedAt = context.clock.now()
  let inputs: VerifyHealthInputs
  try {
    inputs = readVerifyHealthInputs(context.inputs)
  } catch (error) {
    setEarlyFailureOutputs(context, startedAt, 'failed', errorMessage(error))
    throw error
  }

  let result: VerifyResult
  try {
    result = await verifyHealth(inputs, {
      logger: context.logger,
      clock: context.clock,
      sleep: context.sleep,
      signal: context.cancellation.signal,
      ...(deps.lookup === undefined ? {} : { lookup: deps.lookup }),
    })
  } catch (error) {
    const status: StageStatus = context.cancellation.signal.aborted
      ? 'cancelled'
      : 'failed'
    setEarlyFailureOutputs(context, startedAt, status, errorMessage(error))
    const fragment = buildRecordFragment({
      status,
      startedAt,
      completedAt: context.clock.now(),
      reason: errorMessage(error),
    })
    await writeRecordFile(inputs, fragment).catch((writeError: unknown) => {
      context.logger.error(
        `Could not write record-file: ${errorMessage(writeError)}`,
      )
    })
    throw error
  }

  let rollback: RollbackReport | undefined
  if (!result.healthy && inputs.rollbackOnFailure && inputs.deployment) {
    rollback = await rollBack(context, inputs, inputs.deployment, deps)
  } else if (!result.healthy && inputs.deployment !== undefined) {
    context.logger.info(
      'rollback-on-failure is false, so the deployment is left as it is',
    )
  }

  const report = buildReport(inputs, result, rollback)
  const completedAt = context.clock.now()
  const fragment = buildRecordFragment({
    status: result.healthy ? 'succeeded' : 'failed',
    startedAt,
    completedAt,
    ...(result.failureReason === undefined
      ? {}
      : { reason: result.failureReason }),
    report,
  })
  setOutputs(context, result, report, fragment, rollback)
  await writeRecordFile(inputs, fragment)
  writeSummary(context.summary, report)

  if (!result.healthy) {
    throw new Error(describeFailure(result, rollback))
  }
}

async function rollBack(
  context: ActionContext,
  inputs: VerifyHealthInputs,
  state: DeploymentState,
  deps: VerifyHealthActionDeps,
): Promise<RollbackReport> {
  const rollback = deps.rollback ?? rollbackDeployment
  const clientOptions = {
    region: state.region,
    logger: context.logger,
    env: context.env,
  }
  const ecs = createAwsClient(ECSClient, clientOptions)
  const elbv2 = createAwsClient(ElasticLoadBalancingV2Client, clientOptions)
  const deadline = Deadline.start({
    stage: 'rollback',
    timeoutMs: inputs.rollbackTimeoutMs,
    deadlineAt: inputs.deadlineAt,
    clock: context.clock,
  })
  try {
    return await context.logger.group('Rollback', async () => {
      const restored = await rollback(state, {
        ecs,
        elbv2,
        logger: context.logger,
        deadline,
        sleep: context.sleep,
        signal: context.cancellation.signal,
        clock: context.clock,
      })
      return { status: 'succeeded' as const, ...restored }
    })
  } catch (error) {
    if (context.cancellation.signal.aborted) {
      throw error
    }
    context.logger.error(`Rollback failed: ${errorMessage(error)}`)
    return { status: 'failed', error: errorMessage(error) }
  } finally {
    ecs.destroy()
    elbv2.destroy()
  }
}

function describeFailure(
  result: VerifyResult,
  rollback: RollbackReport | undefined,
): string {
  const base = `Health check failed: ${result.failureReason ?? 'unhealthy'}`
  if (rollback === undefined) {
    return base
  }
  if (rollback.status === 'failed') {
    return `${base}. Rollback failed: ${rollback.error}`
  }
  const weights = formatWeights(rollback.restored_weights)
  return rollback.changed
    ? `${base}. Rolled back: traffic restored to ${weights}`
    : `${base}. Rollback found traffic already at ${weights}`
}

function setOutputs(
  context: ActionContext,
  result: VerifyResult,
  report: HealthReport,
  fragment: ReturnType<typeof buildRecordFragment>,
  rollback: RollbackReport | undefined,
): void {
  const { outputs } = context
  const attempts = result.urls.reduce(
    (sum, url) => sum + url.attempts.length,
    0,
  )
  const reported = result.urls.find((url) => !url.healthy) ?? result.urls[0]
  outputs.set('healthy', result.healthy)
  outputs.set('attempts', attempts)
  outputs.set('last-status', reported?.lastStatus ?? '')
  outputs.set('latency-p50-ms', result.latency.p50_ms ?? '')
  outputs.set('latency-p95-ms', result.latency.p95_ms ?? '')
  outputs.set('failure-reason', result.failureReason ?? '')
  outputs.set('report-json', report)
  outputs.set('record-json', fragment)
  outputs.set('rollback-json', rollback ?? '')
}

/** Outputs for a run that ended before the check had a result. */
function setEarlyFailureOutputs(
  context: ActionContext,
  startedAt: number,
  status: StageStatus,
  reason: string,
): void {
  const { outputs } = context
  outputs.set('healthy', false)
  outputs.set('attempts', 0)
  outputs.set('last-status', '')
  outputs.set('latency-p50-ms', '')
  outputs.set('latency-p95-ms', '')
  outputs.set('failure-reason', reason)
  outputs.set('report-json', '')
  outputs.set(
    'record-json',
    buildRecordFragment({
      status,
      startedAt,
      completedAt: context.clock.now(),
      reason,
    }),
  )
  outputs.set('rollback-json', '')
}

async function writeRecordFile(
  inputs: VerifyHealthInputs,
  fragment: ReturnType<typeof buildRecordFragment>,
): Promise<void> {
  if (inputs.recordFile === undefined) {
    return
  }
  const file = path.resolve(inputs.recordFile)
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, `${JSON.stringify(fragment, null, 2)}\n`)
}
