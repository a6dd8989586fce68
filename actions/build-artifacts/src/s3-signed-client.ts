/**
 * A small S3 client for the requests publish sends by the thousand
 * (PutObject of files below the multipart threshold, ListObjectsV2 and
 * HeadObject) and for multipart uploads. Each request is signed with SigV4
 * (sigv4.ts) and sent through a pool of keep-alive connections
 * (http-pool.ts), without the AWS SDK's middleware pipeline, which costs
 * several times more client CPU per request and about 150 ms to load. The rarer operations of publish (the
 * copy of the replaced index.html, deletions) go through the SDK.
 */
import { createHash } from 'node:crypto'
import { endpointFor } from '../../../common/aws-clients.js'
import { HttpPool } from './http-pool.js'
import {
  amzDateOf,
  authorizationHeader,
  EMPTY_PAYLOAD_SHA256,
  uriEncode,
  type SigningCredentials,
} from './sigv4.js'

/** Error of an S3 response with a status of 300 or more, shaped like the SDK's service errors. */
export class S3ResponseError extends Error {
  readonly Code: string
  readonly $metadata: { httpStatusCode: number; requestId?: string }

  constructor(
    operation: string,
    status: number,
    code: string,
    detail: string,
    requestId: string | undefined,
  ) {
    super(
      `${operation} failed with HTTP ${status} ${code}${detail ? `: ${detail}` : ''}${requestId ? ` (request id ${requestId})` : ''}`,
    )
    this.name = code
    this.Code = code
    this.$metadata = {
      httpStatusCode: status,
      ...(requestId === undefined ? {} : { requestId }),
    }
  }
}

export interface SignedS3ClientOptions {
  bucket: string
  region: string
  /** Environment that AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL are read from. */
  env: NodeJS.ProcessEnv
  /** Returns the credentials to sign with. It is called for every request, so it should cache them. */
  credentials: () => Promise<SigningCredentials>
  /** Connections kept open for reuse at most; requests in flight may open more. */
  maxIdleConnections: number
  /** Current time, epoch ms, for X-Amz-Date. */
  now: () => number
}

export interface S3Response {
  status: number
  /** Lower-case names. */
  headers: Record<string, string>
  body: Buffer
}

export interface ListedObject {
  key: string
  /** ETag without quotes. */
  etag: string
  size: number
}

export interface ListPage {
  objects: ListedObject[]
  continuationToken?: string
}

/** Endpoint of one bucket: where requests go and the path every key follows. */
interface BucketEndpoint {
  protocol: 'http:' | 'https:'
  hostname: string
  port?: number
  /** Host header value. */
  host: string
  /** Encoded path of the bucket ('' for virtual-hosted style), without a trailing '/'. */
  basePath: string
}

/**
 * Resolves the endpoint of a bucket the way the kit's SDK clients are set
 * up. An AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL endpoint gets path-style
 * addressing. Otherwise the regional S3 endpoint (FIPS and dual-stack when
 * AWS_USE_FIPS_ENDPOINT or AWS_USE_DUALSTACK_ENDPOINT is true) gets
 * virtual-hosted-style addressing, or path style for a bucket name with a
 * dot, which the wildcard TLS certificate does not cover.
 */
export function bucketEndpoint(
  bucket: string,
  region: string,
  env: NodeJS.ProcessEnv,
): BucketEndpoint {
  const configured = endpointFor('S3', env)
  if (configured !== undefined) {
    const url = new URL(configured)
    const base = url.pathname.replace(/\/+$/, '')
    return {
      protocol: url.protocol as 'http:' | 'https:',
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      host: url.host,
      basePath: `${base}/${uriEncode(bucket)}`,
    }
  }
  const fips = env.AWS_USE_FIPS_ENDPOINT?.trim().toLowerCase() === 'true'
  const dualStack =
    env.AWS_USE_DUALSTACK_ENDPOINT?.trim().toLowerCase() === 'true'
  // NOTE: only the aws and aws-cn partitions are covered, so a region of
  // another partition (such as the ISO regions) gets a wrong host name.
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'
  const service = fips ? 's3-fips' : 's3'
  const regional = `${service}${dualStack ? '.dualstack' : ''}.${region}.${domain}`
  if (bucket.includes('.')) {
    return {
      protocol: 'https:',
      hostname: regional,
      host: regional,
      basePath: `/${uriEncode(bucket)}`,
    }
  }
  const host = `${bucket}.${regional}`
  return { protocol: 'https:', hostname: host, host, basePath: '' }
}

