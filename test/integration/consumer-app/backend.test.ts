// The example backend against a real PostgreSQL: health, the JWT-protected
// notes API, database outages, configuration errors and graceful shutdown.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { signJwt } from '../../../examples/consumer-app/backend/src/jwt.js'
import {
  backendDir,
  exitCodeOf,
  startBackend,
  TEST_JWT_SECRET,
  type RunningBackend,
  waitForLog,
} from '../../helpers/consumer-app.js'
import { startPostgres, type LocalPostgres } from '../../helpers/postgres.js'

const packageVersion = (
  JSON.parse(readFileSync(join(backendDir, 'package.json'), 'utf8')) as {
    version: string
  }
).version

function token(claims: Record<string, unknown>, lifetimeSeconds = 300) {
  return signJwt(claims, TEST_JWT_SECRET, { expiresInSeconds: lifetimeSeconds })
}

async function getJson(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers })
  return { response, body: (await response.json()) as Record<string, unknown> }
}

/** Runs the container health check script against `port`; returns its exit code. */
function runHealthcheck(port: number): Promise<number> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(backendDir, 'src', 'healthcheck.js')],
      { env: { PORT: String(port) }, timeout: 10_000 },
      (error) => resolve(exitCodeOf(error)),
    )
  })
}

async function waitForStatus(url: string, status: number): Promise<number> {
  let last = 0
  for (let attempt = 0; attempt < 50; attempt++) {
    last = (await fetch(url)).status
    if (last === status) return last
    await sleep(200)
  }
  return last
}

function appEnv(db: LocalPostgres, extra: Record<string, string> = {}) {
  return {
    NODE_ENV: 'production',
    JWT_SECRET: TEST_JWT_SECRET,
    ...db.env(),
    ...extra,
  }
}

describe('consumer backend', () => {
  let db: LocalPostgres
  let app: RunningBackend

  beforeAll(async () => {
    db = await startPostgres()
    app = await startBackend(appEnv(db, { APP_VERSION: '2.3.4-test' }))
  }, 60_000)

  afterAll(async () => {
    app?.kill()
    await db?.destroy()
  })

  it('healthz reports database ok', async () => {
    const { response, body } = await getJson(`${app.url}/healthz`)
    expect(response.status).toBe(200)
    expect(body.status).toBe('ok')
    expect(body.version).toBe('2.3.4-test')
    expect(body.database).toMatchObject({ status: 'ok' })
  })

  it('notes rejects a missing token', async () => {
    const { response, body } = await getJson(`${app.url}/api/notes`)
    expect(response.status).toBe(401)
    expect(body).toEqual({ error: 'unauthorized' })
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
  })

  it('notes rejects an expired token', async () => {
    const expired = signJwt({ sub: 'ada' }, TEST_JWT_SECRET, {
      now: Date.now() - 3_600_000,
      expiresInSeconds: 60,
    })
    const { response, body } = await getJson(`${app.url}/api/notes`, {
      authorization: `Bearer ${expired}`,
    })
    expect(response.status).toBe(401)
    expect(body).toEqual({ error: 'unauthorized' })
    const failure = await waitForLog(
      app,
      (line) => line.authFailure === 'token expired',
    )
    expect(failure?.status).toBe(401)
  })

  it('notes rejects a wrong signature', async () => {
    const forged = signJwt(
      { sub: 'ada' },
      'another-secret-of-sufficient-length!!',
      {
        expiresInSeconds: 300,
      },
    )
    const { response, body } = await getJson(`${app.url}/api/notes`, {
      authorization: `Bearer ${forged}`,
    })
    expect(response.status).toBe(401)
    expect(body).toEqual({ error: 'unauthorized' })
  })

  it('notes rejects a token without subject', async () => {
    const { response } = await getJson(`${app.url}/api/notes`, {
      authorization: `Bearer ${token({ role: 'admin' })}`,
    })
    expect(response.status).toBe(401)
  })

  it('notes stores and lists per owner', async () => {
    const ada = token({ sub: 'ada' })
    const created = await fetch(`${app.url}/api/notes`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ada}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ text: 'first note' }),
    })
    expect(created.status).toBe(201)
    const { note } = (await created.json()) as { note: { text: string } }
    expect(note.text).toBe('first note')

    const own = await getJson(`${app.url}/api/notes`, {
      authorization: `Bearer ${ada}`,
    })
    expect(own.response.status).toBe(200)
    expect(own.body.owner).toBe('ada')
    expect(own.body.notes).toEqual([
      expect.objectContaining({ text: 'first note' }),
    ])

    const other = await getJson(`${app.url}/api/notes`, {
      authorization: `Bearer ${token({ sub: 'bob' })}`,
    })
    expect(other.body.notes).toEqual([])
  })

  it('notes rejects an empty text', async () => {
    const response = await fetch(`${app.url}/api/notes`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token({ sub: 'ada' })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ text: ' ' }),
    })
    expect(response.status).toBe(400)
  })

  it('unknown path returns 404', async () => {
    const response = await fetch(`${app.url}/api/unknown`)
    expect(response.status).toBe(404)
  })

  it('healthcheck script passes when healthy', async () => {
    expect(await runHealthcheck(app.port)).toBe(0)
  })

  it('logs contain no secret or token', async () => {
    const secretToken = token({ sub: 'carol' })
    const before = app.logs.length
    await fetch(`${app.url}/api/notes?access_token=${secretToken}`, {
      headers: { authorization: `Bearer ${secretToken}` },
    })
    await waitForLog(
      app,
      (line) => app.logs.indexOf(line) >= before && line.message === 'request',
    )
    const output = app.output()
    expect(output).toContain('"path":"/api/notes"')
    expect(output).not.toContain(TEST_JWT_SECRET)
    expect(output).not.toContain(secretToken)
  })

  describe('database outage', () => {
    beforeAll(async () => {
      await db.stop()
    }, 30_000)

    afterAll(async () => {
      await db.start()
    }, 30_000)

    it('healthz returns 503 unreachable', async () => {
      const { response, body } = await getJson(`${app.url}/healthz`)
      expect(response.status).toBe(503)
      expect(body.status).toBe('unavailable')
      expect(body.database).toEqual({ status: 'unreachable' })
      expect(body.version).toBe('2.3.4-test')
    })

    it('notes returns 503 without detail', async () => {
      const { response, body } = await getJson(`${app.url}/api/notes`, {
        authorization: `Bearer ${token({ sub: 'ada' })}`,
      })
      expect(response.status).toBe(503)
      expect(body).toEqual({ error: 'database unavailable' })
    })

    it('healthcheck script keeps container alive', async () => {
      expect(await runHealthcheck(app.port)).toBe(0)
    })
  })

  it('healthz recovers after database restart', async () => {
    expect(await waitForStatus(`${app.url}/healthz`, 200)).toBe(200)
  }, 20_000)
})

