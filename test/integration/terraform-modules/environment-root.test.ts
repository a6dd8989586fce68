// The environment root (network, alb, ecs-service, rds-postgres and
// static-site together) applied against moto. Then a release is made
// through the AWS API the way the deploy action makes it: a new task
// definition revision on green, desired counts and listener weights. After
// it, a plan must show no change beyond the listed emulator diffs, and an
// apply must leave the release in place.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type {
  ContainerDefinition,
  RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs'
import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs'
import {
  DescribeListenersCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import type { LifecycleResult } from '../../helpers/terraform-lifecycle.js'
import {
  expectExit,
  lastPlanJson,
  runLifecycle,
  unexplainedChanges,
} from '../../helpers/terraform-lifecycle.js'
import {
  checkBuckets,
  checkDatabases,
  checkDatabaseSubnets,
  checkEnvironmentTags,
  checkIamWildcards,
  checkNames,
  checkOpenIngress,
} from '../../helpers/terraform-policy.js'
import type { ResourceValues } from '../../helpers/terraform-plan.js'
import { plannedResources } from '../../helpers/terraform-plan.js'
import type { TerraformRoot } from '../../helpers/terraform-root.js'
import type { TerraformSuite } from '../../helpers/terraform-suite.js'
import { startTerraformSuite } from '../../helpers/terraform-suite.js'

const ENVIRONMENT = 'env'
const RELEASED_IMAGE = 'public.ecr.aws/docker/library/node:22-alpine-release-2'

let suite: TerraformSuite
let root: TerraformRoot
let lifecycle: LifecycleResult
let elb: ElasticLoadBalancingV2Client

/** What the simulated release set, read back after Terraform ran. */
interface ReleaseState {
  taskDefinitionArn: string
  green: { taskDefinition?: string; desiredCount?: number }
  blue: { desiredCount?: number }
  weights: Record<string, number>
  testWeights: Record<string, number>
}
let released: { taskDefinitionArn: string } | undefined
let releaseAfterApply: ReleaseState | undefined
let stateText = ''
let jwtSecretValue = ''

type Outputs = Record<string, { value: unknown }>

function outputValue<T>(outputs: Outputs, name: string): T {
  const found = outputs[name]
  if (!found) throw new Error(`the environment root has no output ${name}`)
  return found.value as T
}

/** Weights of a listener's forward action by target group name. */
async function listenerWeights(
  listenerArn: string,
): Promise<Record<string, number>> {
  const output = await elb.send(
    new DescribeListenersCommand({ ListenerArns: [listenerArn] }),
  )
  const forward = output.Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig
  const weights: Record<string, number> = {}
  for (const group of forward?.TargetGroups ?? []) {
    const name =
      group.TargetGroupArn?.split(':targetgroup/')[1]?.split('/')[0] ?? '?'
    weights[name.includes('-green-') ? 'green' : 'blue'] = group.Weight ?? 0
  }
  return weights
}

/**
 * Registers a new revision from the first one, with the released image and
 * the same tags, as blue-green-deploy does. Returns the old and new ARNs.
 */
async function registerRelease(
  outputs: Outputs,
): Promise<{ previous: string; next: string }> {
  const container = outputValue<string>(outputs, 'container_name')
  const current = await suite.moto.ecs.send(
    new DescribeTaskDefinitionCommand({
      taskDefinition: outputValue<string>(outputs, 'task_definition_arn'),
      include: ['TAGS'],
    }),
  )
  const definition = current.taskDefinition
  if (!definition?.taskDefinitionArn) {
    throw new Error('the first task definition revision is missing')
  }
  const containers: ContainerDefinition[] = (
    definition.containerDefinitions ?? []
  ).map((c) => (c.name === container ? { ...c, image: RELEASED_IMAGE } : c))

  const input: RegisterTaskDefinitionCommandInput = {
    family: definition.family,
    taskRoleArn: definition.taskRoleArn,
    executionRoleArn: definition.executionRoleArn,
    networkMode: definition.networkMode,
    containerDefinitions: containers,
    volumes: definition.volumes,
    requiresCompatibilities: definition.requiresCompatibilities,
    cpu: definition.cpu,
    memory: definition.memory,
    runtimePlatform: definition.runtimePlatform,
    tags: current.tags,
  }
  const registered = await suite.moto.ecs.send(
    new RegisterTaskDefinitionCommand(input),
  )
  const next = registered.taskDefinition?.taskDefinitionArn
  if (!next) throw new Error('RegisterTaskDefinition returned no ARN')
  return { previous: definition.taskDefinitionArn, next }
}

/** Sets a listener's forward weights on the blue and green target groups. */
async function setWeights(
  listenerArn: string,
  groups: { blue: string; green: string },
  weights: { blue: number; green: number },
): Promise<void> {
  await elb.send(
    new ModifyListenerCommand({
      ListenerArn: listenerArn,
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: groups.blue, Weight: weights.blue },
              { TargetGroupArn: groups.green, Weight: weights.green },
            ],
          },
        },
      ],
    }),
  )
}

