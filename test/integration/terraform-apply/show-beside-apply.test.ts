// A plain apply (mode apply, no reviewed-plan-hash) runs `terraform show
// -json` of the plan at the same time as `terraform apply`. These tests run
// the real terraform against moto.
import { spawn } from 'node:child_process'
import { chmodSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  createBucket,
  listKeys,
  readObjectText,
  uniqueName,
} from '../../helpers/fixtures.js'
import { motoEndpoint, stackEnv } from '../../helpers/stack.js'
import { findOnPath } from '../../../actions/terraform-apply/src/terraform.js'
import {
  DATA_CONFIG,
  explain,
  removeStepFolders,
  runStep,
  workspaceWith,
} from './step.js'

const PASSWORD = 'Plain-Password-Value-c41d9e'

/** terraform_data only; db_password is not marked sensitive and apply prints it as an output. */
const PASSWORD_CONFIG = `
terraform {
  required_version = ">= 1.10"
  backend "s3" {}
}

variable "db_password" { type = string }

resource "terraform_data" "credentials" {
  input = "user"
}

output "db_password" { value = var.db_password }
`

interface Ended {
  exitCode: number | null
  stdout: string
  stderr: string
}

function runTerraform(
  binary: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    child.once('error', reject)
    child.once('close', (exitCode) => resolve({ exitCode, stdout, stderr }))
  })
}

async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`Timed out waiting for ${what}`)
}

/** Writes a shell script into `folder` that runs `lines`, then the real terraform. */
function wrapTerraform(folder: string, lines: string[]): string {
  const terraform = findOnPath('terraform', stackEnv())
  if (terraform === undefined) throw new Error('No terraform on PATH')
  const wrapper = path.join(folder, 'terraform-wrapper')
  writeFileSync(
    wrapper,
    ['#!/bin/sh', ...lines, `exec ${JSON.stringify(terraform)} "$@"`, ''].join(
      '\n',
    ),
  )
  chmodSync(wrapper, 0o755)
  return wrapper
}

function record(outputs: Record<string, string>): {
  status: string
  reason?: string
  details: Record<string, unknown>
} {
  return JSON.parse(outputs['record-json'] ?? '{}') as {
    status: string
    reason?: string
    details: Record<string, unknown>
  }
}

