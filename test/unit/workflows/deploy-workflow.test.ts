import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { parse } from 'yaml'
import { REPOSITORY_ROOT } from '../../helpers/action-metadata.js'

interface Step {
  id?: string
  uses?: string
  run?: string
  if?: string
  with?: Record<string, unknown>
}

interface Job {
  needs?: string | string[]
  if?: string
  environment?: unknown
  permissions?: Record<string, string>
  outputs?: Record<string, string>
  'timeout-minutes'?: number
  steps?: Step[]
}

interface Workflow {
  on: { workflow_call: { outputs: Record<string, { value: string }> } }
  concurrency: { group: string; 'cancel-in-progress': boolean }
  jobs: Record<string, Job>
}

const workflow = parse(
  readFileSync(
    path.join(REPOSITORY_ROOT, '.github', 'workflows', 'deploy.yml'),
    'utf8',
  ),
) as Workflow

const jobs = workflow.jobs

function needsOf(job: string): string[] {
  const needs = jobs[job]?.needs ?? []
  return Array.isArray(needs) ? needs : [needs]
}

function stepsOf(job: string): Step[] {
  return jobs[job]?.steps ?? []
}

function kitSteps(): Array<[string, Step]> {
  return Object.keys(jobs).flatMap((job) =>
    stepsOf(job)
      .filter((step) => step.uses?.startsWith('./.kit/actions/'))
      .map((step): [string, Step] => [job, step]),
  )
}

describe('deploy.yml', () => {
  it('runs the stages in order', () => {
    expect(needsOf('build')).toContain('prepare')
    expect(needsOf('test')).toContain('build')
    expect(needsOf('infrastructure-plan')).toContain('test')
    expect(needsOf('infrastructure-apply')).toContain('infrastructure-plan')
    expect(needsOf('deploy')).toContain('infrastructure-apply')
    expect(needsOf('verify')).toContain('deploy')
    expect(needsOf('rollback')).toEqual(
      expect.arrayContaining(['deploy', 'verify']),
    )
  })

  it('records every job whatever happened', () => {
    const others = Object.keys(jobs).filter((job) => job !== 'record')

    expect(jobs.record?.if).toBe('always()')
    expect([...needsOf('record')].sort()).toEqual([...others].sort())
  })

  it('rolls back only after failure', () => {
    const condition = jobs.rollback?.if ?? ''

    expect(condition).toMatch(/^always\(\)/)
    expect(condition).toContain('needs.deploy.result')
    expect(condition).toContain('needs.verify.result')
    expect(condition).toContain("needs.deploy.outputs.deployment-json != ''")
  })

  it('uses environments for deploying jobs', () => {
    for (const job of [
      'infrastructure-apply',
      'deploy',
      'verify',
      'rollback',
    ]) {
      expect([job, jobs[job]?.environment]).toEqual([
        job,
        expect.objectContaining({ name: '${{ inputs.environment }}' }),
      ])
    }
    for (const job of ['prepare', 'build', 'test', 'infrastructure-plan']) {
      expect([job, jobs[job]?.environment]).toEqual([job, undefined])
    }
  })

  it('never cancels a running deploy', () => {
    expect(workflow.concurrency['cancel-in-progress']).toBe(false)
    expect(workflow.concurrency.group).toContain('inputs.environment')
  })

  it('grants id-token only to AWS jobs', () => {
    const awsJobs = Object.keys(jobs).filter((job) =>
      stepsOf(job).some((step) =>
        step.uses?.startsWith('aws-actions/configure-aws-credentials@'),
      ),
    )

    expect(awsJobs.length).toBeGreaterThan(0)
    for (const [job, definition] of Object.entries(jobs)) {
      const expected = awsJobs.includes(job) ? 'write' : undefined
      expect([job, definition.permissions?.['id-token']]).toEqual([
        job,
        expected,
      ])
    }
  })

  it('checks the kit out at its own commit', () => {
    for (const [job] of kitSteps()) {
      const checkout = stepsOf(job).find(
        (step) =>
          step.uses?.startsWith('actions/checkout@') &&
          step.with?.path === '.kit',
      )
      expect([job, checkout?.with?.ref]).toEqual([
        job,
        '${{ job.workflow_sha }}',
      ])
      expect([job, checkout?.with?.repository]).toEqual([
        job,
        '${{ job.workflow_repository }}',
      ])
    }
  })

  it('passes a deadline to every kit action', () => {
    const steps = kitSteps()

    expect(steps.length).toBeGreaterThanOrEqual(6)
    for (const [job, step] of steps) {
      expect([job, step.uses, step.with?.['deadline-at']]).toEqual([
        job,
        step.uses,
        expect.stringMatching(
          /^\$\{\{ needs\.prepare\.outputs\.(rollback-)?deadline-at \}\}$/,
        ),
      ])
    }
  })

  it('gives rollback the later deadline', () => {
    const rollback = stepsOf('rollback').find((step) => step.id === 'rollback')

    expect(rollback?.with?.mode).toBe('rollback')
    expect(rollback?.with?.['deadline-at']).toBe(
      '${{ needs.prepare.outputs.rollback-deadline-at }}',
    )
    expect(rollback?.with?.['deployment-json']).toBe(
      '${{ needs.deploy.outputs.deployment-json }}',
    )
  })

  it('applies only the reviewed plan', () => {
    const apply = stepsOf('infrastructure-apply').find(
      (step) => step.id === 'apply',
    )

    expect(apply?.with?.mode).toBe('apply')
    expect(apply?.with?.['reviewed-plan-hash']).toBe(
      '${{ needs.infrastructure-plan.outputs.plan-hash }}',
    )
    expect(jobs['infrastructure-plan']?.outputs?.['plan-hash']).toBe(
      '${{ steps.plan.outputs.plan-hash }}',
    )
  })

  it('outputs digest, URL and record', () => {
    const outputs = workflow.on.workflow_call.outputs

    expect(Object.keys(outputs).sort()).toEqual([
      'deployment-record',
      'image-digest',
      'release-url',
    ])
    expect(outputs['deployment-record']?.value).toBe(
      '${{ jobs.record.outputs.record-json }}',
    )
  })

  it('exposes fragments as record-json outputs', () => {
    for (const job of [
      'build',
      'infrastructure-plan',
      'infrastructure-apply',
      'deploy',
      'verify',
      'rollback',
    ]) {
      const names = Object.keys(jobs[job]?.outputs ?? {}).filter((name) =>
        name.startsWith('record-json'),
      )
      expect([job, names.length > 0]).toEqual([job, true])
    }
  })
})
