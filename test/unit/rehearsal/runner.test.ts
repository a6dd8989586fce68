import { afterAll, describe, expect, it } from '@jest/globals'
import { jobOf, removeWorkDirs, runFixture } from './run-fixture.js'

afterAll(removeWorkDirs)

describe('runWorkflow', () => {
  it('orders jobs by needs and passes outputs', async () => {
    const run = await runFixture('outputs.yml', {
      inputs: { greeting: 'hi' },
    })

    expect(run.result.conclusion).toBe('success')
    expect(run.result.jobs.map((job) => job.id)).toEqual(['first', 'second'])
    expect(jobOf(run, 'first').outputs).toEqual({ word: 'hi-3-false' })
    expect(jobOf(run, 'second').outputs.message).toBe(
      'hi-3-false after success',
    )
    expect(run.result.outputs).toEqual({
      message: 'hi-3-false after success',
      word: 'hi-3-false',
    })
    const started = run.events.flatMap((event) =>
      event.type === 'job-started' ? [event.job] : [],
    )
    expect(started).toEqual(['first', 'second'])
  })

  it('converts inputs to their declared types', async () => {
    const run = await runFixture('outputs.yml', {
      inputs: { count: '7', loud: 'true' },
    })

    expect(run.result.outputs.word).toBe('hello-7-true')
  })

  it('rejects an undeclared input', async () => {
    await expect(
      runFixture('outputs.yml', { inputs: { colour: 'blue' } }),
    ).rejects.toThrow(/declares no input 'colour'/)
  })

  it('rejects a missing kit folder', async () => {
    await expect(
      runFixture('outputs.yml', { kitDir: '/nonexistent/kit' }),
    ).rejects.toThrow(/kitDir '\/nonexistent\/kit' is not a folder/)
  })

  it('rejects a number input that is not a number', async () => {
    await expect(
      runFixture('outputs.yml', { inputs: { count: 'many' } }),
    ).rejects.toThrow(/Input 'count' is 'many', not a number/)
  })

  it('applies job and step conditions after a failure', async () => {
    const run = await runFixture('conditions.yml')
    const breaks = jobOf(run, 'breaks')

    expect(run.result.conclusion).toBe('failure')
    expect(breaks.conclusion).toBe('failure')
    expect(breaks.steps.map((step) => step.conclusion)).toEqual([
      'failure',
      'skipped',
      'success',
      'success',
    ])
    expect(breaks.steps[0]?.outputs).toEqual({ partial: 'yes' })
    expect(breaks.error).toMatch(/exited with code 3/)
    expect(run.lines('breaks', 'Runs on failure')).toContain(
      'bad outcome failure',
    )
    expect(run.lines('breaks', 'Runs always')).toContain('status failure')
    expect(jobOf(run, 'dependent').conclusion).toBe('skipped')
    expect(jobOf(run, 'grandchild').conclusion).toBe('skipped')
    expect(jobOf(run, 'on-failure').conclusion).toBe('success')
    expect(jobOf(run, 'finally').outputs.seen).toBe('failure/skipped')
  })

  it('runs every job when nothing fails', async () => {
    const run = await runFixture('conditions.yml', { inputs: { fail: false } })

    expect(run.result.conclusion).toBe('success')
    expect(jobOf(run, 'breaks').steps.map((step) => step.conclusion)).toEqual([
      'success',
      'success',
      'skipped',
      'success',
    ])
    expect(jobOf(run, 'grandchild').conclusion).toBe('success')
    expect(jobOf(run, 'on-failure').conclusion).toBe('skipped')
    expect(jobOf(run, 'finally').outputs.seen).toBe('success/success')
  })

  it('layers env and applies GITHUB_ENV and GITHUB_PATH', async () => {
    const run = await runFixture('environment.yml')
    const job = jobOf(run, 'env')
    const report = job.outputs.report ?? ''

    expect(run.result.conclusion).toBe('success')
    expect(report).toContain('level=step')
    expect(report).toContain(
      'workflow=from-workflow job=from-job step=from-job-seen exported=from-github-env',
    )
    expect(report).toContain('multi=line one|line two|')
    expect(report).toContain('dir=sub')
    expect(report).toContain('tool=tool-ran')
    expect(job.steps[2]?.outputs.after).toBe('github-env')
  })

  it('records the environment and the step summary', async () => {
    const run = await runFixture('environment.yml', {
      github: { run_attempt: '2' },
    })
    const job = jobOf(run, 'env')

    expect(job.environment).toEqual({
      name: 'staging-2',
      url: 'http://127.0.0.1:8080/github-env',
    })
    expect(job.steps[3]?.summary).toBe('## Summary for github-env\n')
    expect(run.lines('env', 'Shell sh').join('\n')).toMatch(/shell=.*\.sh/)
  })

  it('masks secrets and add-mask values', async () => {
    const secret = 'tok-9f8e7d6c'
    const run = await runFixture('masking.yml', {
      secrets: { API_TOKEN: secret },
    })
    const lines = run.lines('mask')
    const job = jobOf(run, 'mask')

    expect(run.result.conclusion).toBe('success')
    expect(lines).toContain('token is ***')
    expect(lines).toContain('the value is ***')
    expect(lines.join('\n')).not.toContain(secret)
    expect(lines.join('\n')).not.toContain('runtime-value-42')
    expect(run.result.annotations).toContainEqual({
      level: 'warning',
      message: 'warned about ***',
      job: 'mask',
      step: 'Register a mask',
    })
    expect(lines).toContain('::add-mask::printed-not-registered')
    expect(lines).toContain('commands work again')
    expect(lines).not.toContain('::pause-3f1c::')
    expect(job.outputs).toEqual({ clean: 'nothing secret' })
    expect(lines).toContain("Skip output 'leaked' since it may contain secret.")
  })

  it('requires a declared required secret', async () => {
    await expect(runFixture('masking.yml')).rejects.toThrow(
      /Secret 'API_TOKEN' is required/,
    )
  })

  it('tolerates a failure with continue-on-error', async () => {
    const run = await runFixture('continue.yml')
    const job = jobOf(run, 'tolerant')

    expect(run.result.conclusion).toBe('success')
    expect(job.conclusion).toBe('success')
    expect(job.steps[0]?.outcome).toBe('failure')
    expect(job.steps[0]?.conclusion).toBe('success')
    expect(job.steps[1]?.conclusion).toBe('success')
    expect(job.outputs).toEqual({ outcome: 'failure', conclusion: 'success' })
  })

  it('stops steps and jobs at their timeouts', async () => {
    const started = Date.now()
    const run = await runFixture('timeouts.yml')
    const stepLimit = jobOf(run, 'step-limit')
    const jobLimit = jobOf(run, 'job-limit')

    expect(Date.now() - started).toBeLessThan(20_000)
    expect(stepLimit.conclusion).toBe('failure')
    expect(stepLimit.steps[0]?.error).toMatch(/timed out/)
    expect(run.lines('step-limit', 'Cleanup')).toContain(
      'cleanup after failure',
    )
    expect(jobLimit.conclusion).toBe('failure')
    expect(jobLimit.error).toMatch(/exceeded its timeout/)
    expect(jobLimit.steps[1]?.conclusion).toBe('skipped')
  })

  it('fails a job on an unknown action', async () => {
    const run = await runFixture('unknown.yml')
    const job = jobOf(run, 'uses-unknown')

    expect(run.result.conclusion).toBe('failure')
    expect(job.conclusion).toBe('failure')
    expect(job.steps[0]?.error).toMatch(
      /someone\/unmapped-action@0123456789abcdef0123456789abcdef01234567' has no local mapping/,
    )
    expect(job.error).toContain('someone/unmapped-action')
    expect(job.steps[1]?.conclusion).toBe('skipped')
  })

  it('cancels through the AbortSignal', async () => {
    const controller = new AbortController()
    const run = await runFixture('cancel.yml', {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'log' && event.line === 'started') {
          setTimeout(() => controller.abort(), 200)
        }
      },
    })
    const long = jobOf(run, 'long')

    expect(run.result.conclusion).toBe('cancelled')
    expect(long.conclusion).toBe('cancelled')
    expect(long.steps.map((step) => step.conclusion)).toEqual([
      'cancelled',
      'skipped',
      'success',
    ])
    expect(run.lines('long', 'Wait')).toContain('got-sigint')
    expect(jobOf(run, 'later').conclusion).toBe('skipped')
    expect(jobOf(run, 'always').conclusion).toBe('success')
    expect(run.lines('always')).toContain('always after cancelled')
  })
})
