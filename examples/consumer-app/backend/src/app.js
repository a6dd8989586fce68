// HTTP routes: GET /healthz, and GET/POST /api/notes for the caller named
// by a valid HS256 bearer token.
import { Buffer } from 'node:buffer'
import { performance } from 'node:perf_hooks'
import { bearerToken, verifyJwt } from './jwt.js'
import { errorFields } from './log.js'

const MAX_BODY_BYTES = 16 * 1024
const MAX_NOTE_LENGTH = 500
const NOTES_PATH = '/api/notes'

class HttpError extends Error {
  constructor(status, message, headers = {}) {
    super(message)
    this.status = status
    this.headers = headers
  }
}

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(res.req.method === 'HEAD' ? undefined : text)
}

async function readJsonBody(req) {
  const type = req.headers['content-type'] ?? ''
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'request body must be application/json')
  }
  const chunks = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) {
      throw new HttpError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`)
    }
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new HttpError(400, 'request body is not valid JSON')
  }
}

function noteText(body) {
  const text = body?.text
  if (typeof text !== 'string' || text.trim().length === 0) {
    throw new HttpError(400, 'field "text" must be a non-empty string')
  }
  if (text.length > MAX_NOTE_LENGTH) {
    throw new HttpError(
      400,
      `field "text" must be at most ${MAX_NOTE_LENGTH} characters`,
    )
  }
  return text
}

function toNote(row) {
  return {
    id: String(row.id),
    text: row.body,
    createdAt: new Date(row.created_at).toISOString(),
  }
}

/**
 * Creates the request handler from the configuration, the database client,
 * the logger and `now` (milliseconds, for token expiry). After
 * `startDraining()`, /healthz returns 503 and every response closes its
 * connection.
 */
export function createApp({ config, db, log, now = Date.now }) {
  let draining = false

  // A response written after shutdown began closes its connection, so a
  // keep-alive client opens its next one to another instance.
  const send = (res, status, body, headers = {}) =>
    sendJson(
      res,
      status,
      body,
      draining ? { ...headers, connection: 'close' } : headers,
    )

  async function health(res) {
    const body = {
      status: 'ok',
      version: config.version,
      environment: config.environment,
      database: { status: 'ok' },
    }
    if (draining) {
      send(res, 503, { ...body, status: 'shutting_down', database: {} })
      return
    }
    const started = performance.now()
    try {
      await db.ping(config.healthTimeoutMs)
      body.database.latencyMs = Math.round(performance.now() - started)
      send(res, 200, body)
    } catch (error) {
      log.warn('database check failed', errorFields(error))
      body.status = 'unavailable'
      body.database = { status: 'unreachable' }
      // Tells the container health check that the process itself works.
      send(res, 503, body, { 'x-health': 'database' })
    }
  }

  function authenticate(req) {
    const result = verifyJwt(
      bearerToken(req.headers.authorization),
      config.jwtSecret,
      { now: now(), clockToleranceSeconds: 5 },
    )
    const subject = result.ok ? result.claims.sub : undefined
    if (typeof subject !== 'string' || subject.length === 0) {
      const reason = result.ok ? 'missing sub claim' : result.reason
      throw new HttpError(401, 'unauthorized', {
        'www-authenticate': 'Bearer realm="api"',
        'x-log-reason': reason,
      })
    }
    return subject
  }

  async function notes(req, res) {
    if (req.method !== 'GET' && req.method !== 'POST') {
      throw new HttpError(405, 'method not allowed', { allow: 'GET, POST' })
    }
    const owner = authenticate(req)
    try {
      if (req.method === 'GET') {
        const result = await db.query(
          'SELECT id, body, created_at FROM notes WHERE owner = $1 ORDER BY created_at DESC, id DESC LIMIT 20',
          [owner],
        )
        send(res, 200, { owner, notes: result.rows.map(toNote) })
        return
      }
      const text = noteText(await readJsonBody(req))
      const result = await db.query(
        'INSERT INTO notes (owner, body) VALUES ($1, $2) RETURNING id, body, created_at',
        [owner, text],
      )
      send(res, 201, { owner, note: toNote(result.rows[0]) })
    } catch (error) {
      if (error instanceof HttpError) throw error
      log.error('notes query failed', errorFields(error))
      throw new HttpError(503, 'database unavailable')
    }
  }

  async function route(req, res) {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost')
    if (pathname === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new HttpError(405, 'method not allowed', { allow: 'GET, HEAD' })
      }
      await health(res)
      return
    }
    if (pathname === NOTES_PATH) {
      await notes(req, res)
      return
    }
    throw new HttpError(404, 'not found')
  }

  async function handle(req, res) {
    const started = performance.now()
    const { pathname } = new URL(req.url ?? '/', 'http://localhost')
    let reason
    try {
      await route(req, res)
    } catch (error) {
      if (error instanceof HttpError) {
        const { 'x-log-reason': logReason, ...headers } = error.headers
        reason = logReason
        send(res, error.status, { error: error.message }, headers)
      } else {
        log.error('request failed', { path: pathname, ...errorFields(error) })
        if (!res.headersSent) send(res, 500, { error: 'internal error' })
        else res.destroy()
      }
    }
    // The query string is left out: it may carry values a client should
    // not have sent in a URL.
    log.info('request', {
      method: req.method,
      path: pathname,
      status: res.statusCode,
      durationMs: Math.round(performance.now() - started),
      ...(reason ? { authFailure: reason } : {}),
    })
  }

  return {
    handle,
    startDraining: () => {
      draining = true
    },
  }
}
