/**
 * A lean HTTP/1.1 client for one origin, used by SignedS3Client for the
 * thousands of small S3 requests of publish. Each request is written in one
 * vectored write and its response is parsed here: a status line, headers,
 * then a body framed by Content-Length, chunked transfer coding or the end
 * of the connection. Connections are kept for the next request when the
 * response allows it and closed after an idle period.
 *
 * Per request it costs about a third less CPU than node:http, whose
 * ClientRequest, IncomingMessage streams and agent bookkeeping dominate
 * when every request is small. It does no redirects, proxies or
 * decompression, which S3's API does not need.
 */
import net from 'node:net'
import tls from 'node:tls'

export interface HttpPoolOptions {
  protocol: 'http:' | 'https:'
  hostname: string
  port?: number
  /** Idle connections kept at most. */
  maxIdle: number
  /** An idle connection is closed after this many milliseconds. */
  idleTimeoutMs: number
  /** Extra TLS options (such as `ca`), for https only. */
  tls?: tls.ConnectionOptions
}

export interface HttpRequest {
  method: string
  /** Path and query, already percent-encoded (request() rejects a space or a control character). */
  target: string
  /** Header names and values, sent as given (request() rejects one that would break the head). */
  headers: Record<string, string>
  body?: Buffer
  signal: AbortSignal
}

export interface HttpResponse {
  status: number
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>
  body: Buffer
}

/** Error of the connection or of a response that is not valid HTTP/1.1; `code` is a Node.js network error code. */
export class HttpConnectionError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'HttpConnectionError'
  }
}

const HEAD_END = Buffer.from('\r\n\r\n')
const CRLF = Buffer.from('\r\n')
/** Response heads beyond this size are rejected. */
const MAX_HEAD_BYTES = 64 * 1024
/** A token of RFC 9110 section 5.6.2: a method or a header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/**
 * A header value as node:http accepts it: tab, visible ASCII, space and
 * obs-text. The head is written as latin1, so a character above U+00FF
 * would lose its high byte, and U+010A would become LF.
 */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
/** An already encoded origin-form or absolute-form request target. */
const REQUEST_TARGET = /^[\x21-\x7e]+$/
/** Hex digits of the largest chunk size below 2^53, after leading zeros. */
const MAX_CHUNK_SIZE_DIGITS = 13

type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; remaining: number }
  | { kind: 'chunked' }
  | { kind: 'close' }

/**
 * Incremental parser of one response. `push` returns true once the
 * response is complete. The client sends one request at a time on a
 * connection, so bytes after the response are an error.
 */
export class ResponseParser {
  private buffered: Buffer = Buffer.alloc(0)
  private status = 0
  private headers: Record<string, string> = {}
  private framing: BodyFraming | undefined
  private readonly bodyChunks: Buffer[] = []
  /** Chunked coding: bytes of the current chunk still to read, -1 before a size line, -2 in the trailers. */
  private chunkRemaining = -1
  private done = false
  keepAlive = false

  constructor(private readonly method: string) {}

  /** Feeds received bytes; returns true when the response is complete. */
  push(data: Buffer): boolean {
    if (this.done) {
      throw new HttpConnectionError(
        'The server sent bytes after the end of the response',
        'ERR_HTTP_PARSE',
      )
    }
    this.buffered =
      this.buffered.length === 0 ? data : Buffer.concat([this.buffered, data])
    for (;;) {
      if (this.framing === undefined) {
        if (!this.parseHead()) return false
        continue
      }
      this.done = this.parseBody()
      return this.done
    }
  }

  /** Called when the connection ends; returns true when that completes the response. */
  end(): boolean {
    if (this.done) return true
    if (this.framing?.kind === 'close') {
      this.bodyChunks.push(this.buffered)
      this.buffered = Buffer.alloc(0)
      this.done = true
      return true
    }
    return false
  }

