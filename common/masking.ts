import * as core from './runner-commands.js'

/** Shortest value that maskSecret registers: shorter ones would mask ordinary text. */
const MIN_SECRET_LENGTH = 4
const MASK = '***'

const secrets = new Set<string>()
let sortedSecrets: string[] = []

/**
 * Registers a secret with the runner (core.setSecret) and with redact(), which
 * masks our own log lines, outputs and summaries. Values shorter than 4
 * characters are ignored. Each line of a multi-line value, and the value's
 * JSON-escaped, URL-encoded and base64 forms, are masked as well.
 */
export function maskSecret(value: string): void {
  if (value.length < MIN_SECRET_LENGTH) return
  core.setSecret(value)

  const forms = [
    value,
    ...value.split(/\r?\n/).map((line) => line.trim()),
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value),
    // Form encoding, as URLSearchParams writes it: '+' for a space.
    new URLSearchParams({ v: value }).toString().slice(2),
    Buffer.from(value, 'utf8').toString('base64'),
  ]
  for (const form of forms) {
    if (form.length >= MIN_SECRET_LENGTH) secrets.add(form)
  }
  sortedSecrets = [...secrets].sort((a, b) => b.length - a.length)
}

/** Replaces every registered secret in text by '***', longest first. */
export function redact(text: string): string {
  let result = text
  for (const secret of sortedSecrets) {
    if (result.includes(secret)) result = result.split(secret).join(MASK)
  }
  return result
}

// Words that mark a name as holding a secret, after the name is split into
// lower-case words at '-', '_', '.', spaces and camelCase boundaries.
const SECRET_WORDS = new Set([
  'auth',
  'authentication',
  'authorization',
  'cookie',
  'credential',
  'credentials',
  'passphrase',
  'passwd',
  'password',
  'pwd',
  'secret',
  'signature',
  'token',
  'apikey',
  'privatekey',
])

// 'key' is a secret only after one of these words ('api-key', 'private_key').
const KEY_QUALIFIERS = new Set([
  'access',
  'account',
  'api',
  'client',
  'encryption',
  'master',
  'private',
  'secret',
  'session',
  'signing',
  'subscription',
])

// A last word that names metadata about a secret rather than the secret
// itself: 'secret-arn', 'token-url', 'AccessKeyId', 'password-file'.
const METADATA_WORDS = new Set([
  'arn',
  'expiry',
  'expires',
  'enabled',
  'file',
  'id',
  'method',
  'mode',
  'name',
  'path',
  'ref',
  'scheme',
  'ttl',
  'type',
  'url',
])

// Query parameters that carry credentials in presigned or OAuth URLs.
const SECRET_QUERY_PARAMETERS = new Set([
  'access_token',
  'code',
  'sig',
  'x-amz-credential',
  'x-amz-security-token',
  'x-amz-signature',
])

/**
 * Decides whether a header, field or parameter name may carry a secret:
 * authorization, cookie, x-api-key, and names containing auth, token, secret,
 * password or a qualified key (api-key, private_key, SecretAccessKey,
 * Ocp-Apim-Subscription-Key).
 */
export function isSecretName(name: string): boolean {
  const words = splitWords(name)
  const last = words[words.length - 1]
  if (last === undefined || METADATA_WORDS.has(last)) return false

  return words.some(
    (word, index) =>
      SECRET_WORDS.has(word) ||
      (word === 'key' && KEY_QUALIFIERS.has(words[index - 1] ?? '')),
  )
}

function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '')
}

/**
 * Returns URL text with the user name and password replaced by '***', values
 * of secret-looking query parameters replaced by '***', and registered
 * secrets redacted.
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL
  try {
    parsed = new URL(url.toString())
  } catch {
    // A value that does not parse may still carry credentials, with a '/'
    // or a space in them, so everything from '//' to the last '@' is hidden.
    const text = url.toString().replace(/(\/\/).*@/s, `$1${MASK}@`)
    return redact(text)
  }

  if (parsed.username !== '' || parsed.password !== '') {
    parsed.username = MASK
    parsed.password = ''
  }
  if (parsed.search !== '') parsed.search = redactQuery(parsed.search.slice(1))
  return redact(parsed.href)
}

/** Decides whether redactUrl hides the value of a query parameter. */
export function isSecretQueryParameter(name: string): boolean {
  return isSecretName(name) || SECRET_QUERY_PARAMETERS.has(name.toLowerCase())
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const separator = pair.indexOf('=')
      if (separator < 0) return pair
      const key = safeDecode(pair.slice(0, separator))
      return isSecretQueryParameter(key)
        ? `${pair.slice(0, separator)}=${MASK}`
        : pair
    })
    .join('&')
}

/**
 * Registers the secrets a URL carries: the password, the Basic
 * authentication value built from user and password (`Basic <base64>` and
 * the base64 part alone), and the values of query parameters that
 * redactUrl hides, each decoded and as written in the URL.
 */
export function maskUrlSecrets(url: URL): void {
  if (url.password !== '') {
    maskSecret(url.password)
    maskSecret(safeDecodeComponent(url.password))
  }
  if (url.username !== '' || url.password !== '') {
    const user = safeDecodeComponent(url.username)
    const password = safeDecodeComponent(url.password)
    maskBasicCredentials(user, password)
  }
  if (url.search === '') return
  for (const pair of url.search.slice(1).split('&')) {
    const separator = pair.indexOf('=')
    if (separator < 0) continue
    if (!isSecretQueryParameter(safeDecode(pair.slice(0, separator)))) {
      continue
    }
    const raw = pair.slice(separator + 1)
    maskSecret(raw)
    maskSecret(safeDecode(raw))
  }
}

/**
 * Registers the HTTP Basic authentication value of `user` and `password`
 * (RFC 7617): `Basic <base64(user:password)>` and the base64 part alone.
 */
export function maskBasicCredentials(user: string, password: string): void {
  const encoded = Buffer.from(`${user}:${password}`, 'utf8').toString('base64')
  maskSecret(encoded)
  maskSecret(`Basic ${encoded}`)
}

function safeDecodeComponent(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
  }
}

const URL_WITH_USERINFO = /^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i

/**
 * Returns a deep copy of a JSON value in which every string or number under
 * a secret-looking key is '***', URLs lose their credentials and other
 * strings are redacted. Cycles become '[Circular]'.
 */
export function redactObject<T>(value: T): T {
  return copyRedacted(value, false, new WeakSet()) as T
}

function copyRedacted(
  value: unknown,
  underSecret: boolean,
  ancestors: WeakSet<object>,
): unknown {
  if (typeof value === 'string') {
    if (underSecret && value !== '') return MASK
    return URL_WITH_USERINFO.test(value) ? redactUrl(value) : redact(value)
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    return underSecret ? MASK : value
  }
  if (value === null || typeof value !== 'object') return value
  if (ancestors.has(value)) return '[Circular]'

  ancestors.add(value)
  let copy: unknown
  if (Array.isArray(value)) {
    copy = value.map((item) => copyRedacted(item, underSecret, ancestors))
  } else if (isPlainObject(value)) {
    copy = Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        copyRedacted(item, underSecret || isSecretName(key), ancestors),
      ]),
    )
  } else {
    copy = value
  }
  ancestors.delete(value)
  return copy
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** Forgets every secret registered with maskSecret (the runner keeps its own). */
export function resetMasksForTests(): void {
  secrets.clear()
  sortedSecrets = []
}