/**
 * Releases a new image the way blue-green-deploy does. It starts a new
 * revision on the idle colour (green) and shifts all production traffic
 * there. Then it points the test listener at blue (now idle), scales blue
 * down and deregisters the old revision.
 */
async function releaseThroughApi(): Promise<void> {
  const outputs = await root.output()
  const cluster = outputValue<string>(outputs, 'cluster_name')
  const services = outputValue<{ blue: string; green: string }>(
    outputs,
    'service_names',
  )
  const groups = outputValue<{ blue: string; green: string }>(
    outputs,
    'target_group_arns',
  )
  const revision = await registerRelease(outputs)
  released = { taskDefinitionArn: revision.next }

  await suite.moto.ecs.send(
    new UpdateServiceCommand({
      cluster,
      service: services.green,
      taskDefinition: revision.next,
      desiredCount: 2,
    }),
  )
  await setWeights(
    outputValue<string>(outputs, 'production_listener_arn'),
    groups,
    { blue: 0, green: 100 },
  )
  await setWeights(outputValue<string>(outputs, 'test_listener_arn'), groups, {
    blue: 100,
    green: 0,
  })
  await suite.moto.ecs.send(
    new UpdateServiceCommand({
      cluster,
      service: services.blue,
      desiredCount: 0,
    }),
  )

  // The action's clean-up deregisters revisions beyond the ones it keeps,
  // which in time includes the first one, created by Terraform.
  await suite.moto.ecs.send(
    new DeregisterTaskDefinitionCommand({ taskDefinition: revision.previous }),
  )
}

/** Reads back the release's settings after Terraform applied again. */
async function readRelease(): Promise<void> {
  const outputs = await root.output()
  const cluster = outputValue<string>(outputs, 'cluster_name')
  const services = outputValue<{ blue: string; green: string }>(
    outputs,
    'service_names',
  )
  const described = await suite.moto.ecs.send(
    new DescribeServicesCommand({
      cluster,
      services: [services.blue, services.green],
    }),
  )
  const byName = new Map(
    (described.services ?? []).map((s) => [s.serviceName, s]),
  )
  releaseAfterApply = {
    taskDefinitionArn: released?.taskDefinitionArn ?? '',
    green: {
      taskDefinition: byName.get(services.green)?.taskDefinition,
      desiredCount: byName.get(services.green)?.desiredCount,
    },
    blue: { desiredCount: byName.get(services.blue)?.desiredCount },
    weights: await listenerWeights(
      outputValue<string>(outputs, 'production_listener_arn'),
    ),
    testWeights: await listenerWeights(
      outputValue<string>(outputs, 'test_listener_arn'),
    ),
  }
  stateText = await root.statePull()
  jwtSecretValue = await getSecretValue(
    outputValue<string>(outputs, 'jwt_secret_arn'),
  )
}