  response(): HttpResponse {
    return {
      status: this.status,
      headers: this.headers,
      body:
        this.bodyChunks.length === 1
          ? (this.bodyChunks[0] as Buffer)
          : Buffer.concat(this.bodyChunks),
    }
  }

  /** Parses the status line and headers once they are all buffered. */
  private parseHead(): boolean {
    const end = this.buffered.indexOf(HEAD_END)
    if (end < 0) {
      if (this.buffered.length > MAX_HEAD_BYTES) {
        throw new HttpConnectionError(
          `The response head is larger than ${MAX_HEAD_BYTES} bytes`,
          'ERR_HTTP_PARSE',
        )
      }
      return false
    }
    const lines = this.buffered.toString('latin1', 0, end).split('\r\n')
    this.buffered = this.buffered.subarray(end + HEAD_END.length)
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? '')
    if (statusLine === null) {
      throw new HttpConnectionError(
        `The server returned an invalid status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`,
        'ERR_HTTP_PARSE',
      )
    }
    const status = Number(statusLine[2])

    const headers: Record<string, string> = {}
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':')
      if (colon <= 0) {
        throw new HttpConnectionError(
          `The server sent an invalid header line: ${JSON.stringify(line.slice(0, 80))}`,
          'ERR_HTTP_PARSE',
        )
      }
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      const earlier = headers[name]
      headers[name] = earlier === undefined ? value : `${earlier}, ${value}`
    }

    // An interim response (100 Continue) precedes the real one.
    if (status >= 100 && status < 200) return true
    this.status = status
    this.headers = headers
    const connection = (headers.connection ?? '').toLowerCase()
    const http11 = statusLine[1] === '1'
    this.keepAlive = http11
      ? !/\bclose\b/.test(connection)
      : /\bkeep-alive\b/.test(connection)

    const transferEncoding = headers['transfer-encoding']
    if (this.method === 'HEAD' || status === 204 || status === 304) {
      this.framing = { kind: 'none' }
    } else if (transferEncoding !== undefined) {
      const codings = transferEncoding.toLowerCase().split(',')
      if (codings[codings.length - 1]?.trim() !== 'chunked') {
        // RFC 9112 section 6.3: without chunked as the last coding, the
        // body ends when the server closes the connection.
        this.framing = { kind: 'close' }
        this.keepAlive = false
      } else {
        this.framing = { kind: 'chunked' }
        // Content-Length beside Transfer-Encoding may be an attempt at
        // response splitting (RFC 9112 section 6.3), so the connection
        // is not trusted for another request.
        if (headers['content-length'] !== undefined) this.keepAlive = false
      }
    } else if (headers['content-length'] !== undefined) {
      this.framing = {
        kind: 'length',
        remaining: parseContentLength(headers['content-length']),
      }
    } else {
      this.framing = { kind: 'close' }
      this.keepAlive = false
    }
    return true
  }

  /** Consumes body bytes; returns true at the end of the body. */
  private parseBody(): boolean {
    const framing = this.framing as BodyFraming
    switch (framing.kind) {
      case 'none':
        return this.finishWithoutExtraBytes()
      case 'close':
        this.bodyChunks.push(this.buffered)
        this.buffered = Buffer.alloc(0)
        return false
      case 'length': {
        const take = Math.min(framing.remaining, this.buffered.length)
        if (take > 0) {
          this.bodyChunks.push(this.buffered.subarray(0, take))
          this.buffered = this.buffered.subarray(take)
          framing.remaining -= take
        }
        if (framing.remaining > 0) return false
        return this.finishWithoutExtraBytes()
      }
      case 'chunked':
        return this.parseChunks()
    }
  }

  private parseChunks(): boolean {
    for (;;) {
      if (this.chunkRemaining === -1 || this.chunkRemaining === -2) {
        const lineEnd = this.buffered.indexOf(CRLF)
        if (lineEnd < 0) return false
        const line = this.buffered.toString('latin1', 0, lineEnd)
        this.buffered = this.buffered.subarray(lineEnd + CRLF.length)
        if (this.chunkRemaining === -2) {
          // Trailer fields end with an empty line.
          if (line === '') return this.finishWithoutExtraBytes()
          continue
        }
        const size = /^0*([0-9a-fA-F]+)\s*(?:;.*)?$/.exec(line)
        if (
          size === null ||
          (size[1] as string).length > MAX_CHUNK_SIZE_DIGITS
        ) {
          throw new HttpConnectionError(
            `The server sent an invalid chunk size line: ${JSON.stringify(line.slice(0, 80))}`,
            'ERR_HTTP_PARSE',
          )
        }
        const length = Number.parseInt(size[1] as string, 16)
        this.chunkRemaining = length === 0 ? -2 : length
        continue
      }
      // Inside a chunk: its data, then CRLF.
      const take = Math.min(this.chunkRemaining, this.buffered.length)
      if (take > 0) {
        this.bodyChunks.push(this.buffered.subarray(0, take))
        this.buffered = this.buffered.subarray(take)
        this.chunkRemaining -= take
      }
      if (this.chunkRemaining > 0) return false
      if (this.buffered.length < CRLF.length) {
        this.chunkRemaining = 0
        return false
      }
      if (!this.buffered.subarray(0, CRLF.length).equals(CRLF)) {
        throw new HttpConnectionError(
          'The server sent chunk data longer than its size line',
          'ERR_HTTP_PARSE',
        )
      }
      this.buffered = this.buffered.subarray(CRLF.length)
      this.chunkRemaining = -1
    }
  }

  private finishWithoutExtraBytes(): boolean {
    if (this.buffered.length > 0) {
      throw new HttpConnectionError(
        'The server sent bytes after the end of the response',
        'ERR_HTTP_PARSE',
      )
    }
    return true
  }
}

