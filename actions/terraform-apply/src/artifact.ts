/**
 * The reviewed-plan artifact: the redacted rendering and the plan hash,
 * written to a folder under RUNNER_TEMP and uploaded as a workflow artifact
 * when the runner provides the artifact service. The binary plan file is
 * never part of it.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { errorMessage } from '../../../common/errors.js'
import type { Logger } from '../../../common/log.js'
import { redact } from '../../../common/masking.js'

export interface PlanArtifact {
  name: string
  rendering: string
  hash: string
  summary: Record<string, unknown>
  retentionDays: number
}

export interface ArtifactResult {
  folder: string
  files: string[]
  uploaded: boolean
}

export type UploadFn = (
  name: string,
  files: string[],
  root: string,
  retentionDays: number,
) => Promise<void>

/** Uploads through @actions/artifact; loaded only when used. */
export const uploadWithActionsArtifact: UploadFn = async (
  name,
  files,
  root,
  retentionDays,
) => {
  const { DefaultArtifactClient } = await import('@actions/artifact')
  await new DefaultArtifactClient().uploadArtifact(name, files, root, {
    retentionDays,
  })
}

/** Writes the artifact's files and uploads them when the runner allows it. */
export async function publishPlanArtifact(
  artifact: PlanArtifact,
  opts: { env: NodeJS.ProcessEnv; logger: Logger; upload?: UploadFn },
): Promise<ArtifactResult> {
  const base = opts.env.RUNNER_TEMP || tmpdir()
  const folder = path.join(base, 'terraform-apply-artifacts', artifact.name)
  await mkdir(folder, { recursive: true })
  const files = [
    path.join(folder, 'plan.md'),
    path.join(folder, 'plan-hash.txt'),
    path.join(folder, 'plan-summary.json'),
  ]
  await writeFile(files[0] as string, `${redact(artifact.rendering)}\n`)
  await writeFile(files[1] as string, `${artifact.hash}\n`)
  await writeFile(
    files[2] as string,
    `${redact(JSON.stringify(artifact.summary, null, 2))}\n`,
  )
  if (!opts.env.ACTIONS_RUNTIME_TOKEN) {
    opts.logger.info(
      `No artifact service (ACTIONS_RUNTIME_TOKEN is not set): the plan rendering and hash stay in ${folder}`,
    )
    return { folder, files, uploaded: false }
  }
  try {
    await (opts.upload ?? uploadWithActionsArtifact)(
      artifact.name,
      files,
      folder,
      artifact.retentionDays,
    )
    opts.logger.info(
      `Uploaded the plan rendering and hash as artifact ${artifact.name} (kept ${artifact.retentionDays} days)`,
    )
    return { folder, files, uploaded: true }
  } catch (error) {
    throw new Error(
      `Uploading the plan artifact ${artifact.name} failed: ${errorMessage(error)}`,
      { cause: error },
    )
  }
}
