/**
 * Rollback of an alb-weighted blue/green deployment: puts the listener (or
 * listener rule) weights back to what they were before the deploy. When the
 * colour that was live before has been scaled to zero tasks, it is scaled
 * back up first and traffic moves only after its tasks run and its targets
 * are healthy. blue-green-deploy (mode: rollback) and verify-health
 * (rollback-on-failure) both call rollbackDeployment.
 */
import {
  DescribeServicesCommand,
  UpdateServiceCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs'
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
  type TargetGroupTuple,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { systemClock, type Clock, type Sleep } from './clock.js'
import type {
  Colour,
  ColourTarget,
  ColourWeights,
  DeploymentState,
} from './contracts/records.js'
import { waitFor, type Deadline } from './deadline.js'
import { errorMessage } from './errors.js'
import type { Logger } from './log.js'

export interface RollbackDeps {
  ecs: ECSClient
  elbv2: ElasticLoadBalancingV2Client
  logger: Logger
  /** Bounds the whole rollback, the wait for a scaled-up colour included. */
  deadline: Deadline
  sleep?: Sleep
  /** Pause between two polls of the scaled-up service; 5000 ms when unset. */
  pollIntervalMs?: number
  signal?: AbortSignal
  clock?: Clock
}

export interface RollbackResult {
  /** Weights the listener or rule forwards with after the rollback. */
  restored_weights: ColourWeights
  /** Weights found before the rollback changed anything. */
  weights_found: ColourWeights
  /** False when the weights already matched and no listener or rule was modified. */
  changed: boolean
  /** Service scaled up from zero tasks before traffic moved to it. */
  scaled_up_service?: string
  scaled_up_desired_count?: number
  listener_arn: string
  rule_arn?: string
  duration_ms: number
  /** Steps the rollback took, one sentence each, in order. */
  actions: string[]
}

const COLOURS: readonly Colour[] = ['blue', 'green']
const DEFAULT_POLL_INTERVAL_MS = 5000
/** Target states that mean a target cannot take traffic yet. */
const NOT_READY_TARGET_STATES = new Set([
  'initial',
  'unhealthy',
  'unavailable',
  'unhealthy.draining',
])

/**
 * Restores `state.weights_before` on the listener, or on the rule when
 * `state.rule_arn` is set, and keeps every other action of it intact.
 *
 * A colour that gets traffic back while its service has desired count 0 is
 * first scaled to `state.previous_desired_count`. The rollback then waits
 * until the service runs that many tasks and as many targets of its target
 * group are healthy, with none initial or unhealthy. Re-running it when the
 * weights already match changes no weights. Throws on a deadline, on
 * cancellation, or when the listener does not forward to the two target
 * groups of the state.
 */
export async function rollbackDeployment(
  state: DeploymentState,
  deps: RollbackDeps,
): Promise<RollbackResult> {
  const clock = deps.clock ?? systemClock
  const startedAt = clock.now()
  const { logger } = deps
  const routing = describeRouting(state)
  const steps: string[] = []
  const step = (text: string): void => {
    steps.push(text)
    logger.info(`Rollback: ${text}`)
  }

  logger.info(
    `Rollback: restoring ${routing} to ${formatWeights(state.weights_before)} ` +
      `(${state.live_colour_before} was live before the deploy to ${state.target_colour})`,
  )
  const actionsBefore = await readActions(deps.elbv2, state)
  const found = readWeights(actionsBefore, state)
  step(`${routing} forwards ${formatWeights(found)}`)

  const result: RollbackResult = {
    restored_weights: { ...state.weights_before },
    weights_found: found,
    changed: false,
    listener_arn: state.listener_arn,
    duration_ms: 0,
    actions: steps,
  }
  if (state.rule_arn !== undefined) {
    result.rule_arn = state.rule_arn
  }

  for (const colour of COLOURS) {
    if (state.weights_before[colour] > 0) {
      const scaled = await ensureColourServes(colour, state, deps, step)
      if (scaled !== undefined) {
        result.scaled_up_service = scaled.service
        result.scaled_up_desired_count = scaled.desiredCount
      }
    }
  }

  if (sameSplit(found, state.weights_before)) {
    step(
      `${routing} already forwards as before the deploy, so its weights were left unchanged`,
    )
    result.duration_ms = clock.now() - startedAt
    return result
  }

  deps.deadline.check(`modifying ${routing}`)
  const actionsAfter = withRestoredWeights(actionsBefore, state)
  if (state.rule_arn !== undefined) {
    const ruleArn = state.rule_arn
    await callAws('ModifyRule', () =>
      deps.elbv2.send(
        new ModifyRuleCommand({ RuleArn: ruleArn, Actions: actionsAfter }),
      ),
    )
  } else {
    await callAws('ModifyListener', () =>
      deps.elbv2.send(
        new ModifyListenerCommand({
          ListenerArn: state.listener_arn,
          DefaultActions: actionsAfter,
        }),
      ),
    )
  }
  result.changed = true
  step(
    `modified ${routing}: ${formatWeights(found)} -> ${formatWeights(state.weights_before)}`,
  )

  const verified = readWeights(await readActions(deps.elbv2, state), state)
  if (!equalWeights(verified, state.weights_before)) {
    throw new Error(
      `Rollback failed: after the modification ${routing} forwards ${formatWeights(verified)}, ` +
        `expected ${formatWeights(state.weights_before)}`,
    )
  }
  step(`verified: ${routing} forwards ${formatWeights(verified)}`)
  result.duration_ms = clock.now() - startedAt
  return result
}

/**
 * Runs one AWS call and, when it fails, raises an error whose message starts
 * with the operation name ('DescribeListeners failed: ...'). The SDK error
 * stays available as the cause.
 */
async function callAws<T>(
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw new Error(
      `${operation} failed: ${errorMessage(error, { operation: false })}`,
      {
        cause: error,
      },
    )
  }
}