export class SignedS3Client {
  private readonly endpoint: BucketEndpoint
  private readonly pool: HttpPool
  /** X-Amz-Date of the current second, formatted once per second. */
  private amzDate = { second: Number.NaN, text: '' }

  constructor(private readonly opts: SignedS3ClientOptions) {
    this.endpoint = bucketEndpoint(opts.bucket, opts.region, opts.env)
    this.pool = new HttpPool({
      protocol: this.endpoint.protocol,
      hostname: this.endpoint.hostname,
      ...(this.endpoint.port === undefined ? {} : { port: this.endpoint.port }),
      maxIdle: opts.maxIdleConnections,
      // Idle connections are closed after 4 s, so a request rarely gets one
      // that the server has closed. When it does, the request fails with
      // ECONNRESET and the caller retries it.
      idleTimeoutMs: 4_000,
    })
  }

  /** Closes the pooled connections. */
  destroy(): void {
    this.pool.destroy()
  }

  /**
   * Uploads one object in a single request. `sha256` and `md5` are the hex
   * digests of `body`: the first is the signed payload hash, the second
   * goes to Content-MD5, so S3 rejects a body that changed on the way.
   */
  async putObject(
    key: string,
    body: Buffer,
    headers: {
      contentType: string
      cacheControl: string
      sha256: string
      md5: string
      metadata: Record<string, string>
    },
    signal: AbortSignal,
  ): Promise<void> {
    const extra: Record<string, string> = {
      'content-type': headers.contentType,
      'cache-control': headers.cacheControl,
      'content-md5': Buffer.from(headers.md5, 'hex').toString('base64'),
      'content-length': String(body.length),
    }
    for (const [name, value] of Object.entries(headers.metadata)) {
      extra[`x-amz-meta-${name}`] = value
    }
    await this.send(
      'PutObject',
      'PUT',
      key,
      [],
      extra,
      body,
      headers.sha256,
      signal,
    )
  }

  /**
   * Starts a multipart upload with the object's headers and metadata;
   * returns its upload id.
   */
  async createMultipartUpload(
    key: string,
    headers: {
      contentType: string
      cacheControl: string
      metadata: Record<string, string>
    },
    signal: AbortSignal,
  ): Promise<string> {
    const extra: Record<string, string> = {
      'content-type': headers.contentType,
      'cache-control': headers.cacheControl,
    }
    for (const [name, value] of Object.entries(headers.metadata)) {
      extra[`x-amz-meta-${name}`] = value
    }
    const response = await this.send(
      'CreateMultipartUpload',
      'POST',
      key,
      [['uploads', '']],
      extra,
      undefined,
      EMPTY_PAYLOAD_SHA256,
      signal,
    )
    const uploadId = xmlValue(response.body.toString('utf8'), 'UploadId')
    if (uploadId === undefined || uploadId === '') {
      throw new Error(`S3 CreateMultipartUpload ${key} returned no upload id`)
    }
    return uploadId
  }

