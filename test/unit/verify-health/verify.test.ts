import { afterEach, describe, expect, it } from '@jest/globals'
import type { LookupFunction } from 'node:net'
import { gzipSync } from 'node:zlib'
import { realSleep, type Sleep } from '../../../common/clock.js'
import { CancelledError } from '../../../common/errors.js'
import {
  createSelfSignedCertificate,
  freePort,
  sendJson,
  startHangingServer,
  startHttpServer,
  startHttpsServer,
  type HangingServer,
  type TestServer,
} from '../../helpers/health-servers.js'
import { runBound, runCheck } from '../../helpers/verify-health.js'
import { formatMs } from '../../../actions/verify-health/src/verify.js'

const servers: Array<TestServer | HangingServer> = []

async function serve(
  ...args: Parameters<typeof startHttpServer>
): Promise<TestServer> {
  const server = await startHttpServer(...args)
  servers.push(server)
  return server
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

describe('verifyHealth', () => {
  it('passes a healthy endpoint at once', async () => {
    const server = await serve((_request, response) => {
      response.end('ok')
    })

    const run = await runCheck({ urls: server.origin })

    expect(run.result.healthy).toBe(true)
    expect(run.attempts).toHaveLength(1)
    expect(run.result.failureReason).toBeUndefined()
    expect(run.result.urls[0]?.lastStatus).toBe('200')
    expect(server.hits.get('/healthz')).toBe(1)
    expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
  })

  it('retries 503 until 200', async () => {
    const server = await serve((_request, response, count) => {
      response.statusCode = count <= 2 ? 503 : 200
      response.end()
    })

    const run = await runCheck({ urls: `${server.origin}/healthz` })

    expect(run.result.healthy).toBe(true)
    expect(run.attempts).toHaveLength(3)
    expect(run.attempts[0]?.reason).toBe(
      'HTTP 503 Service Unavailable, expected 200',
    )
    expect(run.attempts[2]?.ok).toBe(true)
    expect(run.result.failureReason).toBeUndefined()
    expect(server.requests).toBe(3)
    expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
  })

  it('fails a 404 endpoint at the timeout', async () => {
    const server = await serve((_request, response) => {
      response.statusCode = 404
      response.end('not here')
    })

    const run = await runCheck({ urls: server.origin, timeout: '800ms' })

    expect(run.result.healthy).toBe(false)
    expect(run.attempts.length).toBeGreaterThanOrEqual(2)
    expect(run.attempts).toHaveLength(server.requests)
    expect(run.result.failureReason).toContain(
      `no success after ${run.attempts.length} attempt(s) within timeout 800 ms`,
    )
    expect(run.result.failureReason).toContain(
      'last failure: HTTP 404 Not Found, expected 200',
    )
    expect(run.result.urls[0]?.lastStatus).toBe('404')
    expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
  })

  it('recovers from connection refused', async () => {
    const port = await freePort()
    let sleeps = 0
    // The server starts during the second pause, so attempts 1 and 2 are
    // refused and attempt 3 reaches it.
    const sleep: Sleep = async (ms, signal) => {
      sleeps++
      if (sleeps === 2) {
        await serve((_request, response) => response.end('ok'), port)
      }
      await realSleep(ms, signal)
    }

    const run = await runCheck({ urls: `http://127.0.0.1:${port}` }, { sleep })

    expect(run.result.healthy).toBe(true)
    expect(run.attempts).toHaveLength(3)
    expect(run.attempts[0]?.error).toBe('ECONNREFUSED')
    expect(run.attempts[0]?.reason).toBe(
      `connection refused by 127.0.0.1:${port}`,
    )
    expect(run.attempts[1]?.error).toBe('ECONNREFUSED')
    expect(run.attempts[2]?.status).toBe(200)
    expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
  })

  it('costs one attempt timeout per silent socket', async () => {
    const server = await startHangingServer()
    servers.push(server)

    const run = await runCheck({ urls: server.origin, timeout: '1s' })

    expect(run.result.healthy).toBe(false)
    expect(run.attempts.length).toBeGreaterThanOrEqual(2)
    expect(run.attempts.length).toBeLessThanOrEqual(3)
    expect(server.connections).toBe(run.attempts.length)
    for (const attempt of run.attempts) {
      expect(attempt.error).toBe('TIMEOUT')
      expect(attempt.latency_ms).toBeGreaterThanOrEqual(299)
      // One attempt timeout, never two.
      expect(attempt.latency_ms).toBeLessThan(2 * 300)
    }
    expect(run.result.failureReason).toContain(
      'last failure: timed out after 300 ms while waiting for the response headers',
    )
    expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
  })

  it('times out a body slower than the attempt', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': '20' })
      response.write('0123456789')
      const timer = setTimeout(() => response.end('0123456789'), 2000)
      response.on('close', () => clearTimeout(timer))
    })

    const run = await runCheck({ urls: server.origin, timeout: '700ms' })

    expect(run.result.healthy).toBe(false)
    expect(run.attempts.length).toBeGreaterThanOrEqual(1)
    expect(run.attempts.length).toBeLessThanOrEqual(2)
    expect(run.attempts).toHaveLength(server.requests)
    expect(run.attempts[0]?.error).toBe('TIMEOUT')
    expect(run.result.failureReason).toContain(
      'timed out after 300 ms while reading the body',
    )
    expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
  })

  it('accepts a slow body within the attempt', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.write('{"status":')
      setTimeout(() => response.end('"ok"}'), 100)
    })

    const run = await runCheck({
      urls: server.origin,
      'expected-json': 'status=ok',
    })

    expect(run.result.healthy).toBe(true)
    expect(run.attempts).toHaveLength(1)
    expect(run.attempts[0]?.latency_ms).toBeGreaterThanOrEqual(99)
    expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
  })

  describe('redirect to a login page', () => {
    async function loginRedirectServer(): Promise<TestServer> {
      return serve((request, response) => {
        if (request.url === '/healthz') {
          response.writeHead(302, { location: '/login?next=%2Fhealthz' })
          response.end()
          return
        }
        response.end('<form>login</form>')
      })
    }

    it('fails when redirects are not followed', async () => {
      const server = await loginRedirectServer()

      const run = await runCheck({ urls: server.origin, timeout: '500ms' })

      expect(run.result.healthy).toBe(false)
      expect(run.attempts).toHaveLength(server.requests)
      expect(run.attempts[0]?.status).toBe(302)
      expect(run.attempts[0]?.location).toBe('/login?next=%2Fhealthz')
      expect(run.result.failureReason).toContain(
        'HTTP 302 Found redirect to "/login?next=%2Fhealthz", expected 200 (redirects are followed only with follow-redirects: true)',
      )
      expect(server.hits.get('/login')).toBeUndefined()
      expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
    })

    it('fails when following, because the path changes', async () => {
      const server = await loginRedirectServer()

      const run = await runCheck({
        urls: server.origin,
        timeout: '500ms',
        'follow-redirects': 'true',
      })

      expect(run.result.healthy).toBe(false)
      expect(run.attempts).toHaveLength(server.requests)
      expect(run.attempts[0]?.error).toBe('REDIRECT_REJECTED')
      expect(run.result.failureReason).toContain(
        'HTTP 302 redirect to "/login?next=%2Fhealthz" not followed: path changes from /healthz to /login',
      )
      expect(server.hits.get('/login')).toBeUndefined()
      expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
    })
  })

  describe('redirect loop', () => {
    it('shows the Location when not following', async () => {
      const server = await serve((_request, response) => {
        response.writeHead(307, { location: '/healthz' })
        response.end()
      })

      const run = await runCheck({ urls: server.origin, timeout: '500ms' })

      expect(run.result.healthy).toBe(false)
      expect(run.attempts).toHaveLength(server.requests)
      expect(run.result.failureReason).toContain(
        'HTTP 307 Temporary Redirect redirect to "/healthz", expected 200',
      )
      expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
    })

    it('detects a loop when following', async () => {
      const server = await serve((request, response) => {
        const next = request.url === '/healthz?a' ? '/healthz?b' : '/healthz?a'
        response.writeHead(302, { location: next })
        response.end()
      })

      const run = await runCheck({
        urls: `${server.origin}/healthz?a`,
        timeout: '500ms',
        'follow-redirects': 'true',
      })

      expect(run.result.healthy).toBe(false)
      expect(run.attempts[0]?.error).toBe('REDIRECT_LOOP')
      expect(run.attempts[0]?.redirects).toBe(2)
      // Each attempt requests ?a, then ?b, and stops before ?a again.
      expect(server.requests).toBe(run.attempts.length * 2)
      expect(run.result.failureReason).toContain(
        `redirect loop: ${server.origin}/healthz?b redirects back to ${server.origin}/healthz?a after 2 hop(s)`,
      )
      expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
    })

    it('caps the hops with max-redirects', async () => {
      const server = await serve((request, response) => {
        const step = Number(
          new URL(request.url ?? '/', 'http://x').searchParams.get('n') ?? 0,
        )
        response.writeHead(302, { location: `/healthz?n=${step + 1}` })
        response.end()
      })

      const run = await runCheck({
        urls: server.origin,
        timeout: '500ms',
        'follow-redirects': 'true',
        'max-redirects': '3',
      })

      expect(run.result.healthy).toBe(false)
      expect(run.attempts[0]?.error).toBe('TOO_MANY_REDIRECTS')
      // The first request and 3 followed hops per attempt.
      expect(server.requests).toBe(run.attempts.length * 4)
      expect(run.result.failureReason).toContain(
        'more than 3 redirects (max-redirects); last Location "/healthz?n=4"',
      )
      expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
    })
  })

  it('follows an upgrade from http to https', async () => {
    const certificate = createSelfSignedCertificate()
    const secure = await startHttpsServer(certificate, (_request, response) =>
      response.end('ok'),
    )
    servers.push(secure)
    const plain = await serve((_request, response) => {
      response.writeHead(301, { location: `${secure.origin}/healthz` })
      response.end()
    })

    const run = await runCheck({
      urls: plain.origin,
      'follow-redirects': 'true',
      'tls-verify': 'false',
    })

    expect(run.result.healthy).toBe(true)
    expect(run.attempts).toHaveLength(1)
    expect(run.attempts[0]?.redirects).toBe(1)
    expect(run.attempts[0]?.final_url).toBe(`${secure.origin}/healthz`)
    expect(secure.hits.get('/healthz')).toBe(1)
    expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
  })

  it('rejects a downgrade from https to http', async () => {
    const certificate = createSelfSignedCertificate()
    const plain = await serve((_request, response) => response.end('ok'))
    const secure = await startHttpsServer(certificate, (_request, response) => {
      response.writeHead(302, {
        location: `http://127.0.0.1:${plain.port}/healthz`,
      })
      response.end()
    })
    servers.push(secure)

    const run = await runCheck({
      urls: secure.origin,
      timeout: '400ms',
      'follow-redirects': 'true',
      'tls-verify': 'false',
    })

    expect(run.result.healthy).toBe(false)
    expect(run.attempts).toHaveLength(secure.requests)
    expect(run.attempts[0]?.error).toBe('REDIRECT_REJECTED')
    expect(run.result.failureReason).toContain(
      'scheme changes from https to http; only an upgrade from http to https is followed',
    )
    expect(plain.requests).toBe(0)
    expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
  })

  describe('JSON check', () => {
    it('fails on a different field value', async () => {
      const server = await serve((_request, response) =>
        sendJson(response, 200, { status: 'degraded', checks: { db: 'up' } }),
      )

      const run = await runCheck({
        urls: server.origin,
        timeout: '400ms',
        'expected-json': '$.checks.db=up\nstatus=ok',
      })

      expect(run.result.healthy).toBe(false)
      expect(run.attempts).toHaveLength(server.requests)
      expect(run.attempts[0]?.status).toBe(200)
      expect(run.result.failureReason).toContain(
        'last failure: JSON field status is "degraded", expected "ok"',
      )
      expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
    })

    it('fails on a body that is not JSON', async () => {
      const server = await serve((_request, response) => response.end('OK'))

      const run = await runCheck({
        urls: server.origin,
        timeout: '400ms',
        'expected-json': 'status=ok',
      })

      expect(run.result.healthy).toBe(false)
      expect(run.attempts).toHaveLength(server.requests)
      expect(run.result.failureReason).toContain('body is not JSON')
      expect(run.result.failureReason).toContain('starts with "OK"')
      expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
    })

    it('passes array paths and booleans', async () => {
      const server = await serve((_request, response) =>
        sendJson(response, 200, {
          checks: [{ name: 'db', ready: true }],
          'build.info': { commit: 'abc123' },
        }),
      )

      const run = await runCheck({
        urls: server.origin,
        'expected-json':
          '$.checks[0].ready = true\n$["build.info"].commit=abc123',
      })

      expect(run.result.healthy).toBe(true)
      expect(run.attempts).toHaveLength(1)
      expect(run.result.failureReason).toBeUndefined()
    })

    it('decodes a gzip body', async () => {
      const server = await serve((_request, response) => {
        response.writeHead(200, { 'content-encoding': 'gzip' })
        response.end(gzipSync(JSON.stringify({ status: 'ok' })))
      })

      const run = await runCheck({
        urls: server.origin,
        'expected-json': 'status=ok',
      })

      expect(run.result.healthy).toBe(true)
      expect(run.attempts).toHaveLength(1)
    })
  })

  it('fails a wrong version', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 200, { status: 'ok', build: { version: '1.3.9' } }),
    )

    const run = await runCheck({
      urls: server.origin,
      timeout: '400ms',
      'expected-version': '1.4.0',
      'version-field': 'build.version',
    })

    expect(run.result.healthy).toBe(false)
    expect(run.attempts).toHaveLength(server.requests)
    expect(run.attempts[0]?.version).toBe('1.3.9')
    expect(run.result.failureReason).toContain(
      'last failure: version field build.version is "1.3.9", expected "1.4.0"',
    )
    expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
  })

  it('passes the expected version', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 200, { version: '1.4.0' }),
    )

    const run = await runCheck({
      urls: server.origin,
      'expected-version': '1.4.0',
    })

    expect(run.result.healthy).toBe(true)
    expect(run.attempts).toHaveLength(1)
    expect(run.attempts[0]?.version).toBe('1.4.0')
  })

  it('fails a body missing the substring', async () => {
    const server = await serve((_request, response) => response.end('starting'))

    const run = await runCheck({
      urls: server.origin,
      timeout: '300ms',
      'expected-body': 'ready',
    })

    expect(run.result.healthy).toBe(false)
    expect(run.attempts).toHaveLength(server.requests)
    expect(run.result.failureReason).toContain('body does not contain "ready"')
  })

  describe('consecutive successes', () => {
    it('restarts the count after a failure', async () => {
      const statuses = [200, 500, 200, 200, 200]
      const server = await serve((_request, response, count) => {
        response.statusCode = statuses[count - 1] ?? 500
        response.end()
      })

      const run = await runCheck({
        urls: server.origin,
        'consecutive-successes': '3',
      })

      expect(run.result.healthy).toBe(true)
      expect(run.attempts).toHaveLength(5)
      expect(run.attempts.map((a) => a.ok)).toEqual([
        true,
        false,
        true,
        true,
        true,
      ])
      expect(run.result.urls[0]?.consecutiveSuccesses).toBe(3)
      expect(
        run.lines.some((line) => line.includes('3 of 3 consecutive successes')),
      ).toBe(true)
    })

    it('fails an endpoint that keeps flapping', async () => {
      const server = await serve((_request, response, count) => {
        response.statusCode = count % 2 === 1 ? 200 : 503
        response.end()
      })

      const run = await runCheck({
        urls: server.origin,
        timeout: '600ms',
        'consecutive-successes': '2',
      })

      expect(run.result.healthy).toBe(false)
      expect(run.attempts).toHaveLength(server.requests)
      expect(run.attempts.length).toBeGreaterThanOrEqual(3)
      expect(run.result.failureReason).toMatch(
        /^http:\/\/127\.0\.0\.1:\d+\/healthz: [01] of 2 consecutive successes after \d+ attempt\(s\) within timeout 600 ms; last failure: HTTP 503 Service Unavailable, expected 200$/,
      )
      expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
    })
  })

  describe('TLS with a self-signed certificate', () => {
    it('rejects it by default', async () => {
      const certificate = createSelfSignedCertificate()
      const server = await startHttpsServer(certificate, (_request, response) =>
        response.end('ok'),
      )
      servers.push(server)

      const run = await runCheck({ urls: server.origin, timeout: '400ms' })

      expect(run.result.healthy).toBe(false)
      expect(run.attempts.length).toBeGreaterThanOrEqual(1)
      expect(run.attempts[0]?.error).toBe('DEPTH_ZERO_SELF_SIGNED_CERT')
      expect(server.requests).toBe(0)
      expect(run.result.failureReason).toContain(
        'TLS certificate rejected (DEPTH_ZERO_SELF_SIGNED_CERT',
      )
      expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
    })

    it('accepts it with tls-verify false', async () => {
      const certificate = createSelfSignedCertificate()
      const server = await startHttpsServer(certificate, (_request, response) =>
        response.end('ok'),
      )
      servers.push(server)

      const run = await runCheck({ urls: server.origin, 'tls-verify': 'false' })

      expect(run.result.healthy).toBe(true)
      expect(run.attempts).toHaveLength(1)
      expect(server.requests).toBe(1)
      expect(run.lines).toContainEqual(
        expect.stringMatching(
          /^warning: tls-verify is false: TLS certificates are not verified/,
        ),
      )
    })
  })

  it('reports one failing URL per line', async () => {
    const bad = await serve((_request, response) => {
      response.statusCode = 500
      response.end()
    })

    const run = await runCheck({
      urls: `${bad.origin}/a\n${bad.origin}/b`,
      timeout: '300ms',
    })

    const lines = (run.result.failureReason ?? '').split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(new RegExp(`^${bad.origin}/a: no success`))
    expect(lines[1]).toMatch(new RegExp(`^${bad.origin}/b: no success`))
  })

  it('fails when one of several URLs fails', async () => {
    const good = await serve((_request, response) => response.end('ok'))
    const bad = await serve((_request, response) => {
      response.statusCode = 500
      response.end()
    })

    const run = await runCheck({
      urls: `${good.origin}/healthz\n${bad.origin}/ready`,
      timeout: '500ms',
    })

    const [goodResult, badResult] = run.result.urls
    expect(run.result.healthy).toBe(false)
    expect(goodResult?.healthy).toBe(true)
    expect(goodResult?.attempts).toHaveLength(1)
    expect(badResult?.healthy).toBe(false)
    expect(badResult?.attempts).toHaveLength(bad.requests)
    expect(bad.hits.get('/ready')).toBe(bad.requests)
    expect(run.result.failureReason).toMatch(
      new RegExp(
        `^${bad.origin}/ready: no success after \\d+ attempt\\(s\\) within timeout 500 ms; last failure: HTTP 500 Internal Server Error, expected 200$`,
      ),
    )
    expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
  })

  describe('injected resolver', () => {
    it('reports a failed name look-up', async () => {
      const names: string[] = []
      const lookup = ((hostname, _options, callback) => {
        names.push(hostname)
        const error = Object.assign(
          new Error(`getaddrinfo ENOTFOUND ${hostname}`),
          { code: 'ENOTFOUND', hostname },
        )
        process.nextTick(() => callback(error, '', 4))
      }) as LookupFunction

      const run = await runCheck(
        { urls: 'http://localhost:9/healthz', timeout: '300ms' },
        { lookup },
      )

      expect(run.result.healthy).toBe(false)
      expect(run.attempts.length).toBeGreaterThanOrEqual(2)
      expect(names).toHaveLength(run.attempts.length)
      expect(names.every((name) => name === 'localhost')).toBe(true)
      expect(run.attempts[0]?.error).toBe('ENOTFOUND')
      expect(run.result.failureReason).toContain(
        'last failure: name look-up failed: localhost not found',
      )
      expect(run.elapsedMs).toBeLessThanOrEqual(runBound(run.inputs))
    })

    it('connects to the resolved address', async () => {
      const server = await serve((_request, response) => response.end('ok'))
      const lookup = ((_hostname, options, callback) => {
        const all = (options as { all?: boolean }).all === true
        process.nextTick(() =>
          all
            ? (
                callback as (
                  e: null,
                  a: Array<{ address: string; family: number }>,
                ) => void
              )(null, [{ address: '127.0.0.1', family: 4 }])
            : callback(null, '127.0.0.1', 4),
        )
      }) as LookupFunction

      const run = await runCheck(
        { urls: `http://localhost:${server.port}` },
        { lookup },
      )

      expect(run.result.healthy).toBe(true)
      expect(run.attempts).toHaveLength(1)
      expect(server.headers[0]?.host).toBe(`localhost:${server.port}`)
    })
  })

  describe('latency budget', () => {
    async function slowServer(): Promise<TestServer> {
      return serve((_request, response) => {
        setTimeout(() => response.end('ok'), 80)
      })
    }

    it('fails a p95 above the budget', async () => {
      const server = await slowServer()

      const run = await runCheck({
        urls: server.origin,
        'consecutive-successes': '2',
        'latency-budget': '20ms',
      })

      expect(run.result.healthy).toBe(false)
      expect(run.attempts).toHaveLength(2)
      expect(run.result.urls[0]?.latency.p95_ms).toBeGreaterThanOrEqual(79)
      expect(run.result.failureReason).toMatch(
        /p95 latency \d+ ms over 2 successful attempt\(s\) is above latency-budget 20 ms$/,
      )
    })

    it('passes a p95 within the budget', async () => {
      const server = await slowServer()

      const run = await runCheck({
        urls: server.origin,
        'consecutive-successes': '2',
        'latency-budget': '2s',
      })

      expect(run.result.healthy).toBe(true)
      expect(run.attempts).toHaveLength(2)
      expect(run.result.latency.samples).toBe(2)
    })
  })

  it('stops at deadline-at before the timeout', async () => {
    const server = await startHangingServer()
    servers.push(server)
    const deadlineAt = new Date(Date.now() + 500).toISOString()

    const run = await runCheck({
      urls: server.origin,
      timeout: '10s',
      'deadline-at': deadlineAt,
    })

    expect(run.result.healthy).toBe(false)
    expect(run.attempts.length).toBeGreaterThanOrEqual(1)
    expect(run.attempts.length).toBeLessThanOrEqual(2)
    expect(run.result.failureReason).toContain(
      `within deadline-at ${deadlineAt}`,
    )
    expect(run.elapsedMs).toBeLessThan(500 + SLACK_FOR_DEADLINE)
  })

  it('accepts a status class', async () => {
    const server = await serve((_request, response) => {
      response.statusCode = 204
      response.end()
    })

    const run = await runCheck({
      urls: server.origin,
      'expected-status': '2xx',
    })

    expect(run.result.healthy).toBe(true)
    expect(run.attempts).toHaveLength(1)
    expect(run.result.urls[0]?.lastStatus).toBe('204')
  })

  it('stops on cancellation', async () => {
    const server = await startHangingServer()
    servers.push(server)
    const controller = new AbortController()
    setTimeout(() => controller.abort(new CancelledError('SIGTERM')), 100)
    const started = Date.now()

    const run = runCheck(
      { urls: server.origin, 'attempt-timeout': '5s', timeout: '20s' },
      { signal: controller.signal },
    )

    await expect(run).rejects.toBeInstanceOf(CancelledError)
    expect(Date.now() - started).toBeLessThan(1000)
  })
})

/** deadline-at cuts the attempt in progress, so only scheduling delay is added. */
const SLACK_FOR_DEADLINE = 1000

describe('formatMs', () => {
  it.each([
    [250, '250 ms'],
    [10_200, '10.2s'],
    [90_000, '90s'],
    [150_000, '2m30s'],
    [3_600_000, '1h'],
    [6 * 3_600_000, '6h'],
  ])('formats %d as %s', (ms, expected) => {
    expect(formatMs(ms)).toBe(expected)
  })
})
