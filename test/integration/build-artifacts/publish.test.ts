import { randomBytes } from 'node:crypto'
import { renameSync, rmSync } from 'node:fs'
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
  CloudFrontClient,
  CreateDistributionCommand,
  GetInvalidationCommand,
} from '@aws-sdk/client-cloudfront'
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import type { FrontendFilesRecord } from '../../../common/contracts/records.js'
import { CONTENT_TYPES } from '../../../actions/build-artifacts/src/content-types.js'
import {
  makeWorkspace,
  runBuildArtifacts,
  setMtime,
  writeTree,
} from '../../helpers/build-artifacts.js'
import {
  awsClient,
  createBucket,
  listKeys,
  putObjectText,
  readObjectText,
} from '../../helpers/fixtures.js'
import { motoState, resetMoto } from '../../helpers/stack.js'

const OLD_DATE = new Date('2001-02-03T04:05:06Z')
const workspaces: string[] = []
let s3: S3Client

beforeAll(() => {
  s3 = awsClient(S3Client)
})

afterAll(() => {
  s3.destroy()
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true })
})

/** Creates a workspace whose build folder `dist` contains `files`. */
function site(files: Record<string, string | Buffer>): string {
  const workspace = makeWorkspace()
  workspaces.push(workspace)
  writeTree(path.join(workspace, 'dist'), files)
  return workspace
}

function publish(
  workspace: string,
  bucket: string,
  extra: Record<string, string | undefined> = {},
) {
  return runBuildArtifacts(workspace, {
    mode: 'publish',
    'frontend-dir': 'dist',
    'frontend-bucket': bucket,
    ...extra,
  })
}

async function head(bucket: string, key: string) {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
}

const BASE_SITE = {
  'index.html':
    '<!doctype html><script src="assets/main.3f9a1c2b.js"></script>',
  'assets/main.3f9a1c2b.js': 'console.log("v1")',
  'assets/app.css': 'body{color:red}',
  'about/index.html': '<p>about</p>',
}

