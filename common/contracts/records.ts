/**
 * Records that cross steps and jobs: the deployment state that
 * blue-green-deploy hands to rollback, the fragment each action writes, the
 * artifact records of build-artifacts and the deployment record that the
 * reusable workflow assembles. None of them may hold a secret, because they
 * travel as step outputs, files and uploaded artifacts.
 *
 * Field names are snake_case because these documents are read by people and
 * by other tools (jq, the workflow's expressions), not only by this code.
 */

/** Lifecycle of a pipeline run: pending, then running, then one final state. */
export type RunStatus =
  'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled'

/** Outcome of one action's stage; `skipped` when the stage had nothing to do. */
export type StageStatus = 'succeeded' | 'failed' | 'cancelled' | 'skipped'

export type StageName =
  | 'build'
  | 'test'
  | 'infrastructure'
  | 'deploy'
  | 'publish'
  | 'verify'
  | 'rollback'

export type Colour = 'blue' | 'green'

/** Weight of each colour's target group on the production listener, 0 to 999. */
export interface ColourWeights {
  blue: number
  green: number
}

/** One half of a blue/green pair: an ECS service and its target group. */
export interface ColourTarget {
  service: string
  target_group_arn: string
}

/**
 * State of one blue/green deployment, output by blue-green-deploy as
 * `deployment-json`. Rollback takes exactly this object.
 */
export interface DeploymentState {
  schema_version: 1
  strategy: 'alb-weighted'
  region: string
  cluster: string
  blue: ColourTarget
  green: ColourTarget
  /** Listener ARN, or the rule ARN when traffic is routed by a listener rule. */
  listener_arn: string
  rule_arn?: string
  /** Colour that served production before the deploy. */
  live_colour_before: Colour
  /** Colour that received the new task definition. */
  target_colour: Colour
  weights_before: ColourWeights
  weights_after: ColourWeights
  /** Desired count of the colour that was live before, for a scale-up on rollback. */
  previous_desired_count: number
  previous_task_definition_arn: string | null
  new_task_definition_arn: string
  image_digest: string
  started_at: string
}

/** Registry or bucket an artifact was published to. */
export type ArtifactLocation =
  | { kind: 'ecr'; registry: string; repository: string; image_uri: string }
  | { kind: 's3'; bucket: string; prefix: string }
  | { kind: 'workflow-artifact'; name: string }

/** Result of the security scan that gates an artifact. */
export interface ScanResult {
  /** `disabled` when `severity-threshold: none` turned the gate off. */
  status: 'passed' | 'failed' | 'disabled'
  threshold: string
  finding_counts: Record<string, number>
}

interface ArtifactRecordBase {
  name: string
  /** Tag or commit SHA. */
  version: string
  size_bytes: number
  sha256: string
  created_at: string
  location: ArtifactLocation
  pipeline_run_id: string
  scan: ScanResult
}

export interface BackendImageRecord extends ArtifactRecordBase {
  type: 'backend_image'
  image_uri: string
  image_digest: string
  health_check_path: string
  runtime: string
}

export interface FrontendFilesRecord extends ArtifactRecordBase {
  type: 'frontend_files'
  bucket: string | null
  prefix: string
  file_count: number
  index_file: string
  /** Version id or copy key of the `index.html` that publish replaced. */
  previous_index?: { bucket: string; key: string; version_id?: string }
}

export type ArtifactRecord = BackendImageRecord | FrontendFilesRecord

/**
 * What one action reports about its stage, output as `record-json` and
 * written as a JSON file. `details` holds the stage's own facts (changes,
 * traffic moves, probe results).
 */
export interface RecordFragment {
  schema_version: 1
  action:
    | 'build-artifacts'
    | 'terraform-apply'
    | 'blue-green-deploy'
    | 'verify-health'
  stage: StageName
  status: StageStatus
  started_at: string
  completed_at: string
  duration_seconds: number
  /** Short reason when the status is failed or cancelled. */
  reason?: string
  artifacts?: ArtifactRecord[]
  details?: Record<string, unknown>
}

/** The record of a whole pipeline run, assembled from the fragments. */
export interface DeploymentRecord {
  schema_version: 1
  run: {
    id: string
    name: string
    status: RunStatus
    trigger: 'push' | 'pull_request' | 'manual'
    branch: string
    commit_sha: string
    started_at: string
    completed_at: string
    duration_seconds: number
    environment: string
  }
  jobs: Array<{ name: string; result: string }>
  artifacts: ArtifactRecord[]
  stages: RecordFragment[]
  deployment?: DeploymentState
}
