import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  bucketEndpoint,
  decodeXmlText,
  parseListPage,
  S3ResponseError,
  SignedS3Client,
} from '../../../actions/build-artifacts/src/s3-signed-client.js'
import { isTransientAwsError } from '../../../common/retry.js'

describe('bucketEndpoint', () => {
  it('uses path style with an endpoint', () => {
    const endpoint = bucketEndpoint('site.bucket', 'us-east-1', {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000/base/',
    })
    expect(endpoint).toEqual({
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 5000,
      host: '127.0.0.1:5000',
      basePath: '/base/site.bucket',
    })
  })

  it('prefers the S3 endpoint variable', () => {
    const endpoint = bucketEndpoint('site', 'us-east-1', {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:6000',
    })
    expect(endpoint.port).toBe(6000)
    expect(endpoint.basePath).toBe('/site')
  })

  it('uses virtual hosts without an endpoint', () => {
    const endpoint = bucketEndpoint('site', 'eu-west-1', {})
    expect(endpoint.protocol).toBe('https:')
    expect(endpoint.host).toBe('site.s3.eu-west-1.amazonaws.com')
    expect(endpoint.basePath).toBe('')
  })

  it('uses path style for dotted buckets', () => {
    const endpoint = bucketEndpoint('www.example.org', 'eu-west-1', {})
    expect(endpoint.host).toBe('s3.eu-west-1.amazonaws.com')
    expect(endpoint.basePath).toBe('/www.example.org')
  })

  it('applies FIPS and dual-stack settings', () => {
    const endpoint = bucketEndpoint('site', 'us-gov-west-1', {
      AWS_USE_FIPS_ENDPOINT: 'true',
      AWS_USE_DUALSTACK_ENDPOINT: 'TRUE',
    })
    expect(endpoint.host).toBe(
      'site.s3-fips.dualstack.us-gov-west-1.amazonaws.com',
    )
  })

  it('uses the China domain', () => {
    expect(bucketEndpoint('site', 'cn-north-1', {}).host).toBe(
      'site.s3.cn-north-1.amazonaws.com.cn',
    )
  })
})

describe('parseListPage', () => {
  it('reads keys, ETags and sizes', () => {
    const page = parseListPage(
      '<?xml version="1.0"?><ListBucketResult><IsTruncated>true</IsTruncated>' +
        '<Contents><Key>a &amp; b/&#233;t&#xE9; +~.txt</Key><ETag>&quot;abc&quot;</ETag><Size>12</Size></Contents>' +
        '<Contents><Key>big.bin</Key><ETag>"def-2"</ETag><Size>9000000</Size></Contents>' +
        '<NextContinuationToken>token+/=</NextContinuationToken></ListBucketResult>',
    )
    expect(page.objects).toEqual([
      { key: 'a & b/été +~.txt', etag: 'abc', size: 12 },
      { key: 'big.bin', etag: 'def-2', size: 9000000 },
    ])
    expect(page.continuationToken).toBe('token+/=')
  })

  it('reads an empty last page', () => {
    const page = parseListPage(
      '<ListBucketResult><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>',
    )
    expect(page.objects).toEqual([])
    expect(page.continuationToken).toBeUndefined()
  })

  it('rejects truncated page without token', () => {
    expect(() =>
      parseListPage(
        '<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>',
      ),
    ).toThrow(/without NextContinuationToken/)
  })

  it('decodes XML entities', () => {
    expect(decodeXmlText('&lt;&gt;&apos;&#x1F600;&unknown;')).toBe(
      "<>'\u{1F600}&unknown;",
    )
  })
})

