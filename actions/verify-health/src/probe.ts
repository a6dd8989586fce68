/**
 * One health-check attempt over node:http / node:https: a GET on a fresh
 * connection, bounded as a whole (connect, TLS, headers, body and any
 * redirects followed) by one attempt timeout.
 */
import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { Readable, Transform } from 'node:stream'
import zlib from 'node:zlib'
import { cancelledErrorFrom } from '../../../common/clock.js'
import { redactUrl } from '../../../common/masking.js'
import { isRedirectStatus } from './checks.js'

/** Largest body read per attempt; the rest is discarded and the body marked truncated. */
export const MAX_BODY_BYTES = 1_048_576

export interface ProbeOptions {
  headers: Record<string, string>
  attemptTimeoutMs: number
  followRedirects: boolean
  maxRedirects: number
  tlsVerify: boolean
  maxBodyBytes?: number
  /** Name resolver handed to net/tls connect; defaults to dns.lookup. */
  lookup?: LookupFunction
  /** Cancellation: an abort stops the attempt and raises a CancelledError. */
  signal?: AbortSignal
}

/** Stage an attempt had reached when it failed. */
export type ProbePhase = 'connect' | 'tls' | 'headers' | 'body'

export interface RedirectHop {
  status: number
  /** Redacted URL that returned the redirect. */
  from: string
  location: string
}

export interface ProbeResponse {
  kind: 'response'
  status: number
  location?: string
  body: string
  bodyTruncated: boolean
  maxBodyBytes: number
  /** Redacted URL of the response, after any redirects followed. */
  finalUrl: string
  redirects: RedirectHop[]
  latencyMs: number
}

export interface ProbeFailure {
  kind: 'error'
  /** Node error code (ECONNREFUSED, ENOTFOUND, DEPTH_ZERO_SELF_SIGNED_CERT ...) or TIMEOUT, REDIRECT_REJECTED, REDIRECT_LOOP, TOO_MANY_REDIRECTS, INVALID_REDIRECT. */
  code: string
  message: string
  phase: ProbePhase
  redirects: RedirectHop[]
  latencyMs: number
}

export type ProbeResult = ProbeResponse | ProbeFailure

const PHASE_TEXT: Record<ProbePhase, string> = {
  connect: 'while connecting',
  tls: 'during the TLS handshake',
  headers: 'while waiting for the response headers',
  body: 'while reading the body',
}

const DEFAULT_HEADERS: Record<string, string> = {
  'user-agent': 'verify-health',
  accept: '*/*',
  'accept-encoding': 'identity',
}

const TLS_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
])

class AttemptTimeout extends Error {
  override name = 'AttemptTimeout'
}

/**
 * Sends one GET to `url` and returns what came back or why nothing usable
 * did. Network errors, timeouts and rejected redirects are results, not
 * exceptions; only cancellation through `options.signal` throws.
 */
