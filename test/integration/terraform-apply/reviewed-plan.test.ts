import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  createBucket,
  readObjectText,
  uniqueName,
} from '../../helpers/fixtures.js'
import { stackEnv } from '../../helpers/stack.js'
import {
  DATA_CONFIG,
  explain,
  removeStepFolders,
  runStep,
  workspaceWith,
  type StepResult,
} from './step.js'

describe('terraform-apply reviewed plans', () => {
  let workspace: string
  let stateBucket: string
  const stateKey = 'reviewed/terraform.tfstate'

  function step(
    mode: string,
    label: string,
    overrides: Record<string, string | undefined> = {},
  ): Promise<StepResult> {
    return runStep({
      workspace,
      env: stackEnv(),
      inputs: {
        mode,
        'working-directory': 'infra',
        'backend-bucket': stateBucket,
        'backend-key': stateKey,
        variables: `label: ${label}`,
        'run-id': '202',
        'pr-number': undefined,
        'github-token': undefined,
        ...overrides,
      },
    })
  }

  async function stateLabel(): Promise<unknown> {
    const state = JSON.parse(await readObjectText(stateBucket, stateKey)) as {
      outputs?: Record<string, { value: unknown }>
    }
    return state.outputs?.label?.value
  }

  beforeAll(async () => {
    workspace = workspaceWith('infra', DATA_CONFIG)
    stateBucket = await createBucket(uniqueName('kit-tfa-reviewed'))
    const first = await step('apply', 'one')
    if (first.exitCode !== 0) throw new Error(explain(first))
  }, 120_000)

  afterAll(() => {
    removeStepFolders()
    rmSync(workspace, { recursive: true, force: true })
  })

  it('plans the same changes to one hash', async () => {
    const a = await step('plan', 'two')
    const b = await step('plan', 'two')
    const other = await step('plan', 'three')
    expect(a.exitCode).toBe(0)
    expect(a.outputs['has-changes']).toBe('true')
    expect(a.outputs['change-count']).toBe('1')
    expect(a.outputs['plan-hash']).toMatch(/^[0-9a-f]{64}$/)
    expect(b.outputs['plan-hash']).toBe(a.outputs['plan-hash'])
    expect(other.outputs['plan-hash']).not.toBe(a.outputs['plan-hash'])
  })

  it('refuses a mismatched reviewed hash', async () => {
    const reviewed = (await step('plan', 'two')).outputs['plan-hash'] ?? ''
    const refused = await step('apply', 'three', {
      'reviewed-plan-hash': reviewed,
    })
    expect(refused.exitCode).toBe(1)
    const fresh = refused.outputs['plan-hash'] ?? ''
    expect(fresh).toMatch(/^[0-9a-f]{64}$/)
    expect(fresh).not.toBe(reviewed)
    expect(refused.stdout).toMatch(
      new RegExp(`Refusing to apply: .*${fresh}.*${reviewed}`),
    )
    expect(refused.outputs['applied']).toBe('false')
    expect(await stateLabel()).toBe('one')
  })

  it('applies a changed variable as reviewed', async () => {
    const plan = await step('plan', 'four')
    expect(plan.outputs['has-changes']).toBe('true')
    const apply = await step('apply', 'four', {
      'reviewed-plan-hash': plan.outputs['plan-hash'],
    })
    if (apply.exitCode !== 0) throw new Error(explain(apply))
    expect(apply.outputs['applied']).toBe('true')
    expect(apply.outputs['plan-hash']).toBe(plan.outputs['plan-hash'])
    expect(apply.outputs['label']).toBe('four')
    expect(await stateLabel()).toBe('four')
    const record = JSON.parse(apply.outputs['record-json'] ?? '{}') as {
      status?: string
      details?: { applied?: boolean }
    }
    expect(record.status).toBe('succeeded')
    expect(record.details?.applied).toBe(true)
  })

  it('applies nothing without changes', async () => {
    const again = await step('apply', 'four')
    expect(again.exitCode).toBe(0)
    expect(again.outputs['has-changes']).toBe('false')
    expect(again.outputs['applied']).toBe('false')
    expect(again.stdout).not.toMatch(/Running: \S+ \S+ apply /)
  })

  it('rejects a bad hash before init', async () => {
    const bad = await step('apply', 'four', { 'reviewed-plan-hash': 'abc' })
    expect(bad.exitCode).toBe(1)
    expect(bad.stdout).toMatch(/reviewed-plan-hash/)
    expect(bad.stdout).not.toMatch(/Running: .* init /)
  })
})