describe('consumer backend startup', () => {
  let db: LocalPostgres

  beforeAll(async () => {
    db = await startPostgres()
  }, 60_000)

  afterAll(async () => {
    await db?.destroy()
  })

  it('version defaults to package version', async () => {
    const app = await startBackend(appEnv(db))
    try {
      const { body } = await getJson(`${app.url}/healthz`)
      expect(body.version).toBe(packageVersion)
    } finally {
      app.kill()
    }
  })

  it('database url configures connection', async () => {
    const url = `postgres://${db.user}@127.0.0.1:${db.port}/${db.database}`
    const app = await startBackend({
      NODE_ENV: 'production',
      JWT_SECRET: TEST_JWT_SECRET,
      DATABASE_URL: url,
    })
    try {
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200)
    } finally {
      app.kill()
    }
  })

  it('missing JWT_SECRET stops startup', async () => {
    await expect(startBackend({ ...db.env() })).rejects.toThrow(
      /JWT_SECRET is not set/,
    )
  })

  it('production without database stops startup', async () => {
    await expect(
      startBackend({ NODE_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET }),
    ).rejects.toThrow(/No database is configured/)
  })

  it('healthcheck script fails without server', async () => {
    const app = await startBackend(appEnv(db))
    app.kill()
    await app.exited
    expect(await runHealthcheck(app.port)).toBe(1)
  })
})

describe('consumer backend shutdown', () => {
  let db: LocalPostgres

  beforeAll(async () => {
    db = await startPostgres()
  }, 60_000)

  afterAll(async () => {
    await db?.destroy()
  })

  it('SIGTERM finishes in-flight request', async () => {
    const app = await startBackend(appEnv(db))
    try {
      const body = JSON.stringify({ text: 'written during shutdown' })
      const half = Math.floor(body.length / 2)
      const responded = new Promise<{
        status: number
        text: string
        connection?: string
      }>((resolve, reject) => {
        const req = request(
          `${app.url}/api/notes`,
          {
            method: 'POST',
            headers: {
              authorization: `Bearer ${token({ sub: 'dave' })}`,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            let text = ''
            res.setEncoding('utf8')
            res.on('data', (chunk: string) => (text += chunk))
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                text,
                connection: res.headers.connection,
              }),
            )
          },
        )
        req.on('error', reject)
        req.write(body.slice(0, half))
        // The rest follows after SIGTERM, so the request is in flight
        // while the server shuts down.
        void sleep(1_500).then(() => req.end(body.slice(half)))
      })
      await sleep(300)
      app.child.kill('SIGTERM')
      const started = await waitForLog(
        app,
        (line) => line.message === 'shutdown started',
      )
      expect(started?.inFlight).toBe(1)

      await expect(fetch(`${app.url}/healthz`)).rejects.toThrow()

      const result = await responded
      expect(result.status).toBe(201)
      expect(result.text).toContain('written during shutdown')
      expect(result.connection).toBe('close')
      expect(await app.exited).toBe(0)
      const messages = app.logs.map((line) => line.message)
      expect(messages.indexOf('shutdown complete')).toBeGreaterThan(
        messages.lastIndexOf('request'),
      )
    } finally {
      app.kill()
    }
  }, 30_000)

  it('SIGTERM with no requests exits promptly', async () => {
    const app = await startBackend(appEnv(db))
    try {
      await fetch(`${app.url}/healthz`)
      const started = Date.now()
      app.child.kill('SIGTERM')
      expect(await app.exited).toBe(0)
      expect(Date.now() - started).toBeLessThan(5_000)
    } finally {
      app.kill()
    }
  }, 20_000)
})
