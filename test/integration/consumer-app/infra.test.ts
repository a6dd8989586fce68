// The example's Terraform roots against this worker's moto: the bootstrap
// root with local state, then the environment root with S3 state. Each is
// applied and planned again, and the second plan must be empty or contain
// only the listed emulator diffs (test/helpers/emulator-diffs.ts), each
// confirmed by querying moto. Then both are destroyed.
//
// NOTE: the environment state goes to a plain bucket, not the bootstrap
// root's state bucket: that bucket's policy denies requests without TLS
// (aws:SecureTransport), moto enforces it, and moto serves plain HTTP here.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { consumerAppDir } from '../../helpers/consumer-app.js'
import type { LifecycleResult } from '../../helpers/terraform-lifecycle.js'
import {
  expectExit,
  runLifecycle,
  unexplainedChanges,
} from '../../helpers/terraform-lifecycle.js'
import type { TerraformRoot } from '../../helpers/terraform-root.js'
import type { TerraformSuite } from '../../helpers/terraform-suite.js'
import { startTerraformSuite } from '../../helpers/terraform-suite.js'
import { registryAddress } from '../../helpers/stack.js'

type Outputs = Record<string, { value: unknown }>

let suite: TerraformSuite
let project: string
let bootstrap: LifecycleResult
let environment: LifecycleResult | undefined
let bootstrapOutputs: Outputs = {}
let environmentOutputs: Outputs = {}
let environmentState = ''
let jwtSecretValue = ''

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
  if (!response.ok) {
    throw new Error(`GetSecretValue failed: HTTP ${response.status}`)
  }
  return body.SecretString ?? ''
}

/**
 * Runs the environment root's whole life while the bootstrap root's
 * resources exist, because the environment pulls from its repository.
 */
async function runEnvironment(bootstrapRoot: TerraformRoot): Promise<void> {
  bootstrapOutputs = await bootstrapRoot.output()
  const root = suite.rootAt(
    `${consumerAppDir}/infra/environment`,
    'consumer-environment',
    {
      project,
      environment: 'staging',
      image: `${registryAddress()}/${project}-shared-api:initial`,
      ecr_repository_arn: bootstrapOutputs.ecr_repository_arn?.value,
      nat_gateway_mode: 'single',
      desired_count: 1,
      database_deletion_protection: false,
      database_skip_final_snapshot: true,
      force_destroy: true,
      secret_recovery_window_in_days: 0,
    },
  )
  environment = await runLifecycle(root, {
    stages: [
      {
        name: 'apply',
        afterApply: async () => {
          environmentOutputs = await root.output()
          environmentState = await root.statePull()
          // The ecs-service module names the secret it creates this way.
          jwtSecretValue = await getSecretValue(
            `${project}-staging-api-jwt-secret`,
          )
        },
      },
    ],
    moto: suite.moto,
  })
}

beforeAll(async () => {
  suite = await startTerraformSuite('consumer-infra')
  project = `nt${suite.runId.slice(1)}`
  const root = suite.rootAt(
    `${consumerAppDir}/infra/bootstrap`,
    'consumer-bootstrap',
    {
      project,
      repository: {
        name: 'example-owner/notes',
        owner_id: 1,
        repository_id: 2,
      },
      force_destroy: true,
    },
  )
  bootstrap = await runLifecycle(root, {
    stages: [
      { name: 'apply' },
      {
        name: 'environment',
        beforeApply: () => runEnvironment(root),
        apply: false,
      },
    ],
    moto: suite.moto,
  })
  console.log(suite.summary())
}, 2_400_000)

afterAll(() => {
  suite?.cleanup()
})

describe('consumer bootstrap root', () => {
  it('passes fmt, init and validate', () => {
    expectExit(bootstrap.fmt, 0, 'terraform fmt -check')
    expectExit(bootstrap.init, 0, 'terraform init')
    expectExit(bootstrap.validate, 0, 'terraform validate')
  })

  it('applies against moto', () => {
    expectExit(bootstrap.stages[0]?.apply, 0, 'terraform apply')
    expect(bootstrap.stages[0]?.error).toBeUndefined()
  })

  it('plans only emulator diffs after apply', () => {
    expect(unexplainedChanges(bootstrap.stages[0]?.plan)).toEqual([])
  })

  it('creates one role per environment', () => {
    const roles = bootstrapOutputs.deploy_role_arns?.value as
      Record<string, string> | undefined
    expect(Object.keys(roles ?? {}).sort()).toEqual(['production', 'staging'])
    expect(roles?.staging).toMatch(/:role\/.*staging-deploy$/)
    expect(bootstrapOutputs.state_bucket_name?.value).toBe(
      `${project}-shared-tfstate`,
    )
  })

  it('destroys everything', () => {
    expect(bootstrap.error).toBeUndefined()
    expectExit(bootstrap.destroy, 0, 'terraform destroy')
  })
})

describe('consumer environment root', () => {
  it('passes fmt, init and validate', () => {
    expect(bootstrap.stages[1]?.error).toBeUndefined()
    expectExit(environment?.fmt, 0, 'terraform fmt -check')
    expectExit(environment?.init, 0, 'terraform init')
    expectExit(environment?.validate, 0, 'terraform validate')
  })

  it('applies against moto', () => {
    expectExit(environment?.stages[0]?.apply, 0, 'terraform apply')
    expect(environment?.stages[0]?.error).toBeUndefined()
  })

  it('plans only emulator diffs after apply', () => {
    expect(unexplainedChanges(environment?.stages[0]?.plan)).toEqual([])
  })

  it('outputs the deploy targets', () => {
    const services = environmentOutputs.service_names?.value as
      Record<string, string> | undefined
    expect(Object.keys(services ?? {}).sort()).toEqual(['blue', 'green'])
    expect(environmentOutputs.cluster_name?.value).toBe(
      `${project}-staging-api`,
    )
    expect(String(environmentOutputs.listener_arn?.value)).toMatch(
      /^arn:aws:elasticloadbalancing:/,
    )
    expect(environmentOutputs.frontend_bucket?.value).toBe(
      `${project}-staging-web`,
    )
    expect(String(environmentOutputs.health_url?.value)).toMatch(
      /^http:\/\/.+\/healthz$/,
    )
    expect(environmentOutputs.service_name?.value).toBe(
      `${project}-staging-api`,
    )
    expect(
      String(environmentOutputs.cloudfront_distribution_id?.value),
    ).toMatch(/^[A-Z0-9]+$/)
    expect(String(environmentOutputs.release_url?.value)).toMatch(/^https:\/\//)
  })

  it('writes the JWT secret outside the state', () => {
    expect(jwtSecretValue).toMatch(/^[A-Za-z0-9]{48}$/)
    expect(environmentState.length).toBeGreaterThan(1000)
    expect(environmentState).not.toContain(jwtSecretValue)
  })

  it('destroys everything', () => {
    expect(environment?.error).toBeUndefined()
    expectExit(environment?.destroy, 0, 'terraform destroy')
  })
})
