/**
 * The consumer's one-time bootstrap root (state bucket, image repository,
 * deploy roles), applied once per rehearsal with local state, as an
 * administrator would before the first pipeline run.
 */
import { join } from 'node:path'
import { runTool, type ToolResult } from '../local-stack/processes.js'
import { repoRoot } from '../local-stack/state.js'
import { formatMs, withProgress } from './progress.js'

const BOOTSTRAP_ROOT = join(
  repoRoot,
  'examples',
  'consumer-app',
  'infra',
  'bootstrap',
)
const TERRAFORM_TIMEOUT_MS = 300_000

export interface BootstrapResult {
  stateBucket: string
  ecrRepositoryUrl: string
  deployRoleArns: Record<string, string>
  durationMs: number
}

function failure(command: string, result: ToolResult): Error {
  // Terraform writes its error to stderr, after a long plan on stdout.
  const tail = `${result.stderr}\n${result.stdout}`.trim().split('\n')
  return new Error(
    `terraform ${command} of ${BOOTSTRAP_ROOT} failed (exit code ${result.exitCode}):\n${tail.slice(-30).join('\n')}`,
  )
}

/** Applies the bootstrap root against moto and returns its outputs. */
export async function applyBootstrap(opts: {
  env: NodeJS.ProcessEnv
  motoEndpoint: string
  workDir: string
  log: (line: string) => void
}): Promise<BootstrapResult> {
  const started = Date.now()
  const stateFile = join(opts.workDir, 'bootstrap.tfstate')
  const terraform = (args: string[]) =>
    runTool('terraform', [`-chdir=${BOOTSTRAP_ROOT}`, ...args, '-no-color'], {
      env: {
        ...opts.env,
        TF_DATA_DIR: join(opts.workDir, 'bootstrap-data'),
        TF_IN_AUTOMATION: '1',
      },
      timeoutMs: TERRAFORM_TIMEOUT_MS,
    })

  opts.log('bootstrap: terraform init')
  const init = await terraform(['init', '-input=false'])
  if (init.exitCode !== 0) throw failure('init', init)

  opts.log('bootstrap: terraform apply (state bucket, ECR repository, roles)')
  const apply = await withProgress(
    'bootstrap: terraform apply',
    terraform([
      'apply',
      '-input=false',
      '-auto-approve',
      `-state=${stateFile}`,
      `-var=aws_endpoint_url=${opts.motoEndpoint}`,
      '-var=repository={name="example-owner/notes",owner_id=1,repository_id=2}',
      // moto serves plain HTTP, which the TLS-only bucket policy denies.
      '-var=state_bucket_require_tls=false',
      '-var=force_destroy=true',
    ]),
    opts.log,
  )
  if (apply.exitCode !== 0) throw failure('apply', apply)

  const output = await terraform(['output', '-json', `-state=${stateFile}`])
  if (output.exitCode !== 0) throw failure('output', output)
  const values = JSON.parse(output.stdout) as Record<string, { value: unknown }>
  const result: BootstrapResult = {
    stateBucket: String(values.state_bucket_name?.value),
    ecrRepositoryUrl: String(values.ecr_repository_url?.value),
    deployRoleArns: (values.deploy_role_arns?.value ?? {}) as Record<
      string,
      string
    >,
    durationMs: Date.now() - started,
  }
  opts.log(
    `bootstrap: applied in ${formatMs(result.durationMs)}; state bucket ${result.stateBucket}`,
  )
  return result
}
