import { afterEach, describe, expect, it } from '@jest/globals'
import net from 'node:net'
import { brotliCompressSync } from 'node:zlib'
import { CancelledError } from '../../../common/errors.js'
import {
  checkRedirect,
  probe,
  type ProbeOptions,
  type ProbeResult,
} from '../../../actions/verify-health/src/probe.js'
import {
  startHttpServer,
  type TestServer,
} from '../../helpers/health-servers.js'

const OPTIONS: ProbeOptions = {
  headers: {},
  attemptTimeoutMs: 1000,
  followRedirects: false,
  maxRedirects: 5,
  tlsVerify: true,
}

const closers: Array<() => Promise<void>> = []

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

async function serve(
  handler: Parameters<typeof startHttpServer>[0],
): Promise<TestServer> {
  const server = await startHttpServer(handler)
  closers.push(() => server.close())
  return server
}

/** A TCP server whose every connection gets `onConnection`. */
async function serveRaw(
  onConnection: (socket: net.Socket) => void,
): Promise<string> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    onConnection(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  )
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
}

function expectError(
  result: ProbeResult,
): Extract<ProbeResult, { kind: 'error' }> {
  if (result.kind !== 'error') {
    throw new Error(`expected an error result, got HTTP ${result.status}`)
  }
  return result
}

function expectResponse(
  result: ProbeResult,
): Extract<ProbeResult, { kind: 'response' }> {
  if (result.kind !== 'response') {
    throw new Error(
      `expected a response, got ${result.code}: ${result.message}`,
    )
  }
  return result
}

describe('probe', () => {
  it('cuts a body at the size cap', async () => {
    const server = await serve((_request, response) => {
      response.end('x'.repeat(5000))
    })

    const result = expectResponse(
      await probe(new URL(`${server.origin}/healthz`), {
        ...OPTIONS,
        maxBodyBytes: 1024,
      }),
    )

    expect(result.status).toBe(200)
    expect(result.bodyTruncated).toBe(true)
    expect(result.body).toHaveLength(1024)
  })

  it('decodes a brotli body', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-encoding': 'br' })
      response.end(brotliCompressSync('{"status":"ok"}'))
    })

    const result = expectResponse(
      await probe(new URL(`${server.origin}/healthz`), OPTIONS),
    )

    expect(result.body).toBe('{"status":"ok"}')
    expect(result.bodyTruncated).toBe(false)
  })

  it('sends default and given headers', async () => {
    const server = await serve((_request, response) => response.end())

    await probe(new URL(`${server.origin}/healthz`), {
      ...OPTIONS,
      headers: { 'User-Agent': 'smoke-test', 'X-Probe': '1' },
    })

    expect(server.headers[0]?.['user-agent']).toBe('smoke-test')
    expect(server.headers[0]?.['x-probe']).toBe('1')
    expect(server.headers[0]?.['accept-encoding']).toBe('identity')
  })

  it('reports a body cut off by the server', async () => {
    const server = await serve((request, response) => {
      response.writeHead(200, { 'content-length': '100' })
      response.write('0123456789')
      setTimeout(() => request.socket.destroy(), 20)
    })

    const result = expectError(
      await probe(new URL(`${server.origin}/healthz`), OPTIONS),
    )

    expect(result.code).toBe('ECONNRESET')
    expect(result.phase).toBe('body')
    expect(result.message).toMatch(/^connection reset while reading the body/)
  })

  it('reports a connection closed before the headers', async () => {
    const origin = await serveRaw((socket) => {
      socket.once('data', () => socket.destroy())
    })

    const result = expectError(
      await probe(new URL(`${origin}/healthz`), OPTIONS),
    )

    expect(result.code).toBe('ECONNRESET')
    expect(result.message).toBe(
      'connection reset while waiting for the response headers (socket hang up)',
    )
  })

  it('reports a response that is not HTTP', async () => {
    const origin = await serveRaw((socket) => {
      socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'))
    })

    const result = expectError(
      await probe(new URL(`${origin}/healthz`), OPTIONS),
    )

    expect(result.code).toMatch(/^HPE_/)
    expect(result.message).toMatch(/^invalid HTTP response/)
  })

  it('reports an invalid Location when following', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(302, { location: 'http://[::1' })
      response.end()
    })

    const result = expectError(
      await probe(new URL(`${server.origin}/healthz`), {
        ...OPTIONS,
        followRedirects: true,
      }),
    )

    expect(result.code).toBe('INVALID_REDIRECT')
    expect(result.message).toBe(
      'HTTP 302 with an invalid Location "http://[::1"',
    )
  })

  it('keeps Basic credentials on a followed redirect', async () => {
    const server = await serve((request, response) => {
      if (request.url === '/healthz') {
        response.writeHead(308, { location: '/healthz?follow=1' })
        response.end()
        return
      }
      response.end()
    })
    const url = new URL(`${server.origin}/healthz`)
    url.username = 'deployer'
    url.password = 'pa ss'

    const result = expectResponse(
      await probe(url, { ...OPTIONS, followRedirects: true }),
    )

    const expected = `Basic ${Buffer.from('deployer:pa ss').toString('base64')}`
    expect(result.status).toBe(200)
    expect(result.redirects).toHaveLength(1)
    expect(server.headers.map((headers) => headers.authorization)).toEqual([
      expected,
      expected,
    ])
  })

  it('raises CancelledError when cancelled', async () => {
    const origin = await serveRaw(() => undefined)
    const controller = new AbortController()
    setTimeout(() => controller.abort(new CancelledError('SIGINT')), 50)

    const attempt = probe(new URL(`${origin}/healthz`), {
      ...OPTIONS,
      signal: controller.signal,
    })

    await expect(attempt).rejects.toMatchObject({
      name: 'CancelledError',
      signal: 'SIGINT',
    })
  })
})

describe('checkRedirect', () => {
  const original = new URL('http://app.test:8080/healthz?x=1')

  it.each([
    ['http://app.test:8080/healthz?x=2', undefined],
    ['https://app.test:8443/healthz', undefined],
    ['https://app.test/healthz', undefined],
    [
      'http://other.test:8080/healthz',
      'host changes from app.test to other.test',
    ],
    ['http://app.test:8080/login', 'path changes from /healthz to /login'],
    [
      'http://app.test:8080/healthz/',
      'path changes from /healthz to /healthz/',
    ],
    [
      'http://app.test:9090/healthz',
      'port changes from 8080 to 9090 without an upgrade from http to https',
    ],
    ['ftp://app.test/healthz', 'scheme ftp: is not http or https'],
  ])('judges %s', (target, expected) => {
    expect(checkRedirect(original, original, new URL(target))).toBe(expected)
  })

  it('rejects a downgrade after an upgrade', () => {
    const upgraded = new URL('https://app.test/healthz')

    expect(
      checkRedirect(
        original,
        upgraded,
        new URL('http://app.test:8080/healthz'),
      ),
    ).toBe(
      'scheme changes from https to http; only an upgrade from http to https is followed',
    )
  })
})
