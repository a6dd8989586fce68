/**
 * Runs the Terraform (or OpenTofu) binary through the shared runCommand.
 *
 * Process groups: when the runner cancels a job it may signal the whole
 * process group, and the action also forwards the signal to its children.
 * Terraform reads a second SIGINT as "exit now", which can leave the state
 * lock and half-written state behind. On Linux the binary therefore starts
 * through `setsid`, which gives it a session and process group of its own
 * and then executes the binary in place (same process id), so only the
 * action's explicit forwarding reaches it, exactly once. Where `setsid` is
 * missing the binary starts directly, and a group-wide signal may reach it
 * twice.
 */
import { accessSync, constants } from 'node:fs'
import path from 'node:path'
import { runCommand, type CommandResult } from '../../../common/exec.js'
import type { Logger } from '../../../common/log.js'
import type { Cancellation } from '../../../common/signals.js'

export interface TerraformOptions {
  binary: string
  cwd: string
  env: NodeJS.ProcessEnv
  logger: Logger
  cancellation?: Cancellation
  /** Path of setsid, or undefined to start the binary directly. */
  setsid?: string
}

export interface CommandOptions {
  timeoutMs?: number
  graceMs?: number
  /** Logs each output line (default true). */
  echo?: boolean
  /** Logger of this command's lines (default: the Terraform object's logger). */
  logger?: Logger
  /** Called with the child's pid-independent promise while it runs. */
  onStart?: (running: Promise<CommandResult>) => void
}

/** A Terraform binary bound to a working directory and environment. */
export class Terraform {
  readonly binary: string
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  private readonly logger: Logger
  private readonly cancellation: Cancellation | undefined
  private readonly setsid: string | undefined

  constructor(opts: TerraformOptions) {
    this.binary = opts.binary
    this.cwd = opts.cwd
    this.env = opts.env
    this.logger = opts.logger
    this.cancellation = opts.cancellation
    this.setsid = opts.setsid
  }

  /** Runs `binary args...` and returns how it ended; the caller reads the exit code. */
  run(args: string[], opts: CommandOptions = {}): Promise<CommandResult> {
    const [cmd, fullArgs] =
      this.setsid === undefined
        ? [this.binary, args]
        : [this.setsid, [this.binary, ...args]]
    const running = runCommand(cmd, fullArgs, {
      cwd: this.cwd,
      env: this.env,
      logger: opts.logger ?? this.logger,
      ...(this.cancellation === undefined
        ? {}
        : { cancellation: this.cancellation }),
      ...(opts.timeoutMs === undefined || !Number.isFinite(opts.timeoutMs)
        ? {}
        : { timeoutMs: opts.timeoutMs }),
      ...(opts.graceMs === undefined ? {} : { graceMs: opts.graceMs }),
      echo: opts.echo ?? true,
      label: `${path.basename(this.binary)} ${args[0] ?? ''}`.trim(),
    })
    opts.onStart?.(running)
    return running
  }
}

/** Finds an executable named `name` on PATH. */
export function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv,
): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue
    const file = path.join(dir, name)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      // not here
    }
  }
  return undefined
}

/** Finds the setsid binary on Linux; returns undefined elsewhere or when it is missing. */
export function findSetsid(env: NodeJS.ProcessEnv): string | undefined {
  if (process.platform !== 'linux') return undefined
  return findOnPath('setsid', env)
}

/** Last lines of a command's output, for error messages. */
export function tail(text: string, lines = 20): string {
  return text.trim().split(/\r?\n/).slice(-lines).join('\n')
}

/** Error text of a failed command: its stderr, or stdout when stderr is empty. */
export function failureText(result: CommandResult): string {
  return tail(result.stderr.trim() === '' ? result.stdout : result.stderr)
}
