// The fault proxy itself, against this worker's moto server and a plain
// HTTP server. The tests cover each protocol's error shape as the real SDK
// clients parse it, rule matching by service and operation, first-N and
// seeded fractions, connection faults, latency and the counts.
import { afterEach, describe, expect, it } from '@jest/globals'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs'
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr'
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
} from '@aws-sdk/client-cloudwatch-logs'
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb'
import {
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import {
  CloudWatchClient,
  ListMetricsCommand,
} from '@aws-sdk/client-cloudwatch'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { createAwsClient } from '../../../common/aws-clients.js'
import { memoryLogger } from '../../../common/log.js'
import {
  startFaultProxy,
  type FaultProxy,
  type FaultRule,
} from '../../helpers/fault-proxy.js'
import { createBucket } from '../../helpers/fixtures.js'
import { startHttpServer } from '../../helpers/health-servers.js'
import { seededRandom } from '../sampling.js'
import { motoEndpoint, stackEnv } from '../../helpers/stack.js'

const proxies: FaultProxy[] = []

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
})

async function proxy(rules: FaultRule[], seed = 7): Promise<FaultProxy> {
  const started = await startFaultProxy({
    target: motoEndpoint(),
    rules,
    seed,
  })
  proxies.push(started)
  return started
}

/** Creates an SDK client that sends through `through`, with `maxAttempts` attempts. */
function client<C>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ClientClass: new (config: any) => C,
  through: FaultProxy,
  maxAttempts = 1,
  logger = memoryLogger(),
): C {
  const env = stackEnv({ AWS_ENDPOINT_URL: through.url })
  return createAwsClient(ClientClass, {
    region: 'us-east-1',
    env,
    maxAttempts,
    logger,
  })
}

async function sdkError(call: Promise<unknown>): Promise<{
  name: string
  status: number | undefined
}> {
  try {
    await call
  } catch (error) {
    const failure = error as {
      name: string
      $metadata?: { httpStatusCode?: number }
    }
    return { name: failure.name, status: failure.$metadata?.httpStatusCode }
  }
  throw new Error('the call succeeded although a fault was injected')
}

describe('error shapes', () => {
  it('S3 throttling is SlowDown 503', async () => {
    const bucket = await createBucket()
    const through = await proxy([{ service: 's3', fault: 'throttle' }])
    const s3 = client(S3Client, through)
    const error = await sdkError(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a', Body: 'x' })),
    )
    s3.destroy()
    expect(error.name).toBe('SlowDown')
    expect(error.status).toBe(503)
    expect(through.injected[0]?.operation).toBe('PutObject')
  })

  it.each([
    ['ecs', 'ListClusters'],
    ['ecr', 'DescribeRepositories'],
    ['logs', 'DescribeLogGroups'],
    ['dynamodb', 'ListTables'],
  ])('%s throttling is ThrottlingException', async (service, operation) => {
    const through = await proxy([{ service, fault: 'throttle' }])
    const calls: Record<string, () => Promise<unknown>> = {
      ecs: () => client(ECSClient, through).send(new ListClustersCommand({})),
      ecr: () =>
        client(ECRClient, through).send(new DescribeRepositoriesCommand({})),
      logs: () =>
        client(CloudWatchLogsClient, through).send(
          new DescribeLogGroupsCommand({}),
        ),
      dynamodb: () =>
        client(DynamoDBClient, through).send(new ListTablesCommand({})),
    }
    const error = await sdkError(calls[service]!())
    expect(error.name).toBe('ThrottlingException')
    expect(error.status).toBe(400)
    expect(through.injected[0]?.service).toBe(service)
    expect(through.injected[0]?.operation).toBe(operation)
  })

  it.each([
    ['elasticloadbalancing', 'DescribeLoadBalancers'],
    ['monitoring', 'ListMetrics'],
    ['sts', 'GetCallerIdentity'],
  ])('%s throttling is Throttling', async (service, operation) => {
    const through = await proxy([{ service, fault: 'throttle' }])
    const calls: Record<string, () => Promise<unknown>> = {
      elasticloadbalancing: () =>
        client(ElasticLoadBalancingV2Client, through).send(
          new DescribeLoadBalancersCommand({}),
        ),
      monitoring: () =>
        client(CloudWatchClient, through).send(new ListMetricsCommand({})),
      sts: () =>
        client(STSClient, through).send(new GetCallerIdentityCommand({})),
    }
    const error = await sdkError(calls[service]!())
    expect(error.name).toBe('Throttling')
    expect(error.status).toBe(400)
    expect(through.injected[0]?.operation).toBe(operation)
  })

  // No EC2 SDK client is installed, so this request is built by hand the
  // way Terraform's AWS provider sends it. The terraform-apply fault test
  // checks that the provider retries this response.
  it('EC2 throttling is RequestLimitExceeded', async () => {
    const through = await proxy([{ service: 'ec2', fault: 'throttle' }])
    const response = await fetch(through.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        authorization:
          'AWS4-HMAC-SHA256 Credential=testing/20261204/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00',
      },
      body: 'Action=DescribeSecurityGroups&Version=2016-11-15',
    })
    const body = await response.text()
    expect(response.status).toBe(503)
    expect(body).toContain(
      '<Response><Errors><Error><Code>RequestLimitExceeded</Code>',
    )
    expect(through.injected[0]?.operation).toBe('DescribeSecurityGroups')
  })

  it('server errors are 500 InternalFailure', async () => {
    const through = await proxy([{ service: 'ecs', fault: 'server-error' }])
    const error = await sdkError(
      client(ECSClient, through).send(new ListClustersCommand({})),
    )
    expect(error.name).toBe('InternalFailure')
    expect(error.status).toBe(500)
  })
})

