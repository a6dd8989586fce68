/**
 * Reads the blue/green pair as it is now: both services, their target
 * groups, the listener or rule that forwards to them and its weights. The
 * live colour comes from the weights, never from a guess.
 */
import {
  DescribeServicesCommand,
  type ECSClient,
  type Service,
} from '@aws-sdk/client-ecs'
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import type {
  Colour,
  ColourWeights,
} from '../../../common/contracts/records.js'
import { errorMessage } from '../../../common/errors.js'

export const COLOURS: readonly Colour[] = ['blue', 'green']

export function otherColour(colour: Colour): Colour {
  return colour === 'blue' ? 'green' : 'blue'
}

/** A check against AWS that failed before any change; names the input to fix. */
export class DiscoveryError extends Error {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`${input}: ${message}`)
    this.name = 'DiscoveryError'
  }
}

export interface ColourService {
  colour: Colour
  name: string
  arn: string
  targetGroupArn: string
  containerName?: string
  containerPort?: number
  desiredCount: number
  runningCount: number
  taskDefinitionArn?: string
  service: Service
}

export interface Routing {
  listenerArn: string
  ruleArn?: string
  loadBalancerArn: string
  /** The listener's default actions or the rule's actions. */
  actions: Action[]
}

export interface Pair {
  cluster: string
  blue: ColourService
  green: ColourService
  routing: Routing
  weights: ColourWeights
  live: Colour
  idle: Colour
}

export interface DiscoverOptions {
  ecs: ECSClient
  elbv2: ElasticLoadBalancingV2Client
  cluster: string
  blueService: string
  greenService: string
  listenerArn?: string
  ruleArn?: string
}

export async function discoverPair(opts: DiscoverOptions): Promise<Pair> {
  const blue = await describeColour(opts, 'blue', opts.blueService)
  const green = await describeColour(opts, 'green', opts.greenService)
  if (blue.targetGroupArn === green.targetGroupArn) {
    throw new DiscoveryError(
      'green-service',
      `${green.name} and ${blue.name} use the same target group ${blue.targetGroupArn}. Give each colour its own target group.`,
    )
  }
  const routing = await readRouting(opts)
  const weights = readColourWeights(routing, blue, green)
  const live = liveColour(weights, routing)
  return {
    cluster: opts.cluster,
    blue,
    green,
    routing,
    weights,
    live,
    idle: otherColour(live),
  }
}

async function describeColour(
  opts: DiscoverOptions,
  colour: Colour,
  name: string,
): Promise<ColourService> {
  const input = `${colour}-service`
  let output
  try {
    output = await opts.ecs.send(
      new DescribeServicesCommand({ cluster: opts.cluster, services: [name] }),
    )
  } catch (error) {
    if ((error as { name?: string }).name === 'ClusterNotFoundException') {
      throw new DiscoveryError(
        'cluster',
        `cluster ${opts.cluster} does not exist. Check cluster and aws-region.`,
      )
    }
    throw new Error(
      `DescribeServices for ${name} failed: ${errorMessage(error)}`,
      { cause: error },
    )
  }
  const service = output.services?.[0]
  if (service === undefined || service.status !== 'ACTIVE') {
    const reason =
      output.failures?.[0]?.reason ?? service?.status ?? 'not found'
    throw new DiscoveryError(
      input,
      `service ${name} is not active in cluster ${opts.cluster} (${reason}). Check service, ${input} and cluster.`,
    )
  }
  const balancers = (service.loadBalancers ?? []).filter(
    (lb) => lb.targetGroupArn !== undefined,
  )
  const balancer = balancers[0]
  if (balancer?.targetGroupArn === undefined || balancers.length > 1) {
    throw new DiscoveryError(
      input,
      `service ${name} must be registered in exactly one target group; it has ${balancers.length}.`,
    )
  }
  return {
    colour,
    name,
    arn: service.serviceArn ?? name,
    targetGroupArn: balancer.targetGroupArn,
    ...(balancer.containerName === undefined
      ? {}
      : { containerName: balancer.containerName }),
    ...(balancer.containerPort === undefined
      ? {}
      : { containerPort: balancer.containerPort }),
    desiredCount: service.desiredCount ?? 0,
    runningCount: service.runningCount ?? 0,
    ...(service.taskDefinition === undefined
      ? {}
      : { taskDefinitionArn: service.taskDefinition }),
    service,
  }
}

