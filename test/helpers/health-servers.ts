// Real servers on 127.0.0.1 for health-check tests: HTTP, HTTPS with a
// self-signed certificate, and a TCP server that accepts and never responds.
// Every server listens on a port the system picks and counts what it saw.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

export type Handler = (
  request: http.IncomingMessage,
  response: http.ServerResponse,
  count: number,
) => void

export interface TestServer {
  /** Base URL such as http://127.0.0.1:40123 (no path). */
  origin: string
  port: number
  /** Requests seen so far, per path (query left out). */
  readonly hits: Map<string, number>
  /** Requests seen so far on every path. */
  readonly requests: number
  /** Headers of the requests, in order. */
  readonly headers: http.IncomingHttpHeaders[]
  close(): Promise<void>
}

interface Listening {
  server: net.Server
  sockets: Set<net.Socket>
}

async function listen(listening: Listening, port = 0): Promise<number> {
  const { server, sockets } = listening
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  return (server.address() as net.AddressInfo).port
}

async function closeListening(listening: Listening): Promise<void> {
  for (const socket of listening.sockets) {
    socket.destroy()
  }
  await new Promise<void>((resolve) => listening.server.close(() => resolve()))
}

function wrapHandler(
  handler: Handler,
  state: {
    hits: Map<string, number>
    headers: http.IncomingHttpHeaders[]
    count: number
  },
): http.RequestListener {
  return (request, response) => {
    state.count++
    const pathname = (request.url ?? '/').split('?')[0] ?? '/'
    state.hits.set(pathname, (state.hits.get(pathname) ?? 0) + 1)
    state.headers.push(request.headers)
    handler(request, response, state.count)
  }
}

/** Starts an HTTP server on 127.0.0.1; `port` 0 lets the system pick one. */
export async function startHttpServer(
  handler: Handler,
  port = 0,
): Promise<TestServer> {
  const state = {
    hits: new Map<string, number>(),
    headers: [] as http.IncomingHttpHeaders[],
    count: 0,
  }
  const server = http.createServer(wrapHandler(handler, state))
  const listening = { server, sockets: new Set<net.Socket>() }
  const bound = await listen(listening, port)
  return {
    origin: `http://127.0.0.1:${bound}`,
    port: bound,
    hits: state.hits,
    get requests() {
      return state.count
    },
    headers: state.headers,
    close: () => closeListening(listening),
  }
}

export interface Certificate {
  key: string
  cert: string
}

/** Creates a self-signed certificate for 127.0.0.1 with openssl, in a temporary folder it removes. */
export function createSelfSignedCertificate(): Certificate {
  const dir = mkdtempSync(path.join(tmpdir(), 'verify-health-tls-'))
  try {
    const keyFile = path.join(dir, 'key.pem')
    const certFile = path.join(dir, 'cert.pem')
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'pipe' },
    )
    return {
      key: readFileSync(keyFile, 'utf8'),
      cert: readFileSync(certFile, 'utf8'),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Starts an HTTPS server on 127.0.0.1 with the given certificate. */
export async function startHttpsServer(
  certificate: Certificate,
  handler: Handler,
): Promise<TestServer> {
  const state = {
    hits: new Map<string, number>(),
    headers: [] as http.IncomingHttpHeaders[],
    count: 0,
  }
  const server = https.createServer(certificate, wrapHandler(handler, state))
  const listening = { server, sockets: new Set<net.Socket>() }
  const bound = await listen(listening)
  return {
    origin: `https://127.0.0.1:${bound}`,
    port: bound,
    hits: state.hits,
    get requests() {
      return state.count
    },
    headers: state.headers,
    close: () => closeListening(listening),
  }
}

export interface HangingServer {
  origin: string
  /** Connections accepted so far. */
  readonly connections: number
  close(): Promise<void>
}

/** Starts a TCP server that accepts connections and never sends a byte. */
export async function startHangingServer(): Promise<HangingServer> {
  let connections = 0
  const server = net.createServer(() => {
    connections++
  })
  const listening = { server, sockets: new Set<net.Socket>() }
  const port = await listen(listening)
  return {
    origin: `http://127.0.0.1:${port}`,
    get connections() {
      return connections
    },
    close: () => closeListening(listening),
  }
}

/** A port on 127.0.0.1 that was free a moment ago, for connection-refused cases. */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  const listening = { server, sockets: new Set<net.Socket>() }
  const port = await listen(listening)
  await closeListening(listening)
  return port
}

/** Sends a JSON body with the given status. */
export function sendJson(
  response: http.ServerResponse,
  status: number,
  body: unknown,
): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  response.end(text)
}
