/**
 * `terraform apply` of a saved plan with a time limit: on expiry Terraform
 * gets SIGINT, then SIGTERM after the grace period (runCommand's
 * escalation), and the resources whose operations had started but not
 * finished are reported from the streamed log.
 */
import type { CommandResult } from '../../../common/exec.js'
import { formatDuration } from '../../../common/duration.js'
import { describeEnd } from '../../../common/exec.js'
import type { Logger } from '../../../common/log.js'
import type { Terraform } from './terraform.js'
import { failureText } from './terraform.js'

const STARTED =
  /^(\S+): (Creating|Modifying|Destroying|Reading|Refreshing state)\.\.\./
const FINISHED =
  /^(\S+): (Creation|Modifications|Destruction|Read) complete(?: after|\b)/
const ERRORED = /^│ Error: .*\bwith (\S+),/

/**
 * Resources whose operation started and did not finish in an apply log,
 * in the order they started.
 */
export function inProgressResources(log: string): string[] {
  const running = new Map<string, string>()
  for (const raw of log.split(/\r?\n/)) {
    const line = raw
    const started = STARTED.exec(line)
    if (started?.[1] !== undefined) {
      running.set(started[1], started[2] ?? '')
      continue
    }
    const finished = FINISHED.exec(line) ?? ERRORED.exec(line)
    if (finished?.[1] !== undefined) running.delete(finished[1])
  }
  return [...running].map(
    ([address, what]) => `${address} (${what.toLowerCase()})`,
  )
}

export interface ApplyOptions {
  planFile: string
  lockTimeoutArg: string
  timeoutMs: number
  graceMs: number
  /** Logger of apply's lines (default: the Terraform object's logger). */
  logger?: Logger
  onStart?: (running: Promise<CommandResult>) => void
}

export interface ApplyResult {
  result: CommandResult
  inProgress: string[]
}

/** Applies the saved plan; throws with the in-progress resources when it fails or times out. */
export async function applyPlan(
  terraform: Terraform,
  opts: ApplyOptions,
): Promise<ApplyResult> {
  const result = await terraform.run(
    [
      'apply',
      '-input=false',
      '-no-color',
      '-auto-approve',
      opts.lockTimeoutArg,
      opts.planFile,
    ],
    {
      timeoutMs: opts.timeoutMs,
      graceMs: opts.graceMs,
      ...(opts.logger === undefined ? {} : { logger: opts.logger }),
      ...(opts.onStart === undefined ? {} : { onStart: opts.onStart }),
    },
  )
  const inProgress = inProgressResources(result.stdout)
  if (result.exitCode === 0 && !result.timedOut) return { result, inProgress }
  const running =
    inProgress.length === 0
      ? 'No resource operation was in progress.'
      : `In progress when it stopped: ${inProgress.join(', ')}.`
  if (result.timedOut) {
    throw new ApplyError(
      `terraform apply ran out of time after ${formatDuration(opts.timeoutMs)} and ended with ${describeEnd(result.exitCode, result.signal)}. ${running} Run plan again to see what is left, and raise timeout if the changes need longer.`,
      inProgress,
    )
  }
  throw new ApplyError(
    `terraform apply ended with ${describeEnd(result.exitCode, result.signal)}. ${running}\n${failureText(result)}`,
    inProgress,
  )
}

export class ApplyError extends Error {
  readonly inProgress: string[]
  constructor(message: string, inProgress: string[]) {
    super(message)
    this.name = 'ApplyError'
    this.inProgress = inProgress
  }
}