describe('SignedS3Client multipart requests', () => {
  interface Seen {
    method: string
    url: string
    headers: http.IncomingHttpHeaders
    body: string
  }

  /** Starts an S3 stand-in on 127.0.0.1 whose responses `answer` writes. */
  async function standIn(
    answer: (seen: Seen, response: http.ServerResponse) => void,
  ): Promise<{
    client: SignedS3Client
    seen: Seen[]
    close: () => Promise<void>
  }> {
    const seen: Seen[] = []
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const entry = {
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }
        seen.push(entry)
        answer(entry, response)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const client = new SignedS3Client({
      bucket: 'site',
      region: 'us-east-1',
      env: { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` },
      credentials: () =>
        Promise.resolve({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' }),
      maxIdleConnections: 2,
      now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
    })
    return {
      client,
      seen,
      close: () =>
        new Promise<void>((resolve) => {
          client.destroy()
          server.closeAllConnections()
          server.close(() => resolve())
        }),
    }
  }

  const signal = () => new AbortController().signal

  it('starts, uploads parts of and completes an upload', async () => {
    const server = await standIn((seen, response) => {
      if (seen.url.endsWith('?uploads=')) {
        response.end(
          '<InitiateMultipartUploadResult><Bucket>site</Bucket><Key>a b.mp4</Key><UploadId>up&amp;1</UploadId></InitiateMultipartUploadResult>',
        )
      } else if (seen.method === 'PUT') {
        response.setHeader('etag', '"part-etag"')
        response.end()
      } else {
        response.end('<CompleteMultipartUploadResult/>')
      }
    })
    try {
      const uploadId = await server.client.createMultipartUpload(
        'a b.mp4',
        {
          contentType: 'video/mp4',
          cacheControl: 'no-cache',
          metadata: { sha256: 'abc' },
        },
        signal(),
      )
      expect(uploadId).toBe('up&1')
      const body = Buffer.from('part body')
      const sha256 = createHash('sha256').update(body).digest('hex')
      const etag = await server.client.uploadPart(
        'a b.mp4',
        uploadId,
        1,
        body,
        sha256,
        signal(),
      )
      expect(etag).toBe('"part-etag"')
      await server.client.completeMultipartUpload(
        'a b.mp4',
        uploadId,
        [{ partNumber: 1, etag }],
        signal(),
      )
      const [create, part, complete] = server.seen
      expect(create).toMatchObject({
        method: 'POST',
        url: '/site/a%20b.mp4?uploads=',
        headers: {
          'content-length': '0',
          'content-type': 'video/mp4',
          'cache-control': 'no-cache',
          'x-amz-meta-sha256': 'abc',
        },
      })
      expect(create?.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260102\/us-east-1\/s3\/aws4_request, SignedHeaders=.*x-amz-meta-sha256/,
      )
      expect(part).toMatchObject({
        method: 'PUT',
        url: '/site/a%20b.mp4?partNumber=1&uploadId=up%261',
        headers: { 'x-amz-content-sha256': sha256, 'content-length': '9' },
        body: 'part body',
      })
      expect(complete).toMatchObject({
        method: 'POST',
        url: '/site/a%20b.mp4?uploadId=up%261',
        body: '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><PartNumber>1</PartNumber><ETag>&quot;part-etag&quot;</ETag></Part></CompleteMultipartUpload>',
      })
      expect(complete?.headers['x-amz-content-sha256']).toBe(
        createHash('sha256')
          .update(complete?.body ?? '')
          .digest('hex'),
      )
    } finally {
      await server.close()
    }
  })

  it('throws a retryable error for a 200 response that carries an error', async () => {
    const server = await standIn((_seen, response) =>
      response.end(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>R1</RequestId></Error>',
      ),
    )
    try {
      const error = await server.client
        .completeMultipartUpload(
          'k',
          'u',
          [{ partNumber: 1, etag: '"e"' }],
          signal(),
        )
        .then(
          () => undefined,
          (caught: unknown) => caught,
        )
      expect(error).toBeInstanceOf(S3ResponseError)
      expect((error as Error).message).toBe(
        'S3 CompleteMultipartUpload k failed with HTTP 500 InternalError: We encountered an internal error. Please try again. (request id R1)',
      )
      expect(isTransientAwsError(error)).toBe(true)
    } finally {
      await server.close()
    }
  })

  it('aborts an upload with DELETE and its upload id', async () => {
    const server = await standIn((_seen, response) => {
      response.statusCode = 204
      response.end()
    })
    try {
      await server.client.abortMultipartUpload('dir/k', 'u1', signal())
      expect(server.seen).toMatchObject([
        { method: 'DELETE', url: '/site/dir/k?uploadId=u1', body: '' },
      ])
    } finally {
      await server.close()
    }
  })

  it('names the operation when the upload id is missing', async () => {
    const server = await standIn((_seen, response) =>
      response.end('<InitiateMultipartUploadResult/>'),
    )
    try {
      await expect(
        server.client.createMultipartUpload(
          'k',
          { contentType: 'a/b', cacheControl: 'c', metadata: {} },
          signal(),
        ),
      ).rejects.toThrow('S3 CreateMultipartUpload k returned no upload id')
    } finally {
      await server.close()
    }
  })
})
