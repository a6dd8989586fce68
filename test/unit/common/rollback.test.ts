import { describe, expect, it } from '@jest/globals'
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2'
import type { DeploymentState } from '../../../common/contracts/records.js'
import type { ECSClient } from '@aws-sdk/client-ecs'
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { Deadline } from '../../../common/deadline.js'
import { memoryLogger } from '../../../common/log.js'
import {
  parseDeploymentState,
  readWeights,
  rollbackDeployment,
  sameSplit,
  withRestoredWeights,
} from '../../../common/rollback.js'
import { sampleDeploymentState } from '../../helpers/verify-health.js'

const state = sampleDeploymentState() as unknown as DeploymentState
const BLUE = state.blue.target_group_arn
const GREEN = state.green.target_group_arn

function fail(expected: string): never {
  throw new Error(expected)
}

describe('withRestoredWeights', () => {
  it('keeps other actions and the OIDC secret', () => {
    const actions: Action[] = [
      {
        Type: 'authenticate-oidc',
        Order: 1,
        AuthenticateOidcConfig: {
          Issuer: 'https://issuer.test',
          AuthorizationEndpoint: 'https://issuer.test/auth',
          TokenEndpoint: 'https://issuer.test/token',
          UserInfoEndpoint: 'https://issuer.test/userinfo',
          ClientId: 'kit',
        },
      },
      {
        Type: 'forward',
        Order: 2,
        TargetGroupArn: undefined,
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: BLUE, Weight: 0 },
            { TargetGroupArn: GREEN, Weight: 100 },
          ],
          TargetGroupStickinessConfig: { Enabled: false },
        },
      },
    ]

    const restored = withRestoredWeights(actions, state)

    expect(restored[0]).toEqual({
      ...actions[0],
      AuthenticateOidcConfig: {
        ...actions[0]?.AuthenticateOidcConfig,
        UseExistingClientSecret: true,
      },
    })
    expect(restored[1]).toEqual({
      Type: 'forward',
      Order: 2,
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: BLUE, Weight: 100 },
          { TargetGroupArn: GREEN, Weight: 0 },
        ],
        TargetGroupStickinessConfig: { Enabled: false },
      },
    })
  })

  it('expands a single target group forward', () => {
    const actions: Action[] = [{ Type: 'forward', TargetGroupArn: GREEN }]

    expect(readWeights(actions, state)).toEqual({ blue: 0, green: 1 })
    expect(withRestoredWeights(actions, state)).toEqual([
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: GREEN, Weight: 0 },
            { TargetGroupArn: BLUE, Weight: 100 },
          ],
        },
      },
    ])
  })
})

describe('sameSplit', () => {
  it.each([
    [{ blue: 100, green: 0 }, { blue: 1, green: 0 }, true],
    [{ blue: 50, green: 50 }, { blue: 1, green: 1 }, true],
    [{ blue: 90, green: 10 }, { blue: 100, green: 0 }, false],
    [{ blue: 0, green: 0 }, { blue: 100, green: 0 }, false],
    [{ blue: 0, green: 0 }, { blue: 0, green: 0 }, true],
  ])('compares %j with %j', (a, b, expected) => {
    expect(sameSplit(a, b)).toBe(expected)
  })
})

describe('parseDeploymentState', () => {
  it('accepts the blue-green-deploy output', () => {
    expect(parseDeploymentState(sampleDeploymentState(), fail)).toEqual(
      sampleDeploymentState(),
    )
  })

  it.each([
    ['a JSON array', [], 'It must be a JSON object'],
    [
      'schema version 2',
      { ...sampleDeploymentState(), schema_version: 2 },
      'Field schema_version must be 1, found 2',
    ],
    [
      'a blank cluster',
      { ...sampleDeploymentState(), cluster: ' ' },
      'Field cluster must be a non-empty string',
    ],
    [
      'a target without ARN',
      { ...sampleDeploymentState(), green: { service: 'g' } },
      'Field green.target_group_arn must be a target group ARN',
    ],
    [
      'a malformed rule ARN',
      { ...sampleDeploymentState(), rule_arn: 'rule-1' },
      'Field rule_arn, when present, must be a listener rule ARN',
    ],
    [
      'an unknown colour',
      { ...sampleDeploymentState(), live_colour_before: 'red' },
      'Field live_colour_before must be blue or green',
    ],
    [
      'a fractional count',
      { ...sampleDeploymentState(), previous_desired_count: 1.5 },
      'Field previous_desired_count must be an integer of 0 or more',
    ],
    [
      'a numeric task definition',
      { ...sampleDeploymentState(), previous_task_definition_arn: 7 },
      'Field previous_task_definition_arn must be a string or null',
    ],
  ])('rejects %s', (_name, value, message) => {
    expect(() => parseDeploymentState(value, fail)).toThrow(
      `${message}. Pass the deployment-json output of blue-green-deploy unchanged.`,
    )
  })
})

describe('rollbackDeployment errors', () => {
  it('names the failing AWS call', async () => {
    const notFound = Object.assign(
      new Error('One or more listeners not found'),
      { name: 'ListenerNotFoundException', $metadata: {} },
    )
    const elbv2 = {
      send: async () => {
        throw notFound
      },
    } as unknown as ElasticLoadBalancingV2Client
    const ecs = {} as unknown as ECSClient

    const attempt = rollbackDeployment(state, {
      ecs,
      elbv2,
      logger: memoryLogger(),
      deadline: Deadline.start({ stage: 'rollback', timeoutMs: 10_000 }),
    })

    await expect(attempt).rejects.toThrow(
      /^DescribeListeners failed: ListenerNotFoundException: One or more listeners not found$/,
    )
    await expect(attempt).rejects.toHaveProperty('cause', notFound)
  })
})
