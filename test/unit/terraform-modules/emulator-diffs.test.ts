import { describe, expect, it } from '@jest/globals'
import { classifyChanges } from '../../helpers/emulator-diffs.js'
import type { PlanJson, ResourceChange } from '../../helpers/terraform-plan.js'

function plan(...changes: ResourceChange[]): PlanJson {
  return { format_version: '1.2', resource_changes: changes }
}

function update(
  type: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  afterUnknown: Record<string, unknown> = {},
): ResourceChange {
  return {
    address: `module.m.${type}.this`,
    mode: 'managed',
    type,
    name: 'this',
    change: { actions: ['update'], before, after, after_unknown: afterUnknown },
  }
}

describe('classifyChanges', () => {
  it('explains the ECS settings moto drops', () => {
    const [item] = classifyChanges(
      plan(
        update(
          'aws_ecs_service',
          {
            name: 's',
            health_check_grace_period_seconds: 0,
            enable_ecs_managed_tags: false,
            availability_zone_rebalancing: null,
          },
          {
            name: 's',
            health_check_grace_period_seconds: 30,
            enable_ecs_managed_tags: true,
            availability_zone_rebalancing: 'DISABLED',
          },
        ),
      ),
    )
    expect(item?.unexplained).toEqual([])
    expect(item?.explained.map((e) => e.diff.id).sort()).toEqual([
      'ecs-service-availability-zone-rebalancing',
      'ecs-service-grace-period',
      'ecs-service-managed-tags',
    ])
  })

  it('keeps a real drift unexplained', () => {
    const [item] = classifyChanges(
      plan(
        update(
          'aws_ecs_service',
          { desired_count: 2, task_definition: 'a:1' },
          { desired_count: 2, task_definition: 'a:2' },
        ),
      ),
    )
    expect(item?.unexplained).toEqual(['task_definition'])
  })

  it('rejects an allowed attribute with another shape', () => {
    const [item] = classifyChanges(
      plan(
        update(
          'aws_ecs_service',
          { health_check_grace_period_seconds: 60 },
          { health_check_grace_period_seconds: 30 },
        ),
      ),
    )
    expect(item?.unexplained).toEqual(['health_check_grace_period_seconds'])
  })

  it('rejects replacements and unknown values', () => {
    const replace: ResourceChange = {
      ...update('aws_ecs_service', { a: 1 }, { a: 1 }),
      change: { actions: ['delete', 'create'], before: {}, after: {} },
    }
    const unknown = update(
      'aws_db_parameter_group',
      { parameter: [] },
      { parameter: null },
      { parameter: true },
    )
    const [first, second] = classifyChanges(plan(replace, unknown))
    expect(first?.unexplained).toEqual(['action delete+create'])
    expect(second?.unexplained).toEqual(['parameter'])
  })

  it('explains lost CloudFront fields only', () => {
    const behaviour = {
      cache_policy_id: 'p',
      target_origin_id: 's3',
    }
    const before = {
      id: 'E1',
      default_cache_behavior: [
        { ...behaviour, forwarded_values: [{ query_string: false }] },
      ],
      origin: [
        { origin_id: 's3', origin_access_control_id: '' },
        { origin_id: 'api', origin_access_control_id: '' },
      ],
      viewer_certificate: [
        {
          cloudfront_default_certificate: true,
          ssl_support_method: 'sni-only',
        },
      ],
    }
    const after = {
      id: 'E1',
      default_cache_behavior: [{ ...behaviour, forwarded_values: [] }],
      origin: [
        { origin_id: 'api', origin_access_control_id: null },
        { origin_id: 's3', origin_access_control_id: 'OAC1' },
      ],
      viewer_certificate: [
        { cloudfront_default_certificate: true, ssl_support_method: null },
      ],
    }
    const [clean] = classifyChanges(
      plan(update('aws_cloudfront_distribution', before, after)),
    )
    expect(clean?.unexplained).toEqual([])

    const drifted = {
      ...after,
      default_cache_behavior: [
        { ...behaviour, target_origin_id: 'api', forwarded_values: [] },
      ],
    }
    const [real] = classifyChanges(
      plan(update('aws_cloudfront_distribution', before, drifted)),
    )
    expect(real?.unexplained).toEqual(['default_cache_behavior'])
  })

  it('skips no-op changes', () => {
    const noop: ResourceChange = {
      ...update('aws_vpc', {}, {}),
      change: { actions: ['no-op'], before: {}, after: {} },
    }
    expect(classifyChanges(plan(noop))).toEqual([])
  })
})
