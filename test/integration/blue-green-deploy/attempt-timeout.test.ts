// Runs the blue-green-deploy and build-artifacts bundles against an AWS
// endpoint that accepts connections and never responds: attempt-timeout
// must end each request attempt, so the step fails after its retries
// instead of waiting for the step's own timeout.
import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { runBundle } from '../../helpers/action-inputs.js'
import {
  startHangingServer,
  type HangingServer,
} from '../../helpers/health-servers.js'

const servers: HangingServer[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

/** Environment of a step whose every AWS endpoint is the silent server, with two attempts per request. */
function silentAwsEnv(server: HangingServer): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL: server.origin,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '2',
    NODE_NO_WARNINGS: '1',
  }
}

// The step's own timeout is 10 minutes and the bundle is killed after 60 s,
// so a request that attempt-timeout does not end shows up as timedOut.
const BUNDLE_LIMIT_MS = 60_000

describe('attempt-timeout', () => {
  it('ends blue-green-deploy requests', async () => {
    const server = await startHangingServer()
    servers.push(server)

    const run = await runBundle('blue-green-deploy', {
      env: silentAwsEnv(server),
      timeoutMs: BUNDLE_LIMIT_MS,
      inputs: {
        cluster: 'shop-production',
        service: 'api',
        'listener-arn':
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/0123456789abcdef/0123456789abcdef',
        'container-name': 'app',
        image: `127.0.0.1:5000/shop/api@sha256:${'c3'.repeat(32)}`,
        'lock-bucket': 'shop-state',
        'attempt-timeout': '500ms',
        timeout: '10m',
        'run-id': 'attempt-timeout-test',
      },
    })

    expect(run.timedOut).toBe(false)
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/::error::.*500 ms requestTimeout/)
    expect(run.stdout).toMatch(/failed \(attempt 1 of 2\).*retrying/)
    expect(server.connections).toBeGreaterThanOrEqual(2)
    expect(run.outputs['record-json']).toContain('"status":"failed"')
  })

  it('ends build-artifacts ECR requests', async () => {
    const server = await startHangingServer()
    servers.push(server)
    const workspace = mkdtempSync(path.join(tmpdir(), 'kit-attempt-timeout-'))
    writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM scratch\n')
    try {
      const run = await runBundle('build-artifacts', {
        env: silentAwsEnv(server),
        cwd: workspace,
        timeoutMs: BUNDLE_LIMIT_MS,
        inputs: {
          mode: 'image',
          'ecr-repository': 'shop/api',
          'image-tag': 'v1',
          'commit-sha': '0123456789abcdef0123456789abcdef01234567',
          'attempt-timeout': '500ms',
          timeout: '10m',
          'run-id': 'attempt-timeout-test',
        },
      })

      expect(run.timedOut).toBe(false)
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toMatch(
        /::error::.*ECR GetAuthorizationToken.*500 ms requestTimeout/,
      )
      expect(server.connections).toBeGreaterThanOrEqual(2)
    } finally {
      rmSync(workspace, { recursive: true, force: true })
    }
  })
})
