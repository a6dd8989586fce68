import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { FIXTURES, jobOf, removeWorkDirs, runFixture } from './run-fixture.js'

afterAll(removeWorkDirs)

// The application fixture gets a node_modules folder at test time (the
// repository ignores node_modules folders), so that the checkout's copy can
// be shown to leave it out.
beforeAll(() => {
  const dependency = join(FIXTURES, 'app', 'node_modules', 'dep')
  mkdirSync(dependency, { recursive: true })
  writeFileSync(join(dependency, 'index.js'), 'module.exports = 1\n')
})

describe('local actions', () => {
  it('runs main and post with inputs and state', async () => {
    const run = await runFixture('actions.yml')
    const job = jobOf(run, 'kit')

    expect(run.result.conclusion).toBe('success')
    expect(job.steps.map((step) => step.name)).toEqual([
      'Check out the kit',
      'First action',
      'Second action',
      'Post Second action',
      'Post First action',
    ])
    expect(job.outputs).toEqual({ echoed: 'one', 'run-id': '4242' })
    expect(job.steps[1]?.summary).toBe('### one\n')
    expect(run.lines('kit', 'Post First action')).toEqual([
      'post ran with state one and input one',
    ])
    expect(run.lines('kit', 'Post Second action')).toEqual([
      'post ran with state two and input two',
    ])
    const workspace = join(run.result.runDir, 'jobs', 'kit', 'workspace')
    expect(run.lines('kit', 'First action')).toEqual([
      `main ran with one in ${workspace}`,
    ])
    expect(lstatSync(join(workspace, '.kit')).isSymbolicLink()).toBe(true)
  })

  it('runs post steps after a failed main step', async () => {
    const run = await runFixture('actions.yml', { inputs: { fail: true } })
    const job = jobOf(run, 'kit')

    expect(run.result.conclusion).toBe('failure')
    expect(job.steps[2]?.conclusion).toBe('failure')
    expect(job.steps[3]?.conclusion).toBe('success')
    expect(job.steps[4]?.conclusion).toBe('success')
    expect(run.result.annotations).toContainEqual({
      level: 'error',
      message: 'asked to fail',
      job: 'kit',
      step: 'Second action',
    })
  })

  it('fails on a missing post script', async () => {
    const kit = mkdtempSync(join(tmpdir(), 'runner-kit-'))
    try {
      cpSync(join(FIXTURES, 'kit'), kit, { recursive: true })
      rmSync(join(kit, 'actions', 'stateful', 'dist', 'post'), {
        recursive: true,
      })
      const run = await runFixture('actions.yml', { kitDir: kit })
      const job = jobOf(run, 'kit')

      expect(job.conclusion).toBe('failure')
      expect(job.steps[1]?.error).toMatch(
        /The post script .*dist\/post\/index\.js of the action in .* does not exist/,
      )
    } finally {
      rmSync(kit, { recursive: true, force: true })
    }
  })
})

describe('third-party mappings', () => {
  it('copies the application and moves artifacts between jobs', async () => {
    const run = await runFixture('artifacts.yml')
    const produce = jobOf(run, 'produce')
    const consume = jobOf(run, 'consume')
    const workspace = join(run.result.runDir, 'jobs', 'produce', 'workspace')

    expect(produce.conclusion).toBe('success')
    expect(existsSync(join(workspace, 'src', 'index.js'))).toBe(true)
    expect(existsSync(join(workspace, 'node_modules'))).toBe(false)
    expect(consume.outputs.listing).toBe('./a.txt ./nested/b.txt ')
    expect(consume.outputs.everything).toBe(
      './files/a.txt ./files/nested/b.txt ./texts/nested/b.txt ',
    )
    expect(run.result.artifacts.map((artifact) => artifact.name)).toEqual([
      'files',
      'texts',
    ])
    expect(run.result.artifacts[0]).toMatchObject({
      name: 'files',
      files: 2,
      bytes: 8,
      job: 'produce',
    })
    expect(run.result.artifacts[0]?.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(consume.conclusion).toBe('failure')
    expect(consume.steps[3]?.error).toMatch(
      /An artifact named 'files' already exists/,
    )
  })

  it('exports credentials and region for later steps', async () => {
    const run = await runFixture('credentials.yml', {
      secrets: {
        AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
        AWS_SECRET_ACCESS_KEY: 'local-secret-key',
      },
    })
    const job = jobOf(run, 'aws')
    const lines = run.lines('aws')

    expect(job.conclusion).toBe('success')
    expect(job.outputs.seen).toBe('eu-west-1/eu-west-1/9/16')
    expect(lines).toContain('secret ***')
    expect(lines.join('\n')).toMatch(
      /Role arn:aws:iam::123456789012:role\/deploy is not assumed locally/,
    )
    expect(lines.join('\n')).toMatch(/Using node \d+\.\d+\.\d+ at \//)
  })

  it('takes credentials from the runner environment', async () => {
    const run = await runFixture('credentials.yml', {
      env: {
        AWS_ACCESS_KEY_ID: 'AKIDFROMENV',
        AWS_SECRET_ACCESS_KEY: 'env-secret',
      },
    })

    expect(jobOf(run, 'aws').outputs.seen).toBe('eu-west-1/eu-west-1/11/10')
  })

  it('fails without credentials', async () => {
    const run = await runFixture('credentials.yml')
    const job = jobOf(run, 'aws')

    expect(job.conclusion).toBe('failure')
    expect(job.steps[0]?.error).toMatch(/No AWS credentials/)
  })
})
