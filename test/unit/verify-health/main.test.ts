import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { RecordFragment } from '../../../common/contracts/records.js'
import type { HealthReport } from '../../../actions/verify-health/src/report.js'
import {
  startHttpServer,
  type TestServer,
} from '../../helpers/health-servers.js'
import {
  runVerifyHealthAction,
  sampleDeploymentState,
  SLACK_MS,
  type ActionRun,
} from '../../helpers/verify-health.js'

const OUTPUT_NAMES = [
  'healthy',
  'attempts',
  'last-status',
  'latency-p50-ms',
  'latency-p95-ms',
  'failure-reason',
  'report-json',
  'record-json',
  'rollback-json',
]

const servers: TestServer[] = []
const runs: ActionRun[] = []

async function serve(
  handler: Parameters<typeof startHttpServer>[0],
): Promise<TestServer> {
  const server = await startHttpServer(handler)
  servers.push(server)
  return server
}

async function runAction(
  ...args: Parameters<typeof runVerifyHealthAction>
): Promise<ActionRun> {
  const run = await runVerifyHealthAction(...args)
  runs.push(run)
  return run
}

afterEach(async () => {
  for (const run of runs.splice(0)) {
    run.cleanup()
  }
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

describe('verify-health action', () => {
  it('sets outputs, summary and record for a healthy run', async () => {
    const server = await serve((_request, response) => response.end('ok'))
    const recordDir = mkdtempSync(path.join(tmpdir(), 'verify-health-record-'))
    const recordFile = path.join(recordDir, 'records', 'verify.json')

    const run = await runAction({
      urls: server.origin,
      'record-file': recordFile,
    })
    const written = readFileSync(recordFile, 'utf8')
    rmSync(recordDir, { recursive: true })

    expect(run.outcome).toBe('succeeded')
    expect(run.failures).toEqual([])
    expect(run.exitCode).toBeUndefined()
    expect(Object.keys(run.outputs).sort()).toEqual([...OUTPUT_NAMES].sort())
    expect(run.outputs.healthy).toBe('true')
    expect(run.outputs.attempts).toBe('1')
    expect(run.outputs['last-status']).toBe('200')
    expect(run.outputs['latency-p50-ms']).toMatch(/^\d+$/)
    expect(run.outputs['latency-p95-ms']).toMatch(/^\d+$/)
    expect(run.outputs['failure-reason']).toBe('')
    expect(run.outputs['rollback-json']).toBe('')

    const report = JSON.parse(run.outputs['report-json'] ?? '') as HealthReport
    expect(report.healthy).toBe(true)
    expect(report.urls[0]?.url).toBe(`${server.origin}/healthz`)
    expect(report.urls[0]?.attempts).toHaveLength(1)
    expect(report.settings.expected_status).toBe('200')

    const record = JSON.parse(
      run.outputs['record-json'] ?? '',
    ) as RecordFragment
    expect(record).toMatchObject({
      schema_version: 1,
      action: 'verify-health',
      stage: 'verify',
      status: 'succeeded',
    })
    expect(record.details?.healthy).toBe(true)
    expect(JSON.parse(written)).toEqual(record)

    expect(run.summary).toContain('## verify-health: healthy')
    expect(run.summary).toContain(
      '| URL | Verdict | Attempts | Last status | p50 ms | p95 ms | Reason |',
    )
    expect(run.summary).toContain(
      `| ${server.origin}/healthz | healthy | 1 | 200 |`,
    )
    expect(run.summary).toContain(`### ${server.origin}/healthz`)
    expect(run.lines).toContainEqual(
      expect.stringMatching(
        /^info: http:\/\/127\.0\.0\.1:\d+\/healthz attempt 1 of at most 31 \(\d+ ms elapsed\): HTTP 200 in [\d.]+ ms, success$/,
      ),
    )
  })

  it('fails an unhealthy run with every output set', async () => {
    const server = await serve((_request, response) => {
      response.statusCode = 503
      response.end()
    })

    const run = await runAction({ urls: server.origin, timeout: '400ms' })

    expect(run.outcome).toBe('failed')
    expect(run.exitCode).toBe(1)
    expect(run.failures).toHaveLength(1)
    expect(run.failures[0]).toMatch(
      /^Health check failed: http:\/\/127\.0\.0\.1:\d+\/healthz: no success after \d+ attempt\(s\) within timeout 400 ms; last failure: HTTP 503 Service Unavailable, expected 200$/,
    )
    expect(Object.keys(run.outputs).sort()).toEqual([...OUTPUT_NAMES].sort())
    expect(run.outputs.healthy).toBe('false')
    expect(run.outputs.attempts).toBe(String(server.requests))
    expect(run.outputs['last-status']).toBe('503')
    expect(run.outputs['latency-p50-ms']).toBe('')
    expect(run.outputs['failure-reason']).toBe(
      run.failures[0]?.replace('Health check failed: ', ''),
    )
    const record = JSON.parse(
      run.outputs['record-json'] ?? '',
    ) as RecordFragment
    expect(record.status).toBe('failed')
    expect(record.reason).toBe(run.outputs['failure-reason'])
    expect(run.summary).toContain('## verify-health: unhealthy')
    expect(run.summary).toContain('HTTP 503 Service Unavailable, expected 200')
    // runAction adds the failure line, so the summary paragraph leaves it out.
    expect(run.summary).not.toContain('Failure:')
    expect(run.elapsedMs).toBeLessThanOrEqual(400 + 300 + SLACK_MS)
  })

  it('leaves the deployment alone without rollback-on-failure', async () => {
    const server = await serve((_request, response) => {
      response.statusCode = 500
      response.end()
    })
    let rollbacks = 0

    const run = await runAction(
      {
        urls: server.origin,
        timeout: '400ms',
        'deployment-json': JSON.stringify(sampleDeploymentState()),
      },
      {
        rollback: async () => {
          rollbacks++
          throw new Error('rollback must not run')
        },
      },
    )

    expect(run.outcome).toBe('failed')
    expect(rollbacks).toBe(0)
    expect(run.outputs['rollback-json']).toBe('')
    expect(run.lines).toContain(
      'info: rollback-on-failure is false, so the deployment is left as it is',
    )
  })

  it('reports a failed rollback with the check failure', async () => {
    const server = await serve((_request, response) => {
      response.statusCode = 500
      response.end()
    })

    const run = await runAction(
      {
        urls: server.origin,
        timeout: '400ms',
        'rollback-on-failure': 'true',
        'deployment-json': JSON.stringify(sampleDeploymentState()),
      },
      {
        rollback: async () => {
          throw new Error('Listener not found')
        },
      },
      {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
      },
    )

    expect(run.outcome).toBe('failed')
    expect(run.failures[0]).toMatch(/\. Rollback failed: Listener not found$/)
    expect(JSON.parse(run.outputs['rollback-json'] ?? '')).toEqual({
      status: 'failed',
      error: 'Listener not found',
    })
    expect(run.summary).toContain('Rollback failed: Listener not found')
  })

  it('records a cancellation during the check', async () => {
    const server = await serve((_request, response) => {
      response.statusCode = 503
      response.end()
    })

    const run = await runAction(
      { urls: server.origin, timeout: '20s' },
      {},
      {},
      { sigtermAfterMs: 200 },
    )

    expect(run.outcome).toBe('cancelled')
    expect(run.exitCode).toBe(143)
    expect(run.failures).toEqual(['The action was cancelled by SIGTERM'])
    expect(run.elapsedMs).toBeLessThan(2000)
    expect(run.outputs.healthy).toBe('false')
    expect(run.outputs['failure-reason']).toBe(
      'The action was cancelled by SIGTERM',
    )
    const record = JSON.parse(
      run.outputs['record-json'] ?? '',
    ) as RecordFragment
    expect(record.status).toBe('cancelled')
    expect(run.outputs['last-status']).toBe('CANCELLED')
    expect(Number(run.outputs.attempts)).toBeGreaterThan(0)
    expect(Number(run.outputs.attempts)).toBeLessThanOrEqual(server.requests)
    const report = JSON.parse(run.outputs['report-json'] ?? '') as HealthReport
    expect(report.status).toBe('cancelled')
    expect(report.healthy).toBe(false)
    expect(report.urls[0]?.attempt_count).toBe(Number(run.outputs.attempts))
    expect(report.urls[0]?.last_status).toBe('503')
    expect(run.summary).toContain('## verify-health: cancelled')
  })

  it('masks Basic credentials echoed by the server', async () => {
    const server = await serve((request, response) => {
      const authorization = request.headers.authorization ?? ''
      response.writeHead(302, {
        location: `/login?a=${encodeURIComponent(authorization)}&b=${authorization.slice(6)}`,
      })
      response.end()
    })
    const url = server.origin.replace('//', '//bob:S3cretPw@')

    const run = await runAction({ urls: `${url}/echo`, timeout: '300ms' })

    const basic = Buffer.from('bob:S3cretPw').toString('base64')
    expect(run.outputs['last-status']).toBe('302')
    const printed = [
      ...run.lines,
      ...run.failures,
      ...Object.values(run.outputs),
      run.summary,
    ].join('\n')
    expect(printed).toContain('redirect to "/login?a=***&b=***"')
    expect(printed).not.toContain(basic)
    expect(printed).not.toContain(encodeURIComponent(basic))
  })

  it('masks secret query values echoed by the server', async () => {
    const server = await serve((request, response) => {
      response.writeHead(302, {
        location: `/login?next=${encodeURIComponent(request.url ?? '')}`,
      })
      response.end()
    })

    const run = await runAction({
      urls: `${server.origin}/healthz?token=QSECRET789`,
      timeout: '300ms',
    })

    expect(server.requests).toBeGreaterThanOrEqual(1)
    const printed = [
      ...run.lines,
      ...run.failures,
      ...Object.values(run.outputs),
      run.summary,
    ].join('\n')
    expect(printed).toContain('/healthz?token=***')
    expect(printed).not.toContain('QSECRET789')
  })

  it('keeps the verdict when record-file fails late', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'verify-health-record-'))
    const folder = path.join(dir, 'records')
    const server = await serve((_request, response) => {
      // Replace the prepared folder by a file, so the final write fails.
      rmSync(folder, { recursive: true, force: true })
      writeFileSync(folder, 'not a folder')
      response.end('ok')
    })

    const run = await runAction({
      urls: server.origin,
      'record-file': path.join(folder, 'verify.json'),
    })
    rmSync(dir, { recursive: true, force: true })

    expect(run.outcome).toBe('failed')
    expect(run.failures).toHaveLength(1)
    expect(run.failures[0]).toContain(
      `The check passed, but writing record-file ${folder}/verify.json failed (ENOTDIR)`,
    )
    expect(run.outputs.healthy).toBe('true')
    expect(run.outputs['last-status']).toBe('200')
    expect(JSON.parse(run.outputs['report-json'] ?? '')).toMatchObject({
      healthy: true,
    })
    expect(run.summary).toContain('## verify-health: healthy')
  })

  it('never prints a secret header or URL password', async () => {
    const token = 'tok-9f8e7d6c5b4a'
    const apiKey = 'key-0a1b2c3d4e5f'
    const password = 's3cr3t-pa55'
    const server = await serve((request, response) => {
      const basic = Buffer.from(`deployer:${password}`).toString('base64')
      const authorized =
        request.headers.authorization === `Basic ${basic}` &&
        request.headers['x-api-key'] === apiKey &&
        request.headers['x-session-token'] === token
      // A failing endpoint makes every failure path print the URL, and the
      // redirect puts the token into the printed Location.
      if (authorized) {
        response.writeHead(302, { location: `/login?token=${token}` })
      } else {
        response.writeHead(401)
      }
      response.end()
    })
    const url = server.origin.replace('//', `//deployer:${password}@`)

    const run = await runAction({
      urls: url,
      timeout: '300ms',
      headers: `X-Api-Key: ${apiKey}\nX-Session-Token: ${token}`,
    })

    expect(server.requests).toBeGreaterThanOrEqual(1)
    expect(run.outputs['last-status']).toBe('302')
    const printed = [
      ...run.lines,
      ...run.failures,
      ...Object.values(run.outputs),
      run.summary,
    ].join('\n')
    expect(printed).toContain(`http://***@127.0.0.1:${server.port}/healthz`)
    expect(printed).toContain('redirect to "/login?token=***"')
    for (const secret of [token, apiKey, password]) {
      expect(printed).not.toContain(secret)
    }
  })
})
