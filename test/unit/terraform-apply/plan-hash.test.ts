import { describe, expect, it } from '@jest/globals'
import {
  canonicalJson,
  canonicalPlan,
  planHash,
  SENSITIVE_MARKER,
  UNKNOWN_MARKER,
} from '../../../actions/terraform-apply/src/plan-hash.js'
import type { PlanJson } from '../../../actions/terraform-apply/src/plan-json.js'

function plan(overrides: Partial<PlanJson> = {}): PlanJson {
  return {
    format_version: '1.2',
    terraform_version: '1.11.4',
    timestamp: '2026-12-04T10:00:00Z',
    prior_state: { values: { root_module: {} } },
    resource_changes: [
      {
        address: 'aws_s3_bucket.site',
        type: 'aws_s3_bucket',
        change: {
          actions: ['update'],
          before: { bucket: 'site', tags: { a: '1' } },
          after: { tags: { a: '2' }, bucket: 'site' },
          after_unknown: { arn: true },
          before_sensitive: {},
          after_sensitive: {},
        },
      },
      {
        address: 'aws_ssm_parameter.password',
        type: 'aws_ssm_parameter',
        change: {
          actions: ['update'],
          before: { value: 'old-secret', name: 'p' },
          after: { value: 'new-secret', name: 'p' },
          before_sensitive: { value: true },
          after_sensitive: { value: true },
        },
      },
      {
        address: 'terraform_data.same',
        type: 'terraform_data',
        change: { actions: ['no-op'], before: { id: 'x' }, after: { id: 'x' } },
      },
    ],
    output_changes: {
      token: {
        actions: ['create'],
        before: null,
        after: 'abc',
        after_sensitive: true,
      },
    },
    ...overrides,
  }
}

describe('plan hash', () => {
  it('sorts keys at every level', () => {
    expect(
      canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } }),
    ).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}')
  })

  it('masks sensitive and unknown values', () => {
    const canonical = canonicalPlan(plan())
    const text = JSON.stringify(canonical)
    expect(text).not.toContain('old-secret')
    expect(text).not.toContain('new-secret')
    expect(text).not.toContain('"abc"')
    expect(canonical.resource_changes[1]?.after).toEqual({
      name: 'p',
      value: SENSITIVE_MARKER,
    })
    expect(canonical.resource_changes[0]?.after).toMatchObject({
      arn: UNKNOWN_MARKER,
    })
    expect(canonical.output_changes[0]?.after).toBe(SENSITIVE_MARKER)
  })

  it('leaves out no-op changes', () => {
    const addresses = canonicalPlan(plan()).resource_changes.map(
      (change) => change.address,
    )
    expect(addresses).toEqual([
      'aws_s3_bucket.site',
      'aws_ssm_parameter.password',
    ])
  })

  it('ignores timestamps, versions and order', () => {
    const base = plan()
    const other = plan({
      terraform_version: '1.12.0',
      timestamp: '2026-12-05T11:00:00Z',
      prior_state: { values: { other: true } },
      resource_changes: [...(base.resource_changes ?? [])].reverse(),
    })
    expect(planHash(other)).toBe(planHash(base))
  })

  it('changes with a changed value', () => {
    const base = plan()
    const changed = plan()
    const first = changed.resource_changes?.[0]
    if (first) first.change.after = { bucket: 'site', tags: { a: '3' } }
    expect(planHash(changed)).not.toBe(planHash(base))
  })

  it('changes with changed actions', () => {
    const changed = plan()
    const first = changed.resource_changes?.[0]
    if (first) first.change.actions = ['delete', 'create']
    expect(planHash(changed)).not.toBe(planHash(plan()))
  })

  it('ignores a changed sensitive value', () => {
    const changed = plan()
    const second = changed.resource_changes?.[1]
    if (second) second.change.after = { value: 'other-secret', name: 'p' }
    expect(planHash(changed)).toBe(planHash(plan()))
  })

  it('hashes an empty plan', () => {
    expect(planHash({})).toMatch(/^[0-9a-f]{64}$/)
    expect(planHash({ resource_changes: [], output_changes: {} })).toBe(
      planHash({}),
    )
  })
})
