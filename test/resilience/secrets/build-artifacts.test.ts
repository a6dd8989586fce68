// Secret canaries in build-artifacts: the registry password that ECR's
// GetAuthorizationToken returns, the planted AWS keys, and a key committed
// into the frontend build. The runs are an image and frontend build, a
// publish, and a frontend scan that fails on the committed key.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  CreateRepositoryCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr'
import { writeTree } from '../../helpers/build-artifacts.js'
import { awsClient, createBucket, uniqueName } from '../../helpers/fixtures.js'
import { baseImage, stackEnv } from '../../helpers/stack.js'
import { CANARIES } from './canaries.js'
import { runKeptStep } from './run-step.js'
import { canaryAwsEnv, expectNoCanaryHits, stepSources } from './suite.js'

const COMMIT = '0123456789abcdef0123456789abcdef01234567'
const DOCKERFILE = `ARG BASE_IMAGE
FROM \${BASE_IMAGE}
COPY server.js /app/server.js
HEALTHCHECK --interval=5s CMD node -e "process.exit(0)"
CMD ["node", "/app/server.js"]
`
const SITE = {
  'dist/index.html': '<!doctype html><title>shop</title>',
  'dist/assets/app.3f9a1c2b.js': 'console.log("shop")',
}

const awsCanaries = {
  awsAccessKeyId: CANARIES.awsAccessKeyId,
  awsSecretAccessKey: CANARIES.awsSecretAccessKey,
  awsSessionToken: CANARIES.awsSessionToken,
}

/** Returns the password part of the token ECR issues to the planted keys. */
async function registryPassword(): Promise<string> {
  const ecr = awsClient(ECRClient)
  try {
    const output = await ecr.send(new GetAuthorizationTokenCommand({}))
    const token = output.authorizationData?.[0]?.authorizationToken ?? ''
    const decoded = Buffer.from(token, 'base64').toString('utf8')
    return decoded.slice(decoded.indexOf(':') + 1)
  } finally {
    ecr.destroy()
  }
}

describe('build-artifacts secret canaries', () => {
  const workspaces: string[] = []

  afterAll(() => {
    for (const dir of workspaces) rmSync(dir, { recursive: true, force: true })
  })

  function workspaceWith(files: Record<string, string>): string {
    const workspace = mkdtempSync(path.join(tmpdir(), 'kit-secrets-ba-'))
    workspaces.push(workspace)
    writeTree(workspace, files)
    return workspace
  }

  describe('image and frontend build', () => {
    let repository: string
    let password: string

    beforeAll(async () => {
      repository = `kit-secrets/${uniqueName('api')}`
      const ecr = awsClient(ECRClient)
      try {
        await ecr.send(
          new CreateRepositoryCommand({ repositoryName: repository }),
        )
      } finally {
        ecr.destroy()
      }
      password = await registryPassword()
    })

    it('registry password is stable', async () => {
      expect(password.length).toBeGreaterThanOrEqual(12)
      expect(await registryPassword()).toBe(password)
    })

    it('build leaks nothing', async () => {
      const workspace = workspaceWith({
        'backend/Dockerfile': DOCKERFILE,
        'backend/server.js': 'console.log("v1")\n',
        ...SITE,
      })
      const step = await runKeptStep('build-artifacts', {
        workspace,
        env: stackEnv(canaryAwsEnv()),
        inputs: {
          mode: 'all',
          'ecr-repository': repository,
          context: 'backend',
          'build-args': `BASE_IMAGE=${baseImage()}`,
          'frontend-dir': 'dist',
          'run-id': '401',
          'commit-sha': COMMIT,
          'image-tag': 'v1',
        },
        timeoutMs: 300_000,
      })
      try {
        expect(step.exitCode).toBe(0)
        expect(step.files['runner/output']).toContain('image-digest')
        expectNoCanaryHits(
          'build-artifacts image and frontend',
          stepSources(step),
          {
            ...awsCanaries,
            registryPassword: password,
          },
        )
      } finally {
        step.cleanup()
      }
    }, 320_000)
  })

  it('publish leaks nothing', async () => {
    const bucket = await createBucket()
    const workspace = workspaceWith(SITE)
    const step = await runKeptStep('build-artifacts', {
      workspace,
      env: stackEnv(canaryAwsEnv()),
      inputs: {
        mode: 'publish',
        'frontend-dir': 'dist',
        'frontend-bucket': bucket,
        'run-id': '402',
        'commit-sha': COMMIT,
        'image-tag': 'v1',
      },
    })
    try {
      expect(step.exitCode).toBe(0)
      expect(step.files['runner/output']).toContain('uploaded-count')
      expectNoCanaryHits(
        'build-artifacts publish',
        stepSources(step),
        awsCanaries,
      )
    } finally {
      step.cleanup()
    }
  }, 120_000)

  it('failed secret scan leaks nothing', async () => {
    const workspace = workspaceWith({
      ...SITE,
      'dist/assets/config.js': `export const aws = { accessKeyId: "${CANARIES.awsAccessKeyId}", secretAccessKey: "${CANARIES.awsSecretAccessKey}" }\n`,
    })
    const step = await runKeptStep('build-artifacts', {
      workspace,
      plantedFiles: ['dist/assets/config.js'],
      env: stackEnv(canaryAwsEnv()),
      inputs: {
        mode: 'frontend',
        'frontend-dir': 'dist',
        'run-id': '403',
        'commit-sha': COMMIT,
        'image-tag': 'v1',
      },
    })
    try {
      expect(step.exitCode).toBe(1)
      expect(step.stdout).toContain('config.js')
      expectNoCanaryHits(
        'build-artifacts failed scan',
        stepSources(step),
        awsCanaries,
      )
    } finally {
      step.cleanup()
    }
  }, 120_000)
})
