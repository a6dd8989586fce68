/**
 * Deploys the new revision to the idle service and waits honestly: the
 * deployment this update created must be PRIMARY and COMPLETED, every task
 * must run the new revision, and every target of the idle target group
 * must be healthy. An ECS rollback, a FAILED deployment or the timeout end
 * the wait with a failure report.
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  UpdateServiceCommand,
  type Deployment,
  type ECSClient,
} from '@aws-sdk/client-ecs'
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import type { Sleep } from '../../../common/clock.js'
import { waitFor, type Deadline } from '../../../common/deadline.js'
import type { Logger } from '../../../common/log.js'
import {
  collectFailureReport,
  formatFailureReport,
  type FailureReport,
} from './diagnostics.js'

export interface RolloutDeps {
  ecs: ECSClient
  elbv2: ElasticLoadBalancingV2Client
  logs: CloudWatchLogsClient
  logger: Logger
  sleep?: Sleep
  signal?: AbortSignal
  pollIntervalMs: number
}

export interface RolloutTarget {
  cluster: string
  service: string
  targetGroupArn: string
  taskDefinitionArn: string
  desiredCount: number
}

export interface RolloutResult {
  deploymentId: string
  runningCount: number
  healthyTargets: number
  durationMs: number
}

/** The deploy of the new colour failed; production traffic was not touched. */
export class RolloutError extends Error {
  constructor(
    message: string,
    readonly report: FailureReport,
  ) {
    const details = formatFailureReport(report)
    super(details === '' ? message : `${message}\n${details}`)
    this.name = 'RolloutError'
  }
}

interface Progress {
  text: string
  failed?: string
  ready: boolean
}

export async function deployIdle(
  target: RolloutTarget,
  deps: RolloutDeps,
  deadline: Deadline,
): Promise<RolloutResult> {
  const started = deadline.clock.now()
  deps.logger.info(
    `Updating ${target.service} to ${target.taskDefinitionArn} with ${target.desiredCount} task(s)`,
  )
  const updated = await deps.ecs.send(
    new UpdateServiceCommand({
      cluster: target.cluster,
      service: target.service,
      taskDefinition: target.taskDefinitionArn,
      desiredCount: target.desiredCount,
      forceNewDeployment: true,
    }),
  )
  const primary = (updated.service?.deployments ?? []).find(
    (deployment) => deployment.status === 'PRIMARY',
  )
  const deploymentId = primary?.id
  if (deploymentId === undefined) {
    throw new Error(
      `UpdateService of ${target.service} returned no PRIMARY deployment`,
    )
  }
  deps.logger.info(
    `ECS started deployment ${deploymentId} of ${target.service}`,
  )

  let latest: Progress = { text: 'no poll yet', ready: false }
  const fail = async (message: string): Promise<never> => {
    const report = await collectFailureReport(deps, {
      cluster: target.cluster,
      service: target.service,
      taskDefinitionArn: target.taskDefinitionArn,
      since: started,
    })
    throw new RolloutError(message, report)
  }
  try {
    latest = await waitFor({
      what: `deployment ${deploymentId} of ${target.service} to complete with healthy targets`,
      deadline,
      intervalMs: deps.pollIntervalMs,
      logger: deps.logger,
      ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
      describe: () => latest.text,
      check: async () => {
        latest = await readProgress(target, deploymentId, deps)
        if (latest.failed !== undefined) return latest
        return latest.ready ? latest : undefined
      },
    })
  } catch (error) {
    if ((error as Error).name === 'DeadlineError') {
      return fail(
        `The deployment of ${target.service} did not complete in time (${latest.text}). Production traffic was not moved.`,
      )
    }
    throw error
  }
  if (latest.failed !== undefined) {
    return fail(`${latest.failed}. Production traffic was not moved.`)
  }
  const healthy = /(\d+) healthy/.exec(latest.text)?.[1]
  return {
    deploymentId,
    runningCount: target.desiredCount,
    healthyTargets: Number(healthy ?? target.desiredCount),
    durationMs: deadline.clock.now() - started,
  }
}

