// build-artifacts image mode with its ECR API calls (authorization token,
// repository and image look-ups, scan start and findings) through the fault
// proxy. The image itself goes to the local registry with podman, and the
// action runs in this process the way its integration tests run it.
import { rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from '@jest/globals'
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr'
import { runTool } from '../../../local-stack/processes.js'
import { errorMessage } from '../../../common/errors.js'
import {
  makeWorkspace,
  runBuildArtifacts,
  writeTree,
  type BuildArtifactsRun,
} from '../../helpers/build-artifacts.js'
import type { FaultProxy, FaultRule } from '../../helpers/fault-proxy.js'
import { awsClient, uniqueName } from '../../helpers/fixtures.js'
import { baseImage, registryAddress, stackEnv } from '../../helpers/stack.js'
import {
  motoProxy,
  recordPersistent,
  recordSurvival,
  survivalRuns,
  transientRules,
} from './fault-run.js'

const TAG = 'faults0123456789abcdef0123456789abcdef01'
const DOCKERFILE = `ARG BASE_IMAGE
FROM \${BASE_IMAGE}
COPY server.js /app/server.js
HEALTHCHECK --interval=5s CMD node -e "process.exit(0)"
CMD ["node", "/app/server.js"]
`
const workspaces: string[] = []
const builtImages: string[] = []
const proxies: FaultProxy[] = []

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
})

afterAll(async () => {
  for (const reference of builtImages) {
    await runTool('docker', ['rmi', '--force', reference], { env: stackEnv() })
  }
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true })
})

async function proxy(rules: FaultRule[], seedOffset = 0) {
  const started = await motoProxy(rules, seedOffset)
  proxies.push(started)
  return started
}

async function createRepository(): Promise<string> {
  const name = `kit-faults/${uniqueName('api')}`
  const ecr = awsClient(ECRClient)
  try {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: name }))
  } finally {
    ecr.destroy()
  }
  return name
}

async function buildImage(
  through: FaultProxy,
  repository: string,
): Promise<BuildArtifactsRun> {
  const workspace = makeWorkspace('faults-image-')
  workspaces.push(workspace)
  writeTree(path.join(workspace, 'backend'), {
    Dockerfile: DOCKERFILE,
    'server.js': 'console.log("fault test")\n',
  })
  builtImages.push(`${registryAddress()}/${repository}:${TAG}`)
  return runBuildArtifacts(
    workspace,
    {
      mode: 'image',
      'ecr-repository': repository,
      context: 'backend',
      'build-args': `BASE_IMAGE=${baseImage()}`,
      'image-tag': TAG,
      'scan-timeout': '30s',
      timeout: '120s',
    },
    { AWS_ENDPOINT_URL: through.url },
  )
}

function comparable(run: BuildArtifactsRun) {
  return {
    error: run.error === undefined ? undefined : errorMessage(run.error),
    digest: run.outputs['image-digest'],
    size: run.outputs['image-size-bytes'],
    scan: run.outputs['scan-status'],
    findings: run.outputs['scan-findings-json'],
    status: run.record?.status,
  }
}

describe('build-artifacts image under faults', () => {
  it('survives 20% transient faults on ECR calls', async () => {
    const clean = await proxy([])
    const expected = comparable(
      await buildImage(clean, await createRepository()),
    )
    expect(expected.error).toBeUndefined()
    expect(expected.scan).toBe('passed')
    expect(clean.requestCount).toBeGreaterThan(0)

    for (let run = 0; run < survivalRuns(); run += 1) {
      // An image push makes a handful of ECR calls, so the first scan
      // start and the first findings read fail for certain on top of the
      // random share.
      const faulty = await proxy(
        [
          {
            name: 'first StartImageScan',
            service: 'ecr',
            operation: 'StartImageScan',
            fault: 'server-error',
            firstN: 1,
          },
          {
            name: 'first DescribeImageScanFindings',
            service: 'ecr',
            operation: 'DescribeImageScanFindings',
            fault: 'throttle',
            firstN: 1,
          },
          ...transientRules(),
        ],
        run,
      )
      const actual = comparable(
        await buildImage(faulty, await createRepository()),
      )
      recordSurvival(
        'build-artifacts image (ECR calls)',
        faulty,
        actual.error === undefined,
      )
      expect(faulty.injected.length).toBeGreaterThan(0)
      expect(actual).toEqual(expected)
    }
  }, 300_000)

  it('fails cleanly on persistent scan-findings faults', async () => {
    const faulty = await proxy([
      {
        name: 'findings',
        service: 'ecr',
        operation: 'DescribeImageScanFindings',
        fault: 'throttle',
      },
    ])
    const started = Date.now()
    const run = await buildImage(faulty, await createRepository())
    const elapsedMs = Date.now() - started
    const message = run.error === undefined ? '' : errorMessage(run.error)
    recordPersistent(
      'build-artifacts image, persistent ECR DescribeImageScanFindings Throttling',
      run.error !== undefined &&
        /ECR DescribeImageScanFindings/.test(message) &&
        run.outputs['scan-status'] !== 'passed',
      `failed after ${elapsedMs} ms, ${faulty.injected.length} faults: ${message}`,
    )
    expect(message).toContain('ECR DescribeImageScanFindings')
    expect(message).toContain('ThrottlingException')
    expect(elapsedMs).toBeLessThan(120_000)
    // The scan gate did not pass an image whose findings were never read.
    expect(run.outputs['scan-status']).not.toBe('passed')
    expect(run.record?.status).not.toBe('succeeded')
  }, 300_000)
})
