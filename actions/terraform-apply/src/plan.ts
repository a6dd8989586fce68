/**
 * `terraform plan -detailed-exitcode` and `terraform show -json` of the
 * saved plan. Plan's exit codes: 0 no changes, 2 changes, anything else a
 * failure (a lock held by someone else included).
 */
import type { CommandResult } from '../../../common/exec.js'
import { describeEnd } from '../../../common/exec.js'
import { describeLock, parseLockError } from './lock.js'
import { parsePlanJson, type PlanJson } from './plan-json.js'
import type { Terraform } from './terraform.js'
import { failureText } from './terraform.js'

export interface PlanOptions {
  planFile: string
  /** -var-file arguments' files, in order (later ones win). */
  varFiles: string[]
  lockTimeoutArg: string
  /** The lock timeout as the input gave it, for messages. */
  lockTimeoutText: string
  timeoutMs: number
  graceMs: number
  /** Logs plan's output while it runs (default true). */
  echo?: boolean
  onStart?: (running: Promise<CommandResult>) => void
}

export interface PlanResult {
  hasChanges: boolean
  result: CommandResult
}

/** Raised when the state is locked by someone else for longer than the lock timeout. */
export class StateLockedError extends Error {
  readonly holderId: string
  constructor(message: string, holderId: string) {
    super(message)
    this.name = 'StateLockedError'
    this.holderId = holderId
  }
}

/** Runs plan and reads its detailed exit code. */
export async function runPlan(
  terraform: Terraform,
  opts: PlanOptions,
): Promise<PlanResult> {
  const result = await terraform.run(
    [
      'plan',
      '-input=false',
      '-no-color',
      '-detailed-exitcode',
      opts.lockTimeoutArg,
      `-out=${opts.planFile}`,
      ...opts.varFiles.map((file) => `-var-file=${file}`),
    ],
    {
      timeoutMs: opts.timeoutMs,
      graceMs: opts.graceMs,
      echo: opts.echo ?? true,
      ...(opts.onStart === undefined ? {} : { onStart: opts.onStart }),
    },
  )
  if (result.exitCode === 0) return { hasChanges: false, result }
  if (result.exitCode === 2) return { hasChanges: true, result }
  const holder = parseLockError(`${result.stderr}\n${result.stdout}`)
  if (holder !== undefined) {
    throw new StateLockedError(
      `The state is locked by another run (${describeLock(holder)}); waited ${opts.lockTimeoutText} (lock-timeout) without getting it. Wait for that run to finish, or raise lock-timeout. If the lock is stale, remove it with terraform force-unlock ${holder.ID}.`,
      holder.ID,
    )
  }
  const timedOut = result.timedOut ? ' (it ran out of time)' : ''
  throw new Error(
    `terraform plan ended with ${describeEnd(result.exitCode, result.signal)}${timedOut}:\n${failureText(result)}`,
  )
}

/** Reads the saved plan as JSON. Its output is not logged, because it contains sensitive values. */
export async function showPlan(
  terraform: Terraform,
  planFile: string,
  timeoutMs: number,
): Promise<PlanJson> {
  const result = await terraform.run(['show', '-json', '-no-color', planFile], {
    echo: false,
    timeoutMs,
  })
  if (result.exitCode !== 0) {
    throw new Error(
      `terraform show -json ended with ${describeEnd(result.exitCode, result.signal)}:\n${failureText(result)}`,
    )
  }
  return parsePlanJson(result.stdout)
}
