/**
 * AWS Signature Version 4 request signing with node:crypto, following the
 * AWS documentation "Create a signed AWS API request" and the S3 page
 * "Authenticating Requests: Using the Authorization Header". Used by the
 * lean S3 requests of publish, so each small upload skips the SDK's
 * middleware pipeline.
 */
import { createHash, createHmac } from 'node:crypto'

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256'

/** SHA-256 of an empty payload, in hex. */
export const EMPTY_PAYLOAD_SHA256 =
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

export interface SigningCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export interface RequestToSign {
  method: string
  /** Canonical URI: the path, already URI-encoded as it goes on the wire. */
  path: string
  /** Query parameters, not encoded; an empty list for none. */
  query: ReadonlyArray<readonly [string, string]>
  /** Headers to sign, host included. Names are matched case-insensitively. */
  headers: Readonly<Record<string, string>>
  /** Hex SHA-256 of the payload, or UNSIGNED-PAYLOAD. */
  payloadHash: string
}

export interface SigningScope {
  credentials: SigningCredentials
  region: string
  service: string
  /** Request time in the ISO 8601 basic format, such as 20150830T123600Z. */
  amzDate: string
}

/** Returns the ISO 8601 basic format of a time (YYYYMMDD'T'HHMMSS'Z') that X-Amz-Date uses. */
export function amzDateOf(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:]|\.\d{3}/g, '')
}

/**
 * Encodes a string as SigV4 requires (RFC 3986 unreserved characters kept,
 * every other UTF-8 byte as %XX in upper case). With `keepSlash`, '/' stays
 * as it is, which is how S3 object keys appear in the canonical URI.
 */
export function uriEncode(value: string, keepSlash = false): string {
  const encoded = encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded
}

/** Compares two ASCII strings by code unit, as Array.prototype.sort expects. */
function compareAscii(a: string, b: string): number {
  if (a < b) return -1
  if (a > b) return 1
  return 0
}

/** Builds the canonical query string: encoded names and values, sorted by name, then value. */
export function canonicalQuery(
  query: ReadonlyArray<readonly [string, string]>,
): string {
  return query
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(
      ([nameA, valueA], [nameB, valueB]) =>
        compareAscii(nameA, nameB) || compareAscii(valueA, valueB),
    )
    .map(([name, value]) => `${name}=${value}`)
    .join('&')
}

/** Builds the canonical request and the signed header list. */
export function canonicalRequest(request: RequestToSign): {
  text: string
  signedHeaders: string
} {
  const headers = Object.entries(request.headers)
    .map(
      ([name, value]) =>
        [name.toLowerCase(), value.trim().replace(/\s+/g, ' ')] as const,
    )
    .sort(([a], [b]) => compareAscii(a, b))
  const signedHeaders = headers.map(([name]) => name).join(';')
  const text = [
    request.method,
    request.path,
    canonicalQuery(request.query),
    headers.map(([name, value]) => `${name}:${value}\n`).join(''),
    signedHeaders,
    request.payloadHash,
  ].join('\n')
  return { text, signedHeaders }
}

/** Derived signing keys by date, region, service and secret, so each is derived once a day. */
const signingKeys = new Map<string, Buffer>()

/** Derives the signing key: HMAC chain over date, region, service and "aws4_request". */
export function signingKey(
  secretAccessKey: string,
  date: string,
  region: string,
  service: string,
): Buffer {
  const cacheKey = `${date}\n${region}\n${service}\n${secretAccessKey}`
  const cached = signingKeys.get(cacheKey)
  if (cached !== undefined) return cached
  let key: Buffer = Buffer.from(`AWS4${secretAccessKey}`, 'utf8')
  for (const part of [date, region, service, 'aws4_request']) {
    key = createHmac('sha256', key).update(part, 'utf8').digest()
  }
  // A long run can cross midnight UTC, so old dates are dropped rather than kept forever.
  if (signingKeys.size > 16) signingKeys.clear()
  signingKeys.set(cacheKey, key)
  return key
}

/**
 * Signs a request and returns its Authorization header value. The caller
 * sends exactly the headers it signed (X-Amz-Date and, with a session
 * token, X-Amz-Security-Token included).
 */
export function authorizationHeader(
  request: RequestToSign,
  scope: SigningScope,
): string {
  const { text, signedHeaders } = canonicalRequest(request)
  const date = scope.amzDate.slice(0, 8)
  const credentialScope = `${date}/${scope.region}/${scope.service}/aws4_request`
  const stringToSign = [
    SIGV4_ALGORITHM,
    scope.amzDate,
    credentialScope,
    createHash('sha256').update(text, 'utf8').digest('hex'),
  ].join('\n')
  const signature = createHmac(
    'sha256',
    signingKey(
      scope.credentials.secretAccessKey,
      date,
      scope.region,
      scope.service,
    ),
  )
    .update(stringToSign, 'utf8')
    .digest('hex')
  return `${SIGV4_ALGORITHM} Credential=${scope.credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
}