function describeRouting(state: DeploymentState): string {
  return state.rule_arn !== undefined
    ? `listener rule ${state.rule_arn}`
    : `listener ${state.listener_arn}`
}

export function formatWeights(weights: ColourWeights): string {
  return `blue ${weights.blue} / green ${weights.green}`
}

async function readActions(
  elbv2: ElasticLoadBalancingV2Client,
  state: DeploymentState,
): Promise<Action[]> {
  if (state.rule_arn !== undefined) {
    const ruleArn = state.rule_arn
    const output = await callAws('DescribeRules', () =>
      elbv2.send(new DescribeRulesCommand({ RuleArns: [ruleArn] })),
    )
    const rule = output.Rules?.[0]
    if (rule === undefined) {
      throw new Error(`Listener rule ${state.rule_arn} not found`)
    }
    return rule.Actions ?? []
  }
  const output = await callAws('DescribeListeners', () =>
    elbv2.send(
      new DescribeListenersCommand({ ListenerArns: [state.listener_arn] }),
    ),
  )
  const listener = output.Listeners?.[0]
  if (listener === undefined) {
    throw new Error(`Listener ${state.listener_arn} not found`)
  }
  return listener.DefaultActions ?? []
}

/** Target groups of a forward action, from ForwardConfig or the single TargetGroupArn form. */
function forwardGroups(action: Action): TargetGroupTuple[] {
  const groups = action.ForwardConfig?.TargetGroups
  if (groups !== undefined && groups.length > 0) {
    return groups
  }
  if (action.TargetGroupArn !== undefined) {
    return [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }]
  }
  return []
}

function findForward(actions: Action[], state: DeploymentState): number {
  const ours = new Set([
    state.blue.target_group_arn,
    state.green.target_group_arn,
  ])
  return actions.findIndex(
    (action) =>
      action.Type === 'forward' &&
      forwardGroups(action).some((group) =>
        ours.has(group.TargetGroupArn ?? ''),
      ),
  )
}

/** Weights of the blue and green target groups; a group missing from the forward counts as 0. */
export function readWeights(
  actions: Action[],
  state: DeploymentState,
): ColourWeights {
  const index = findForward(actions, state)
  const forward = actions[index]
  if (forward === undefined) {
    throw new Error(
      `${describeRouting(state)} has no forward action to ${state.blue.target_group_arn} or ` +
        `${state.green.target_group_arn}, so there are no weights to restore. ` +
        `Check that deployment-json belongs to this listener.`,
    )
  }
  const weights: ColourWeights = { blue: 0, green: 0 }
  for (const group of forwardGroups(forward)) {
    for (const colour of COLOURS) {
      if (group.TargetGroupArn === state[colour].target_group_arn) {
        weights[colour] = group.Weight ?? 1
      }
    }
  }
  return weights
}

/**
 * Returns a copy of the actions in which the forward action gives blue and
 * green their `weights_before`. Other actions, other target groups of the
 * forward and its stickiness settings stay as they are. OIDC actions keep
 * their existing client secret, which DescribeListeners does not return.
 */
export function withRestoredWeights(
  actions: Action[],
  state: DeploymentState,
): Action[] {
  const index = findForward(actions, state)
  return actions.map((action, position) => {
    if (position !== index) {
      return keepAction(action)
    }
    const groups = forwardGroups(action).map((group) => ({ ...group }))
    for (const colour of COLOURS) {
      const arn = state[colour].target_group_arn
      const existing = groups.find((group) => group.TargetGroupArn === arn)
      if (existing !== undefined) {
        existing.Weight = state.weights_before[colour]
      } else {
        groups.push({
          TargetGroupArn: arn,
          Weight: state.weights_before[colour],
        })
      }
    }
    const forward: Action = {
      Type: 'forward',
      ForwardConfig: { TargetGroups: groups },
    }
    const stickiness = action.ForwardConfig?.TargetGroupStickinessConfig
    if (stickiness !== undefined && forward.ForwardConfig !== undefined) {
      forward.ForwardConfig.TargetGroupStickinessConfig = stickiness
    }
    if (action.Order !== undefined) {
      forward.Order = action.Order
    }
    return forward
  })
}