  /**
   * Uploads one part. `sha256` is the hex SHA-256 of `body`, the signed
   * payload hash, which S3 checks against the body it receives. Returns the
   * part's ETag, quotes included.
   */
  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Buffer,
    sha256: string,
    signal: AbortSignal,
  ): Promise<string> {
    const response = await this.send(
      'UploadPart',
      'PUT',
      key,
      [
        ['partNumber', String(partNumber)],
        ['uploadId', uploadId],
      ],
      { 'content-length': String(body.length) },
      body,
      sha256,
      signal,
    )
    const etag = response.headers.etag
    if (typeof etag !== 'string' || etag === '') {
      throw new Error(
        `S3 UploadPart ${key} part ${partNumber} returned no ETag`,
      )
    }
    return etag
  }

  /**
   * Completes a multipart upload from its parts in order. S3 can return
   * HTTP 200 with an error document in the body once the response has
   * started, and that error is thrown like any other.
   */
  async completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: ReadonlyArray<{ partNumber: number; etag: string }>,
    signal: AbortSignal,
  ): Promise<void> {
    const xml = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts
      .map(
        (part) =>
          `<Part><PartNumber>${part.partNumber}</PartNumber><ETag>${encodeXmlText(part.etag)}</ETag></Part>`,
      )
      .join('')}</CompleteMultipartUpload>`
    const body = Buffer.from(xml, 'utf8')
    const response = await this.send(
      'CompleteMultipartUpload',
      'POST',
      key,
      [['uploadId', uploadId]],
      {
        'content-type': 'application/xml',
        'content-length': String(body.length),
      },
      body,
      createHash('sha256').update(body).digest('hex'),
      signal,
    )
    const text = response.body.toString('utf8')
    if (/<Error>/.test(text)) {
      throw responseError('CompleteMultipartUpload', key, {
        ...response,
        // An error in a 200 response is retried like a server error.
        status: 500,
      })
    }
  }

  /** Aborts a multipart upload, which frees the parts stored so far. */
  async abortMultipartUpload(
    key: string,
    uploadId: string,
    signal: AbortSignal,
  ): Promise<void> {
    await this.send(
      'AbortMultipartUpload',
      'DELETE',
      key,
      [['uploadId', uploadId]],
      {},
      undefined,
      EMPTY_PAYLOAD_SHA256,
      signal,
    )
  }

  /** Returns the response headers of HeadObject, or undefined when the key does not exist. */
  async headObject(
    key: string,
    signal: AbortSignal,
  ): Promise<Record<string, string> | undefined> {
    try {
      const response = await this.send(
        'HeadObject',
        'HEAD',
        key,
        [],
        {},
        undefined,
        EMPTY_PAYLOAD_SHA256,
        signal,
      )
      return response.headers
    } catch (error) {
      if (
        error instanceof S3ResponseError &&
        error.$metadata.httpStatusCode === 404
      ) {
        return undefined
      }
      throw error
    }
  }

  /** Lists one page (up to 1,000 keys) of ListObjectsV2. */
  async listObjectsPage(
    params: {
      prefix: string
      continuationToken?: string
      startAfter?: string
      /** Keys per page, at most 1,000 (the S3 default and maximum). */
      maxKeys?: number
    },
    signal: AbortSignal,
  ): Promise<ListPage> {
    const query: Array<[string, string]> = [
      ['list-type', '2'],
      ['prefix', params.prefix],
    ]
    if (params.continuationToken !== undefined) {
      query.push(['continuation-token', params.continuationToken])
    }
    if (params.startAfter !== undefined) {
      query.push(['start-after', params.startAfter])
    }
    if (params.maxKeys !== undefined) {
      query.push(['max-keys', String(params.maxKeys)])
    }
    const response = await this.send(
      'ListObjectsV2',
      'GET',
      undefined,
      query,
      {},
      undefined,
      EMPTY_PAYLOAD_SHA256,
      signal,
    )
    return parseListPage(response.body.toString('utf8'))
  }

  private currentAmzDate(): string {
    const now = this.opts.now()
    const second = Math.floor(now / 1000)
    if (second !== this.amzDate.second) {
      this.amzDate = { second, text: amzDateOf(now) }
    }
    return this.amzDate.text
  }

  private async send(
    operation: string,
    method: string,
    key: string | undefined,
    query: Array<[string, string]>,
    extraHeaders: Record<string, string>,
    body: Buffer | undefined,
    payloadHash: string,
    signal: AbortSignal,
  ): Promise<S3Response> {
    const credentials = await this.opts.credentials()
    const endpoint = this.endpoint
    const path =
      key === undefined
        ? `${endpoint.basePath}/`
        : `${endpoint.basePath}/${uriEncode(key, true)}`
    const amzDate = this.currentAmzDate()
    const headers: Record<string, string> = {
      host: endpoint.host,
      'x-amz-date': amzDate,
      'x-amz-content-sha256': payloadHash,
      ...extraHeaders,
    }
    if (credentials.sessionToken !== undefined) {
      headers['x-amz-security-token'] = credentials.sessionToken
    }
    if (body === undefined && (method === 'POST' || method === 'PUT')) {
      headers['content-length'] = '0'
    }
    headers.authorization = authorizationHeader(
      { method, path, query, headers, payloadHash },
      {
        credentials,
        region: this.opts.region,
        service: 's3',
        amzDate,
      },
    )
    const search = query
      .map(([name, value]) => `${uriEncode(name)}=${uriEncode(value)}`)
      .join('&')
    const response = await this.pool.request({
      method,
      target: search === '' ? path : `${path}?${search}`,
      headers,
      ...(body === undefined ? {} : { body }),
      signal,
    })
    if (response.status >= 300) {
      throw responseError(operation, key, response)
    }
    return response
  }
}

function responseError(
  operation: string,
  key: string | undefined,
  response: S3Response,
): S3ResponseError {
  const text = response.body.toString('utf8')
  const code =
    xmlValue(text, 'Code') ??
    (response.status === 404 ? 'NotFound' : `HTTP${response.status}`)
  const message = xmlValue(text, 'Message') ?? ''
  const requestId =
    xmlValue(text, 'RequestId') ??
    (response.headers['x-amz-request-id'] as string | undefined)
  return new S3ResponseError(
    key === undefined ? `S3 ${operation}` : `S3 ${operation} ${key}`,
    response.status,
    code,
    message,
    requestId,
  )
}

const XML_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
}

/** Escapes text for an XML element. */
function encodeXmlText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

/** Decodes the five XML entities and numeric character references. */
export function decodeXmlText(text: string): string {
  return text.replace(
    /&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g,
    (whole, name: string) => {
      if (name.startsWith('#x')) {
        return String.fromCodePoint(Number.parseInt(name.slice(2), 16))
      }
      if (name.startsWith('#')) {
        return String.fromCodePoint(Number.parseInt(name.slice(1), 10))
      }
      return XML_ENTITIES[name] ?? whole
    },
  )
}

/** Text of the first `<tag>` element in `xml`, decoded; undefined when absent. */
function xmlValue(xml: string, tag: string): string | undefined {
  const start = xml.indexOf(`<${tag}>`)
  if (start < 0) return undefined
  const end = xml.indexOf(`</${tag}>`, start)
  if (end < 0) return undefined
  return decodeXmlText(xml.slice(start + tag.length + 2, end))
}

/**
 * Parses a ListObjectsV2 response body: the key, ETag and size of each
 * `<Contents>` element and the continuation token of a truncated page.
 */
export function parseListPage(xml: string): ListPage {
  const objects: ListedObject[] = []
  let position = 0
  for (;;) {
    const start = xml.indexOf('<Contents>', position)
    if (start < 0) break
    const end = xml.indexOf('</Contents>', start)
    if (end < 0) {
      throw new Error('S3 ListObjectsV2 returned a truncated XML body')
    }
    const element = xml.slice(start, end)
    const key = xmlValue(element, 'Key')
    if (key === undefined) {
      throw new Error('S3 ListObjectsV2 returned an object without a Key')
    }
    objects.push({
      key,
      etag: (xmlValue(element, 'ETag') ?? '').replace(/^"|"$/g, ''),
      size: Number(xmlValue(element, 'Size') ?? '0'),
    })
    position = end
  }
  const truncated = xmlValue(xml, 'IsTruncated') === 'true'
  const token = truncated ? xmlValue(xml, 'NextContinuationToken') : undefined
  if (truncated && token === undefined) {
    throw new Error(
      'S3 ListObjectsV2 returned a truncated page without NextContinuationToken',
    )
  }
  return token === undefined
    ? { objects }
    : { objects, continuationToken: token }
}
