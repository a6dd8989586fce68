// build-artifacts publish (S3 upload, CloudFront invalidation) through the
// fault proxy, run as the committed bundle the way the runner runs it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from '@jest/globals'
import {
  CloudFrontClient,
  CreateDistributionCommand,
} from '@aws-sdk/client-cloudfront'
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { runBundle, type BundleResult } from '../../helpers/action-inputs.js'
import { writeTree } from '../../helpers/build-artifacts.js'
import type { FaultProxy } from '../../helpers/fault-proxy.js'
import {
  awsClient,
  createBucket,
  listKeys,
  readObjectText,
} from '../../helpers/fixtures.js'
import {
  expectNamedFailure,
  expectSuccess,
  lastErrorLine,
  motoProxy,
  proxiedEnv,
  recordPersistent,
  recordSurvival,
  survivalRuns,
  transientRules,
} from './fault-run.js'

const STEP_TIMEOUT_MS = 90_000
const folders: string[] = []
const proxies: FaultProxy[] = []

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
})

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

/** A site of 12 files whose HTML names a content-hashed script, version `version`. */
function siteFiles(version: string): Record<string, string> {
  const files: Record<string, string> = {
    'index.html': `<!doctype html><script src="assets/main.${version}.js"></script>`,
    'about/index.html': `<p>about ${version}</p>`,
    [`assets/main.${version}.js`]: `console.log(${JSON.stringify(version)})`,
    'assets/app.css': `body{--version:"${version}"}`,
  }
  for (let index = 0; index < 8; index += 1) {
    files[`assets/chunk-${index}.${version}.js`] = `export const n = ${index}`
  }
  return files
}

function workspaceWith(files: Record<string, string>): string {
  const workspace = mkdtempSync(path.join(tmpdir(), 'faults-publish-'))
  folders.push(workspace)
  writeTree(path.join(workspace, 'dist'), files)
  return workspace
}

