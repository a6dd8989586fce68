import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from '@jest/globals'
import type {
  DeploymentState,
  RecordFragment,
} from '../../../common/contracts/records.js'
import {
  assembleRecord,
  cell,
  collectFragments,
  renderSummary,
  runStatus,
  type Needs,
} from '../../../scripts/assemble-record.mjs'
import { REPOSITORY_ROOT } from '../../helpers/action-metadata.js'

const SCRIPT = path.join(REPOSITORY_ROOT, 'scripts', 'assemble-record.mjs')

function fragment(overrides: Partial<RecordFragment>): RecordFragment {
  return {
    schema_version: 1,
    action: 'build-artifacts',
    stage: 'build',
    status: 'succeeded',
    started_at: '2026-03-01T10:00:10.000Z',
    completed_at: '2026-03-01T10:01:10.000Z',
    duration_seconds: 60,
    ...overrides,
  }
}

const IMAGE = {
  type: 'backend_image' as const,
  name: 'shop-api',
  version: 'abc',
  size_bytes: 1234,
  sha256: 'a'.repeat(64),
  created_at: '2026-03-01T10:01:00.000Z',
  location: {
    kind: 'ecr' as const,
    registry: '127.0.0.1:5000',
    repository: 'shop-api',
    image_uri: '127.0.0.1:5000/shop-api@sha256:' + 'a'.repeat(64),
  },
  pipeline_run_id: '77',
  scan: { status: 'passed' as const, threshold: 'high', finding_counts: {} },
  image_uri: '127.0.0.1:5000/shop-api@sha256:' + 'a'.repeat(64),
  image_digest: 'sha256:' + 'a'.repeat(64),
  health_check_path: '/healthz',
  runtime: 'node',
}

const STATE: DeploymentState = {
  schema_version: 1,
  strategy: 'alb-weighted',
  region: 'us-east-1',
  cluster: 'shop-production',
  blue: { service: 'api-blue', target_group_arn: 'arn:tg/blue' },
  green: { service: 'api-green', target_group_arn: 'arn:tg/green' },
  listener_arn: 'arn:listener',
  live_colour_before: 'blue',
  target_colour: 'green',
  weights_before: { blue: 100, green: 0 },
  weights_after: { blue: 0, green: 100 },
  previous_desired_count: 2,
  previous_task_definition_arn: 'arn:td/api:4',
  new_task_definition_arn: 'arn:td/api:5',
  image_digest: 'sha256:' + 'a'.repeat(64),
  started_at: '2026-03-01T10:05:00.000Z',
}

const ENV = {
  GITHUB_RUN_ID: '77',
  GITHUB_WORKFLOW: 'release',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_REF_NAME: 'main',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  RUN_STARTED_AT: '2026-03-01T10:00:00.000Z',
  RUN_ENVIRONMENT: 'production',
}

function succeededNeeds(): Needs {
  return {
    rollback: { result: 'skipped', outputs: {} },
    prepare: { result: 'success', outputs: { 'deadline-at': 'x' } },
    build: {
      result: 'success',
      outputs: {
        'record-json': JSON.stringify(fragment({ artifacts: [IMAGE] })),
      },
    },
    test: { result: 'success', outputs: {} },
    deploy: {
      result: 'success',
      outputs: {
        'deployment-json': JSON.stringify(STATE),
        'record-json-deploy': JSON.stringify(
          fragment({
            action: 'blue-green-deploy',
            stage: 'deploy',
            started_at: '2026-03-01T10:05:00.000Z',
          }),
        ),
        'record-json-publish': '',
      },
    },
    verify: {
      result: 'success',
      outputs: {
        'record-json': JSON.stringify(
          fragment({
            action: 'verify-health',
            stage: 'verify',
            started_at: '2026-03-01T10:08:00.000Z',
          }),
        ),
      },
    },
  }
}

const NOW = new Date('2026-03-01T10:10:00.000Z')

describe('runStatus', () => {
  it('is succeeded with skipped rollback', () => {
    expect(runStatus(succeededNeeds())).toBe('succeeded')
  })

  it('is failed after a rollback', () => {
    const needs = succeededNeeds()
    needs.verify = { result: 'failure' }
    needs.rollback = { result: 'success' }

    expect(runStatus(needs)).toBe('failed')
  })

  it('is cancelled when any job was', () => {
    const needs = succeededNeeds()
    needs.verify = { result: 'failure' }
    needs.deploy = { result: 'cancelled' }

    expect(runStatus(needs)).toBe('cancelled')
  })
})

