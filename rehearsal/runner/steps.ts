// Runs one step of a job: its condition, env, continue-on-error and
// timeout, then the `run:` script, the local action or the mapped
// third-party action. Post steps of local actions run here too.
import { join } from 'node:path'
import { isBasicExpression } from '@actions/workflow-parser'
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token'
import { jobCancelled, stepContexts, type JobContext } from './context.js'
import {
  evaluateCondition,
  evaluateMappingText,
  evaluateToken,
  evaluateTokenText,
  type StatusState,
} from './expressions.js'
import { runLocalAction } from './local-action.js'
import { runMappedAction } from './mapped-action.js'
import { runScriptStep } from './run-step.js'
import type { StepProcessOutcome } from './step-process.js'
import { child, type PlannedStep } from './workflow.js'
import type { StepConclusion, StepResult } from './types.js'

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Status for the step-level status functions. */
function stepStatus(job: JobContext): StatusState {
  return {
    success: !job.failed,
    failure: job.failed,
    cancelled: jobCancelled(job),
  }
}

/** Reads `timeout-minutes` (a number or an expression) as milliseconds; undefined when absent. */
export function timeoutMs(
  token: TemplateToken | undefined,
  evaluate: (token: TemplateToken) => unknown,
  subject: string,
): number | undefined {
  if (token === undefined) return undefined
  const value = Number(evaluate(token))
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(
      `${subject} timeout-minutes is '${String(evaluate(token))}'; use a positive number of minutes`,
    )
  }
  return value * 60_000
}

function defaultStepName(planned: PlannedStep): string {
  const step = planned.step
  if ('run' in step) {
    const script = step.run
    const text = isBasicExpression(script)
      ? (script.source ?? script.toDisplayString())
      : script.toString()
    return `Run ${text.split('\n')[0]?.trim() ?? ''}`
  }
  if ('uses' in step) return `Run ${step.uses.value}`
  return step.id
}

/** Builds the step's environment: base env, GitHub variables, job env (with GITHUB_ENV), then the step's env. */
function processEnv(
  job: JobContext,
  stepEnv: Record<string, string>,
  actionName: string,
): Record<string, string> {
  const run = job.run
  const github = run.github
  const env: Record<string, string> = {
    ...run.baseEnv,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: job.workspace,
    GITHUB_JOB: job.id,
    GITHUB_ACTION: actionName,
    GITHUB_SHA: String(github.sha),
    GITHUB_REPOSITORY: String(github.repository),
    GITHUB_REPOSITORY_OWNER: String(github.repository_owner),
    GITHUB_RUN_ID: String(github.run_id),
    GITHUB_RUN_NUMBER: String(github.run_number),
    GITHUB_RUN_ATTEMPT: String(github.run_attempt),
    GITHUB_ACTOR: String(github.actor),
    GITHUB_REF: String(github.ref),
    GITHUB_REF_NAME: String(github.ref_name),
    GITHUB_EVENT_NAME: String(github.event_name),
    GITHUB_EVENT_PATH: String(github.event_path),
    GITHUB_WORKFLOW: String(github.workflow),
    GITHUB_WORKFLOW_REF: String(github.workflow_ref),
    GITHUB_WORKFLOW_SHA: String(github.workflow_sha),
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: process.arch === 'arm64' ? 'ARM64' : 'X64',
    RUNNER_NAME: 'local-runner',
    RUNNER_ENVIRONMENT: 'self-hosted',
    RUNNER_TEMP: job.runnerTemp,
    RUNNER_TOOL_CACHE: join(run.runDir, 'tool-cache'),
    ...job.env,
    ...stepEnv,
  }
  env.PATH = [...job.path, env.PATH ?? ''].filter(Boolean).join(':')
  return env
}

interface StepRun {
  outcome: StepConclusion
  outputs: Record<string, string>
  summary?: string
  error?: string
}

/** Returns the outcome of a step that ended with `ok` or, when not ok, `cancelled`. */
function outcomeOf(ok: boolean, cancelled: boolean): StepConclusion {
  if (ok) return 'success'
  return cancelled ? 'cancelled' : 'failure'
}

function fromProcess(result: StepProcessOutcome): StepRun {
  return {
    outcome: outcomeOf(result.ok, result.cancelled),
    outputs: result.outputs,
    summary: result.summary || undefined,
    error: result.error,
  }
}

async function executeStep(
  job: JobContext,
  planned: PlannedStep,
  stepName: string,
  stepEnv: Record<string, string>,
  limitMs: number | undefined,
  signal: AbortSignal | undefined,
): Promise<StepRun> {
  const step = planned.step
  const contexts = stepContexts(job, stepEnv)
  const text = (key: string): string | undefined => {
    const token = child(planned.raw, key)
    return token === undefined ? undefined : evaluateTokenText(token, contexts)
  }
  if ('run' in step) {
    const script = evaluateTokenText(step.run, contexts)
    return fromProcess(
      await runScriptStep({
        job,
        stepName,
        script,
        shell: text('shell'),
        workingDirectory: text('working-directory'),
        env: processEnv(job, stepEnv, step.id),
        timeoutMs: limitMs,
        signal,
      }),
    )
  }
  if (!('uses' in step)) {
    throw new Error(`Step '${stepName}' has neither 'run' nor 'uses'`)
  }
  const uses = step.uses.value
  const withValues = evaluateMappingText(child(planned.raw, 'with'), contexts)
  const env = processEnv(job, stepEnv, step.id)
  if (uses.startsWith('./')) {
    return fromProcess(
      await runLocalAction({
        job,
        stepName,
        uses,
        with: withValues,
        env,
        timeoutMs: limitMs,
        signal,
      }),
    )
  }
  const mapped = await runMappedAction({
    job,
    stepName,
    uses,
    with: withValues,
    env,
    timeoutMs: limitMs,
    signal,
  })
  return {
    outcome: outcomeOf(mapped.ok, mapped.cancelled),
    outputs: mapped.outputs,
    error: mapped.error,
  }
}

