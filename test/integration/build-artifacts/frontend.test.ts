import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals'
import type {
  FrontendFilesRecord,
  RecordFragment,
} from '../../../common/contracts/records.js'
import {
  makeWorkspace,
  readJson,
  runBuildArtifacts,
  writeTree,
} from '../../helpers/build-artifacts.js'
import { motoState, resetMoto } from '../../helpers/stack.js'

const workspaces: string[] = []

afterAll(() => {
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true })
})

// moto 5.2.1 cannot dump its models after a multipart upload, which other
// test files on this worker make; start from a reset to compare states.
beforeEach(async () => {
  await resetMoto()
})

function workspaceWith(files: Record<string, string | Buffer>): string {
  const workspace = makeWorkspace()
  workspaces.push(workspace)
  mkdirSync(path.join(workspace, 'dist'))
  writeTree(path.join(workspace, 'dist'), files)
  return workspace
}

function checkFrontend(
  workspace: string,
  extra: Record<string, string | undefined> = {},
) {
  return runBuildArtifacts(workspace, {
    mode: 'frontend',
    'frontend-dir': 'dist',
    ...extra,
  })
}

describe('frontend part', () => {
  it('records checksums without AWS', async () => {
    const workspace = workspaceWith({
      'index.html': 'hello',
      'assets/app.js': 'console.log(1)',
    })
    const before = await motoState()
    const run = await checkFrontend(workspace)
    expect(run.error).toBeUndefined()
    expect(await motoState()).toEqual(before)
    expect(run.outputs['frontend-file-count']).toBe('2')
    expect(run.outputs['frontend-size-bytes']).toBe('19')
    expect(run.outputs['frontend-sha256']).toMatch(/^[0-9a-f]{64}$/)

    const recordFile = path.join(
      workspace,
      '.deploy-records/build-artifacts.json',
    )
    const fragment = readJson<RecordFragment>(recordFile)
    expect(fragment.status).toBe('succeeded')
    expect(fragment.stage).toBe('build')
    const record = fragment.artifacts?.[0] as FrontendFilesRecord
    expect(record).toMatchObject({
      type: 'frontend_files',
      name: 'frontend',
      version: '0123456789abcdef0123456789abcdef01234567',
      size_bytes: 19,
      pipeline_run_id: '4242424242',
      bucket: null,
      file_count: 2,
      index_file: 'index.html',
      scan: { status: 'passed' },
    })
    expect(record.sha256).toBe(run.outputs['frontend-sha256'])
    const sums = readFileSync(
      path.join(workspace, '.deploy-records/build-artifacts.sha256sums.txt'),
      'utf8',
    )
    expect(sums).toContain(
      '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824  index.html',
    )
    expect(
      existsSync(
        path.join(workspace, '.deploy-records/build-artifacts.artifacts.json'),
      ),
    ).toBe(true)
    expect(run.log.join('\n')).toMatch(
      /ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL not set/,
    )
    expect(run.summary).toMatch(/Records not uploaded/)
  })

  it('fails on empty folder', async () => {
    const run = await checkFrontend(workspaceWith({}))
    expect(String(run.error)).toMatch(/build folder dist is empty/)
    expect(run.record?.status).toBe('failed')
  })

  it('fails on missing folder', async () => {
    const workspace = workspaceWith({})
    const run = await checkFrontend(workspace, { 'frontend-dir': 'build' })
    expect(String(run.error)).toMatch(/frontend-dir/)
    expect(run.record?.status).toBe('failed')
  })

  it('fails without root index.html', async () => {
    const run = await checkFrontend(
      workspaceWith({ 'app/index.html': '<p>', 'main.js': '1' }),
    )
    expect(String(run.error)).toMatch(/has no index.html at its root/)
  })

  it('lists planted key and env file', async () => {
    const secret = ['AKIA', 'Z7Q2RSTUVWXY3456'].join('')
    const run = await checkFrontend(
      workspaceWith({
        'index.html': '<p>',
        'js/config.js': `const a = 1\n\nconst key = '${secret}'\n`,
        '.env': 'DATABASE_PASSWORD=hunter2',
        'js/app.js.map': '{}',
      }),
    )
    const message = String(run.error)
    expect(message).toMatch(/found 3 problems/)
    expect(run.log).toContain(
      'error: js/config.js:3: aws-access-key-id: AWS access key id (20 characters, value not shown)',
    )
    expect(run.log.some((l) => l.startsWith('error: .env: env-file:'))).toBe(
      true,
    )
    expect(
      run.log.some((l) => l.startsWith('error: js/app.js.map: source-map:')),
    ).toBe(true)
    expect(run.summary).toMatch(/Frontend scan findings/)
    const everything = [
      message,
      run.summary,
      ...run.log,
      JSON.stringify(run.outputs),
    ].join('\n')
    expect(everything).not.toContain(secret)
    expect(everything).not.toContain('hunter2')
    expect(run.record?.status).toBe('failed')
  })

  it('allows source maps when asked', async () => {
    const run = await checkFrontend(
      workspaceWith({ 'index.html': '<p>', 'app.js.map': '{}' }),
      { 'include-source-maps': 'true' },
    )
    expect(run.error).toBeUndefined()
  })
})