/** Reads a secret's value from moto (Secrets Manager's JSON protocol). */
async function getSecretValue(secretId: string): Promise<string> {
  const response = await fetch(suite.endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': 'secretsmanager.GetSecretValue',
      Authorization:
        'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify({ SecretId: secretId }),
  })
  const body = (await response.json()) as { SecretString?: string }
  if (!response.ok)
    throw new Error(`GetSecretValue failed: HTTP ${response.status}`)
  return body.SecretString ?? ''
}

beforeAll(async () => {
  suite = await startTerraformSuite('environment-root')
  elb = new ElasticLoadBalancingV2Client({
    endpoint: suite.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  })
  root = suite.root('terraform-modules/examples/environment', 'environment', {
    project: suite.runId,
    environment: ENVIRONMENT,
    // moto 5.2.1 has no CloudFront Functions API.
    single_page_app: false,
  })
  lifecycle = await runLifecycle(root, {
    stages: [
      {
        name: 'create',
        afterApply: async () => {
          const outputs = await root.output()
          expect(outputValue<string>(outputs, 'site_url')).toMatch(
            /^https:\/\//,
          )
        },
      },
      {
        // A release through the AWS API, then a plan; the teardown apply
        // below is the apply after the release.
        name: 'after-release',
        beforeApply: releaseThroughApi,
        planBeforeApply: true,
        apply: false,
      },
    ],
    teardownVars: { deletion_protection: false, teardown: true },
    afterTeardown: readRelease,
    moto: suite.moto,
  })
  console.log(suite.summary())
}, 1_800_000)

afterAll(() => {
  elb?.destroy()
  suite?.cleanup()
})

function resources(): ResourceValues[] {
  return plannedResources(lastPlanJson(lifecycle))
}

describe('environment root', () => {
  it('passes fmt, init and validate', () => {
    expectExit(lifecycle.fmt, 0, 'terraform fmt -check')
    expectExit(lifecycle.init, 0, 'terraform init')
    expectExit(lifecycle.validate, 0, 'terraform validate')
  })

  it('applies against moto', () => {
    expectExit(lifecycle.stages[0]?.apply, 0, 'first terraform apply')
    expect(lifecycle.stages[0]?.error).toBeUndefined()
  })

  it('plans only emulator diffs after apply', () => {
    expect(unexplainedChanges(lifecycle.stages[0]?.plan)).toEqual([])
  })

  it('plans only emulator diffs after a release', () => {
    const stage = lifecycle.stages[1]
    expect(stage?.error).toBeUndefined()
    expect(released?.taskDefinitionArn).toMatch(/:2$/)
    expect(unexplainedChanges(stage?.planBefore)).toEqual([])
  })

  it('leaves the release in place on apply', () => {
    expectExit(lifecycle.teardown, 0, 'terraform apply after the release')
    expect(lifecycle.afterTeardownError).toBeUndefined()
    const state = releaseAfterApply
    expect(state?.green.taskDefinition).toBe(released?.taskDefinitionArn)
    expect(state?.green.desiredCount).toBe(2)
    expect(state?.blue.desiredCount).toBe(0)
    expect(state?.weights).toEqual({ blue: 0, green: 100 })
    expect(state?.testWeights).toEqual({ blue: 100, green: 0 })
  })

  it('destroys everything after teardown', () => {
    expectExit(
      lifecycle.teardown,
      0,
      'teardown apply (deletion protection off)',
    )
    expectExit(lifecycle.destroy, 0, 'terraform destroy')
  })
})