describe('publish to S3', () => {
  it('uploads everything first time', async () => {
    const bucket = await createBucket()
    const workspace = site(BASE_SITE)
    const run = await publish(workspace, bucket, { 'frontend-prefix': 'web' })
    expect(run.error).toBeUndefined()
    expect(run.outputs['uploaded-count']).toBe('4')
    expect(run.outputs['unchanged-count']).toBe('0')
    expect(run.outputs['previous-index-json']).toBe('')
    expect(await listKeys(bucket)).toEqual([
      'web/about/index.html',
      'web/assets/app.css',
      'web/assets/main.3f9a1c2b.js',
      'web/index.html',
    ])
    const js = await head(bucket, 'web/assets/main.3f9a1c2b.js')
    expect(js.ContentType).toBe('text/javascript; charset=utf-8')
    expect(js.CacheControl).toBe('public, max-age=31536000, immutable')
    const html = await head(bucket, 'web/index.html')
    expect(html.CacheControl).toBe('public, max-age=0, must-revalidate')
    const record = run.record?.artifacts?.[0] as FrontendFilesRecord
    expect(record.type).toBe('frontend_files')
    expect(record.bucket).toBe(bucket)
    expect(record.prefix).toBe('web')
    expect(record.file_count).toBe(4)
    expect(record.location).toEqual({ kind: 's3', bucket, prefix: 'web' })
    expect(run.record?.status).toBe('succeeded')
    expect(run.record?.stage).toBe('publish')
  })

  it('checks, scans and publishes in one step with mode frontend,publish', async () => {
    const bucket = await createBucket()
    const run = await publish(site(BASE_SITE), bucket, {
      mode: 'frontend,publish',
    })
    expect(run.error).toBeUndefined()
    expect(run.outputs['uploaded-count']).toBe('4')
    expect(run.outputs['frontend-file-count']).toBe('4')
    expect(run.outputs['frontend-sha256']).toMatch(/^[0-9a-f]{64}$/)
    const record = run.record?.artifacts?.[0] as FrontendFilesRecord
    expect(record.sha256).toBe(run.outputs['frontend-sha256'])
    expect(record.location).toEqual({ kind: 's3', bucket, prefix: '' })
    expect(run.record?.status).toBe('succeeded')
  })

  it('records the publish stage when its inputs fail their checks', async () => {
    const run = await publish(site(BASE_SITE), 'any-bucket', {
      'max-delete-percent': '150',
    })
    expect(String(run.error)).toMatch(/max-delete-percent/)
    expect(run.record?.status).toBe('failed')
    expect(run.record?.stage).toBe('publish')
  })

  it('uploads HTML after assets', async () => {
    const bucket = await createBucket()
    const run = await publish(site(BASE_SITE), bucket)
    const order = run.log
      .filter((line) => line.startsWith('debug: Uploaded '))
      .map((line) => line.split(' ')[2])
    expect(order).toHaveLength(4)
    expect(order.slice(0, 2).sort()).toEqual([
      'assets/app.css',
      'assets/main.3f9a1c2b.js',
    ])
    expect(order[2]).toBe('about/index.html')
    expect(order[3]).toBe('index.html')
  })

  it('unchanged re-run uploads nothing', async () => {
    const bucket = await createBucket()
    const workspace = site(BASE_SITE)
    await publish(workspace, bucket)
    const before = await head(bucket, 'index.html')
    const again = await publish(workspace, bucket)
    expect(again.error).toBeUndefined()
    expect(again.outputs['uploaded-count']).toBe('0')
    expect(again.outputs['unchanged-count']).toBe('4')
    const after = await head(bucket, 'index.html')
    expect(after.LastModified).toEqual(before.LastModified)
  })

  it('uploads same-size change with old mtime', async () => {
    const bucket = await createBucket()
    const workspace = site(BASE_SITE)
    await publish(workspace, bucket)
    const file = path.join(workspace, 'dist', 'assets', 'app.css')
    writeTree(path.join(workspace, 'dist'), {
      'assets/app.css': 'body{color:blu}',
    })
    setMtime(file, OLD_DATE)
    const run = await publish(workspace, bucket)
    expect(run.outputs['uploaded-count']).toBe('1')
    expect(run.outputs['unchanged-count']).toBe('3')
    expect(await readObjectText(bucket, 'assets/app.css')).toBe(
      'body{color:blu}',
    )
  })

  it('uploads a renamed file', async () => {
    const bucket = await createBucket()
    const workspace = site(BASE_SITE)
    await publish(workspace, bucket)
    const dist = path.join(workspace, 'dist')
    renameSync(
      path.join(dist, 'assets', 'app.css'),
      path.join(dist, 'assets', 'site.css'),
    )
    const run = await publish(workspace, bucket)
    expect(run.outputs['uploaded-count']).toBe('1')
    expect(await readObjectText(bucket, 'assets/site.css')).toBe(
      'body{color:red}',
    )
    expect(await listKeys(bucket, 'assets/')).toContain('assets/app.css')
  })

  it('round-trips spaces, NFD and symbols', async () => {
    const bucket = await createBucket()
    const nfd = 'cafe\u0301 menu.txt'
    const workspace = site({
      'index.html': '<p>',
      [`docs/${nfd}`]: 'menu',
      'my files/a~b+c.txt': 'tilde',
      '日本語/ファイル.txt': 'jp',
    })
    const run = await publish(workspace, bucket)
    expect(run.error).toBeUndefined()
    const keys = await listKeys(bucket)
    expect(keys).toContain('docs/caf\u00e9 menu.txt')
    expect(keys).not.toContain(`docs/${nfd}`)
    expect(keys).toContain('my files/a~b+c.txt')
    expect(keys).toContain('日本語/ファイル.txt')
    expect(await readObjectText(bucket, 'my files/a~b+c.txt')).toBe('tilde')
    const again = await publish(workspace, bucket)
    expect(again.outputs['uploaded-count']).toBe('0')
  })

  it('sets every content type of the table', async () => {
    const bucket = await createBucket()
    const files: Record<string, string> = { 'index.html': '<p>' }
    for (const extension of Object.keys(CONTENT_TYPES)) {
      files[`types/file.${extension}`] = `content of ${extension}`
    }
    const run = await publish(site(files), bucket, {
      'include-source-maps': 'true',
    })
    expect(run.error).toBeUndefined()
    for (const [extension, type] of Object.entries(CONTENT_TYPES)) {
      const object = await head(bucket, `types/file.${extension}`)
      expect(`${extension}: ${object.ContentType}`).toBe(
        `${extension}: ${type}`,
      )
    }
  })

  it('detects multipart changes by metadata', async () => {
    const bucket = await createBucket()
    const big = randomBytes(9 * 1024 * 1024)
    const workspace = site({ 'index.html': '<p>', 'media/video.mp4': big })
    const first = await publish(workspace, bucket)
    expect(first.error).toBeUndefined()
    const object = await head(bucket, 'media/video.mp4')
    expect(object.ETag).toMatch(/-2"$/)
    expect(object.ContentLength).toBe(big.length)
    const same = await publish(workspace, bucket)
    expect(same.outputs['uploaded-count']).toBe('0')
    big[100] = (big[100] ?? 0) ^ 0xff
    writeTree(path.join(workspace, 'dist'), { 'media/video.mp4': big })
    setMtime(path.join(workspace, 'dist', 'media', 'video.mp4'), OLD_DATE)
    const changed = await publish(workspace, bucket)
    expect(changed.outputs['uploaded-count']).toBe('1')
  })

  it('keeps previous index as copy', async () => {
    const bucket = await createBucket()
    const workspace = site(BASE_SITE)
    await publish(workspace, bucket)
    writeTree(path.join(workspace, 'dist'), { 'index.html': '<p>v2</p>' })
    const run = await publish(workspace, bucket)
    const previous = JSON.parse(run.outputs['previous-index-json'] ?? '{}')
    expect(previous.bucket).toBe(bucket)
    expect(previous.key).toBe('index.html')
    expect(previous.copy_key).toMatch(/^\.deploy-kit\/previous-index\//)
    expect(await readObjectText(bucket, previous.copy_key)).toBe(
      BASE_SITE['index.html'],
    )
    const record = run.record?.artifacts?.[0] as FrontendFilesRecord
    expect(record.previous_index).toEqual({ bucket, key: previous.copy_key })
  })

  it('keeps previous index as version', async () => {
    const bucket = await createBucket()
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    )
    const workspace = site(BASE_SITE)
    await publish(workspace, bucket)
    writeTree(path.join(workspace, 'dist'), { 'index.html': '<p>v2</p>' })
    const run = await publish(workspace, bucket)
    const previous = JSON.parse(run.outputs['previous-index-json'] ?? '{}')
    expect(previous.version_id).toEqual(expect.any(String))
    const old = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: 'index.html',
        VersionId: previous.version_id,
      }),
    )
    expect(await old.Body?.transformToString()).toBe(BASE_SITE['index.html'])
  })
})