describe('terraform show beside apply', () => {
  const workspaces: string[] = []
  let stateBucket: string

  function workspace(config: string): string {
    const folder = workspaceWith('infra', config)
    workspaces.push(folder)
    return folder
  }

  function inputs(
    stateKey: string,
    variables: Record<string, unknown>,
    overrides: Record<string, string | undefined> = {},
  ): Record<string, string | undefined> {
    return {
      mode: 'apply',
      'working-directory': 'infra',
      'backend-bucket': stateBucket,
      'backend-key': stateKey,
      variables: JSON.stringify(variables),
      'run-id': '404',
      'pr-number': undefined,
      'github-token': undefined,
      ...overrides,
    }
  }

  beforeAll(async () => {
    stateBucket = await createBucket(uniqueName('kit-tfa-show'))
  })

  afterAll(() => {
    removeStepFolders()
    for (const folder of workspaces) {
      rmSync(folder, { recursive: true, force: true })
    }
  })

  it('reads the plan while apply holds the lock', async () => {
    const env = stackEnv({ AWS_REGION: 'us-east-1', TF_IN_AUTOMATION: '1' })
    const terraform = findOnPath('terraform', env)
    if (terraform === undefined) throw new Error('No terraform on PATH')
    const cwd = path.join(workspace(DATA_CONFIG), 'infra')
    const key = 'direct/terraform.tfstate'
    const init = await runTerraform(
      terraform,
      [
        'init',
        '-input=false',
        '-no-color',
        `-backend-config=bucket=${stateBucket}`,
        `-backend-config=key=${key}`,
        '-backend-config=region=us-east-1',
        '-backend-config=use_lockfile=true',
        `-backend-config=endpoints={s3=${JSON.stringify(motoEndpoint())}}`,
        '-backend-config=use_path_style=true',
        '-backend-config=skip_credentials_validation=true',
        '-backend-config=skip_requesting_account_id=true',
        '-backend-config=skip_metadata_api_check=true',
      ],
      cwd,
      env,
    )
    expect(init.exitCode).toBe(0)
    const plan = await runTerraform(
      terraform,
      [
        'plan',
        '-input=false',
        '-no-color',
        '-out=tfplan',
        '-var=label=locked',
        '-var=sleep_seconds=12',
      ],
      cwd,
      env,
    )
    expect(plan.exitCode).toBe(0)
    const applying = runTerraform(
      terraform,
      ['apply', '-input=false', '-no-color', '-auto-approve', 'tfplan'],
      cwd,
      env,
    )
    await waitUntil('apply to hold the state lock', async () =>
      (await listKeys(stateBucket, 'direct/')).includes(`${key}.tflock`),
    )
    const show = await runTerraform(
      terraform,
      ['show', '-json', '-no-color', 'tfplan'],
      cwd,
      env,
    )
    const lock = JSON.parse(
      await readObjectText(stateBucket, `${key}.tflock`),
    ) as { Operation: string }
    const applied = await applying
    expect(show.stderr).toBe('')
    expect(show.exitCode).toBe(0)
    expect(JSON.parse(show.stdout)).toHaveProperty('resource_changes')
    expect(lock.Operation).toBe('OperationTypeApply')
    expect(applied.exitCode).toBe(0)
  }, 120_000)

  it('masks a secret-looking value before apply prints it', async () => {
    const folder = workspace(PASSWORD_CONFIG)
    // show ends well after apply, so apply's output has to wait for it.
    const wrapper = wrapTerraform(folder, [
      'if [ "$1" = show ]; then sleep 4; fi',
    ])
    const result = await runStep({
      workspace: folder,
      env: stackEnv(),
      inputs: inputs(
        'password/terraform.tfstate',
        { db_password: PASSWORD },
        { 'terraform-binary': wrapper },
      ),
    })
    if (result.exitCode !== 0) throw new Error(explain(result))
    expect(result.stdout).toContain('runs beside terraform apply')
    const lines = result.stdout.split('\n')
    const mask = lines.indexOf(`::add-mask::${PASSWORD}`)
    const firstUse = lines.findIndex(
      (line) => line.includes(PASSWORD) && !line.startsWith('::add-mask::'),
    )
    expect(mask).toBeGreaterThanOrEqual(0)
    expect(firstUse).toBe(-1)
    // Apply's output block is printed, masked, after the plan line.
    const planLine = lines.findIndex((line) =>
      line.startsWith('Plan: 1 to add'),
    )
    const outputLine = lines.findIndex((line) =>
      line.startsWith('db_password = '),
    )
    expect(planLine).toBeGreaterThan(mask)
    expect(outputLine).toBeGreaterThan(planLine)
    expect(lines[outputLine]).toBe('db_password = "***"')
    expect(result.outputs['applied']).toBe('true')
  }, 120_000)

  it('fails naming show when only show fails', async () => {
    const folder = workspace(DATA_CONFIG)
    const wrapper = wrapTerraform(folder, [
      'if [ "$1" = show ]; then',
      '  echo "show is broken in this test" >&2',
      '  exit 3',
      'fi',
    ])
    const result = await runStep({
      workspace: folder,
      env: stackEnv(),
      inputs: inputs(
        'show-fails/terraform.tfstate',
        { label: 'applied-anyway' },
        { 'terraform-binary': wrapper },
      ),
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain(
      'terraform apply succeeded, but terraform show -json of the plan failed',
    )
    expect(result.stdout).toContain('show is broken in this test')
    expect(result.outputs['applied']).toBe('true')
    expect(result.outputs['has-changes']).toBe('true')
    expect(result.outputs['plan-hash']).toBeUndefined()
    expect(result.outputs['add-count']).toBeUndefined()
    const fragment = record(result.outputs)
    expect(fragment.status).toBe('failed')
    expect(fragment.reason).toContain('terraform show -json')
    expect(fragment.details['applied']).toBe(true)
    expect(fragment.details['plan_hash']).toBeNull()
  }, 120_000)
})
