import type { ChildProcess } from 'node:child_process'

import { errorMessage, CancelledError } from './errors.js'
import type { Logger } from './log.js'
import { plural } from './plural.js'

/** The part of `process` that Cancellation uses, replaced by a fake in tests. */
export interface SignalProcess {
  on(event: CancelSignal, listener: (signal: NodeJS.Signals) => void): unknown
  off(event: CancelSignal, listener: (signal: NodeJS.Signals) => void): unknown
  exit(code: number): void
}

export type CancelSignal = 'SIGINT' | 'SIGTERM'

const CANCEL_SIGNALS: readonly CancelSignal[] = ['SIGINT', 'SIGTERM']

/** Exit code for a process ended by a signal, as shells report it: 128 + signal number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : 143
}

export interface CancellationOptions {
  /** Defaults to the real `process`. */
  process?: SignalProcess
  logger?: Logger
  /**
   * Exit with 130 (SIGINT) or 143 (SIGTERM) once the restore steps have run
   * (default true), so an action whose main code ignores the abort still
   * stops.
   */
  exitAfterRestore?: boolean
}

interface RestoreStep {
  name: string
  fn: () => Promise<void>
}

/**
 * Process-wide cancellation. The first SIGINT or SIGTERM is forwarded at
 * once to every tracked child that is still running, aborts `signal`, and
 * runs the restore steps (last registered first, each once, a failing step
 * logged without stopping the others). Then the process exits with 130 or
 * 143 unless `exitAfterRestore` is false. A second signal forces the exit
 * at once.
 */
export class Cancellation {
  private readonly controller = new AbortController()
  private readonly proc: SignalProcess
  private readonly logger: Logger | undefined
  private readonly exitAfterRestore: boolean
  private readonly children = new Set<ChildProcess>()
  private readonly steps: RestoreStep[] = []
  private receivedSignal: NodeJS.Signals | undefined
  private restoring: Promise<void> | undefined
  private installed = false
  private readonly listener = (signal: NodeJS.Signals): void => {
    this.handleSignal(signal)
  }

  constructor(opts: CancellationOptions = {}) {
    this.proc = opts.process ?? process
    this.logger = opts.logger
    this.exitAfterRestore = opts.exitAfterRestore ?? true
  }

  /** Aborts, with a CancelledError as reason, when the first signal arrives. */
  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** The signal that cancelled the process, or undefined while none arrived. */
  get cancelledBy(): NodeJS.Signals | undefined {
    return this.receivedSignal
  }

  /**
   * Tracks a child so that signals are forwarded to it until it exits. A
   * child tracked after the cancellation gets the signal at once.
   */
  trackChild(child: ChildProcess): void {
    if (!isRunning(child)) return
    if (this.receivedSignal !== undefined) {
      this.forwardTo(child, this.receivedSignal)
    }
    this.children.add(child)
    const untrack = (): void => {
      this.children.delete(child)
    }
    child.once('exit', untrack)
    child.once('error', untrack)
  }

  /**
   * Registers a step that brings a change back when the run is cancelled
   * while the change is under way. Returns a function that unregisters the
   * step, to call once the change has completed and should stay.
   */
  onRestore(name: string, fn: () => Promise<void>): () => void {
    const step = { name, fn }
    if (this.restoring !== undefined) {
      this.logger?.warning(
        `Restore step '${name}' was registered after the restore began and will not run`,
      )
    }
    this.steps.push(step)
    return () => {
      const index = this.steps.indexOf(step)
      if (index >= 0) this.steps.splice(index, 1)
    }
  }

  /** Adds the SIGINT and SIGTERM listeners to the process. A second call does nothing. */
  install(): void {
    if (this.installed) return
    for (const name of CANCEL_SIGNALS) this.proc.on(name, this.listener)
    this.installed = true
  }

  /** Removes the listeners that install() added. */
  uninstall(): void {
    if (!this.installed) return
    for (const name of CANCEL_SIGNALS) this.proc.off(name, this.listener)
    this.installed = false
  }

  /** Throws the CancelledError when a signal has arrived. */
  throwIfCancelled(): void {
    if (this.controller.signal.aborted) {
      throw this.controller.signal.reason as CancelledError
    }
  }

  /**
   * Runs the restore steps, last registered first, and resolves when all
   * have finished. Later calls return the same promise, so each step runs
   * once.
   */
  restore(): Promise<void> {
    this.restoring ??= this.runRestoreSteps()
    return this.restoring
  }

  /**
   * Handles SIGINT or SIGTERM as the installed listeners do. Exposed so
   * that code can cancel without a process signal.
   */
  handleSignal(signal: NodeJS.Signals): void {
    const first = this.receivedSignal === undefined
    this.forwardToAll(signal)
    if (!first) {
      this.logger?.warning(
        `Received ${signal} again while restoring; exiting now with code ${signalExitCode(signal)}`,
      )
      this.proc.exit(signalExitCode(signal))
      return
    }

    this.receivedSignal = signal
    this.logger?.warning(
      this.steps.length === 0
        ? `Received ${signal}: cancelling; there is nothing to undo`
        : `Received ${signal}: cancelling, then undoing what this step changed (${plural(this.steps.length, 'clean-up step')})`,
    )
    this.controller.abort(new CancelledError(signal))
    void this.restore().then(() => {
      if (this.exitAfterRestore) this.proc.exit(signalExitCode(signal))
    })
  }

  private forwardToAll(signal: NodeJS.Signals): void {
    for (const child of this.children) this.forwardTo(child, signal)
  }

  private forwardTo(child: ChildProcess, signal: NodeJS.Signals): void {
    if (!isRunning(child)) return
    this.logger?.info(`Forwarding ${signal} to child process ${child.pid}`)
    try {
      child.kill(signal)
    } catch (error) {
      this.logger?.warning(
        `Could not send ${signal} to child process ${child.pid}: ${errorMessage(error)}`,
      )
    }
  }

  private async runRestoreSteps(): Promise<void> {
    const steps = [...this.steps].reverse()
    for (const step of steps) {
      this.logger?.info(`Restore step '${step.name}' started`)
      try {
        await step.fn()
        this.logger?.info(`Restore step '${step.name}' finished`)
      } catch (error) {
        this.logger?.error(
          `Restore step '${step.name}' failed: ${errorMessage(error)}`,
        )
      }
    }
  }
}

function isRunning(child: ChildProcess): boolean {
  return (
    child.pid !== undefined &&
    child.exitCode === null &&
    child.signalCode === null
  )
}
