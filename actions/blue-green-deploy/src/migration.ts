/**
 * The one-off task before the deploy (database migrations): runs the new
 * revision with a command override in the service's network, waits until
 * it stops and requires exit code 0 from the named container.
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import {
  DescribeTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ECSClient,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs'
import type { Sleep } from '../../../common/clock.js'
import { waitFor, type Deadline } from '../../../common/deadline.js'
import { errorMessage } from '../../../common/errors.js'
import type { Logger } from '../../../common/log.js'
import { describeTask, taskId, taskLogLines } from './diagnostics.js'

export interface MigrationDeps {
  ecs: ECSClient
  logs: CloudWatchLogsClient
  logger: Logger
  sleep?: Sleep
  signal?: AbortSignal
  pollIntervalMs: number
}

export interface MigrationResult {
  taskArn: string
  exitCode: number
  durationMs: number
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly logLines: string[],
  ) {
    super(
      logLines.length === 0
        ? message
        : `${message}\nLast log lines:\n${logLines.map((line) => `  ${line}`).join('\n')}`,
    )
    this.name = 'MigrationError'
  }
}

export async function runMigration(
  opts: {
    cluster: string
    taskDefinitionArn: string
    containerName: string
    command: string[]
    /** The service whose network and launch type the task uses. */
    service: Service
  },
  deps: MigrationDeps,
  deadline: Deadline,
): Promise<MigrationResult> {
  const started = deadline.clock.now()
  const { service } = opts
  deps.logger.info(
    `Running the one-off task ${JSON.stringify(opts.command)} from ${opts.taskDefinitionArn}`,
  )
  const output = await deps.ecs.send(
    new RunTaskCommand({
      cluster: opts.cluster,
      taskDefinition: opts.taskDefinitionArn,
      count: 1,
      startedBy: 'blue-green-deploy',
      ...(service.launchType === undefined
        ? {}
        : { launchType: service.launchType }),
      ...(service.networkConfiguration === undefined
        ? {}
        : { networkConfiguration: service.networkConfiguration }),
      overrides: {
        containerOverrides: [
          { name: opts.containerName, command: opts.command },
        ],
      },
    }),
  )
  const arn = output.tasks?.[0]?.taskArn
  if (arn === undefined) {
    const reason = output.failures?.[0]?.reason ?? 'no reason given'
    throw new MigrationError(`RunTask started no task: ${reason}`, [])
  }
  deps.logger.info(`One-off task ${taskId(arn)} started`)

  let latest: Task | undefined
  let stopped: Task
  try {
    stopped = await waitFor({
      what: `one-off task ${taskId(arn)} to stop`,
      deadline,
      intervalMs: deps.pollIntervalMs,
      logger: deps.logger,
      ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
      describe: () => latest?.lastStatus ?? 'not described yet',
      check: async () => {
        latest = (
          await deps.ecs.send(
            new DescribeTasksCommand({ cluster: opts.cluster, tasks: [arn] }),
          )
        ).tasks?.[0]
        return latest?.lastStatus === 'STOPPED' ? latest : undefined
      },
    })
  } catch (error) {
    await deps.ecs
      .send(
        new StopTaskCommand({
          cluster: opts.cluster,
          task: arn,
          reason:
            'blue-green-deploy: the one-off task ran out of time or was cancelled',
        }),
      )
      .catch((stopError: unknown) =>
        deps.logger.warning(
          `Stopping one-off task ${taskId(arn)} failed: ${errorMessage(stopError)}`,
        ),
      )
    if ((error as Error).name === 'DeadlineError') {
      const lines = latest ? await taskLogLines(deps, latest) : []
      throw new MigrationError(
        `The one-off task ${taskId(arn)} did not stop in time and was stopped: ${errorMessage(error)}`,
        lines,
      )
    }
    throw error
  }

  const container = stopped.containers?.find(
    (candidate) => candidate.name === opts.containerName,
  )
  const exitCode = container?.exitCode
  const details = describeTask(stopped)
  if (exitCode !== 0) {
    const lines = await taskLogLines(deps, stopped)
    throw new MigrationError(
      `The one-off task ${details.taskId} ended with exit code ${exitCode ?? 'none'} (${details.stoppedReason ?? 'no reason given'}); the deploy stops before any service changes`,
      lines,
    )
  }
  const durationMs = deadline.clock.now() - started
  deps.logger.info(
    `One-off task ${details.taskId} exited with code 0 after ${Math.round(durationMs / 100) / 10}s`,
  )
  return { taskArn: arn, exitCode, durationMs }
}
