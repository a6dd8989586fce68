import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
} from '@aws-sdk/client-cloudwatch'
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs'
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  UpdateServiceCommand,
  type ContainerDefinition,
  type Service,
  type TaskOverride,
} from '@aws-sdk/client-ecs'
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import {
  createBlueGreenStack,
  type BlueGreenStack,
} from '../../helpers/blue-green-stack.js'
import {
  raiseAlb5xx,
  resetEngineConfig,
  setConvergeSeconds,
} from '../../helpers/ecs-engine.js'
import { awsClient, uniqueName } from '../../helpers/fixtures.js'
import { motoEndpoint } from '../../helpers/stack.js'

const CONVERGE_S = 1

let stack: BlueGreenStack
let logs: CloudWatchLogsClient
let logGroup: string

beforeAll(async () => {
  await setConvergeSeconds(CONVERGE_S)
  stack = await createBlueGreenStack({
    weightsNow: { blue: 100, green: 0 },
    blueDesiredCount: 2,
    greenDesiredCount: 0,
  })
  logs = awsClient(CloudWatchLogsClient)
  logGroup = `/ecs/${uniqueName('engine')}`
  await logs.send(new CreateLogGroupCommand({ logGroupName: logGroup }))
  await waitForSteady(stack.state.blue.service)
})

afterAll(async () => {
  await resetEngineConfig()
  stack.destroy()
  logs.destroy()
})

async function describeService(name: string): Promise<Service> {
  const output = await stack.ecs.send(
    new DescribeServicesCommand({
      cluster: stack.state.cluster,
      services: [name],
    }),
  )
  const service = output.services?.[0]
  if (service === undefined) throw new Error(`no service ${name}`)
  return service
}

async function waitForSteady(name: string, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const service = await describeService(name)
    const deployments = service.deployments ?? []
    if (
      deployments.length === 1 &&
      deployments[0]?.rolloutState === 'COMPLETED' &&
      service.runningCount === service.desiredCount
    ) {
      return service
    }
    if (Date.now() > until) {
      throw new Error(`${name} not steady: ${JSON.stringify(deployments)}`)
    }
    await sleep(100)
  }
}

async function targetStates(targetGroupArn: string): Promise<string[]> {
  const output = await stack.elbv2.send(
    new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }),
  )
  return (output.TargetHealthDescriptions ?? [])
    .map((target) => target.TargetHealth?.State ?? '')
    .sort()
}

async function registerRevision(
  container: Partial<ContainerDefinition> = {},
): Promise<string> {
  const output = await stack.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: stack.state.blue.service.replace(/-blue$/, ''),
      containerDefinitions: [
        {
          name: 'api',
          image: `api:${Date.now()}`,
          memory: 256,
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': logGroup,
              'awslogs-region': 'us-east-1',
              'awslogs-stream-prefix': 'api',
            },
          },
          ...container,
        },
      ],
    }),
  )
  const arn = output.taskDefinition?.taskDefinitionArn
  if (arn === undefined) throw new Error('no task definition registered')
  return arn
}

