// The example's Terraform roots against this worker's moto: the bootstrap
// root with local state, then the environment root with S3 state, then
// both destroyed.
//
// NOTE: the environment state goes to a plain bucket, not the bootstrap
// root's state bucket: that bucket's policy denies requests without TLS
// (aws:SecureTransport), moto enforces it, and moto serves plain HTTP here.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runTool, type ToolResult } from '../../../local-stack/processes.js'
import { consumerAppDir } from '../../helpers/consumer-app.js'
import { createBucket } from '../../helpers/fixtures.js'
import { motoEndpoint, registryAddress, stackEnv } from '../../helpers/stack.js'

const TERRAFORM_TIMEOUT_MS = 420_000

type Outputs = Record<string, { value: unknown }>

function explain(result: ToolResult): string {
  // stderr first: Terraform's error is there, after a long plan on stdout.
  return `exit code ${result.exitCode}\n${result.stderr}\n${result.stdout}`
}

function backendConfig(
  bucket: string,
  key: string,
  endpoint: string,
): string[] {
  return [
    `-backend-config=bucket=${bucket}`,
    `-backend-config=key=${key}`,
    '-backend-config=region=us-east-1',
    `-backend-config=endpoints={s3="${endpoint}",sts="${endpoint}"}`,
    '-backend-config=use_path_style=true',
    '-backend-config=use_lockfile=true',
    '-backend-config=skip_credentials_validation=true',
    '-backend-config=skip_requesting_account_id=true',
    '-backend-config=skip_metadata_api_check=true',
    '-backend-config=skip_region_validation=true',
  ]
}

describe('consumer infrastructure roots', () => {
  const endpoint = () => motoEndpoint()
  const project = `nt${Date.now().toString(36).slice(-6)}`
  let work: string
  let bootstrapApply: ToolResult | undefined
  let environmentApply: ToolResult | undefined
  let bootstrapOutputs: Outputs = {}
  let environmentOutputs: Outputs = {}

  const rootDir = (name: string) => join(consumerAppDir, 'infra', name)

  const terraform = (root: string, args: string[]) =>
    runTool('terraform', [`-chdir=${rootDir(root)}`, ...args, '-no-color'], {
      env: stackEnv({
        TF_DATA_DIR: join(work, `${root}-data`),
        TF_IN_AUTOMATION: '1',
      }),
      timeoutMs: TERRAFORM_TIMEOUT_MS,
    })

  const bootstrapVars = () => [
    `-state=${join(work, 'bootstrap.tfstate')}`,
    `-var=aws_endpoint_url=${endpoint()}`,
    `-var=project=${project}`,
    '-var=repository={name="example-owner/notes",owner_id=1,repository_id=2}',
    '-var=force_destroy=true',
  ]

  const environmentVars = () => [
    `-var=aws_endpoint_url=${endpoint()}`,
    `-var=project=${project}`,
    '-var=environment=staging',
    `-var=image=${registryAddress()}/${project}-shared-api:initial`,
    `-var=ecr_repository_arn=${String(bootstrapOutputs.ecr_repository_arn?.value)}`,
    '-var=nat_gateway_mode=single',
    '-var=desired_count=1',
    '-var=database_deletion_protection=false',
    '-var=database_skip_final_snapshot=true',
    '-var=force_destroy=true',
    '-var=secret_recovery_window_in_days=0',
  ]

  async function outputs(root: string, extra: string[] = []): Promise<Outputs> {
    const result = await terraform(root, ['output', '-json', ...extra])
    return result.exitCode === 0 ? (JSON.parse(result.stdout) as Outputs) : {}
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kit-consumer-infra-'))
    const init = await terraform('bootstrap', ['init', '-input=false'])
    if (init.exitCode !== 0) {
      bootstrapApply = init
      return
    }
    bootstrapApply = await terraform('bootstrap', [
      'apply',
      '-input=false',
      '-auto-approve',
      ...bootstrapVars(),
    ])
    if (bootstrapApply.exitCode !== 0) return
    bootstrapOutputs = await outputs('bootstrap', [
      `-state=${join(work, 'bootstrap.tfstate')}`,
    ])

    const bucket = await createBucket(`${project}-test-tfstate`)
    const environmentInit = await terraform('environment', [
      'init',
      '-input=false',
      ...backendConfig(
        bucket,
        `${project}/staging/terraform.tfstate`,
        endpoint(),
      ),
    ])
    if (environmentInit.exitCode !== 0) {
      environmentApply = environmentInit
      return
    }
    environmentApply = await terraform('environment', [
      'apply',
      '-input=false',
      '-auto-approve',
      ...environmentVars(),
    ])
    if (environmentApply.exitCode === 0) {
      environmentOutputs = await outputs('environment')
    }
  }, 2 * TERRAFORM_TIMEOUT_MS)

  afterAll(async () => {
    if (!work) return
    if (environmentApply) {
      await terraform('environment', [
        'destroy',
        '-input=false',
        '-auto-approve',
        ...environmentVars(),
      ])
    }
    if (bootstrapApply?.exitCode === 0) {
      await terraform('bootstrap', [
        'destroy',
        '-input=false',
        '-auto-approve',
        ...bootstrapVars(),
      ])
    }
    rmSync(work, { recursive: true, force: true })
  }, 2 * TERRAFORM_TIMEOUT_MS)

  it('bootstrap root applies', () => {
    expect(bootstrapApply && explain(bootstrapApply)).toMatch(/^exit code 0/)
  })

  it('bootstrap creates one role per environment', () => {
    const roles = bootstrapOutputs.deploy_role_arns?.value as
      Record<string, string> | undefined
    expect(Object.keys(roles ?? {}).sort()).toEqual(['production', 'staging'])
    expect(roles?.staging).toMatch(/:role\/.*staging-deploy$/)
    expect(bootstrapOutputs.state_bucket_name?.value).toBe(
      `${project}-shared-tfstate`,
    )
  })

  it('environment root applies', () => {
    expect(environmentApply && explain(environmentApply)).toMatch(
      /^exit code 0/,
    )
  })

  it('environment outputs name deploy targets', () => {
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
})
