// Runs the Terraform CLI on one root module against the local stack: state
// in moto's S3 with the S3 lockfile, the provider from the filesystem
// mirror (the stack's CLI configuration) and every AWS endpoint on moto.
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { PlanJson } from './terraform-plan.js'

export const repoRoot = join(import.meta.dirname, '..', '..')

export interface CommandResult {
  args: string[]
  exitCode: number
  stdout: string
  stderr: string
  durationMs: number
}

export interface TerraformRootOptions {
  /** Folder of the root module. */
  dir: string
  /** Short unique name: the state key and the working folder's name. */
  name: string
  /** Scratch folder for data dirs, variable files, plans and backend settings. */
  workDir: string
  /** Environment of every command (the stack's, with its CLI configuration). */
  env: NodeJS.ProcessEnv
  /** Endpoint of moto, for the provider (`aws_endpoint_url`) and the backend. */
  endpoint: string
  /** Bucket in moto that contains the state. */
  stateBucket: string
  region?: string
  /** Variables of every plan and apply; per-command values override them. */
  vars?: Record<string, unknown>
  /** Called with each finished command, for logs and timings. */
  onCommand?: (root: string, result: CommandResult) => void
}

/** Returns a readable one-paragraph account of a failed command. */
export function describeFailure(result: CommandResult): string {
  const output = `${result.stdout}\n${result.stderr}`.trim().split('\n')
  return `terraform ${result.args.join(' ')} exited with ${result.exitCode}:\n${output.slice(-40).join('\n')}`
}

/** Runs a command, collecting its output; never rejects for a non-zero exit. */
export function runCommand(
  command: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<CommandResult> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env,
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
    child.on('error', reject)
    child.on('close', (code, signal) => {
      resolve({
        args,
        exitCode: code ?? (signal ? 128 : 1),
        stdout,
        stderr,
        durationMs: Date.now() - started,
      })
    })
  })
}

/** One root module and its working folder. */
export class TerraformRoot {
  readonly name: string
  readonly dir: string
  private readonly opts: TerraformRootOptions
  private readonly workDir: string
  private varFileCount = 0

  constructor(opts: TerraformRootOptions) {
    this.opts = opts
    this.name = opts.name
    this.dir = opts.dir
    this.workDir = join(opts.workDir, opts.name)
    mkdirSync(this.workDir, { recursive: true })
  }

  /** Path of the root relative to the repository, for messages. */
  get path(): string {
    return relative(repoRoot, this.dir)
  }

  /** Whether the root declares a backend (the examples use a partial S3 one). */
  get hasBackend(): boolean {
    return readdirSync(this.dir)
      .filter((file) => file.endsWith('.tf'))
      .some((file) =>
        /backend\s+"s3"/.test(readFileSync(join(this.dir, file), 'utf8')),
      )
  }

