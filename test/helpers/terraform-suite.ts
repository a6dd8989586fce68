// Shared setup of the Terraform module tests: this jest worker's moto, a
// state bucket in it, a scratch folder, root factories with unique names,
// and the duration of every Terraform command for the run's summary.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MotoApi } from './emulator-diffs.js'
import { createMotoApi } from './emulator-diffs.js'
import { motoEndpoint, stackEnv } from './stack.js'
import type { CommandResult } from './terraform-root.js'
import { TerraformRoot, repoRoot } from './terraform-root.js'

export interface CommandTiming {
  root: string
  command: string
  seconds: number
  exitCode: number
}

export interface TerraformSuite {
  moto: MotoApi
  endpoint: string
  env: NodeJS.ProcessEnv
  stateBucket: string
  workDir: string
  /** Random letters that keep this run's resource names unique in moto. */
  runId: string
  timings: CommandTiming[]
  /** Creates a root for a folder relative to the repository. */
  root(dir: string, name: string, vars?: Record<string, unknown>): TerraformRoot
  /** Creates a root for a folder given by its absolute path. */
  rootAt(
    dir: string,
    name: string,
    vars?: Record<string, unknown>,
  ): TerraformRoot
  /** The slowest commands and the total, for the test log. */
  summary(): string
  cleanup(): void
}

export async function startTerraformSuite(
  label: string,
): Promise<TerraformSuite> {
  const endpoint = motoEndpoint()
  // The AWS provider spends most of its start-up building its schema. A less
  // eager Go garbage collector cut the CPU time of `terraform validate` from
  // 5.7 s to 3.6 s on this project's 2-CPU machine (peak memory 0.7 GB
  // instead of 0.5 GB).
  const env = stackEnv({ TF_LOG: undefined, GOGC: '400' })
  const runId = `k${randomBytes(3).toString('hex').slice(0, 5)}`
  const stateBucket = `${runId}-tfstate-${label}`
  const s3 = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  })
  await s3.send(new CreateBucketCommand({ Bucket: stateBucket }))
  s3.destroy()
  const workDir = mkdtempSync(join(tmpdir(), `kit-terraform-${label}-`))
  const timings: CommandTiming[] = []
  const started = Date.now()
  const record = (root: string, result: CommandResult) => {
    timings.push({
      root,
      command: result.args[0] ?? '',
      seconds: result.durationMs / 1000,
      exitCode: result.exitCode,
    })
  }
  const rootAt = (
    dir: string,
    name: string,
    vars: Record<string, unknown> = {},
  ) =>
    new TerraformRoot({
      dir,
      name,
      workDir,
      env,
      endpoint,
      stateBucket,
      vars,
      onCommand: record,
    })
  return {
    moto: createMotoApi(endpoint),
    endpoint,
    env,
    stateBucket,
    workDir,
    runId,
    timings,
    root(dir, name, vars = {}) {
      return rootAt(join(repoRoot, dir), name, vars)
    },
    rootAt,
    summary() {
      const total = ((Date.now() - started) / 1000).toFixed(0)
      const lines = [...timings]
        .sort((a, b) => b.seconds - a.seconds)
        .slice(0, 12)
        .map(
          (t) =>
            `  ${t.root} ${t.command}: ${t.seconds.toFixed(1)} s (exit ${t.exitCode})`,
        )
      const commandSeconds = timings.reduce((sum, t) => sum + t.seconds, 0)
      return [
        `${label}: ${timings.length} terraform commands, ${commandSeconds.toFixed(0)} s of command time in ${total} s; slowest:`,
        ...lines,
      ].join('\n')
    },
    cleanup() {
      rmSync(workDir, { recursive: true, force: true })
    },
  }
}
