import { describe, expect, it } from '@jest/globals'
import {
  cleanTaskDefinition,
  ContainerNotFoundError,
  renderTaskDefinition,
} from '../../../actions/blue-green-deploy/src/task-definition.js'

const DIGEST_IMAGE = `repo/api@sha256:${'e5'.repeat(32)}`
const JWT_ARN =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/jwt-AbCdEf'

function described(): Record<string, unknown> {
  return {
    taskDefinition: {
      taskDefinitionArn:
        'arn:aws:ecs:us-east-1:123456789012:task-definition/shop:7',
      family: 'shop',
      revision: 7,
      status: 'ACTIVE',
      compatibilities: ['EC2', 'FARGATE'],
      requiresAttributes: [
        { name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' },
      ],
      registeredAt: '2026-12-01T00:00:00.000Z',
      registeredBy: 'arn:aws:iam::123456789012:role/deployer',
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      proxyConfiguration: null,
      volumes: [],
      placementConstraints: [],
      containerDefinitions: [
        {
          name: 'api',
          image: 'repo/api:old',
          cpu: 0,
          essential: true,
          environment: [
            { name: 'NODE_ENV', value: 'production' },
            { name: 'JWT_SECRET', value: 'plain-value' },
            { name: 'EMPTY', value: '' },
          ],
          mountPoints: [],
          healthCheck: null,
          linuxParameters: {},
          dockerLabels: { team: '', tier: 'web' },
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/ecs/shop',
              'awslogs-multiline-pattern': '',
            },
            secretOptions: [],
          },
        },
        { name: 'sidecar', image: 'repo/proxy:1', essential: false },
      ],
    },
    tags: [{ key: 'env', value: 'prod' }],
    $metadata: { httpStatusCode: 200 },
  }
}

describe('cleanTaskDefinition', () => {
  it('removes read-only keys and nulls', () => {
    const { taskDefinition, removed } = cleanTaskDefinition(described())
    expect(Object.keys(taskDefinition).sort()).toEqual([
      'containerDefinitions',
      'cpu',
      'family',
      'memory',
      'networkMode',
      'tags',
    ])
    expect(removed).toEqual(
      expect.arrayContaining([
        '$metadata (part of the DescribeTaskDefinition response)',
        'taskDefinitionArn (read-only)',
        'revision (read-only)',
        'status (read-only)',
        'compatibilities (read-only)',
        'requiresAttributes (read-only)',
        'registeredAt (read-only)',
        'registeredBy (read-only)',
        'proxyConfiguration (null)',
        'volumes (empty list)',
        'placementConstraints (empty list)',
        'containerDefinitions[0].healthCheck (null)',
        'containerDefinitions[0].linuxParameters (empty object)',
        'containerDefinitions[0].mountPoints (empty list)',
        'containerDefinitions[0].logConfiguration.secretOptions (empty list)',
      ]),
    )
  })

  it('keeps free-form map values', () => {
    const { taskDefinition } = cleanTaskDefinition(described())
    const [api] = taskDefinition.containerDefinitions as Array<
      Record<string, Record<string, unknown>>
    >
    expect(api?.logConfiguration?.options).toEqual({
      'awslogs-group': '/ecs/shop',
      'awslogs-multiline-pattern': '',
    })
    expect(api?.dockerLabels).toEqual({ team: '', tier: 'web' })
    expect(api?.environment).toContainEqual({ name: 'EMPTY', value: '' })
  })

  it('accepts a bare task definition', () => {
    const { taskDefinition, removed } = cleanTaskDefinition({
      family: 'shop',
      containerDefinitions: [{ name: 'api', image: 'x' }],
      unknownKey: 1,
    })
    expect(taskDefinition).toEqual({
      family: 'shop',
      containerDefinitions: [{ name: 'api', image: 'x' }],
    })
    expect(removed).toEqual([
      'unknownKey (not a RegisterTaskDefinition parameter)',
    ])
  })

  it('rejects a non-object', () => {
    expect(() => cleanTaskDefinition([])).toThrow('must be a JSON object')
  })
})

describe('renderTaskDefinition', () => {
  it('sets image, environment and secrets', () => {
    const { input, changes } = renderTaskDefinition(described(), {
      containerName: 'api',
      image: DIGEST_IMAGE,
      environment: [['LOG_LEVEL', 'debug']],
      secrets: [['JWT_SECRET', JWT_ARN]],
    })
    const api = input.containerDefinitions?.[0]
    expect(api?.image).toBe(DIGEST_IMAGE)
    expect(api?.environment).toEqual([
      { name: 'NODE_ENV', value: 'production' },
      { name: 'EMPTY', value: '' },
      { name: 'LOG_LEVEL', value: 'debug' },
    ])
    expect(api?.secrets).toEqual([{ name: 'JWT_SECRET', valueFrom: JWT_ARN }])
    expect(input.containerDefinitions?.[1]?.image).toBe('repo/proxy:1')
    expect(changes).toContain('environment JWT_SECRET removed (now a secret)')
    expect(changes.join('\n')).not.toMatch(/plain-value|debug/)
  })

  it('names the containers when one is missing', () => {
    expect(() =>
      renderTaskDefinition(described(), {
        containerName: 'web',
        image: DIGEST_IMAGE,
        environment: [],
        secrets: [],
      }),
    ).toThrow(new ContainerNotFoundError('web', 'api, sidecar'))
  })
})