  /** Variables the root declares, so shared values go only where they fit. */
  declaredVariables(): Set<string> {
    const names = new Set<string>()
    for (const file of readdirSync(this.dir)) {
      if (!file.endsWith('.tf')) continue
      const text = readFileSync(join(this.dir, file), 'utf8')
      for (const match of text.matchAll(/^variable\s+"([^"]+)"/gm)) {
        if (match[1]) names.add(match[1])
      }
    }
    return names
  }

  fmtCheck(): Promise<CommandResult> {
    return this.run(['fmt', '-check', '-diff', '-no-color'])
  }

  async init(): Promise<CommandResult> {
    const args = ['init', '-input=false', '-no-color']
    if (this.hasBackend) {
      const file = join(this.workDir, 'backend.tfbackend')
      writeFileSync(file, this.backendConfig())
      args.push(`-backend-config=${file}`)
    }
    return this.run(args)
  }

  validate(): Promise<CommandResult> {
    return this.run(['validate', '-no-color'])
  }

  apply(vars: Record<string, unknown> = {}): Promise<CommandResult> {
    return this.run([
      'apply',
      '-auto-approve',
      '-input=false',
      '-no-color',
      `-var-file=${this.varFile(vars)}`,
      ...this.localStateArgs(),
    ])
  }

  /**
   * Plans with `-detailed-exitcode` (0 no changes, 1 error, 2 changes) and
   * saves the plan, whose JSON `showPlan` returns.
   */
  async plan(
    vars: Record<string, unknown> = {},
    opts: { destroy?: boolean } = {},
  ): Promise<{ result: CommandResult; planFile: string }> {
    const planFile = join(this.workDir, `plan-${++this.varFileCount}.tfplan`)
    const args = [
      'plan',
      '-detailed-exitcode',
      '-input=false',
      '-no-color',
      `-var-file=${this.varFile(vars)}`,
      `-out=${planFile}`,
      ...this.localStateArgs(),
    ]
    if (opts.destroy) args.push('-destroy')
    return { result: await this.run(args), planFile }
  }

  /** Plans with machine-readable output (`-json`), for its diagnostics; saves no plan. */
  planJson(vars: Record<string, unknown> = {}): Promise<CommandResult> {
    return this.run([
      'plan',
      '-json',
      '-input=false',
      `-var-file=${this.varFile(vars)}`,
      ...this.localStateArgs(),
    ])
  }

  async showPlan(planFile: string): Promise<PlanJson> {
    const result = await this.run(['show', '-json', '-no-color', planFile])
    if (result.exitCode !== 0) throw new Error(describeFailure(result))
    return JSON.parse(result.stdout) as PlanJson
  }

  async output(): Promise<Record<string, { value: unknown }>> {
    const result = await this.run([
      'output',
      '-json',
      '-no-color',
      ...this.localStateArgs(),
    ])
    if (result.exitCode !== 0) throw new Error(describeFailure(result))
    return JSON.parse(result.stdout) as Record<string, { value: unknown }>
  }

  /** Returns the raw state (`terraform state pull`). */
  async statePull(): Promise<string> {
    if (!this.hasBackend) {
      return readFileSync(join(this.workDir, 'terraform.tfstate'), 'utf8')
    }
    const result = await this.run(['state', 'pull'])
    if (result.exitCode !== 0) throw new Error(describeFailure(result))
    return result.stdout
  }

  destroy(vars: Record<string, unknown> = {}): Promise<CommandResult> {
    // The state is current after the last apply, so destroy skips the
    // refresh (it saves the provider one read per resource).
    return this.run([
      'destroy',
      '-auto-approve',
      '-input=false',
      '-no-color',
      '-refresh=false',
      `-var-file=${this.varFile(vars)}`,
      ...this.localStateArgs(),
    ])
  }

  /**
   * Returns the local backend's -state option for a root without a
   * backend, so its state stays in the working folder, not beside its code.
   */
  private localStateArgs(): string[] {
    if (this.hasBackend) return []
    return [`-state=${join(this.workDir, 'terraform.tfstate')}`]
  }

  /** Writes the root's variables plus `vars` to a JSON variable file. */
  private varFile(vars: Record<string, unknown>): string {
    const declared = this.declaredVariables()
    const values: Record<string, unknown> = {}
    const all = {
      aws_endpoint_url: this.opts.endpoint,
      region: this.opts.region ?? 'us-east-1',
      ...this.opts.vars,
      ...vars,
    }
    for (const [name, value] of Object.entries(all)) {
      if (declared.has(name)) values[name] = value
    }
    const file = join(this.workDir, `vars-${++this.varFileCount}.tfvars.json`)
    writeFileSync(file, JSON.stringify(values, null, 2))
    return file
  }

  private backendConfig(): string {
    const endpoint = JSON.stringify(this.opts.endpoint)
    return [
      `bucket = ${JSON.stringify(this.opts.stateBucket)}`,
      `key = ${JSON.stringify(`${this.name}/terraform.tfstate`)}`,
      `region = ${JSON.stringify(this.opts.region ?? 'us-east-1')}`,
      'use_lockfile = true',
      'use_path_style = true',
      'skip_credentials_validation = true',
      'skip_requesting_account_id = true',
      'skip_metadata_api_check = true',
      'skip_region_validation = true',
      `endpoints = { s3 = ${endpoint}, sts = ${endpoint}, iam = ${endpoint} }`,
      '',
    ].join('\n')
  }

  private async run(args: string[]): Promise<CommandResult> {
    const env = {
      ...this.opts.env,
      TF_DATA_DIR: join(this.workDir, '.terraform'),
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
    }
    const result = await runCommand('terraform', args, { cwd: this.dir, env })
    this.opts.onCommand?.(this.name, result)
    return result
  }
}
