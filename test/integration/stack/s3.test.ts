import { describe, expect, it } from '@jest/globals'
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { createAwsClient } from '../../../common/aws-clients.js'
import { memoryLogger } from '../../../common/log.js'
import { uniqueName } from '../../helpers/fixtures.js'
import {
  motoEndpoint,
  motoState,
  resetMoto,
  stackEnv,
  stackState,
} from '../../helpers/stack.js'

function s3Client(): S3Client {
  return createAwsClient(S3Client, {
    region: 'us-east-1',
    env: stackEnv(),
    logger: memoryLogger(),
  })
}

/** Names of the buckets in a moto snapshot. */
function bucketNames(snapshot: Awaited<ReturnType<typeof motoState>>) {
  return (snapshot.s3?.FakeBucket ?? []).map(
    (bucket) => (bucket as { name?: string }).name,
  )
}

describe('local stack S3', () => {
  it('stores and returns an object', async () => {
    const s3 = s3Client()
    const bucket = uniqueName()
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }))
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'dir/hello.txt',
          Body: 'hello from the local stack',
          ContentType: 'text/plain',
        }),
      )
      const object = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: 'dir/hello.txt' }),
      )
      expect(await object.Body?.transformToString()).toBe(
        'hello from the local stack',
      )
      expect(object.ContentType).toBe('text/plain')
    } finally {
      s3.destroy()
    }
    expect(bucketNames(await motoState())).toContain(bucket)
  })

  it('uses the worker moto server', () => {
    const env = stackEnv()
    expect(env.AWS_ENDPOINT_URL).toBe(motoEndpoint())
    expect(new URL(motoEndpoint()).hostname).toBe('127.0.0.1')
    const endpoints = stackState().moto.map((server) => server.endpoint)
    expect(endpoints).toContain(motoEndpoint())
    expect(new Set(endpoints).size).toBe(endpoints.length)
    expect(env.AWS_EC2_METADATA_DISABLED).toBe('true')
    expect(env.AWS_ACCESS_KEY_ID).toBe('testing')
  })

  it('resetMoto removes buckets', async () => {
    const s3 = s3Client()
    const bucket = uniqueName()
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }))
      await resetMoto()
      expect(bucketNames(await motoState())).not.toContain(bucket)
      await expect(
        s3.send(new HeadBucketCommand({ Bucket: bucket })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } })
    } finally {
      s3.destroy()
    }
  })
})
