// HTTP proxy on 127.0.0.1 that injects faults between a client and an
// upstream server: moto for the AWS SDK clients and Terraform, or an
// application for verify-health. The proxy classifies each request by
// service (the SigV4 credential scope of the Authorization header, or the
// X-Amz-Target prefix) and operation (Action=, the X-Amz-Target suffix, or
// the S3 and CloudFront method and path). The first matching rule then
// decides whether the request is forwarded unchanged, delayed, failed with
// an error in its protocol's own shape, or cut off.
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { seededRandom } from '../resilience/sampling.js'

export type FaultKind =
  /** Throttling error in the request's protocol (HTTP 429 for requests that are not AWS calls). */
  | 'throttle'
  /** HTTP 500 with InternalError/InternalFailure in the request's protocol. */
  | 'server-error'
  /** The connection is closed with a TCP reset before any response. */
  | 'reset'
  /** The connection is closed cleanly (FIN) before any response. */
  | 'drop'
  /** The request is forwarded after `latencyMs`. */
  | 'latency'

export interface FaultRule {
  /** Label in the counts; defaults to the rule's index. */
  name?: string
  /** Signing name such as 's3', 'ecs', 'elasticloadbalancing', 'dynamodb'; '*' or unset matches any. */
  service?: string | RegExp
  /** Operation such as 'PutObject' or 'ModifyListener'; unset matches any. */
  operation?: string | RegExp
  /** Request path (without the query); unset matches any. */
  path?: string | RegExp
  /** HTTP method; unset matches any. */
  method?: string
  fault: FaultKind
  /** Fails only the first N matching requests; later ones pass through. */
  firstN?: number
  /** Fails each matching request with this probability, drawn from the proxy's seeded generator. */
  fraction?: number
  /** Delay for 'latency' faults, in milliseconds. */
  latencyMs?: number
}

/** Service, operation and wire protocol of one request, as describeRequest classifies it. */
export interface RequestInfo {
  method: string
  path: string
  query: URLSearchParams
  service: string | undefined
  operation: string | undefined
  protocol: Protocol
}

export type Protocol = 'json' | 'query' | 'rest-xml' | 'cbor' | 'http'

export interface InjectedFault {
  rule: string
  fault: FaultKind
  service: string | undefined
  operation: string | undefined
  method: string
  path: string
}

export interface FaultProxyOptions {
  /** Upstream base URL, such as http://127.0.0.1:5000 (loopback only). */
  target: string
  rules?: FaultRule[]
  /** Seed of the generator behind `fraction` rules (default 1). */
  seed?: number
}

export interface FaultProxy {
  /** Base URL of the proxy, such as http://127.0.0.1:40123. */
  url: string
  /** Seed of the generator behind `fraction` rules. */
  seed: number
  /** Replaces the rules and resets their first-N counters. */
  setRules(rules: FaultRule[]): void
  /** Every fault injected so far, oldest first. */
  readonly injected: readonly InjectedFault[]
  /** Requests seen (forwarded or failed). */
  readonly requestCount: number
  /** Requests seen per `service operation`, for checks that a call went through the proxy. */
  readonly requests: ReadonlyMap<string, number>
  /** Injected faults per kind. */
  countsByFault(): Record<FaultKind, number>
  /** Clears the injected list and the request counters. */
  resetCounts(): void
  close(): Promise<void>
}

/** Returns the signing service of a SigV4 Authorization header (Credential=KEY/date/region/SERVICE/aws4_request). */
export function signingService(
  authorization: string | undefined,
): string | undefined {
  if (!authorization) return undefined
  const match = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(
    authorization,
  )
  return match?.[1]
}

// X-Amz-Target prefixes of the JSON services the kit calls.
const TARGET_SERVICES: Array<[RegExp, string]> = [
  [/^AmazonEC2ContainerServiceV\d+/, 'ecs'],
  [/^AmazonEC2ContainerRegistry/, 'ecr'],
  [/^Logs_/, 'logs'],
  [/^DynamoDB_/, 'dynamodb'],
  [/^GraniteServiceVersion/, 'monitoring'],
]

