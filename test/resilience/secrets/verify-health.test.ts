// Secret canaries in verify-health: a bearer token and a URL password on
// the probed endpoint and the planted AWS keys in the environment, on a
// passing and a failing check.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  sendJson,
  startHttpServer,
  type TestServer,
} from '../../helpers/health-servers.js'
import { stackEnv } from '../../helpers/stack.js'
import { CANARIES } from './canaries.js'
import { runKeptStep } from './run-step.js'
import { canaryAwsEnv, expectNoCanaryHits, stepSources } from './suite.js'

const planted = {
  awsAccessKeyId: CANARIES.awsAccessKeyId,
  awsSecretAccessKey: CANARIES.awsSecretAccessKey,
  awsSessionToken: CANARIES.awsSessionToken,
  jwtSecret: CANARIES.jwtSecret,
  databasePassword: CANARIES.databasePassword,
}

describe('verify-health secret canaries', () => {
  let server: TestServer
  const workspaces: string[] = []

  beforeAll(async () => {
    server = await startHttpServer((request, response) => {
      const authorized =
        request.headers.authorization === `Bearer ${CANARIES.jwtSecret}`
      if (!authorized) {
        sendJson(response, 401, { status: 'unauthorized' })
      } else if (request.url?.startsWith('/down')) {
        sendJson(response, 503, { status: 'starting' })
      } else {
        sendJson(response, 200, { status: 'ok', version: '1.2.3' })
      }
    })
  })

  afterAll(async () => {
    await server.close()
    for (const dir of workspaces) rmSync(dir, { recursive: true, force: true })
  })

  async function check(pathname: string) {
    const workspace = mkdtempSync(path.join(tmpdir(), 'kit-secrets-vh-'))
    workspaces.push(workspace)
    const password = encodeURIComponent(CANARIES.databasePassword)
    const url = `http://shop:${password}@127.0.0.1:${server.port}${pathname}`
    return runKeptStep('verify-health', {
      workspace,
      env: stackEnv(canaryAwsEnv()),
      inputs: {
        urls: url,
        headers: `Authorization: Bearer ${CANARIES.jwtSecret}`,
        'expected-json': 'status=ok',
        'expected-version': '1.2.3',
        timeout: '3s',
        interval: '200ms',
        'attempt-timeout': '1s',
        'record-file': 'records/verify-health.json',
      },
    })
  }

  it('passing check leaks nothing', async () => {
    const step = await check('/healthz')
    try {
      expect(step.exitCode).toBe(0)
      expect(step.files['workspace/records/verify-health.json']).toContain(
        '"healthy"',
      )
      expectNoCanaryHits('verify-health pass', stepSources(step), planted)
    } finally {
      step.cleanup()
    }
  })

  it('failing check leaks nothing', async () => {
    const step = await check('/down')
    try {
      expect(step.exitCode).toBe(1)
      expect(step.stdout).toContain('::error::')
      expectNoCanaryHits('verify-health fail', stepSources(step), planted)
    } finally {
      step.cleanup()
    }
  })
})
