// A local runner for reusable (workflow_call) GitHub Actions workflows.
// GitHub's workflow parser and expression library read the workflow. Jobs
// run one at a time in the order of their needs. `run:` steps run in a
// shell, local JavaScript actions run from their files with the current
// node, and third-party actions run through local mappings.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, join, relative, resolve } from 'node:path'
import { ArtifactStore } from './artifacts.js'
import type { JobContext, RunContext } from './context.js'
import {
  evaluateCondition,
  evaluateMappingText,
  evaluateTokenText,
  type Contexts,
} from './expressions.js'
import { resolveCallInputs, resolveCallSecrets } from './inputs.js'
import { createJob, runJob } from './job.js'
import { Masker } from './masking.js'
import {
  ancestorsOf,
  child,
  loadWorkflow,
  type PlannedJob,
} from './workflow.js'
import type {
  JobResult,
  RunWorkflowOptions,
  WorkflowConclusion,
  WorkflowRunResult,
} from './types.js'

export type * from './types.js'
export { loadWorkflow, orderJobs } from './workflow.js'
export { ArtifactStore, digestFolder } from './artifacts.js'
export { BUILT_IN_MAPPINGS, parseActionReference } from './third-party.js'

const DEFAULT_GRACE_MS = 7500

// Variables of the host that a step must not inherit: the runner sets its
// own GITHUB_*, RUNNER_*, INPUT_* and STATE_* values, ACTIONS_* would point
// the actions at GitHub's services, and AWS_* would reach real AWS. The
// caller passes what steps need through `env`.
const HOST_PREFIXES = [
  'GITHUB_',
  'RUNNER_',
  'ACTIONS_',
  'INPUT_',
  'STATE_',
  'AWS_',
]

function hostEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue
    if (HOST_PREFIXES.some((prefix) => name.startsWith(prefix))) continue
    env[name] = value
  }
  return { ...env, ...extra }
}

function gitHead(dir: string): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
  } catch {
    return undefined
  }
}

