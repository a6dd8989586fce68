/**
 * The local services a rehearsal runs on: the stack (moto, the registry,
 * podman and the Terraform configuration), a PostgreSQL server that replaces
 * the environment's RDS instance, and the ECS engine switched to
 * real processes.
 */
import { join } from 'node:path'
import { startPostgres, type LocalPostgres } from '../local-stack/postgres.js'
import { startStack, stopStack } from '../local-stack/stack.js'
import { repoRoot, stackEnvFor, type StackState } from '../local-stack/state.js'
import type { Teardown } from './teardown.js'

/** Seconds between two state changes of the emulated ECS engine. */
const ENGINE_CONVERGE_SECONDS = 1
/** Seconds between two probes of a target's health check path. */
const HEALTH_INTERVAL_SECONDS = 1
/** Seconds a stopped task has between SIGTERM and SIGKILL (ECS's default is 30). */
const MAX_STOP_TIMEOUT_SECONDS = 5

export interface LocalServices {
  stack: StackState
  /** Environment for AWS clients and tools: moto as AWS_ENDPOINT_URL, keys, Terraform and podman settings. */
  env: NodeJS.ProcessEnv
  motoEndpoint: string
  /** host:port of the local OCI registry. */
  registry: string
  /** Local node base image for the backend's Dockerfile. */
  baseImage: string
  postgres: LocalPostgres
}

/**
 * Starts the stack in `<workDir>/stack` and PostgreSQL, then sets the ECS
 * engine to its process task backend. Every part is registered with
 * `teardown` as soon as it runs.
 */
export async function startServices(opts: {
  workDir: string
  teardown: Teardown
  log: (line: string) => void
}): Promise<LocalServices> {
  const { workDir, teardown, log } = opts
  const stateDir = join(workDir, 'stack')
  log('starting the local stack (moto, registry, podman, Terraform)')
  teardown.add('the local stack', async () => {
    await stopStack({ stateDir, log })
  })
  const stack = await startStack({
    stateDir,
    // Image storage of its own: podman reuses cached build layers across
    // every user of one storage folder, so a test that removes its image
    // while the rehearsal builds the same layers can fail the build with
    // "layer not known".
    cacheDir: join(repoRoot, '.rehearsal', 'cache'),
    motoCount: 1,
    motoEnv: { KIT_ECS_CONVERGE_SECONDS: String(ENGINE_CONVERGE_SECONDS) },
    log: (line) => log(`stack: ${line}`),
  })
  const moto = stack.moto[0]!
  if (!stack.baseImage) {
    throw new Error('The local stack started without its node base image')
  }

  log('starting PostgreSQL on 127.0.0.1')
  const postgres = await startPostgres()
  teardown.add('PostgreSQL', () => postgres.destroy())
  log(`PostgreSQL ready on 127.0.0.1:${postgres.port}`)

  await configureEngine(moto.endpoint, {
    task_backend: 'process',
    process: {
      // What the VPC provides in AWS: the database's address. The local
      // server has no TLS, so the task's PGSSLMODE is turned off. PGUSER
      // and PGDATABASE stay the task's own, so a release can name another
      // database. The server has the user and database that the
      // environment root's database module names (app).
      environment: {
        PGHOST: postgres.host,
        PGPORT: String(postgres.port),
        PGSSLMODE: 'disable',
      },
      health_interval_seconds: HEALTH_INTERVAL_SECONDS,
      max_stop_timeout_seconds: MAX_STOP_TIMEOUT_SECONDS,
      work_directory: join(workDir, 'tasks'),
    },
  })
  log('ECS engine: tasks run as local processes of the pushed images')

  return {
    stack,
    env: stackEnvFor(stack, 0),
    motoEndpoint: moto.endpoint,
    registry: stack.registry.address,
    baseImage: stack.baseImage,
    postgres,
  }
}

/** Posts `settings` to the ECS engine's control endpoint and checks the response status. */
async function configureEngine(
  motoEndpoint: string,
  settings: Record<string, unknown>,
): Promise<void> {
  const url = `${motoEndpoint}/moto-api/kit/ecs-engine/config`
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  })
  const body = await response.text()
  if (!response.ok) {
    throw new Error(
      `Failed to configure the ECS engine at ${url}: HTTP ${response.status} ${body}`,
    )
  }
}
