// Running one step process: output split into lines, cancellation and
// timeouts stopped with SIGINT, then SIGTERM, then SIGKILL, sent to the
// step's whole process group so that the shell's children stop too.
import { spawn } from 'node:child_process'

export interface StepProcessOptions {
  command: string
  args: string[]
  cwd: string
  env: Record<string, string>
  /** Aborted when the run is cancelled. */
  signal?: AbortSignal
  /** Limit of the step; undefined for none. */
  timeoutMs?: number
  /** Wait between SIGINT and SIGTERM, and between SIGTERM and SIGKILL. */
  graceMs: number
  onLine: (stream: 'stdout' | 'stderr', line: string) => void
}

export interface StepProcessResult {
  exitCode: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  cancelled: boolean
}

// Process groups still running, killed when this process exits so that no
// step outlives the runner.
const liveGroups = new Set<number>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const pid of liveGroups) {
      try {
        process.kill(-pid, 'SIGKILL')
      } catch {
        // The group is already gone.
      }
    }
  })
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // The group is already gone.
  }
}

/** Runs a step's process to its end and returns how it ended. */
export function runStepProcess(
  opts: StepProcessOptions,
): Promise<StepProcessResult> {
  installExitHook()
  return new Promise((resolve, reject) => {
    const child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    const pid = child.pid
    if (pid !== undefined) liveGroups.add(pid)

    let timedOut = false
    let cancelled = false
    let stopping = false
    const timers: NodeJS.Timeout[] = []

    const stop = (): void => {
      if (stopping || pid === undefined) return
      stopping = true
      signalGroup(pid, 'SIGINT')
      timers.push(
        setTimeout(() => {
          signalGroup(pid, 'SIGTERM')
          timers.push(
            setTimeout(() => signalGroup(pid, 'SIGKILL'), opts.graceMs),
          )
        }, opts.graceMs),
      )
    }
    const onAbort = (): void => {
      cancelled = true
      stop()
    }
    if (opts.signal?.aborted) onAbort()
    else opts.signal?.addEventListener('abort', onAbort, { once: true })
    if (opts.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true
          stop()
        }, opts.timeoutMs),
      )
    }

    const pipeLines = (
      stream: NodeJS.ReadableStream,
      name: 'stdout' | 'stderr',
    ): void => {
      let pending = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => {
        pending += chunk
        let newline = pending.indexOf('\n')
        while (newline >= 0) {
          opts.onLine(name, pending.slice(0, newline).replace(/\r$/, ''))
          pending = pending.slice(newline + 1)
          newline = pending.indexOf('\n')
        }
      })
      stream.on('end', () => {
        if (pending !== '') opts.onLine(name, pending)
        pending = ''
      })
    }
    pipeLines(child.stdout, 'stdout')
    pipeLines(child.stderr, 'stderr')

    const finish = (): void => {
      for (const timer of timers) clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
      if (pid !== undefined) liveGroups.delete(pid)
    }
    child.once('error', (error) => {
      finish()
      reject(error)
    })
    child.once('close', (exitCode, signal) => {
      finish()
      // Children that ignored the signals of the shell would keep the
      // group alive; the step is over, so they are stopped now.
      if (pid !== undefined && stopping) signalGroup(pid, 'SIGKILL')
      resolve({ exitCode, signal, timedOut, cancelled })
    })
  })
}
