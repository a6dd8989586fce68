import { createHash } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import {
  amzDateOf,
  authorizationHeader,
  canonicalRequest,
  EMPTY_PAYLOAD_SHA256,
  uriEncode,
} from '../../../actions/build-artifacts/src/sigv4.js'

// Expected values come from the AWS documentation: the Signature Version 4
// test suite (get-vanilla, get-vanilla-query-order-key-case) and the S3 API
// reference examples of signing with the Authorization header. These tests
// only compute strings; they send no request.
const SUITE_CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
}
const S3_CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
}
const S3_HOST = 'examplebucket.s3.amazonaws.com'

function signatureOf(header: string): string {
  return header.split('Signature=')[1] ?? ''
}

describe('SigV4 test suite vectors', () => {
  const scope = {
    credentials: SUITE_CREDENTIALS,
    region: 'us-east-1',
    service: 'service',
    amzDate: '20150830T123600Z',
  }

  it('signs get-vanilla', () => {
    const header = authorizationHeader(
      {
        method: 'GET',
        path: '/',
        query: [],
        headers: {
          Host: 'example.amazonaws.com',
          'X-Amz-Date': '20150830T123600Z',
        },
        payloadHash: EMPTY_PAYLOAD_SHA256,
      },
      scope,
    )
    expect(header).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    )
  })

  it('signs get-vanilla-query-order-key-case', () => {
    const request = {
      method: 'GET',
      path: '/',
      query: [
        ['Param2', 'value2'],
        ['Param1', 'value1'],
      ] as Array<[string, string]>,
      headers: {
        Host: 'example.amazonaws.com',
        'X-Amz-Date': '20150830T123600Z',
      },
      payloadHash: EMPTY_PAYLOAD_SHA256,
    }
    expect(canonicalRequest(request).text.split('\n')[2]).toBe(
      'Param1=value1&Param2=value2',
    )
    expect(signatureOf(authorizationHeader(request, scope))).toBe(
      'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
    )
  })
})

describe('SigV4 S3 documentation examples', () => {
  const scope = {
    credentials: S3_CREDENTIALS,
    region: 'us-east-1',
    service: 's3',
    amzDate: '20130524T000000Z',
  }

  it('signs GET object with range', () => {
    const request = {
      method: 'GET',
      path: '/test.txt',
      query: [],
      headers: {
        host: S3_HOST,
        range: 'bytes=0-9',
        'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256,
        'x-amz-date': '20130524T000000Z',
      },
      payloadHash: EMPTY_PAYLOAD_SHA256,
    }
    const canonical = canonicalRequest(request)
    expect(canonical.signedHeaders).toBe(
      'host;range;x-amz-content-sha256;x-amz-date',
    )
    expect(createHash('sha256').update(canonical.text).digest('hex')).toBe(
      '7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972',
    )
    expect(signatureOf(authorizationHeader(request, scope))).toBe(
      'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    )
  })

  it('signs PUT object with encoded key', () => {
    const body = 'Welcome to Amazon S3.'
    const payloadHash = createHash('sha256').update(body).digest('hex')
    expect(payloadHash).toBe(
      '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
    )
    const header = authorizationHeader(
      {
        method: 'PUT',
        path: `/${uriEncode('test$file.text', true)}`,
        query: [],
        headers: {
          Date: 'Fri, 24 May 2013 00:00:00 GMT',
          Host: S3_HOST,
          'x-amz-content-sha256': payloadHash,
          'x-amz-date': '20130524T000000Z',
          'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        },
        payloadHash,
      },
      scope,
    )
    expect(header).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    )
  })

  it('signs GET bucket lifecycle', () => {
    const header = authorizationHeader(
      {
        method: 'GET',
        path: '/',
        query: [['lifecycle', '']],
        headers: {
          host: S3_HOST,
          'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256,
          'x-amz-date': '20130524T000000Z',
        },
        payloadHash: EMPTY_PAYLOAD_SHA256,
      },
      scope,
    )
    expect(signatureOf(header)).toBe(
      'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
    )
  })

  it('signs list objects with query', () => {
    const header = authorizationHeader(
      {
        method: 'GET',
        path: '/',
        query: [
          ['prefix', 'J'],
          ['max-keys', '2'],
        ],
        headers: {
          host: S3_HOST,
          'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256,
          'x-amz-date': '20130524T000000Z',
        },
        payloadHash: EMPTY_PAYLOAD_SHA256,
      },
      scope,
    )
    expect(signatureOf(header)).toBe(
      '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    )
  })
})

describe('SigV4 helpers', () => {
  it('encodes keys like S3 expects', () => {
    expect(uriEncode('a b/c~d+e/ü.txt', true)).toBe('a%20b/c~d%2Be/%C3%BC.txt')
    expect(uriEncode("it's (1)*!")).toBe('it%27s%20%281%29%2A%21')
    expect(uriEncode('a/b')).toBe('a%2Fb')
  })

  it('formats X-Amz-Date', () => {
    expect(amzDateOf(Date.UTC(2015, 7, 30, 12, 36, 0, 123))).toBe(
      '20150830T123600Z',
    )
  })
})
