// Runs blue-green-deploy in process against moto with the ECS engine. The
// fixture is the pair it deploys to: blue live with two tasks of a revision
// that logs to CloudWatch Logs, and green idle at zero tasks. Both services
// have the circuit breaker with rollback, and a lock bucket is created.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
} from '@aws-sdk/client-cloudwatch-logs'
import {
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type Service,
} from '@aws-sdk/client-ecs'
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2'
import { realSleep, systemClock } from '../../common/clock.js'
import type { RecordFragment } from '../../common/contracts/records.js'
import { InputReader } from '../../common/inputs.js'
import { memoryLogger } from '../../common/log.js'
import { OutputWriter, parseCommandFile } from '../../common/outputs.js'
import {
  runActionWith,
  type ActionContext,
  type ActionOutcome,
} from '../../common/run-action.js'
import { Cancellation } from '../../common/signals.js'
import { SummaryBuilder } from '../../common/summary.js'
import {
  main,
  type MainDeps,
} from '../../actions/blue-green-deploy/src/main.js'
import { defaultsSource } from './action-metadata.js'
import {
  createBlueGreenStack,
  type BlueGreenStack,
} from './blue-green-stack.js'
import { awsClient, createBucket, uniqueName } from './fixtures.js'
import { stackEnv } from './stack.js'

export const DIGEST = `sha256:${'c3'.repeat(32)}`
export const IMAGE = `127.0.0.1:5000/shop/api@${DIGEST}`

function loadBalancerOf(listenerArn: string): string {
  return listenerArn
    .replace(':listener/', ':loadbalancer/')
    .replace(/\/[0-9a-f]+$/, '')
}

export interface DeployFixture {
  stack: BlueGreenStack
  /** The `service` input: blue and green are `<service>-blue` and `<service>-green`. */
  service: string
  family: string
  lockBucket: string
  logGroup: string
  loadBalancerArn: string
  /** Inputs that make a deploy to this pair valid. */
  inputs: Record<string, string>
  destroy(): void
}

async function describe(
  stack: BlueGreenStack,
  service: string,
): Promise<Service> {
  const output = await stack.ecs.send(
    new DescribeServicesCommand({
      cluster: stack.state.cluster,
      services: [service],
    }),
  )
  const found = output.services?.[0]
  if (found === undefined) throw new Error(`no service ${service}`)
  return found
}

/** Waits until the service has one COMPLETED deployment running its desired count. */
export async function waitForSteady(
  stack: BlueGreenStack,
  service: string,
  timeoutMs = 20_000,
): Promise<Service> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const found = await describe(stack, service)
    const deployments = found.deployments ?? []
    if (
      deployments.length === 1 &&
      deployments[0]?.rolloutState === 'COMPLETED' &&
      found.runningCount === found.desiredCount
    ) {
      return found
    }
    if (Date.now() > until) {
      throw new Error(
        `${service} did not become steady: ${JSON.stringify(deployments)}`,
      )
    }
    await sleep(100)
  }
}

