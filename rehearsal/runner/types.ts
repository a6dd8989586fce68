// Public types of the local workflow runner.
import type { ArtifactStore } from './artifacts.js'

export type InputValue = string | number | boolean

export type JobConclusion = 'success' | 'failure' | 'cancelled' | 'skipped'
export type StepConclusion = 'success' | 'failure' | 'cancelled' | 'skipped'
export type WorkflowConclusion = 'success' | 'failure' | 'cancelled'

/** Values of the `github` context that a caller may set; the rest is derived. */
export interface GithubOverrides {
  sha?: string
  repository?: string
  run_id?: string
  run_number?: string
  run_attempt?: string
  actor?: string
  ref?: string
  event_name?: string
  workflow?: string
  workflow_sha?: string
  workflow_ref?: string
  workflow_repository?: string
}

export interface RunWorkflowOptions {
  /** Absolute path of a workflow with an `on.workflow_call` trigger. */
  workflowPath: string
  /** Values of the workflow_call inputs, checked against their declared types. */
  inputs?: Record<string, InputValue>
  /** Values of the declared workflow_call secrets, masked in every logged line. */
  secrets?: Record<string, string>
  /** The `vars` context. */
  vars?: Record<string, string>
  /** Source of `actions/checkout` for the calling repository (copied without node_modules and .git). */
  repositoryDir: string
  /** Source of `actions/checkout` for `job.workflow_repository` (linked into the workspace). */
  kitDir: string
  /** Scratch root: the run folder with one workspace per job, the artifact store and runner temp. */
  workDir: string
  /** Extra environment for every step, such as AWS_ENDPOINT_URL, credentials and KIT_* variables. */
  env?: Record<string, string>
  /** Handlers for third-party actions by `owner/name`, used before the built-in mappings. */
  stepMapping?: Record<string, ActionHandler>
  onEvent?: (event: RunnerEvent) => void
  /** Cancels the run: the running step gets SIGINT, then SIGTERM after `cancelGraceMs`. */
  signal?: AbortSignal
  github?: GithubOverrides
  /** Wait between SIGINT and SIGTERM (and between SIGTERM and SIGKILL) of a cancelled step; default 7500 ms. */
  cancelGraceMs?: number
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice'
  message: string
  job: string
  step?: string
}

export interface StepResult {
  name: string
  id?: string
  /** Result before continue-on-error is applied. */
  outcome: StepConclusion
  conclusion: StepConclusion
  durationMs: number
  outputs: Record<string, string>
  summary?: string
  /** The reason the step failed, when the runner recorded one. */
  error?: string
  post?: boolean
}

export interface JobResult {
  id: string
  name: string
  conclusion: JobConclusion
  startedAt: string
  durationMs: number
  outputs: Record<string, string>
  environment?: { name: string; url?: string }
  steps: StepResult[]
  /** The reason the job failed or was skipped, when the runner recorded one. */
  error?: string
}

export interface ArtifactRecord {
  name: string
  /** Folder of the artifact in the run's store. */
  path: string
  files: number
  bytes: number
  /** SHA-256 over the sorted `relative path\0file sha256` lines of the artifact's files. */
  sha256: string
  job: string
}

export interface WorkflowRunResult {
  conclusion: WorkflowConclusion
  /** The workflow_call outputs. */
  outputs: Record<string, string>
  jobs: JobResult[]
  artifacts: ArtifactRecord[]
  annotations: Annotation[]
  /** The run folder under workDir. */
  runDir: string
  durationMs: number
}

export type RunnerEvent =
  | { type: 'run-started'; workflow: string; runDir: string }
  | { type: 'run-finished'; conclusion: WorkflowConclusion; durationMs: number }
  | { type: 'job-started'; job: string; name: string }
  | {
      type: 'job-finished'
      job: string
      name: string
      conclusion: JobConclusion
      durationMs: number
      error?: string
    }
  | { type: 'step-started'; job: string; step: string; index: number }
  | {
      type: 'step-finished'
      job: string
      step: string
      index: number
      outcome: StepConclusion
      conclusion: StepConclusion
      durationMs: number
      error?: string
    }
  | {
      type: 'log'
      job?: string
      step?: string
      stream: 'stdout' | 'stderr' | 'runner'
      level: 'debug' | 'info' | 'notice' | 'warning' | 'error'
      line: string
    }

/** A third-party action step as a mapping handler receives it. */
export interface MappedStep {
  /** The `uses:` value, such as `actions/checkout@<sha>`. */
  uses: string
  /** `owner/name` of the action. */
  action: string
  ref: string
  /** The evaluated `with:` values. */
  inputs: Record<string, string>
  workspace: string
  runnerTemp: string
  /** The step's environment. */
  env: Record<string, string>
  job: { id: string; workflowRepository: string; workflowSha: string }
  /** `github.repository` and `github.sha` of the run. */
  github: { repository: string; sha: string }
  options: RunWorkflowOptions
  artifacts: ArtifactStore
  signal: AbortSignal
  log(line: string, level?: 'info' | 'warning' | 'error' | 'notice'): void
  /** Sets a variable for the later steps of the job, like GITHUB_ENV. */
  exportVariable(name: string, value: string): void
  addPath(dir: string): void
  setOutput(name: string, value: string): void
  addMask(value: string): void
}

/** Runs a mapped third-party action; a thrown error fails the step with its message. */
export type ActionHandler = (step: MappedStep) => Promise<void>
