/**
 * Failure reports: the service's recent events, the stopped tasks of a
 * revision with their reasons and exit codes, and the last log lines of
 * those tasks (awslogs driver only).
 */
import {
  GetLogEventsCommand,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs'
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type ECSClient,
  type Task,
} from '@aws-sdk/client-ecs'
import { errorMessage } from '../../../common/errors.js'

export const REPORTED_EVENTS = 10
export const REPORTED_TASKS = 3
export const REPORTED_LOG_LINES = 20

export interface TaskReport {
  taskId: string
  lastStatus: string
  stoppedReason?: string
  exitCodes: string
  logLines: string[]
}

export interface FailureReport {
  events: string[]
  tasks: TaskReport[]
}

export function taskId(arn: string | undefined): string {
  return arn?.split('/').pop() ?? ''
}

/** Service events newer than `since` (epoch ms), newest first. */
export async function serviceEvents(
  ecs: ECSClient,
  cluster: string,
  service: string,
  since: number,
): Promise<string[]> {
  const described = await ecs.send(
    new DescribeServicesCommand({ cluster, services: [service] }),
  )
  return (described.services?.[0]?.events ?? [])
    .filter((event) => (event.createdAt?.getTime() ?? 0) >= since - 1000)
    .slice(0, REPORTED_EVENTS)
    .map((event) =>
      `${event.createdAt?.toISOString() ?? ''} ${event.message ?? ''}`.trim(),
    )
}

/** Last log lines of a task's containers that use the awslogs driver. */
export async function taskLogLines(
  deps: { ecs: ECSClient; logs: CloudWatchLogsClient },
  task: Task,
  limit = REPORTED_LOG_LINES,
): Promise<string[]> {
  if (task.taskDefinitionArn === undefined) return []
  const definition = (
    await deps.ecs.send(
      new DescribeTaskDefinitionCommand({
        taskDefinition: task.taskDefinitionArn,
      }),
    )
  ).taskDefinition
  const lines: string[] = []
  for (const container of definition?.containerDefinitions ?? []) {
    const config = container.logConfiguration
    const group = config?.options?.['awslogs-group']
    if (config?.logDriver !== 'awslogs' || group === undefined) continue
    const prefix = config.options?.['awslogs-stream-prefix']
    const id = taskId(task.taskArn)
    const stream = prefix ? `${prefix}/${container.name ?? ''}/${id}` : id
    try {
      const events = await deps.logs.send(
        new GetLogEventsCommand({
          logGroupName: group,
          logStreamName: stream,
          limit,
          startFromHead: false,
        }),
      )
      for (const event of events.events ?? []) {
        lines.push(`[${container.name ?? '?'}] ${event.message ?? ''}`)
      }
    } catch (error) {
      lines.push(
        `[${container.name ?? '?'}] no log lines in ${group}/${stream}: ${errorMessage(error)}`,
      )
    }
  }
  return lines.slice(-limit)
}

export function describeTask(task: Task): Omit<TaskReport, 'logLines'> {
  const exitCodes = (task.containers ?? [])
    .map((container) => `${container.name ?? '?'}=${container.exitCode ?? '-'}`)
    .join(', ')
  return {
    taskId: taskId(task.taskArn),
    lastStatus: task.lastStatus ?? 'UNKNOWN',
    ...(task.stoppedReason === undefined
      ? {}
      : { stoppedReason: task.stoppedReason }),
    exitCodes,
  }
}

/** Events, stopped tasks of `taskDefinitionArn` and their last log lines. */
export async function collectFailureReport(
  deps: { ecs: ECSClient; logs: CloudWatchLogsClient },
  opts: {
    cluster: string
    service: string
    taskDefinitionArn: string
    since: number
  },
): Promise<FailureReport> {
  const report: FailureReport = { events: [], tasks: [] }
  try {
    report.events = await serviceEvents(
      deps.ecs,
      opts.cluster,
      opts.service,
      opts.since,
    )
    const stopped = await deps.ecs.send(
      new ListTasksCommand({
        cluster: opts.cluster,
        serviceName: opts.service,
        desiredStatus: 'STOPPED',
      }),
    )
    const arns = stopped.taskArns ?? []
    if (arns.length === 0) return report
    const tasks = (
      await deps.ecs.send(
        new DescribeTasksCommand({
          cluster: opts.cluster,
          tasks: arns.slice(0, 100),
        }),
      )
    ).tasks
    const ours = (tasks ?? [])
      .filter((task) => task.taskDefinitionArn === opts.taskDefinitionArn)
      .sort(
        (a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0),
      )
      .slice(0, REPORTED_TASKS)
    for (const task of ours) {
      report.tasks.push({
        ...describeTask(task),
        logLines: await taskLogLines(deps, task),
      })
    }
  } catch (error) {
    report.events.push(
      `(collecting the failure report failed: ${errorMessage(error)})`,
    )
  }
  return report
}

/** Formats the report as text lines for an error message and the log. */
export function formatFailureReport(report: FailureReport): string {
  const lines: string[] = []
  if (report.events.length > 0) {
    lines.push('Service events (newest first):')
    for (const event of report.events) lines.push(`  ${event}`)
  }
  for (const task of report.tasks) {
    lines.push(
      `Stopped task ${task.taskId}: ${task.stoppedReason ?? '(no reason)'}; exit codes ${task.exitCodes}`,
    )
    if (task.logLines.length > 0) {
      lines.push(`  Last log lines of task ${task.taskId}:`)
      for (const line of task.logLines) lines.push(`    ${line}`)
    }
  }
  return lines.join('\n')
}
