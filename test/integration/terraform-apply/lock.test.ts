import { readFileSync, readdirSync, rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  DynamoDBClient,
  GetItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb'
import {
  awsClient,
  createBucket,
  createLockTable,
  listKeys,
  putObjectText,
  readObjectText,
  uniqueName,
} from '../../helpers/fixtures.js'
import { stackEnv } from '../../helpers/stack.js'
import {
  DATA_CONFIG,
  explain,
  removeStepFolders,
  runStep,
  startStep,
  workspaceWith,
  type StepResult,
} from './step.js'

const STATE_RUN = 'terraform-run'
const STATE_LOCK_ID = 'terraform-lock-id'

async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`Timed out waiting for ${what}`)
}

/** Process ids of the children of `pid`, from /proc. */
function childPids(pid: number): number[] {
  const pids: number[] = []
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
    pids.push(...text.split(' ').filter(Boolean).map(Number))
  }
  return pids
}

describe('terraform-apply state lock', () => {
  const workspaces: string[] = []
  let stateBucket: string

  function workspace(): string {
    const folder = workspaceWith('infra', DATA_CONFIG)
    workspaces.push(folder)
    return folder
  }

  function inputs(
    stateKey: string,
    overrides: Record<string, string | undefined> = {},
  ): Record<string, string | undefined> {
    return {
      mode: 'apply',
      'working-directory': 'infra',
      'backend-bucket': stateBucket,
      'backend-key': stateKey,
      'run-id': '303',
      'pr-number': undefined,
      'github-token': undefined,
      ...overrides,
    }
  }

  function variables(label: string, sleepSeconds: number): string {
    return JSON.stringify({ label, sleep_seconds: sleepSeconds })
  }

  beforeAll(async () => {
    stateBucket = await createBucket(uniqueName('kit-tfa-lock'))
  })

  afterAll(() => {
    removeStepFolders()
    for (const folder of workspaces) {
      rmSync(folder, { recursive: true, force: true })
    }
  })

  it('fails after lock-timeout naming the holder', async () => {
    const key = 'contention/terraform.tfstate'
    const holder = startStep({
      workspace: workspace(),
      env: stackEnv(),
      inputs: inputs(key, { variables: variables('first', 25) }),
    })
    // Plan takes and releases a lock of its own first; wait for apply's.
    await waitUntil('the first run to hold the lock', async () =>
      /terraform apply holds the state lock/.test(holder.stdout()),
    )
    const lock = JSON.parse(
      await readObjectText(stateBucket, `${key}.tflock`),
    ) as { ID: string; Who: string }
    const started = Date.now()
    const waiter = await runStep({
      workspace: workspace(),
      env: stackEnv(),
      inputs: inputs(key, {
        variables: variables('second', 0),
        'lock-timeout': '4s',
      }),
    })
    expect(waiter.exitCode).toBe(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000)
    expect(waiter.stdout).toContain(
      `The state is locked by another run (ID ${lock.ID}, held by ${lock.Who}`,
    )
    expect(waiter.state[STATE_LOCK_ID] ?? '').toBe('')

    const post = await runStep({
      workspace: workspace(),
      env: stackEnv(),
      entry: 'post',
      inputs: inputs(key),
      state: waiter.state,
    })
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toContain(lock.ID)
    expect(await listKeys(stateBucket)).toContain(`${key}.tflock`)

    const first = await holder.done
    if (first.exitCode !== 0) throw new Error(explain(first))
    expect(first.state[STATE_LOCK_ID]).toBe(lock.ID)
    expect(await listKeys(stateBucket)).not.toContain(`${key}.tflock`)
  }, 120_000)

  it('releases the lock on SIGINT', async () => {
    const key = 'sigint/terraform.tfstate'
    const folder = workspace()
    const running = startStep({
      workspace: folder,
      env: stackEnv(),
      inputs: inputs(key, { variables: variables('slow', 60) }),
    })
    await waitUntil('apply to start', async () =>
      /terraform apply holds the state lock/.test(running.stdout()),
    )
    running.child.kill('SIGINT')
    const result = await running.done
    expect(result.exitCode).toBe(130)
    expect(result.stdout).toMatch(/Forwarding SIGINT to child process/)
    expect(await listKeys(stateBucket, 'sigint/')).toEqual([key])
    const record = JSON.parse(result.outputs['record-json'] ?? '{}') as {
      status?: string
    }
    expect(record.status).toBe('cancelled')

    const post = await runStep({
      workspace: folder,
      env: stackEnv(),
      entry: 'post',
      inputs: inputs(key),
      state: result.state,
    })
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toMatch(/was released already/)
  }, 120_000)

  it('stops at the timeout naming resources', async () => {
    const key = 'timeout/terraform.tfstate'
    const result = await runStep({
      workspace: workspace(),
      env: stackEnv(),
      inputs: inputs(key, {
        variables: variables('slow', 60),
        timeout: '15s',
        'lock-timeout': '5s',
        'grace-period': '5s',
      }),
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(
      /terraform apply ran out of time .*In progress when it stopped: terraform_data\.slow \(creating\)/,
    )
    expect(await listKeys(stateBucket, 'timeout/')).toEqual([key])
  }, 120_000)

  it('post releases a lock left behind', async () => {
    const key = 'killed/terraform.tfstate'
    const folder = workspace()
    const running = startStep({
      workspace: folder,
      env: stackEnv(),
      inputs: inputs(key, { variables: variables('slow', 60) }),
    })
    await waitUntil('apply to start', async () =>
      /terraform apply holds the state lock/.test(running.stdout()),
    )
    // Kill Terraform itself (the child of the action's process) so that it
    // cannot release its lock, as when a runner dies.
    const pid = running.child.pid as number
    for (const child of childPids(pid)) process.kill(child, 'SIGKILL')
    const result = await running.done
    expect(result.exitCode).toBe(1)
    const lockId = result.state[STATE_LOCK_ID] ?? ''
    expect(lockId).not.toBe('')
    expect(await listKeys(stateBucket, 'killed/')).toContain(`${key}.tflock`)

    const post = await runStep({
      workspace: folder,
      env: stackEnv(),
      entry: 'post',
      inputs: inputs(key),
      state: result.state,
    })
    if (post.exitCode !== 0) throw new Error(explain(post))
    expect(post.stdout).toContain(`Released the state lock ${lockId}`)
    expect(await listKeys(stateBucket, 'killed/')).not.toContain(
      `${key}.tflock`,
    )
  }, 120_000)

  it("post leaves another run's lock", async () => {
    const key = 'foreign/terraform.tfstate'
    const folder = workspace()
    const ours = await runStep({
      workspace: folder,
      env: stackEnv(),
      inputs: inputs(key, { variables: variables('quick', 0) }),
    })
    if (ours.exitCode !== 0) throw new Error(explain(ours))
    const foreign = {
      ID: 'f0f0f0f0-0000-4000-8000-000000000001',
      Operation: 'OperationTypeApply',
      Who: 'someone@elsewhere',
      Version: '1.11.4',
      Created: new Date().toISOString(),
      Path: `${stateBucket}/${key}`,
    }
    await putObjectText(stateBucket, `${key}.tflock`, JSON.stringify(foreign))
    const post = await runStep({
      workspace: folder,
      env: stackEnv(),
      entry: 'post',
      inputs: inputs(key),
      state: {
        ...ours.state,
        [STATE_LOCK_ID]: 'a1a1a1a1-0000-4000-8000-00000000000a',
      },
    })
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toContain(foreign.ID)
    expect(post.stdout).toContain('someone@elsewhere')
    expect(post.stdout).toContain('left alone')
    expect(await listKeys(stateBucket, 'foreign/')).toContain(`${key}.tflock`)
  }, 120_000)

  it('locks with DynamoDB', async () => {
    const key = 'dynamodb/terraform.tfstate'
    const table = await createLockTable(uniqueName('kit-tfa-locks'))
    const dynamodb = awsClient(DynamoDBClient)
    try {
      const running = startStep({
        workspace: workspace(),
        env: stackEnv(),
        inputs: inputs(key, {
          variables: variables('dynamo', 6),
          'lock-mode': 'dynamodb',
          'lock-table': table,
        }),
      })
      let heldId: string | undefined
      await waitUntil('apply to start', async () =>
        /terraform apply holds the state lock/.test(running.stdout()),
      )
      await waitUntil('the DynamoDB lock item', async () => {
        const item = await dynamodb.send(
          new GetItemCommand({
            TableName: table,
            Key: { LockID: { S: `${stateBucket}/${key}` } },
          }),
        )
        const info = item.Item?.Info?.S
        if (info !== undefined) heldId = (JSON.parse(info) as { ID: string }).ID
        return info !== undefined
      })
      const result: StepResult = await running.done
      if (result.exitCode !== 0) throw new Error(explain(result))
      expect(result.outputs['applied']).toBe('true')
      expect(result.state[STATE_LOCK_ID]).toBe(heldId)
      expect(await listKeys(stateBucket, 'dynamodb/')).toEqual([key])
      const items = await dynamodb.send(new ScanCommand({ TableName: table }))
      const locks = (items.Items ?? []).filter(
        (item) => item.Info !== undefined,
      )
      expect(locks).toEqual([])
      expect(result.state[STATE_RUN]).toContain(table)
    } finally {
      dynamodb.destroy()
    }
  }, 120_000)
})
