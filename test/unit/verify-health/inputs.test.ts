import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { InputError } from '../../../common/errors.js'
import { InputReader } from '../../../common/inputs.js'
import { redact, resetMasksForTests } from '../../../common/masking.js'
import { readVerifyHealthInputs } from '../../../actions/verify-health/src/inputs.js'
import { defaultsSource } from '../../helpers/action-metadata.js'
import {
  startHttpServer,
  type TestServer,
} from '../../helpers/health-servers.js'
import {
  readInputs,
  runVerifyHealthAction,
  sampleDeploymentState,
} from '../../helpers/verify-health.js'

let server: TestServer
let tempDir: string

beforeAll(async () => {
  server = await startHttpServer((_request, response) => response.end('ok'))
  tempDir = mkdtempSync(path.join(tmpdir(), 'verify-health-inputs-'))
})

afterAll(async () => {
  await server.close()
  rmSync(tempDir, { recursive: true, force: true })
})

interface InvalidCase {
  name: string
  overrides: (origin: string) => Record<string, string>
  input: string
  message: string
}

const invalidCases: InvalidCase[] = [
  {
    name: 'empty URL list',
    overrides: () => ({ urls: '' }),
    input: 'urls',
    message: "Missing input 'urls'",
  },
  {
    name: 'only separators',
    overrides: () => ({ urls: ' , \n ,' }),
    input: 'urls',
    message: "input 'urls'",
  },
  {
    name: 'ftp URL',
    overrides: () => ({ urls: 'ftp://127.0.0.1/healthz' }),
    input: 'urls',
    message: 'Each URL must start with http:// or https://.',
  },
  {
    name: 'URL without scheme',
    overrides: (origin) => ({ urls: origin.replace('http://', '') }),
    input: 'urls',
    message: 'Each URL must start with http:// or https://.',
  },
  {
    name: 'URL without host',
    overrides: () => ({ urls: 'http://' }),
    input: 'urls',
    message: 'The URL has no host.',
  },
  {
    name: 'URL with an empty host and a path',
    overrides: () => ({ urls: 'http:///healthz' }),
    input: 'urls',
    message: 'The URL has no host.',
  },
  {
    name: 'URL with one slash',
    overrides: (origin) => ({ urls: origin.replace('//', '/') }),
    input: 'urls',
    message: 'The URL has no host.',
  },
  {
    name: 'one bad URL among good ones',
    overrides: (origin) => ({ urls: `${origin}\nmailto:ops@127.0.0.1` }),
    input: 'urls',
    message: 'Each URL must start with http:// or https://.',
  },
  {
    name: 'duplicate URL',
    overrides: (origin) => ({ urls: `${origin}\n${origin}/healthz` }),
    input: 'urls',
    message: 'This URL is listed twice.',
  },
  {
    name: 'zero attempt-timeout',
    overrides: (origin) => ({ urls: origin, 'attempt-timeout': '0' }),
    input: 'attempt-timeout',
    message: 'Invalid input \'attempt-timeout\': "0"',
  },
  {
    name: 'negative interval',
    overrides: (origin) => ({ urls: origin, interval: '-1s' }),
    input: 'interval',
    message: 'Invalid input \'interval\': "-1s"',
  },
  {
    name: 'zero timeout',
    overrides: (origin) => ({ urls: origin, timeout: '0s' }),
    input: 'timeout',
    message: 'Invalid input \'timeout\': "0s"',
  },
  {
    name: 'duration without a number',
    overrides: (origin) => ({ urls: origin, timeout: 'soon' }),
    input: 'timeout',
    message: 'Invalid input \'timeout\': "soon"',
  },
  {
    name: 'attempt-timeout longer than timeout',
    overrides: (origin) => ({
      urls: origin,
      'attempt-timeout': '10s',
      timeout: '5s',
    }),
    input: 'attempt-timeout',
    message: 'It is longer than timeout (5s).',
  },
  {
    name: 'unknown status class',
    overrides: (origin) => ({ urls: origin, 'expected-status': '200,6xx' }),
    input: 'expected-status',
    message: 'Invalid input \'expected-status\': "6xx"',
  },
  {
    name: 'status range',
    overrides: (origin) => ({ urls: origin, 'expected-status': '200-299' }),
    input: 'expected-status',
    message: 'classes 1xx to 5xx',
  },
  {
    name: 'status word',
    overrides: (origin) => ({ urls: origin, 'expected-status': 'ok' }),
    input: 'expected-status',
    message: 'Invalid input \'expected-status\': "ok"',
  },
  {
    name: 'JSON path with an empty segment',
    overrides: (origin) => ({ urls: origin, 'expected-json': 'checks..db=up' }),
    input: 'expected-json',
    message: 'Invalid JSON path: a field name is missing at position 8',
  },
  {
    name: 'JSON path with a bad index',
    overrides: (origin) => ({ urls: origin, 'expected-json': '$.items[x]=1' }),
    input: 'expected-json',
    message: 'must hold an array index like [0]',
  },
  {
    name: 'JSON check without a value',
    overrides: (origin) => ({ urls: origin, 'expected-json': 'status' }),
    input: 'expected-json',
    message: 'Write one path=value per line',
  },
  {
    name: 'unclosed quoted name',
    overrides: (origin) => ({ urls: origin, 'expected-json': '$["a=1' }),
    input: 'expected-json',
    message: 'is not closed',
  },
  {
    name: 'version field ending in a dot',
    overrides: (origin) => ({ urls: origin, 'version-field': 'build.' }),
    input: 'version-field',
    message: 'a field name is missing at the end',
  },
  {
    name: 'zero consecutive successes',
    overrides: (origin) => ({ urls: origin, 'consecutive-successes': '0' }),
    input: 'consecutive-successes',
    message: "Invalid input 'consecutive-successes'",
  },
  {
    name: 'zero max-redirects',
    overrides: (origin) => ({ urls: origin, 'max-redirects': '0' }),
    input: 'max-redirects',
    message: "Invalid input 'max-redirects'",
  },
  {
    name: 'boolean written as yes',
    overrides: (origin) => ({ urls: origin, 'follow-redirects': 'yes' }),
    input: 'follow-redirects',
    message: 'Use true or false.',
  },
  {
    name: 'zero latency budget',
    overrides: (origin) => ({ urls: origin, 'latency-budget': '0ms' }),
    input: 'latency-budget',
    message: "Invalid input 'latency-budget'",
  },
  {
    name: 'deadline without a zone',
    overrides: (origin) => ({
      urls: origin,
      'deadline-at': '2026-12-04T12:00:00',
    }),
    input: 'deadline-at',
    message: 'Add a zone',
  },
  {
    name: 'header name with a slash',
    overrides: (origin) => ({ urls: origin, headers: 'X-Bad/Header: x' }),
    input: 'headers',
    message: 'A header name may contain only',
  },
  {
    name: 'rollback without deployment-json',
    overrides: (origin) => ({ urls: origin, 'rollback-on-failure': 'true' }),
    input: 'deployment-json',
    message: "Missing input 'deployment-json'. rollback-on-failure is true",
  },
  {
    name: 'deployment-json that is not JSON',
    overrides: (origin) => ({
      urls: origin,
      'rollback-on-failure': 'true',
      'deployment-json': '{cluster: shop}',
    }),
    input: 'deployment-json',
    message: 'Use valid JSON',
  },
  {
    name: 'deployment-json of another strategy',
    overrides: (origin) => ({
      urls: origin,
      'rollback-on-failure': 'true',
      'deployment-json': JSON.stringify(
        sampleDeploymentState({ strategy: 'ecs-native' }),
      ),
    }),
    input: 'deployment-json',
    message: 'Field strategy must be alb-weighted, found "ecs-native"',
  },
  {
    name: 'deployment-json with a bad weight',
    overrides: (origin) => ({
      urls: origin,
      'rollback-on-failure': 'true',
      'deployment-json': JSON.stringify(
        sampleDeploymentState({ weights_before: { blue: 100, green: -1 } }),
      ),
    }),
    input: 'deployment-json',
    message: 'Field weights_before must be {"blue": n, "green": n}',
  },
  {
    name: 'deployment-json with a bad listener ARN',
    overrides: (origin) => ({
      urls: origin,
      'rollback-on-failure': 'true',
      'deployment-json': JSON.stringify(
        sampleDeploymentState({ listener_arn: 'listener-1' }),
      ),
    }),
    input: 'deployment-json',
    message: 'Field listener_arn must be a listener ARN',
  },
  {
    name: 'region unlike the deployment',
    overrides: (origin) => ({
      urls: origin,
      'rollback-on-failure': 'true',
      'aws-region': 'eu-west-1',
      'deployment-json': JSON.stringify(sampleDeploymentState()),
    }),
    input: 'aws-region',
    message: 'deployment-json names region us-east-1',
  },
  {
    name: 'malformed region',
    overrides: (origin) => ({
      urls: origin,
      'aws-region': 'mars',
      'rollback-on-failure': 'true',
      'deployment-json': JSON.stringify(sampleDeploymentState()),
    }),
    input: 'aws-region',
    message: 'Use an AWS region name such as us-east-1.',
  },
  {
    name: 'port 0',
    overrides: () => ({ urls: 'http://127.0.0.1:0/healthz' }),
    input: 'urls',
    message: 'The port 0 is out of range. Use a port from 1 to 65535',
  },
  {
    name: 'port above 65535',
    overrides: () => ({ urls: 'http://127.0.0.1:99999/healthz' }),
    input: 'urls',
    message: 'The port 99999 is out of range.',
  },
  {
    name: 'tab inside a URL',
    overrides: (origin) => ({ urls: `${origin}/heal\tthz` }),
    input: 'urls',
    message: 'The URL contains a space, tab or control character.',
  },
  {
    name: 'empty header name',
    overrides: (origin) => ({ urls: origin, headers: '{"": "1"}' }),
    input: 'headers',
    message: `Invalid input 'headers': "{\\"\\": \\"1\\"}". A header name is empty.`,
  },
  {
    name: 'interval below 50ms',
    overrides: (origin) => ({ urls: origin, interval: '1ms' }),
    input: 'interval',
    message: "input 'interval'",
  },
  {
    name: 'record-file naming a folder',
    overrides: (origin) => ({ urls: origin, 'record-file': tempDir }),
    input: 'record-file',
    message: 'is a folder.',
  },
  {
    name: 'record-file under a file',
    overrides: (origin) => ({
      urls: origin,
      'record-file': '/dev/null/verify.json',
    }),
    input: 'record-file',
    message: '/dev/null is not a folder.',
  },
  {
    name: 'record-file in an uncreatable folder',
    overrides: (origin) => ({
      urls: origin,
      'record-file': '/proc/verify-health-missing/verify.json',
    }),
    input: 'record-file',
    message: 'Creating the folder /proc/verify-health-missing failed',
  },
]