/** Classifies a request: service, operation and wire protocol. */
export function describeRequest(
  method: string,
  rawUrl: string,
  headers: http.IncomingHttpHeaders,
  body: Buffer,
): RequestInfo {
  const url = new URL(rawUrl, 'http://proxy.invalid')
  const target = header(headers, 'x-amz-target')
  const contentType = header(headers, 'content-type') ?? ''
  let service = signingService(header(headers, 'authorization'))
  let operation: string | undefined
  let protocol: Protocol

  if (target) {
    protocol = 'json'
    const [prefix, name] = target.split('.')
    operation = name
    service ??= TARGET_SERVICES.find(([pattern]) =>
      pattern.test(prefix ?? ''),
    )?.[1]
  } else if (
    header(headers, 'smithy-protocol') === 'rpc-v2-cbor' ||
    contentType.startsWith('application/cbor')
  ) {
    protocol = 'cbor'
    operation = /\/operation\/([^/]+)$/.exec(url.pathname)?.[1]
  } else if (contentType.startsWith('application/x-www-form-urlencoded')) {
    protocol = 'query'
    operation =
      new URLSearchParams(body.toString('utf8')).get('Action') ?? undefined
  } else if (url.searchParams.has('Action')) {
    protocol = 'query'
    operation = url.searchParams.get('Action') ?? undefined
  } else if (service === 's3') {
    protocol = 'rest-xml'
    operation = s3Operation(method, url, headers)
  } else if (service === 'cloudfront') {
    protocol = 'rest-xml'
    operation = cloudFrontOperation(method, url.pathname)
  } else if (service) {
    protocol = 'rest-xml'
  } else {
    protocol = 'http'
  }
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    service,
    operation,
    protocol,
  }
}

function header(
  headers: http.IncomingHttpHeaders,
  name: string,
): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** S3 operation name from method, path-style path, query and headers (the calls the kit and Terraform make). */
function s3Operation(
  method: string,
  url: URL,
  headers: http.IncomingHttpHeaders,
): string {
  const query = url.searchParams
  const segments = url.pathname.split('/').filter(Boolean)
  const onObject = segments.length > 1

  if (!onObject) {
    if (segments.length === 0) return 'ListBuckets'
    if (method === 'POST' && query.has('delete')) return 'DeleteObjects'
    const sub = [
      'versioning',
      'policy',
      'acl',
      'tagging',
      'encryption',
      'lifecycle',
      'cors',
      'website',
      'logging',
      'location',
      'publicAccessBlock',
      'ownershipControls',
      'replication',
      'object-lock',
      'accelerate',
      'requestPayment',
      'notification',
    ].find((name) => query.has(name))
    const verb =
      method === 'GET'
        ? 'Get'
        : method === 'PUT'
          ? 'Put'
          : method === 'DELETE'
            ? 'Delete'
            : method
    if (sub) return `${verb}Bucket:${sub}`

    if (method === 'GET') {
      if (query.has('versions')) return 'ListObjectVersions'
      if (query.has('uploads')) return 'ListMultipartUploads'
      return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects'
    }
    if (method === 'HEAD') return 'HeadBucket'
    if (method === 'PUT') return 'CreateBucket'
    if (method === 'DELETE') return 'DeleteBucket'
    return `${method}Bucket`
  }

  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload'
  if (method === 'POST' && query.has('uploadId'))
    return 'CompleteMultipartUpload'
  if (method === 'PUT' && query.has('partNumber')) return 'UploadPart'
  if (method === 'DELETE' && query.has('uploadId'))
    return 'AbortMultipartUpload'
  if (method === 'PUT' && query.has('tagging')) return 'PutObjectTagging'
  if (method === 'GET' && query.has('tagging')) return 'GetObjectTagging'
  if (method === 'PUT') {
    return header(headers, 'x-amz-copy-source') ? 'CopyObject' : 'PutObject'
  }
  if (method === 'GET') return 'GetObject'
  if (method === 'HEAD') return 'HeadObject'
  if (method === 'DELETE') return 'DeleteObject'
  return `${method}Object`
}

function cloudFrontOperation(method: string, path: string): string {
  if (/\/invalidation\/[^/]+$/.test(path)) return 'GetInvalidation'
  if (/\/invalidation$/.test(path)) {
    return method === 'POST' ? 'CreateInvalidation' : 'ListInvalidations'
  }
  if (/\/distribution\/[^/]+\/config$/.test(path)) {
    return method === 'PUT' ? 'UpdateDistribution' : 'GetDistributionConfig'
  }
  if (/\/distribution\/[^/]+$/.test(path)) {
    return method === 'DELETE' ? 'DeleteDistribution' : 'GetDistribution'
  }
  return `${method} ${path}`
}

