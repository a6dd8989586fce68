import * as core from '../../../common/runner-commands.js'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { ECSClient } from '@aws-sdk/client-ecs'
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { createAwsClient } from '../../../common/aws-clients.js'
import { Deadline } from '../../../common/deadline.js'
import { deleteLockItem } from '../../../common/deploy-lock-dynamodb.js'
import {
  dynamoLockId,
  readDeployLock,
  type LockOwner,
} from '../../../common/deploy-lock.js'
import { sameLockOwner } from '../../../common/deploy-lock-record.js'
import { errorMessage } from '../../../common/errors.js'
import {
  parseDeploymentState,
  rollbackDeployment,
} from '../../../common/rollback.js'
import { runAction, type ActionContext } from '../../../common/run-action.js'
import { STATE_LOCK, STATE_WEIGHTS } from './saved-state.js'

/** Entry of the post step, which runs after the job's steps, also after a failure or cancellation. */
export async function runPost(): Promise<void> {
  await runAction((ctx) => post(ctx))
}

interface SavedLock {
  bucket: string
  key: string
  table?: string
  owner: LockOwner
  etag: string
}

const POST_ROLLBACK_TIMEOUT_MS = 5 * 60_000

/**
 * Finishes what the main step could not. When the main step saved a split
 * of the traffic weights, it ended before the final shift without restoring
 * them, so the weights from before the deploy are restored. When it saved a
 * lock that it did not release, that lock is released if it is still ours.
 */
export async function post(
  ctx: ActionContext,
  getState: (name: string) => string = (name) => core.getState(name),
): Promise<void> {
  const weights = getState(STATE_WEIGHTS)
  const lock = getState(STATE_LOCK)
  if (weights === '' && lock === '') {
    ctx.logger.info(
      'Nothing to clean up: the main step released its lock and left no split weights.',
    )
    return
  }
  const region = ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION ?? 'us-east-1'
  const problems: string[] = []
  if (weights !== '') {
    try {
      const state = parseDeploymentState(JSON.parse(weights), (expected) => {
        throw new Error(`The saved deployment state is invalid: ${expected}`)
      })
      const opts = { region: state.region, env: ctx.env, logger: ctx.logger }
      const ecs = createAwsClient(ECSClient, opts)
      const elbv2 = createAwsClient(ElasticLoadBalancingV2Client, opts)
      try {
        ctx.logger.info(
          'The main step ended before the final shift with traffic moved; restoring the weights from before the deploy.',
        )
        await rollbackDeployment(state, {
          ecs,
          elbv2,
          logger: ctx.logger,
          deadline: Deadline.start({
            stage: 'post rollback',
            timeoutMs: POST_ROLLBACK_TIMEOUT_MS,
            clock: ctx.clock,
          }),
          sleep: ctx.sleep,
          clock: ctx.clock,
        })
      } finally {
        ecs.destroy()
        elbv2.destroy()
      }
    } catch (error) {
      problems.push(`restoring the weights failed: ${errorMessage(error)}`)
    }
  }
  if (lock !== '') {
    try {
      await releaseSavedLock(JSON.parse(lock) as SavedLock, region, ctx)
    } catch (error) {
      problems.push(`releasing the deploy lock failed: ${errorMessage(error)}`)
    }
  }
  if (problems.length > 0) throw new Error(problems.join('; '))
}

async function releaseSavedLock(
  saved: SavedLock,
  region: string,
  ctx: ActionContext,
): Promise<void> {
  const opts = { region, env: ctx.env, logger: ctx.logger }
  const s3 = createAwsClient(S3Client, opts)
  try {
    if (saved.table !== undefined) {
      const dynamodb = createAwsClient(DynamoDBClient, opts)
      try {
        await deleteLockItem(
          {
            dynamodb,
            table: saved.table,
            lockId: dynamoLockId(saved.bucket, saved.key),
          },
          saved.owner,
        )
      } finally {
        dynamodb.destroy()
      }
    }
    const found = await readDeployLock({
      s3,
      bucket: saved.bucket,
      key: saved.key,
    })
    if (found === undefined) {
      ctx.logger.info(
        `The deploy lock s3://${saved.bucket}/${saved.key} is already gone`,
      )
      return
    }
    if (!sameLockOwner(found.owner, saved.owner)) {
      ctx.logger.warning(
        `The deploy lock s3://${saved.bucket}/${saved.key} belongs to ${found.owner.holder} now; left in place`,
      )
      return
    }
    await s3.send(
      new DeleteObjectCommand({
        Bucket: saved.bucket,
        Key: saved.key,
        IfMatch: found.etag,
      }),
    )
    ctx.logger.info(
      `Released the deploy lock s3://${saved.bucket}/${saved.key} left by the main step`,
    )
  } finally {
    s3.destroy()
  }
}
