// Wrong inputs fail at plan time, naming the variable, before anything is
// created. The file also checks what needs no apply: that every file is
// formatted, and the single-page-app routing, which moto cannot apply.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CommandResult } from '../../helpers/terraform-root.js'
import {
  describeFailure,
  repoRoot,
  runCommand,
} from '../../helpers/terraform-root.js'
import type { PlanJson } from '../../helpers/terraform-plan.js'
import { plannedResources } from '../../helpers/terraform-plan.js'
import type { TerraformSuite } from '../../helpers/terraform-suite.js'
import { startTerraformSuite } from '../../helpers/terraform-suite.js'

const modules = join(repoRoot, 'terraform-modules')

/** Provider and moto's default VPC, shared by every case root. */
const PREAMBLE = `
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "aws_endpoint_url" {
  type = string
}

provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true

  endpoints {
    ec2            = var.aws_endpoint_url
    ecs            = var.aws_endpoint_url
    elbv2          = var.aws_endpoint_url
    iam            = var.aws_endpoint_url
    rds            = var.aws_endpoint_url
    s3             = var.aws_endpoint_url
    sts            = var.aws_endpoint_url
    cloudfront     = var.aws_endpoint_url
    cloudwatchlogs = var.aws_endpoint_url
    secretsmanager = var.aws_endpoint_url
  }
}

data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
}
`

interface BadInput {
  name: string
  module: string
  /** Module arguments, as HCL. */
  args: string
  /** Texts the error must contain: the variable and the guidance. */
  expected: string[]
  /** Whether a resource precondition (rather than a variable validation) catches it. */
  precondition?: boolean
}

const network = 'project = "shop"\n  environment = "production"'
const inVpc = `${network}
  vpc_id     = data.aws_vpc.default.id
  subnet_ids = data.aws_subnets.default.ids`
const ecsBase = `${inVpc}
  load_balancer_security_group_id = "sg-0123456789abcdef0"
  target_group_arns = {
    blue  = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/a/1"
    green = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/b/2"
  }
  image = "example/api:1"`

const cases: BadInput[] = [
  {
    name: 'an invalid VPC CIDR',
    module: 'network',
    args: `${network}\n  cidr_block = "10.0.0.0/33"`,
    expected: [
      'var.cidr_block',
      '10.0.0.0/33',
      'prefix length from /16 to /24',
    ],
  },
  {
    name: 'a CIDR with host bits',
    module: 'network',
    args: `${network}\n  cidr_block = "10.0.1.0/16"`,
    expected: ['var.cidr_block', 'network address'],
  },
  {
    name: 'a backup retention of 0',
    module: 'rds-postgres',
    args: `${inVpc}\n  backup_retention_period = 0`,
    expected: [
      'var.backup_retention_period',
      'got 0',
      'turn automated backups',
    ],
  },
  {
    name: 'a bucket ACL',
    module: 'static-site',
    args: `${network}\n  acl = "public-read"`,
    expected: [
      'var.acl',
      'public-read',
      'BucketOwnerEnforced',
      'bucket policy',
    ],
  },
  {
    name: 'a test listener open to anywhere',
    module: 'alb',
    args: `${inVpc}\n  test_listener = { port = 8443, cidr_blocks = ["0.0.0.0/0"] }`,
    expected: ['var.test_listener.cidr_blocks', 'narrower than 0.0.0.0/0'],
  },
  {
    name: 'a log retention of 0',
    module: 'ecs-service',
    args: `${ecsBase}\n  log_retention_in_days = 0`,
    expected: ['var.log_retention_in_days', 'got 0'],
  },
  {
    name: 'a password as a plain variable',
    module: 'ecs-service',
    args: `${ecsBase}\n  environment_variables = { PGPASSWORD = "hunter2" }`,
    expected: ['var.environment_variables', 'PGPASSWORD'],
  },
  {
    name: 'a trust for every branch',
    module: 'github-oidc',
    args: `${network}\n  repositories = [{ name = "example-org/shop", owner_id = 1, repository_id = 2, branches = ["*"] }]`,
    expected: ['var.repositories', 'every branch'],
  },
  {
    name: 'a wildcard repository',
    module: 'github-oidc',
    args: `${network}\n  repositories = [{ name = "example-org/*", owner_id = 1, repository_id = 2 }]`,
    expected: ['var.repositories', 'without wildcards'],
  },
  {
    name: 'a name too long for a target group',
    module: 'alb',
    args: `${inVpc}\n  name = "payments-gateway"`,
    expected: ['var.name', '"payments-gateway"', 'AWS allows 32'],
    precondition: true,
  },
  {
    name: 'memory outside the Fargate range',
    module: 'ecs-service',
    args: `${ecsBase}\n  cpu = 256\n  memory = 4096`,
    expected: ['var.memory', '4096', '512, 1024, 2048'],
    precondition: true,
  },
]

interface Diagnostic {
  severity: string
  summary: string
  detail: string
  range?: { filename: string }
  snippet?: { context?: string }
}

let suite: TerraformSuite
let fmt: CommandResult
/** The plans of the wrong inputs, by group, with their diagnostics. */
const plans = new Map<
  string,
  { result: CommandResult; diagnostics: Diagnostic[] }
>()
let spaPlan: { result: CommandResult; json?: PlanJson } | undefined

function caseLabel(index: number): string {
  return `case_${index}`
}

