import { createHash } from 'node:crypto'
import { rmSync } from 'node:fs'
import path from 'node:path'
import {
  afterAll,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
} from '@jest/globals'
import {
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import {
  makeWorkspace,
  runBuildArtifacts,
  writeTree,
} from '../../helpers/build-artifacts.js'
import {
  awsClient,
  createBucket,
  readObjectText,
} from '../../helpers/fixtures.js'
import { motoState, resetMoto } from '../../helpers/stack.js'

const V1 = '<!doctype html><p>release 1</p>'
const V2 = '<!doctype html><p>release 2, which failed</p>'
const workspaces: string[] = []
let s3: S3Client

beforeAll(() => {
  s3 = awsClient(S3Client)
})

afterAll(() => {
  s3.destroy()
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true })
})

// moto 5.2.1 fails to dump its models (/moto-api/data.json) after any
// multipart upload; the state comparisons below need a fresh server.
beforeEach(async () => {
  await resetMoto()
})

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** Publishes release 1, then release 2, and returns the previous-index-json of the second publish. */
async function publishTwice(
  bucket: string,
  prefix = '',
): Promise<{ workspace: string; previousIndexJson: string }> {
  const workspace = makeWorkspace()
  workspaces.push(workspace)
  const dist = path.join(workspace, 'dist')
  const inputs = {
    mode: 'publish',
    'frontend-dir': 'dist',
    'frontend-bucket': bucket,
    ...(prefix === '' ? {} : { 'frontend-prefix': prefix }),
  }
  writeTree(dist, { 'index.html': V1, 'app.js': 'console.log(1)' })
  const first = await runBuildArtifacts(workspace, inputs)
  expect(first.error).toBeUndefined()
  writeTree(dist, { 'index.html': V2 })
  const second = await runBuildArtifacts(workspace, inputs)
  expect(second.error).toBeUndefined()
  const previousIndexJson = second.outputs['previous-index-json'] ?? ''
  expect(previousIndexJson).not.toBe('')
  return { workspace, previousIndexJson }
}

function restore(workspace: string, previousIndexJson: string | undefined) {
  return runBuildArtifacts(workspace, {
    mode: 'restore-index',
    'previous-index-json': previousIndexJson,
  })
}

async function head(bucket: string, key: string) {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
}

describe('restore-index', () => {
  it('restores a kept version', async () => {
    const bucket = await createBucket()
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    )
    const { workspace, previousIndexJson } = await publishTwice(bucket, 'web')
    const previous = JSON.parse(previousIndexJson)
    expect(previous.version_id).toEqual(expect.any(String))
    expect(await readObjectText(bucket, 'web/index.html')).toBe(V2)

    const run = await restore(workspace, previousIndexJson)
    expect(run.error).toBeUndefined()
    expect(await readObjectText(bucket, 'web/index.html')).toBe(V1)
    const restored = await head(bucket, 'web/index.html')
    expect(restored.ContentType).toBe('text/html; charset=utf-8')
    expect(restored.CacheControl).toBe('public, max-age=0, must-revalidate')
    expect(restored.Metadata?.sha256).toBe(sha256(V1))

    const output = JSON.parse(run.outputs['restored-index-json'] ?? '{}')
    expect(output.bucket).toBe(bucket)
    expect(output.key).toBe('web/index.html')
    expect(output.source).toBe(
      `web/index.html?versionId=${previous.version_id}`,
    )
    expect(output.version_id).toBe(restored.VersionId)
    expect(output.size_bytes).toBe(Buffer.byteLength(V1))
    const versions = await s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'web/index' }),
    )
    expect(versions.Versions).toHaveLength(3)
    expect(run.record?.stage).toBe('rollback')
    expect(run.record?.status).toBe('succeeded')
    expect(run.log.join('\n')).toContain(
      `Restored s3://${bucket}/web/index.html from s3://${bucket}/web/index.html version ${previous.version_id}`,
    )
    expect(run.summary).toContain('restore-index')
  })

  it('restores a kept copy', async () => {
    const bucket = await createBucket()
    const prefix = 'café web+1'
    const key = `${prefix}/index.html`
    const { workspace, previousIndexJson } = await publishTwice(bucket, prefix)
    const previous = JSON.parse(previousIndexJson)
    expect(previous.key).toBe(key)
    expect(previous.copy_key).toMatch(
      /^café web\+1\/\.deploy-kit\/previous-index\//,
    )

    const run = await restore(workspace, previousIndexJson)
    expect(run.error).toBeUndefined()
    expect(await readObjectText(bucket, key)).toBe(V1)
    const restored = await head(bucket, key)
    expect(restored.ContentType).toBe('text/html; charset=utf-8')
    expect(restored.CacheControl).toBe('public, max-age=0, must-revalidate')
    expect(restored.Metadata?.sha256).toBe(sha256(V1))
    const output = JSON.parse(run.outputs['restored-index-json'] ?? '{}')
    expect(output.source).toBe(previous.copy_key)
    expect(output.version_id).toBeUndefined()
    expect(run.record?.status).toBe('succeeded')
  })

  it.each([
    ['empty value', undefined],
    ['null', 'null'],
  ])('skips without previous index (%s)', async (_name, value) => {
    const workspace = makeWorkspace()
    workspaces.push(workspace)
    await createBucket()
    const before = await motoState()
    const run = await restore(workspace, value)
    expect(run.error).toBeUndefined()
    expect(await motoState()).toEqual(before)
    expect(run.outputs['restored-index-json']).toBe('')
    expect(run.record?.stage).toBe('rollback')
    expect(run.record?.status).toBe('skipped')
    expect(run.log.join('\n')).toContain('nothing to restore')
  })

  it('fails when the kept copy is gone', async () => {
    const bucket = await createBucket()
    const workspace = makeWorkspace()
    workspaces.push(workspace)
    const run = await restore(
      workspace,
      JSON.stringify({
        bucket,
        key: 'index.html',
        copy_key: '.deploy-kit/previous-index/missing.html',
      }),
    )
    expect(String(run.error)).toMatch(
      /The kept index.html s3:\/\/.+\/\.deploy-kit\/previous-index\/missing\.html was not found \(HTTP 404\)/,
    )
    expect(run.record?.status).toBe('failed')
  })
})

