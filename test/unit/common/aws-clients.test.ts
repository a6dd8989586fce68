import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from '@jest/globals'
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3'
import { ECSClient } from '@aws-sdk/client-ecs'
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import {
  createAwsClient,
  endpointFor,
  endpointVariable,
  LoggingRetryStrategy,
  type RetryErrorInfo,
  type RetryStrategy,
  type RetryToken,
} from '../../../common/aws-clients.js'
import { memoryLogger } from '../../../common/log.js'

const KEYS = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_EC2_METADATA_DISABLED: 'true',
}

describe('endpointVariable', () => {
  it.each([
    ['S3', 'AWS_ENDPOINT_URL_S3'],
    ['DynamoDB', 'AWS_ENDPOINT_URL_DYNAMODB'],
    ['ECS', 'AWS_ENDPOINT_URL_ECS'],
    ['ECR', 'AWS_ENDPOINT_URL_ECR'],
    ['Elastic Load Balancing v2', 'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2'],
    ['CloudFront', 'AWS_ENDPOINT_URL_CLOUDFRONT'],
    ['CloudWatch', 'AWS_ENDPOINT_URL_CLOUDWATCH'],
    ['CloudWatch Logs', 'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS'],
    ['STS', 'AWS_ENDPOINT_URL_STS'],
    ['ELASTIC_LOAD_BALANCING_V2', 'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2'],
  ])('maps service id %s', (serviceId, expected) => {
    expect(endpointVariable(serviceId)).toBe(expected)
  })
})

describe('endpointFor', () => {
  it('prefers the service variable', () => {
    const env = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1000',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:2000',
    }
    expect(endpointFor('S3', env)).toBe('http://127.0.0.1:2000')
    expect(endpointFor('ECS', env)).toBe('http://127.0.0.1:1000')
  })

  it('reads spaced service ids', () => {
    const env = {
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: 'http://127.0.0.1:3000',
    }
    expect(endpointFor('Elastic Load Balancing v2', env)).toBe(
      'http://127.0.0.1:3000',
    )
  })

  it('treats empty values as unset', () => {
    const env = { AWS_ENDPOINT_URL_S3: ' ', AWS_ENDPOINT_URL: '' }
    expect(endpointFor('S3', env)).toBeUndefined()
  })

  it('rejects text that is not a URL', () => {
    expect(() =>
      endpointFor('S3', { AWS_ENDPOINT_URL_S3: '127.0.0.1:5000' }),
    ).toThrow(/Invalid AWS_ENDPOINT_URL_S3 '127\.0\.0\.1:5000'/)
    expect(() => endpointFor('ECS', { AWS_ENDPOINT_URL: 'not a url' })).toThrow(
      /Invalid AWS_ENDPOINT_URL 'not a url': not a URL/,
    )
  })

  it('rejects other schemes', () => {
    expect(() =>
      endpointFor('S3', { AWS_ENDPOINT_URL: 'ftp://127.0.0.1:21' }),
    ).toThrow(/AWS_ENDPOINT_URL .*scheme must be http or https/)
  })

  it('rejects credentials in the URL', () => {
    const run = () =>
      endpointFor('S3', { AWS_ENDPOINT_URL: 'http://user:secret@127.0.0.1' })
    expect(run).toThrow(/AWS_ENDPOINT_URL: the URL must not contain/)
    expect(run).not.toThrow(/secret/)
  })
})

