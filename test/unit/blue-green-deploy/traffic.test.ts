import { describe, expect, it } from '@jest/globals'
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2'
import { revisionsToDeregister } from '../../../actions/blue-green-deploy/src/cleanup.js'
import {
  trafficSteps,
  weightsFor,
  withWeights,
} from '../../../actions/blue-green-deploy/src/traffic.js'

const BLUE =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/b/1'
const GREEN =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/g/2'
const OTHER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/o/3'

describe('trafficSteps', () => {
  it('all-at-once is one final step', () => {
    expect(trafficSteps({ kind: 'all-at-once' }, 5000)).toEqual([
      { percent: 100, bakeMs: 5000 },
    ])
  })

  it('canary bakes then moves the rest', () => {
    expect(
      trafficSteps({ kind: 'canary', percent: 10, bakeMs: 2000 }, 0),
    ).toEqual([
      { percent: 10, bakeMs: 2000 },
      { percent: 100, bakeMs: 0 },
    ])
  })

  it('linear steps stop below 100', () => {
    expect(
      trafficSteps({ kind: 'linear', stepPercent: 30, bakeMs: 1000 }, 7).map(
        (step) => step.percent,
      ),
    ).toEqual([30, 60, 90, 100])
  })
})

describe('withWeights', () => {
  const actions: Action[] = [
    {
      Type: 'authenticate-oidc',
      Order: 1,
      AuthenticateOidcConfig: {
        Issuer: 'https://issuer.example',
        AuthorizationEndpoint: 'https://issuer.example/auth',
        TokenEndpoint: 'https://issuer.example/token',
        UserInfoEndpoint: 'https://issuer.example/user',
        ClientId: 'client',
        ClientSecret: 'secret-value',
      },
    },
    {
      Type: 'forward',
      Order: 2,
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: BLUE, Weight: 100 },
          { TargetGroupArn: GREEN, Weight: 0 },
          { TargetGroupArn: OTHER, Weight: 5 },
        ],
        TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 60 },
      },
    },
  ]
  const routing = {
    listenerArn: 'listener',
    blueTargetGroupArn: BLUE,
    greenTargetGroupArn: GREEN,
  }

  it('changes only the two colours', () => {
    const result = withWeights(actions, routing, weightsFor('green', 25))
    expect(result[1]?.ForwardConfig).toEqual({
      TargetGroups: [
        { TargetGroupArn: BLUE, Weight: 75 },
        { TargetGroupArn: GREEN, Weight: 25 },
        { TargetGroupArn: OTHER, Weight: 5 },
      ],
      TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 60 },
    })
    expect(result[1]?.Order).toBe(2)
    expect(result[0]?.AuthenticateOidcConfig?.ClientSecret).toBeUndefined()
    expect(result[0]?.AuthenticateOidcConfig?.UseExistingClientSecret).toBe(
      true,
    )
  })

  it('fails without a forward to both', () => {
    expect(() =>
      withWeights([actions[0] as Action], routing, weightsFor('blue', 100)),
    ).toThrow('no longer forwards to both target groups')
  })
})

describe('revisionsToDeregister', () => {
  const arn = (revision: number) =>
    `arn:aws:ecs:us-east-1:123456789012:task-definition/shop:${revision}`

  it('keeps the newest and the serving ones', () => {
    const arns = [1, 2, 3, 4, 5].map(arn)
    const result = revisionsToDeregister(arns, 2, new Set([arn(2)]))
    expect(result.deregister).toEqual([arn(3), arn(1)])
    expect(result.protectedArns).toEqual([arn(2)])
  })
})
