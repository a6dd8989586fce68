// Run-wide and job-wide state shared by the job, step and action runners.
import type { ArtifactStore } from './artifacts.js'
import type { Contexts } from './expressions.js'
import type { Masker } from './masking.js'
import type { StepProcessOutcome } from './step-process.js'
import type { PlannedJob, WorkflowPlan } from './workflow.js'
import type {
  Annotation,
  JobConclusion,
  RunWorkflowOptions,
  RunnerEvent,
  StepConclusion,
} from './types.js'

export interface RunContext {
  options: RunWorkflowOptions
  plan: WorkflowPlan
  runDir: string
  masker: Masker
  artifacts: ArtifactStore
  annotations: Annotation[]
  /** The `github` context (without `job`, which each job sets). */
  github: Record<string, unknown>
  /** The called workflow's own repository and commit, as the `job` context reports them. */
  workflowSource: {
    repository: string
    sha: string
    ref: string
    filePath: string
  }
  inputs: Record<string, string | number | boolean>
  secrets: Record<string, string>
  vars: Record<string, string>
  /** The environment every step starts from: the host's, filtered, plus options.env. */
  baseEnv: Record<string, string>
  /** Aborted when the caller cancels the run. */
  signal: AbortSignal
  graceMs: number
  emit(event: RunnerEvent): void
}

export interface StepContextEntry {
  outputs: Record<string, string>
  outcome: StepConclusion
  conclusion: StepConclusion
}

export interface PostStep {
  name: string
  run: (job: JobContext) => Promise<StepProcessOutcome>
  /** post-if of the action, default always(). */
  condition: string
}

export interface JobContext {
  run: RunContext
  planned: PlannedJob
  id: string
  name: string
  workspace: string
  runnerTemp: string
  /** Workflow and job env, then what steps wrote to GITHUB_ENV. */
  env: Record<string, string>
  /** Folders that steps added through GITHUB_PATH, the latest first. */
  path: string[]
  steps: Record<string, StepContextEntry>
  needs: Record<
    string,
    { result: JobConclusion; outputs: Record<string, string> }
  >
  /** A step failed (without continue-on-error). */
  failed: boolean
  /** The run was already cancelled when the job started. */
  startedAfterCancel: boolean
  /** The job ran past its timeout-minutes. */
  timedOut: boolean
  /** Aborted at the job's timeout, and on cancellation of the run unless startedAfterCancel. */
  signal: AbortSignal
  postSteps: PostStep[]
  /** Aborts `signal` when the job's timeout passes. */
  abortForTimeout(): void
  defaults: { shell?: string; workingDirectory?: string }
  log(
    line: string,
    level?: 'debug' | 'info' | 'notice' | 'warning' | 'error',
    step?: string,
  ): void
}

/**
 * Returns whether the steps of a job see cancelled() as true: the run was
 * cancelled while the job ran, or the job ran past its timeout. A job that
 * starts after a cancellation (`if: always()`) runs its steps normally.
 */
export function jobCancelled(job: JobContext): boolean {
  return (!job.startedAfterCancel && job.run.signal.aborted) || job.timedOut
}

/** Returns the job status as `job.status` and the step status functions see it. */
export function jobStatus(
  job: JobContext,
): 'success' | 'failure' | 'cancelled' {
  if (jobCancelled(job)) return 'cancelled'
  return job.failed ? 'failure' : 'success'
}

/** Builds the expression contexts of a step of `job`, with `stepEnv` on top of the job's env. */
export function stepContexts(
  job: JobContext,
  stepEnv: Record<string, string> = {},
): Contexts {
  const run = job.run
  return {
    github: { ...run.github, job: job.id },
    env: { ...job.env, ...stepEnv },
    vars: run.vars,
    secrets: run.secrets,
    inputs: run.inputs,
    needs: job.needs,
    job: {
      status: jobStatus(job),
      workflow_repository: run.workflowSource.repository,
      workflow_sha: run.workflowSource.sha,
      workflow_ref: run.workflowSource.ref,
      workflow_file_path: run.workflowSource.filePath,
      container: {},
      services: {},
    },
    steps: job.steps,
    runner: {
      os: 'Linux',
      arch: process.arch === 'arm64' ? 'ARM64' : 'X64',
      name: 'local-runner',
      environment: 'self-hosted',
      temp: job.runnerTemp,
      tool_cache: job.runnerTemp,
      debug: '',
    },
    strategy: {
      'fail-fast': true,
      'job-index': 0,
      'job-total': 1,
      'max-parallel': 1,
    },
    matrix: {},
  }
}
