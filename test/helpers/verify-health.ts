// Shared setup for the verify-health tests: inputs built from action.yml
// defaults plus overrides, and a timed run of the check.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { LookupFunction } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { realSleep, systemClock, type Sleep } from '../../common/clock.js'
import { InputReader } from '../../common/inputs.js'
import { memoryLogger } from '../../common/log.js'
import { OutputWriter, parseCommandFile } from '../../common/outputs.js'
import {
  runActionWith,
  type ActionContext,
  type ActionOutcome,
} from '../../common/run-action.js'
import { Cancellation } from '../../common/signals.js'
import { SummaryBuilder } from '../../common/summary.js'
import {
  verifyHealthAction,
  type VerifyHealthActionDeps,
} from '../../actions/verify-health/src/main.js'
import {
  readVerifyHealthInputs,
  type VerifyHealthInputs,
} from '../../actions/verify-health/src/inputs.js'
import {
  verifyHealth,
  type VerifyResult,
} from '../../actions/verify-health/src/verify.js'
import { defaultsSource } from './action-metadata.js'

/** Short timings so that failing checks end in about a second. */
export const FAST_TIMINGS = {
  'attempt-timeout': '300ms',
  interval: '50ms',
  timeout: '1500ms',
}

/**
 * Time allowed beyond timeout + attempt-timeout before a run counts as
 * hanging. Generous, because the bound is about hangs, not speed.
 */
export const SLACK_MS = 1500

export function readInputs(
  overrides: Record<string, string | undefined>,
): VerifyHealthInputs {
  const { source } = defaultsSource('verify-health', {
    ...FAST_TIMINGS,
    ...overrides,
  })
  return readVerifyHealthInputs(new InputReader(source))
}

export interface TimedRun {
  result: VerifyResult
  inputs: VerifyHealthInputs
  elapsedMs: number
  lines: string[]
  /** Attempts of the first URL. */
  attempts: VerifyResult['urls'][number]['attempts']
}

export async function runCheck(
  overrides: Record<string, string | undefined>,
  deps: { lookup?: LookupFunction; sleep?: Sleep; signal?: AbortSignal } = {},
): Promise<TimedRun> {
  const inputs = readInputs(overrides)
  const logger = memoryLogger()
  const started = Date.now()
  const result = await verifyHealth(inputs, { logger, ...deps })
  const first = result.urls[0]
  if (first === undefined) {
    throw new Error('the check returned no URL result')
  }
  return {
    result,
    inputs,
    elapsedMs: Date.now() - started,
    lines: logger.lines,
    attempts: first.attempts,
  }
}

/** Upper bound on a check's duration: timeout plus one attempt timeout plus slack. */
export function runBound(inputs: VerifyHealthInputs): number {
  return inputs.timeoutMs + inputs.attemptTimeoutMs + SLACK_MS
}

/** Returns a deployment-json value as blue-green-deploy outputs it, in moto's account. */
export function sampleDeploymentState(
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const prefix = 'arn:aws:elasticloadbalancing:us-east-1:123456789012'
  return {
    schema_version: 1,
    strategy: 'alb-weighted',
    region: 'us-east-1',
    cluster: 'shop-production',
    blue: {
      service: 'shop-production-api-blue',
      target_group_arn: `${prefix}:targetgroup/shop-blue/0123456789abcdef`,
    },
    green: {
      service: 'shop-production-api-green',
      target_group_arn: `${prefix}:targetgroup/shop-green/fedcba9876543210`,
    },
    listener_arn: `${prefix}:listener/app/shop/0123456789abcdef/fedcba9876543210`,
    live_colour_before: 'blue',
    target_colour: 'green',
    weights_before: { blue: 100, green: 0 },
    weights_after: { blue: 0, green: 100 },
    previous_desired_count: 2,
    previous_task_definition_arn:
      'arn:aws:ecs:us-east-1:123456789012:task-definition/shop-api:6',
    new_task_definition_arn:
      'arn:aws:ecs:us-east-1:123456789012:task-definition/shop-api:7',
    image_digest: `sha256:${'a'.repeat(64)}`,
    started_at: '2026-12-04T12:00:00.000Z',
    ...overrides,
  }
}

export interface ActionRun {
  outcome: ActionOutcome
  /** Messages passed to setFailed. */
  failures: string[]
  exitCode: number | undefined
  outputs: Record<string, string>
  summary: string
  lines: string[]
  elapsedMs: number
  /** Folder for files of this run (record-file, outputs), removed by cleanup(). */
  dir: string
  cleanup(): void
}

/**
 * Runs the action's main the way runAction does (outputs file, summary,
 * failure handling), with the inputs from action.yml defaults and
 * `overrides`, and a cancellation that never touches the real process.
 */
export async function runVerifyHealthAction(
  overrides: Record<string, string | undefined>,
  deps: VerifyHealthActionDeps = {},
  env: NodeJS.ProcessEnv = {},
  options: { sigtermAfterMs?: number } = {},
): Promise<ActionRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'verify-health-action-'))
  const outputFile = path.join(dir, 'github-output')
  const summaryFile = path.join(dir, 'step-summary')
  const { source } = defaultsSource('verify-health', {
    ...FAST_TIMINGS,
    ...overrides,
  })
  const logger = memoryLogger()
  const context: ActionContext = {
    inputs: new InputReader(source),
    outputs: new OutputWriter({ file: outputFile, logger }),
    summary: new SummaryBuilder({ logger }),
    logger,
    cancellation: new Cancellation({
      logger,
      exitAfterRestore: false,
      process: {
        on: () => undefined,
        off: () => undefined,
        exit: () => undefined,
      },
    }),
    clock: systemClock,
    sleep: realSleep,
    env,
  }

  const failures: string[] = []
  let exitCode: number | undefined
  const previousSummary = process.env.GITHUB_STEP_SUMMARY
  process.env.GITHUB_STEP_SUMMARY = summaryFile

  const started = Date.now()
  const sigterm =
    options.sigtermAfterMs === undefined
      ? undefined
      : setTimeout(
          () => context.cancellation.handleSignal('SIGTERM'),
          options.sigtermAfterMs,
        )
  let outcome: ActionOutcome
  try {
    outcome = await runActionWith(
      (ctx) => verifyHealthAction(ctx, deps),
      context,
      {
        setFailed: (message) => {
          failures.push(message)
        },
        setExitCode: (code) => {
          exitCode = code
        },
        exit: (code) => {
          exitCode = code
        },
      },
    )
  } finally {
    clearTimeout(sigterm)
    if (previousSummary === undefined) {
      delete process.env.GITHUB_STEP_SUMMARY
    } else {
      process.env.GITHUB_STEP_SUMMARY = previousSummary
    }
  }
  const elapsedMs = Date.now() - started
  return {
    outcome,
    failures,
    exitCode,
    outputs: parseCommandFile(readOptional(outputFile)),
    summary: readOptional(summaryFile),
    lines: logger.lines,
    elapsedMs,
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

function readOptional(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}
