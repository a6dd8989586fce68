// Runs terraform-apply's main or post entry from source, the way the runner
// runs a bundle: `node --import tsx <entry>` with INPUT_* variables from
// action.yml defaults plus overrides, and the runner's command files.
import { spawn, type ChildProcess } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseCommandFile } from '../../../common/outputs.js'
import { inputEnv } from '../../helpers/action-inputs.js'
import { REPOSITORY_ROOT } from '../../helpers/action-metadata.js'

const TSX_LOADER = pathToFileURL(
  path.join(REPOSITORY_ROOT, 'node_modules/tsx/dist/loader.mjs'),
).href

const ENTRIES = {
  index: path.join(REPOSITORY_ROOT, 'actions/terraform-apply/src/index.ts'),
  post: path.join(REPOSITORY_ROOT, 'actions/terraform-apply/src/post/index.ts'),
}

const BUNDLES = {
  index: path.join(REPOSITORY_ROOT, 'actions/terraform-apply/dist/index.js'),
  post: path.join(
    REPOSITORY_ROOT,
    'actions/terraform-apply/dist/post/index.js',
  ),
}

const stepFolders: string[] = []

/** Removes the folders of every step run so far (tests read them until then). */
export function removeStepFolders(): void {
  for (const folder of stepFolders.splice(0)) {
    rmSync(folder, { recursive: true, force: true })
  }
}

export interface StepOptions {
  workspace: string
  inputs: Record<string, string | undefined>
  env: NodeJS.ProcessEnv
  entry?: 'index' | 'post'
  /** STATE_* values for the post entry (a main run's `state`). */
  state?: Record<string, string>
  timeoutMs?: number
  /** Runs the committed bundle from dist/ instead of the source. */
  bundle?: boolean
}

export interface StepResult {
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  state: Record<string, string>
  summary: string
  runnerTemp: string
}

export interface RunningStep {
  child: ChildProcess
  /** Text printed so far on stdout. */
  stdout(): string
  done: Promise<StepResult>
}

/** Starts the step; the caller may signal `child` while it runs. */
export function startStep(opts: StepOptions): RunningStep {
  const files = mkdtempSync(path.join(tmpdir(), 'kit-terraform-apply-step-'))
  stepFolders.push(files)
  const runnerTemp = path.join(files, 'runner-temp')
  mkdirSync(runnerTemp)
  const commandFiles = {
    GITHUB_OUTPUT: path.join(files, 'output'),
    GITHUB_STATE: path.join(files, 'state'),
    GITHUB_STEP_SUMMARY: path.join(files, 'summary.md'),
  }
  for (const file of Object.values(commandFiles)) writeFileSync(file, '')
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(opts.env)) {
    if (!name.startsWith('INPUT_') && !name.startsWith('STATE_')) {
      env[name] = value
    }
  }
  Object.assign(
    env,
    {
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: opts.workspace,
      RUNNER_TEMP: runnerTemp,
    },
    commandFiles,
    inputEnv('terraform-apply', opts.inputs),
    Object.fromEntries(
      Object.entries(opts.state ?? {}).map(([k, v]) => [`STATE_${k}`, v]),
    ),
  )
  const entry = opts.entry ?? 'index'
  const args =
    opts.bundle === true
      ? [BUNDLES[entry]]
      : ['--import', TSX_LOADER, ENTRIES[entry]]
  const child = spawn(process.execPath, args, {
    cwd: opts.workspace,
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
  const done = new Promise<StepResult>((resolve, reject) => {
    const timer = setTimeout(
      () => child.kill('SIGKILL'),
      opts.timeoutMs ?? 170_000,
    )
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer)
      const read = (file: string) => readFileSync(file, 'utf8')
      resolve({
        exitCode,
        signal,
        stdout,
        stderr,
        outputs: parseCommandFile(read(commandFiles.GITHUB_OUTPUT)),
        state: parseCommandFile(read(commandFiles.GITHUB_STATE)),
        summary: read(commandFiles.GITHUB_STEP_SUMMARY),
        runnerTemp,
      })
    })
  })
  return { child, stdout: () => stdout, done }
}

/** Runs the step to its end. */
export function runStep(opts: StepOptions): Promise<StepResult> {
  return startStep(opts).done
}

/** Explains a step result for a failed expectation. */
export function explain(result: StepResult): string {
  return `exit ${result.exitCode} signal ${result.signal}\n${result.stdout}\n${result.stderr}`
}

/** Provider block for moto: every service these configurations use. */
export const PROVIDER = `
terraform {
  required_version = ">= 1.10"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.100" }
  }
  backend "s3" {}
}

variable "endpoint" { type = string }

provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  endpoints {
    s3  = var.endpoint
    sts = var.endpoint
    ssm = var.endpoint
    ec2 = var.endpoint
  }
}
`

/** Cheap AWS resources, outputs of several kinds and a sensitive variable. */
export const AWS_CONFIG = `${PROVIDER}
variable "name" { type = string }
variable "parameter_value" { type = string }
variable "deploy_token" {
  type    = string
  default = "none"
}
variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_s3_bucket" "site" {
  bucket = var.name
  tags = {
    environment  = "test"
    setting      = var.parameter_value
    deploy_token = var.deploy_token
  }
}

resource "aws_ssm_parameter" "setting" {
  name  = "/\${var.name}/setting"
  type  = "String"
  value = var.parameter_value
}

resource "aws_ssm_parameter" "password" {
  name  = "/\${var.name}/password"
  type  = "SecureString"
  value = var.db_password
}

resource "aws_security_group" "web" {
  name        = "\${var.name}-web"
  description = "web"
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

output "bucket_name" { value = aws_s3_bucket.site.bucket }
output "parameter_name" { value = aws_ssm_parameter.setting.name }
output "notes" { value = "line one\\nline two\\nline three" }
output "tags" { value = { environment = "test", owner = "platform" } }
output "db_password" {
  value     = var.db_password
  sensitive = true
}
`

/** Only terraform_data, with an apply that takes `sleep_seconds`. */
export const DATA_CONFIG = `
terraform {
  required_version = ">= 1.10"
  backend "s3" {}
}

variable "label" { type = string }
variable "sleep_seconds" {
  type    = number
  default = 0
}

resource "terraform_data" "slow" {
  input = var.label
  provisioner "local-exec" {
    command = "sleep \${var.sleep_seconds}"
  }
}

output "label" { value = terraform_data.slow.output }
`

/** Writes a configuration folder inside a fresh workspace and returns the workspace. */
export function workspaceWith(folder: string, mainTf: string): string {
  const workspace = mkdtempSync(path.join(tmpdir(), 'kit-tf-ws-'))
  mkdirSync(path.join(workspace, folder))
  writeFileSync(path.join(workspace, folder, 'main.tf'), mainTf)
  return workspace
}
