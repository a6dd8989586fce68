/**
 * Moves traffic to the new colour step by step. After each step it runs the
 * verify-health probes and bakes; any failure restores the weights from
 * before the deploy. Until the final shift completes, a cancellation
 * restores them too; after it, the new weights stay.
 */
import { throwIfAborted } from '../../../common/clock.js'
import type { DeploymentState } from '../../../common/contracts/records.js'
import { Deadline } from '../../../common/deadline.js'
import { CancelledError, errorMessage } from '../../../common/errors.js'
import { formatWeights, rollbackDeployment } from '../../../common/rollback.js'
import type { DeployDeps, DeployReport, TrafficMove } from './deploy.js'
import type { Pair } from './discover.js'
import type { BlueGreenDeployInputs, DeploySettings } from './inputs.js'
import { STATE_WEIGHTS } from './saved-state.js'
import {
  bake,
  setWeights,
  trafficSteps,
  weightsFor,
  type RoutingTarget,
} from './traffic.js'

export interface ShiftRun {
  inputs: BlueGreenDeployInputs
  settings: DeploySettings
  pair: Pair
  state: DeploymentState
  desiredCount: number
}

export async function shiftTraffic(
  run: ShiftRun,
  deps: DeployDeps,
  report: DeployReport,
  ctx: {
    deadline: Deadline
    mark: (step: string, result: string) => void
  },
): Promise<void> {
  const { inputs, settings, pair, state } = run
  const { clients, logger, clock, cancellation } = deps
  const { deadline, mark } = ctx
  const signal = cancellation.signal
  const pollIntervalMs = inputs.pollIntervalMs
  const idle = pair[pair.idle]

  const routing: RoutingTarget = {
    listenerArn: pair.routing.listenerArn,
    ...(pair.routing.ruleArn === undefined
      ? {}
      : { ruleArn: pair.routing.ruleArn }),
    blueTargetGroupArn: pair.blue.targetGroupArn,
    greenTargetGroupArn: pair.green.targetGroupArn,
  }
  const record = (move: Omit<TrafficMove, 'at'>): void => {
    report.history.push({ at: new Date(clock.now()).toISOString(), ...move })
  }
  const rollback = async (
    kind: 'rollback' | 'restore-on-cancel',
  ): Promise<void> => {
    const result = await rollbackDeployment(state, {
      ecs: clients.ecs,
      elbv2: clients.elbv2,
      logger,
      deadline: Deadline.start({
        stage: 'rollback',
        timeoutMs: inputs.rollbackTimeoutMs,
        clock,
      }),
      sleep: deps.sleep,
      pollIntervalMs,
      clock,
    })
    report.rolledBack = true
    report.liveAfter = pair.live
    record({
      kind,
      weights: result.restored_weights,
      percent: 0,
      result: result.changed ? 'restored' : 'already as before',
    })
    deps.saveState(STATE_WEIGHTS, '')
  }
  // Weight changes run one at a time, so a restore on cancellation never
  // races a step that is being applied.
  let chain: Promise<unknown> = Promise.resolve()
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn)
    chain = next.catch(() => undefined)
    return next
  }
  deps.saveState(STATE_WEIGHTS, JSON.stringify(state))
  let unregisterWeights: (() => void) | undefined = cancellation.onRestore(
    'restore the traffic weights',
    async () => serial(async () => rollback('restore-on-cancel')),
  )

  const steps = trafficSteps(settings.traffic, settings.finalBakeMs)
  const failAndRollBack = async (reason: string): Promise<never> => {
    unregisterWeights?.()
    unregisterWeights = undefined
    mark('rollback', reason)
    await serial(async () => rollback('rollback'))
    throw new Error(
      `Rolled back to ${pair.live} (${formatWeights(state.weights_before)}): ${reason}`,
    )
  }
  try {
    for (const [index, step] of steps.entries()) {
      const final = step.percent === 100
      const weights = weightsFor(pair.idle, step.percent)
      await serial(async () => {
        throwIfAborted(signal)
        await setWeights(clients.elbv2, routing, weights)
      })
      record({
        kind: final ? 'final' : 'step',
        weights,
        percent: step.percent,
        result: 'applied',
      })
      mark(
        final ? 'final shift' : `step ${index + 1}`,
        `${pair.idle} gets ${step.percent}% (${formatWeights(weights)})`,
      )
      if (final) {
        // The final shift stays, also on cancellation.
        unregisterWeights?.()
        unregisterWeights = undefined
        deps.saveState(STATE_WEIGHTS, '')
        report.liveAfter = pair.idle
      }
      if (settings.verifyUrls.length > 0) {
        const outcome = await deps.verify(
          settings.verifyUrls,
          settings.verifyTimeoutMs,
        )
        mark(
          `verify after ${step.percent}%`,
          outcome.healthy ? 'healthy' : `unhealthy: ${outcome.reason ?? ''}`,
        )
        if (!outcome.healthy) {
          await failAndRollBack(
            `verify-health failed after ${step.percent}%: ${outcome.reason ?? 'unhealthy'}`,
          )
        }
      }
      if (step.bakeMs > 0) {
        const baked = await bake(
          {
            label: final ? 'the final shift' : `${step.percent}%`,
            targetGroupArn: idle.targetGroupArn,
            loadBalancerArn: pair.routing.loadBalancerArn,
            desiredCount: run.desiredCount,
            max5xxCount: settings.max5xxCount,
            bakeMs: step.bakeMs,
          },
          {
            ...clients,
            logger,
            clock,
            sleep: deps.sleep,
            signal,
            pollIntervalMs,
          },
          deadline,
        )
        mark(
          `bake after ${step.percent}%`,
          baked.ok
            ? `passed (${baked.fiveXx} 5xx)`
            : `failed: ${baked.reason ?? ''}`,
        )
        if (!baked.ok) await failAndRollBack(baked.reason ?? 'the bake failed')
      }
    }
  } catch (error) {
    // A failure rolls back, also after the final shift; a cancellation
    // before the final shift is restored by the restore step instead.
    const cancelled = error instanceof CancelledError || signal.aborted
    if (!cancelled && !report.rolledBack) {
      await failAndRollBack(errorMessage(error))
    }
    throw error
  }
}