describe('restore-index input checks', () => {
  const bucket = 'site-bucket'
  it.each([
    ['bad JSON', '{"bucket": ', /Use valid JSON/],
    ['not an object', '["x"]', /It is not a JSON object/],
    [
      'missing key',
      JSON.stringify({ bucket, version_id: 'v1' }),
      /Field key is missing/,
    ],
    [
      'neither reference',
      JSON.stringify({ bucket, key: 'index.html' }),
      /Neither version_id nor copy_key is set/,
    ],
    [
      'both references',
      JSON.stringify({
        bucket,
        key: 'index.html',
        version_id: 'v',
        copy_key: 'c',
      }),
      /Both version_id and copy_key are set/,
    ],
    [
      'unknown field',
      JSON.stringify({ bucket, key: 'index.html', version: 'v' }),
      /Unknown field version/,
    ],
    [
      'bad bucket',
      JSON.stringify({ bucket: 'Bad_Bucket', key: 'i', copy_key: 'c' }),
      /Field bucket 'Bad_Bucket' is not a valid bucket name/,
    ],
    [
      'empty version id',
      JSON.stringify({ bucket, key: 'index.html', version_id: '' }),
      /Field version_id must be a non-empty string/,
    ],
  ])('rejects %s', async (_name, value, message) => {
    const workspace = makeWorkspace()
    workspaces.push(workspace)
    const before = await motoState()
    const run = await restore(workspace, value)
    expect(String(run.error)).toMatch(/previous-index-json/)
    expect(String(run.error)).toMatch(message)
    expect(await motoState()).toEqual(before)
    expect(run.record?.status).toBe('failed')
  })

  it('rejects restore-index with other parts', async () => {
    const workspace = makeWorkspace()
    workspaces.push(workspace)
    const run = await runBuildArtifacts(workspace, {
      mode: 'publish, restore-index',
      'previous-index-json': '',
    })
    expect(String(run.error)).toMatch(/restore-index runs alone/)
  })

  it('rejects previous-index-json without restore-index', async () => {
    const workspace = makeWorkspace()
    workspaces.push(workspace)
    writeTree(path.join(workspace, 'dist'), { 'index.html': V1 })
    const run = await runBuildArtifacts(workspace, {
      mode: 'frontend',
      'frontend-dir': 'dist',
      'previous-index-json': JSON.stringify({
        bucket,
        key: 'index.html',
        copy_key: 'c',
      }),
    })
    expect(String(run.error)).toMatch(/Only the restore-index part uses it/)
  })
})
