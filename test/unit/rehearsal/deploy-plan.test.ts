import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { loadWorkflow, runWorkflow } from '../../../rehearsal/runner/index.js'
import { evaluateCondition } from '../../../rehearsal/runner/expressions.js'
import { REPOSITORY_ROOT } from '../../helpers/action-metadata.js'

const DEPLOY = join(REPOSITORY_ROOT, '.github', 'workflows', 'deploy.yml')

describe('deploy.yml plan', () => {
  it('orders the jobs by their needs', async () => {
    const plan = await loadWorkflow(DEPLOY)

    expect(plan.jobs.map((job) => job.id)).toEqual([
      'prepare',
      'build',
      'test',
      'infrastructure-plan',
      'infrastructure-apply',
      'deploy',
      'verify',
      'rollback',
      'record',
    ])
  })

  it('reads the workflow_call declarations', async () => {
    const plan = await loadWorkflow(DEPLOY)

    expect(plan.inputs['run-budget']?.type).toBe('number')
    expect(plan.inputs.project?.required).toBe(true)
    expect(Object.keys(plan.outputs)).toEqual([
      'image-digest',
      'release-url',
      'deployment-record',
    ])
    expect(Object.keys(plan.workflowCall.secrets ?? {})).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ])
  })

  it('maps every third-party step to a built-in', async () => {
    const { BUILT_IN_MAPPINGS, parseActionReference } =
      await import('../../../rehearsal/runner/third-party.js')
    const plan = await loadWorkflow(DEPLOY)
    const uses = plan.jobs.flatMap((job) =>
      job.steps.flatMap(({ step }) =>
        'uses' in step ? [step.uses.value] : [],
      ),
    )
    const thirdParty = uses.filter((value) => !value.startsWith('./'))

    expect(thirdParty.length).toBeGreaterThan(0)
    for (const value of thirdParty) {
      const reference = parseActionReference(value)
      expect(reference).toBeDefined()
      expect(BUILT_IN_MAPPINGS[reference?.action ?? '']).toBeDefined()
    }
  })

  it('runs rollback only after a failed deploy or verify', async () => {
    const plan = await loadWorkflow(DEPLOY)
    const rollback = plan.jobs.find((job) => job.id === 'rollback')
    const condition = rollback?.job.if.expression ?? ''
    const status = { success: false, failure: true, cancelled: false }
    const needs = (deploy: string, verify: string, deploymentJson: string) => ({
      needs: {
        deploy: {
          result: deploy,
          outputs: { 'deployment-json': deploymentJson },
        },
        verify: { result: verify, outputs: {} },
      },
    })

    expect(
      evaluateCondition(condition, needs('failure', 'skipped', '{}'), status),
    ).toBe(true)
    expect(
      evaluateCondition(condition, needs('success', 'failure', '{}'), status),
    ).toBe(true)
    expect(
      evaluateCondition(condition, needs('success', 'cancelled', '{}'), status),
    ).toBe(true)
    expect(
      evaluateCondition(condition, needs('failure', 'skipped', ''), status),
    ).toBe(false)
    expect(
      evaluateCondition(condition, needs('success', 'success', '{}'), {
        success: true,
        failure: false,
        cancelled: false,
      }),
    ).toBe(false)
  })

  it('records the run after a cancellation', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'deploy-plan-'))
    const controller = new AbortController()
    try {
      const run = await runWorkflow({
        workflowPath: DEPLOY,
        inputs: {
          project: 'shop',
          environment: 'staging',
          service: 'api',
          'state-bucket': 'shop-state',
        },
        repositoryDir: join(REPOSITORY_ROOT, 'examples', 'consumer-app'),
        kitDir: REPOSITORY_ROOT,
        workDir,
        cancelGraceMs: 500,
        signal: controller.signal,
        github: { run_id: '5', workflow_repository: 'acme/deploy-kit' },
        onEvent: (event) => {
          if (event.type === 'job-finished' && event.job === 'prepare') {
            controller.abort()
          }
        },
      })
      const conclusions = Object.fromEntries(
        run.jobs.map((job) => [job.id, job.conclusion]),
      )
      const record = JSON.parse(run.outputs['deployment-record'] ?? '{}') as {
        jobs?: Array<{ name: string; result: string }>
      }

      expect(run.conclusion).toBe('cancelled')
      expect(conclusions).toEqual({
        prepare: 'success',
        build: 'skipped',
        test: 'skipped',
        'infrastructure-plan': 'skipped',
        'infrastructure-apply': 'skipped',
        deploy: 'skipped',
        verify: 'skipped',
        rollback: 'skipped',
        record: 'success',
      })
      expect(jobOutputs(run, 'prepare')).toMatchObject({
        'ecr-repository': 'shop-staging-api',
        'state-key': 'shop/staging/terraform.tfstate',
      })
      expect(record.jobs?.[0]).toEqual({ name: 'prepare', result: 'success' })
      expect(run.artifacts.map((artifact) => artifact.name)).toEqual([
        'deployment-record-staging',
      ])
    } finally {
      rmSync(workDir, { recursive: true, force: true })
    }
  })
})

function jobOutputs(
  run: Awaited<ReturnType<typeof runWorkflow>>,
  id: string,
): Record<string, string> {
  return run.jobs.find((job) => job.id === id)?.outputs ?? {}
}
