import { afterEach, describe, expect, it, jest } from '@jest/globals'

const setSecret = jest.fn<(secret: string) => void>()
jest.unstable_mockModule('../../../common/runner-commands.js', () => ({
  setSecret,
}))

// The module under test is imported after the mock is registered, because
// ESM imports are resolved before the test body runs.
const {
  isSecretName,
  isSecretQueryParameter,
  maskBasicCredentials,
  maskSecret,
  maskUrlSecrets,
  redact,
  redactObject,
  redactUrl,
  resetMasksForTests,
} = await import('../../../common/masking.js')
const { InputReader } = await import('../../../common/inputs.js')

afterEach(() => {
  resetMasksForTests()
})

describe('maskSecret and redact', () => {
  it('registers with the runner and redacts', () => {
    maskSecret('s3cr3t-value')
    expect(setSecret).toHaveBeenCalledWith('s3cr3t-value')
    expect(redact('token=s3cr3t-value; again s3cr3t-value')).toBe(
      'token=***; again ***',
    )
  })

  it('ignores values shorter than four', () => {
    maskSecret('abc')
    expect(setSecret).not.toHaveBeenCalled()
    expect(redact('abc abc')).toBe('abc abc')
  })

  it('masks each line of multi-line secrets', () => {
    maskSecret('line-one\nline-two')
    expect(redact('got line-two only')).toBe('got *** only')
  })

  it('masks encoded forms', () => {
    const secret = 'p@ss "word"/1'
    maskSecret(secret)
    expect(redact(JSON.stringify({ password: secret }))).toBe(
      '{"password":"***"}',
    )
    expect(redact(`u=${encodeURIComponent(secret)}`)).toBe('u=***')
    expect(redact(Buffer.from(secret).toString('base64'))).toBe('***')
  })

  it('masks form-encoded values', () => {
    maskSecret("it's secret!")
    expect(redact('q=it%27s+secret%21')).toBe('q=***')
  })

  it('masks longer secrets first', () => {
    maskSecret('abcd')
    maskSecret('abcdefgh')
    expect(redact('abcdefgh')).toBe('***')
  })

  it('forgets secrets after reset', () => {
    maskSecret('forget-me')
    resetMasksForTests()
    expect(redact('forget-me')).toBe('forget-me')
  })

  it('masks secret string inputs', () => {
    const reader = new InputReader(() => 'ghp_tokenvalue')
    expect(reader.string('token', { secret: true })).toBe('ghp_tokenvalue')
    expect(setSecret).toHaveBeenCalledWith('ghp_tokenvalue')
    expect(redact('auth ghp_tokenvalue')).toBe('auth ***')
  })

  it('hides secret inputs in errors', () => {
    const reader = new InputReader(() => 'ghp_tokenvalue')
    expect(() =>
      reader.string('token', { secret: true, maxLength: 5 }),
    ).toThrow(`Invalid input 'token': "***".`)
  })
})

describe('isSecretName', () => {
  it.each([
    'Authorization',
    'proxy-authorization',
    'Cookie',
    'Set-Cookie',
    'x-api-key',
    'X-Auth-Token',
    'github-token',
    'JWT_SECRET',
    'AWS_SECRET_ACCESS_KEY',
    'SessionToken',
    'SecretAccessKey',
    'db_password',
    'apiKey',
    'private_key',
    'client-secret',
    'credentials',
    'X-Amz-Signature',
    'X-Auth',
    'Authentication',
    'Ocp-Apim-Subscription-Key',
  ])('flags %s', (name) => {
    expect(isSecretName(name)).toBe(true)
  })

  it.each([
    'Key',
    'cache-key',
    'kms-key-id',
    'AccessKeyId',
    'secret-arn',
    'token-url',
    'password-file',
    'monkey',
    'author',
    'content-type',
    'x-request-id',
    'auth-mode',
    'auth_type',
    'subscription-id',
    '',
  ])('passes %s', (name) => {
    expect(isSecretName(name)).toBe(false)
  })
})

describe('redactUrl', () => {
  it.each([
    ['https://user:pw@example.com/x', 'https://***@example.com/x'],
    ['https://ghp_abc@github.com/o/r.git', 'https://***@github.com/o/r.git'],
    [
      'https://example.com/h?token=abc&page=2&X-Amz-Signature=ff',
      'https://example.com/h?token=***&page=2&X-Amz-Signature=***',
    ],
    ['https://example.com/a%20b?q=a+b', 'https://example.com/a%20b?q=a+b'],
    ['http://127.0.0.1:8080/health', 'http://127.0.0.1:8080/health'],
    ['not a url //user:pw@host', 'not a url //***@host'],
    ['https://user:p/w@host:99999/x', 'https://***@host:99999/x'],
    ['https://user:p w@host:99999/x', 'https://***@host:99999/x'],
  ])('redacts %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected)
  })

  it('accepts URL objects and registered secrets', () => {
    maskSecret('tenant-42x')
    expect(redactUrl(new URL('https://tenant-42x.example.com/'))).toBe(
      'https://***.example.com/',
    )
  })
})

