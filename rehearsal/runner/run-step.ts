// `run:` steps: the script is written to a file in runner temp and run by
// the step's shell, in its working directory.
import { randomUUID } from 'node:crypto'
import { existsSync, statSync, writeFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import type { JobContext } from './context.js'
import { runProcessStep, type StepProcessOutcome } from './step-process.js'

// Shells by name, as GitHub documents them for Linux runners. A step
// without `shell` (and no default) runs `bash -e {0}`.
const SHELLS: Record<string, { template: string[]; extension: string }> = {
  bash: {
    template: ['bash', '--noprofile', '--norc', '-eo', 'pipefail', '{0}'],
    extension: '.sh',
  },
  sh: { template: ['sh', '-e', '{0}'], extension: '.sh' },
  python: { template: ['python3', '{0}'], extension: '.py' },
}
const DEFAULT_SHELL = { template: ['bash', '-e', '{0}'], extension: '.sh' }

/** Resolves `shell:` to a command line with `{0}` for the script file. Throws for an unsupported shell. */
export function shellCommand(shell: string | undefined): {
  template: string[]
  extension: string
} {
  if (shell === undefined || shell === '') return DEFAULT_SHELL
  const known = SHELLS[shell]
  if (known !== undefined) return known
  const parts = shell.split(/\s+/).filter(Boolean)
  if (!parts.includes('{0}')) {
    throw new Error(
      `Unsupported shell '${shell}': use bash, sh, python or a command line with {0} for the script file`,
    )
  }
  return { template: parts, extension: '' }
}

/** Resolves a working directory against the workspace and checks that it exists. */
export function resolveWorkingDirectory(
  workspace: string,
  directory: string | undefined,
): string {
  if (directory === undefined || directory === '') return workspace
  const path = isAbsolute(directory) ? directory : resolve(workspace, directory)
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new Error(
      `working-directory '${directory}' does not exist in the workspace (${path}); check the path or the checkout step before it`,
    )
  }
  return path
}

export interface ScriptStepRequest {
  job: JobContext
  stepName: string
  script: string
  shell?: string
  workingDirectory?: string
  env: Record<string, string>
  timeoutMs?: number
  signal?: AbortSignal
}

export async function runScriptStep(
  request: ScriptStepRequest,
): Promise<StepProcessOutcome> {
  const { job } = request
  const shell = shellCommand(request.shell ?? job.defaults.shell)
  const cwd = resolveWorkingDirectory(
    job.workspace,
    request.workingDirectory ?? job.defaults.workingDirectory,
  )
  const scriptFile = join(job.runnerTemp, `${randomUUID()}${shell.extension}`)
  writeFileSync(scriptFile, request.script)
  const [command, ...args] = shell.template.map((part) =>
    part === '{0}' ? scriptFile : part,
  )
  return runProcessStep({
    job,
    stepName: request.stepName,
    command: command as string,
    args,
    cwd,
    env: request.env,
    timeoutMs: request.timeoutMs,
    signal: request.signal,
  })
}
