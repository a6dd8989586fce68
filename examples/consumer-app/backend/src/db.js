// PostgreSQL access through a pg connection pool. The pool reads the PG*
// variables itself when no DATABASE_URL is given, so the password never
// passes through this code.
import pg from 'pg'
import { errorFields } from './log.js'

const CONNECT_TIMEOUT_MS = 3000
const QUERY_TIMEOUT_MS = 5000

const SCHEMA = `
CREATE TABLE IF NOT EXISTS notes (
  id bigserial PRIMARY KEY,
  owner text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS notes_owner_created_at ON notes (owner, created_at DESC);
`

function withTimeout(promise, timeoutMs, operation) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${operation} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    )
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Creates the database client. `settings` is the `database` part of the
 * configuration, or undefined when no database is configured; every call
 * then fails with a clear message.
 */
export function createDatabase(settings, log) {
  if (!settings) {
    const missing = async () => {
      throw new Error('no database is configured (DATABASE_URL or PGHOST)')
    }
    return { ping: missing, query: missing, close: async () => {} }
  }

  const pool = new pg.Pool({
    connectionString: settings.connectionString,
    max: 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    idleTimeoutMillis: 30000,
  })
  // An idle client whose server connection ends (database restart,
  // failover) emits 'error' on the pool; without a listener that would end
  // the process.
  pool.on('error', (error) => {
    log.warn('idle database connection failed', errorFields(error))
  })

  let schemaReady
  const ensureSchema = () => {
    schemaReady ??= pool.query(SCHEMA).catch((error) => {
      schemaReady = undefined
      throw error
    })
    return schemaReady
  }

  return {
    /** Runs `SELECT 1`, failing after `timeoutMs`. */
    async ping(timeoutMs) {
      await withTimeout(pool.query('SELECT 1'), timeoutMs, 'database check')
    },
    async query(text, values) {
      await ensureSchema()
      return pool.query(text, values)
    },
    async close() {
      await pool.end()
    },
  }
}
