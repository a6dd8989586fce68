// Runs one job: its steps in order with their `if` conditions, then the
// post steps of its actions in reverse order, then its outputs and
// environment URL.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { isMapping } from '@actions/workflow-parser'
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token'
import { stepContexts, type JobContext, type RunContext } from './context.js'
import {
  evaluateMappingText,
  evaluateToken,
  evaluateTokenText,
} from './expressions.js'
import { errorMessage, runOneStep, runPostStep, timeoutMs } from './steps.js'
import { child, type PlannedJob } from './workflow.js'
import type { JobConclusion, JobResult, StepResult } from './types.js'

function readDefaults(token: TemplateToken | undefined): {
  shell?: string
  workingDirectory?: string
} {
  const run = child(child(token, 'defaults'), 'run')
  const shell = child(run, 'shell')
  const directory = child(run, 'working-directory')
  return {
    shell: shell?.toString(),
    workingDirectory: directory?.toString(),
  }
}

export interface JobSetup {
  planned: PlannedJob
  /** The job's evaluated name. */
  name: string
  needs: JobContext['needs']
  /** The job's evaluated env on top of the workflow env. */
  env: Record<string, string>
}

/** Creates the job's folders and state. */
export function createJob(run: RunContext, setup: JobSetup): JobContext {
  const { planned } = setup
  const root = join(run.runDir, 'jobs', planned.id)
  const workspace = join(root, 'workspace')
  const runnerTemp = join(root, 'temp')
  mkdirSync(workspace, { recursive: true })
  mkdirSync(runnerTemp, { recursive: true })
  const workflowDefaults = readDefaults(run.plan.root)
  const jobDefaults = readDefaults(planned.raw)
  const timeoutController = new AbortController()
  const job: JobContext = {
    run,
    planned,
    id: planned.id,
    name: setup.name,
    workspace,
    runnerTemp,
    env: setup.env,
    path: [],
    steps: {},
    needs: setup.needs,
    failed: false,
    timedOut: false,
    startedAfterCancel: run.signal.aborted,
    signal: run.signal.aborted
      ? timeoutController.signal
      : AbortSignal.any([run.signal, timeoutController.signal]),
    postSteps: [],
    abortForTimeout: () => timeoutController.abort(),
    defaults: {
      shell: jobDefaults.shell ?? workflowDefaults.shell,
      workingDirectory:
        jobDefaults.workingDirectory ?? workflowDefaults.workingDirectory,
    },
    log: (line, level = 'info', step) =>
      run.emit({
        type: 'log',
        job: planned.id,
        step,
        stream: 'runner',
        level,
        line: run.masker.redact(line),
      }),
  }
  return job
}

/** Runs the job's steps and post steps and returns its result. */
export async function runJob(job: JobContext): Promise<JobResult> {
  const run = job.run
  const planned = job.planned
  const started = Date.now()
  const results: StepResult[] = []
  let jobError: string | undefined
  const baseContexts = () => stepContexts(job)

  let environment: JobResult['environment']
  const environmentToken = planned.job.environment
  let limitMs: number | undefined
  try {
    limitMs = timeoutMs(
      child(planned.raw, 'timeout-minutes'),
      (token) => evaluateToken(token, baseContexts()),
      `Job '${job.id}'`,
    )
    if (environmentToken !== undefined) {
      const nameToken = isMapping(environmentToken)
        ? child(environmentToken, 'name')
        : environmentToken
      environment = {
        name:
          nameToken === undefined
            ? ''
            : evaluateTokenText(nameToken, baseContexts()),
      }
    }
  } catch (error) {
    jobError = errorMessage(error)
    job.failed = true
  }

  const timer =
    limitMs === undefined
      ? undefined
      : setTimeout(() => {
          job.timedOut = true
          jobError = `The job exceeded its timeout of ${limitMs / 60_000} minutes`
          job.log(jobError, 'error')
          job.abortForTimeout()
        }, limitMs)

  try {
    if (jobError === undefined) {
      for (const [index, plannedStep] of planned.steps.entries()) {
        results.push(await runOneStep(job, plannedStep, index))
      }
    }
    for (const [offset, post] of [...job.postSteps].reverse().entries()) {
      results.push(await runPostStep(job, post, planned.steps.length + offset))
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }

  const outputs: Record<string, string> = {}
  try {
    const values = evaluateMappingText(planned.job.outputs, baseContexts())
    for (const [name, value] of Object.entries(values)) {
      if (run.masker.matches(value)) {
        job.log(`Skip output '${name}' since it may contain secret.`, 'warning')
        continue
      }
      outputs[name] = value
    }
    if (environment !== undefined && environmentToken !== undefined) {
      const urlToken = child(environmentToken, 'url')
      if (urlToken !== undefined) {
        environment.url = evaluateTokenText(urlToken, baseContexts())
      }
    }
  } catch (error) {
    jobError ??= errorMessage(error)
    job.failed = true
  }

  const { conclusion, error } = concludeJob(job, results, jobError)

  return {
    id: job.id,
    name: job.name,
    conclusion,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    outputs,
    environment,
    steps: results,
    error,
  }
}

/** Decides the job's conclusion and, for a failure, the reason to report. */
function concludeJob(
  job: JobContext,
  results: StepResult[],
  jobError: string | undefined,
): { conclusion: JobConclusion; error?: string } {
  let conclusion: JobConclusion
  // NOTE: a job past its timeout-minutes ends as a failure here, so that
  // the run fails. GitHub's own result for such a job may differ.
  if (job.timedOut) conclusion = 'failure'
  else if (!job.startedAfterCancel && job.run.signal.aborted) {
    conclusion = 'cancelled'
  } else if (job.failed) conclusion = 'failure'
  else conclusion = 'success'

  let error = jobError
  if (conclusion === 'failure' && error === undefined) {
    const failed = results.find((result) => result.conclusion === 'failure')
    if (failed !== undefined) {
      error = `Step '${failed.name}' failed${failed.error ? `: ${failed.error}` : ''}`
    }
  }

  const continueToken = child(job.planned.raw, 'continue-on-error')
  if (
    conclusion === 'failure' &&
    continueToken !== undefined &&
    evaluateTokenText(continueToken, stepContexts(job)) === 'true'
  ) {
    job.log(
      `The job failed (${error ?? 'no reason recorded'}) but continue-on-error is set`,
      'warning',
    )
    conclusion = 'success'
  }
  return { conclusion, error }
}