async function readProgress(
  target: RolloutTarget,
  deploymentId: string,
  deps: RolloutDeps,
): Promise<Progress> {
  const service = (
    await deps.ecs.send(
      new DescribeServicesCommand({
        cluster: target.cluster,
        services: [target.service],
      }),
    )
  ).services?.[0]
  const deployments = service?.deployments ?? []
  const ours = deployments.find((d) => d.id === deploymentId)
  const primary = deployments.find((d) => d.status === 'PRIMARY')
  const text = describeDeployments(deployments, deploymentId)
  if (ours?.rolloutState === 'FAILED') {
    const rolledBack =
      primary !== undefined && primary.id !== deploymentId
        ? `; ECS rolled the service back to ${primary.taskDefinition ?? '?'}`
        : ''
    return {
      text,
      ready: false,
      failed: `ECS deployment ${deploymentId} of ${target.service} failed: ${ours.rolloutStateReason ?? 'no reason given'}${rolledBack}`,
    }
  }
  if (primary !== undefined && primary.id !== deploymentId) {
    return {
      text,
      ready: false,
      failed: `ECS replaced deployment ${deploymentId} of ${target.service} with ${primary.id ?? '?'} (${primary.taskDefinition ?? '?'}); it was rolled back`,
    }
  }
  if (ours === undefined) {
    return {
      text,
      ready: false,
      failed: `Deployment ${deploymentId} of ${target.service} is gone`,
    }
  }
  const completed =
    ours.status === 'PRIMARY' &&
    ours.rolloutState === 'COMPLETED' &&
    deployments.length === 1 &&
    (ours.runningCount ?? 0) === target.desiredCount
  const health = await targetHealth(deps.elbv2, target.targetGroupArn)
  const healthText = Object.entries(health.states)
    .map(([state, count]) => `${count} ${state}`)
    .join(', ')
  const summary = `${text}; targets: ${healthText || 'none registered'}`
  if (!completed) return { text: summary, ready: false }
  const revisions = await taskRevisions(deps.ecs, target)
  const wrong = revisions.filter((arn) => arn !== target.taskDefinitionArn)
  const ready =
    wrong.length === 0 &&
    revisions.length >= target.desiredCount &&
    health.healthy >= target.desiredCount &&
    health.healthy === health.total
  const tasksText = `${revisions.length - wrong.length} of ${revisions.length} task(s) run the new revision`
  return { text: `${summary}; ${tasksText}`, ready }
}

function describeDeployments(deployments: Deployment[], ours: string): string {
  return deployments
    .map(
      (d) =>
        `${d.id === ours ? 'new' : 'old'} ${d.status ?? '?'} ${d.rolloutState ?? '?'} ${d.runningCount ?? 0}/${d.desiredCount ?? 0} running` +
        ((d.failedTasks ?? 0) > 0 ? `, ${d.failedTasks} failed` : ''),
    )
    .join('; ')
}

export async function targetHealth(
  elbv2: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
): Promise<{ healthy: number; total: number; states: Record<string, number> }> {
  const output = await elbv2.send(
    new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }),
  )
  const states: Record<string, number> = {}
  let healthy = 0
  let total = 0
  for (const target of output.TargetHealthDescriptions ?? []) {
    const state = target.TargetHealth?.State ?? 'unknown'
    states[state] = (states[state] ?? 0) + 1
    total++
    if (state === 'healthy') healthy++
  }
  return { healthy, total, states }
}

async function taskRevisions(
  ecs: ECSClient,
  target: RolloutTarget,
): Promise<string[]> {
  const listed = await ecs.send(
    new ListTasksCommand({
      cluster: target.cluster,
      serviceName: target.service,
      desiredStatus: 'RUNNING',
    }),
  )
  const arns = listed.taskArns ?? []
  if (arns.length === 0) return []
  const tasks = await ecs.send(
    new DescribeTasksCommand({ cluster: target.cluster, tasks: arns }),
  )
  return (tasks.tasks ?? [])
    .filter((task) => task.lastStatus === 'RUNNING')
    .map((task) => task.taskDefinitionArn ?? '')
}

/** Puts a service back to a desired count (and revision), for a failed or cancelled deploy. */
export async function restoreService(
  ecs: ECSClient,
  opts: {
    cluster: string
    service: string
    desiredCount: number
    taskDefinitionArn?: string
  },
  logger: Logger,
): Promise<void> {
  await ecs.send(
    new UpdateServiceCommand({
      cluster: opts.cluster,
      service: opts.service,
      desiredCount: opts.desiredCount,
      ...(opts.taskDefinitionArn === undefined
        ? {}
        : { taskDefinition: opts.taskDefinitionArn }),
    }),
  )
  logger.info(
    `Set ${opts.service} back to ${opts.desiredCount} task(s)` +
      (opts.taskDefinitionArn === undefined
        ? ''
        : ` of ${opts.taskDefinitionArn}`),
  )
}