/** Builds an error response in the request's protocol, in the shape AWS sends. */
export function errorResponse(
  fault: 'throttle' | 'server-error',
  info: RequestInfo,
): { status: number; headers: Record<string, string>; body: Buffer } {
  const requestId = `fault-proxy-${Math.random().toString(16).slice(2, 10)}`
  const throttle = fault === 'throttle'
  switch (info.protocol) {
    case 'json': {
      // DynamoDB and the other awsJson services name the error in __type;
      // query-compatible services (CloudWatch) also read x-amzn-query-error.
      const code = throttle ? 'ThrottlingException' : 'InternalFailure'
      const message = throttle ? 'Rate exceeded' : 'Injected internal failure'
      const queryCode = throttle
        ? 'Throttling;Sender'
        : 'InternalFailure;Receiver'
      return {
        status: throttle ? 400 : 500,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': code,
          'x-amzn-query-error': queryCode,
        },
        body: Buffer.from(JSON.stringify({ __type: code, message })),
      }
    }
    case 'query': {
      if (info.service === 'ec2') {
        // EC2's query protocol has its own error envelope and throttling code.
        const code = throttle ? 'RequestLimitExceeded' : 'InternalError'
        const message = throttle
          ? 'Request limit exceeded.'
          : 'An internal error has occurred.'
        return {
          status: throttle ? 503 : 500,
          headers: { 'content-type': 'text/xml;charset=UTF-8' },
          body: Buffer.from(
            `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code>` +
              `<Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
          ),
        }
      }
      const code = throttle ? 'Throttling' : 'InternalFailure'
      const type = throttle ? 'Sender' : 'Receiver'
      const message = throttle ? 'Rate exceeded' : 'Injected internal failure'
      return {
        status: throttle ? 400 : 500,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: Buffer.from(
          `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code>` +
            `<Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        ),
      }
    }
    case 'rest-xml': {
      if (info.service === 's3') {
        const code = throttle ? 'SlowDown' : 'InternalError'
        const message = throttle
          ? 'Please reduce your request rate.'
          : 'We encountered an internal error. Please try again.'
        return {
          status: throttle ? 503 : 500,
          headers: {
            'content-type': 'application/xml',
            'x-amz-request-id': requestId,
          },
          body: Buffer.from(
            `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code>` +
              `<Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`,
          ),
        }
      }
      const code = throttle ? 'Throttling' : 'InternalFailure'
      const type = throttle ? 'Sender' : 'Receiver'
      return {
        status: throttle ? 400 : 500,
        headers: {
          'content-type': 'text/xml',
          'x-amzn-requestid': requestId,
        },
        body: Buffer.from(
          `<?xml version="1.0"?><ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code>` +
            `<Message>${throttle ? 'Rate exceeded' : 'Injected internal failure'}</Message></Error>` +
            `<RequestId>${requestId}</RequestId></ErrorResponse>`,
        ),
      }
    }
    case 'cbor': {
      const code = throttle ? 'ThrottlingException' : 'InternalFailure'
      return {
        status: throttle ? 400 : 500,
        headers: {
          'content-type': 'application/cbor',
          'smithy-protocol': 'rpc-v2-cbor',
          'x-amzn-requestid': requestId,
          'x-amzn-query-error': throttle
            ? 'Throttling;Sender'
            : 'InternalFailure;Receiver',
        },
        body: cborTextMap({ __type: code, message: 'Injected fault' }),
      }
    }
    case 'http':
      return throttle
        ? {
            status: 429,
            headers: { 'content-type': 'text/plain', 'retry-after': '0' },
            body: Buffer.from('Too Many Requests (injected)\n'),
          }
        : {
            status: 500,
            headers: { 'content-type': 'text/plain' },
            body: Buffer.from('Internal Server Error (injected)\n'),
          }
  }
}

/** CBOR encoding of a map of short text strings (major types 5 and 3). */
function cborTextMap(entries: Record<string, string>): Buffer {
  const parts: Buffer[] = []
  const head = (major: number, length: number): Buffer => {
    if (length < 24) return Buffer.from([(major << 5) | length])
    if (length < 256) return Buffer.from([(major << 5) | 24, length])
    return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff])
  }
  parts.push(head(5, Object.keys(entries).length))
  for (const [key, value] of Object.entries(entries)) {
    for (const text of [key, value]) {
      const bytes = Buffer.from(text, 'utf8')
      parts.push(head(3, bytes.length), bytes)
    }
  }
  return Buffer.concat(parts)
}

function matches(
  pattern: string | RegExp | undefined,
  value: string | undefined,
): boolean {
  if (pattern === undefined || pattern === '*') return true
  if (value === undefined) return false
  return typeof pattern === 'string' ? pattern === value : pattern.test(value)
}

function checkRules(rules: FaultRule[]): void {
  for (const [index, rule] of rules.entries()) {
    const label = rule.name ?? `rule ${index}`
    if (
      rule.fraction !== undefined &&
      !(rule.fraction >= 0 && rule.fraction <= 1)
    ) {
      throw new RangeError(
        `Fault ${label}: fraction must be between 0 and 1, got ${rule.fraction}`,
      )
    }
    if (
      rule.firstN !== undefined &&
      !(Number.isInteger(rule.firstN) && rule.firstN >= 0)
    ) {
      throw new RangeError(
        `Fault ${label}: firstN must be an integer of 0 or more, got ${rule.firstN}`,
      )
    }
    if (
      rule.fault === 'latency' &&
      !(Number.isFinite(rule.latencyMs) && (rule.latencyMs ?? -1) >= 0)
    ) {
      throw new RangeError(
        `Fault ${label}: a latency fault needs latencyMs of 0 or more, got ${rule.latencyMs}`,
      )
    }
  }
}