/**
 * Parses Content-Length: digits only (RFC 9112 section 6.2), or a list of
 * equal values when the header was repeated (RFC 9110 section 8.6).
 */
function parseContentLength(value: string): number {
  const values = value.split(',').map((item) => item.trim())
  const first = values[0] as string
  const length = /^\d+$/.test(first) ? Number(first) : Number.NaN
  if (!Number.isSafeInteger(length) || values.some((item) => item !== first)) {
    throw new HttpConnectionError(
      `The server sent an invalid Content-Length: ${JSON.stringify(value.slice(0, 80))}`,
      'ERR_HTTP_PARSE',
    )
  }
  return length
}

/**
 * Builds the request line and headers, or throws a TypeError for a method,
 * target or header that would break the message framing.
 */
function requestHead(request: HttpRequest): string {
  if (!TOKEN.test(request.method)) {
    throw new TypeError(
      `The request method ${JSON.stringify(request.method)} is not a valid token`,
    )
  }
  if (!REQUEST_TARGET.test(request.target)) {
    throw new TypeError(
      `The request target ${JSON.stringify(request.target)} contains a space, a control character or a non-ASCII character, which must be percent-encoded`,
    )
  }
  let head = `${request.method} ${request.target} HTTP/1.1\r\n`
  for (const [name, value] of Object.entries(request.headers)) {
    if (!TOKEN.test(name)) {
      throw new TypeError(
        `The header name ${JSON.stringify(name)} is not a valid token`,
      )
    }
    if (!HEADER_VALUE.test(value)) {
      throw new TypeError(
        `The header ${JSON.stringify(name)} contains a character that is not allowed in a header value (a control character other than tab, or one above U+00FF)`,
      )
    }
    head += `${name}: ${value}\r\n`
  }
  return `${head}\r\n`
}

/** Abort error shaped like the one node:http rejects with. */
function abortError(signal: AbortSignal): Error {
  const error = new Error('The operation was aborted', {
    cause: signal.reason,
  })
  error.name = 'AbortError'
  ;(error as Error & { code: string }).code = 'ABORT_ERR'
  return error
}

export class HttpPool {
  private readonly idle: Array<{ socket: net.Socket; detach: () => void }> = []
  private readonly port: number
  private tlsSession: Buffer | undefined
  private destroyed = false