describe('ECS engine deployments', () => {
  it('update creates a primary deployment', async () => {
    const service = stack.state.blue.service
    const before = await describeService(service)
    const oldDeployment = before.deployments?.[0]
    const revision = await registerRevision()
    await stack.ecs.send(
      new UpdateServiceCommand({
        cluster: stack.state.cluster,
        service,
        taskDefinition: revision,
      }),
    )
    const during = await describeService(service)
    expect(during.deployments?.map((d) => d.status)).toEqual([
      'PRIMARY',
      'ACTIVE',
    ])
    expect(during.deployments?.[0]?.rolloutState).toBe('IN_PROGRESS')
    expect(during.deployments?.[0]?.taskDefinition).toBe(revision)
    expect(during.deployments?.[1]?.id).toBe(oldDeployment?.id)

    const seen = new Set<string>()
    const until = Date.now() + 10_000
    let steady: Service | undefined
    while (Date.now() < until) {
      for (const state of await targetStates(stack.state.blue.target_group_arn))
        seen.add(state)
      const current = await describeService(service)
      if (current.deployments?.length === 1) {
        steady = current
        break
      }
      await sleep(50)
    }
    expect(steady?.deployments?.[0]?.rolloutState).toBe('COMPLETED')
    expect(steady?.deployments?.[0]?.taskDefinition).toBe(revision)
    expect(steady?.runningCount).toBe(2)
    expect([...seen]).toEqual(
      expect.arrayContaining(['initial', 'healthy', 'draining']),
    )
    const messages = (steady?.events ?? []).map((event) => event.message)
    expect(messages[0]).toBe(`(service ${service}) has reached a steady state.`)
    expect(messages).toContainEqual(
      expect.stringMatching(/has started 2 tasks/),
    )
  })

  it('forced update replaces running tasks', async () => {
    const service = stack.state.blue.service
    const before = await waitForSteady(service)
    const oldDeployment = before.deployments?.[0]
    const revision = await registerRevision()
    await stack.ecs.send(
      new UpdateServiceCommand({
        cluster: stack.state.cluster,
        service,
        taskDefinition: revision,
        forceNewDeployment: true,
      }),
    )
    const during = await describeService(service)
    expect(during.deployments?.[1]?.id).toBe(oldDeployment?.id)
    expect(during.deployments?.[1]?.createdAt).toEqual(oldDeployment?.createdAt)

    const steady = await waitForSteady(service)
    expect(steady.deployments?.[0]?.taskDefinition).toBe(revision)
    const listed = await stack.ecs.send(
      new ListTasksCommand({
        cluster: stack.state.cluster,
        serviceName: service,
        desiredStatus: 'RUNNING',
      }),
    )
    const described = await stack.ecs.send(
      new DescribeTasksCommand({
        cluster: stack.state.cluster,
        tasks: listed.taskArns ?? [],
      }),
    )
    const running = (described.tasks ?? []).filter(
      (task) => task.lastStatus === 'RUNNING',
    )
    expect(running).toHaveLength(2)
    expect(running.map((task) => task.taskDefinitionArn)).toEqual([
      revision,
      revision,
    ])
  })

  it('lists service tasks with their revision', async () => {
    const service = await waitForSteady(stack.state.blue.service)
    const primary = service.deployments?.[0]
    const listed = await stack.ecs.send(
      new ListTasksCommand({
        cluster: stack.state.cluster,
        serviceName: stack.state.blue.service,
      }),
    )
    expect(listed.taskArns).toHaveLength(2)
    const described = await stack.ecs.send(
      new DescribeTasksCommand({
        cluster: stack.state.cluster,
        tasks: listed.taskArns ?? [],
      }),
    )
    for (const task of described.tasks ?? []) {
      expect(task.lastStatus).toBe('RUNNING')
      expect(task.startedBy).toBe(primary?.id)
      expect(task.taskDefinitionArn).toBe(primary?.taskDefinition)
    }
    const green = await stack.ecs.send(
      new ListTasksCommand({
        cluster: stack.state.cluster,
        serviceName: stack.state.green.service,
      }),
    )
    expect(green.taskArns).toEqual([])
  })

  it('failing revision trips the circuit breaker', async () => {
    const service = stack.state.blue.service
    const good = (await waitForSteady(service)).taskDefinition
    const failing = await registerRevision({
      environment: [{ name: 'KIT_SIMULATED_FAILURE', value: '1' }],
    })
    await stack.ecs.send(
      new UpdateServiceCommand({
        cluster: stack.state.cluster,
        service,
        taskDefinition: failing,
        deploymentConfiguration: {
          deploymentCircuitBreaker: { enable: true, rollback: true },
          maximumPercent: 200,
          minimumHealthyPercent: 100,
        },
      }),
    )
    const until = Date.now() + 15_000
    let failed: Service | undefined
    let sawUnhealthy = false
    while (Date.now() < until) {
      const states = await targetStates(stack.state.blue.target_group_arn)
      sawUnhealthy ||= states.includes('unhealthy')
      const current = await describeService(service)
      if (
        current.deployments?.some(
          (d) => d.rolloutState === 'FAILED' && d.taskDefinition === failing,
        )
      ) {
        failed = current
        break
      }
      await sleep(50)
    }
    expect(failed).toBeDefined()
    expect(sawUnhealthy).toBe(true)
    const failedDeployment = failed?.deployments?.find(
      (d) => d.taskDefinition === failing,
    )
    expect(failedDeployment?.failedTasks).toBeGreaterThanOrEqual(3)
    expect(failed?.deployments?.[0]?.status).toBe('PRIMARY')
    expect(failed?.deployments?.[0]?.taskDefinition).toBe(good)
    const messages = (failed?.events ?? []).map((event) => event.message)
    expect(messages).toContainEqual(
      expect.stringMatching(/deployment failed: tasks failed to start/),
    )
    expect(messages).toContainEqual(
      expect.stringMatching(/rolling back to deployment/),
    )

    const stopped = await stack.ecs.send(
      new ListTasksCommand({
        cluster: stack.state.cluster,
        serviceName: service,
        desiredStatus: 'STOPPED',
      }),
    )
    const tasks =
      (
        await stack.ecs.send(
          new DescribeTasksCommand({
            cluster: stack.state.cluster,
            tasks: stopped.taskArns ?? [],
          }),
        )
      ).tasks ?? []
    const failedTask = tasks.find((task) => task.taskDefinitionArn === failing)
    expect(failedTask?.stoppedReason).toMatch(/failed ELB health checks/)
    const taskId = failedTask?.taskArn?.split('/').pop() ?? ''
    const events = await logs.send(
      new GetLogEventsCommand({
        logGroupName: logGroup,
        logStreamName: `api/api/${taskId}`,
      }),
    )
    const lines = (events.events ?? []).map((event) => event.message)
    expect(lines).toContainEqual(
      expect.stringMatching(/simulated start-up failure/),
    )
    await waitForSteady(service)
  })
})

