// A throwaway PostgreSQL server for tests and the local rehearsal: initdb
// into a temporary folder, then `postgres` listening on 127.0.0.1 only, on a
// free port, with its unix socket in the same folder and trust
// authentication for one user. PostgreSQL refuses to run as root, so under
// root the server runs as `nobody` (uid 65534) through setpriv.
import { spawn, type ChildProcess } from 'node:child_process'
import { chownSync, mkdtempSync, openSync, closeSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { freePort, logTail, runTool } from './processes.js'

const UNPRIVILEGED_UID = 65534
const START_TIMEOUT_MS = 30_000

export interface LocalPostgres {
  host: string
  port: number
  user: string
  database: string
  /** Folder holding the data directory, the socket and the log. */
  dir: string
  /** PG* variables that reach this server (no password: trust auth). */
  env(): Record<string, string>
  /** Starts the server again after `stop()`, on the same port. */
  start(): Promise<void>
  /** Fast shutdown (SIGINT): ends open sessions and waits for the exit. */
  stop(): Promise<void>
  /** Stops the server and removes its folder. */
  destroy(): Promise<void>
}

/** setpriv options that drop to `nobody` under root, and nothing otherwise. */
function unprivilegedOptions(): string[] {
  if (process.getuid?.() !== 0) return []
  return [
    `--reuid=${UNPRIVILEGED_UID}`,
    `--regid=${UNPRIVILEGED_UID}`,
    '--clear-groups',
  ]
}

async function waitUntilReady(
  settings: pg.ClientConfig,
  child: ChildProcess,
  logFile: string,
): Promise<void> {
  const until = Date.now() + START_TIMEOUT_MS
  let lastError = ''
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `postgres exited during start (${child.exitCode ?? child.signalCode}):\n${logTail(logFile)}`,
      )
    }
    const client = new pg.Client({ ...settings, connectionTimeoutMillis: 1000 })
    try {
      await client.connect()
      await client.query('SELECT 1')
      return
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error)
    } finally {
      await client.end().catch(() => {})
    }
    await sleep(100)
  }
  throw new Error(
    `postgres did not accept connections within ${START_TIMEOUT_MS} ms (${lastError}):\n${logTail(logFile)}`,
  )
}

/** Creates a data directory and starts PostgreSQL on 127.0.0.1. */
export async function startPostgres(
  opts: { user?: string; database?: string } = {},
): Promise<LocalPostgres> {
  const user = opts.user ?? 'app'
  const database = opts.database ?? 'app'
  const dir = mkdtempSync(join(tmpdir(), 'kit-postgres-'))
  if (process.getuid?.() === 0) {
    chownSync(dir, UNPRIVILEGED_UID, UNPRIVILEGED_UID)
  }
  const dataDir = join(dir, 'data')
  const logFile = join(dir, 'postgres.log')
  const init = await runTool(
    'setpriv',
    [
      ...unprivilegedOptions(),
      '--',
      'initdb',
      '--pgdata',
      dataDir,
      '--username',
      user,
      '--auth',
      'trust',
      '--encoding',
      'UTF8',
      '--no-locale',
      '--no-sync',
    ],
    {
      env: { ...process.env, LC_ALL: 'C' },
      cwd: dir,
      timeoutMs: 60_000,
    },
  )
  if (init.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(
      `initdb failed (exit code ${init.exitCode}):\n${init.stderr}`,
    )
  }

  const port = await freePort()
  const settings = { host: '127.0.0.1', port, user, database: 'postgres' }
  let child: ChildProcess | undefined

  const start = async (): Promise<void> => {
    // --pdeathsig: the kernel stops the server if the process that started
    // it dies. It comes with the user change in one setpriv, because a
    // later change of user would clear it.
    const args = [
      ...unprivilegedOptions(),
      '--pdeathsig',
      'KILL',
      '--',
      'postgres',
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dir}`,
      '-c',
      'fsync=off',
    ]
    const log = openSync(logFile, 'a')
    try {
      child = spawn('setpriv', args, { cwd: dir, stdio: ['ignore', log, log] })
    } finally {
      closeSync(log)
    }
    await waitUntilReady(settings, child, logFile)
  }

  const stop = async (): Promise<void> => {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null || running.signalCode !== null) {
      return
    }
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGINT')
    const killer = setTimeout(() => running.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(killer)
  }

  try {
    await start()
    const admin = new pg.Client(settings)
    await admin.connect()
    try {
      await admin.query(`CREATE DATABASE "${database}"`)
    } finally {
      await admin.end()
    }
  } catch (error) {
    await stop()
    rmSync(dir, { recursive: true, force: true })
    throw error
  }

  return {
    host: '127.0.0.1',
    port,
    user,
    database,
    dir,
    env: () => ({
      PGHOST: '127.0.0.1',
      PGPORT: String(port),
      PGUSER: user,
      PGDATABASE: database,
    }),
    start,
    stop,
    destroy: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
