import type {
  ArtifactRecord,
  FrontendFilesRecord,
  RecordFragment,
  StageName,
  StageStatus,
} from '../../../common/contracts/records.js'

/**
 * What the step found and did, filled in by the parts as they run and
 * turned into the record fragment, the outputs and the job summary at the
 * end, also when a part fails.
 */
export class StepReport {
  readonly artifacts: ArtifactRecord[] = []
  readonly details: Record<string, unknown> = {}
  /** Rows of the job summary's overview table: part, result. */
  readonly rows: Array<[string, string]> = []
  /** Markdown sections added after the overview. */
  readonly sections: Array<{ title: string; lines: string[] }> = []
  checksumList?: string
  /** Set when the step had nothing to do; the record then shows status `skipped`. */
  skippedReason?: string

  constructor(readonly startedAt: number) {}

  /** Adds or replaces the frontend record (frontend and publish describe the same files). */
  setFrontendRecord(record: FrontendFilesRecord): void {
    const index = this.artifacts.findIndex((a) => a.type === 'frontend_files')
    if (index === -1) this.artifacts.push(record)
    else this.artifacts[index] = record
  }

  frontendRecord(): FrontendFilesRecord | undefined {
    return this.artifacts.find(
      (a): a is FrontendFilesRecord => a.type === 'frontend_files',
    )
  }

  fragment(opts: {
    stage: StageName
    status: StageStatus
    completedAt: number
    reason?: string
  }): RecordFragment {
    return {
      schema_version: 1,
      action: 'build-artifacts',
      stage: opts.stage,
      status: opts.status,
      started_at: new Date(this.startedAt).toISOString(),
      completed_at: new Date(opts.completedAt).toISOString(),
      duration_seconds: (opts.completedAt - this.startedAt) / 1000,
      ...(opts.reason === undefined ? {} : { reason: opts.reason }),
      artifacts: this.artifacts,
      details: this.details,
    }
  }
}
