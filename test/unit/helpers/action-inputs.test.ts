import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  actionDefaults,
  inputEnv,
  runBundle,
} from '../../helpers/action-inputs.js'

const ACTION_YML = `
name: sample
description: Sample action for the helper tests
inputs:
  aws-region:
    description: Region
    default: us-east-1
  max attempts:
    description: Attempts
    default: 3
  dry-run:
    description: Flag
    default: false
  bucket:
    description: Bucket
    required: true
runs:
  using: node24
  main: dist/index.js
  post: dist/post/index.js
`

// Plain Node scripts standing in for ncc bundles: they write the runner's
// command files directly.
const MAIN_JS = `
const fs = require('fs')
const out = [
  'region=' + process.env['INPUT_AWS-REGION'],
  'attempts=' + process.env['INPUT_MAX_ATTEMPTS'],
  'bucket=' + (process.env['INPUT_BUCKET'] ?? '(unset)'),
  'multi<<EOF', 'line 1', 'line 2', 'EOF',
]
fs.appendFileSync(process.env.GITHUB_OUTPUT, out.join('\\n') + '\\n')
fs.appendFileSync(process.env.GITHUB_STATE, 'cleanup=' + process.cwd() + '\\n')
fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, '# Sample\\n')
fs.appendFileSync(process.env.GITHUB_ENV, 'EXPORTED=yes\\n')
fs.appendFileSync(process.env.GITHUB_PATH, '/opt/sample/bin\\n')
console.log('main ran')
process.exitCode = process.env['INPUT_BUCKET'] ? 0 : 1
`

const POST_JS = `
console.log('post saw ' + process.env.STATE_cleanup)
`

describe('action-inputs helpers', () => {
  let action: string

  beforeAll(() => {
    action = mkdtempSync(join(tmpdir(), 'kit-sample-action-'))
    writeFileSync(join(action, 'action.yml'), ACTION_YML)
    mkdirSync(join(action, 'dist', 'post'), { recursive: true })
    writeFileSync(join(action, 'dist', 'package.json'), '{"type":"commonjs"}')
    writeFileSync(join(action, 'dist', 'index.js'), MAIN_JS)
    writeFileSync(join(action, 'dist', 'post', 'index.js'), POST_JS)
  })

  afterAll(() => rmSync(action, { recursive: true, force: true }))

  it('reads defaults as text', () => {
    expect(actionDefaults(action)).toEqual({
      'aws-region': 'us-east-1',
      'max attempts': '3',
      'dry-run': 'false',
    })
  })

  it('builds runner input variables', () => {
    expect(inputEnv(action, { bucket: 'b1', 'dry-run': undefined })).toEqual({
      'INPUT_AWS-REGION': 'us-east-1',
      INPUT_MAX_ATTEMPTS: '3',
      INPUT_BUCKET: 'b1',
    })
  })

  it('rejects undeclared inputs', () => {
    expect(() => inputEnv(action, { bukket: 'b1' })).toThrow(
      /declares no input 'bukket'; declared: aws-region, max attempts, dry-run, bucket/,
    )
  })

  it('runs main and collects files', async () => {
    const result = await runBundle(action, {
      inputs: { bucket: 'b1', 'aws-region': 'eu-west-1' },
      env: { PATH: process.env.PATH, INPUT_BUCKET: 'leaked' },
    })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe('main ran\n')
    expect(result.outputs).toEqual({
      region: 'eu-west-1',
      attempts: '3',
      bucket: 'b1',
      multi: 'line 1\nline 2',
    })
    expect(result.summary).toBe('# Sample\n')
    expect(result.exportedEnv).toEqual({ EXPORTED: 'yes' })
    expect(result.addedPath).toEqual(['/opt/sample/bin'])
    expect(Object.keys(result.state)).toEqual(['cleanup'])
  })

  it('drops inputs from the caller env', async () => {
    const result = await runBundle(action, {
      env: { PATH: process.env.PATH, INPUT_BUCKET: 'leaked' },
    })
    expect(result.exitCode).toBe(1)
    expect(result.outputs.bucket).toBe('(unset)')
  })

  it('passes state to post', async () => {
    const result = await runBundle(action, {
      entry: 'post',
      state: { cleanup: '/tmp/work' },
      env: { PATH: process.env.PATH },
    })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe('post saw /tmp/work\n')
  })
})
