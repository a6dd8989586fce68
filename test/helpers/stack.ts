// Access to the local stack from integration tests: its environment, the
// moto server of this jest worker, the registry, and moto's reset and
// model dump endpoints.
import type { StackState } from '../../local-stack/state.js'
import { readStackState, stackEnvFor } from '../../local-stack/state.js'

let cached: StackState | undefined

/** State of the stack this test run uses (from KIT_STACK_STATE). */
export function stackState(): StackState {
  if (cached) return cached
  const file = process.env.KIT_STACK_STATE
  if (!file) {
    throw new Error(
      'KIT_STACK_STATE is not set. Run integration tests with `-c jest.integration.config.js`, whose global setup starts the local stack.',
    )
  }
  const state = readStackState(file)
  if (!state) {
    throw new Error(`No stack state file at ${file}; has the stack stopped?`)
  }
  cached = state
  return state
}

/** Index of this worker's moto server: jest worker n (from 1) uses server (n - 1) modulo the server count. */
export function motoIndex(): number {
  const worker = Number(process.env.JEST_WORKER_ID ?? '1')
  const count = stackState().moto.length
  return (((worker - 1) % count) + count) % count
}

/** Endpoint of this worker's moto server, such as http://127.0.0.1:40123. */
export function motoEndpoint(): string {
  const server = stackState().moto[motoIndex()]
  if (!server) throw new Error(`No moto server ${motoIndex()} in the stack`)
  return server.endpoint
}

/** host:port of the local OCI registry (plain HTTP, listed as insecure for podman). */
export function registryAddress(): string {
  return stackState().registry.address
}

/** Returns the local node base image for Dockerfiles, such as localhost/kit-node-base:20. */
export function baseImage(): string {
  const image = stackState().baseImage
  if (!image) throw new Error('The stack was started without the base image')
  return image
}

/**
 * Environment for code under test and tools: this worker's moto as
 * AWS_ENDPOINT_URL, region us-east-1, fake keys, AWS_EC2_METADATA_DISABLED,
 * TF_CLI_CONFIG_FILE, KIT_LOCAL_REGISTRY, KIT_BASE_IMAGE, the CONTAINERS_*
 * and BUILDAH_* variables, and the podman-backed `docker` first on PATH.
 * Entries of `overrides` replace those values; undefined removes one.
 */
export function stackEnv(
  overrides: Record<string, string | undefined> = {},
): NodeJS.ProcessEnv {
  const env = stackEnvFor(stackState(), motoIndex(), process.env)
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }
  return env
}

/** Clears every model of this worker's moto server (all services, accounts and regions). */
export async function resetMoto(endpoint = motoEndpoint()): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' })
  const body = await response.text()
  if (!response.ok) {
    throw new Error(
      `POST ${endpoint}/moto-api/reset failed: HTTP ${response.status} ${body}`,
    )
  }
}

/** moto's model dump: service name, then model class name, then the stored objects. */
export type MotoSnapshot = Record<string, Record<string, unknown[]>>

/** Fetches a snapshot of this worker's moto models, for before/after comparisons. */
export async function motoState(
  endpoint = motoEndpoint(),
): Promise<MotoSnapshot> {
  const response = await fetch(`${endpoint}/moto-api/data.json`)
  if (!response.ok) {
    throw new Error(
      `GET ${endpoint}/moto-api/data.json failed: HTTP ${response.status}`,
    )
  }
  return (await response.json()) as MotoSnapshot
}