describe('createAwsClient', () => {
  it('sets endpoint and path style for S3', async () => {
    const client = createAwsClient(S3Client, {
      region: 'us-east-1',
      env: { ...KEYS, AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' },
    })
    const endpoint = await client.config.endpoint?.()
    expect(endpoint?.hostname).toBe('127.0.0.1')
    expect(endpoint?.port).toBe(4566)
    expect(client.config.forcePathStyle).toBe(true)
    expect(await client.config.region()).toBe('us-east-1')
    client.destroy()
  })

  it('leaves S3 virtual-hosted without endpoint', () => {
    const client = createAwsClient(S3Client, {
      region: 'eu-west-1',
      env: { ...KEYS },
    })
    expect(client.config.forcePathStyle).toBeFalsy()
    expect(client.config.endpoint).toBeUndefined()
    client.destroy()
  })

  it('uses the service-specific endpoint', async () => {
    const env = {
      ...KEYS,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1111',
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: 'http://127.0.0.1:2222',
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: 'http://127.0.0.1:3333',
    }
    const elb = createAwsClient(ElasticLoadBalancingV2Client, {
      region: 'us-east-1',
      env,
    })
    const logs = createAwsClient(CloudWatchLogsClient, {
      region: 'us-east-1',
      env,
    })
    const ecs = createAwsClient(ECSClient, { region: 'us-east-1', env })
    expect((await elb.config.endpoint?.())?.port).toBe(2222)
    expect((await logs.config.endpoint?.())?.port).toBe(3333)
    expect((await ecs.config.endpoint?.())?.port).toBe(1111)
    for (const client of [elb, logs, ecs]) client.destroy()
  })

  it('fails on an invalid endpoint', () => {
    expect(() =>
      createAwsClient(ECSClient, {
        region: 'us-east-1',
        env: { ...KEYS, AWS_ENDPOINT_URL_ECS: 'localhost' },
      }),
    ).toThrow(/AWS_ENDPOINT_URL_ECS/)
  })

  it('reads access keys from env', async () => {
    const client = createAwsClient(ECSClient, {
      region: 'us-east-1',
      env: {
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret-example',
        AWS_SESSION_TOKEN: 'session-example',
      },
    })
    const credentials = await client.config.credentials()
    expect(credentials.accessKeyId).toBe('AKIDEXAMPLE')
    expect(credentials.secretAccessKey).toBe('secret-example')
    expect(credentials.sessionToken).toBe('session-example')
    client.destroy()
  })

  it('defaults to five attempts', async () => {
    const client = createAwsClient(ECSClient, {
      region: 'us-east-1',
      env: { ...KEYS },
    })
    expect(await client.config.maxAttempts()).toBe(5)
    client.destroy()
  })

  it('takes attempts from option, then env', async () => {
    const fromEnv = createAwsClient(ECSClient, {
      region: 'us-east-1',
      env: { ...KEYS, AWS_MAX_ATTEMPTS: '2' },
    })
    const fromOption = createAwsClient(ECSClient, {
      region: 'us-east-1',
      maxAttempts: 7,
      env: { ...KEYS, AWS_MAX_ATTEMPTS: '2' },
    })
    expect(await fromEnv.config.maxAttempts()).toBe(2)
    expect(await fromOption.config.maxAttempts()).toBe(7)
    fromEnv.destroy()
    fromOption.destroy()
  })

  it('rejects invalid attempt counts', () => {
    expect(() =>
      createAwsClient(ECSClient, {
        region: 'us-east-1',
        maxAttempts: 0,
        env: { ...KEYS },
      }),
    ).toThrow(/Invalid maxAttempts 0/)
    expect(() =>
      createAwsClient(ECSClient, {
        region: 'us-east-1',
        env: { ...KEYS, AWS_MAX_ATTEMPTS: 'three' },
      }),
    ).toThrow(/Invalid AWS_MAX_ATTEMPTS 'three'/)
  })

  it('rejects an empty region', () => {
    expect(() =>
      createAwsClient(ECSClient, { region: ' ', env: { ...KEYS } }),
    ).toThrow(/region is empty/)
  })
})

describe('createAwsClient retries', () => {
  let server: Server | undefined

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(null))
    server = undefined
  })

  /** Starts a local S3 stand-in that responds to the first `failures` requests with 500 InternalError and to later ones with an empty bucket list. */
  async function startS3(failures: number): Promise<{
    endpoint: string
    requests: () => number
  }> {
    let count = 0
    server = createServer((request, response) => {
      count += 1
      request.resume()
      if (count <= failures) {
        response.writeHead(500, { 'content-type': 'application/xml' })
        response.end(
          '<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>',
        )
        return
      }
      response.writeHead(200, { 'content-type': 'application/xml' })
      response.end(
        '<ListAllMyBucketsResult><Buckets></Buckets><Owner><ID>1</ID></Owner></ListAllMyBucketsResult>',
      )
    })
    await new Promise<void>((resolve) =>
      server?.listen(0, '127.0.0.1', resolve),
    )
    const { port } = server.address() as AddressInfo
    return { endpoint: `http://127.0.0.1:${port}`, requests: () => count }
  }

  it('logs each retry with the operation', async () => {
    const s3 = await startS3(2)
    const logger = memoryLogger()
    const client = createAwsClient(S3Client, {
      region: 'us-east-1',
      logger,
      env: { ...KEYS, AWS_ENDPOINT_URL: s3.endpoint },
    })
    const result = await client.send(new ListBucketsCommand({}))
    client.destroy()

    expect(result.$metadata.attempts).toBe(3)
    expect(s3.requests()).toBe(3)
    const retries = logger.lines.filter((line) => line.includes('retrying'))
    expect(retries).toHaveLength(2)
    expect(retries[0]).toMatch(
      /^info: S3 ListBuckets failed \(attempt 1 of 5\): InternalError: .*\(HTTP 500\); retrying after \d+ ms backoff$/,
    )
    expect(retries[1]).toMatch(/\(attempt 2 of 5\)/)
  })

  it('logs giving up after the last attempt', async () => {
    const s3 = await startS3(10)
    const logger = memoryLogger()
    const client = createAwsClient(S3Client, {
      region: 'us-east-1',
      logger,
      maxAttempts: 2,
      env: { ...KEYS, AWS_ENDPOINT_URL: s3.endpoint },
    })
    await expect(client.send(new ListBucketsCommand({}))).rejects.toThrow(
      /internal error/,
    )
    client.destroy()

    expect(s3.requests()).toBe(2)
    expect(logger.lines.at(-1)).toMatch(
      /^info: S3 ListBuckets failed \(attempt 2 of 2\): InternalError.*; giving up, no attempts left$/,
    )
  })
})

