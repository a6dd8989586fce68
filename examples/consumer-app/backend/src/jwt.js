// HS256 JSON Web Tokens (RFC 7519) signed and verified with node:crypto.
// Only HS256 is accepted: a token naming any other algorithm, `none`
// included, is rejected before its signature is looked at.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { Buffer } from 'node:buffer'

const HEADER = { alg: 'HS256', typ: 'JWT' }
const BASE64URL = /^[A-Za-z0-9_-]*$/

function encodeSegment(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

function sign(signingInput, secret) {
  return createHmac('sha256', secret).update(signingInput).digest()
}

function decodeJsonSegment(segment) {
  if (!BASE64URL.test(segment)) return undefined
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? value
      : undefined
  } catch {
    return undefined
  }
}

/**
 * Signs `claims` as an HS256 token. `expiresInSeconds` sets `exp` (and
 * `iat`) from `now`, a time in milliseconds.
 */
export function signJwt(claims, secret, options = {}) {
  const now = Math.floor((options.now ?? Date.now()) / 1000)
  const payload = { ...claims }
  if (options.expiresInSeconds !== undefined) {
    payload.iat ??= now
    payload.exp = now + options.expiresInSeconds
  }
  const signingInput = `${encodeSegment(HEADER)}.${encodeSegment(payload)}`
  const signature = sign(signingInput, secret).toString('base64url')
  return `${signingInput}.${signature}`
}

/**
 * Verifies an HS256 token and returns `{ ok: true, claims }`, or
 * `{ ok: false, reason }`. The reason is for the server log only: clients
 * get a bare 401 so that they learn nothing about why a token failed.
 * A token must carry a numeric `exp`; `nbf` is checked when present.
 */
export function verifyJwt(token, secret, options = {}) {
  const nowSeconds = (options.now ?? Date.now()) / 1000
  const tolerance = options.clockToleranceSeconds ?? 0
  if (typeof token !== 'string' || token.length === 0) {
    return { ok: false, reason: 'missing token' }
  }
  const parts = token.split('.')
  if (parts.length !== 3) return { ok: false, reason: 'malformed token' }
  const [headerPart, payloadPart, signaturePart] = parts

  const header = decodeJsonSegment(headerPart)
  if (!header) return { ok: false, reason: 'malformed header' }
  if (header.alg !== 'HS256') {
    return { ok: false, reason: 'unsupported algorithm' }
  }

  if (!BASE64URL.test(signaturePart)) {
    return { ok: false, reason: 'malformed signature' }
  }
  const expected = sign(`${headerPart}.${payloadPart}`, secret)
  const actual = Buffer.from(signaturePart, 'base64url')
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    return { ok: false, reason: 'invalid signature' }
  }

  const claims = decodeJsonSegment(payloadPart)
  if (!claims) return { ok: false, reason: 'malformed payload' }
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
    return { ok: false, reason: 'missing exp claim' }
  }
  if (nowSeconds >= claims.exp + tolerance) {
    return { ok: false, reason: 'token expired' }
  }
  if (typeof claims.nbf === 'number' && nowSeconds < claims.nbf - tolerance) {
    return { ok: false, reason: 'token not yet valid' }
  }
  return { ok: true, claims }
}

/** Returns the token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization) {
  if (typeof authorization !== 'string') return undefined
  const match = /^Bearer ([^\s]+)$/i.exec(authorization.trim())
  return match ? match[1] : undefined
}