export async function probe(
  url: URL,
  options: ProbeOptions,
): Promise<ProbeResult> {
  const started = performance.now()
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES
  const controller = new AbortController()
  const timeout = new AttemptTimeout()
  const timer = setTimeout(
    () => controller.abort(timeout),
    options.attemptTimeoutMs,
  )
  const forwardCancel = (): void => controller.abort(options.signal?.reason)
  if (options.signal?.aborted === true) {
    forwardCancel()
  }
  options.signal?.addEventListener('abort', forwardCancel, { once: true })

  const progress: { phase: ProbePhase } = { phase: 'connect' }
  const redirects: RedirectHop[] = []
  const auth = credentialsOf(url)
  let current = withoutUserInfo(url)
  const visited = new Set([current.href])
  const elapsed = (): number => performance.now() - started
  const failure = (code: string, message: string): ProbeFailure => ({
    kind: 'error',
    code,
    message,
    phase: progress.phase,
    redirects,
    latencyMs: elapsed(),
  })

  try {
    for (;;) {
      const raw = await requestOnce(current, {
        auth,
        options,
        maxBodyBytes,
        signal: controller.signal,
        progress,
      })
      const followable =
        options.followRedirects &&
        isRedirectStatus(raw.status) &&
        raw.location !== undefined
      if (!followable || raw.location === undefined) {
        const response: ProbeResponse = {
          kind: 'response',
          status: raw.status,
          body: raw.body,
          bodyTruncated: raw.truncated,
          maxBodyBytes,
          finalUrl: redactUrl(current),
          redirects,
          latencyMs: elapsed(),
        }
        if (raw.location !== undefined) {
          response.location = raw.location
        }
        return response
      }

      redirects.push({
        status: raw.status,
        from: redactUrl(current),
        location: raw.location,
      })
      let next: URL
      try {
        next = new URL(raw.location, current)
      } catch {
        return failure(
          'INVALID_REDIRECT',
          `HTTP ${raw.status} with an invalid Location ${JSON.stringify(raw.location)}`,
        )
      }
      next.hash = ''
      const rejection = checkRedirect(url, current, next)
      if (rejection !== undefined) {
        return failure(
          'REDIRECT_REJECTED',
          `HTTP ${raw.status} redirect to ${JSON.stringify(raw.location)} not followed: ${rejection}`,
        )
      }
      if (visited.has(next.href)) {
        return failure(
          'REDIRECT_LOOP',
          `redirect loop: ${redactUrl(current)} redirects back to ${redactUrl(next)} after ${redirects.length} hop(s)`,
        )
      }
      if (redirects.length > options.maxRedirects) {
        return failure(
          'TOO_MANY_REDIRECTS',
          `more than ${options.maxRedirects} redirects (max-redirects); last Location ${JSON.stringify(raw.location)}`,
        )
      }
      visited.add(next.href)
      current = next
    }
  } catch (error) {
    if (controller.signal.reason === timeout) {
      return failure(
        'TIMEOUT',
        `timed out after ${options.attemptTimeoutMs} ms ${PHASE_TEXT[progress.phase]}`,
      )
    }
    if (options.signal?.aborted === true) {
      throw cancelledErrorFrom(options.signal)
    }
    const described = describeRequestError(error, current, progress.phase)
    return failure(described.code, described.message)
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', forwardCancel)
  }
}

/**
 * Returns why a redirect from `current` to `next` breaks the policy, or
 * undefined when it may be followed. The target must keep the host name and
 * path of the original URL. The scheme may stay or change from http to
 * https (never back), and the port may change only with that upgrade.
 */
export function checkRedirect(
  original: URL,
  current: URL,
  next: URL,
): string | undefined {
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    return `scheme ${next.protocol} is not http or https`
  }
  if (next.hostname !== original.hostname) {
    return `host changes from ${original.hostname} to ${next.hostname}`
  }
  if (next.pathname !== original.pathname) {
    return `path changes from ${original.pathname} to ${next.pathname}`
  }
  const upgrade = current.protocol === 'http:' && next.protocol === 'https:'
  if (next.protocol !== current.protocol && !upgrade) {
    return `scheme changes from ${current.protocol.slice(0, -1)} to ${next.protocol.slice(0, -1)}; only an upgrade from http to https is followed`
  }
  if (!upgrade && effectivePort(next) !== effectivePort(current)) {
    return `port changes from ${effectivePort(current)} to ${effectivePort(next)} without an upgrade from http to https`
  }
  return undefined
}

function effectivePort(url: URL): string {
  if (url.port !== '') {
    return url.port
  }
  return url.protocol === 'https:' ? '443' : '80'
}