  constructor(private readonly opts: HttpPoolOptions) {
    this.port = opts.port ?? (opts.protocol === 'https:' ? 443 : 80)
  }

  /** Closes the idle connections; requests in flight end with their own. */
  destroy(): void {
    this.destroyed = true
    for (const entry of this.idle.splice(0)) entry.socket.destroy()
  }

  /** Sends one request and reads its whole response. */
  async request(request: HttpRequest): Promise<HttpResponse> {
    if (request.signal.aborted) throw abortError(request.signal)
    const head = requestHead(request)
    const reused = this.idle.pop()
    reused?.detach()
    const socket = reused?.socket ?? this.connect()
    return new Promise<HttpResponse>((resolve, reject) => {
      const parser = new ResponseParser(request.method)
      let settled = false
      const cleanUp = () => {
        settled = true
        socket.off('data', onData)
        socket.off('end', onEnd)
        socket.off('error', onError)
        socket.off('close', onEnd)
        request.signal.removeEventListener('abort', onAbort)
      }
      const fail = (error: Error) => {
        if (settled) return
        cleanUp()
        socket.destroy()
        reject(error)
      }
      const onData = (data: Buffer) => {
        let complete: boolean
        try {
          complete = parser.push(data)
        } catch (error) {
          fail(error as Error)
          return
        }
        if (!complete) return
        cleanUp()
        if (parser.keepAlive) this.release(socket)
        else socket.destroy()
        resolve(parser.response())
      }
      const onEnd = () => {
        if (settled) return
        if (parser.end()) {
          cleanUp()
          socket.destroy()
          resolve(parser.response())
          return
        }
        fail(
          new HttpConnectionError(
            `The connection to ${this.opts.hostname} closed before the response ended (socket hang up)`,
            'ECONNRESET',
          ),
        )
      }
      const onError = (error: Error) => fail(error)
      const onAbort = () => fail(abortError(request.signal))
      socket.on('data', onData)
      socket.on('end', onEnd)
      socket.on('close', onEnd)
      socket.on('error', onError)
      request.signal.addEventListener('abort', onAbort, { once: true })

      socket.cork()
      socket.write(head, 'latin1')
      if (request.body !== undefined && request.body.length > 0) {
        socket.write(request.body)
      }
      socket.uncork()
    })
  }

  private connect(): net.Socket {
    const { hostname } = this.opts
    if (this.opts.protocol === 'https:') {
      const socket = tls.connect({
        ...this.opts.tls,
        host: hostname,
        port: this.port,
        ...(net.isIP(hostname) === 0 ? { servername: hostname } : {}),
        ALPNProtocols: ['http/1.1'],
        ...(this.tlsSession === undefined ? {} : { session: this.tlsSession }),
      })
      socket.on('session', (session: Buffer) => {
        this.tlsSession = session
      })
      socket.setNoDelay(true)
      return socket
    }
    const socket = net.connect({ host: hostname, port: this.port })
    socket.setNoDelay(true)
    return socket
  }

  /** Keeps a connection for the next request, or closes it. */
  private release(socket: net.Socket): void {
    if (this.destroyed || this.idle.length >= this.opts.maxIdle) {
      socket.destroy()
      return
    }
    // A server that closes an idle connection, or unrequested bytes, end its
    // reuse. The listeners are removed when the socket is taken again.
    const drop = () => {
      const index = this.idle.findIndex((entry) => entry.socket === socket)
      if (index >= 0) this.idle.splice(index, 1)
      detach()
      socket.destroy()
    }
    const events = ['end', 'close', 'data', 'error', 'timeout'] as const
    const detach = () => {
      for (const event of events) socket.off(event, drop)
      socket.setTimeout(0)
    }
    for (const event of events) socket.once(event, drop)
    socket.setTimeout(this.opts.idleTimeoutMs)
    this.idle.push({ socket, detach })
  }
}
