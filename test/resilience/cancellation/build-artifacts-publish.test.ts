// build-artifacts publish cancelled by SIGINT or SIGTERM at seeded points,
// run as the committed bundle the way the runner runs it. While it runs
// and afterwards, every asset that the live index.html names must exist,
// and the record's status must be cancelled.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3'
import { runBundle, startBundle } from '../../helpers/action-inputs.js'
import { writeTree } from '../../helpers/build-artifacts.js'
import { awsClient, createBucket, listKeys } from '../../helpers/fixtures.js'
import { stackEnv } from '../../helpers/stack.js'
import {
  cancelAt,
  cancellationPoints,
  checkCancelledRun,
  PointChecks,
  recordCancellation,
  recordStatus,
  snapshotAction,
  watch,
  type Phase,
} from './cancel-run.js'

const ASSET_COUNT = 300
const folders: string[] = []
let bundle: string | undefined

/** Returns the folder of the action's bundle, copied once per file (see snapshotAction). */
function action(): string {
  if (bundle === undefined) {
    bundle = snapshotAction('build-artifacts')
    folders.push(path.dirname(bundle))
  }
  return bundle
}

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

/** Builds a site whose index.html names every one of its content-hashed assets. */
function siteFiles(version: string): Record<string, string> {
  const files: Record<string, string> = {}
  const tags: string[] = []
  for (let index = 0; index < ASSET_COUNT; index += 1) {
    const name = `assets/chunk-${index}.${version}.js`
    files[name] = `export const chunk = ${index} // ${version}`
    tags.push(`<script type="module" src="/${name}"></script>`)
  }
  files[`assets/app.${version}.css`] = `body{--version:"${version}"}`
  tags.push(`<link rel="stylesheet" href="/assets/app.${version}.css">`)
  files['index.html'] = `<!doctype html>\n${tags.join('\n')}\n`
  files['about/index.html'] = `<p>about ${version}</p>`
  return files
}

function workspaceWith(files: Record<string, string>): string {
  const workspace = mkdtempSync(path.join(tmpdir(), 'cancel-publish-'))
  folders.push(workspace)
  writeTree(path.join(workspace, 'dist'), files)
  return workspace
}

function publishInputs(bucket: string): Record<string, string> {
  return {
    mode: 'publish',
    'frontend-dir': 'dist',
    'frontend-bucket': bucket,
    'run-id': 'cancel-publish',
    'commit-sha': 'b'.repeat(40),
    'image-tag': 'unused',
    'delete-stale': 'true',
    'max-delete-percent': '100',
    // Few uploads at a time, so that a run spends a while in each phase.
    'upload-concurrency': '2',
    timeout: '90s',
  }
}

/** Asset paths that an index.html names in src or href attributes. */
function referencedAssets(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="\/([^"]+)"/g)].map(
    (match) => match[1] as string,
  )
}

/** Reads the live index.html and its ETag, or undefined when there is none. */
async function liveIndex(
  s3: S3Client,
  bucket: string,
): Promise<{ html: string; etag: string } | undefined> {
  try {
    const object = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'index.html' }),
    )
    return {
      html: (await object.Body?.transformToString()) ?? '',
      etag: object.ETag ?? '',
    }
  } catch (error) {
    if (error instanceof NoSuchKey) return undefined
    throw error
  }
}

/**
 * Returns a problem when the live index.html names an asset that the
 * bucket does not contain, or undefined when the page is complete. The
 * bucket is listed between two reads of index.html; when the page changed
 * in between, the sample cannot tell and counts as complete.
 */
async function missingAssets(
  s3: S3Client,
  bucket: string,
): Promise<string | undefined> {
  const before = await liveIndex(s3, bucket)
  if (before === undefined) return 'index.html is missing'
  const keys = new Set(await listKeys(bucket))
  const after = await liveIndex(s3, bucket)
  if (after?.etag !== before.etag) return undefined
  const version = /chunk-0\.(v\d+)\.js/.exec(before.html)?.[1] ?? '?'
  const missing = referencedAssets(before.html).filter((key) => !keys.has(key))
  if (missing.length === 0) return undefined
  return `index.html of ${version} names ${missing.length} missing assets, first ${missing[0]}`
}

const phases: Phase[] = [
  {
    name: 'publish start',
    pattern: /::group::Publish the frontend/,
    maxDelayMs: 150,
  },
  { name: 'listing', pattern: /Listing the objects under/, maxDelayMs: 150 },
  { name: 'asset upload', pattern: /Uploading \d+ assets/, maxDelayMs: 600 },
  {
    name: 'upload progress',
    pattern: /Uploaded \d+ of \d+ files/,
    maxDelayMs: 300,
  },
  { name: 'HTML upload', pattern: /Uploading \d+ HTML files/, maxDelayMs: 50 },
  { name: 'index upload', pattern: /Uploading 1 index\.html/, maxDelayMs: 30 },
]

describe('build-artifacts publish cancellation', () => {
  it('leaves a complete site at every point', async () => {
    const points = cancellationPoints('build-artifacts publish', phases)
    const results: PointChecks[] = []
    const notes: string[] = []
    const s3 = awsClient(S3Client)
    try {
      for (const point of points) {
        const checks = new PointChecks(point)
        results.push(checks)
        const bucket = await createBucket()
        const first = await runBundle(action(), {
          cwd: workspaceWith(siteFiles('v1')),
          env: stackEnv(),
          inputs: publishInputs(bucket),
        })
        checks.expect(
          first.exitCode === 0,
          `the v1 publish failed with exit ${first.exitCode}`,
        )
        if (first.exitCode !== 0) continue

        const workspace = workspaceWith(siteFiles('v2'))
        const watcher = watch(() => missingAssets(s3, bucket), 20)
        const running = startBundle(action(), {
          cwd: workspace,
          env: stackEnv(),
          inputs: publishInputs(bucket),
        })
        const delivery = await cancelAt(running, point)
        const run = await running.done
        const seen = await watcher.stop()
        const finalProblem = await missingAssets(s3, bucket)

        checks.expect(delivery.sent, 'the run ended before the signal')
        checks.expect(seen.length === 0, `while running: ${seen.join('; ')}`)
        checks.expect(finalProblem === undefined, `after: ${finalProblem}`)
        let fileStatus: string
        try {
          fileStatus = recordStatus(
            readFileSync(
              path.join(workspace, '.deploy-records/build-artifacts.json'),
              'utf8',
            ),
          )
        } catch (error) {
          fileStatus = `(unreadable: ${String(error)})`
        }
        // A finished v2 publish serves the v2 page and deleted every v1 file.
        const keys = await listKeys(bucket)
        const finished =
          (await liveIndex(s3, bucket))?.html.includes('chunk-0.v2.js') ===
            true && !keys.some((key) => key.includes('.v1.'))
        const ending = checkCancelledRun(
          checks,
          run,
          {
            output: recordStatus(run.outputs['record-json']),
            file: fileStatus,
          },
          finished,
        )
        notes.push(
          `point ${point.index}: ${ending}, signal at ${delivery.atMs} ms, exit ${run.exitCode}, ${watcher.samples()} site checks`,
        )
        checks.expect(
          !/\n\s+at .+:\d+:\d+\)?\n/.test(run.stdout),
          'the output contains a stack trace',
        )
        checks.printOutputOnProblems(`${run.stdout}\n${run.stderr}`)
      }
    } finally {
      s3.destroy()
    }
    expect(
      recordCancellation('build-artifacts publish', results, notes),
    ).toEqual([])
  }, 900_000)
})