function keepAction(action: Action): Action {
  const config = action.AuthenticateOidcConfig
  if (config === undefined) {
    return action
  }
  const oidc = { ...config, UseExistingClientSecret: true }
  delete oidc.ClientSecret
  return { ...action, AuthenticateOidcConfig: oidc }
}

/** True when both weightings send the same share of traffic to each colour. */
export function sameSplit(a: ColourWeights, b: ColourWeights): boolean {
  const aTotal = a.blue + a.green
  const bTotal = b.blue + b.green
  if (aTotal === 0 || bTotal === 0) {
    return aTotal === bTotal
  }
  return a.blue * b.green === a.green * b.blue
}

function equalWeights(a: ColourWeights, b: ColourWeights): boolean {
  return a.blue === b.blue && a.green === b.green
}

interface ColourHealth {
  desired: number
  running: number
  pending: number
  healthyTargets: number
  notReadyTargets: number
  targetStates: Record<string, number>
}

/**
 * Makes sure the colour that gets traffic back has tasks. Scales its service
 * up from zero and waits for it when needed; returns what was scaled.
 */
async function ensureColourServes(
  colour: Colour,
  state: DeploymentState,
  deps: RollbackDeps,
  step: (text: string) => void,
): Promise<{ service: string; desiredCount: number } | undefined> {
  const target = state[colour]
  const health = await readColourHealth(deps, state.cluster, target)
  if (health.desired > 0) {
    step(`${colour} (${target.service}) ${describeHealth(health)}`)
    if (health.healthyTargets === 0) {
      deps.logger.warning(
        `Rollback: ${colour} (${target.service}) has no healthy target in ${target.target_group_arn}; traffic is restored to it anyway`,
      )
    }
    return undefined
  }

  if (
    colour !== state.live_colour_before ||
    state.previous_desired_count <= 0
  ) {
    throw new Error(
      `Rollback stopped: ${colour} (${target.service}) would get traffic back but has desired count 0, ` +
        `and the deployment state records no task count to restore it to`,
    )
  }

  const desiredCount = state.previous_desired_count
  deps.deadline.check(`scaling up ${target.service}`)
  await callAws('UpdateService', () =>
    deps.ecs.send(
      new UpdateServiceCommand({
        cluster: state.cluster,
        service: target.service,
        desiredCount,
      }),
    ),
  )
  step(`scaled ${colour} (${target.service}) from 0 to ${desiredCount} task(s)`)

  const waitStarted = (deps.clock ?? systemClock).now()
  let latest = health
  await waitFor({
    what: `${colour} (${target.service}) to run ${desiredCount} task(s) with healthy targets`,
    deadline: deps.deadline,
    intervalMs: deps.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    logger: deps.logger,
    ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
    ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    describe: () => describeHealth(latest),
    check: async () => {
      latest = await readColourHealth(deps, state.cluster, target)
      return isReady(latest) ? latest : undefined
    },
  })
  const waited = (deps.clock ?? systemClock).now() - waitStarted
  step(
    `${colour} (${target.service}) is ready after ${Math.round(waited / 100) / 10}s: ${describeHealth(latest)}`,
  )
  return { service: target.service, desiredCount }
}

function isReady(health: ColourHealth): boolean {
  return (
    health.desired > 0 &&
    health.running >= health.desired &&
    health.healthyTargets >= health.desired &&
    health.notReadyTargets === 0
  )
}

function describeHealth(health: ColourHealth): string {
  const states = Object.entries(health.targetStates)
    .map(([name, count]) => `${count} ${name}`)
    .join(', ')
  return (
    `runs ${health.running} of ${health.desired} task(s) (${health.pending} pending), ` +
    `targets: ${states === '' ? 'none registered' : states}`
  )
}

