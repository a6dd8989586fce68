/**
 * Traffic shifting: the weight steps of a plan, the listener or rule
 * modification that sets them, and the bake that watches target health and
 * the load balancer's 5xx count after a step.
 */
import {
  GetMetricStatisticsCommand,
  type CloudWatchClient,
} from '@aws-sdk/client-cloudwatch'
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import type { Clock, Sleep } from '../../../common/clock.js'
import { realSleep, throwIfAborted } from '../../../common/clock.js'
import type {
  Colour,
  ColourWeights,
} from '../../../common/contracts/records.js'
import type { Deadline } from '../../../common/deadline.js'
import type { Logger } from '../../../common/log.js'
import { formatWeights } from '../../../common/rollback.js'
import { forwardIndex } from './discover.js'
import type { TrafficPlan } from './inputs.js'
import { targetHealth } from './rollout.js'

export interface TrafficStep {
  /** Share of traffic, in percent, that the new colour gets. */
  percent: number
  /** Bake after this step, in ms; the final step's bake is the final bake. */
  bakeMs: number
}

/** Returns the steps of a plan; the last one is always 100 percent. */
export function trafficSteps(
  plan: TrafficPlan,
  finalBakeMs: number,
): TrafficStep[] {
  const steps: TrafficStep[] = []
  if (plan.kind === 'canary') {
    steps.push({ percent: plan.percent, bakeMs: plan.bakeMs })
  } else if (plan.kind === 'linear') {
    for (
      let percent = plan.stepPercent;
      percent < 100;
      percent += plan.stepPercent
    ) {
      steps.push({ percent, bakeMs: plan.bakeMs })
    }
  }
  steps.push({ percent: 100, bakeMs: finalBakeMs })
  return steps
}

export function weightsFor(newColour: Colour, percent: number): ColourWeights {
  return newColour === 'blue'
    ? { blue: percent, green: 100 - percent }
    : { blue: 100 - percent, green: percent }
}

export interface RoutingTarget {
  listenerArn: string
  ruleArn?: string
  blueTargetGroupArn: string
  greenTargetGroupArn: string
}

async function readActions(
  elbv2: ElasticLoadBalancingV2Client,
  routing: RoutingTarget,
): Promise<Action[]> {
  if (routing.ruleArn !== undefined) {
    const rule = (
      await elbv2.send(
        new DescribeRulesCommand({ RuleArns: [routing.ruleArn] }),
      )
    ).Rules?.[0]
    if (rule === undefined) throw new Error(`Rule ${routing.ruleArn} not found`)
    return rule.Actions ?? []
  }
  const listener = (
    await elbv2.send(
      new DescribeListenersCommand({ ListenerArns: [routing.listenerArn] }),
    )
  ).Listeners?.[0]
  if (listener === undefined) {
    throw new Error(`Listener ${routing.listenerArn} not found`)
  }
  return listener.DefaultActions ?? []
}

/** Actions with the blue and green weights of the forward action replaced; everything else kept. */
export function withWeights(
  actions: Action[],
  routing: RoutingTarget,
  weights: ColourWeights,
): Action[] {
  const index = forwardIndex(
    actions,
    routing.blueTargetGroupArn,
    routing.greenTargetGroupArn,
  )
  if (index < 0) {
    throw new Error(
      'The listener or rule no longer forwards to both target groups; another change happened during the deploy',
    )
  }
  return actions.map((action, position) => {
    if (position !== index) {
      const oidc = action.AuthenticateOidcConfig
      if (oidc === undefined) return action
      const kept = { ...oidc, UseExistingClientSecret: true }
      delete kept.ClientSecret
      return { ...action, AuthenticateOidcConfig: kept }
    }
    const groups = (action.ForwardConfig?.TargetGroups ?? []).map((group) => {
      if (group.TargetGroupArn === routing.blueTargetGroupArn)
        return { ...group, Weight: weights.blue }
      if (group.TargetGroupArn === routing.greenTargetGroupArn)
        return { ...group, Weight: weights.green }
      return { ...group }
    })
    const forward: Action = {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: groups,
        ...(action.ForwardConfig?.TargetGroupStickinessConfig === undefined
          ? {}
          : {
              TargetGroupStickinessConfig:
                action.ForwardConfig.TargetGroupStickinessConfig,
            }),
      },
      ...(action.Order === undefined ? {} : { Order: action.Order }),
    }
    return forward
  })
}

