import * as core from './runner-commands.js'

import { realSleep, systemClock, type Clock, type Sleep } from './clock.js'
import { errorMessage } from './errors.js'
import { envInputSource, InputReader } from './inputs.js'
import { actionsLogger, type Logger } from './log.js'
import { redact } from './masking.js'
import { OutputWriter } from './outputs.js'
import { Cancellation, signalExitCode } from './signals.js'
import { escapeMarkdown, SummaryBuilder } from './summary.js'

/** Everything an action's main function works with. */
export interface ActionContext {
  inputs: InputReader
  outputs: OutputWriter
  summary: SummaryBuilder
  logger: Logger
  cancellation: Cancellation
  clock: Clock
  sleep: Sleep
  env: NodeJS.ProcessEnv
}

export type ActionMain = (ctx: ActionContext) => Promise<void>

/** The process-level effects of runActionWith, replaced by fakes in tests. */
export interface ActionHost {
  /** Marks the step failed with one error line (core.setFailed). */
  setFailed(message: string): void
  /** Sets the exit code the process ends with (process.exitCode). */
  setExitCode(code: number): void
  /** Ends the process at once (process.exit), used after a cancellation. */
  exit(code: number): void
}

export type ActionOutcome = 'succeeded' | 'failed' | 'cancelled'

/**
 * Time that `main` gets, after the restore steps have run, to finish its
 * own unwinding (catch and finally blocks) before the outputs are written
 * and the process exits.
 */
export const CANCEL_SETTLE_MS = 5_000

/**
 * Runs an action's main function with a context built from the process:
 * inputs from INPUT_* variables, outputs to $GITHUB_OUTPUT, the job summary
 * to $GITHUB_STEP_SUMMARY, and SIGINT/SIGTERM handling. See runActionWith.
 */
export async function runAction(main: ActionMain): Promise<void> {
  const env = process.env
  const logger = actionsLogger
  const ctx: ActionContext = {
    inputs: new InputReader(envInputSource(env)),
    outputs: new OutputWriter({ logger }),
    summary: new SummaryBuilder({ logger }),
    logger,
    cancellation: new Cancellation({ logger, exitAfterRestore: false }),
    clock: systemClock,
    sleep: realSleep,
    env,
  }
  await runActionWith(main, ctx, {
    setFailed: (message) => core.setFailed(message),
    setExitCode: (code) => {
      process.exitCode = code
    },
    exit: (code) => process.exit(code),
  })
}

/**
 * Installs the cancellation, runs `main`, then writes the outputs and the
 * job summary, also when `main` fails or is cancelled.
 *
 * - Failure: one setFailed line with the error message (the stack follows
 *   only when SHOW_STACK_TRACE=true, RUNNER_DEBUG=1 or
 *   ACTIONS_STEP_DEBUG=true), exit code 1.
 * - Cancellation: waits for the restore steps, then up to `settleMs` for
 *   `main` to return, writes the outputs and the summary and calls
 *   host.exit(130) for SIGINT or host.exit(143) for SIGTERM. A second
 *   signal exits at once through the cancellation's own process.
 *
 * Create `ctx.cancellation` with `exitAfterRestore: false`, because this
 * function decides when to exit.
 */
export async function runActionWith(
  main: ActionMain,
  ctx: ActionContext,
  host: ActionHost,
  settleMs = CANCEL_SETTLE_MS,
): Promise<ActionOutcome> {
  const { cancellation, logger } = ctx
  cancellation.install()

  const mainDone = Promise.resolve()
    .then(() => main(ctx))
    .then(
      () => ({ failed: false, error: undefined as unknown }),
      (error: unknown) => ({ failed: true, error }),
    )
  const aborted = new Promise<void>((resolve) => {
    if (cancellation.signal.aborted) resolve()
    cancellation.signal.addEventListener('abort', () => resolve(), {
      once: true,
    })
  })
  const result = await Promise.race([mainDone, aborted])

  const cancelledBy = cancellation.cancelledBy
  if (cancelledBy !== undefined) {
    await cancellation.restore()
    await settleWithin(mainDone, settleMs)
    const message = `The action was cancelled by ${cancelledBy}`
    host.setFailed(message)
    ctx.summary.paragraph(escapeMarkdown(`${message}.`))
    await writeOutputsAndSummary(ctx)
    host.exit(signalExitCode(cancelledBy))
    return 'cancelled'
  }

  const { failed, error } = result ?? (await mainDone)
  if (failed) {
    const message = redact(errorMessage(error))
    host.setFailed(message)
    if (showStackTrace(ctx.env)) logger.info(stackTrace(error))
    ctx.summary.paragraph(escapeMarkdown(`Failed: ${message}`))
  }

  const problems = await writeOutputsAndSummary(ctx)
  cancellation.uninstall()
  if (!failed && problems.length > 0) {
    host.setFailed(problems.join('; '))
  }
  if (failed || problems.length > 0) {
    host.setExitCode(1)
    return 'failed'
  }
  return 'succeeded'
}

/** Waits for `promise` to settle, but no longer than `ms`. */
async function settleWithin(promise: Promise<unknown>, ms: number) {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  await Promise.race([promise, timeout])
  clearTimeout(timer)
}

/** Whether the failure line should be followed by the stack trace. */
export function showStackTrace(env: NodeJS.ProcessEnv): boolean {
  return (
    env.SHOW_STACK_TRACE === 'true' ||
    env.RUNNER_DEBUG === '1' ||
    env.ACTIONS_STEP_DEBUG === 'true'
  )
}

/** Stack traces of an error and its causes, or the message when there is none. */
function stackTrace(error: unknown): string {
  const traces: string[] = []
  let current: unknown = error
  while (current instanceof Error && traces.length < 5) {
    traces.push(current.stack ?? errorMessage(current))
    current = current.cause
  }
  if (traces.length === 0) return errorMessage(error)
  return traces.join('\nCaused by: ')
}

/**
 * Flushes the outputs and writes the summary. Returns what failed instead
 * of throwing, so that one failure does not stop the other write.
 */
async function writeOutputsAndSummary(ctx: ActionContext): Promise<string[]> {
  const problems: string[] = []
  try {
    await ctx.outputs.flush()
  } catch (error) {
    const message = `Writing the step outputs failed: ${errorMessage(error)}`
    ctx.logger.error(message)
    problems.push(message)
  }
  try {
    await ctx.summary.write()
  } catch (error) {
    ctx.logger.warning(`Writing the job summary failed: ${errorMessage(error)}`)
  }
  return problems
}