function githubContext(
  options: RunWorkflowOptions,
  workflowName: string,
  workflowFile: string,
  runDir: string,
): { github: Record<string, unknown>; source: RunContext['workflowSource'] } {
  const overrides = options.github ?? {}
  const zeros = '0'.repeat(40)
  const sha = overrides.sha ?? gitHead(options.repositoryDir) ?? zeros
  const repository =
    overrides.repository ?? `local/${basename(resolve(options.repositoryDir))}`
  const ref = overrides.ref ?? 'refs/heads/main'
  const workflowRepository =
    overrides.workflow_repository ??
    `local/${basename(resolve(options.kitDir))}`
  const workflowSha = overrides.workflow_sha ?? gitHead(options.kitDir) ?? zeros
  const filePath = relative(resolve(options.kitDir), workflowFile)
  const eventPath = join(runDir, 'event.json')
  writeFileSync(eventPath, '{}\n')
  return {
    github: {
      sha,
      repository,
      repository_owner: repository.split('/')[0],
      run_id: overrides.run_id ?? String(Date.now()),
      run_number: overrides.run_number ?? '1',
      run_attempt: overrides.run_attempt ?? '1',
      actor: overrides.actor ?? 'local',
      triggering_actor: overrides.actor ?? 'local',
      ref,
      ref_name: ref.replace(/^refs\/(heads|tags)\//, ''),
      ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      event_name: overrides.event_name ?? 'workflow_dispatch',
      event: {},
      event_path: eventPath,
      workflow: overrides.workflow ?? workflowName,
      workflow_ref:
        overrides.workflow_ref ?? `${repository}/${filePath}@${ref}`,
      workflow_sha: overrides.workflow_sha ?? sha,
      workspace: '',
      action: '',
      token: '',
    },
    source: {
      repository: workflowRepository,
      sha: workflowSha,
      ref,
      filePath,
    },
  }
}

/** Status of the needs of a job for the job-level status functions. */
function jobLevelStatus(
  planned: PlannedJob,
  all: PlannedJob[],
  results: Map<string, JobResult>,
  cancelled: boolean,
): { success: boolean; failure: boolean; cancelled: boolean } {
  const ancestors = ancestorsOf(planned.id, all)
  const failure = [...ancestors].some(
    (id) => results.get(id)?.conclusion === 'failure',
  )
  const success =
    !failure &&
    planned.needs.every((id) => results.get(id)?.conclusion === 'success')
  return { success, failure, cancelled }
}

/** Checks the paths and numbers of the options; throws naming the option, its value and the fix. */
function checkOptions(options: RunWorkflowOptions): void {
  const requireFile = (name: string, value: string | undefined) => {
    if (!value || !existsSync(value) || !statSync(value).isFile()) {
      throw new Error(
        `${name} '${value ?? ''}' is not a file; pass the path of the workflow to run`,
      )
    }
  }
  const requireDir = (name: string, value: string | undefined) => {
    if (!value || !existsSync(value) || !statSync(value).isDirectory()) {
      throw new Error(
        `${name} '${value ?? ''}' is not a folder; pass an existing folder`,
      )
    }
  }
  requireFile('workflowPath', options.workflowPath)
  requireDir('repositoryDir', options.repositoryDir)
  requireDir('kitDir', options.kitDir)
  if (!options.workDir) {
    throw new Error(`workDir is empty; pass a scratch folder for the run`)
  }
  const grace = options.cancelGraceMs
  if (grace !== undefined && (!Number.isFinite(grace) || grace < 0)) {
    throw new Error(
      `cancelGraceMs is ${grace}; pass a number of milliseconds of 0 or more`,
    )
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (typeof value !== 'string') {
      throw new Error(
        `env.${name} is ${typeof value}, not a string; pass every variable as text`,
      )
    }
  }
}

/**
 * Decides whether a job runs, runs it and emits its events. Returns a
 * failed result for a condition that does not evaluate.
 */
async function runPlannedJob(
  run: RunContext,
  planned: PlannedJob,
  results: Map<string, JobResult>,
  workflowContexts: Contexts,
): Promise<JobResult> {
  const { emit, signal } = run
  const needs: JobContext['needs'] = {}
  for (const id of planned.needs) {
    const result = results.get(id)
    needs[id] = {
      result: result?.conclusion ?? 'skipped',
      outputs: result?.outputs ?? {},
    }
  }
  const contexts: Contexts = { ...workflowContexts, needs }
  const status = jobLevelStatus(planned, run.plan.jobs, results, signal.aborted)
  const name = jobName(planned, contexts)
  const expression = planned.job.if.expression

  let shouldRun: boolean
  try {
    shouldRun = evaluateCondition(expression, contexts, status)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    emit({
      type: 'job-finished',
      job: planned.id,
      name,
      conclusion: 'failure',
      durationMs: 0,
      error: message,
    })
    return failedJob(planned.id, name, message)
  }
  if (!shouldRun) {
    const reason =
      signal.aborted && expression === 'success()'
        ? 'the run was cancelled'
        : `its condition '${expression}' is false`
    emit({
      type: 'job-finished',
      job: planned.id,
      name,
      conclusion: 'skipped',
      durationMs: 0,
    })
    return {
      id: planned.id,
      name,
      conclusion: 'skipped',
      startedAt: new Date().toISOString(),
      durationMs: 0,
      outputs: {},
      steps: [],
      error: `Skipped because ${reason}`,
    }
  }

  emit({ type: 'job-started', job: planned.id, name })
  let result: JobResult
  try {
    const jobEnv = {
      ...(workflowContexts.env as Record<string, string>),
      ...evaluateMappingText(planned.job.env, contexts),
    }
    const job = createJob(run, { planned, name, needs, env: jobEnv })
    result = await runJob(job)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    result = failedJob(planned.id, name, message)
  }
  emit({
    type: 'job-finished',
    job: planned.id,
    name: result.name,
    conclusion: result.conclusion,
    durationMs: result.durationMs,
    error: result.error,
  })
  return result
}

/** Evaluates the workflow_call outputs; an output that fails becomes an error annotation. */
function evaluateWorkflowOutputs(
  run: RunContext,
  jobs: JobResult[],
  contexts: Contexts,
): Record<string, string> {
  const outputs: Record<string, string> = {}
  const jobsContext = Object.fromEntries(
    jobs.map((job) => [
      job.id,
      { result: job.conclusion, outputs: job.outputs },
    ]),
  )
  for (const [name, token] of Object.entries(run.plan.outputs)) {
    try {
      outputs[name] = evaluateTokenText(token, {
        ...contexts,
        jobs: jobsContext,
      })
    } catch (error) {
      run.annotations.push({
        level: 'error',
        message: `Workflow output '${name}': ${error instanceof Error ? error.message : String(error)}`,
        job: '',
      })
    }
  }
  return outputs
}

/** Runs a workflow_call workflow locally and returns the conclusion, outputs, jobs and artifacts. */
export async function runWorkflow(
  options: RunWorkflowOptions,
): Promise<WorkflowRunResult> {
  const started = Date.now()
  checkOptions(options)
  const plan = await loadWorkflow(resolve(options.workflowPath))
  const masker = new Masker()
  const secrets = resolveCallSecrets(plan.workflowCall, options.secrets ?? {})
  for (const value of Object.values(secrets)) masker.add(value)

  const signal = options.signal ?? new AbortController().signal
  const workDir = resolve(options.workDir)
  mkdirSync(workDir, { recursive: true })
  const provisionalRunId = options.github?.run_id ?? String(Date.now())
  const runDir = join(
    workDir,
    `run-${provisionalRunId}-${options.github?.run_attempt ?? '1'}`,
  )
  // Each run starts from an empty run folder.
  rmSync(runDir, { recursive: true, force: true })
  mkdirSync(runDir, { recursive: true })
  const { github, source } = githubContext(
    { ...options, github: { ...options.github, run_id: provisionalRunId } },
    plan.name,
    plan.file,
    runDir,
  )
  const inputs = resolveCallInputs(plan.inputs, options.inputs ?? {}, {
    github,
  })

  const emit: RunContext['emit'] = (event) => {
    try {
      options.onEvent?.(event)
    } catch {
      // A failing listener must not stop the run.
    }
  }
  const run: RunContext = {
    options,
    plan,
    runDir,
    masker,
    artifacts: new ArtifactStore(join(runDir, 'artifacts')),
    annotations: [],
    github,
    workflowSource: source,
    inputs,
    secrets,
    vars: options.vars ?? {},
    baseEnv: hostEnv(options.env),
    signal,
    graceMs: options.cancelGraceMs ?? DEFAULT_GRACE_MS,
    emit,
  }
  emit({ type: 'run-started', workflow: plan.file, runDir })

  const results = new Map<string, JobResult>()
  const baseContexts: Contexts = {
    github,
    inputs,
    vars: run.vars,
    secrets,
    env: {},
  }
  const workflowEnv = evaluateMappingText(child(plan.root, 'env'), baseContexts)
  for (const planned of plan.jobs) {
    const result = await runPlannedJob(run, planned, results, {
      ...baseContexts,
      env: workflowEnv,
    })
    results.set(planned.id, result)
  }

  const jobs = plan.jobs.map((planned) => results.get(planned.id) as JobResult)
  const outputs = evaluateWorkflowOutputs(run, jobs, baseContexts)

  let conclusion: WorkflowConclusion = 'success'
  if (signal.aborted) conclusion = 'cancelled'
  else if (jobs.some((job) => job.conclusion === 'failure'))
    conclusion = 'failure'
  const durationMs = Date.now() - started
  emit({ type: 'run-finished', conclusion, durationMs })
  return {
    conclusion,
    outputs,
    jobs,
    artifacts: run.artifacts.list(),
    annotations: run.annotations,
    runDir,
    durationMs,
  }
}

/** Evaluates the job's `name` (which may contain expressions); the id when it has none or fails. */
function jobName(planned: PlannedJob, contexts: Contexts): string {
  const token = planned.job.name
  if (token === undefined) return planned.id
  try {
    return evaluateTokenText(token, contexts) || planned.id
  } catch {
    return planned.id
  }
}

function failedJob(id: string, name: string, error: string): JobResult {
  return {
    id,
    name,
    conclusion: 'failure',
    startedAt: new Date().toISOString(),
    durationMs: 0,
    outputs: {},
    steps: [],
    error,
  }
}
