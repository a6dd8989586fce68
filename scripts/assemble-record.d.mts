import type {
  DeploymentRecord,
  RecordFragment,
  RunStatus,
} from '../common/contracts/records.js'

/** A job of the `needs` context, as `toJSON(needs)` renders it. */
export interface NeededJob {
  result?: string
  outputs?: Record<string, string>
}

export type Needs = Record<string, NeededJob | undefined>

export const JOB_ORDER: string[]

export function collectFragments(needs: Needs): {
  fragments: RecordFragment[]
  warnings: string[]
}

export function runStatus(needs: Needs): RunStatus

export function assembleRecord(options: {
  needs: Needs
  env: Record<string, string | undefined>
  now: Date
}): { record: DeploymentRecord; warnings: string[] }

export function cell(value: unknown): string

export function renderSummary(record: DeploymentRecord): string
