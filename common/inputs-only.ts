import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { RecordFragment, StageName } from './contracts/records.js'
import { errorMessage } from './errors.js'
import type { InputReader } from './inputs.js'
import type { ActionContext } from './run-action.js'

/**
 * The main step of an action whose operation is not built yet: it reads and
 * validates the inputs, reports the parsed settings, and then fails with a
 * record fragment that states this, because reporting success for work that was
 * not done would mislead every later step.
 */
export interface InputsOnlyStep<T> {
  action: RecordFragment['action']
  /** Reads and validates every input; throws an InputError for a bad one. */
  read(reader: InputReader): T
  /** Stage named in the record when the inputs could not be read. */
  defaultStage: StageName
  /** Mode and stage of the validated inputs. */
  describe(inputs: T): { mode: string; stage: StageName }
  /** Parsed settings as name and value rows, with every secret left out. */
  settings(inputs: T): Array<[string, string]>
  /** Absolute path of the record file. */
  recordFile(inputs: T): string
}

/**
 * Runs an InputsOnlyStep: sets the `record-json` output (also when the
 * inputs are invalid), writes the record file for valid inputs, logs the
 * settings, adds them to the job summary, and throws the reason.
 */
export async function runInputsOnly<T>(
  ctx: ActionContext,
  step: InputsOnlyStep<T>,
): Promise<void> {
  const startedAt = ctx.clock.now()
  let inputs: T
  try {
    inputs = step.read(ctx.inputs)
  } catch (error) {
    const reason = errorMessage(error)
    const fragment = failedFragment(step.action, step.defaultStage, {
      startedAt,
      completedAt: ctx.clock.now(),
      reason,
      details: { inputs_valid: false },
    })
    ctx.outputs.set('record-json', fragment)
    throw error
  }

  const { mode, stage } = step.describe(inputs)
  const rows = step.settings(inputs)
  await ctx.logger.group('Settings', async () => {
    for (const [name, value] of rows) ctx.logger.info(`${name}: ${value}`)
  })

  const reason = `${step.action} ${mode}: inputs are valid; this version of the kit does not perform the operation yet`
  ctx.summary
    .heading(`${step.action} (${mode})`)
    .paragraph(
      'The inputs are valid. This version of the kit validates inputs only, so nothing was built, changed or deployed.',
    )
    .table(['Setting', 'Value'], rows)

  const fragment = failedFragment(step.action, stage, {
    startedAt,
    completedAt: ctx.clock.now(),
    reason,
    details: { mode, inputs_valid: true },
  })
  ctx.outputs.set('record-json', fragment)
  await writeRecordFile(step.recordFile(inputs), fragment, ctx)
  throw new Error(reason)
}

function failedFragment(
  action: RecordFragment['action'],
  stage: StageName,
  facts: {
    startedAt: number
    completedAt: number
    reason: string
    details: Record<string, unknown>
  },
): RecordFragment {
  return {
    schema_version: 1,
    action,
    stage,
    status: 'failed',
    started_at: new Date(facts.startedAt).toISOString(),
    completed_at: new Date(facts.completedAt).toISOString(),
    duration_seconds: (facts.completedAt - facts.startedAt) / 1000,
    reason: facts.reason,
    details: facts.details,
  }
}

/** Writes the fragment as JSON; a failed write is logged, because the step fails anyway. */
async function writeRecordFile(
  file: string,
  fragment: RecordFragment,
  ctx: ActionContext,
): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, `${JSON.stringify(fragment, null, 2)}\n`)
    ctx.logger.info(`Wrote the record fragment to ${file}`)
  } catch (error) {
    ctx.logger.error(
      `Writing the record fragment to ${file} failed: ${errorMessage(error)}`,
    )
  }
}

/** Formats an optional epoch-ms instant for a settings row. */
export function showInstant(epochMs: number | undefined): string {
  return epochMs === undefined ? '(none)' : new Date(epochMs).toISOString()
}

/** Lists the names of `NAME=value` pairs for a settings row, leaving the values out. */
export function showNames(entries: Array<[string, string]>): string {
  return entries.length === 0 ? '(none)' : entries.map(([k]) => k).join(', ')
}
