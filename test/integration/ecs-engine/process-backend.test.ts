import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs'
import {
  CreateClusterCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  UpdateServiceCommand,
  type ContainerDefinition,
  type Service,
  type Task,
  type TaskOverride,
} from '@aws-sdk/client-ecs'
import {
  DescribeTargetHealthCommand,
  ModifyTargetGroupCommand,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import {
  isAlive,
  runTool,
  spawnService,
  type ToolResult,
} from '../../../local-stack/processes.js'
import { startRouter } from '../../../local-stack/router.js'
import {
  createBlueGreenStack,
  type BlueGreenStack,
} from '../../helpers/blue-green-stack.js'
import {
  listTaskProcesses,
  resetEngineConfig,
  setConvergeSeconds,
  useProcessBackend,
} from '../../helpers/ecs-engine.js'
import { awsClient, uniqueName } from '../../helpers/fixtures.js'
import {
  baseImage,
  motoEndpoint,
  registryAddress,
  stackEnv,
} from '../../helpers/stack.js'

// The task image: serves / and /healthz on HOST:PORT (HEALTHZ_STATUS sets
// the health check status), or runs one-off commands.
const SERVER_JS = `
const http = require('node:http')
const mode = process.argv[2] || 'serve'
if (mode === 'exit') {
  console.log('one-off task exiting with ' + process.argv[3])
  process.exit(Number(process.argv[3]))
}
if (mode === 'print-secret') {
  const value = process.env.DB_PASSWORD || ''
  console.log('DB_PASSWORD has ' + value.length + ' characters')
  process.exit(value ? 0 : 3)
}
const host = process.env.HOST
const port = Number(process.env.PORT)
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    const status = Number(process.env.HEALTHZ_STATUS || 200)
    res.writeHead(status)
    res.end(status === 200 ? 'ok' : 'failing')
    return
  }
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify({
    version: process.env.APP_VERSION,
    nodeEnv: process.env.NODE_ENV,
    greeting: process.env.APP_GREETING,
    port,
    pid: process.pid,
    cwd: process.cwd(),
  }))
})
server.listen(port, host, () => console.log('listening on ' + host + ':' + port))
process.on('SIGTERM', () => {
  console.log('received SIGTERM')
  server.close(() => process.exit(0))
  server.closeAllConnections()
})
`

const DOCKERFILE = `
ARG BASE_IMAGE
FROM \${BASE_IMAGE}
WORKDIR /srv/app
COPY server.js ./server.js
ENV APP_VERSION=image NODE_ENV=production
CMD ["node", "server.js"]
`

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
const REGION = 'us-east-1'
const ACCOUNT = '123456789012'

interface ServedBody {
  version: string
  nodeEnv: string
  greeting: string
  port: number
  pid: number
  cwd: string
}

function explain(result: ToolResult): string {
  return `exit code ${result.exitCode}\n${result.stdout}\n${result.stderr}`
}

async function docker(args: string[], cwd?: string): Promise<ToolResult> {
  return runTool('docker', args, { env: stackEnv(), cwd, timeoutMs: 240_000 })
}

async function waitFor<T>(
  description: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${description}`)
    await sleep(100)
  }
}

/** Builds and pushes the task image. Returns its repository, tagged name and manifest digest. */
async function buildImage(
  context: string,
): Promise<{ repository: string; tagged: string; digest: string }> {
  writeFileSync(join(context, 'Dockerfile'), DOCKERFILE)
  writeFileSync(join(context, 'server.js'), SERVER_JS)
  const repository = `kit-engine-test/${uniqueName('app')}`
  const tagged = `${registryAddress()}/${repository}:v1`
  const build = await docker(
    ['build', '--build-arg', `BASE_IMAGE=${baseImage()}`, '-t', tagged, '.'],
    context,
  )
  if (build.exitCode !== 0) throw new Error(`build failed: ${explain(build)}`)
  const push = await docker(['push', tagged])
  if (push.exitCode !== 0) throw new Error(`push failed: ${explain(push)}`)
  await docker(['rmi', '--force', tagged])
  const response = await fetch(
    `http://${registryAddress()}/v2/${repository}/manifests/v1`,
    { method: 'HEAD', headers: { Accept: DOCKER_MANIFEST } },
  )
  const digest = response.headers.get('docker-content-digest')
  if (digest === null) throw new Error('the registry returned no digest')
  return { repository, tagged, digest }
}

