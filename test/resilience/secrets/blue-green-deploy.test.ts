// Secret canaries in blue-green-deploy: secret values in the task definition
// file's environment and in the environment-variables input, and the planted
// AWS keys, on a deploy that succeeds and one that fails verification and
// rolls back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  createDeployFixture,
  IMAGE,
  type DeployFixture,
} from '../../helpers/blue-green-deploy.js'
import {
  resetEngineConfig,
  setConvergeSeconds,
} from '../../helpers/ecs-engine.js'
import {
  startHttpServer,
  type TestServer,
} from '../../helpers/health-servers.js'
import { stackEnv } from '../../helpers/stack.js'
import { parseCommandFile } from '../../../common/outputs.js'
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { CANARIES } from './canaries.js'
import { runKeptStep } from './run-step.js'
import { canaryAwsEnv, expectNoCanaryHits, stepSources } from './suite.js'

const planted = {
  awsAccessKeyId: CANARIES.awsAccessKeyId,
  awsSecretAccessKey: CANARIES.awsSecretAccessKey,
  awsSessionToken: CANARIES.awsSessionToken,
  taskEnvironmentSecret: CANARIES.taskEnvironmentSecret,
  jwtSecret: CANARIES.jwtSecret,
  databasePassword: CANARIES.databasePassword,
}

/** Task definition file with secret-looking values in its environment. */
function taskDefinition(family: string, logGroup: string): string {
  return JSON.stringify({
    family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      {
        name: 'api',
        image: IMAGE,
        essential: true,
        portMappings: [{ containerPort: 3000 }],
        environment: [
          { name: 'PAYMENT_API_KEY', value: CANARIES.taskEnvironmentSecret },
          { name: 'JWT_SECRET', value: CANARIES.jwtSecret },
        ],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': logGroup,
            'awslogs-region': 'us-east-1',
            'awslogs-stream-prefix': 'api',
          },
        },
      },
    ],
  })
}

describe('blue-green-deploy secret canaries', () => {
  let fixture: DeployFixture
  let failing: TestServer
  const workspaces: string[] = []

  beforeAll(async () => {
    await setConvergeSeconds(0.6)
    fixture = await createDeployFixture()
    failing = await startHttpServer((_request, response) => {
      response.statusCode = 500
      response.end('broken')
    })
  }, 120_000)

  afterAll(async () => {
    await failing.close()
    fixture.destroy()
    await resetEngineConfig()
    for (const dir of workspaces) rmSync(dir, { recursive: true, force: true })
  })

  async function deploy(overrides: Record<string, string> = {}) {
    const workspace = mkdtempSync(path.join(tmpdir(), 'kit-secrets-bg-'))
    workspaces.push(workspace)
    writeFileSync(
      path.join(workspace, 'taskdef.json'),
      taskDefinition(fixture.family, fixture.logGroup),
    )
    return runKeptStep('blue-green-deploy', {
      workspace,
      plantedFiles: ['taskdef.json'],
      env: stackEnv(canaryAwsEnv()),
      inputs: {
        ...fixture.inputs,
        'task-definition': 'taskdef.json',
        // A secret-looking value under a plain name: ECS stores it, and
        // the action must not print it.
        'environment-variables': `DATABASE_URL=postgres://shop:${CANARIES.databasePassword}@db.internal/shop`,
        'record-file': 'records/blue-green-deploy.json',
        ...overrides,
      },
    })
  }

  it('deploy leaks nothing', async () => {
    const step = await deploy()
    try {
      expect(step.exitCode).toBe(0)
      const outputs = parseCommandFile(step.files['runner/output'] ?? '')
      // The planted values reached ECS, so the search below is meaningful.
      const registered = await fixture.stack.ecs.send(
        new DescribeTaskDefinitionCommand({
          taskDefinition: outputs['task-definition-arn'],
        }),
      )
      const environment = JSON.stringify(
        registered.taskDefinition?.containerDefinitions?.[0]?.environment,
      )
      expect(environment).toContain(CANARIES.taskEnvironmentSecret)
      expect(environment).toContain(CANARIES.databasePassword)
      expect(
        step.files['workspace/records/blue-green-deploy.json'],
      ).toBeDefined()
      expectNoCanaryHits('blue-green-deploy deploy', stepSources(step), planted)
    } finally {
      step.cleanup()
    }
  }, 180_000)

  it('rolled-back deploy leaks nothing', async () => {
    const step = await deploy({
      'verify-urls': `${failing.origin}/healthz`,
      'verify-timeout': '5s',
    })
    try {
      expect(step.exitCode).toBe(1)
      expect(step.files['runner/output']).toContain('rolled-back')
      expectNoCanaryHits(
        'blue-green-deploy rollback',
        stepSources(step),
        planted,
      )
    } finally {
      step.cleanup()
    }
  }, 180_000)
})