export async function createDeployFixture(
  opts: { rule?: boolean } = {},
): Promise<DeployFixture> {
  const stack = await createBlueGreenStack({
    weightsNow: { blue: 100, green: 0 },
    blueDesiredCount: 2,
    greenDesiredCount: 0,
    rule: opts.rule === true,
  })
  const service = stack.state.blue.service.replace(/-blue$/, '')
  const logs = awsClient(CloudWatchLogsClient)
  const logGroup = `/ecs/${uniqueName('bg')}`
  try {
    await logs.send(new CreateLogGroupCommand({ logGroupName: logGroup }))
  } finally {
    logs.destroy()
  }
  const registered = await stack.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: service,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'api',
          image: `127.0.0.1:5000/shop/api@sha256:${'0'.repeat(64)}`,
          essential: true,
          portMappings: [{ containerPort: 3000 }],
          environment: [{ name: 'NODE_ENV', value: 'production' }],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': logGroup,
              'awslogs-region': 'us-east-1',
              'awslogs-stream-prefix': 'api',
            },
          },
        },
      ],
    }),
  )
  const revision = registered.taskDefinition?.taskDefinitionArn
  const deploymentConfiguration = {
    deploymentCircuitBreaker: { enable: true, rollback: true },
    maximumPercent: 200,
    minimumHealthyPercent: 100,
  }
  const loadBalancer = (
    await stack.elbv2.send(
      new DescribeLoadBalancersCommand({
        LoadBalancerArns: [loadBalancerOf(stack.state.listener_arn)],
      }),
    )
  ).LoadBalancers?.[0]
  const subnets = (loadBalancer?.AvailabilityZones ?? [])
    .map((zone) => zone.SubnetId)
    .filter((id): id is string => id !== undefined)
  for (const name of [stack.state.blue.service, stack.state.green.service]) {
    await stack.ecs.send(
      new UpdateServiceCommand({
        cluster: stack.state.cluster,
        service: name,
        taskDefinition: revision,
        deploymentConfiguration,
        networkConfiguration: {
          awsvpcConfiguration: { subnets, assignPublicIp: 'DISABLED' },
        },
      }),
    )
  }
  await waitForSteady(stack, stack.state.blue.service)
  await waitForSteady(stack, stack.state.green.service)
  const lockBucket = await createBucket()
  const loadBalancerArn = loadBalancerOf(stack.state.listener_arn)
  return {
    stack,
    service,
    family: service,
    lockBucket,
    logGroup,
    loadBalancerArn,
    inputs: {
      cluster: stack.state.cluster,
      service,
      ...(stack.state.rule_arn === undefined
        ? { 'listener-arn': stack.state.listener_arn }
        : { 'listener-rule-arn': stack.state.rule_arn }),
      'container-name': 'api',
      image: IMAGE,
      'lock-bucket': lockBucket,
      'lock-timeout': '0s',
      'poll-interval': '1s',
      'final-bake-time': '1s',
      'canary-bake-time': '2s',
      'linear-bake-time': '1s',
      'deploy-timeout': '40s',
      'migration-timeout': '30s',
      'rollback-timeout': '30s',
      timeout: '90s',
      'run-id': 'bg-test',
    },
    destroy: () => stack.destroy(),
  }
}

export interface DeployRun {
  outcome: ActionOutcome
  failures: string[]
  outputs: Record<string, string>
  record?: RecordFragment
  lines: string[]
  state: Map<string, string>
  summary: string
  deployment?: Record<string, unknown>
}

/** Runs the main step in this process with action.yml defaults plus `overrides`. */
export async function runDeployAction(
  overrides: Record<string, string | undefined>,
  deps: MainDeps = {},
  files: Record<string, string> = {},
): Promise<DeployRun> {
  const folder = mkdtempSync(path.join(tmpdir(), 'kit-bg-'))
  try {
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(path.join(folder, name), text)
    }
    const outputFile = path.join(folder, 'output')
    const summaryFile = path.join(folder, 'summary.md')
    const { source } = defaultsSource('blue-green-deploy', overrides)
    const logger = memoryLogger()
    const state = new Map<string, string>()
    const env = {
      ...stackEnv(),
      GITHUB_WORKSPACE: folder,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_RUN_ID: '',
    }
    const fakeProcess = {
      on: () => undefined,
      off: () => undefined,
      exit: () => undefined,
    }
    const ctx: ActionContext = {
      inputs: new InputReader(source),
      outputs: new OutputWriter({ file: outputFile, logger }),
      summary: new SummaryBuilder({ logger }),
      logger,
      cancellation: new Cancellation({
        process: fakeProcess,
        logger,
        exitAfterRestore: false,
      }),
      clock: systemClock,
      sleep: realSleep,
      env,
    }
    const failures: string[] = []
    const previousSummary = process.env.GITHUB_STEP_SUMMARY
    process.env.GITHUB_STEP_SUMMARY = summaryFile
    let outcome: ActionOutcome
    try {
      outcome = await runActionWith(
        (context) =>
          main(context, {
            saveState: (name, value) => state.set(name, value),
            ...deps,
          }),
        ctx,
        {
          setFailed: (message) => failures.push(message),
          setExitCode: () => undefined,
          exit: () => undefined,
        },
      )
    } finally {
      if (previousSummary === undefined) delete process.env.GITHUB_STEP_SUMMARY
      else process.env.GITHUB_STEP_SUMMARY = previousSummary
    }
    const outputs = parseCommandFile(readFileSync(outputFile, 'utf8'))
    let summary = ''
    try {
      summary = readFileSync(summaryFile, 'utf8')
    } catch {
      summary = ''
    }
    const run: DeployRun = {
      outcome,
      failures,
      outputs,
      lines: logger.lines,
      state,
      summary,
    }
    if (outputs['record-json']) {
      run.record = JSON.parse(outputs['record-json']) as RecordFragment
    }
    if (outputs['deployment-json']) {
      run.deployment = JSON.parse(outputs['deployment-json']) as Record<
        string,
        unknown
      >
    }
    return run
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}
