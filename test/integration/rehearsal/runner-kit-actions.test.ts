// The runner with the kit's committed bundles: build-artifacts publishes
// an artifact that crossed jobs to moto's S3, and verify-health probes a
// real HTTP server.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runWorkflow } from '../../../rehearsal/runner/index.js'
import type { RunnerEvent } from '../../../rehearsal/runner/types.js'
import { REPOSITORY_ROOT } from '../../helpers/action-metadata.js'
import { createBucket, listKeys } from '../../helpers/fixtures.js'
import { stackEnv } from '../../helpers/stack.js'

const FIXTURES = join(
  dirname(fileURLToPath(import.meta.url)),
  'runner-fixtures',
)
let server: Server
let healthUrl: string
let workDir: string

/** Returns the variables the stack adds to this process's environment (endpoint, region, tools). */
function stackVariables(): Record<string, string> {
  const variables: Record<string, string> = {}
  for (const [name, value] of Object.entries(stackEnv())) {
    if (value !== undefined && process.env[name] !== value) {
      variables[name] = value
    }
  }
  return variables
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'runner-kit-'))
  server = createServer((request, response) => {
    const healthy = request.url === '/healthz'
    response.writeHead(healthy ? 200 : 404, {
      'content-type': 'application/json',
    })
    response.end(JSON.stringify({ status: healthy ? 'ok' : 'missing' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  healthUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  rmSync(workDir, { recursive: true, force: true })
})

describe('runner with kit bundles', () => {
  it('publishes an artifact and verifies health', async () => {
    const bucket = await createBucket()
    const events: RunnerEvent[] = []
    const env = stackVariables()
    const result = await runWorkflow({
      workflowPath: join(FIXTURES, 'publish-and-verify.yml'),
      inputs: { bucket, 'health-url': healthUrl },
      secrets: {
        AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID ?? 'testing',
        AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY ?? 'testing',
      },
      repositoryDir: join(FIXTURES, 'app'),
      kitDir: REPOSITORY_ROOT,
      workDir,
      env,
      github: { workflow_repository: 'acme/deploy-kit', run_id: '77' },
      onEvent: (event) => events.push(event),
    })
    const failures = result.jobs
      .filter((job) => job.conclusion !== 'success')
      .map((job) => `${job.id}: ${job.error ?? ''}`)

    expect(failures).toEqual([])
    expect(result.conclusion).toBe('success')
    expect(result.outputs).toEqual({ 'uploaded-count': '2', healthy: 'true' })
    expect(await listKeys(bucket)).toEqual(['assets/main.js', 'index.html'])
    expect(result.artifacts.map((artifact) => artifact.name)).toEqual(['site'])
    const publish = result.jobs.find((job) => job.id === 'publish')
    expect(
      publish?.steps.find((step) => step.id === 'publish')?.summary,
    ).toBeTruthy()
    const verifyLines = events.flatMap((event) =>
      event.type === 'log' && event.job === 'verify' ? [event.line] : [],
    )
    expect(verifyLines.join('\n')).toContain(healthUrl)
  })
})
