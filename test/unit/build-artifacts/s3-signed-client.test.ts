import { describe, expect, it } from '@jest/globals'
import {
  bucketEndpoint,
  decodeXmlText,
  parseListPage,
} from '../../../actions/build-artifacts/src/s3-signed-client.js'

// These tests only build host names and parse strings; they send no request.
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