describe('createAwsClient attempt timeout', () => {
  let server: Server | undefined

  afterEach(async () => {
    server?.closeAllConnections()
    await new Promise((resolve) => server?.close(resolve) ?? resolve(null))
    server = undefined
  })

  /** Starts a local server that reads every request and responds to none of them. */
  async function startSilentServer(): Promise<{
    endpoint: string
    requests: () => number
  }> {
    let count = 0
    server = createServer((request) => {
      count += 1
      request.resume()
    })
    await new Promise<void>((resolve) =>
      server?.listen(0, '127.0.0.1', resolve),
    )
    const { port } = server.address() as AddressInfo
    return { endpoint: `http://127.0.0.1:${port}`, requests: () => count }
  }

  it('fails and retries silent attempts', async () => {
    const silent = await startSilentServer()
    const logger = memoryLogger()
    const client = createAwsClient(S3Client, {
      region: 'us-east-1',
      logger,
      maxAttempts: 2,
      attemptTimeoutMs: 300,
      env: { ...KEYS, AWS_ENDPOINT_URL: silent.endpoint },
    })
    const sent = client.send(new ListBucketsCommand({}))
    await expect(sent).rejects.toMatchObject({ name: 'TimeoutError' })
    await expect(sent).rejects.toThrow(/300 ms requestTimeout/)
    client.destroy()

    expect(silent.requests()).toBe(2)
    const retries = logger.lines.filter((line) => line.includes('retrying'))
    expect(retries).toHaveLength(1)
    expect(retries[0]).toMatch(
      /^info: S3 ListBuckets failed \(attempt 1 of 2\): .*300 ms requestTimeout/,
    )
  }, 20_000)

  it('leaves answered requests alone', async () => {
    let count = 0
    server = createServer((request, response) => {
      count += 1
      request.resume()
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/xml' })
        response.end(
          '<ListAllMyBucketsResult><Buckets></Buckets><Owner><ID>1</ID></Owner></ListAllMyBucketsResult>',
        )
      }, 50)
    })
    await new Promise<void>((resolve) =>
      server?.listen(0, '127.0.0.1', resolve),
    )
    const { port } = server.address() as AddressInfo
    const client = createAwsClient(S3Client, {
      region: 'us-east-1',
      attemptTimeoutMs: 10_000,
      env: { ...KEYS, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` },
    })
    const result = await client.send(new ListBucketsCommand({}))
    client.destroy()

    expect(result.$metadata.attempts).toBe(1)
    expect(count).toBe(1)
  })

  it('rejects invalid attempt timeouts', () => {
    for (const attemptTimeoutMs of [0, -1, 1.5, Number.NaN]) {
      expect(() =>
        createAwsClient(S3Client, {
          region: 'us-east-1',
          attemptTimeoutMs,
          env: { ...KEYS },
        }),
      ).toThrow(/Invalid attemptTimeoutMs/)
    }
  })
})

describe('LoggingRetryStrategy', () => {
  function token(retries: number): RetryToken {
    return { getRetryCount: () => retries, getRetryDelay: () => 0 }
  }

  function refusing(): RetryStrategy & { successes: number } {
    return {
      successes: 0,
      acquireInitialRetryToken: async () => token(0),
      refreshRetryTokenForRetry: async () => {
        throw new Error('No retry token available')
      },
      recordSuccess() {
        this.successes += 1
      },
    }
  }

  const clientError: RetryErrorInfo = {
    error: Object.assign(new Error('Bucket is gone'), {
      name: 'NoSuchBucket',
      $metadata: { httpStatusCode: 404 },
    }),
    errorType: 'CLIENT_ERROR',
  }

  it('logs client errors at debug', async () => {
    const logger = memoryLogger()
    const strategy = new LoggingRetryStrategy(async () => refusing(), {
      serviceId: 'S3',
      maxAttempts: 5,
      logger,
    })
    const first = await strategy.acquireInitialRetryToken('')
    await expect(
      strategy.refreshRetryTokenForRetry(first, clientError),
    ).rejects.toThrow('No retry token available')
    expect(logger.lines).toEqual([
      'debug: S3 failed (attempt 1 of 5): NoSuchBucket: Bucket is gone (HTTP 404); not retried (CLIENT_ERROR)',
    ])
  })

  it('reports an exhausted retry quota', async () => {
    const logger = memoryLogger()
    const strategy = new LoggingRetryStrategy(async () => refusing(), {
      serviceId: 'ECS',
      maxAttempts: 5,
      logger,
    })
    await strategy.acquireInitialRetryToken('')
    await expect(
      strategy.refreshRetryTokenForRetry(token(1), {
        error: Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $metadata: {},
        }),
        errorType: 'THROTTLING',
      }),
    ).rejects.toThrow()
    expect(logger.lines).toEqual([
      "info: ECS failed (attempt 2 of 5): ThrottlingException: Rate exceeded; giving up because the client's retry quota is used up",
    ])
  })

  it('forwards successes to the inner strategy', async () => {
    const inner = refusing()
    const strategy = new LoggingRetryStrategy(async () => inner, {
      serviceId: 'S3',
      maxAttempts: 5,
    })
    const first = await strategy.acquireInitialRetryToken('')
    strategy.recordSuccess(first)
    expect(inner.successes).toBe(1)
  })
})
