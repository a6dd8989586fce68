// The examples of the per-environment modules (network, alb, ecs-service,
// rds-postgres, static-site), each applied for real against moto, planned
// again, checked against the policies, and destroyed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { importSelfSignedCertificate } from '../../helpers/acm-certificate.js'
import type {
  LifecycleResult,
  LifecycleStage,
} from '../../helpers/terraform-lifecycle.js'
import {
  expectExit,
  lastPlanJson,
  mapConcurrent,
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
import type { TerraformSuite } from '../../helpers/terraform-suite.js'
import { startTerraformSuite } from '../../helpers/terraform-suite.js'

let suite: TerraformSuite
const results = new Map<string, LifecycleResult>()

interface RootSpec {
  name: string
  dir: string
  /** Environment name of the root: also the tag value the policies expect. */
  environment: string
  vars?: Record<string, unknown>
  stages: () => LifecycleStage[]
  teardownVars?: Record<string, unknown>
}

/** Target group names seen after each alb stage, by stage name. */
const targetGroupNames = new Map<string, string[]>()

function recordTargetGroupNames(stage: string): () => Promise<void> {
  return async () => {
    const outputs = await suite
      .root('terraform-modules/alb/examples/basic', 'alb')
      .output()
    const arns = outputs.target_group_arns?.value as Record<string, string>
    targetGroupNames.set(
      stage,
      Object.values(arns).map(
        (arn) => arn.split(':targetgroup/')[1]?.split('/')[0] ?? '',
      ),
    )
  }
}

// Longest lifecycles first (the database's waits dominate), so the last
// root to start is a short one.
const specs: RootSpec[] = [
  {
    name: 'rds-postgres',
    dir: 'terraform-modules/rds-postgres/examples/basic',
    environment: 'rds',
    stages: () => [{ name: 'apply' }],
    teardownVars: { deletion_protection: false, skip_final_snapshot: true },
  },
  {
    name: 'alb',
    dir: 'terraform-modules/alb/examples/basic',
    environment: 'alb',
    stages: () => [
      {
        // With a certificate the production listener serves HTTPS and the
        // HTTP listener redirects to it.
        name: 'https',
        beforeApply: async () => ({
          certificate_arn: await importSelfSignedCertificate({
            endpoint: suite.endpoint,
            workDir: suite.workDir,
            domain: 'api.example.test',
          }),
        }),
        afterApply: recordTargetGroupNames('https'),
      },
      {
        // A new target port replaces both target groups under new names.
        name: 'new-port',
        vars: { target_port: 3001 },
        afterApply: recordTargetGroupNames('new-port'),
      },
    ],
  },
  {
    name: 'ecs-service',
    dir: 'terraform-modules/ecs-service/examples/basic',
    environment: 'ecs',
    vars: { secret_recovery_window_in_days: 0 },
    stages: () => [{ name: 'apply' }],
  },
  {
    name: 'static-site',
    dir: 'terraform-modules/static-site/examples/basic',
    environment: 'web',
    // moto 5.2.1 has no CloudFront Functions API, so the single-page-app
    // routing is checked by plan only (variable-validation.test.ts).
    vars: {
      api_domain_name: 'api.example.test',
      force_destroy: true,
      single_page_app: false,
    },
    stages: () => [{ name: 'apply' }],
  },
  {
    name: 'network',
    dir: 'terraform-modules/network/examples/basic',
    environment: 'net',
    stages: () => [{ name: 'apply' }],
  },
]

function result(name: string): LifecycleResult {
  const found = results.get(name)
  if (!found) throw new Error(`no lifecycle ran for ${name}`)
  return found
}

function resources(name: string): ResourceValues[] {
  return plannedResources(lastPlanJson(result(name)))
}

function spec(name: string): RootSpec {
  const found = specs.find((s) => s.name === name)
  if (!found) throw new Error(`no root ${name}`)
  return found
}

beforeAll(async () => {
  suite = await startTerraformSuite('environment-modules')
  const limit = Number(process.env.KIT_TERRAFORM_CONCURRENCY ?? '3')
  await mapConcurrent(specs, limit, async (root) => {
    const terraform = suite.root(root.dir, root.name, {
      project: suite.runId,
      environment: root.environment,
      ...root.vars,
    })
    const lifecycle = await runLifecycle(terraform, {
      stages: root.stages(),
      teardownVars: root.teardownVars,
      moto: suite.moto,
    })
    results.set(root.name, lifecycle)
  })
  console.log(suite.summary())
}, 1_800_000)

afterAll(() => {
  suite?.cleanup()
})

describe.each(specs.map((s) => s.name))('%s example', (name) => {
  it('passes fmt, init and validate', () => {
    const lifecycle = result(name)
    expectExit(lifecycle.fmt, 0, `${name}: terraform fmt -check`)
    expectExit(lifecycle.init, 0, `${name}: terraform init`)
    expectExit(lifecycle.validate, 0, `${name}: terraform validate`)
  })

  it('applies every stage against moto', () => {
    const lifecycle = result(name)
    expect(lifecycle.stages.map((stage) => stage.name)).toEqual(
      spec(name)
        .stages()
        .map((stage) => stage.name),
    )
    for (const stage of lifecycle.stages) {
      expectExit(stage.apply, 0, `${name} ${stage.name}: terraform apply`)
      expect(stage.error).toBeUndefined()
    }
  })

  it('plans only emulator diffs after apply', () => {
    for (const stage of result(name).stages.filter((s) => s.plan)) {
      expect({
        stage: stage.name,
        changes: unexplainedChanges(stage.plan),
      }).toEqual({
        stage: stage.name,
        changes: [],
      })
    }
  })

  it('destroys everything', () => {
    const lifecycle = result(name)
    if (spec(name).teardownVars)
      expectExit(lifecycle.teardown, 0, `${name}: teardown apply`)
    expectExit(lifecycle.destroy, 0, `${name}: terraform destroy`)
  })

  it('tags every taggable resource', () => {
    expect(
      checkEnvironmentTags(resources(name), spec(name).environment),
    ).toEqual([])
  })

  it('follows the naming convention', () => {
    expect(
      checkNames(resources(name), suite.runId, spec(name).environment),
    ).toEqual([])
  })

  it('opens only listener ports to anywhere', () => {
    expect(checkOpenIngress(resources(name))).toEqual([])
  })

  it('has no wildcard IAM grants', () => {
    expect(checkIamWildcards(resources(name))).toEqual([])
  })

  it('keeps buckets private without ACLs', () => {
    expect(checkBuckets(resources(name))).toEqual([])
  })

  it('keeps databases private and protected', () => {
    expect(checkDatabases(resources(name))).toEqual([])
    expect(checkDatabaseSubnets(resources(name))).toEqual([])
  })
})

describe('alb example', () => {
  it('serves HTTPS and redirects HTTP', () => {
    const listeners = resources('alb').filter(
      (r) => r.type === 'aws_lb_listener',
    )
    const byPort = new Map(
      listeners.map((l) => [Number(l.values.port), l.values]),
    )
    expect(byPort.get(443)?.protocol).toBe('HTTPS')
    const redirect = byPort.get(80)?.default_action as {
      type: string
      redirect: { protocol: string; status_code: string }[]
    }[]
    expect(redirect[0]?.type).toBe('redirect')
    expect(redirect[0]?.redirect[0]).toEqual(
      expect.objectContaining({ protocol: 'HTTPS', status_code: 'HTTP_301' }),
    )
  })

  it('renames replaced target groups', () => {
    const before = targetGroupNames.get('https') ?? []
    const after = targetGroupNames.get('new-port') ?? []
    expect(before).toHaveLength(2)
    expect(after).toHaveLength(2)
    for (const name of [...before, ...after])
      expect(name.length).toBeLessThanOrEqual(32)
    for (const name of after) expect(before).not.toContain(name)
  })

  it('health checks /healthz', () => {
    const groups = resources('alb').filter(
      (r) => r.type === 'aws_lb_target_group',
    )
    expect(groups).toHaveLength(2)
    for (const group of groups) {
      expect((group.values.health_check as { path: string }[])[0]?.path).toBe(
        '/healthz',
      )
    }
  })
})

describe('ecs-service example', () => {
  it('runs tasks privately with the circuit breaker', () => {
    const services = resources('ecs-service').filter(
      (r) => r.type === 'aws_ecs_service',
    )
    expect(services.map((s) => s.values.name).sort()).toEqual([
      `${suite.runId}-ecs-api-blue`,
      `${suite.runId}-ecs-api-green`,
    ])
    for (const service of services) {
      const network = (
        service.values.network_configuration as { assign_public_ip: boolean }[]
      )[0]
      expect(network?.assign_public_ip).toBe(false)
      const breaker = (
        service.values.deployment_circuit_breaker as {
          enable: boolean
          rollback: boolean
        }[]
      )[0]
      expect(breaker).toEqual({ enable: true, rollback: true })
    }
  })

  it('reaches tasks only from the load balancer', () => {
    const all = resources('ecs-service')
    const lbGroups = all.find((r) => r.type === 'aws_lb')?.values
      .security_groups as string[]
    const serviceGroup = all.find(
      (r) =>
        r.type === 'aws_security_group' &&
        String(r.values.name).endsWith('-service'),
    )
    const ingress = all.filter(
      (r) =>
        r.type === 'aws_vpc_security_group_ingress_rule' &&
        r.values.security_group_id === serviceGroup?.values.id,
    )
    expect(ingress).toHaveLength(1)
    expect(ingress[0]?.values.cidr_ipv4).toBeNull()
    expect(lbGroups).toContain(ingress[0]?.values.referenced_security_group_id)
  })
})