async function readRouting(opts: DiscoverOptions): Promise<Routing> {
  if (opts.ruleArn !== undefined) {
    let rule
    try {
      rule = (
        await opts.elbv2.send(
          new DescribeRulesCommand({ RuleArns: [opts.ruleArn] }),
        )
      ).Rules?.[0]
    } catch (error) {
      throw new DiscoveryError(
        'listener-rule-arn',
        `the rule could not be read (${errorMessage(error)}). Check the ARN and aws-region.`,
      )
    }
    if (rule === undefined) {
      throw new DiscoveryError('listener-rule-arn', 'the rule does not exist.')
    }
    const listenerArn = opts.ruleArn
      .replace(':listener-rule/', ':listener/')
      .replace(/\/[0-9a-f]+$/, '')
    return {
      listenerArn,
      ruleArn: opts.ruleArn,
      loadBalancerArn: loadBalancerOf(listenerArn),
      actions: rule.Actions ?? [],
    }
  }
  const listenerArn = opts.listenerArn ?? ''
  let listener
  try {
    listener = (
      await opts.elbv2.send(
        new DescribeListenersCommand({ ListenerArns: [listenerArn] }),
      )
    ).Listeners?.[0]
  } catch (error) {
    throw new DiscoveryError(
      'listener-arn',
      `the listener could not be read (${errorMessage(error)}). Check the ARN and aws-region.`,
    )
  }
  if (listener === undefined) {
    throw new DiscoveryError('listener-arn', 'the listener does not exist.')
  }
  return {
    listenerArn,
    loadBalancerArn: listener.LoadBalancerArn ?? loadBalancerOf(listenerArn),
    actions: listener.DefaultActions ?? [],
  }
}

/** Returns the ARN of the load balancer that a listener ARN belongs to. */
export function loadBalancerOf(listenerArn: string): string {
  return listenerArn
    .replace(':listener/', ':loadbalancer/')
    .replace(/\/[0-9a-f]+$/, '')
}

/** Index of the forward action that names both colours' target groups, or -1. */
export function forwardIndex(
  actions: Action[],
  blueTargetGroup: string,
  greenTargetGroup: string,
): number {
  return actions.findIndex((action) => {
    if (action.Type !== 'forward') return false
    const arns = (action.ForwardConfig?.TargetGroups ?? []).map(
      (group) => group.TargetGroupArn,
    )
    return arns.includes(blueTargetGroup) && arns.includes(greenTargetGroup)
  })
}

function readColourWeights(
  routing: Routing,
  blue: ColourService,
  green: ColourService,
): ColourWeights {
  const input =
    routing.ruleArn === undefined ? 'listener-arn' : 'listener-rule-arn'
  const index = forwardIndex(
    routing.actions,
    blue.targetGroupArn,
    green.targetGroupArn,
  )
  const forward = routing.actions[index]
  if (forward === undefined) {
    throw new DiscoveryError(
      input,
      `it does not forward to both target groups ${blue.targetGroupArn} (${blue.name}) and ${green.targetGroupArn} (${green.name}). Give the listener or rule whose forward action holds both.`,
    )
  }
  const weights: ColourWeights = { blue: 0, green: 0 }
  for (const group of forward.ForwardConfig?.TargetGroups ?? []) {
    if (group.TargetGroupArn === blue.targetGroupArn)
      weights.blue = group.Weight ?? 1
    if (group.TargetGroupArn === green.targetGroupArn)
      weights.green = group.Weight ?? 1
  }
  return weights
}

function liveColour(weights: ColourWeights, routing: Routing): Colour {
  const input =
    routing.ruleArn === undefined ? 'listener-arn' : 'listener-rule-arn'
  if (weights.blue > 0 && weights.green === 0) return 'blue'
  if (weights.green > 0 && weights.blue === 0) return 'green'
  if (weights.blue === 0 && weights.green === 0) {
    throw new DiscoveryError(
      input,
      'it forwards with weight 0 to both colours, so no colour is live. Set the weight of the live colour before deploying.',
    )
  }
  throw new DiscoveryError(
    input,
    `it splits traffic (blue ${weights.blue} / green ${weights.green}), so an earlier deploy did not finish. Roll it back (mode: rollback) or set the weights of one colour to 0 before deploying.`,
  )
}