async function distribution(): Promise<string> {
  const cloudFront = awsClient(CloudFrontClient)
  try {
    const created = await cloudFront.send(
      new CreateDistributionCommand({
        DistributionConfig: {
          CallerReference: `faults-${Date.now()}-${Math.random()}`,
          Comment: 'fault test',
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

function publish(
  proxy: FaultProxy,
  workspace: string,
  inputs: Record<string, string>,
): Promise<BundleResult> {
  return runBundle('build-artifacts', {
    cwd: workspace,
    env: proxiedEnv(proxy),
    timeoutMs: STEP_TIMEOUT_MS + 30_000,
    inputs: {
      mode: 'publish',
      'frontend-dir': 'dist',
      'run-id': 'faults-publish',
      'commit-sha': 'a'.repeat(40),
      'image-tag': 'unused',
      timeout: `${STEP_TIMEOUT_MS / 1000}s`,
      ...inputs,
    },
  })
}

/** Lists every object of the bucket with its body, content type and cache control. */
async function bucketContents(bucket: string): Promise<string[]> {
  const s3 = awsClient(S3Client)
  try {
    const lines: string[] = []
    for (const key of await listKeys(bucket)) {
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key }),
      )
      const body = await readObjectText(bucket, key)
      // The copy of the previous index.html is named after the time of the run.
      const name = key.replace(/(previous-index\/).*(\.html)$/, '$1<time>$2')
      lines.push(`${name} ${head.ContentType} ${head.CacheControl} ${body}`)
    }
    return lines
  } finally {
    s3.destroy()
  }
}

/** Outputs that do not depend on the bucket, the distribution or the time. */
function comparableOutputs(run: BundleResult): Record<string, string> {
  const names = [
    'frontend-file-count',
    'frontend-size-bytes',
    'frontend-sha256',
    'uploaded-count',
    'unchanged-count',
    'deleted-count',
  ]
  return Object.fromEntries(names.map((name) => [name, run.outputs[name]!]))
}

/** Publishes v1, then v2 with changed files and an invalidation; returns both runs and the bucket. */
async function publishTwoVersions(proxy: FaultProxy) {
  const bucket = await createBucket()
  const id = await distribution()
  const inputs = {
    'frontend-bucket': bucket,
    'cloudfront-distribution-id': id,
    'wait-for-invalidation': 'true',
    'invalidation-timeout': '60s',
    'delete-stale': 'true',
    'max-delete-percent': '100',
  }
  const first = await publish(proxy, workspaceWith(siteFiles('v1')), inputs)
  const second = await publish(proxy, workspaceWith(siteFiles('v2')), inputs)
  return { bucket, first, second, contents: await bucketContents(bucket) }
}

describe('build-artifacts publish under faults', () => {
  it('survives 20% transient faults', async () => {
    const clean = await motoProxy()
    proxies.push(clean)
    const expected = await publishTwoVersions(clean)
    expectSuccess(expected.first)
    expectSuccess(expected.second)
    expect(expected.second.outputs['invalidation-id']).toBeTruthy()
    expect(clean.injected).toHaveLength(0)

    for (let run = 0; run < survivalRuns(); run += 1) {
      const faulty = await motoProxy(transientRules(), run)
      proxies.push(faulty)
      const actual = await publishTwoVersions(faulty)
      const survived =
        actual.first.exitCode === 0 && actual.second.exitCode === 0
      recordSurvival('build-artifacts publish', faulty, survived)
      expect(faulty.injected.length).toBeGreaterThan(0)
      expectSuccess(actual.first)
      expectSuccess(actual.second)
      expect(comparableOutputs(actual.first)).toEqual(
        comparableOutputs(expected.first),
      )
      expect(comparableOutputs(actual.second)).toEqual(
        comparableOutputs(expected.second),
      )
      expect(actual.second.outputs['invalidation-id']).toBeTruthy()
      expect(actual.contents).toEqual(expected.contents)
      expect(actual.second.stdout).toMatch(
        /failed \(attempt 1 of \d+\).*retrying/,
      )
    }
  })

  it('fails cleanly on persistent PutObject faults', async () => {
    const clean = await motoProxy()
    proxies.push(clean)
    const bucket = await createBucket()
    const inputs = { 'frontend-bucket': bucket }
    const first = await publish(clean, workspaceWith(siteFiles('v1')), inputs)
    expectSuccess(first)
    const before = await bucketContents(bucket)

    // Every upload of a v2 asset is throttled; HTML would follow the assets.
    const faulty = await motoProxy([
      {
        name: 'v2 assets',
        service: 's3',
        operation: 'PutObject',
        path: /\.v2\.js$/,
        fault: 'throttle',
      },
    ])
    proxies.push(faulty)
    const run = await publish(faulty, workspaceWith(siteFiles('v2')), inputs)
    const after = await bucketContents(bucket)
    const html = await readObjectText(bucket, 'index.html')
    const cleanFailure =
      run.exitCode !== 0 &&
      /S3 PutObject/.test(run.stdout) &&
      html.includes('main.v1.js')
    recordPersistent(
      'build-artifacts publish, persistent S3 PutObject SlowDown',
      cleanFailure,
      `exit ${run.exitCode} after ${run.durationMs} ms, ${faulty.injected.length} faults: ${lastErrorLine(run)}`,
    )
    expectNamedFailure(run, {
      label: 'S3 PutObject',
      error: 'SlowDown',
      limitMs: STEP_TIMEOUT_MS,
    })
    // The live HTML is still v1 and every script it names is present.
    expect(html).toContain('main.v1.js')
    expect(after.some((line) => line.startsWith('index.html '))).toBe(true)
    expect(after.filter((line) => line.includes('.v1.js'))).toEqual(
      before.filter((line) => line.includes('.v1.js')),
    )
    expect(await listKeys(bucket)).toContain('assets/main.v1.js')
  })
})
