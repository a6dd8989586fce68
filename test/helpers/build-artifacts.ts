// Runs the build-artifacts main function in this process, with inputs from
// action.yml defaults plus overrides, the stack's environment and a
// workspace folder, and returns what a later step would see.
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
  utimesSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { main } from '../../actions/build-artifacts/src/main.js'
import { realSleep, systemClock } from '../../common/clock.js'
import type { RecordFragment } from '../../common/contracts/records.js'
import { InputReader } from '../../common/inputs.js'
import { memoryLogger } from '../../common/log.js'
import { OutputWriter } from '../../common/outputs.js'
import type { ActionContext } from '../../common/run-action.js'
import { Cancellation } from '../../common/signals.js'
import { SummaryBuilder } from '../../common/summary.js'
import { defaultsSource } from './action-metadata.js'
import { stackEnv } from './stack.js'

export interface BuildArtifactsRun {
  error: unknown
  outputs: Record<string, string>
  summary: string
  log: string[]
  record: RecordFragment | undefined
}

/** Runs main() with `inputs` over the action.yml defaults, in `workspace`. */
export async function runBuildArtifacts(
  workspace: string,
  inputs: Record<string, string | undefined>,
  env: Record<string, string | undefined> = {},
): Promise<BuildArtifactsRun> {
  const logger = memoryLogger()
  const outputs = new OutputWriter({ file: path.join(workspace, '.output') })
  const ctx: ActionContext = {
    inputs: new InputReader(defaultsSource('build-artifacts', inputs).source),
    outputs,
    summary: new SummaryBuilder(),
    logger,
    cancellation: new Cancellation({ logger, exitAfterRestore: false }),
    clock: systemClock,
    sleep: realSleep,
    env: stackEnv({ GITHUB_WORKSPACE: workspace, ...env }),
  }
  let error: unknown
  try {
    await main(ctx)
  } catch (caught) {
    error = caught
  }
  const names = [
    'image-uri',
    'image-digest',
    'image-size-bytes',
    'scan-status',
    'scan-findings-json',
    'frontend-file-count',
    'frontend-size-bytes',
    'frontend-sha256',
    'uploaded-count',
    'unchanged-count',
    'deleted-count',
    'previous-index-json',
    'restored-index-json',
    'invalidation-id',
    'artifacts-json',
    'record-json',
  ]
  const values: Record<string, string> = {}
  for (const name of names) {
    const value = outputs.get(name)
    if (value !== undefined) values[name] = value
  }
  const recordJson = values['record-json']
  return {
    error,
    outputs: values,
    summary: ctx.summary.toMarkdown(),
    log: logger.lines,
    record: recordJson ? (JSON.parse(recordJson) as RecordFragment) : undefined,
  }
}

/** Creates a workspace folder for one test. */
export function makeWorkspace(prefix = 'build-artifacts-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix))
}

/** Writes files under `dir`, creating folders; returns `dir`. */
export function writeTree(
  dir: string,
  files: Record<string, string | Buffer>,
): string {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, content)
  }
  return dir
}

/** Sets a file's access and modification time to `date`. */
export function setMtime(file: string, date: Date): void {
  utimesSync(file, date, date)
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T
}
