// Runs the example application's backend as a child process on 127.0.0.1
// for tests, and collects its JSON log lines.
import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const consumerAppDir = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'examples',
  'consumer-app',
)
export const backendDir = join(consumerAppDir, 'backend')
export const frontendDir = join(consumerAppDir, 'frontend')

/** A test signing secret (48 characters, like the one the environment generates). */
export const TEST_JWT_SECRET =
  'test-secret-0123456789abcdef0123456789abcdef0123'

export type LogLine = Record<string, unknown> & {
  level: string
  message: string
}

export interface RunningBackend {
  url: string
  port: number
  child: ChildProcess
  /** Log lines parsed so far; output that is not JSON becomes `{ level: 'raw' }`. */
  logs: LogLine[]
  /** Raw stdout and stderr so far. */
  output(): string
  /** Resolves with the exit code (or signal name) once the process ends. */
  exited: Promise<number | string>
  /** Sends SIGKILL if the process still runs. */
  kill(): void
}

const START_TIMEOUT_MS = 15_000

/**
 * Starts `backend/src/server.js` with `env` on top of PATH only, so no PG*
 * or other setting leaks in from the test process. HOST is 127.0.0.1 and
 * PORT 0 (a free port, read back from the `listening` log line) unless
 * `env` sets them. `opts.dir` runs another copy of the backend folder,
 * such as an assembled build context.
 */
export async function startBackend(
  env: Record<string, string>,
  opts: { dir?: string } = {},
): Promise<RunningBackend> {
  const dir = opts.dir ?? backendDir
  const child = spawn(process.execPath, [join(dir, 'src', 'server.js')], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: LogLine[] = []
  let raw = ''
  let pending = ''
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    raw += chunk
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      if (!line.trim()) continue
      try {
        logs.push(JSON.parse(line) as LogLine)
      } catch {
        logs.push({ level: 'raw', message: line })
      }
    }
  })
  child.stderr.on('data', (chunk: string) => {
    raw += chunk
  })
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? String(signal)))
  })

  const until = Date.now() + START_TIMEOUT_MS
  for (;;) {
    const listening = logs.find((line) => line.message === 'listening')
    if (listening) {
      const port = Number(listening.port)
      return {
        url: `http://127.0.0.1:${port}`,
        port,
        child,
        logs,
        output: () => raw,
        exited,
        kill: () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGKILL')
          }
        },
      }
    }
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL')
      throw new Error(`The backend did not start:\n${raw}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Returns the exit code of an execFile callback's error: 0 without one, -1 when the process could not start or was killed. */
export function exitCodeOf(error: { code?: unknown } | null): number {
  if (!error) return 0
  if (typeof error.code === 'number') return error.code
  return -1
}

/**
 * Waits until a log line matches `predicate` and returns it, or undefined
 * after `timeoutMs`. The backend writes a request's log line after the
 * response, so a test that reads it right after the response must wait.
 */
export async function waitForLog(
  app: RunningBackend,
  predicate: (line: LogLine) => boolean,
  timeoutMs = 2_000,
): Promise<LogLine | undefined> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const line = app.logs.find(predicate)
    if (line || Date.now() > until) return line
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