describe('ECS engine one-off tasks', () => {
  async function runToStop(
    overrides: TaskOverride | undefined,
    revision: string,
  ) {
    const started = await stack.ecs.send(
      new RunTaskCommand({
        cluster: stack.state.cluster,
        taskDefinition: revision,
        overrides,
        startedBy: 'engine-test',
      }),
    )
    const arn = started.tasks?.[0]?.taskArn ?? ''
    expect(started.tasks?.[0]?.lastStatus).not.toBe('STOPPED')
    const until = Date.now() + 10_000
    while (Date.now() < until) {
      const task = (
        await stack.ecs.send(
          new DescribeTasksCommand({
            cluster: stack.state.cluster,
            tasks: [arn],
          }),
        )
      ).tasks?.[0]
      if (task?.lastStatus === 'STOPPED') return task
      await sleep(100)
    }
    throw new Error(`task ${arn} did not stop`)
  }

  it('exit code from the environment', async () => {
    const revision = await registerRevision({
      environment: [{ name: 'KIT_SIMULATED_EXIT_CODE', value: '1' }],
    })
    const task = await runToStop(undefined, revision)
    expect(task.containers?.[0]?.exitCode).toBe(1)
    expect(task.stoppedReason).toBe('Essential container in task exited')
    expect(task.stopCode).toBe('EssentialContainerExited')
  })

  it('exit code from a command override', async () => {
    const revision = await registerRevision()
    const task = await runToStop(
      {
        containerOverrides: [{ name: 'api', command: ['sh', '-c', 'exit 0'] }],
      },
      revision,
    )
    expect(task.containers?.[0]?.exitCode).toBe(0)
    const listed = await stack.ecs.send(
      new ListTasksCommand({
        cluster: stack.state.cluster,
        startedBy: 'engine-test',
        desiredStatus: 'STOPPED',
      }),
    )
    expect(listed.taskArns).toContain(task.taskArn)
  })
})

describe('ECS engine ALB 5xx hook', () => {
  it('records 5xx counts in CloudWatch', async () => {
    const elbv2 = awsClient(ElasticLoadBalancingV2Client)
    const cloudwatch = awsClient(CloudWatchClient)
    try {
      const listenerArn = stack.state.listener_arn
      const loadBalancerArn = listenerArn
        .replace(':listener/', ':loadbalancer/')
        .replace(/\/[0-9a-f]+$/, '')
      await raiseAlb5xx(loadBalancerArn, 4)
      await raiseAlb5xx(loadBalancerArn, 2, 'HTTPCode_ELB_5XX_Count')
      const dimension = loadBalancerArn.split(':loadbalancer/')[1] ?? ''
      const start = new Date(Date.now() - 5 * 60_000)
      const end = new Date(Date.now() + 60_000)
      const stats = await cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/ApplicationELB',
          MetricName: 'HTTPCode_Target_5XX_Count',
          Dimensions: [{ Name: 'LoadBalancer', Value: dimension }],
          StartTime: start,
          EndTime: end,
          Period: 60,
          Statistics: ['Sum'],
        }),
      )
      const sum = (stats.Datapoints ?? []).reduce(
        (total, point) => total + (point.Sum ?? 0),
        0,
      )
      expect(sum).toBe(4)
      const data = await cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: start,
          EndTime: end,
          MetricDataQueries: [
            {
              Id: 'elb',
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/ApplicationELB',
                  MetricName: 'HTTPCode_ELB_5XX_Count',
                  Dimensions: [{ Name: 'LoadBalancer', Value: dimension }],
                },
                Period: 60,
                Stat: 'Sum',
              },
            },
          ],
        }),
      )
      const values = data.MetricDataResults?.[0]?.Values ?? []
      expect(values.reduce((a, b) => a + b, 0)).toBe(2)
    } finally {
      elbv2.destroy()
      cloudwatch.destroy()
    }
  })

  it('rejects a bad load balancer ARN', async () => {
    const response = await fetch(
      `${motoEndpoint()}/moto-api/kit/ecs-engine/alb-5xx`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ load_balancer_arn: 'nope', count: 1 }),
      },
    )
    expect(response.status).toBe(400)
    expect(await response.text()).toMatch(/load_balancer_arn/)
  })
})

describe('ECS engine config endpoint', () => {
  it('rejects a negative converge time', async () => {
    const response = await fetch(
      `${motoEndpoint()}/moto-api/kit/ecs-engine/config`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ converge_seconds: -1 }),
      },
    )
    expect(response.status).toBe(400)
    expect(await response.text()).toMatch(/converge_seconds/)
    const current = await fetch(
      `${motoEndpoint()}/moto-api/kit/ecs-engine/config`,
    )
    expect(await current.json()).toEqual({
      converge_seconds: CONVERGE_S,
      task_backend: 'simulated',
    })
  })
})
