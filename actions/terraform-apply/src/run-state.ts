/**
 * What the main step hands to the post step through the runner's saved
 * state (core.saveState, read back as STATE_<name>): how to reach the
 * binary and the backend, and the ID of the state lock this run took.
 */
import * as core from '../../../common/runner-commands.js'
import type { EndpointService } from './inputs.js'
import type { LockLocation } from './backend.js'

export const STATE_RUN = 'terraform-run'
export const STATE_LOCK_ID = 'terraform-lock-id'

export interface SavedRun {
  binary: string
  cwd: string
  region: string
  setsid?: string
  location: LockLocation
  endpoints: Partial<Record<EndpointService, string>>
}

export interface StateStore {
  save(name: string, value: string): void
  get(name: string): string
}

/** The runner's state store: the GITHUB_STATE file and STATE_<name> variables. */
export const coreState: StateStore = {
  save: (name, value) => core.saveState(name, value),
  get: (name) => core.getState(name),
}

/** Reads the saved run, or undefined when the main step saved none. */
export function readSavedRun(store: StateStore): SavedRun | undefined {
  const text = store.get(STATE_RUN)
  if (text === '') return undefined
  return JSON.parse(text) as SavedRun
}

/** Environment for SDK clients that reach the backend's endpoints. */
export function clientEnv(
  env: NodeJS.ProcessEnv,
  endpoints: Partial<Record<EndpointService, string>>,
): NodeJS.ProcessEnv {
  const result = { ...env }
  if (endpoints.s3 !== undefined) result.AWS_ENDPOINT_URL_S3 = endpoints.s3
  if (endpoints.dynamodb !== undefined) {
    result.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamodb
  }
  return result
}