describe('publish listing in segments', () => {
  it('finds unchanged and stale keys', async () => {
    const bucket = await createBucket()
    const files: Record<string, string> = { 'index.html': '<p>home</p>' }
    for (let i = 0; i < 1200; i += 1) {
      files[`part ${i % 7}/file ${i}.txt`] = `content ${i}`
    }
    // U+FF5E sorts before U+1F600 in UTF-8 byte order (S3's order) but
    // after it in UTF-16 code unit order (JavaScript's string order).
    files['z/\uFF5E wave.txt'] = 'wave'
    files['z/\u{1F600} smile.txt'] = 'smile'
    const stale = [
      'aaa stale.txt',
      'part 3/m stale.txt',
      'z/\u{1F601} stale.txt',
    ]
    for (const key of stale) await putObjectText(bucket, key, 'old')
    const workspace = site(files)
    const first = await publish(workspace, bucket)
    expect(first.error).toBeUndefined()
    expect(first.outputs['uploaded-count']).toBe('1203')
    expect(first.log).toContain(
      `info: 3 objects under s3://${bucket}/ are not in the build; they stay because delete-stale is false`,
    )

    const again = await publish(workspace, bucket)
    expect(again.outputs['uploaded-count']).toBe('0')
    expect(again.outputs['unchanged-count']).toBe('1203')
    expect(again.log).toContain(
      `info: Found 1206 objects under s3://${bucket}/`,
    )

    const cleanup = await publish(workspace, bucket, {
      'delete-stale': 'true',
      'max-delete-percent': '100',
    })
    expect(cleanup.outputs['deleted-count']).toBe('3')
    const keys = await listKeys(bucket)
    expect(keys).toHaveLength(1203)
    for (const key of stale) expect(keys).not.toContain(key)
  })
})

