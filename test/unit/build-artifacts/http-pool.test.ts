import { afterEach, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {
  HttpPool,
  ResponseParser,
  type HttpRequest,
} from '../../../actions/build-artifacts/src/http-pool.js'
import { isTransientAwsError } from '../../../common/retry.js'

const closers: Array<() => Promise<void>> = []

afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

/** Starts a raw TCP server on 127.0.0.1; `onConnection` writes the responses by hand. */
async function rawServer(
  onConnection: (socket: net.Socket, index: number) => void,
): Promise<{ port: number; connections: () => number }> {
  let count = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    onConnection(socket, count)
    count += 1
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  )
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
  }
}

/** Calls `onRequest` once per complete request head received on the socket. */
function onRequests(
  socket: net.Socket,
  onRequest: (head: string, body: Buffer) => void,
): void {
  let buffered = Buffer.alloc(0)
  socket.on('data', (data: Buffer) => {
    buffered = Buffer.concat([buffered, data])
    for (;;) {
      const end = buffered.indexOf('\r\n\r\n')
      if (end < 0) return
      const head = buffered.toString('latin1', 0, end)
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
      if (buffered.length < end + 4 + length) return
      const body = buffered.subarray(end + 4, end + 4 + length)
      buffered = buffered.subarray(end + 4 + length)
      onRequest(head, body)
    }
  })
}

function pool(
  port: number,
  extra: Partial<ConstructorParameters<typeof HttpPool>[0]> = {},
): HttpPool {
  const created = new HttpPool({
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    maxIdle: 4,
    idleTimeoutMs: 2_000,
    ...extra,
  })
  closers.push(() => Promise.resolve(created.destroy()))
  return created
}

function get(target = '/', extra: Partial<HttpRequest> = {}): HttpRequest {
  return {
    method: 'GET',
    target,
    headers: { host: 'example' },
    signal: new AbortController().signal,
    ...extra,
  }
}