describe('environment policies', () => {
  it('tags every taggable resource', () => {
    expect(checkEnvironmentTags(resources(), ENVIRONMENT)).toEqual([])
  })

  it('follows the naming convention', () => {
    expect(checkNames(resources(), suite.runId, ENVIRONMENT)).toEqual([])
  })

  it('opens only listener ports to anywhere', () => {
    expect(checkOpenIngress(resources())).toEqual([])
  })

  it('has no wildcard IAM grants', () => {
    expect(checkIamWildcards(resources())).toEqual([])
  })

  it('keeps the site bucket private without ACLs', () => {
    expect(resources().filter((r) => r.type === 'aws_s3_bucket')).toHaveLength(
      1,
    )
    expect(checkBuckets(resources())).toEqual([])
  })

  it('keeps the database private and protected', () => {
    expect(
      resources().filter((r) => r.type === 'aws_db_instance'),
    ).toHaveLength(1)
    expect(checkDatabases(resources())).toEqual([])
    expect(checkDatabaseSubnets(resources())).toEqual([])
  })

  it('reaches the database only from the service', () => {
    const all = resources()
    const db = all.find((r) => r.type === 'aws_db_instance')
    const dbGroups = db?.values.vpc_security_group_ids as string[]
    const service = all.find((r) => r.type === 'aws_ecs_service')
    const serviceGroups = (
      service?.values.network_configuration as { security_groups: string[] }[]
    )[0]?.security_groups
    const ingress = all.filter(
      (r) =>
        r.type === 'aws_vpc_security_group_ingress_rule' &&
        dbGroups.includes(String(r.values.security_group_id)),
    )
    expect(ingress).toHaveLength(1)
    expect(ingress[0]?.values.cidr_ipv4).toBeNull()
    expect(serviceGroups).toContain(
      ingress[0]?.values.referenced_security_group_id,
    )
  })
})

describe('environment secrets', () => {
  function container(): {
    environment: { name: string; value: string }[]
    secrets: { name: string; valueFrom: string }[]
  } {
    const definition = resources().find(
      (r) => r.type === 'aws_ecs_task_definition',
    )
    const containers = JSON.parse(
      String(definition?.values.container_definitions),
    ) as unknown[]
    return containers[0] as ReturnType<typeof container>
  }

  it('passes the database password by reference', () => {
    const db = resources().find((r) => r.type === 'aws_db_instance')
    const secretArn = (
      db?.values.master_user_secret as { secret_arn: string }[]
    )[0]?.secret_arn
    expect(secretArn).toMatch(/^arn:aws:secretsmanager:/)
    expect(container().secrets).toContainEqual({
      name: 'PGPASSWORD',
      valueFrom: `${secretArn}:password::`,
    })
  })

  it('passes the connection as plain values', () => {
    const db = resources().find((r) => r.type === 'aws_db_instance')
    const environment = Object.fromEntries(
      container().environment.map((e) => [e.name, e.value]),
    )
    expect(environment).toEqual(
      expect.objectContaining({
        PGHOST: db?.values.address,
        PGPORT: String(db?.values.port),
        PGDATABASE: db?.values.db_name,
        PGUSER: db?.values.username,
        PORT: '3000',
        NODE_ENV: 'production',
      }),
    )
    expect(
      Object.keys(environment).filter((name) => /PASSWORD|SECRET/.test(name)),
    ).toEqual([])
  })

  it('passes JWT_SECRET by reference', () => {
    const secret = resources().find(
      (r) => r.type === 'aws_secretsmanager_secret',
    )
    expect(container().secrets).toContainEqual({
      name: 'JWT_SECRET',
      valueFrom: secret?.values.arn,
    })
  })

  it('keeps the JWT secret value out of the state', () => {
    const version = resources().find(
      (r) => r.type === 'aws_secretsmanager_secret_version',
    )
    expect(version?.values.secret_string ?? '').toBe('')
    expect(jwtSecretValue).toMatch(/^[A-Za-z0-9]{48}$/)
    expect(stateText.length).toBeGreaterThan(1000)
    expect(stateText).not.toContain(jwtSecretValue)
  })

  it('lets the execution role read exactly those secrets', () => {
    const policy = resources().find(
      (r) =>
        r.type === 'aws_iam_role_policy' &&
        String(r.values.name).endsWith('-execution'),
    )
    const document = JSON.parse(String(policy?.values.policy)) as {
      Statement: { Sid?: string; Resource: string | string[] }[]
    }
    const read = document.Statement.find((s) => s.Sid === 'ReadSecrets')
    const expected = container().secrets.map((s) =>
      s.valueFrom.replace(/:password::$/, ''),
    )
    expect([read?.Resource].flat().sort()).toEqual(
      [...new Set(expected)].sort(),
    )
  })
})