describe('maskUrlSecrets', () => {
  it('masks the Basic authentication value', () => {
    maskUrlSecrets(new URL('http://bob:S3cret%21Pw@example.com/'))
    const encoded = Buffer.from('bob:S3cret!Pw').toString('base64')

    expect(redact(`Authorization: Basic ${encoded}`)).toBe('Authorization: ***')
    expect(redact(`a=${encodeURIComponent(`Basic ${encoded}`)}`)).toBe('a=***')
    expect(redact(`b=${encoded}`)).toBe('b=***')
    expect(redact('S3cret!Pw and S3cret%21Pw')).toBe('*** and ***')
  })

  it('masks a user name without password', () => {
    maskUrlSecrets(new URL('https://ghp_abcdef@example.com/'))
    const encoded = Buffer.from('ghp_abcdef:').toString('base64')

    expect(redact(`Basic ${encoded}`)).toBe('***')
  })

  it('masks secret query values', () => {
    maskUrlSecrets(
      new URL('https://example.com/h?token=a%2Bb+c9&page=2&sig=ff00ff'),
    )

    expect(redact('raw a%2Bb+c9')).toBe('raw ***')
    expect(redact('decoded a+b c9')).toBe('decoded ***')
    expect(redact('sig ff00ff')).toBe('sig ***')
    expect(redact('page 2')).toBe('page 2')
  })

  it('masks nothing in a plain URL', () => {
    maskUrlSecrets(new URL('http://127.0.0.1:8080/healthz?probe=1'))
    expect(setSecret).not.toHaveBeenCalled()
  })
})

describe('maskBasicCredentials', () => {
  it('masks the header value and base64 part', () => {
    maskBasicCredentials('deployer', 'pw')
    const encoded = Buffer.from('deployer:pw').toString('base64')

    expect(setSecret).toHaveBeenCalledWith(`Basic ${encoded}`)
    expect(redact(`x ${encoded} y`)).toBe('x *** y')
  })
})

describe('isSecretQueryParameter', () => {
  it.each([
    ['token', true],
    ['access_token', true],
    ['code', true],
    ['X-Amz-Credential', true],
    ['page', false],
  ])('classifies %s', (name, expected) => {
    expect(isSecretQueryParameter(name)).toBe(expected)
  })
})

describe('redactObject', () => {
  it('masks values under secret keys', () => {
    const input = {
      name: 'web',
      headers: { Authorization: 'Bearer x', Accept: 'json' },
      password: 1234,
      credentials: { user: 'u', nested: ['a', { deep: 'b' }] },
      token: '',
      secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:x',
      list: [{ apiKey: 'k' }],
    }
    expect(redactObject(input)).toEqual({
      name: 'web',
      headers: { Authorization: '***', Accept: 'json' },
      password: '***',
      credentials: { user: '***', nested: ['***', { deep: '***' }] },
      token: '',
      secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:x',
      list: [{ apiKey: '***' }],
    })
  })

  it('leaves the original untouched', () => {
    const input = { token: 'abc', nested: { value: 1 } }
    const copy = redactObject(input)
    expect(input.token).toBe('abc')
    expect(copy.nested).not.toBe(input.nested)
  })

  it('redacts URLs and registered secrets', () => {
    maskSecret('registered-1')
    expect(
      redactObject({
        endpoint: 'https://u:p@db.example.com/x',
        note: 'has registered-1 inside',
      }),
    ).toEqual({
      endpoint: 'https://***@db.example.com/x',
      note: 'has *** inside',
    })
  })

  it('replaces cycles', () => {
    const input: Record<string, unknown> = { a: 1 }
    input.self = input
    expect(redactObject(input)).toEqual({ a: 1, self: '[Circular]' })
  })

  it('keeps shared objects that are not cycles', () => {
    const shared = { v: 1 }
    expect(redactObject({ a: shared, b: shared })).toEqual({
      a: { v: 1 },
      b: { v: 1 },
    })
  })

  it('keeps scalars and null', () => {
    expect(redactObject(null)).toBeNull()
    expect(redactObject(true)).toBe(true)
    expect(redactObject([1, 'a'])).toEqual([1, 'a'])
  })
})
