import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { systemClock } from '../../../common/clock.js'
import { memoryLogger } from '../../../common/log.js'
import { CacheHeaders } from '../../../actions/build-artifacts/src/cache-headers.js'
import { ContentTypes } from '../../../actions/build-artifacts/src/content-types.js'
import { listBuildFiles } from '../../../actions/build-artifacts/src/files.js'
import { publishToS3 } from '../../../actions/build-artifacts/src/s3-publish.js'
import { SignedS3Client } from '../../../actions/build-artifacts/src/s3-signed-client.js'

// A stand-in of the S3 operations of a multipart upload. Its responses follow
// the S3 API reference: an empty listing, an upload id after a delay, part
// ETags, and AbortMultipartUpload with 204, or 404 NoSuchUpload once the
// upload was completed.
const requests: string[] = []
let createDelayMs = 0
let completed = false
const server = http.createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    const url = request.url ?? ''
    requests.push(`${request.method} ${url}`)
    if (request.method === 'GET') {
      response.end(
        '<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>',
      )
    } else if (request.method === 'POST' && url.endsWith('?uploads=')) {
      setTimeout(
        () =>
          response.end(
            '<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>',
          ),
        createDelayMs,
      )
    } else if (request.method === 'PUT') {
      response.setHeader('etag', '"p"')
      response.end()
    } else if (request.method === 'POST') {
      completed = true
      // The upload completes, but the response never arrives.
    } else if (request.method === 'DELETE') {
      response.statusCode = completed ? 404 : 204
      response.end(
        completed
          ? '<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>'
          : '',
      )
    }
  })
})

let dir: string
let endpoint: string

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  dir = mkdtempSync(path.join(os.tmpdir(), 'publish-cancel-'))
  writeFileSync(path.join(dir, 'video.mp4'), Buffer.alloc(3000, 1))
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  rmSync(dir, { recursive: true })
})

async function publishCancelledAfter(ms: number) {
  requests.length = 0
  const logger = memoryLogger()
  const signed = new SignedS3Client({
    bucket: 'site',
    region: 'us-east-1',
    env: { AWS_ENDPOINT_URL: endpoint },
    credentials: () =>
      Promise.resolve({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' }),
    maxIdleConnections: 2,
    now: Date.now,
  })
  const controller = new AbortController()
  setTimeout(() => controller.abort(new Error('cancelled by the test')), ms)
  try {
    const error = await publishToS3({
      sdk: () => Promise.reject(new Error('the SDK must not be loaded')),
      signed,
      bucket: 'site',
      prefix: '',
      files: await listBuildFiles(dir),
      contentTypes: new ContentTypes(),
      cacheHeaders: new CacheHeaders(),
      deleteStale: false,
      maxDeletePercent: 50,
      concurrency: 2,
      runId: '7',
      limits: {
        attemptTimeoutMs: 2_000,
        maxAttempts: 1,
        signal: controller.signal,
        logger,
      },
      clock: systemClock,
      logger,
      multipartThreshold: 1024,
      partSize: 1024,
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    return { error, lines: logger.lines }
  } finally {
    signed.destroy()
  }
}

describe('a cancelled multipart upload', () => {
  it('is aborted when the cancellation comes during CreateMultipartUpload', async () => {
    createDelayMs = 300
    completed = false
    const { error, lines } = await publishCancelledAfter(100)
    expect(error).toBeDefined()
    // The create request ran to its end, then its upload was aborted.
    expect(requests).toEqual([
      'GET /site/?list-type=2&prefix=',
      'POST /site/video.mp4?uploads=',
      'DELETE /site/video.mp4?uploadId=u1',
    ])
    expect(lines).toContain(
      'warning: Aborting the multipart upload of video.mp4',
    )
    expect(lines.join('\n')).toMatch(
      /Publish stopped after uploading 0 of 1 file to s3:\/\/site\/\. index\.html is unchanged/,
    )
  })

  it('reports an upload completed before the cancellation as complete', async () => {
    createDelayMs = 0
    completed = false
    const { error, lines } = await publishCancelledAfter(200)
    expect(error).toBeDefined()
    expect(requests.at(-1)).toBe('DELETE /site/video.mp4?uploadId=u1')
    expect(lines).toContain(
      'info: The multipart upload of video.mp4 had completed before publish stopped; nothing to abort',
    )
    expect(lines.join('\n')).not.toMatch(/AbortMultipartUpload.*failed/)
  })
})
