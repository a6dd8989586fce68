import {
  afterEach,
  beforeEach,
  describe,
  expect,
  it,
  jest,
} from '@jest/globals'
import { maskSecret, resetMasksForTests } from '../../../common/masking.js'
import {
  cutToFit,
  isSecretLookingKey,
  renderPlan,
  secretValues,
} from '../../../actions/terraform-apply/src/render.js'
import type { PlanJson } from '../../../actions/terraform-apply/src/plan-json.js'

const PLAN: PlanJson = {
  resource_changes: [
    {
      address: 'aws_db_instance.main',
      type: 'aws_db_instance',
      change: {
        actions: ['delete', 'create'],
        before: { engine: 'postgres', password: 'sensitive-pass-1' },
        after: { engine: 'postgres', password: 'sensitive-pass-2' },
        before_sensitive: { password: true },
        after_sensitive: { password: true },
      },
    },
    {
      address: 'aws_s3_bucket.site',
      type: 'aws_s3_bucket',
      change: {
        actions: ['update'],
        before: { tags: { api_token: 'plain-token-1', team: 'web' } },
        after: { tags: { api_token: 'plain-token-2', team: 'ops' } },
      },
    },
    {
      address: 'aws_s3_bucket.logs',
      type: 'aws_s3_bucket',
      change: {
        actions: ['create'],
        before: null,
        after: { bucket: 'logs', secret_string: 'plain-secret-3' },
      },
    },
  ],
  output_changes: {
    client_secret: { actions: ['create'], before: null, after: 'plain-out-4' },
    url: { actions: ['create'], before: null, after: 'https://x.test' },
  },
}

// Markdown escapes such as \_ and \* would hide text from a plain search.
function unescaped(markdown: string): string {
  return markdown.replace(/\\(.)/g, '$1')
}

beforeEach(() => {
  jest.spyOn(process.stdout, 'write').mockReturnValue(true)
})

afterEach(() => {
  jest.restoreAllMocks()
  resetMasksForTests()
})

describe('plan rendering', () => {
  it('redacts sensitive and secret-looking values', () => {
    const text = unescaped(renderPlan(PLAN))
    for (const secret of [
      'sensitive-pass-1',
      'sensitive-pass-2',
      'plain-token-1',
      'plain-token-2',
      'plain-secret-3',
      'plain-out-4',
    ]) {
      expect(text).not.toContain(secret)
    }
    expect(text).toContain('(sensitive)')
    expect(text).toContain('(redacted)')
    expect(text).toContain('https://x.test')
    expect(text).toContain('"team":"ops"')
  })

  it('redacts registered secrets', () => {
    maskSecret('logs')
    expect(unescaped(renderPlan(PLAN))).not.toMatch(/"logs"/)
  })

  it('highlights replacements', () => {
    const text = unescaped(renderPlan(PLAN))
    expect(text).toContain('| **replace** ⚠️ | aws_db_instance | 1 |')
    expect(text).toContain('| update in place | aws_s3_bucket | 1 |')
    expect(text).toContain('| create | aws_s3_bucket | 1 |')
    expect(text).toContain('1 to add, 1 to change, 1 to replace, 0 to destroy')
  })

  it('says when nothing changes', () => {
    expect(renderPlan({ resource_changes: [] })).toContain('No changes.')
  })

  it('collects values to mask', () => {
    const values = secretValues(PLAN)
    expect(values).toEqual(
      expect.arrayContaining([
        'sensitive-pass-1',
        'sensitive-pass-2',
        'plain-token-1',
        'plain-token-2',
        'plain-secret-3',
        'plain-out-4',
      ]),
    )
    expect(values).not.toContain('web')
    expect(values).not.toContain('https://x.test')
  })

  it('tells secret-looking keys apart', () => {
    for (const name of [
      'password',
      'api_token',
      'private_key',
      'key',
      'clientSecret',
    ]) {
      expect(isSecretLookingKey(name)).toBe(true)
    }
    for (const name of [
      'kms_key_id',
      'key_name',
      'secret_arn',
      'team',
      'password_length',
    ]) {
      expect(isSecretLookingKey(name)).toBe(false)
    }
  })

  it('cuts long text at a line', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n')
    const cut = cutToFit(text, 200)
    expect(cut.length).toBeLessThanOrEqual(200)
    expect(cut).toMatch(/cut to fit/)
    expect(cutToFit('short', 200)).toBe('short')
  })
})
