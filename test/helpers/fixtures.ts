// Resources in this worker's moto server, created through the real AWS SDK
// clients with the stack's environment. Names are unique per call unless
// given, so tests need not reset moto between cases.
import { randomBytes } from 'node:crypto'
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr'
import { CreateClusterCommand, ECSClient } from '@aws-sdk/client-ecs'
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
} from '@aws-sdk/client-cloudwatch-logs'
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { createAwsClient } from '../../common/aws-clients.js'
import type { Logger } from '../../common/log.js'
import { registryAddress, stackEnv } from './stack.js'

/** Creates an SDK client for this worker's moto server, with region and keys from the stack's environment. */
export function awsClient<C>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ClientClass: new (config: any) => C,
  opts: { logger?: Logger; maxAttempts?: number } = {},
): C {
  const env = stackEnv()
  return createAwsClient(ClientClass, {
    region: env.AWS_REGION ?? 'us-east-1',
    env,
    ...opts,
  })
}

/** Runs `fn` with a fresh client and destroys the client afterwards. */
async function withClient<C extends { destroy(): void }, T>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ClientClass: new (config: any) => C,
  fn: (client: C) => Promise<T>,
): Promise<T> {
  const client = awsClient(ClientClass)
  try {
    return await fn(client)
  } finally {
    client.destroy()
  }
}

/** Returns a name such as 'kit-test-lq3v8k-9f2a', valid for S3 buckets, ECR repositories, clusters and tables. */
export function uniqueName(prefix = 'kit-test'): string {
  const suffix = `${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`
  return `${prefix}-${suffix}`.toLowerCase().slice(0, 63)
}

export async function createBucket(name = uniqueName()): Promise<string> {
  await withClient(S3Client, (s3) =>
    s3.send(new CreateBucketCommand({ Bucket: name })),
  )
  return name
}

export async function putObjectText(
  bucket: string,
  key: string,
  body: string,
  contentType = 'text/plain',
): Promise<void> {
  await withClient(S3Client, (s3) =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
      }),
    ),
  )
}

export async function readObjectText(
  bucket: string,
  key: string,
): Promise<string> {
  return withClient(S3Client, async (s3) => {
    const result = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key }),
    )
    return (await result.Body?.transformToString()) ?? ''
  })
}

/** Lists every key in the bucket under `prefix`, sorted. */
export async function listKeys(bucket: string, prefix = ''): Promise<string[]> {
  return withClient(S3Client, async (s3) => {
    const keys: string[] = []
    let token: string | undefined
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ContinuationToken: token,
        }),
      )
      for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key)
      token = page.NextContinuationToken
    } while (token)
    return keys.sort()
  })
}

export interface TestRepository {
  name: string
  arn: string
  registryId: string
  /**
   * moto's repository URI. Its host is an amazonaws.com name: never hand it
   * to docker, podman or any other client. Use `localUri` for images.
   */
  repositoryUri: string
  /** The same repository in the local registry: `<registry address>/<name>`. */
  localUri: string
}

export async function createRepository(
  name = uniqueName(),
): Promise<TestRepository> {
  const result = await withClient(ECRClient, (ecr) =>
    ecr.send(new CreateRepositoryCommand({ repositoryName: name })),
  )
  const repository = result.repository
  if (!repository?.repositoryArn || !repository.registryId) {
    throw new Error(`CreateRepository ${name} returned no repository`)
  }
  return {
    name,
    arn: repository.repositoryArn,
    registryId: repository.registryId,
    repositoryUri: repository.repositoryUri ?? '',
    localUri: `${registryAddress()}/${name}`,
  }
}

/** Creates an ECS cluster; returns its ARN. */
export async function createCluster(name = uniqueName()): Promise<string> {
  const result = await withClient(ECSClient, (ecs) =>
    ecs.send(new CreateClusterCommand({ clusterName: name })),
  )
  const arn = result.cluster?.clusterArn
  if (!arn) throw new Error(`CreateCluster ${name} returned no cluster ARN`)
  return arn
}

export async function createLogGroup(
  name = `/kit/${uniqueName()}`,
): Promise<string> {
  await withClient(CloudWatchLogsClient, (logs) =>
    logs.send(new CreateLogGroupCommand({ logGroupName: name })),
  )
  return name
}

/** Creates a DynamoDB table keyed by the string attribute LockID, the layout Terraform and the deploy lock use. */
export async function createLockTable(name = uniqueName()): Promise<string> {
  await withClient(DynamoDBClient, (dynamodb) =>
    dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    ),
  )
  return name
}
