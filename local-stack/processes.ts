import { spawn, execFile } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** A long-running service process the stack started. */
export interface ServiceProcess {
  pid: number
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<string>
  /** Set once the process has ended: exit code or signal name. */
  exitStatus: () => string | undefined
}

export interface SpawnServiceOptions {
  command: string
  args: string[]
  env: NodeJS.ProcessEnv
  /** stdout and stderr are appended to this file. */
  logFile: string
  cwd?: string
  /**
   * Start the process under `setpriv --pdeathsig KILL`, so the kernel kills
   * it when the process that spawned it ends, even by SIGKILL.
   */
  bindToParent: boolean
}

/**
 * Starts a service in its own process group, so stopping the group also
 * stops any child it starts. Output goes to a log file, not to a pipe, so
 * a service that outlives this process never blocks on a full pipe.
 */
export async function spawnService(
  opts: SpawnServiceOptions,
): Promise<ServiceProcess> {
  const [command, args] = opts.bindToParent
    ? ['setpriv', ['--pdeathsig', 'KILL', '--', opts.command, ...opts.args]]
    : [opts.command, opts.args]
  const log = openSync(opts.logFile, 'a')
  let status: string | undefined
  try {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ['ignore', log, log],
    })
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => {
        status = code === null ? String(signal) : `exit code ${code}`
        resolve(status)
      })
    })
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', (error) =>
        reject(new Error(`Failed to start ${command}: ${error.message}`)),
      )
    })
    child.unref()
    if (child.pid === undefined) {
      throw new Error(`Failed to start ${command}: no process id`)
    }
    return { pid: child.pid, exited, exitStatus: () => status }
  } finally {
    closeSync(log)
  }
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return false
  }
  // The state letter follows the command name, which is in parentheses and
  // may itself contain spaces or parentheses.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  return state !== 'Z' && state !== 'X'
}

/** True when the process's command line contains `marker`, so a reused pid is never signalled. */
export function commandLineContains(pid: number, marker: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    return cmdline.split('\0').join(' ').includes(marker)
  } catch {
    return false
  }
}

/** True while the process runs and is still the one the stack started. */
export function isOurs(pid: number, marker: string): boolean {
  return isAlive(pid) && commandLineContains(pid, marker)
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() >= until) return false
    await sleep(50)
  }
  return true
}

/**
 * Stops the process group led by `pid`: SIGTERM, then SIGKILL after
 * `graceMs`. Does nothing when the process is gone or its command line no
 * longer contains `marker`. Throws if it survives SIGKILL for 5 s.
 */
export async function stopProcessGroup(
  pid: number,
  marker: string,
  graceMs = 5_000,
): Promise<void> {
  if (!isOurs(pid, marker)) return
  signalGroup(pid, 'SIGTERM')
  if (await waitForExit(pid, graceMs)) return
  signalGroup(pid, 'SIGKILL')
  if (!(await waitForExit(pid, 5_000))) {
    throw new Error(`Process ${pid} (${marker}) is still running after SIGKILL`)
  }
}

export interface ToolResult {
  exitCode: number
  stdout: string
  stderr: string
}

/**
 * Runs a short command to completion and returns its exit code and output.
 * Rejects only when the command cannot start or runs past the time limit.
 */
export function runTool(
  command: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        env: opts.env,
        cwd: opts.cwd,
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          const reason = error.killed
            ? `timed out after ${opts.timeoutMs ?? 60_000} ms`
            : error.message
          reject(new Error(`${command} ${args.join(' ')}: ${reason}`))
          return
        }
        resolve({
          exitCode: typeof error?.code === 'number' ? error.code : 0,
          stdout,
          stderr,
        })
      },
    )
  })
}

/**
 * Returns a TCP port that was free on 127.0.0.1 a moment ago. Another
 * process may take it before the caller binds it, so callers retry on a
 * bind failure.
 */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') {
    throw new Error('Failed to read the port of a probe socket')
  }
  return address.port
}

/** Last `lines` lines of a log file, for error messages. */
export function logTail(file: string, lines = 20): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd()
    return text.split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}
