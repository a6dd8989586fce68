import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ArtifactClient } from '@actions/artifact'
import type {
  ArtifactRecord,
  RecordFragment,
} from '../../../common/contracts/records.js'
import { errorMessage } from '../../../common/errors.js'
import type { Logger } from '../../../common/log.js'

/** Files written next to the record file. */
export interface RecordFiles {
  /** The record fragment (with the artifact records). */
  recordFile: string
  /** The artifact records alone, as a JSON array. */
  artifactsFile: string
  /** The frontend checksum list in sha256sum format, when the frontend was checked. */
  checksumsFile?: string
}

/** Path of the artifact records file: the record file's name with `.artifacts.json`. */
export function artifactsFileFor(recordFile: string): string {
  return recordFile.replace(/(\.json)?$/, '.artifacts.json')
}

/** Path of the checksum list: the record file's name with `.sha256sums.txt`. */
export function checksumsFileFor(recordFile: string): string {
  return recordFile.replace(/(\.json)?$/, '.sha256sums.txt')
}

/** Writes the fragment, the artifact records and the checksum list as files. */
export async function writeRecordFiles(
  recordFile: string,
  fragment: RecordFragment,
  checksumList: string | undefined,
): Promise<RecordFiles> {
  await mkdir(path.dirname(recordFile), { recursive: true })
  await writeFile(recordFile, `${JSON.stringify(fragment, null, 2)}\n`)
  const artifactsFile = artifactsFileFor(recordFile)
  const artifacts: ArtifactRecord[] = fragment.artifacts ?? []
  await writeFile(artifactsFile, `${JSON.stringify(artifacts, null, 2)}\n`)
  const files: RecordFiles = { recordFile, artifactsFile }
  if (checksumList !== undefined) {
    files.checksumsFile = checksumsFileFor(recordFile)
    await writeFile(files.checksumsFile, checksumList)
  }
  return files
}

/** Outcome of the records upload, for the log, the summary and the fragment. */
export type RecordsUpload =
  | { status: 'uploaded'; name: string; id?: number; retentionDays: number }
  | { status: 'unavailable'; reason: string }
  | { status: 'failed'; name: string; reason: string }

/** Runner variables that @actions/artifact needs to reach the artifact service. */
export const ARTIFACT_RUNTIME_VARIABLES = [
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RESULTS_URL',
] as const

/**
 * Uploads the record files as a workflow artifact kept `retentionDays`
 * days, when the runner provides artifact storage. Outside a GitHub runner
 * (no ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL) it uploads nothing and
 * returns the reason. A failed upload is returned, not thrown, because the
 * records are also in the step outputs and the record file.
 */
export async function uploadRecords(opts: {
  files: RecordFiles
  name: string
  retentionDays: number
  env: NodeJS.ProcessEnv
  logger: Logger
  /** Artifact client factory; the default loads @actions/artifact. */
  client?: () => Promise<ArtifactClient>
}): Promise<RecordsUpload> {
  const missing = ARTIFACT_RUNTIME_VARIABLES.filter((name) => !opts.env[name])
  if (missing.length > 0) {
    const reason = `the runner provides no artifact storage (${missing.join(' and ')} not set), so the records were not uploaded as a workflow artifact; they are in the step outputs and ${path.basename(opts.files.recordFile)}`
    opts.logger.info(`Records: ${reason}`)
    return { status: 'unavailable', reason }
  }
  const paths = [
    opts.files.recordFile,
    opts.files.artifactsFile,
    ...(opts.files.checksumsFile ? [opts.files.checksumsFile] : []),
  ]
  try {
    const client = await (opts.client ?? defaultArtifactClient)()
    const result = await client.uploadArtifact(
      opts.name,
      paths,
      path.dirname(opts.files.recordFile),
      { retentionDays: opts.retentionDays },
    )
    opts.logger.info(
      `Uploaded the records as workflow artifact ${opts.name} (id ${result.id ?? 'unknown'}, kept ${opts.retentionDays} days)`,
    )
    return {
      status: 'uploaded',
      name: opts.name,
      ...(result.id === undefined ? {} : { id: result.id }),
      retentionDays: opts.retentionDays,
    }
  } catch (error) {
    const reason = errorMessage(error)
    opts.logger.warning(
      `Uploading the records as workflow artifact ${opts.name} failed: ${reason}`,
    )
    return { status: 'failed', name: opts.name, reason }
  }
}

async function defaultArtifactClient(): Promise<ArtifactClient> {
  const artifact = await import('@actions/artifact')
  return new artifact.DefaultArtifactClient()
}