/**
 * Writes a root with one module block per input. Terraform reports every
 * failed variable validation of a plan, so one plan covers many inputs.
 * Preconditions run only once all variables are valid, so they get a root
 * of their own.
 */
function writeRoot(
  name: string,
  inputs: { index: number; module: string; args: string }[],
): string {
  const dir = join(suite.workDir, 'roots', name)
  mkdirSync(dir, { recursive: true })
  const blocks = inputs.map(
    (input) =>
      `module "${caseLabel(input.index)}" {\n  source = "${join(modules, input.module)}"\n\n  ${input.args}\n}\n`,
  )
  writeFileSync(join(dir, 'main.tf'), `${PREAMBLE}\n${blocks.join('\n')}`)
  return dir
}

/** Diagnostics of a `plan -json` run (its machine-readable output). */
function diagnosticsOf(result: CommandResult): Diagnostic[] {
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map(
      (line) => JSON.parse(line) as { type?: string; diagnostic?: Diagnostic },
    )
    .filter((message) => message.type === 'diagnostic' && message.diagnostic)
    .map((message) => message.diagnostic as Diagnostic)
}

beforeAll(async () => {
  suite = await startTerraformSuite('variables')
  fmt = await runCommand(
    'terraform',
    ['fmt', '-check', '-recursive', '-diff', '-no-color', modules],
    { cwd: repoRoot, env: suite.env },
  )
  const indexed = cases.map((input, index) => ({ ...input, index }))
  const groups = [
    {
      name: 'validations',
      inputs: indexed.filter((input) => !input.precondition),
    },
    {
      name: 'preconditions',
      inputs: indexed.filter((input) => input.precondition),
    },
  ]
  const spa = {
    index: cases.length,
    module: 'static-site',
    args: `${network}\n  single_page_app = true\n  api_origin = { domain_name = "api.example.test" }`,
  }
  await Promise.all([
    ...groups.map(async (group) => {
      const root = suite.rootAt(writeRoot(group.name, group.inputs), group.name)
      const init = await root.init()
      if (init.exitCode !== 0) throw new Error(describeFailure(init))
      const result = await root.planJson()
      plans.set(group.name, { result, diagnostics: diagnosticsOf(result) })
    }),
    (async () => {
      const root = suite.rootAt(
        writeRoot('single-page-app', [spa]),
        'single-page-app',
      )
      const init = await root.init()
      if (init.exitCode !== 0) throw new Error(describeFailure(init))
      const { result, planFile } = await root.plan()
      spaPlan = { result }
      if (result.exitCode === 2) spaPlan.json = await root.showPlan(planFile)
    })(),
  ])
  console.log(suite.summary())
}, 900_000)

afterAll(() => {
  suite?.cleanup()
})

describe('terraform fmt', () => {
  it('formats every module and example', () => {
    expect({ exitCode: fmt.exitCode, diff: fmt.stdout }).toEqual({
      exitCode: 0,
      diff: '',
    })
  })
})

describe.each(cases.map((input, index) => ({ ...input, index })))(
  'plan with $name',
  ({ index, expected, precondition }) => {
    it('fails naming the variable', () => {
      const plan = plans.get(precondition ? 'preconditions' : 'validations')
      if (!plan) throw new Error('the plan did not run')
      expect(plan.result.exitCode).toBe(1)
      // A variable's error points at the module block. A precondition's
      // error points at the resource in the module's copy, which init places
      // in a folder named after the module block.
      const found = plan.diagnostics.filter((diagnostic) =>
        precondition
          ? diagnostic.summary === 'Resource precondition failed' &&
            (diagnostic.range?.filename ?? '').includes(
              `modules/${caseLabel(index)}/`,
            )
          : diagnostic.summary === 'Invalid value for variable' &&
            diagnostic.snippet?.context === `module "${caseLabel(index)}"`,
      )
      expect(found.length).toBeGreaterThan(0)
      const detail = (found[0]?.detail ?? '').replace(/\s+/g, ' ')
      for (const text of expected) expect(detail).toContain(text)
    })
  },
)

describe('single-page-app routing', () => {
  function resources() {
    if (!spaPlan?.json) {
      throw new Error(
        `the plan failed:\n${spaPlan ? describeFailure(spaPlan.result) : 'did not run'}`,
      )
    }
    return plannedResources(spaPlan.json)
  }

  it('plans a viewer-request function', () => {
    const fn = resources().find((r) => r.type === 'aws_cloudfront_function')
    expect(fn?.values.runtime).toBe('cloudfront-js-2.0')
    expect(fn?.values.publish).toBe(true)
    expect(String(fn?.values.code)).toContain("request.uri = '/index.html'")
  })

  it('routes only the default behaviour', () => {
    const distribution = resources().find(
      (r) => r.type === 'aws_cloudfront_distribution',
    )
    const byDefault = distribution?.values.default_cache_behavior as {
      function_association: { event_type: string }[]
    }[]
    const ordered = distribution?.values.ordered_cache_behavior as {
      path_pattern: string
      function_association: unknown[]
    }[]
    expect(byDefault[0]?.function_association.map((f) => f.event_type)).toEqual(
      ['viewer-request'],
    )
    expect(ordered.map((b) => b.path_pattern)).toEqual(['/api/*'])
    expect(ordered[0]?.function_association).toEqual([])
  })
})
