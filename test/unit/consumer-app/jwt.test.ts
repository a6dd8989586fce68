// HS256 signing and verification of the example backend.
import { createHmac } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import {
  bearerToken,
  signJwt,
  verifyJwt,
} from '../../../examples/consumer-app/backend/src/jwt.js'

const SECRET = 'unit-test-secret-0123456789abcdef0123456789'
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0)

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

function handMade(header: unknown, payload: unknown, secret = SECRET): string {
  const input = `${segment(header)}.${segment(payload)}`
  const signature = createHmac('sha256', secret).update(input).digest()
  return `${input}.${signature.toString('base64url')}`
}

const valid = () =>
  signJwt({ sub: 'ada' }, SECRET, { now: NOW, expiresInSeconds: 60 })

describe('verifyJwt', () => {
  it('accepts a valid token', () => {
    const result = verifyJwt(valid(), SECRET, { now: NOW + 1_000 })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.claims.sub).toBe('ada')
    expect(result.claims.iat).toBe(NOW / 1000)
    expect(result.claims.exp).toBe(NOW / 1000 + 60)
  })

  it('accepts a token from another implementation', () => {
    const token = handMade(
      { alg: 'HS256', typ: 'JWT' },
      { sub: 'bob', exp: NOW / 1000 + 10 },
    )
    expect(verifyJwt(token, SECRET, { now: NOW })).toEqual({
      ok: true,
      claims: { sub: 'bob', exp: NOW / 1000 + 10 },
    })
  })

  it('rejects an expired token', () => {
    expect(verifyJwt(valid(), SECRET, { now: NOW + 60_000 })).toEqual({
      ok: false,
      reason: 'token expired',
    })
  })

  it('applies the clock tolerance', () => {
    const options = { now: NOW + 62_000, clockToleranceSeconds: 5 }
    expect(verifyJwt(valid(), SECRET, options).ok).toBe(true)
  })

  it('rejects a token before nbf', () => {
    const token = handMade(
      { alg: 'HS256' },
      { sub: 'ada', nbf: NOW / 1000 + 30, exp: NOW / 1000 + 60 },
    )
    expect(verifyJwt(token, SECRET, { now: NOW })).toEqual({
      ok: false,
      reason: 'token not yet valid',
    })
  })

  it('rejects a token without exp', () => {
    const token = handMade({ alg: 'HS256' }, { sub: 'ada' })
    expect(verifyJwt(token, SECRET, { now: NOW })).toEqual({
      ok: false,
      reason: 'missing exp claim',
    })
  })

  it('rejects a wrong secret', () => {
    const result = verifyJwt(valid(), `${SECRET}x`, { now: NOW })
    expect(result).toEqual({ ok: false, reason: 'invalid signature' })
  })

  it('rejects a changed payload', () => {
    const [header, , signature] = valid().split('.')
    const payload = segment({ sub: 'mallory', exp: NOW / 1000 + 60 })
    const result = verifyJwt(`${header}.${payload}.${signature}`, SECRET, {
      now: NOW,
    })
    expect(result).toEqual({ ok: false, reason: 'invalid signature' })
  })

  it('rejects the none algorithm', () => {
    const token = `${segment({ alg: 'none' })}.${segment({ sub: 'ada', exp: NOW / 1000 + 60 })}.`
    expect(verifyJwt(token, SECRET, { now: NOW })).toEqual({
      ok: false,
      reason: 'unsupported algorithm',
    })
  })

  it('rejects other HMAC algorithms', () => {
    const token = handMade(
      { alg: 'HS512' },
      { sub: 'ada', exp: NOW / 1000 + 60 },
    )
    expect(verifyJwt(token, SECRET, { now: NOW }).ok).toBe(false)
  })

  it.each([
    ['empty string', ''],
    ['not a string', 42],
    ['two segments', 'a.b'],
    ['four segments', 'a.b.c.d'],
    ['header not JSON', `${Buffer.from('nope').toString('base64url')}.e30.sig`],
    ['header an array', `${segment([1])}.e30.sig`],
    ['padding in signature', `${valid()}=`],
  ])('rejects malformed input: %s', (_name, token) => {
    expect(verifyJwt(token, SECRET, { now: NOW }).ok).toBe(false)
  })

  it('rejects a payload that is not an object', () => {
    const token = handMade({ alg: 'HS256' }, 'just a string')
    expect(verifyJwt(token, SECRET, { now: NOW })).toEqual({
      ok: false,
      reason: 'malformed payload',
    })
  })
})

describe('bearerToken', () => {
  it('reads the bearer scheme', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi')
    expect(bearerToken('bearer abc')).toBe('abc')
  })

  it('ignores other schemes and gaps', () => {
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined()
    expect(bearerToken('Bearer')).toBeUndefined()
    expect(bearerToken('Bearer a b')).toBeUndefined()
    expect(bearerToken(undefined)).toBeUndefined()
  })
})
