// A blue/green pair in moto as blue-green-deploy leaves it: an ALB with a
// listener (or a listener rule) forwarding to two target groups with
// weights, an ECS cluster with one service per colour, and the
// DeploymentState that describes it.
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs'
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import type {
  ColourWeights,
  DeploymentState,
} from '../../common/contracts/records.js'
import { awsClient, uniqueName } from './fixtures.js'
import { motoEndpoint } from './stack.js'

export interface BlueGreenStack {
  state: DeploymentState
  ecs: ECSClient
  elbv2: ElasticLoadBalancingV2Client
  /** A third target group in the same forward action, which a rollback must keep. */
  canaryTargetGroupArn: string
  destroy(): void
}

export interface BlueGreenOptions {
  /** Weights on the listener now, after the deploy. */
  weightsNow: ColourWeights
  blueDesiredCount: number
  greenDesiredCount: number
  /** Route through a listener rule instead of the default action. */
  rule?: boolean
  previousDesiredCount?: number
  /** Blue's tasks fail to start, so its targets never become healthy. */
  failingBlue?: boolean
}

/**
 * Reads the default subnets and their VPC through moto's EC2 query API. The
 * kit has no EC2 client, and moto routes a request by the service in the
 * Authorization header without checking the signature.
 */
async function defaultSubnets(): Promise<{
  vpcId: string
  subnetIds: string[]
}> {
  const response = await fetch(`${motoEndpoint()}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization:
        'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: 'Action=DescribeSubnets&Version=2016-11-15&Filter.1.Name=default-for-az&Filter.1.Value.1=true',
  })
  const xml = await response.text()
  if (!response.ok) {
    throw new Error(
      `moto DescribeSubnets failed: HTTP ${response.status} ${xml}`,
    )
  }
  const subnetIds = [...xml.matchAll(/<subnetId>([^<]+)<\/subnetId>/g)].map(
    (match) => match[1] ?? '',
  )
  const vpcId = /<vpcId>([^<]+)<\/vpcId>/.exec(xml)?.[1]
  if (vpcId === undefined || subnetIds.length < 2) {
    throw new Error(`moto returned no default VPC with two subnets: ${xml}`)
  }
  return { vpcId, subnetIds }
}

export async function createBlueGreenStack(
  options: BlueGreenOptions,
): Promise<BlueGreenStack> {
  const ecs = awsClient(ECSClient)
  const elbv2 = awsClient(ElasticLoadBalancingV2Client)
  const name = uniqueName('rb')
  const { vpcId, subnetIds } = await defaultSubnets()

  const loadBalancer = (
    await elbv2.send(
      new CreateLoadBalancerCommand({
        Name: name,
        Subnets: subnetIds.slice(0, 2),
      }),
    )
  ).LoadBalancers?.[0]
  const targetGroupArn = async (colour: string): Promise<string> => {
    const created = await elbv2.send(
      new CreateTargetGroupCommand({
        Name: `${name}-${colour}`.slice(0, 32),
        Protocol: 'HTTP',
        Port: 3000,
        VpcId: vpcId,
        TargetType: 'ip',
      }),
    )
    const arn = created.TargetGroups?.[0]?.TargetGroupArn
    if (arn === undefined) throw new Error('moto created no target group')
    return arn
  }
  const blueTargetGroup = await targetGroupArn('b')
  const greenTargetGroup = await targetGroupArn('g')
  const canaryTargetGroup = await targetGroupArn('c')

  const forward: Action = {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: blueTargetGroup, Weight: options.weightsNow.blue },
        { TargetGroupArn: greenTargetGroup, Weight: options.weightsNow.green },
        { TargetGroupArn: canaryTargetGroup, Weight: 0 },
      ],
      TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 300 },
    },
  }
  const fixedResponse: Action = {
    Type: 'fixed-response',
    FixedResponseConfig: {
      StatusCode: '404',
      ContentType: 'text/plain',
      MessageBody: 'no route',
    },
  }
  const listenerArn = (
    await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancer?.LoadBalancerArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [options.rule === true ? fixedResponse : forward],
      }),
    )
  ).Listeners?.[0]?.ListenerArn
  if (listenerArn === undefined) throw new Error('moto created no listener')

  let ruleArn: string | undefined
  if (options.rule === true) {
    ruleArn = (
      await elbv2.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: 10,
          Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }],
          Actions: [forward],
        }),
      )
    ).Rules?.[0]?.RuleArn
  }

  const cluster = `${name}-cluster`
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }))
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: name,
      containerDefinitions: [{ name: 'api', image: 'api:1', memory: 256 }],
    }),
  )
  if (options.failingBlue) {
    // The moto ECS engine stops every task of a revision with this variable.
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `${name}-failing`,
        containerDefinitions: [
          {
            name: 'api',
            image: 'api:1',
            memory: 256,
            environment: [{ name: 'KIT_SIMULATED_FAILURE', value: '1' }],
          },
        ],
      }),
    )
  }
  const service = async (
    colour: string,
    targetGroup: string,
    desiredCount: number,
  ): Promise<string> => {
    const serviceName = `${name}-${colour}`
    const failing = colour === 'blue' && options.failingBlue === true
    await ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName,
        taskDefinition: failing ? `${name}-failing` : name,
        desiredCount,
        loadBalancers: [
          {
            targetGroupArn: targetGroup,
            containerName: 'api',
            containerPort: 3000,
          },
        ],
      }),
    )
    // The moto ECS engine starts the service's tasks and registers them
    // in its target group as they run.
    await ecs.send(
      new UpdateServiceCommand({ cluster, service: serviceName, desiredCount }),
    )
    return serviceName
  }
  const blueService = await service(
    'blue',
    blueTargetGroup,
    options.blueDesiredCount,
  )
  const greenService = await service(
    'green',
    greenTargetGroup,
    options.greenDesiredCount,
  )

  const state: DeploymentState = {
    schema_version: 1,
    strategy: 'alb-weighted',
    region: 'us-east-1',
    cluster,
    blue: { service: blueService, target_group_arn: blueTargetGroup },
    green: { service: greenService, target_group_arn: greenTargetGroup },
    listener_arn: listenerArn,
    live_colour_before: 'blue',
    target_colour: 'green',
    weights_before: { blue: 100, green: 0 },
    weights_after: { blue: 0, green: 100 },
    previous_desired_count: options.previousDesiredCount ?? 2,
    previous_task_definition_arn: `arn:aws:ecs:us-east-1:123456789012:task-definition/${name}:1`,
    new_task_definition_arn: `arn:aws:ecs:us-east-1:123456789012:task-definition/${name}:2`,
    image_digest: `sha256:${'b'.repeat(64)}`,
    started_at: new Date().toISOString(),
  }
  if (ruleArn !== undefined) {
    state.rule_arn = ruleArn
  }

  return {
    state,
    ecs,
    elbv2,
    canaryTargetGroupArn: canaryTargetGroup,
    destroy: () => {
      ecs.destroy()
      elbv2.destroy()
    },
  }
}

/** Returns the actions that route the stack's traffic: the rule's, or the listener's default ones. */
export async function routingActions(stack: BlueGreenStack): Promise<Action[]> {
  if (stack.state.rule_arn !== undefined) {
    const rules = await stack.elbv2.send(
      new DescribeRulesCommand({ RuleArns: [stack.state.rule_arn] }),
    )
    return rules.Rules?.[0]?.Actions ?? []
  }
  const listeners = await stack.elbv2.send(
    new DescribeListenersCommand({ ListenerArns: [stack.state.listener_arn] }),
  )
  return listeners.Listeners?.[0]?.DefaultActions ?? []
}

/** Target group weights of the routing forward action, by ARN. */
export async function forwardWeights(
  stack: BlueGreenStack,
): Promise<Record<string, number | undefined>> {
  const actions = await routingActions(stack)
  const forward = actions.find((action) => action.Type === 'forward')
  return Object.fromEntries(
    (forward?.ForwardConfig?.TargetGroups ?? []).map((group) => [
      group.TargetGroupArn ?? '',
      group.Weight,
    ]),
  )
}

export async function serviceCounts(
  stack: BlueGreenStack,
  service: string,
): Promise<{ desired?: number; running?: number }> {
  const described = await stack.ecs.send(
    new DescribeServicesCommand({
      cluster: stack.state.cluster,
      services: [service],
    }),
  )
  const found = described.services?.[0]
  return { desired: found?.desiredCount, running: found?.runningCount }
}

/** Registers `count` IP targets in a target group, as ECS does for new tasks. */
export async function registerTargets(
  stack: BlueGreenStack,
  targetGroupArn: string,
  count: number,
): Promise<void> {
  await stack.elbv2.send(
    new RegisterTargetsCommand({
      TargetGroupArn: targetGroupArn,
      Targets: Array.from({ length: count }, (_, index) => ({
        Id: `10.0.1.${index + 10}`,
        Port: 3000,
      })),
    }),
  )
}