/** Sets the weights on the listener or rule and reads them back. */
export async function setWeights(
  elbv2: ElasticLoadBalancingV2Client,
  routing: RoutingTarget,
  weights: ColourWeights,
): Promise<void> {
  const actions = withWeights(
    await readActions(elbv2, routing),
    routing,
    weights,
  )
  if (routing.ruleArn !== undefined) {
    await elbv2.send(
      new ModifyRuleCommand({ RuleArn: routing.ruleArn, Actions: actions }),
    )
  } else {
    await elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: routing.listenerArn,
        DefaultActions: actions,
      }),
    )
  }
  const after = await readActions(elbv2, routing)
  const forward =
    after[
      forwardIndex(
        after,
        routing.blueTargetGroupArn,
        routing.greenTargetGroupArn,
      )
    ]
  const found: ColourWeights = { blue: -1, green: -1 }
  for (const group of forward?.ForwardConfig?.TargetGroups ?? []) {
    if (group.TargetGroupArn === routing.blueTargetGroupArn)
      found.blue = group.Weight ?? 1
    if (group.TargetGroupArn === routing.greenTargetGroupArn)
      found.green = group.Weight ?? 1
  }
  if (found.blue !== weights.blue || found.green !== weights.green) {
    throw new Error(
      `After the modification the weights are ${formatWeights(found)}, expected ${formatWeights(weights)}`,
    )
  }
}

export const FIVE_XX_METRICS = [
  'HTTPCode_Target_5XX_Count',
  'HTTPCode_ELB_5XX_Count',
] as const

/** Sum of the load balancer's 5xx responses (targets and load balancer) from `since` to now. */
export async function count5xx(
  cloudwatch: CloudWatchClient,
  loadBalancerArn: string,
  since: number,
  now: number,
): Promise<number> {
  const dimension = loadBalancerArn.split(':loadbalancer/')[1] ?? ''
  let total = 0
  for (const metric of FIVE_XX_METRICS) {
    const output = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricName: metric,
        Dimensions: [{ Name: 'LoadBalancer', Value: dimension }],
        StartTime: new Date(since),
        EndTime: new Date(Math.max(now, since + 1000) + 1000),
        Period: 60,
        Statistics: ['Sum'],
      }),
    )
    for (const point of output.Datapoints ?? []) total += point.Sum ?? 0
  }
  return total
}

export interface BakeDeps {
  elbv2: ElasticLoadBalancingV2Client
  cloudwatch: CloudWatchClient
  logger: Logger
  clock: Clock
  sleep?: Sleep
  signal?: AbortSignal
  pollIntervalMs: number
}

export interface BakeTarget {
  label: string
  targetGroupArn: string
  loadBalancerArn: string
  desiredCount: number
  max5xxCount: number
  bakeMs: number
}

export interface BakeResult {
  ok: boolean
  reason?: string
  fiveXx: number
  polls: number
}

/**
 * Watches the new colour's targets and the load balancer's 5xx count for
 * `bakeMs`. Returns at the first problem: a target that is not healthy,
 * fewer healthy targets than tasks, or more 5xx responses than allowed.
 */
export async function bake(
  target: BakeTarget,
  deps: BakeDeps,
  deadline: Deadline,
): Promise<BakeResult> {
  const sleep = deps.sleep ?? realSleep
  const started = deps.clock.now()
  const until = started + target.bakeMs
  if (until > deadline.at) {
    return {
      ok: false,
      reason: `the bake of ${Math.round(target.bakeMs / 1000)}s after ${target.label} does not fit into the time left (${deadline.describeLimit()})`,
      fiveXx: 0,
      polls: 0,
    }
  }
  deps.logger.info(
    `Baking ${target.label} for ${Math.round(target.bakeMs / 1000)}s: watching target health and 5xx count (at most ${target.max5xxCount})`,
  )
  let polls = 0
  for (;;) {
    throwIfAborted(deps.signal)
    polls++
    const health = await targetHealth(deps.elbv2, target.targetGroupArn)
    const fiveXx = await count5xx(
      deps.cloudwatch,
      target.loadBalancerArn,
      started,
      deps.clock.now(),
    )
    const states = Object.entries(health.states)
      .map(([state, count]) => `${count} ${state}`)
      .join(', ')
    const elapsed = Math.round((deps.clock.now() - started) / 1000)
    deps.logger.info(
      `Bake of ${target.label}: ${elapsed}s of ${Math.round(target.bakeMs / 1000)}s, targets ${states || 'none'}, ${fiveXx} 5xx`,
    )
    if (fiveXx > target.max5xxCount) {
      return {
        ok: false,
        reason: `the load balancer counted ${fiveXx} 5xx responses during the bake of ${target.label}, more than max-5xx-count ${target.max5xxCount}`,
        fiveXx,
        polls,
      }
    }
    if (
      health.healthy !== health.total ||
      health.healthy < target.desiredCount
    ) {
      return {
        ok: false,
        reason: `the new colour's targets are not all healthy during the bake of ${target.label} (${states || 'none registered'}; ${target.desiredCount} expected)`,
        fiveXx,
        polls,
      }
    }
    const left = until - deps.clock.now()
    if (left <= 0) return { ok: true, fiveXx, polls }
    await sleep(Math.min(deps.pollIntervalMs, left), deps.signal)
  }
}
