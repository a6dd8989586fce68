// Local equivalents of the third-party actions the deploy workflow uses.
// They are matched by `owner/name`, whatever commit or tag the step pins.
import { execFile } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from 'node:fs'
import { basename, isAbsolute, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import type { ActionHandler, MappedStep } from './types.js'

const execFileAsync = promisify(execFile)

/** Splits `owner/name[/path]@ref` into `owner/name` and the ref; undefined for other `uses` forms. */
export function parseActionReference(
  uses: string,
): { action: string; ref: string } | undefined {
  const at = uses.lastIndexOf('@')
  if (at <= 0) return undefined
  const segments = uses.slice(0, at).split('/').filter(Boolean)
  if (segments.length < 2) return undefined
  return {
    action: `${segments[0]}/${segments[1]}`.toLowerCase(),
    ref: uses.slice(at + 1),
  }
}

function workspacePath(step: MappedStep, path: string | undefined): string {
  if (path === undefined || path === '' || path === '.') return step.workspace
  const target = isAbsolute(path) ? path : resolve(step.workspace, path)
  const relative =
    target.startsWith(`${step.workspace}/`) || target === step.workspace
  if (!relative) {
    throw new Error(
      `path '${path}' is outside the workspace ${step.workspace}; use a path inside it`,
    )
  }
  return target
}

function emptyFolder(dir: string): void {
  mkdirSync(dir, { recursive: true })
  for (const name of readdirSync(dir)) {
    rmSync(join(dir, name), { recursive: true, force: true })
  }
}

const SKIPPED_IN_COPY = new Set(['node_modules', '.git'])

function linkKit(step: MappedStep, repository: string, target: string): void {
  rmSync(target, { recursive: true, force: true })
  mkdirSync(resolve(target, '..'), { recursive: true })
  symlinkSync(step.options.kitDir, target, 'dir')
  // NOTE: the link shows the kit folder as it is, uncommitted changes
  // included; `ref` is recorded but not checked out.
  step.log(
    `Linked ${repository}${step.inputs.ref ? `@${step.inputs.ref}` : ''} to the kit folder ${step.options.kitDir} at ${target}`,
  )
  step.setOutput('ref', step.inputs.ref ?? '')
  step.setOutput('commit', step.job.workflowSha)
}

function copyApplication(step: MappedStep, target: string): void {
  const source = step.options.repositoryDir
  if (!existsSync(source)) {
    throw new Error(
      `repositoryDir ${source} does not exist; pass the application folder`,
    )
  }
  emptyFolder(target)
  cpSync(source, target, {
    recursive: true,
    filter: (path) => !SKIPPED_IN_COPY.has(basename(path)),
  })
  step.log(`Copied ${source} into ${target} (without node_modules and .git)`)
  step.setOutput('ref', step.inputs.ref ?? '')
  step.setOutput('commit', step.github.sha)
}

/**
 * actions/checkout: `job.workflow_repository` links the kit folder at
 * `path`, and an empty `repository` (or `github.repository`) copies the
 * application folder into the workspace without node_modules and .git.
 */
export const checkout: ActionHandler = async (step) => {
  const repository = step.inputs.repository ?? ''
  const target = workspacePath(step, step.inputs.path)
  const requested = repository.toLowerCase()

  if (
    requested !== '' &&
    requested === step.job.workflowRepository.toLowerCase()
  ) {
    linkKit(step, repository, target)
    return
  }
  if (requested !== '' && requested !== step.github.repository.toLowerCase()) {
    throw new Error(
      `actions/checkout of '${repository}' has no local source: only the application (empty repository, copied from ${step.options.repositoryDir}) and job.workflow_repository '${step.job.workflowRepository}' (linked from ${step.options.kitDir}) are mapped`,
    )
  }
  copyApplication(step, target)
}

/**
 * aws-actions/configure-aws-credentials: exports the static credentials
 * (the step's inputs, else the runner's environment) and the region for
 * the later steps. A role is not assumed locally.
 */
export const configureAwsCredentials: ActionHandler = async (step) => {
  const region = step.inputs['aws-region'] ?? ''
  if (region === '') {
    throw new Error(
      `Input 'aws-region' is required; set it in the step's 'with:' block`,
    )
  }
  const accessKeyId =
    step.inputs['aws-access-key-id'] || step.env.AWS_ACCESS_KEY_ID || ''
  const secretAccessKey =
    step.inputs['aws-secret-access-key'] || step.env.AWS_SECRET_ACCESS_KEY || ''
  const sessionToken =
    step.inputs['aws-session-token'] || step.env.AWS_SESSION_TOKEN || ''
  if (accessKeyId === '' || secretAccessKey === '') {
    throw new Error(
      'No AWS credentials: set aws-access-key-id and aws-secret-access-key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the runner environment',
    )
  }

  const role = step.inputs['role-to-assume'] ?? ''
  if (role !== '') {
    step.log(
      `Role ${role} is not assumed locally; the static credentials are used instead`,
      'warning',
    )
  }

  step.addMask(secretAccessKey)
  if (sessionToken !== '') step.addMask(sessionToken)
  step.exportVariable('AWS_ACCESS_KEY_ID', accessKeyId)
  step.exportVariable('AWS_SECRET_ACCESS_KEY', secretAccessKey)
  if (sessionToken !== '')
    step.exportVariable('AWS_SESSION_TOKEN', sessionToken)
  step.exportVariable('AWS_REGION', region)
  step.exportVariable('AWS_DEFAULT_REGION', region)
  step.log(`Exported the static AWS credentials and region ${region}`)
}

async function findOnPath(
  step: MappedStep,
  program: string,
  args: string[],
): Promise<{ path: string; output: string }> {
  try {
    const { stdout: path } = await execFileAsync(
      'bash',
      ['-c', `command -v ${program}`],
      {
        env: step.env,
      },
    )
    const { stdout } = await execFileAsync(program, args, {
      env: step.env,
      timeout: 30_000,
    })
    return { path: path.trim(), output: stdout.trim() }
  } catch {
    throw new Error(
      `${program} is not on PATH (${step.env.PATH ?? ''}); install it or add its folder to PATH`,
    )
  }
}

/** actions/setup-node: checks the node on PATH and notes the requested version. */
export const setupNode: ActionHandler = async (step) => {
  const requested = step.inputs['node-version'] ?? ''
  const { path, output } = await findOnPath(step, 'node', ['--version'])
  const version = output.replace(/^v/, '')
  step.log(
    `Using node ${version} at ${path}${requested ? ` (the step requests ${requested}; nothing is installed locally)` : ''}`,
  )
  if (
    requested !== '' &&
    !version.startsWith(`${requested.replace(/^v/, '').split('.')[0]}.`)
  ) {
    step.log(
      `node ${version} on PATH does not match the requested version ${requested}`,
      'warning',
    )
  }
  step.setOutput('node-version', `v${version}`)
}

/** hashicorp/setup-terraform: checks the terraform on PATH; the wrapper is not installed. */
export const setupTerraform: ActionHandler = async (step) => {
  const requested = step.inputs.terraform_version ?? ''
  const { path, output } = await findOnPath(step, 'terraform', [
    'version',
    '-json',
  ])
  let version = output
  try {
    version = (JSON.parse(output) as { terraform_version: string })
      .terraform_version
  } catch {
    // Older releases print text; keep it as it is.
  }
  step.log(`Using terraform ${version} at ${path}`)
  if (requested !== '' && requested !== 'latest' && requested !== version) {
    step.log(
      `terraform ${version} on PATH differs from the requested version ${requested}`,
      'warning',
    )
  }
  if ((step.inputs.terraform_wrapper ?? 'true') !== 'false') {
    step.log('The terraform wrapper is not installed locally', 'warning')
  }
}

function booleanInput(
  step: MappedStep,
  name: string,
  fallback: boolean,
): boolean {
  const value = step.inputs[name]
  if (value === undefined || value === '') return fallback
  if (/^true$/i.test(value)) return true
  if (/^false$/i.test(value)) return false
  throw new Error(`Input '${name}' is '${value}'; use true or false`)
}

/** actions/upload-artifact: copies the matching files into the run's artifact store. */
export const uploadArtifact: ActionHandler = async (step) => {
  const paths = (step.inputs.path ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
  if (paths.length === 0) {
    throw new Error(
      `Input 'path' is required; set the files or folders to upload`,
    )
  }
  const ifNoFilesFound = step.inputs['if-no-files-found'] || 'warn'
  if (!['warn', 'error', 'ignore'].includes(ifNoFilesFound)) {
    throw new Error(
      `Input 'if-no-files-found' is '${ifNoFilesFound}'; use warn, error or ignore`,
    )
  }
  const result = await step.artifacts.upload({
    name: step.inputs.name || 'artifact',
    paths,
    workspace: step.workspace,
    ifNoFilesFound: ifNoFilesFound as 'warn' | 'error' | 'ignore',
    overwrite: booleanInput(step, 'overwrite', false),
    includeHiddenFiles: booleanInput(step, 'include-hidden-files', false),
    job: step.job.id,
  })
  if (result.warning !== undefined) step.log(result.warning, 'warning')
  const artifact = result.artifact
  if (artifact !== undefined) {
    step.log(
      `Uploaded artifact ${artifact.name}: ${artifact.files} files, ${artifact.bytes} bytes, sha256 ${artifact.sha256}`,
    )
    step.setOutput('artifact-id', artifact.name)
    step.setOutput('artifact-digest', artifact.sha256)
  }
}

/** actions/download-artifact: copies artifacts of this run from the store into the workspace. */
export const downloadArtifact: ActionHandler = async (step) => {
  const target = workspacePath(step, step.inputs.path)
  const downloaded = await step.artifacts.download({
    name: step.inputs.name || undefined,
    pattern: step.inputs.pattern || undefined,
    path: target,
    mergeMultiple: booleanInput(step, 'merge-multiple', false),
  })
  for (const artifact of downloaded) {
    step.log(
      `Downloaded artifact ${artifact.name} (${artifact.files} files, sha256 ${artifact.sha256}) to ${target}`,
    )
  }
  step.setOutput('download-path', target)
}

export const BUILT_IN_MAPPINGS: Record<string, ActionHandler> = {
  'actions/checkout': checkout,
  'aws-actions/configure-aws-credentials': configureAwsCredentials,
  'actions/setup-node': setupNode,
  'hashicorp/setup-terraform': setupTerraform,
  'actions/upload-artifact': uploadArtifact,
  'actions/download-artifact': downloadArtifact,
}