async function readColourHealth(
  deps: RollbackDeps,
  cluster: string,
  target: ColourTarget,
): Promise<ColourHealth> {
  const described = await callAws('DescribeServices', () =>
    deps.ecs.send(
      new DescribeServicesCommand({ cluster, services: [target.service] }),
    ),
  )
  const service = described.services?.[0]
  if (service === undefined || service.status !== 'ACTIVE') {
    const reason = described.failures?.[0]?.reason
    throw new Error(
      `Service ${target.service} not found in cluster ${cluster}` +
        (service?.status !== undefined ? ` (status ${service.status})` : '') +
        (reason !== undefined ? ` (${reason})` : ''),
    )
  }
  const targetHealth = await callAws('DescribeTargetHealth', () =>
    deps.elbv2.send(
      new DescribeTargetHealthCommand({
        TargetGroupArn: target.target_group_arn,
      }),
    ),
  )
  const targetStates: Record<string, number> = {}
  let healthyTargets = 0
  let notReadyTargets = 0
  for (const description of targetHealth.TargetHealthDescriptions ?? []) {
    const stateName = description.TargetHealth?.State ?? 'unknown'
    targetStates[stateName] = (targetStates[stateName] ?? 0) + 1
    if (stateName === 'healthy') {
      healthyTargets++
    } else if (NOT_READY_TARGET_STATES.has(stateName)) {
      notReadyTargets++
    }
  }
  return {
    desired: service.desiredCount ?? 0,
    running: service.runningCount ?? 0,
    pending: service.pendingCount ?? 0,
    healthyTargets,
    notReadyTargets,
    targetStates,
  }
}

const TARGET_GROUP_ARN =
  /^arn:[\w-]+:elasticloadbalancing:[\w-]+:\d{12}:targetgroup\/.+/
const LISTENER_ARN =
  /^arn:[\w-]+:elasticloadbalancing:[\w-]+:\d{12}:listener\/.+/
const RULE_ARN =
  /^arn:[\w-]+:elasticloadbalancing:[\w-]+:\d{12}:listener-rule\/.+/

/**
 * Checks that `value` is a DeploymentState as blue-green-deploy outputs it
 * and returns it typed. `fail` receives the first problem found. Its
 * signature fits InputReader.json.
 */
export function parseDeploymentState(
  value: unknown,
  fail: (expected: string) => never,
): DeploymentState {
  const hint = 'Pass the deployment-json output of blue-green-deploy unchanged.'
  const problem = (text: string): never => fail(`${text}. ${hint}`)

  if (!isRecord(value)) {
    return problem('It must be a JSON object')
  }

  if (value.schema_version !== 1) {
    problem(
      `Field schema_version must be 1, found ${JSON.stringify(value.schema_version)}`,
    )
  }

  if (value.strategy !== 'alb-weighted') {
    problem(
      `Field strategy must be alb-weighted, found ${JSON.stringify(value.strategy)}`,
    )
  }

  for (const field of [
    'region',
    'cluster',
    'new_task_definition_arn',
    'image_digest',
    'started_at',
  ]) {
    requireText(value, field, problem)
  }

  for (const colour of COLOURS) {
    const target = value[colour]
    if (!isRecord(target)) {
      problem(
        `Field ${colour} must be an object with service and target_group_arn`,
      )
      continue
    }
    requireText(target, 'service', problem, `${colour}.service`)
    if (
      typeof target.target_group_arn !== 'string' ||
      !TARGET_GROUP_ARN.test(target.target_group_arn)
    ) {
      problem(`Field ${colour}.target_group_arn must be a target group ARN`)
    }
  }

  if (
    typeof value.listener_arn !== 'string' ||
    !LISTENER_ARN.test(value.listener_arn)
  ) {
    problem('Field listener_arn must be a listener ARN')
  }

  if (
    value.rule_arn !== undefined &&
    (typeof value.rule_arn !== 'string' || !RULE_ARN.test(value.rule_arn))
  ) {
    problem('Field rule_arn, when present, must be a listener rule ARN')
  }

  for (const field of ['live_colour_before', 'target_colour']) {
    if (value[field] !== 'blue' && value[field] !== 'green') {
      problem(`Field ${field} must be blue or green`)
    }
  }

  for (const field of ['weights_before', 'weights_after']) {
    const weights = value[field]
    if (
      !isRecord(weights) ||
      !COLOURS.every((colour) => isWeight(weights[colour]))
    ) {
      problem(
        `Field ${field} must be {"blue": n, "green": n} with integers from 0 to 999`,
      )
    }
  }

  if (
    !Number.isInteger(value.previous_desired_count) ||
    (value.previous_desired_count as number) < 0
  ) {
    problem('Field previous_desired_count must be an integer of 0 or more')
  }

  if (
    value.previous_task_definition_arn !== null &&
    typeof value.previous_task_definition_arn !== 'string'
  ) {
    problem('Field previous_task_definition_arn must be a string or null')
  }

  return value as unknown as DeploymentState
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isWeight(value: unknown): boolean {
  return (
    Number.isInteger(value) &&
    (value as number) >= 0 &&
    (value as number) <= 999
  )
}

function requireText(
  record: Record<string, unknown>,
  field: string,
  problem: (text: string) => never,
  shownName = field,
): void {
  const value = record[field]
  if (typeof value !== 'string' || value.trim() === '') {
    problem(`Field ${shownName} must be a non-empty string`)
  }
}