describe('verify-health inputs', () => {
  it.each(invalidCases)(
    'rejects $name before any request',
    async ({ overrides, input, message }) => {
      const before = server.requests

      const run = await runVerifyHealthAction(overrides(server.origin))
      run.cleanup()

      expect(run.outcome).toBe('failed')
      expect(run.exitCode).toBe(1)
      expect(run.failures).toHaveLength(1)
      expect(run.failures[0]).toContain(`input '${input}'`)
      expect(run.failures[0]).toContain(message)
      expect(server.requests).toBe(before)
      expect(run.outputs.healthy).toBe('false')
      expect(run.outputs.attempts).toBe('0')
      expect(run.outputs['failure-reason']).toBe(run.failures[0])
      expect(JSON.parse(run.outputs['record-json'] ?? '{}')).toMatchObject({
        action: 'verify-health',
        stage: 'verify',
        status: 'failed',
      })
      const report = JSON.parse(run.outputs['report-json'] ?? '') as {
        status: string
        healthy: boolean
        failure_reason: string
      }
      expect(report.status).toBe('failed')
      expect(report.healthy).toBe(false)
      expect(report.failure_reason).toBe(run.failures[0])
    },
  )

  it('raises InputError naming the input', () => {
    expect(() => readInputs({ urls: 'ftp://127.0.0.1' })).toThrow(InputError)
    try {
      readInputs({ urls: 'ftp://127.0.0.1' })
    } catch (error) {
      expect((error as InputError).input).toBe('urls')
    }
  })

  describe('URL paths', () => {
    it.each([
      ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/healthz'],
      ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080/'],
      [
        'http://127.0.0.1:8080?probe=1',
        'http://127.0.0.1:8080/healthz?probe=1',
      ],
      ['https://127.0.0.1/ready#top', 'https://127.0.0.1/ready'],
      ['HTTP://127.0.0.1:8080', 'http://127.0.0.1:8080/healthz'],
    ])('reads %s as %s', (text, expected) => {
      const inputs = readInputs({ urls: text })

      expect(inputs.urls.map((url) => url.href)).toEqual([expected])
    })
  })

  it('reads every setting', () => {
    const recordFile = path.join(tempDir, 'records', 'verify.json')
    const inputs = readInputs({
      urls: 'http://127.0.0.1:1/a, http://127.0.0.1:2/b',
      'expected-status': '200, 2XX',
      'expected-body': 'ready',
      'expected-json': 'status = ok\n$.checks[1]["db.primary"]=up',
      'expected-version': '1.4.0',
      'version-field': '$.build.version',
      headers: 'Accept: application/json\nX-Trace: on',
      'consecutive-successes': '3',
      'latency-budget': '250ms',
      'follow-redirects': 'true',
      'max-redirects': '2',
      'tls-verify': 'false',
      'deadline-at': '2026-12-04T12:30:00Z',
      'record-file': recordFile,
    })

    expect(inputs.urls).toHaveLength(2)
    expect(inputs.expectedStatus).toEqual({
      text: '200,2xx',
      codes: [200],
      classes: [2],
    })
    expect(inputs.expectedBody).toBe('ready')
    expect(
      inputs.expectedJson.map((c) => [c.path.segments, c.expected]),
    ).toEqual([
      [['status'], 'ok'],
      [['checks', 1, 'db.primary'], 'up'],
    ])
    expect(inputs.versionField.segments).toEqual(['build', 'version'])
    expect(inputs.headers).toEqual({
      Accept: 'application/json',
      'X-Trace': 'on',
    })
    expect(inputs.attemptTimeoutMs).toBe(300)
    expect(inputs.intervalMs).toBe(50)
    expect(inputs.timeoutMs).toBe(1500)
    expect(inputs.consecutiveSuccesses).toBe(3)
    expect(inputs.latencyBudgetMs).toBe(250)
    expect(inputs.followRedirects).toBe(true)
    expect(inputs.maxRedirects).toBe(2)
    expect(inputs.tlsVerify).toBe(false)
    expect(inputs.deadlineAt).toBe(Date.parse('2026-12-04T12:30:00Z'))
    expect(inputs.recordFile).toBe(recordFile)
    expect(inputs.rollbackOnFailure).toBe(false)
    expect(inputs.deployment).toBeUndefined()
  })

  it('applies the action.yml defaults', () => {
    const { source } = defaultsSource('verify-health', {
      urls: 'http://127.0.0.1:1',
    })

    const inputs = readVerifyHealthInputs(new InputReader(source))

    expect(inputs.expectedStatus.codes).toEqual([200])
    expect(inputs.versionField.segments).toEqual(['version'])
    expect(inputs.attemptTimeoutMs).toBe(5000)
    expect(inputs.intervalMs).toBe(5000)
    expect(inputs.timeoutMs).toBe(300_000)
    expect(inputs.consecutiveSuccesses).toBe(1)
    expect(inputs.followRedirects).toBe(false)
    expect(inputs.maxRedirects).toBe(5)
    expect(inputs.tlsVerify).toBe(true)
    expect(inputs.rollbackTimeoutMs).toBe(600_000)
    expect(inputs.awsRegion).toBeUndefined()
    expect(inputs.latencyBudgetMs).toBeUndefined()
  })

  it('masks secret headers and URL passwords', () => {
    resetMasksForTests()

    readInputs({
      urls: 'http://deployer:p%40ss-w0rd@127.0.0.1:1/healthz',
      headers: 'Authorization: Bearer tok-123456\nX-Request-Source: ci-runner',
    })

    expect(redact('Bearer tok-123456')).toBe('***')
    expect(redact('token tok-123456')).toBe('token ***')
    expect(redact('p@ss-w0rd')).toBe('***')
    expect(redact('p%40ss-w0rd')).toBe('***')
    expect(redact('ci-runner')).toBe('ci-runner')
  })

  it('masks Basic credentials and query secrets', () => {
    resetMasksForTests()
    const basic = Buffer.from('bob:S3cretPw').toString('base64')

    readInputs({
      urls: 'http://bob:S3cretPw@127.0.0.1:1/healthz?token=QSECRET789&page=2',
    })

    expect(redact(`Authorization: Basic ${basic}`)).toBe('Authorization: ***')
    expect(redact(`a=${encodeURIComponent(`Basic ${basic}`)}`)).toBe('a=***')
    expect(redact(`seen ${basic}`)).toBe('seen ***')
    expect(redact('/login?t=QSECRET789')).toBe('/login?t=***')
    expect(redact('page=2')).toBe('page=2')
  })

  describe('URL lists', () => {
    it.each([
      [
        'one URL per line keeps commas',
        'http://127.0.0.1:1/a?ids=1,2\nhttp://127.0.0.1:2/b,c',
        ['http://127.0.0.1:1/a?ids=1,2', 'http://127.0.0.1:2/b,c'],
      ],
      [
        'one line splits before a scheme',
        'http://127.0.0.1:1/a?ids=1,2, https://127.0.0.1:2/b',
        ['http://127.0.0.1:1/a?ids=1,2', 'https://127.0.0.1:2/b'],
      ],
      [
        'one URL with a comma',
        'http://127.0.0.1:1/a?ids=1,2',
        ['http://127.0.0.1:1/a?ids=1,2'],
      ],
    ])('reads %s', (_name, value, expected) => {
      const inputs = readInputs({ urls: value })

      expect(inputs.urls.map((url) => url.href)).toEqual(expected)
    })
  })

  describe('without rollback-on-failure', () => {
    it('ignores a region unlike deployment-json', () => {
      const inputs = readInputs({
        urls: 'http://127.0.0.1:1',
        'aws-region': 'eu-west-1',
        'deployment-json': JSON.stringify(sampleDeploymentState()),
      })

      expect(inputs.deployment).toBeUndefined()
      expect(inputs.deploymentGiven).toBe(true)
      expect(inputs.awsRegion).toBeUndefined()
    })

    it('accepts an empty aws-region', () => {
      const inputs = readInputs({
        urls: 'http://127.0.0.1:1',
        'aws-region': '',
      })

      expect(inputs.rollbackOnFailure).toBe(false)
      expect(inputs.awsRegion).toBeUndefined()
    })
  })

  it('accepts a valid deployment-json with rollback', () => {
    const state = sampleDeploymentState({
      rule_arn:
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/shop/1/2/3',
    })

    const inputs = readInputs({
      urls: 'http://127.0.0.1:1',
      'rollback-on-failure': 'true',
      'deployment-json': JSON.stringify(state),
      'rollback-timeout': '2m',
    })

    expect(inputs.rollbackOnFailure).toBe(true)
    expect(inputs.deployment).toEqual(state)
    expect(inputs.rollbackTimeoutMs).toBe(120_000)
  })
})
