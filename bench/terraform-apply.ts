/**
 * Benchmark of terraform-apply's overhead over running Terraform directly
 * on the same configuration and stack (a moto server on 127.0.0.1 and the
 * provider mirror):
 *
 * - direct: `terraform init`, `plan -out` and `apply` of that plan;
 * - plain apply: one terraform-apply step in apply mode;
 * - reviewed apply: a plan step, then an apply step with
 *   reviewed-plan-hash, which plans once more by design.
 *
 * Each run starts from empty state with a state key of its own, so every
 * run creates the resources. Two configurations: `data` (terraform_data
 * only, no provider, so the action's own cost shows) and `aws` (an S3
 * bucket and an SSM parameter through the AWS provider against moto).
 * The action runs from its committed bundle in dist/, as the runner runs
 * it, so rebuild with `npm run build` after changing its source.
 *
 * Usage: npx tsx bench/terraform-apply.ts [runs=3] [configs=data,aws]
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { createAwsClient } from '../common/aws-clients.js'
import {
  DATA_CONFIG,
  PROVIDER,
  runStep,
} from '../test/integration/terraform-apply/step.js'

const RUNS = Number(process.argv[2] ?? 3)
const CONFIGS = (process.argv[3] ?? 'data,aws').split(',')

const AWS_CONFIG = `${PROVIDER}
variable "name" { type = string }
resource "aws_s3_bucket" "site" { bucket = var.name }
resource "aws_ssm_parameter" "setting" {
  name  = "/\${var.name}/setting"
  type  = "String"
  value = "bench"
}
`

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr
      .setEncoding('utf8')
      .on('data', (chunk: string) => (stderr += chunk))
    child.once('error', reject)
    child.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${cmd} ${args[0]} ended with ${code}: ${stderr}`)),
    )
  })
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2
}

async function main(): Promise<void> {
  const folder = mkdtempSync(path.join(tmpdir(), 'kit-bench-tfa-'))
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  const moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  })
  try {
    const cliConfig = path.join(folder, 'cli.tfrc')
    writeFileSync(
      cliConfig,
      'provider_installation {\n  filesystem_mirror { path = "/opt/tf-plugins" }\n  direct { exclude = ["registry.terraform.io/*/*"] }\n}\n',
    )
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      TF_CLI_CONFIG_FILE: cliConfig,
      TF_IN_AUTOMATION: '1',
    }
    const s3 = createAwsClient(S3Client, { region: 'us-east-1', env })
    for (let attempt = 0; ; attempt += 1) {
      try {
        await s3.send(new CreateBucketCommand({ Bucket: 'bench-state' }))
        break
      } catch (error) {
        if (attempt > 50) throw error
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
    s3.destroy()

    console.log(
      `terraform-apply overhead, ${RUNS} runs per series, medians; command: npx tsx bench/terraform-apply.ts ${RUNS} ${CONFIGS.join(',')}`,
    )
    let counter = 0
    for (const config of CONFIGS) {
      const mainTf = config === 'aws' ? AWS_CONFIG : DATA_CONFIG
      const variables = (id: string): Record<string, string> =>
        config === 'aws'
          ? { endpoint, name: `bench-${id}` }
          : { label: id, sleep_seconds: '0' }
      const direct: number[] = []
      const plain: number[] = []
      const reviewed: number[] = []
      for (let index = 0; index < RUNS; index += 1) {
        for (const series of ['direct', 'plain', 'reviewed'] as const) {
          counter += 1
          const id = `r${counter}`
          const workspace = mkdtempSync(path.join(folder, 'ws-'))
          const infra = path.join(workspace, 'infra')
          await run('mkdir', ['-p', infra], workspace, env)
          writeFileSync(path.join(infra, 'main.tf'), mainTf)
          const key = `${config}/${id}/terraform.tfstate`
          const vars = variables(id)
          const started = performance.now()
          if (series === 'direct') {
            const varArgs = Object.entries(vars).map(
              ([k, v]) => `-var=${k}=${v}`,
            )
            await run(
              'terraform',
              [
                'init',
                '-input=false',
                '-no-color',
                `-backend-config=bucket=bench-state`,
                `-backend-config=key=${key}`,
                '-backend-config=region=us-east-1',
                `-backend-config=endpoints={s3="${endpoint}"}`,
                '-backend-config=use_lockfile=true',
                '-backend-config=use_path_style=true',
                '-backend-config=skip_credentials_validation=true',
                '-backend-config=skip_requesting_account_id=true',
                '-backend-config=skip_metadata_api_check=true',
                '-backend-config=skip_region_validation=true',
              ],
              infra,
              env,
            )
            await run(
              'terraform',
              [
                'plan',
                '-input=false',
                '-no-color',
                '-out=plan.tfplan',
                ...varArgs,
              ],
              infra,
              env,
            )
            await run(
              'terraform',
              ['apply', '-input=false', '-no-color', 'plan.tfplan'],
              infra,
              env,
            )
            direct.push(performance.now() - started)
          } else {
            const inputs = (mode: string, hash?: string) => ({
              mode,
              'working-directory': 'infra',
              'backend-bucket': 'bench-state',
              'backend-key': key,
              variables: JSON.stringify(vars),
              'run-id': id,
              'pr-number': undefined,
              'github-token': undefined,
              ...(hash === undefined ? {} : { 'reviewed-plan-hash': hash }),
            })
            let hash: string | undefined
            if (series === 'reviewed') {
              const plan = await runStep({
                workspace,
                env,
                inputs: inputs('plan'),
                bundle: true,
              })
              if (plan.exitCode !== 0) throw new Error(plan.stdout)
              hash = plan.outputs['plan-hash']
            }
            const apply = await runStep({
              workspace,
              env,
              inputs: inputs('apply', hash),
              bundle: true,
            })
            if (apply.exitCode !== 0) throw new Error(apply.stdout)
            ;(series === 'plain' ? plain : reviewed).push(
              performance.now() - started,
            )
          }
          rmSync(workspace, { recursive: true, force: true })
        }
      }
      const base = median(direct)
      const show = (ms: number) => `${(ms / 1000).toFixed(2)} s`
      console.log(`\n${config}:`)
      console.log(`  direct init+plan+apply   ${show(base)}`)
      console.log(
        `  action, plain apply      ${show(median(plain))}  ratio ${(median(plain) / base).toFixed(2)}`,
      )
      console.log(
        `  action, plan + reviewed  ${show(median(reviewed))}  ratio ${(median(reviewed) / base).toFixed(2)}`,
      )
    }
  } finally {
    moto.kill('SIGTERM')
    rmSync(folder, { recursive: true, force: true })
  }
}

await main()
