// Types of jwt.js for the TypeScript tests that import it.
export type JwtClaims = Record<string, unknown> & {
  sub?: string
  exp?: number
  nbf?: number
  iat?: number
}

export interface SignOptions {
  /** Sets `exp` this many seconds after `now` (and `iat` to `now`). */
  expiresInSeconds?: number
  /** Current time in milliseconds. */
  now?: number
}

export interface VerifyOptions {
  /** Current time in milliseconds. */
  now?: number
  /** Seconds of clock difference accepted on `exp` and `nbf`. */
  clockToleranceSeconds?: number
}

export type VerifyResult =
  { ok: true; claims: JwtClaims } | { ok: false; reason: string }

export function signJwt(
  claims: JwtClaims,
  secret: string,
  options?: SignOptions,
): string
export function verifyJwt(
  token: unknown,
  secret: string,
  options?: VerifyOptions,
): VerifyResult
export function bearerToken(authorization: unknown): string | undefined
