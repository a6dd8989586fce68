// blue-green-deploy with a canary shift, cancelled by SIGINT or SIGTERM at
// seeded points, run as the committed bundle the way the runner runs it,
// against moto with the ECS engine. After each cancellation the deploy
// lock must be free, the listener must forward the weights from before the
// deploy (or the final ones once the final shift has completed), and the
// record status must be cancelled.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { DescribeServicesCommand } from '@aws-sdk/client-ecs'
import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3'
import { runBundle, startBundle } from '../../helpers/action-inputs.js'
import {
  createDeployFixture,
  type DeployFixture,
} from '../../helpers/blue-green-deploy.js'
import { forwardWeights } from '../../helpers/blue-green-stack.js'
import {
  resetEngineConfig,
  setConvergeSeconds,
} from '../../helpers/ecs-engine.js'
import { awsClient } from '../../helpers/fixtures.js'
import { stackEnv } from '../../helpers/stack.js'
import {
  cancelAt,
  cancellationPoints,
  checkCancelledRun,
  PointChecks,
  recordCancellation,
  recordStatus,
  snapshotAction,
  watch,
  type Phase,
} from './cancel-run.js'

const folders: string[] = []
let bundle: string | undefined

/** Returns the folder of the action's bundle, copied once per file (see snapshotAction). */
function action(): string {
  if (bundle === undefined) {
    bundle = snapshotAction('blue-green-deploy')
    folders.push(path.dirname(bundle))
  }
  return bundle
}

beforeAll(async () => {
  await setConvergeSeconds(0.6)
})

afterAll(async () => {
  await resetEngineConfig()
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

async function weights(f: DeployFixture): Promise<string> {
  const found = await forwardWeights(f.stack)
  return `blue ${found[f.stack.state.blue.target_group_arn]} / green ${found[f.stack.state.green.target_group_arn]}`
}

async function lockExists(s3: S3Client, f: DeployFixture): Promise<boolean> {
  try {
    await s3.send(
      new HeadObjectCommand({
        Bucket: f.lockBucket,
        Key: `locks/${f.stack.state.cluster}/${f.service}.lock`,
      }),
    )
    return true
  } catch (error) {
    if (error instanceof NotFound) return false
    throw error
  }
}

async function desiredCount(f: DeployFixture, service: string) {
  const output = await f.stack.ecs.send(
    new DescribeServicesCommand({
      cluster: f.stack.state.cluster,
      services: [service],
    }),
  )
  return output.services?.[0]?.desiredCount
}

const BEFORE = 'blue 100 / green 0'
const FINAL = 'blue 0 / green 100'
const CANARY = 'blue 90 / green 10'

const phases: Phase[] = [
  { name: 'lock taken', pattern: /Took deploy lock/, maxDelayMs: 500 },
  { name: 'green update', pattern: /Updating \S+-green to /, maxDelayMs: 500 },
  {
    name: 'ECS deployment',
    pattern: /ECS started deployment/,
    maxDelayMs: 1500,
  },
  { name: 'canary shift', pattern: /step 1: green gets 10%/, maxDelayMs: 300 },
  { name: 'canary bake', pattern: /Baking 10% for/, maxDelayMs: 3500 },
  {
    name: 'final shift',
    pattern: /final shift: green gets 100%/,
    maxDelayMs: 300,
  },
  { name: 'final bake', pattern: /Baking the final shift/, maxDelayMs: 2500 },
  { name: 'old colour', pattern: /old colour: scaled/, maxDelayMs: 30 },
]

describe('blue-green-deploy cancellation', () => {
  it('restores traffic and the lock at every point', async () => {
    const points = cancellationPoints('blue-green-deploy canary', phases)
    const results: PointChecks[] = []
    const notes: string[] = []
    const s3 = awsClient(S3Client)
    try {
      for (const point of points) {
        const checks = new PointChecks(point)
        results.push(checks)
        const f = await createDeployFixture()
        try {
          const folder = mkdtempSync(path.join(tmpdir(), 'cancel-bg-'))
          folders.push(folder)
          const inputs = {
            ...f.inputs,
            traffic: 'canary',
            'canary-percent': '10',
            'canary-bake-time': '4s',
            'final-bake-time': '3s',
          }
          // Weights other than these three would be split traffic that no
          // step of a canary deploy sets.
          const watcher = watch(async () => {
            const now = await weights(f)
            return [BEFORE, CANARY, FINAL].includes(now)
              ? undefined
              : `the listener forwarded ${now}`
          }, 100)
          const running = startBundle(action(), {
            cwd: folder,
            env: stackEnv(),
            inputs,
            timeoutMs: 150_000,
          })
          const delivery = await cancelAt(running, point)
          const run = await running.done
          const seen = await watcher.stop()
          const after = await weights(f)

          checks.expect(delivery.sent, 'the run ended before the signal')
          checks.expect(seen.length === 0, `while running: ${seen.join('; ')}`)
          checks.expect(
            after === BEFORE || after === FINAL,
            `the listener forwards ${after}, neither ${BEFORE} nor ${FINAL}`,
          )
          const shifted = /step 1: green gets/.test(run.stdout)
          if (after === BEFORE && !shifted) {
            // Cancelled before any traffic moved: green is put back.
            const green = await desiredCount(f, `${f.service}-green`)
            checks.expect(
              green === 0,
              `green has desired count ${green} although no traffic moved`,
            )
          }
          if (after === BEFORE && shifted) {
            // Traffic moved and came back, as a rollback after a failed
            // bake does; green keeps its tasks in both cases.
            checks.expect(
              run.outputs['rolled-back'] === 'true',
              `rolled-back is '${run.outputs['rolled-back']}' after the weights were restored`,
            )
          }
          checks.expect(
            !(await lockExists(s3, f)),
            'the deploy lock is still held',
          )
          let fileStatus: string
          try {
            fileStatus = recordStatus(
              readFileSync(
                path.join(folder, '.deploy-records/blue-green-deploy.json'),
                'utf8',
              ),
            )
          } catch (error) {
            fileStatus = `(unreadable: ${String(error)})`
          }
          const ending = checkCancelledRun(
            checks,
            run,
            {
              output: recordStatus(run.outputs['record-json']),
              file: fileStatus,
            },
            after === FINAL &&
              (await desiredCount(f, `${f.service}-blue`)) === 0,
          )
          notes.push(
            `point ${point.index}: ${ending}, signal at ${delivery.atMs} ms, exit ${run.exitCode}, weights ${after}`,
          )
          checks.printOutputOnProblems(`${run.stdout}\n${run.stderr}`)
          const post = await runBundle(action(), {
            entry: 'post',
            cwd: folder,
            env: stackEnv(),
            inputs,
            state: run.state,
          })
          checks.expect(post.exitCode === 0, `post step exit ${post.exitCode}`)
          checks.expect(
            (await weights(f)) === after,
            'the post step changed the weights',
          )
        } finally {
          f.destroy()
        }
      }
    } finally {
      s3.destroy()
    }
    expect(
      recordCancellation('blue-green-deploy canary', results, notes),
    ).toEqual([])
  }, 1_800_000)
})