describe('ResponseParser', () => {
  it('reads a Content-Length body fed one byte at a time', () => {
    const parser = new ResponseParser('GET')
    const bytes = Buffer.from(
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: "a"\r\nX-Two: 1\r\nx-two: 2\r\n\r\nhello',
    )
    let complete = false
    for (let i = 0; i < bytes.length; i += 1) {
      expect(complete).toBe(false)
      complete = parser.push(bytes.subarray(i, i + 1))
    }
    expect(complete).toBe(true)
    const response = parser.response()
    expect(response.status).toBe(200)
    expect(response.headers).toEqual({
      'content-length': '5',
      etag: '"a"',
      'x-two': '1, 2',
    })
    expect(response.body.toString()).toBe('hello')
    expect(parser.keepAlive).toBe(true)
  })

  it('decodes chunked bodies with extensions and trailers', () => {
    const parser = new ResponseParser('GET')
    const text =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '4;name=value\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nX-Trailer: yes\r\n\r\n'
    const bytes = Buffer.from(text)
    let complete = false
    // Split at every position that cuts a size line, data or a CRLF.
    for (let i = 0; i < bytes.length; i += 3) {
      complete = parser.push(bytes.subarray(i, i + 3))
    }
    expect(complete).toBe(true)
    expect(parser.response().body.toString()).toBe(
      'Wikipedia in \r\n\r\nchunks.',
    )
  })

  it('skips an interim 100 Continue response', () => {
    const parser = new ResponseParser('PUT')
    expect(
      parser.push(
        Buffer.from(
          'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
        ),
      ),
    ).toBe(true)
    expect(parser.response().status).toBe(204)
  })

  it('reads no body for HEAD despite Content-Length', () => {
    const parser = new ResponseParser('HEAD')
    expect(
      parser.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n')),
    ).toBe(true)
    expect(parser.response().body.length).toBe(0)
  })

  it('reads until the connection ends without framing', () => {
    const parser = new ResponseParser('GET')
    expect(parser.push(Buffer.from('HTTP/1.0 200 OK\r\n\r\npart one '))).toBe(
      false,
    )
    expect(parser.push(Buffer.from('part two'))).toBe(false)
    expect(parser.end()).toBe(true)
    expect(parser.keepAlive).toBe(false)
    expect(parser.response().body.toString()).toBe('part one part two')
  })

  it('keeps HTTP/1.1 connections unless told to close', () => {
    const closing = new ResponseParser('GET')
    closing.push(
      Buffer.from(
        'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      ),
    )
    expect(closing.keepAlive).toBe(false)
    const old = new ResponseParser('GET')
    old.push(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'))
    expect(old.keepAlive).toBe(false)
  })

  it.each([
    ['a bad status line', 'HTP/1.1 200 OK\r\n\r\n', /invalid status line/],
    [
      'a header without a colon',
      'HTTP/1.1 200 OK\r\nbroken\r\n\r\n',
      /invalid header line/,
    ],
    [
      'a negative Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      /invalid Content-Length/,
    ],
    [
      'a bad chunk size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      /invalid chunk size/,
    ],
    [
      'chunk data longer than its size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n',
      /longer than its size/,
    ],
    [
      'bytes after the body',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab',
      /after the end of the response/,
    ],
    [
      'a hexadecimal Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: 0x3\r\n\r\nabc',
      /invalid Content-Length/,
    ],
    [
      'a Content-Length with an exponent',
      'HTTP/1.1 200 OK\r\nContent-Length: 3e0\r\n\r\nabc',
      /invalid Content-Length/,
    ],
    [
      'a Content-Length with a sign',
      'HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc',
      /invalid Content-Length/,
    ],
    [
      'an empty Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n',
      /invalid Content-Length/,
    ],
    [
      'differing Content-Length values',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc',
      /invalid Content-Length/,
    ],
    [
      'a chunk size above 2^53 - 1',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20000000000001\r\nab',
      /invalid chunk size/,
    ],
  ])('rejects %s', (_name, text, message) => {
    const parser = new ResponseParser('GET')
    expect(() => parser.push(Buffer.from(text))).toThrow(message)
  })

  it('reads chunk sizes with leading zeros', () => {
    const parser = new ResponseParser('GET')
    const text =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '00000000000000000003\r\nabc\r\n000\r\n\r\n'
    expect(parser.push(Buffer.from(text))).toBe(true)
    expect(parser.response().body.toString()).toBe('abc')
  })

  it('accepts repeated equal Content-Length values', () => {
    const parser = new ResponseParser('GET')
    const text =
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc'
    expect(parser.push(Buffer.from(text))).toBe(true)
    expect(parser.response().body.toString()).toBe('abc')
  })

  it('closes after chunked with Content-Length', () => {
    // Both framings in one response hint at response splitting, so the
    // chunked coding frames the body and the connection is not reused.
    const parser = new ResponseParser('GET')
    const text =
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '3\r\nabc\r\n0\r\n\r\n'
    expect(parser.push(Buffer.from(text))).toBe(true)
    expect(parser.response().body.toString()).toBe('abc')
    expect(parser.keepAlive).toBe(false)
  })

  it('reads to the end when chunked is not the last coding', () => {
    for (const coding of ['x-chunked', 'chunked, gzip']) {
      const parser = new ResponseParser('GET')
      const head = `HTTP/1.1 200 OK\r\nTransfer-Encoding: ${coding}\r\n\r\n`
      expect(parser.push(Buffer.from(`${head}3\r\nabc`))).toBe(false)
      expect(parser.end()).toBe(true)
      expect(parser.response().body.toString()).toBe('3\r\nabc')
      expect(parser.keepAlive).toBe(false)
    }
  })

  it('rejects a head larger than 64 KiB', () => {
    const parser = new ResponseParser('GET')
    expect(() =>
      parser.push(Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`)),
    ).toThrow(/larger than 65536 bytes/)
  })
})

describe('HttpPool', () => {
  it('sends the method, target, headers and body as written', async () => {
    const seen: Array<{ head: string; body: string }> = []
    const server = await rawServer((socket) =>
      onRequests(socket, (head, body) => {
        seen.push({ head, body: body.toString() })
        socket.write('HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok')
      }),
    )
    const response = await pool(server.port).request({
      method: 'PUT',
      target: '/bucket/a%20b?partNumber=1',
      headers: { host: 'example', 'content-length': '4', 'x-amz-meta-a': 'b' },
      body: Buffer.from('data'),
      signal: new AbortController().signal,
    })
    expect(response.status).toBe(201)
    expect(response.body.toString()).toBe('ok')
    expect(seen).toEqual([
      {
        head: 'PUT /bucket/a%20b?partNumber=1 HTTP/1.1\r\nhost: example\r\ncontent-length: 4\r\nx-amz-meta-a: b',
        body: 'data',
      },
    ])
  })

  it('reuses a kept-alive connection and opens a new one after Connection: close', async () => {
    let requests = 0
    const server = await rawServer((socket) =>
      onRequests(socket, () => {
        requests += 1
        socket.write(
          requests === 2
            ? 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'
            : 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
        )
      }),
    )
    const client = pool(server.port)
    await client.request(get())
    await client.request(get())
    expect(server.connections()).toBe(1)
    await client.request(get())
    expect(server.connections()).toBe(2)
  })

  it('works against node:http with chunked and keep-alive responses', async () => {
    const server = http.createServer((request, response) => {
      if (request.method === 'HEAD') {
        response.writeHead(200, { 'content-length': '10', etag: '"x"' })
        response.end()
        return
      }
      response.write('first ')
      setTimeout(() => response.end('second'), 5)
    })
    let connections = 0
    server.on('connection', () => (connections += 1))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        }),
    )
    const client = pool((server.address() as net.AddressInfo).port)
    const first = await client.request(get())
    expect(first.headers['transfer-encoding']).toBe('chunked')
    expect(first.body.toString()).toBe('first second')
    const head = await client.request(get('/', { method: 'HEAD' }))
    expect(head.headers.etag).toBe('"x"')
    expect(head.body.length).toBe(0)
    expect(connections).toBe(1)
  })

  it('drops an idle connection that the server closed', async () => {
    const server = await rawServer((socket, index) =>
      onRequests(socket, () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
        if (index === 0) setTimeout(() => socket.end(), 10)
      }),
    )
    const client = pool(server.port)
    await client.request(get())
    await new Promise((resolve) => setTimeout(resolve, 100))
    await client.request(get())
    expect(server.connections()).toBe(2)
  })

  it('fails with a retryable ECONNRESET when the connection closes mid-response', async () => {
    const server = await rawServer((socket) =>
      onRequests(socket, () => {
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')
      }),
    )
    const error = await pool(server.port)
      .request(get())
      .then(
        () => undefined,
        (caught: unknown) => caught,
      )
    expect(error).toMatchObject({
      code: 'ECONNRESET',
      message: expect.stringMatching(/closed before the response ended/),
    })
    expect(isTransientAwsError(error)).toBe(true)
  })

  it('passes on connection errors with their code', async () => {
    const server = await rawServer(() => undefined)
    const port = server.port
    for (const close of closers.splice(0)) await close()
    await expect(pool(port).request(get())).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    })
  })

  it('aborts a request that waits for its response', async () => {
    const server = await rawServer((socket) =>
      onRequests(socket, () => undefined),
    )
    const controller = new AbortController()
    const pending = pool(server.port).request(
      get('/', { signal: controller.signal }),
    )
    setTimeout(() => controller.abort(new Error('stop')), 20)
    await expect(pending).rejects.toMatchObject({
      name: 'AbortError',
      code: 'ABORT_ERR',
    })
    const already = new AbortController()
    already.abort()
    await expect(
      pool(server.port).request(get('/', { signal: already.signal })),
    ).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('refuses a header value with a line break before sending', async () => {
    const received: string[] = []
    const server = await rawServer((socket) =>
      onRequests(socket, (head) => received.push(head)),
    )
    await expect(
      pool(server.port).request(
        get('/', { headers: { host: 'h', 'x-a': 'one\r\nx-b: two' } }),
      ),
    ).rejects.toThrow(/header "x-a" contains a character/)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(received).toEqual([])
  })

  it.each([
    [
      'a header value that latin1 turns into CR LF',
      get('/', { headers: { host: 'h', 'x-a': 'one\u010d\u010ax-b: two' } }),
      /header "x-a" contains a character/,
    ],
    [
      'a header value with NUL',
      get('/', { headers: { host: 'h', 'x-a': 'one\u0000' } }),
      /header "x-a" contains a character/,
    ],
    [
      'a header name with a space',
      get('/', { headers: { host: 'h', 'x a': 'one' } }),
      /header name "x a" is not a valid token/,
    ],
    [
      'a target with a line break',
      get('/a\r\nx-b: two'),
      /request target "\/a\\r\\nx-b: two" contains a space, a control character/,
    ],
    ['a target with a space', get('/a b'), /request target "\/a b"/],
    ['a method with a space', get('/', { method: 'GET /' }), /method "GET \/"/],
  ])('rejects %s before sending', async (_name, request, message) => {
    const received: string[] = []
    const server = await rawServer((socket) =>
      onRequests(socket, (head) => {
        received.push(head)
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
      }),
    )
    await expect(pool(server.port).request(request)).rejects.toThrow(message)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(received).toEqual([])
    expect(server.connections()).toBe(0)
  })

  it('speaks TLS and verifies the certificate', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'http-pool-tls-'))
    closers.push(() => Promise.resolve(rmSync(dir, { recursive: true })))
    const key = path.join(dir, 'key.pem')
    const cert = path.join(dir, 'cert.pem')
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    )
    const server = https.createServer(
      { key: readFileSync(key), cert: readFileSync(cert) },
      (_request, response) => response.end('secure'),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        }),
    )
    const port = (server.address() as net.AddressInfo).port
    const trusted = pool(port, {
      protocol: 'https:',
      tls: { ca: readFileSync(cert) },
    })
    expect((await trusted.request(get())).body.toString()).toBe('secure')
    const untrusted = pool(port, { protocol: 'https:' })
    await expect(untrusted.request(get())).rejects.toMatchObject({
      code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/),
    })
  })
})