describe('rules', () => {
  it('first N fail, then the SDK retry succeeds', async () => {
    const through = await proxy([
      {
        service: 'ecs',
        operation: 'ListClusters',
        fault: 'throttle',
        firstN: 2,
      },
    ])
    const logger = memoryLogger()
    const ecs = client(ECSClient, through, 3, logger)
    const result = await ecs.send(new ListClustersCommand({}))
    ecs.destroy()
    expect(result.clusterArns).toEqual([])
    expect(through.injected).toHaveLength(2)
    expect(through.requestCount).toBe(3)
    const retries = logger.lines.filter((line) => line.includes('retrying'))
    expect(retries).toHaveLength(2)
    expect(retries[0]).toContain('ECS ListClusters failed (attempt 1 of 3)')
  })

  it('matches only the named operation', async () => {
    const through = await proxy([
      { service: 'ecs', operation: 'DescribeClusters', fault: 'throttle' },
    ])
    const ecs = client(ECSClient, through)
    await ecs.send(new ListClustersCommand({}))
    ecs.destroy()
    expect(through.injected).toHaveLength(0)
    expect(through.requests.get('ecs ListClusters')).toBe(1)
  })

  it('seeded fraction repeats exactly', async () => {
    const draw = seededRandom(42)
    const first = Array.from({ length: 5 }, draw)
    const again = seededRandom(42)
    expect(Array.from({ length: 5 }, again)).toEqual(first)
    expect(first.every((value) => value >= 0 && value < 1)).toBe(true)

    const outcomes: boolean[][] = []
    for (let run = 0; run < 2; run += 1) {
      const through = await proxy(
        [{ service: 'ecs', fault: 'throttle', fraction: 0.5 }],
        99,
      )
      const ecs = client(ECSClient, through)
      const results: boolean[] = []
      for (let call = 0; call < 20; call += 1) {
        results.push(
          await ecs.send(new ListClustersCommand({})).then(
            () => true,
            () => false,
          ),
        )
      }
      ecs.destroy()
      outcomes.push(results)
    }
    expect(outcomes[1]).toEqual(outcomes[0])
    const failed = outcomes[0]!.filter((ok) => !ok).length
    expect(failed).toBeGreaterThan(3)
    expect(failed).toBeLessThan(17)
  })

  it('rejects a fraction above 1', async () => {
    await expect(
      startFaultProxy({
        target: motoEndpoint(),
        rules: [{ fault: 'throttle', fraction: 1.5 }],
      }),
    ).rejects.toThrow('fraction must be between 0 and 1, got 1.5')
  })

  it('rejects a target off loopback', async () => {
    await expect(
      startFaultProxy({ target: 'http://192.0.2.1:80' }),
    ).rejects.toThrow('is not on loopback')
  })
})

describe('connection faults', () => {
  it.each(['reset', 'drop'] as const)(
    '%s fails the request at the network',
    async (fault) => {
      const through = await proxy([{ service: 'ecs', fault }])
      const ecs = client(ECSClient, through)
      const error = (await ecs.send(new ListClustersCommand({})).then(
        () => undefined,
        (caught: unknown) => caught,
      )) as { code?: string; message?: string } | undefined
      ecs.destroy()
      expect(error).toBeDefined()
      expect(`${error?.code} ${error?.message}`).toMatch(
        /ECONNRESET|socket hang up/,
      )
      expect(through.countsByFault()[fault]).toBe(1)
    },
  )

  it('latency delays a plain HTTP request', async () => {
    const app = await startHttpServer((_request, response) => {
      response.end('ok')
    })
    try {
      const through = await startFaultProxy({
        target: app.origin,
        rules: [{ path: '/healthz', fault: 'latency', latencyMs: 300 }],
      })
      proxies.push(through)
      const started = Date.now()
      const response = await fetch(`${through.url}/healthz`)
      expect(await response.text()).toBe('ok')
      expect(Date.now() - started).toBeGreaterThanOrEqual(290)
      expect(through.injected[0]?.service).toBeUndefined()
      expect(through.injected[0]?.path).toBe('/healthz')
    } finally {
      await app.close()
    }
  })

  it('plain HTTP throttling is 429', async () => {
    const app = await startHttpServer((_request, response) => {
      response.end('ok')
    })
    try {
      const through = await startFaultProxy({
        target: app.origin,
        rules: [{ fault: 'throttle', firstN: 1 }],
      })
      proxies.push(through)
      expect((await fetch(`${through.url}/healthz`)).status).toBe(429)
      expect((await fetch(`${through.url}/healthz`)).status).toBe(200)
    } finally {
      await app.close()
    }
  })
})