// moto 5.2.1 fails to dump its models (/moto-api/data.json) after any
// multipart upload, so tests that compare moto's state start from a reset.
// Each jest worker has its own moto server and runs one file at a time.
function startFromEmptyMoto(): void {
  beforeEach(async () => {
    await resetMoto()
  })
}

describe('publish deletion guard', () => {
  startFromEmptyMoto()

  it('deletes stale objects within share', async () => {
    const bucket = await createBucket()
    const workspace = site(BASE_SITE)
    await publish(workspace, bucket)
    await putObjectText(bucket, 'old.js', 'x')
    const run = await publish(workspace, bucket, { 'delete-stale': 'true' })
    expect(run.error).toBeUndefined()
    expect(run.outputs['deleted-count']).toBe('1')
    expect(await listKeys(bucket)).not.toContain('old.js')
    // The plan line announces the deletion and the log names the key.
    expect(run.log.join('\n')).toMatch(
      /1 stale object to delete after the uploads\n[^]*Deleting 1 stale object under s3:\/\/[^ ]+\/ \(not in the build\):\ninfo: {3}old\.js\n/,
    )
    expect(run.record?.details?.publish).toMatchObject({
      deleted: 1,
      deleted_keys: ['old.js'],
    })
  })

  it('rejects deleting too many', async () => {
    const bucket = await createBucket()
    for (const name of ['a', 'b', 'c']) {
      await putObjectText(bucket, `${name}.js`, name)
    }
    const before = await motoState()
    const run = await publish(site(BASE_SITE), bucket, {
      'delete-stale': 'true',
      'max-delete-percent': '50',
    })
    expect(String(run.error)).toMatch(
      /would delete 3 of the 3 objects .*more than max-delete-percent 50%/,
    )
    expect(await motoState()).toEqual(before)
    expect(run.record?.status).toBe('failed')
  })

  it('keeps stale objects by default', async () => {
    const bucket = await createBucket()
    await putObjectText(bucket, 'old.js', 'x')
    const run = await publish(site(BASE_SITE), bucket)
    expect(run.outputs['deleted-count']).toBe('0')
    expect(await listKeys(bucket)).toContain('old.js')
  })
})