describe('collectFragments', () => {
  it('orders fragments by start time', () => {
    const { fragments, warnings } = collectFragments(succeededNeeds())

    expect(fragments.map((f) => f.action)).toEqual([
      'build-artifacts',
      'blue-green-deploy',
      'verify-health',
    ])
    expect(warnings).toEqual([])
  })

  it('warns about malformed fragments', () => {
    const needs = succeededNeeds()
    needs.test = {
      result: 'success',
      outputs: {
        'record-json': '{not json',
        'record-json-extra': JSON.stringify({ schema_version: 2 }),
        'other-json': '{not json either',
      },
    }
    const { fragments, warnings } = collectFragments(needs)

    expect(fragments).toHaveLength(3)
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/^job test output record-json is not JSON/)
    expect(warnings[1]).toContain('schema_version is 2, expected 1')
  })
})

describe('assembleRecord', () => {
  it('fills the run from the environment', () => {
    const { record } = assembleRecord({
      needs: succeededNeeds(),
      env: ENV,
      now: NOW,
    })

    expect(record.run).toEqual({
      id: '77',
      name: 'release',
      status: 'succeeded',
      trigger: 'push',
      branch: 'main',
      commit_sha: ENV.GITHUB_SHA,
      started_at: '2026-03-01T10:00:00.000Z',
      completed_at: '2026-03-01T10:10:00.000Z',
      duration_seconds: 600,
      environment: 'production',
    })
  })

  it('lists jobs in pipeline order', () => {
    const { record } = assembleRecord({
      needs: succeededNeeds(),
      env: ENV,
      now: NOW,
    })

    expect(record.jobs).toEqual([
      { name: 'prepare', result: 'success' },
      { name: 'build', result: 'success' },
      { name: 'test', result: 'success' },
      { name: 'deploy', result: 'success' },
      { name: 'verify', result: 'success' },
      { name: 'rollback', result: 'skipped' },
    ])
  })

  it('collects artifacts and deployment', () => {
    const { record } = assembleRecord({
      needs: succeededNeeds(),
      env: ENV,
      now: NOW,
    })

    expect(record.artifacts).toEqual([IMAGE])
    expect(record.deployment).toEqual(STATE)
    expect(record.stages).toHaveLength(3)
  })

  it('maps manual triggers and PR branches', () => {
    const { record } = assembleRecord({
      needs: {},
      env: {
        ...ENV,
        GITHUB_EVENT_NAME: 'workflow_dispatch',
        GITHUB_HEAD_REF: 'feature/x',
        RUN_STARTED_AT: '',
      },
      now: NOW,
    })

    expect(record.run.trigger).toBe('manual')
    expect(record.run.branch).toBe('feature/x')
    expect(record.run.started_at).toBe(NOW.toISOString())
    expect(record.deployment).toBeUndefined()
  })
})

describe('renderSummary', () => {
  it('renders status, stages and traffic', () => {
    const { record } = assembleRecord({
      needs: succeededNeeds(),
      env: ENV,
      now: NOW,
    })
    const markdown = renderSummary(record)

    expect(markdown).toContain('## Deployment record: succeeded')
    expect(markdown).toContain('| deploy | blue-green-deploy | succeeded |')
    expect(markdown).toContain('blue 100 / green 0')
    expect(markdown).toContain(IMAGE.sha256)
  })

  it('escapes table cells', () => {
    expect(cell('a|b\nc')).toBe('a\\|b c')
  })
})

describe('assemble-record.mjs command', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('writes record, summary and output', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'assemble-record-'))
    dirs.push(dir)
    const summary = path.join(dir, 'summary.md')
    const output = path.join(dir, 'output')
    writeFileSync(summary, '')
    writeFileSync(output, '')
    const stdout = execFileSync(process.execPath, [SCRIPT, 'record.json'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        ...ENV,
        NEEDS_JSON: JSON.stringify(succeededNeeds()),
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_OUTPUT: output,
      },
      encoding: 'utf8',
    })

    const record = JSON.parse(
      readFileSync(path.join(dir, 'record.json'), 'utf8'),
    )
    expect(record.run.status).toBe('succeeded')
    expect(stdout).toContain('Run 77 succeeded: 3 stages, 1 artifacts')
    expect(readFileSync(summary, 'utf8')).toContain('## Deployment record')
    const lines = readFileSync(output, 'utf8').split('\n')
    expect(lines[0]).toMatch(/^record-json<<ghadelimiter_[0-9a-f-]{36}$/)
    expect(JSON.parse(lines[1] ?? '')).toEqual(record)
    expect(lines[2]).toBe(lines[0]?.split('<<')[1])
  })

  it('fails on invalid NEEDS_JSON', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'assemble-record-'))
    dirs.push(dir)
    let status = 0
    let stdout = ''
    try {
      execFileSync(process.execPath, [SCRIPT], {
        cwd: dir,
        env: { PATH: process.env.PATH, NEEDS_JSON: 'nope' },
        encoding: 'utf8',
      })
    } catch (error) {
      const failure = error as { status: number; stdout: string }
      status = failure.status
      stdout = failure.stdout
    }

    expect(status).toBe(1)
    expect(stdout).toMatch(/^::error::NEEDS_JSON is not the JSON/)
  })
})