/**
 * Creates a secret through moto's Secrets Manager JSON API. The kit has no
 * Secrets Manager client, and moto routes by the service in the
 * Authorization header without checking the signature.
 */
async function createSecret(name: string, value: string): Promise<string> {
  const response = await fetch(`${motoEndpoint()}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.CreateSecret',
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${REGION}/secretsmanager/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({ Name: name, SecretString: value }),
  })
  const body = (await response.json()) as { ARN?: string }
  if (!response.ok || body.ARN === undefined) {
    throw new Error(`CreateSecret failed: HTTP ${response.status}`)
  }
  return body.ARN
}

let work: string
let image: { repository: string; tagged: string; digest: string }
let ecrImage: string

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kit-process-backend-'))
  const context = join(work, 'context')
  mkdirSync(context)
  image = await buildImage(context)
  ecrImage = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${image.repository}@${image.digest}`
}, 300_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('process task backend', () => {
  let stack: BlueGreenStack
  let logs: CloudWatchLogsClient
  let logGroup: string
  let goodRevision: string

  beforeAll(async () => {
    stack = await createBlueGreenStack({
      weightsNow: { blue: 100, green: 0 },
      blueDesiredCount: 0,
      greenDesiredCount: 0,
    })
    await stack.elbv2.send(
      new ModifyTargetGroupCommand({
        TargetGroupArn: stack.state.blue.target_group_arn,
        HealthCheckPath: '/healthz',
        HealthCheckIntervalSeconds: 5,
        HealthCheckTimeoutSeconds: 2,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
        Matcher: { HttpCode: '200-299' },
      }),
    )
    logs = awsClient(CloudWatchLogsClient)
    logGroup = `/ecs/${uniqueName('process')}`
    await logs.send(new CreateLogGroupCommand({ logGroupName: logGroup }))
    await setConvergeSeconds(0.4)
    await useProcessBackend({
      environment: { APP_GREETING: 'from-config' },
      health_interval_seconds: 0.2,
      max_stop_timeout_seconds: 3,
      work_directory: join(work, 'tasks'),
    })
    goodRevision = await registerRevision({
      environment: [{ name: 'APP_VERSION', value: 'v1' }],
    })
  }, 120_000)

  afterAll(async () => {
    await resetEngineConfig()
    stack?.destroy()
    logs?.destroy()
  })

  async function registerRevision(
    container: Partial<ContainerDefinition> = {},
    networkMode?: 'awsvpc',
  ): Promise<string> {
    const output = await stack.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: uniqueName('proc'),
        networkMode,
        containerDefinitions: [
          {
            name: 'api',
            image: ecrImage,
            memory: 256,
            stopTimeout: 10,
            portMappings: [{ containerPort: 3000 }],
            logConfiguration: {
              logDriver: 'awslogs',
              options: {
                'awslogs-group': logGroup,
                'awslogs-region': REGION,
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

  async function describeService(): Promise<Service> {
    const output = await stack.ecs.send(
      new DescribeServicesCommand({
        cluster: stack.state.cluster,
        services: [stack.state.blue.service],
      }),
    )
    const service = output.services?.[0]
    if (service === undefined) throw new Error('no blue service')
    return service
  }

  async function waitForSteady(desired: number): Promise<Service> {
    return waitFor(`blue steady with ${desired} tasks`, async () => {
      const service = await describeService()
      const deployments = service.deployments ?? []
      const steady =
        deployments.length === 1 &&
        deployments[0]?.rolloutState === 'COMPLETED' &&
        service.runningCount === desired
      return steady ? service : undefined
    })
  }

  async function targets(): Promise<TargetHealthDescription[]> {
    const output = await stack.elbv2.send(
      new DescribeTargetHealthCommand({
        TargetGroupArn: stack.state.blue.target_group_arn,
      }),
    )
    return output.TargetHealthDescriptions ?? []
  }

  async function logLines(taskArn: string): Promise<string[]> {
    const taskId = taskArn.split('/').pop() ?? ''
    const events = await logs.send(
      new GetLogEventsCommand({
        logGroupName: logGroup,
        logStreamName: `api/api/${taskId}`,
      }),
    )
    return (events.events ?? []).map((event) => event.message ?? '')
  }

  async function runToStop(
    revision: string,
    overrides?: TaskOverride,
    networkMode?: 'awsvpc',
  ): Promise<Task> {
    const started = await stack.ecs.send(
      new RunTaskCommand({
        cluster: stack.state.cluster,
        taskDefinition: revision,
        overrides,
        networkConfiguration:
          networkMode === 'awsvpc'
            ? { awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d'] } }
            : undefined,
        startedBy: 'process-test',
      }),
    )
    const arn = started.tasks?.[0]?.taskArn ?? ''
    return waitFor(`task ${arn} to stop`, async () => {
      const described = await stack.ecs.send(
        new DescribeTasksCommand({
          cluster: stack.state.cluster,
          tasks: [arn],
        }),
      )
      const task = described.tasks?.[0]
      return task?.lastStatus === 'STOPPED' ? task : undefined
    })
  }

  it('service runs real processes', async () => {
    await stack.ecs.send(
      new UpdateServiceCommand({
        cluster: stack.state.cluster,
        service: stack.state.blue.service,
        taskDefinition: goodRevision,
        desiredCount: 2,
      }),
    )
    await waitForSteady(2)
    const registered = await targets()
    expect(registered).toHaveLength(2)
    const ports = new Set<number>()
    for (const target of registered) {
      expect(target.TargetHealth?.State).toBe('healthy')
      const id = target.Target?.Id ?? ''
      const port = target.Target?.Port ?? 0
      expect(id).toMatch(/^127\.77\.\d+\.\d+$/)
      ports.add(port)
      const response = await fetch(`http://${id}:${port}/`)
      expect(response.status).toBe(200)
      const body = (await response.json()) as ServedBody
      expect(body.version).toBe('v1')
      expect(body.nodeEnv).toBe('production')
      expect(body.greeting).toBe('from-config')
      expect(body.port).toBe(port)
      expect(body.cwd).toMatch(/\/rootfs\/srv\/app$/)
      expect(isAlive(body.pid)).toBe(true)
    }
    expect(ports.size).toBe(2)

    const running = (await listTaskProcesses()).filter(
      (process) => process.status === 'RUNNING',
    )
    expect(running).toHaveLength(2)
  })

  it('router reaches the service processes', async () => {
    const router = await startRouter({
      endpoint: motoEndpoint(),
      region: REGION,
      listenerArn: stack.state.listener_arn,
    })
    try {
      const pids = new Set<number>()
      for (let i = 0; i < 10; i += 1) {
        const response = await fetch(`${router.url}/`)
        expect(response.status).toBe(200)
        const body = (await response.json()) as ServedBody
        expect(body.version).toBe('v1')
        pids.add(body.pid)
      }
      // Round-robin over the two healthy targets of the blue group.
      expect(pids.size).toBe(2)
      expect(router.stats().byTargetGroup).toEqual({
        [stack.state.blue.target_group_arn]: 10,
      })
    } finally {
      await router.stop()
    }
  })

  it('task output reaches CloudWatch Logs', async () => {
    const listed = await stack.ecs.send(
      new ListTasksCommand({
        cluster: stack.state.cluster,
        serviceName: stack.state.blue.service,
      }),
    )
    const taskArn = listed.taskArns?.[0] ?? ''
    const lines = await waitFor('the listening line', async () => {
      const found = await logLines(taskArn)
      return found.some((line) => line.startsWith('listening on 127.77.'))
        ? found
        : undefined
    })
    // The engine's own line comes when it next observes the task running,
    // so it may follow the first lines of the process.
    expect(lines).toContainEqual(
      expect.stringMatching(/^container api started from /),
    )
  })

  it('failing health check rolls back', async () => {
    const failing = await registerRevision({
      environment: [
        { name: 'APP_VERSION', value: 'v2' },
        { name: 'HEALTHZ_STATUS', value: '500' },
      ],
    })
    await stack.ecs.send(
      new UpdateServiceCommand({
        cluster: stack.state.cluster,
        service: stack.state.blue.service,
        taskDefinition: failing,
        deploymentConfiguration: {
          deploymentCircuitBreaker: { enable: true, rollback: true },
          maximumPercent: 200,
          minimumHealthyPercent: 100,
        },
      }),
    )
    let sawUnhealthy = false
    const failed = await waitFor(
      'the failing deployment',
      async () => {
        const states = (await targets()).map((t) => t.TargetHealth?.State)
        sawUnhealthy ||= states.includes('unhealthy')
        const service = await describeService()
        return service.deployments?.some(
          (d) => d.rolloutState === 'FAILED' && d.taskDefinition === failing,
        )
          ? service
          : undefined
      },
      60_000,
    )
    expect(sawUnhealthy).toBe(true)
    expect(failed.deployments?.[0]?.taskDefinition).toBe(goodRevision)
    const failedDeployment = failed.deployments?.find(
      (d) => d.taskDefinition === failing,
    )
    expect(failedDeployment?.failedTasks).toBeGreaterThanOrEqual(3)

    const stopped = await stack.ecs.send(
      new ListTasksCommand({
        cluster: stack.state.cluster,
        serviceName: stack.state.blue.service,
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
    const failedTask = tasks.find(
      (task) =>
        task.taskDefinitionArn === failing && task.lastStatus === 'STOPPED',
    )
    expect(failedTask?.stoppedReason).toMatch(/failed ELB health checks/)
    const lines = await logLines(failedTask?.taskArn ?? '')
    expect(lines).toContainEqual(
      expect.stringMatching(/health checks failed 2 times .*HTTP 500/),
    )
    expect(lines).toContain('target is unhealthy; stopping the task')
    expect(lines).toContainEqual('received SIGTERM')

    await waitForSteady(2)
    for (const target of await targets()) {
      const response = await fetch(
        `http://${target.Target?.Id}:${target.Target?.Port}/`,
      )
      expect(((await response.json()) as ServedBody).version).toBe('v1')
    }
    const failedArns = new Set(
      tasks
        .filter((t) => t.taskDefinitionArn === failing)
        .map((t) => t.taskArn),
    )
    for (const process of await listTaskProcesses()) {
      if (!failedArns.has(process.task_arn)) continue
      expect(process.status).toBe('EXITED')
      expect(isAlive(process.pid ?? 0)).toBe(false)
    }
  })

  it('rolling update through the router', async () => {
    // Old tasks get SIGTERM 1 s after their targets start draining, longer
    // than the router's 250 ms between reads of target health.
    await useProcessBackend({
      environment: { APP_GREETING: 'from-config' },
      health_interval_seconds: 0.2,
      max_stop_timeout_seconds: 3,
      drain_seconds: 1,
      work_directory: join(work, 'tasks'),
    })
    const next = await registerRevision({
      environment: [{ name: 'APP_VERSION', value: 'v2' }],
    })
    const router = await startRouter({
      endpoint: motoEndpoint(),
      region: REGION,
      listenerArn: stack.state.listener_arn,
    })
    const versions: Record<string, number> = {}
    const failures: string[] = []
    let running = true
    const load = async () => {
      while (running) {
        try {
          const response = await fetch(`${router.url}/`)
          if (response.status !== 200) {
            failures.push(`HTTP ${response.status}: ${await response.text()}`)
            continue
          }
          const body = (await response.json()) as ServedBody
          versions[body.version] = (versions[body.version] ?? 0) + 1
        } catch (error) {
          failures.push(String(error))
        }
      }
    }
    const clients = [load(), load(), load()]
    try {
      await stack.ecs.send(
        new UpdateServiceCommand({
          cluster: stack.state.cluster,
          service: stack.state.blue.service,
          taskDefinition: next,
        }),
      )
      await waitForSteady(2)
      const served = versions.v2 ?? 0
      await waitFor('requests served by v2', async () =>
        (versions.v2 ?? 0) > served + 20 ? true : undefined,
      )
    } finally {
      running = false
      await Promise.all(clients)
      await router.stop()
    }
    expect(failures).toEqual([])
    expect(versions.v1).toBeGreaterThan(0)
    expect(versions.v2).toBeGreaterThan(0)
    expect(router.stats().targetErrors).toBe(0)
  })

  it('stopping the service kills its processes', async () => {
    const before = (await listTaskProcesses()).filter(
      (process) => process.status === 'RUNNING',
    )
    expect(before).toHaveLength(2)
    const endpoints = (await targets()).map(
      (target) => `http://${target.Target?.Id}:${target.Target?.Port}/`,
    )
    await stack.ecs.send(
      new UpdateServiceCommand({
        cluster: stack.state.cluster,
        service: stack.state.blue.service,
        desiredCount: 0,
      }),
    )
    // A task is STOPPED only once its process has exited.
    await waitFor('the blue tasks to stop', async () => {
      const described = await stack.ecs.send(
        new DescribeTasksCommand({
          cluster: stack.state.cluster,
          tasks: before.map((process) => process.task_arn),
        }),
      )
      const tasks = described.tasks ?? []
      return tasks.length === before.length &&
        tasks.every((task) => task.lastStatus === 'STOPPED')
        ? true
        : undefined
    })
    for (const process of before) {
      expect(isAlive(process.pid ?? 0)).toBe(false)
    }
    for (const url of endpoints) {
      await expect(fetch(url)).rejects.toThrow()
    }
    expect(await targets()).toEqual([])
  })

  it('RunTask returns the real exit code', async () => {
    const revision = await registerRevision({}, 'awsvpc')
    const task = await runToStop(
      revision,
      {
        containerOverrides: [
          { name: 'api', command: ['node', 'server.js', 'exit', '7'] },
        ],
      },
      'awsvpc',
    )
    expect(task.containers?.[0]?.exitCode).toBe(7)
    const address = task.attachments?.[0]?.details?.find(
      (detail) => detail.name === 'privateIPv4Address',
    )?.value
    expect(address).toMatch(/^127\.77\.\d+\.\d+$/)
    expect(task.stoppedReason).toBe('Essential container in task exited')
    expect(task.stopCode).toBe('EssentialContainerExited')
    const lines = await logLines(task.taskArn ?? '')
    expect(lines).toContain('one-off task exiting with 7')
    expect(lines).toContain('process exited with code 7')
  })

  it('runs an image by tag with a resolved secret', async () => {
    const secretArn = await createSecret(
      uniqueName('db'),
      JSON.stringify({ username: 'app', password: 'p'.repeat(21) }),
    )
    const revision = await registerRevision({
      image: image.tagged,
      secrets: [{ name: 'DB_PASSWORD', valueFrom: `${secretArn}:password::` }],
    })
    const task = await runToStop(revision, {
      containerOverrides: [
        { name: 'api', command: ['node', 'server.js', 'print-secret'] },
      ],
    })
    expect(task.containers?.[0]?.exitCode).toBe(0)
    expect(await logLines(task.taskArn ?? '')).toContain(
      'DB_PASSWORD has 21 characters',
    )
  })

  it('unresolvable secret stops the task', async () => {
    const missing = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:missing-AbCdEf`
    const revision = await registerRevision({
      secrets: [{ name: 'DB_PASSWORD', valueFrom: missing }],
    })
    const task = await runToStop(revision)
    expect(task.stoppedReason).toMatch(
      /^ResourceInitializationError: unable to pull secrets/,
    )
    expect(task.stoppedReason).toContain(missing)
    expect(task.stopCode).toBe('TaskFailedToStart')
    expect(task.containers?.[0]?.exitCode).toBeUndefined()
  })

  it('image outside the local registry fails to pull', async () => {
    const revision = await registerRevision({
      image: 'public.example/library/node:20',
    })
    const task = await runToStop(revision)
    expect(task.stoppedReason).toMatch(/^CannotPullContainerError: image/)
    expect(task.stopCode).toBe('TaskFailedToStart')
  })

  it('rejects invalid process settings', async () => {
    const post = (body: unknown) =>
      fetch(`${motoEndpoint()}/moto-api/kit/ecs-engine/config`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const relative = await post({
      task_backend: 'process',
      process: { work_directory: 'relative/dir' },
    })
    expect(relative.status).toBe(400)
    expect(await relative.text()).toMatch(/work_directory.*absolute path/)
    const unknown = await post({ task_backend: 'docker' })
    expect(unknown.status).toBe(400)
    expect(await unknown.text()).toMatch(/task_backend='docker' is unknown/)
    const current = await fetch(
      `${motoEndpoint()}/moto-api/kit/ecs-engine/config`,
    )
    const settings = (await current.json()) as Record<string, unknown>
    expect(settings.task_backend).toBe('process')
    expect(settings.process).toEqual({
      environment: ['APP_GREETING'],
      health_interval_seconds: 0.2,
      max_stop_timeout_seconds: 3,
      drain_seconds: 1,
      work_directory: join(work, 'tasks'),
    })
  })
})

describe('process task backend lifetime', () => {
  // Each case starts its own moto server, so it can end it.
  async function startMoto(stateDir: string) {
    const portFile = join(stateDir, 'moto.port')
    const launcher = join(process.cwd(), 'local-stack', 'moto', 'launcher.py')
    const child = await spawnService({
      command: process.env.KIT_PYTHON ?? 'python3',
      args: [launcher, '--port-file', portFile],
      env: { ...process.env, KIT_LOCAL_REGISTRY: registryAddress() },
      logFile: join(stateDir, 'moto.log'),
      bindToParent: true,
    })
    const port = await waitFor('the moto port file', async () =>
      existsSync(portFile) ? readFileSync(portFile, 'utf8').trim() : undefined,
    )
    return { pid: child.pid, endpoint: `http://127.0.0.1:${port}` }
  }

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`no process survives moto's ${signal}`, async () => {
      const stateDir = mkdtempSync(join(work, 'moto-'))
      const moto = await startMoto(stateDir)
      const ecs = new ECSClient({
        endpoint: moto.endpoint,
        region: REGION,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      })
      try {
        await useProcessBackend(
          { work_directory: join(stateDir, 'tasks') },
          moto.endpoint,
        )
        await ecs.send(new CreateClusterCommand({ clusterName: 'lifetime' }))
        const registered = await ecs.send(
          new RegisterTaskDefinitionCommand({
            family: 'lifetime',
            containerDefinitions: [
              { name: 'api', image: ecrImage, memory: 128 },
            ],
          }),
        )
        await ecs.send(
          new RunTaskCommand({
            cluster: 'lifetime',
            taskDefinition: registered.taskDefinition?.taskDefinitionArn,
            count: 2,
          }),
        )
        const running = await waitFor('two running processes', async () => {
          const found = (await listTaskProcesses(moto.endpoint)).filter(
            (process) => process.status === 'RUNNING',
          )
          return found.length === 2 ? found : undefined
        })
        for (const task of running) expect(isAlive(task.pid ?? 0)).toBe(true)
        process.kill(moto.pid, signal)
        await waitFor(
          'the task processes to end',
          async () =>
            running.every((task) => !isAlive(task.pid ?? 0)) ? true : undefined,
          15_000,
        )
        await waitFor('moto to exit', async () =>
          isAlive(moto.pid) ? undefined : true,
        )
      } finally {
        ecs.destroy()
        if (isAlive(moto.pid)) process.kill(moto.pid, 'SIGKILL')
      }
    })
  }
})
