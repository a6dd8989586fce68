/**
 * verify-health: probes the release URLs until they are healthy or the time
 * runs out, reports every attempt, and on failure rolls the deployment back
 * when rollback-on-failure is true.
 */
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
import { redactUrl } from '../../../common/masking.js'
import {
  rollbackDeployment,
  formatWeights,
  type RollbackDeps,
  type RollbackResult,
} from '../../../common/rollback.js'
import { runAction, type ActionContext } from '../../../common/run-action.js'
import { readVerifyHealthInputs, type VerifyHealthInputs } from './inputs.js'
import { RECORD_WRITE_TIMEOUT_MS, writeRecordFile } from './record-file.js'
import {
  buildEmptyReport,
  buildRecordFragment,
  buildReport,
  writeSummary,
  type HealthReport,
  type RollbackReport,
} from './report.js'
import {
  summarizeLatency,
  verifyHealth,
  type AttemptRecord,
  type VerifyResult,
} from './verify.js'

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
    setEarlyFailureOutputs(context, startedAt, errorMessage(error))
    throw error
  }

  const attemptsByUrl = new Map<string, AttemptRecord[]>()
  let result: VerifyResult
  try {
    result = await verifyHealth(inputs, {
      logger: context.logger,
      clock: context.clock,
      sleep: context.sleep,
      signal: context.cancellation.signal,
      onAttempt: (url, record) => {
        const list = attemptsByUrl.get(url) ?? []
        list.push(record)
        attemptsByUrl.set(url, list)
      },
      ...(deps.lookup === undefined ? {} : { lookup: deps.lookup }),
    })
  } catch (error) {
    const cancelled = context.cancellation.signal.aborted
    const reason = errorMessage(error)
    const partial = partialResult(
      inputs,
      attemptsByUrl,
      startedAt,
      context.clock.now(),
      reason,
    )
    await finish(context, inputs, {
      status: cancelled ? 'cancelled' : 'failed',
      result: partial,
      startedAt,
      lastStatus: cancelled ? 'CANCELLED' : undefined,
    })
    throw error
  }

  let rollback: RollbackReport | undefined
  if (!result.healthy && inputs.rollbackOnFailure && inputs.deployment) {
    try {
      rollback = await rollBack(context, inputs, inputs.deployment, deps)
    } catch (error) {
      // rollBack returns every failure except a cancellation, which must
      // still set the outputs and write a record with status cancelled.
      await finish(context, inputs, {
        status: 'cancelled',
        result,
        startedAt,
        lastStatus: 'CANCELLED',
      })
      throw error
    }
  } else if (!result.healthy && inputs.deploymentGiven) {
    context.logger.info(
      'rollback-on-failure is false, so the deployment is left as it is',
    )
  }

  // A signal that arrives after the check ended still cancels the step, so
  // the record's status is cancelled too.
  const status: StageStatus = context.cancellation.signal.aborted
    ? 'cancelled'
    : result.healthy
      ? 'succeeded'
      : 'failed'
  const recordError = await finish(context, inputs, {
    status,
    result,
    startedAt,
    rollback,
  })
  if (!result.healthy) {
    const failure = describeFailure(result, rollback)
    throw new Error(
      recordError === undefined ? failure : `${failure}. ${recordError}`,
    )
  }
  if (recordError !== undefined) {
    throw new Error(`The check passed, but ${lowerFirst(recordError)}`)
  }
}

/**
 * Sets every output, writes record-file and the summary. Returns the
 * message of a failed record-file write instead of throwing, so that the
 * verdict, the outputs and the summary stay as they are.
 */