export async function runOneStep(
  job: JobContext,
  planned: PlannedStep,
  index: number,
): Promise<StepResult> {
  const run = job.run
  const step = planned.step
  const contexts = stepContexts(job)
  let stepName = defaultStepName(planned)
  const publicId = step.id.startsWith('__') ? undefined : step.id
  const started = Date.now()
  const finish = (
    result: Omit<StepResult, 'name' | 'id' | 'durationMs'>,
  ): StepResult => {
    const full: StepResult = {
      name: stepName,
      ...(publicId ? { id: publicId } : {}),
      durationMs: Date.now() - started,
      ...result,
    }
    job.steps[step.id] = {
      outputs: full.outputs,
      outcome: full.outcome,
      conclusion: full.conclusion,
    }
    if (full.conclusion === 'failure') job.failed = true
    {
      run.emit({
        type: 'step-finished',
        job: job.id,
        step: stepName,
        index,
        outcome: full.outcome,
        conclusion: full.conclusion,
        durationMs: full.durationMs,
        error: full.error,
      })
    }
    return full
  }

  let condition: boolean
  let continueOnError = false
  let limitMs: number | undefined
  let stepEnv: Record<string, string>
  try {
    if (step.name !== undefined)
      stepName = evaluateTokenText(step.name, contexts)
    const ifToken = 'if' in step ? step.if : undefined
    condition =
      ifToken === undefined
        ? !job.failed && !jobCancelled(job)
        : evaluateCondition(ifToken.expression, contexts, stepStatus(job))
  } catch (error) {
    run.emit({ type: 'step-started', job: job.id, step: stepName, index })
    return finish({
      outcome: 'failure',
      conclusion: 'failure',
      outputs: {},
      error: errorMessage(error),
    })
  }
  if (!condition) {
    job.log(
      `Skipped step '${stepName}': its condition is false`,
      'debug',
      stepName,
    )
    return finish({ outcome: 'skipped', conclusion: 'skipped', outputs: {} })
  }

  run.emit({ type: 'step-started', job: job.id, step: stepName, index })
  // A step that starts after a cancellation (if: always() or cancelled())
  // runs to its end, bounded by its own timeout only.
  const signal = jobCancelled(job) ? undefined : job.signal
  try {
    const continueToken = step['continue-on-error']
    if (typeof continueToken === 'boolean') continueOnError = continueToken
    else if (continueToken !== undefined) {
      continueOnError = evaluateTokenText(continueToken, contexts) === 'true'
    }
    stepEnv = 'env' in step ? evaluateMappingText(step.env, contexts) : {}
    limitMs = timeoutMs(
      child(planned.raw, 'timeout-minutes'),
      (token) => evaluateToken(token, contexts),
      `Step '${stepName}'`,
    )
  } catch (error) {
    return finish({
      outcome: 'failure',
      conclusion: continueOnError ? 'success' : 'failure',
      outputs: {},
      error: errorMessage(error),
    })
  }

  let result: StepRun
  try {
    result = await executeStep(job, planned, stepName, stepEnv, limitMs, signal)
  } catch (error) {
    result = { outcome: 'failure', outputs: {}, error: errorMessage(error) }
  }
  if (result.error !== undefined && result.outcome !== 'success') {
    job.log(
      result.error,
      result.outcome === 'cancelled' ? 'warning' : 'error',
      stepName,
    )
  }
  const conclusion =
    result.outcome === 'failure' && continueOnError ? 'success' : result.outcome
  if (result.outcome === 'failure' && continueOnError) {
    job.log(`The step failed but continue-on-error is set`, 'warning', stepName)
  }
  return finish({
    outcome: result.outcome,
    conclusion,
    outputs: result.outputs,
    summary: result.summary,
    error: result.error,
  })
}

export async function runPostStep(
  job: JobContext,
  post: JobContext['postSteps'][number],
  index: number,
): Promise<StepResult> {
  const run = job.run
  const started = Date.now()
  let condition: boolean
  try {
    condition = evaluateCondition(
      post.condition,
      stepContexts(job),
      stepStatus(job),
    )
  } catch (error) {
    condition = false
    job.log(
      `The post condition of '${post.name}' failed: ${errorMessage(error)}`,
      'error',
      post.name,
    )
  }

  if (!condition) {
    return {
      name: post.name,
      outcome: 'skipped',
      conclusion: 'skipped',
      durationMs: 0,
      outputs: {},
      post: true,
    }
  }

  run.emit({ type: 'step-started', job: job.id, step: post.name, index })
  let result: StepRun
  try {
    result = fromProcess(await post.run(job))
  } catch (error) {
    result = { outcome: 'failure', outputs: {}, error: errorMessage(error) }
  }
  if (result.outcome === 'failure') {
    job.failed = true
    if (result.error) job.log(result.error, 'error', post.name)
  }

  const durationMs = Date.now() - started
  run.emit({
    type: 'step-finished',
    job: job.id,
    step: post.name,
    index,
    outcome: result.outcome,
    conclusion: result.outcome,
    durationMs,
    error: result.error,
  })
  return {
    name: post.name,
    outcome: result.outcome,
    conclusion: result.outcome,
    durationMs,
    outputs: {},
    summary: result.summary,
    error: result.error,
    post: true,
  }
}
