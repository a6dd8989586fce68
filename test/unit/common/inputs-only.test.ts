import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { RecordFragment } from '../../../common/contracts/records.js'
import { InputError } from '../../../common/errors.js'
import { InputReader } from '../../../common/inputs.js'
import {
  runInputsOnly,
  type InputsOnlyStep,
} from '../../../common/inputs-only.js'
import { memoryLogger } from '../../../common/log.js'
import { OutputWriter } from '../../../common/outputs.js'
import type { ActionContext } from '../../../common/run-action.js'
import { Cancellation } from '../../../common/signals.js'
import { SummaryBuilder } from '../../../common/summary.js'

interface Parsed {
  mode: string
  file: string
}

let folder: string
let now: number

beforeEach(() => {
  folder = mkdtempSync(path.join(tmpdir(), 'inputs-only-'))
  now = Date.UTC(2026, 4, 1, 12)
})

afterEach(() => {
  rmSync(folder, { recursive: true, force: true })
})

function context(inputs: Record<string, string>) {
  const logger = memoryLogger()
  const outputs = new OutputWriter({ file: path.join(folder, 'output') })
  const summary = new SummaryBuilder()
  const ctx: ActionContext = {
    inputs: new InputReader((name) => inputs[name]),
    outputs,
    summary,
    logger,
    cancellation: new Cancellation({ logger }),
    clock: { now: () => (now += 250) },
    sleep: async () => {},
    env: {},
  }
  return { ctx, logger, outputs, summary }
}

const STEP: InputsOnlyStep<Parsed> = {
  action: 'terraform-apply',
  read: (reader) => ({
    mode: reader.enumValue('mode', ['plan', 'apply'], { required: true }),
    file: path.join(folder, 'records', 'record.json'),
  }),
  defaultStage: 'infrastructure',
  describe: (parsed) => ({ mode: parsed.mode, stage: 'infrastructure' }),
  settings: (parsed) => [['mode', parsed.mode]],
  recordFile: (parsed) => parsed.file,
}

async function failure(run: Promise<void>): Promise<unknown> {
  try {
    await run
  } catch (error) {
    return error
  }
  throw new Error('runInputsOnly did not fail')
}

describe('runInputsOnly', () => {
  it('fails with the not-built reason', async () => {
    const { ctx } = context({ mode: 'apply' })
    const error = await failure(runInputsOnly(ctx, STEP))

    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toBe(
      'terraform-apply apply: inputs are valid; this version of the kit does not perform the operation yet',
    )
  })

  it('records a failed fragment', async () => {
    const { ctx, outputs } = context({ mode: 'apply' })
    await failure(runInputsOnly(ctx, STEP))
    const fragment = JSON.parse(
      outputs.get('record-json') ?? '{}',
    ) as RecordFragment

    expect(fragment.action).toBe('terraform-apply')
    expect(fragment.stage).toBe('infrastructure')
    expect(fragment.status).toBe('failed')
    expect(fragment.reason).toContain('does not perform the operation yet')
    expect(fragment.details).toEqual({ mode: 'apply', inputs_valid: true })
    expect(fragment.duration_seconds).toBe(0.25)
  })

  it('writes the record file', async () => {
    const { ctx, outputs } = context({ mode: 'plan' })
    await failure(runInputsOnly(ctx, STEP))
    const file = path.join(folder, 'records', 'record.json')

    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(
      JSON.parse(outputs.get('record-json') ?? ''),
    )
  })

  it('logs and summarises the settings', async () => {
    const { ctx, logger, summary } = context({ mode: 'plan' })
    await failure(runInputsOnly(ctx, STEP))

    expect(logger.lines).toContain('info: mode: plan')
    expect(summary.toMarkdown()).toContain('| mode | plan |')
  })

  it('records invalid inputs too', async () => {
    const { ctx, outputs } = context({ mode: 'destroy' })
    const error = await failure(runInputsOnly(ctx, STEP))
    const fragment = JSON.parse(
      outputs.get('record-json') ?? '{}',
    ) as RecordFragment

    expect(error).toBeInstanceOf(InputError)
    expect(fragment.status).toBe('failed')
    expect(fragment.stage).toBe('infrastructure')
    expect(fragment.reason).toBe((error as Error).message)
    expect(fragment.details).toEqual({ inputs_valid: false })
    expect(existsSync(path.join(folder, 'records'))).toBe(false)
  })
})
