// The backend's own quick checks, run by the pipeline's test job with
// `npm test` (node:test, no dependencies). The kit's repository runs the
// full suite against a real PostgreSQL.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { signJwt, verifyJwt } from '../src/jwt.js'
import { readConfig } from '../src/config.js'

const SECRET = 'pipeline-test-secret-0123456789abcdef'

test('jwt round trip', () => {
  const token = signJwt({ sub: 'ada' }, SECRET, { expiresInSeconds: 60 })
  const result = verifyJwt(token, SECRET)
  assert.equal(result.ok, true)
  assert.equal(result.claims.sub, 'ada')
})

test('jwt rejects expired token', () => {
  const token = signJwt({ sub: 'ada' }, SECRET, {
    now: Date.now() - 120_000,
    expiresInSeconds: 60,
  })
  assert.deepEqual(verifyJwt(token, SECRET), {
    ok: false,
    reason: 'token expired',
  })
})

test('jwt rejects wrong secret', () => {
  const token = signJwt({ sub: 'ada' }, SECRET, { expiresInSeconds: 60 })
  assert.equal(verifyJwt(token, `${SECRET}!`).ok, false)
})

test('config requires a database in production', () => {
  assert.throws(
    () => readConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET }),
    /No database is configured/,
  )
})

test('config reads PG variables', () => {
  const config = readConfig({
    JWT_SECRET: SECRET,
    PGHOST: 'db.internal',
    PGPORT: '6432',
    PGUSER: 'app',
    PGPASSWORD: 'not-logged',
  })
  assert.deepEqual(config.database.target, {
    host: 'db.internal',
    port: 6432,
    database: 'app',
    user: 'app',
  })
  assert.equal(
    JSON.stringify(config.database.target).includes('not-logged'),
    false,
  )
})