describe('publish CloudFront invalidation', () => {
  async function distribution(): Promise<string> {
    const cloudFront = awsClient(CloudFrontClient)
    try {
      const created = await cloudFront.send(
        new CreateDistributionCommand({
          DistributionConfig: {
            CallerReference: `kit-${Date.now()}-${Math.random()}`,
            Comment: 'build-artifacts test',
            Enabled: true,
            Origins: {
              Quantity: 1,
              Items: [
                {
                  Id: 'site',
                  DomainName: 'site.s3.us-east-1.amazonaws.com',
                  S3OriginConfig: { OriginAccessIdentity: '' },
                },
              ],
            },
            DefaultCacheBehavior: {
              TargetOriginId: 'site',
              ViewerProtocolPolicy: 'redirect-to-https',
              ForwardedValues: {
                QueryString: false,
                Cookies: { Forward: 'none' },
              },
              MinTTL: 0,
            },
          },
        }),
      )
      return created.Distribution?.Id ?? ''
    } finally {
      cloudFront.destroy()
    }
  }

  it('invalidates only changed paths', async () => {
    const bucket = await createBucket()
    const id = await distribution()
    const workspace = site({ ...BASE_SITE, 'a b/ü.txt': 'one' })
    const first = await publish(workspace, bucket, {
      'cloudfront-distribution-id': id,
    })
    expect(first.error).toBeUndefined()
    expect(first.outputs['invalidation-id']).toBeUndefined()
    writeTree(path.join(workspace, 'dist'), {
      'index.html': '<p>v2</p>',
      'a b/ü.txt': 'two',
    })
    const run = await publish(workspace, bucket, {
      'cloudfront-distribution-id': id,
      'wait-for-invalidation': 'true',
    })
    expect(run.error).toBeUndefined()
    const invalidationId = run.outputs['invalidation-id'] ?? ''
    const cloudFront = awsClient(CloudFrontClient)
    try {
      const found = await cloudFront.send(
        new GetInvalidationCommand({ DistributionId: id, Id: invalidationId }),
      )
      expect(
        [...(found.Invalidation?.InvalidationBatch?.Paths?.Items ?? [])].sort(),
      ).toEqual(['/', '/a%20b/%C3%BC.txt', '/index.html'])
    } finally {
      cloudFront.destroy()
    }
  })

  it('falls back to a wildcard', async () => {
    const bucket = await createBucket()
    const id = await distribution()
    const workspace = site(BASE_SITE)
    await publish(workspace, bucket, { 'frontend-prefix': 'app' })
    writeTree(path.join(workspace, 'dist'), {
      'assets/app.css': 'x',
      'about/index.html': 'y',
    })
    const run = await publish(workspace, bucket, {
      'frontend-prefix': 'app',
      'cloudfront-distribution-id': id,
      'invalidation-max-paths': '2',
    })
    const details = run.record?.details?.invalidation as { paths: string[] }
    expect(details.paths).toEqual(['/app/*'])
  })
})

describe('publish failures before side effects', () => {
  startFromEmptyMoto()

  it.each([
    ['missing bucket', { 'frontend-bucket': undefined }, /frontend-bucket/],
    ['bad prefix', { 'frontend-prefix': '/abs' }, /frontend-prefix/],
    ['bad concurrency', { 'upload-concurrency': '0' }, /upload-concurrency/],
    ['missing folder', { 'frontend-dir': 'nope' }, /frontend-dir/],
  ])('%s', async (_name, override, message) => {
    const bucket = await createBucket()
    const workspace = site(BASE_SITE)
    const before = await motoState()
    const run = await publish(workspace, bucket, override)
    expect(String(run.error)).toMatch(message)
    expect(await motoState()).toEqual(before)
    expect(run.record?.status).toBe('failed')
  })

  it('rejects missing index.html', async () => {
    const bucket = await createBucket()
    const before = await motoState()
    const run = await publish(site({ 'main.js': 'x' }), bucket)
    expect(String(run.error)).toMatch(/has no index.html at its root/)
    expect(await motoState()).toEqual(before)
  })

  // The bucket listing (read-only) runs while the files are scanned, so
  // only the bucket's contents are compared here.
  it('rejects planted key before upload', async () => {
    const bucket = await createBucket()
    const key = ['AKIA', 'Z7Q2RSTUVWXY3456'].join('')
    const run = await publish(
      site({
        'index.html': '<p>',
        'js/config.js': `\nconst k = "${key}"`,
        '.env': 'A=1',
      }),
      bucket,
    )
    expect(String(run.error)).toMatch(
      /found 2 problems \(env-file: 1, aws-access-key-id: 1\)/,
    )
    expect(run.log).toContain(
      'error: js/config.js:2: aws-access-key-id: AWS access key id (20 characters, value not shown)',
    )
    expect(await listKeys(bucket)).toEqual([])
    expect(run.outputs['uploaded-count']).toBeUndefined()
  })
})
