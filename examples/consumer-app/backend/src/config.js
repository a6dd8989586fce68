// Reads and checks the service's settings from the environment. Every
// error names the variable, the bad value (never a secret's value) and the
// fix, and the service exits before it listens.
import { readFileSync } from 'node:fs'

const MIN_SECRET_LENGTH = 32

export class ConfigError extends Error {
  constructor(message) {
    super(message)
    this.name = 'ConfigError'
  }
}

function integer(env, name, fallback, { min, max }) {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${name} must be a whole number from ${min} to ${max}; got "${raw}".`,
    )
  }
  return value
}

function packageVersion() {
  const file = new URL('../package.json', import.meta.url)
  return JSON.parse(readFileSync(file, 'utf8')).version
}

/** Returns where the database is, without its password, for logs. */
function databaseTarget(env) {
  if (env.DATABASE_URL) {
    let url
    try {
      url = new URL(env.DATABASE_URL)
    } catch {
      throw new ConfigError(
        'DATABASE_URL is not a valid URL; use postgres://USER:PASSWORD@HOST:PORT/DATABASE.',
      )
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      throw new ConfigError(
        `DATABASE_URL must start with postgres:// or postgresql://; got "${url.protocol}//...".`,
      )
    }
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''))
    return {
      host: url.hostname,
      port: Number(url.port || 5432),
      database,
      user: decodeURIComponent(url.username),
    }
  }
  return {
    host: env.PGHOST,
    port: integer(env, 'PGPORT', 5432, { min: 1, max: 65535 }),
    database: env.PGDATABASE ?? env.PGUSER,
    user: env.PGUSER,
  }
}

/**
 * Reads the settings from `env`. The database is configured by
 * DATABASE_URL or by the standard PG* variables (PGHOST, PGPORT,
 * PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE), which the pg driver reads
 * itself. With NODE_ENV=production a database setting is required, so an
 * incomplete task definition fails at start instead of reaching for a
 * default host.
 */
export function readConfig(env = process.env) {
  const production = env.NODE_ENV === 'production'
  const jwtSecret = env.JWT_SECRET
  if (!jwtSecret) {
    throw new ConfigError(
      'JWT_SECRET is not set; give the HS256 signing secret (at least 32 characters).',
    )
  }
  if (jwtSecret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `JWT_SECRET is too short (${jwtSecret.length} characters); use at least ${MIN_SECRET_LENGTH}.`,
    )
  }

  const databaseConfigured = Boolean(env.DATABASE_URL || env.PGHOST)
  if (production && !databaseConfigured) {
    throw new ConfigError(
      'No database is configured; set DATABASE_URL or PGHOST (with PGPORT, PGDATABASE, PGUSER and PGPASSWORD).',
    )
  }

  return {
    port: integer(env, 'PORT', 3000, { min: 0, max: 65535 }),
    host: env.HOST || '0.0.0.0',
    version: env.APP_VERSION || packageVersion(),
    environment: env.ENVIRONMENT || env.NODE_ENV || 'development',
    jwtSecret,
    database: databaseConfigured
      ? {
          connectionString: env.DATABASE_URL || undefined,
          target: databaseTarget(env),
        }
      : undefined,
    healthTimeoutMs: integer(env, 'HEALTH_DB_TIMEOUT_MS', 1000, {
      min: 50,
      max: 10000,
    }),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 20000, {
      min: 0,
      max: 120000,
    }),
  }
}