async function finish(
  context: ActionContext,
  inputs: VerifyHealthInputs,
  end: {
    status: StageStatus
    result: VerifyResult
    startedAt: number
    rollback?: RollbackReport | undefined
    lastStatus?: string | undefined
  },
): Promise<string | undefined> {
  const { result, rollback } = end
  const report = buildReport(inputs, result, rollback, end.status)
  const fragment = buildRecordFragment({
    status: end.status,
    startedAt: end.startedAt,
    completedAt: context.clock.now(),
    ...(result.failureReason === undefined
      ? {}
      : { reason: result.failureReason }),
    report,
  })
  setOutputs(context, result, report, fragment, rollback, end.lastStatus)
  writeSummary(context.summary, report)

  if (inputs.recordFile === undefined) {
    return undefined
  }
  const timeoutMs =
    inputs.deadlineAt === undefined
      ? RECORD_WRITE_TIMEOUT_MS
      : Math.min(
          RECORD_WRITE_TIMEOUT_MS,
          Math.max(1, inputs.deadlineAt - context.clock.now()),
        )
  try {
    await writeRecordFile(
      inputs.recordFile,
      `${JSON.stringify(fragment, null, 2)}\n`,
      timeoutMs,
    )
    context.logger.info(`Wrote the record to ${inputs.recordFile}`)
    return undefined
  } catch (error) {
    const message = errorMessage(error)
    context.logger.error(message)
    return message
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}

/**
 * Builds the result of a check that stopped early (cancellation) from the
 * attempts that finished before it stopped.
 */
function partialResult(
  inputs: VerifyHealthInputs,
  attemptsByUrl: Map<string, AttemptRecord[]>,
  startedAt: number,
  completedAt: number,
  reason: string,
): VerifyResult {
  const urls = inputs.urls.map((url) => {
    const shown = redactUrl(url)
    const attempts = attemptsByUrl.get(shown) ?? []
    const last = attempts.at(-1)
    let consecutive = 0
    for (let index = attempts.length - 1; index >= 0; index--) {
      if (attempts[index]?.ok !== true) {
        break
      }
      consecutive++
    }
    return {
      url: shown,
      healthy: false,
      attempts,
      consecutiveSuccesses: consecutive,
      lastStatus:
        last === undefined ? '' : String(last.status ?? last.error ?? ''),
      failureReason: reason,
      latency: summarizeLatency(
        attempts.filter((a) => a.ok).map((a) => a.latency_ms),
      ),
    }
  })
  return {
    healthy: false,
    startedAt,
    completedAt,
    urls,
    latency: summarizeLatency(
      urls.flatMap((url) =>
        url.attempts.filter((a) => a.ok).map((a) => a.latency_ms),
      ),
    ),
    failureReason: reason,
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
  lastStatus: string | undefined,
): void {
  const { outputs } = context
  const attempts = result.urls.reduce(
    (sum, url) => sum + url.attempts.length,
    0,
  )
  const reported = result.urls.find((url) => !url.healthy) ?? result.urls[0]
  outputs.set('healthy', result.healthy)
  outputs.set('attempts', attempts)
  outputs.set('last-status', lastStatus ?? reported?.lastStatus ?? '')
  outputs.set('latency-p50-ms', result.latency.p50_ms ?? '')
  outputs.set('latency-p95-ms', result.latency.p95_ms ?? '')
  outputs.set('failure-reason', result.failureReason ?? '')
  outputs.set('report-json', report)
  outputs.set('record-json', fragment)
  outputs.set('rollback-json', rollback ?? '')
}

/** Outputs for a run whose inputs were invalid, so no check ran. */
function setEarlyFailureOutputs(
  context: ActionContext,
  startedAt: number,
  reason: string,
): void {
  const { outputs } = context
  const completedAt = context.clock.now()
  outputs.set('healthy', false)
  outputs.set('attempts', 0)
  outputs.set('last-status', '')
  outputs.set('latency-p50-ms', '')
  outputs.set('latency-p95-ms', '')
  outputs.set('failure-reason', reason)
  outputs.set(
    'report-json',
    buildEmptyReport({ status: 'failed', startedAt, completedAt, reason }),
  )
  outputs.set(
    'record-json',
    buildRecordFragment({ status: 'failed', startedAt, completedAt, reason }),
  )
  outputs.set('rollback-json', '')
}