function credentialsOf(url: URL): string | undefined {
  if (url.username === '' && url.password === '') {
    return undefined
  }
  return `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
}

function withoutUserInfo(url: URL): URL {
  const copy = new URL(url.href)
  copy.username = ''
  copy.password = ''
  copy.hash = ''
  return copy
}

interface RawResponse {
  status: number
  location?: string
  body: string
  truncated: boolean
}

interface RequestContext {
  auth: string | undefined
  options: ProbeOptions
  maxBodyBytes: number
  signal: AbortSignal
  progress: { phase: ProbePhase }
}

function requestOnce(url: URL, context: RequestContext): Promise<RawResponse> {
  const { options, signal, progress } = context
  return new Promise<RawResponse>((resolve, reject) => {
    const secure = url.protocol === 'https:'
    const requestOptions: https.RequestOptions = {
      method: 'GET',
      headers: { ...DEFAULT_HEADERS, ...options.headers },
      // A fresh connection per attempt, so each attempt also proves that
      // the endpoint accepts new connections.
      agent: false,
      rejectUnauthorized: options.tlsVerify,
    }
    if (options.lookup !== undefined) {
      requestOptions.lookup = options.lookup
    }
    if (context.auth !== undefined) {
      requestOptions.auth = context.auth
    }
    progress.phase = 'connect'
    const request = (secure ? https : http).request(url, requestOptions)

    const onAbort = (): void => {
      request.destroy()
      reject(signal.reason)
    }
    if (signal.aborted) {
      onAbort()
      return
    }
    signal.addEventListener('abort', onAbort, { once: true })
    const settle = (): void => signal.removeEventListener('abort', onAbort)

    request.on('socket', (socket) => {
      socket.once('connect', () => {
        progress.phase = secure ? 'tls' : 'headers'
      })
      socket.once('secureConnect', () => {
        progress.phase = 'headers'
      })
    })
    request.on('error', (error) => {
      settle()
      reject(error)
    })
    request.on('response', (response) => {
      progress.phase = 'body'
      readBody(response, context.maxBodyBytes, () => request.destroy()).then(
        (body) => {
          settle()
          const raw: RawResponse = {
            status: response.statusCode ?? 0,
            body: body.text,
            truncated: body.truncated,
          }
          const location = response.headers.location
          if (location !== undefined) {
            raw.location = location
          }
          resolve(raw)
        },
        (error: unknown) => {
          settle()
          reject(error)
        },
      )
    })
    request.end()
  })
}

/**
 * Reads and decodes the body up to `maxBytes` of decoded data. On overflow
 * it calls `stop` (which closes the connection) and returns what it has.
 */
function readBody(
  response: http.IncomingMessage,
  maxBytes: number,
  stop: () => void,
): Promise<{ text: string; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const decoder = decoderFor(response.headers['content-encoding'])
    const stream: Readable = decoder ?? response
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (truncated: boolean): void => {
      done = true
      resolve({ text: Buffer.concat(chunks).toString('utf8'), truncated })
    }
    const fail = (error: unknown): void => {
      if (!done) {
        done = true
        reject(error)
      }
    }

    stream.on('data', (chunk: Buffer) => {
      if (done) {
        return
      }
      const room = maxBytes - size
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room))
        size = maxBytes
        finish(true)
        stop()
        return
      }
      chunks.push(chunk)
      size += chunk.length
    })
    stream.on('end', () => {
      if (!done) {
        finish(false)
      }
    })
    stream.on('error', fail)
    if (decoder !== undefined) {
      response.on('error', fail)
      response.pipe(decoder)
    }
    response.on('close', () => {
      if (!response.complete) {
        fail(
          Object.assign(
            new Error('the connection closed before the body was complete'),
            { code: 'ECONNRESET' },
          ),
        )
      }
    })
  })
}

function decoderFor(encoding: string | undefined): Transform | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip()
    case 'deflate':
      return zlib.createInflate()
    case 'br':
      return zlib.createBrotliDecompress()
    default:
      return undefined
  }
}

/** Turns a Node request error into a code and a sentence for the attempt log. */
export function describeRequestError(
  error: unknown,
  url: URL,
  phase: ProbePhase,
): { code: string; message: string } {
  const code =
    (error as NodeJS.ErrnoException | undefined)?.code ?? 'REQUEST_FAILED'
  // The message is read directly rather than through `instanceof Error`,
  // which fails for errors created in another realm (a test VM context).
  const message = (error as { message?: unknown } | undefined)?.message
  const detail = typeof message === 'string' ? message : String(error)
  if (TLS_ERROR_CODES.has(code)) {
    return {
      code,
      message: `TLS certificate rejected (${code}: ${detail}); set tls-verify: false only for an endpoint you trust`,
    }
  }
  switch (code) {
    case 'ECONNREFUSED':
      return { code, message: `connection refused by ${url.host}` }
    case 'ENOTFOUND':
      return { code, message: `name look-up failed: ${url.hostname} not found` }
    case 'EAI_AGAIN':
      return {
        code,
        message: `name look-up for ${url.hostname} failed temporarily`,
      }
    case 'ECONNRESET':
      return {
        code,
        message: `connection reset ${PHASE_TEXT[phase]} (${detail})`,
      }
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { code, message: `${url.host} is unreachable` }
    default:
      if (code.startsWith('HPE_')) {
        return { code, message: `invalid HTTP response (${detail})` }
      }
      return { code, message: `${detail} ${PHASE_TEXT[phase]}` }
  }
}
