// Runs the process of a `run:` step or a JavaScript action the way the
// runner does: fresh command files, workflow commands read from stdout,
// every logged line masked, and what the step wrote applied to the job.
import { delimiter } from 'node:path'
import {
  createCommandFiles,
  parseWorkflowCommand,
  readCommandFiles,
} from './commands.js'
import type { JobContext } from './context.js'
import { runStepProcess } from './process.js'

export interface StepProcessRequest {
  job: JobContext
  stepName: string
  command: string
  args: string[]
  cwd: string
  /** The step's environment without the runner's GITHUB_* files, which are added here. */
  env: Record<string, string>
  timeoutMs?: number
  /** Undefined for steps that must not be cancelled (they start after a cancellation). */
  signal?: AbortSignal
}

export interface StepProcessOutcome {
  ok: boolean
  cancelled: boolean
  timedOut: boolean
  outputs: Record<string, string>
  state: Record<string, string>
  summary: string
  error?: string
}

/** Joins the job's GITHUB_PATH folders in front of a PATH value. */
export function withJobPath(job: JobContext, path: string | undefined): string {
  return [...job.path, ...(path ? [path] : [])].join(delimiter)
}

export async function runProcessStep(
  request: StepProcessRequest,
): Promise<StepProcessOutcome> {
  const { job, stepName } = request
  const masker = job.run.masker
  const files = createCommandFiles(job.runnerTemp)
  const legacyOutputs: Record<string, string> = {}
  const legacyState: Record<string, string> = {}
  let stopToken: string | undefined

  const onLine = (stream: 'stdout' | 'stderr', line: string): void => {
    if (stream === 'stdout') {
      const command = parseWorkflowCommand(line)
      if (stopToken !== undefined && line.trim() === `::${stopToken}::`) {
        stopToken = undefined
        return
      }
      if (
        stopToken === undefined &&
        command !== undefined &&
        handleCommand(command)
      ) {
        return
      }
    }
    job.run.emit({
      type: 'log',
      job: job.id,
      step: stepName,
      stream,
      level: 'info',
      line: masker.redact(line),
    })
  }

  const handleCommand = (
    command: NonNullable<ReturnType<typeof parseWorkflowCommand>>,
  ): boolean => {
    switch (command.name) {
      case 'add-mask':
        masker.add(command.message)
        return true
      case 'error':
      case 'warning':
      case 'notice': {
        const message = masker.redact(command.message)
        job.run.annotations.push({
          level: command.name,
          message,
          job: job.id,
          step: stepName,
        })
        job.log(message, command.name, stepName)
        return true
      }
      case 'debug':
        job.log(command.message, 'debug', stepName)
        return true
      case 'group':
        job.log(`▸ ${command.message}`, 'info', stepName)
        return true
      case 'endgroup':
      case 'echo':
        return true
      case 'set-output':
        if (command.properties.name) {
          legacyOutputs[command.properties.name] = command.message
        }
        return true
      case 'save-state':
        if (command.properties.name) {
          legacyState[command.properties.name] = command.message
        }
        return true
      case 'stop-commands':
        stopToken = command.message
        return true
      case 'set-env':
      case 'add-path':
        job.log(
          `The '${command.name}' command is disabled; write to ${command.name === 'set-env' ? 'GITHUB_ENV' : 'GITHUB_PATH'} instead`,
          'error',
          stepName,
        )
        return true
      default:
        return false
    }
  }

  const env = { ...request.env, ...files }
  let result
  try {
    result = await runStepProcess({
      command: request.command,
      args: request.args,
      cwd: request.cwd,
      env,
      signal: request.signal,
      timeoutMs: request.timeoutMs,
      graceMs: job.run.graceMs,
      onLine,
    })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return {
      ok: false,
      cancelled: false,
      timedOut: false,
      outputs: {},
      state: {},
      summary: '',
      error: `Starting ${request.command} failed: ${reason}`,
    }
  }

  let contents
  let fileError: string | undefined
  try {
    contents = readCommandFiles(files)
  } catch (error) {
    fileError = error instanceof Error ? error.message : String(error)
  }
  if (contents !== undefined) {
    for (const [name, value] of Object.entries(contents.env)) {
      job.env[name] = value
    }
    job.path.unshift(...[...contents.path].reverse())
  }

  const outputs = { ...legacyOutputs, ...(contents?.outputs ?? {}) }
  const state = { ...legacyState, ...(contents?.state ?? {}) }
  const summary = masker.redact(contents?.summary ?? '')
  let error: string | undefined
  if (result.timedOut) {
    error = `The step timed out after ${Math.round((request.timeoutMs ?? 0) / 1000)} s`
  } else if (result.cancelled) {
    error = 'The step was cancelled'
  } else if (result.exitCode !== 0) {
    error =
      result.exitCode === null
        ? `The process was killed by ${result.signal ?? 'a signal'}`
        : `The process exited with code ${result.exitCode}`
  } else if (fileError !== undefined) {
    error = `Reading the command files failed: ${fileError}`
  }
  return {
    ok: error === undefined,
    cancelled: result.cancelled && !result.timedOut,
    timedOut: result.timedOut,
    outputs,
    state,
    summary,
    error,
  }
}
