// verify-health with rollback-on-failure against a failing application,
// cancelled by SIGINT or SIGTERM at seeded points, run as the committed
// bundle the way the runner runs it. The deploy under check moved all
// traffic to green. Afterwards the listener must forward either that (the
// rollback had not changed it yet) or blue 100 / green 0 (the rollback
// completed), never a split. The record's status must be cancelled.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startBundle } from '../../helpers/action-inputs.js'
import {
  createBlueGreenStack,
  forwardWeights,
  type BlueGreenStack,
} from '../../helpers/blue-green-stack.js'
import {
  resetEngineConfig,
  setConvergeSeconds,
} from '../../helpers/ecs-engine.js'
import { startHttpServer } from '../../helpers/health-servers.js'
import { stackEnv } from '../../helpers/stack.js'
import {
  cancelAt,
  cancellationPoints,
  cancelledExitCode,
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
    bundle = snapshotAction('verify-health')
    folders.push(path.dirname(bundle))
  }
  return bundle
}

/** Seconds a task of the moto ECS engine takes to become a healthy target. */
const CONVERGE_SECONDS = 1.5

beforeAll(async () => {
  await setConvergeSeconds(CONVERGE_SECONDS)
})

afterAll(async () => {
  await resetEngineConfig()
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

async function weights(stack: BlueGreenStack): Promise<string> {
  const found = await forwardWeights(stack)
  return `blue ${found[stack.state.blue.target_group_arn]} / green ${found[stack.state.green.target_group_arn]}`
}

const DEPLOYED = 'blue 0 / green 100'
const ROLLED_BACK = 'blue 100 / green 0'

const phases: Phase[] = [
  { name: 'check start', pattern: /Checking \d+ URL\(s\)/, maxDelayMs: 2000 },
  { name: 'first attempt', pattern: /HTTP 502/, maxDelayMs: 1500 },
  { name: 'unhealthy', pattern: /Unhealthy after/, maxDelayMs: 100 },
  { name: 'rollback start', pattern: /Rollback: restoring/, maxDelayMs: 100 },
  {
    name: 'rollback scale-up',
    pattern: /Rollback: scaled blue/,
    maxDelayMs: 1000,
  },
]

describe('verify-health rollback cancellation', () => {
  it('never leaves split traffic', async () => {
    const points = cancellationPoints('verify-health rollback', phases)
    const results: PointChecks[] = []
    const notes: string[] = []
    const server = await startHttpServer((_request, response) => {
      response.statusCode = 502
      response.end('bad gateway')
    })
    try {
      for (const point of points) {
        const checks = new PointChecks(point)
        results.push(checks)
        // Blue runs no tasks, so the rollback scales it up and waits for
        // healthy targets (CONVERGE_SECONDS) before it moves traffic back.
        const stack = await createBlueGreenStack({
          weightsNow: { blue: 0, green: 100 },
          blueDesiredCount: 0,
          greenDesiredCount: 2,
        })
        try {
          const folder = mkdtempSync(path.join(tmpdir(), 'cancel-vh-'))
          folders.push(folder)
          const watcher = watch(async () => {
            const now = await weights(stack)
            return [DEPLOYED, ROLLED_BACK].includes(now)
              ? undefined
              : `the listener forwarded ${now}`
          }, 100)
          const running = startBundle(action(), {
            cwd: folder,
            env: stackEnv(),
            inputs: {
              urls: server.origin,
              timeout: '3s',
              'attempt-timeout': '1s',
              interval: '200ms',
              'rollback-on-failure': 'true',
              'rollback-timeout': '30s',
              'deployment-json': JSON.stringify(stack.state),
              'record-file': '.deploy-records/verify-health.json',
            },
            timeoutMs: 90_000,
          })
          const delivery = await cancelAt(running, point)
          const run = await running.done
          const seen = await watcher.stop()
          const after = await weights(stack)
          notes.push(
            `point ${point.index}: signal at ${delivery.atMs} ms, exit ${run.exitCode}, weights ${after}`,
          )

          checks.expect(delivery.sent, 'the run ended before the signal')
          checks.expect(
            run.exitCode === cancelledExitCode(point.signal),
            `exit code ${run.exitCode}, expected ${cancelledExitCode(point.signal)}`,
          )
          checks.expect(seen.length === 0, `while running: ${seen.join('; ')}`)
          checks.expect(
            after === DEPLOYED || after === ROLLED_BACK,
            `the listener forwards ${after}`,
          )
          const status = recordStatus(run.outputs['record-json'])
          checks.expect(status === 'cancelled', `record-json status ${status}`)
          let fileStatus: string
          try {
            fileStatus = recordStatus(
              readFileSync(
                path.join(folder, '.deploy-records/verify-health.json'),
                'utf8',
              ),
            )
          } catch (error) {
            fileStatus = `(unreadable: ${String(error)})`
          }
          checks.expect(
            fileStatus === 'cancelled',
            `record-file status ${fileStatus}`,
          )
          checks.printOutputOnProblems(`${run.stdout}\n${run.stderr}`)
        } finally {
          stack.destroy()
        }
      }
    } finally {
      await server.close()
    }
    expect(
      recordCancellation('verify-health rollback', results, notes),
    ).toEqual([])
  }, 900_000)
})