/** Starts a proxy on 127.0.0.1 (a free port) in front of `target`. */
export async function startFaultProxy(
  opts: FaultProxyOptions,
): Promise<FaultProxy> {
  const upstream = new URL(opts.target)
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(upstream.hostname)) {
    throw new Error(
      `Fault proxy target ${opts.target} is not on loopback; point it at a local server such as http://127.0.0.1:5000.`,
    )
  }
  const seed = opts.seed ?? 1
  const random = seededRandom(seed)
  let rules: FaultRule[] = []
  let matched: number[] = []
  const injected: InjectedFault[] = []
  const requests = new Map<string, number>()
  let requestCount = 0
  const sockets = new Set<Socket>()

  const setRules = (next: FaultRule[]): void => {
    checkRules(next)
    rules = next
    matched = next.map(() => 0)
  }
  setRules(opts.rules ?? [])

  /** The fault to inject for this request, or undefined to forward it unchanged. */
  const decide = (
    info: RequestInfo,
  ): { rule: FaultRule; label: string } | undefined => {
    for (const [index, rule] of rules.entries()) {
      if (!matches(rule.service, info.service)) continue
      if (!matches(rule.operation, info.operation)) continue
      if (!matches(rule.path, info.path)) continue
      if (rule.method !== undefined && rule.method !== info.method) continue
      const seen = (matched[index] ?? 0) + 1
      matched[index] = seen
      if (rule.firstN !== undefined && seen > rule.firstN) continue
      // Drawn for every matching request, so one seed gives one sequence.
      if (rule.fraction !== undefined && random() >= rule.fraction) continue
      return { rule, label: rule.name ?? `rule ${index}` }
    }
    return undefined
  }

  const forward = (
    request: http.IncomingMessage,
    body: Buffer,
    response: http.ServerResponse,
  ): void => {
    const outgoing = http.request(
      {
        host: upstream.hostname.replace(/^\[|\]$/g, ''),
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
      },
      (reply) => {
        response.writeHead(reply.statusCode ?? 502, reply.rawHeaders)
        reply.pipe(response)
      },
    )
    outgoing.on('error', (error) => {
      if (!response.headersSent) {
        response.writeHead(502, { 'content-type': 'text/plain' })
      }
      response.end(
        `Fault proxy: upstream ${opts.target} failed: ${error.message}\n`,
      )
    })
    outgoing.end(body)
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks)
      const info = describeRequest(
        request.method ?? 'GET',
        request.url ?? '/',
        request.headers,
        body,
      )
      requestCount += 1
      const key = `${info.service ?? '-'} ${info.operation ?? info.path}`
      requests.set(key, (requests.get(key) ?? 0) + 1)

      const decision = decide(info)
      if (!decision) {
        forward(request, body, response)
        return
      }
      const { rule, label } = decision
      injected.push({
        rule: label,
        fault: rule.fault,
        service: info.service,
        operation: info.operation,
        method: info.method,
        path: info.path,
      })
      switch (rule.fault) {
        case 'latency':
          setTimeout(() => forward(request, body, response), rule.latencyMs)
          return
        case 'reset':
          request.socket.resetAndDestroy()
          return
        case 'drop':
          request.socket.end()
          request.socket.destroySoon()
          return
        case 'throttle':
        case 'server-error': {
          const reply = errorResponse(rule.fault, info)
          response.writeHead(reply.status, {
            ...reply.headers,
            'content-length': String(reply.body.length),
          })
          response.end(reply.body)
          return
        }
      }
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    seed,
    setRules,
    get injected() {
      return injected
    },
    get requestCount() {
      return requestCount
    },
    get requests() {
      return requests
    },
    countsByFault() {
      const counts: Record<FaultKind, number> = {
        throttle: 0,
        'server-error': 0,
        reset: 0,
        drop: 0,
        latency: 0,
      }
      for (const fault of injected) counts[fault.fault] += 1
      return counts
    },
    resetCounts() {
      injected.length = 0
      requests.clear()
      requestCount = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Rules for "20% of every AWS call fails": throttling, 500s and resets, drawn independently. */
export function transientFaultRules(fraction = 0.2): FaultRule[] {
  // Each rule fails `share` of the requests that reach it, so a request
  // passes all three with probability (1 - share)^3 = 1 - fraction.
  const share = 1 - Math.cbrt(1 - fraction)
  return [
    { name: 'throttle', service: '*', fault: 'throttle', fraction: share },
    {
      name: 'server-error',
      service: '*',
      fault: 'server-error',
      fraction: share,
    },
    { name: 'reset', service: '*', fault: 'reset', fraction: share },
  ]
}
