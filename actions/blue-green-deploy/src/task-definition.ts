/**
 * Renders the new task definition: starts from a described task definition
 * (the live service's revision or a file), removes what RegisterTaskDefinition
 * rejects, and sets the image, environment and secrets of one container.
 */
import { readFile } from 'node:fs/promises'
import type {
  ContainerDefinition,
  KeyValuePair,
  RegisterTaskDefinitionCommandInput,
  Secret,
} from '@aws-sdk/client-ecs'

/** Keys that DescribeTaskDefinition returns and RegisterTaskDefinition does not take. */
export const READ_ONLY_KEYS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequest',
] as const

/** Top-level parameters of RegisterTaskDefinition. */
export const REGISTER_KEYS = [
  'family',
  'taskRoleArn',
  'executionRoleArn',
  'networkMode',
  'containerDefinitions',
  'volumes',
  'placementConstraints',
  'requiresCompatibilities',
  'cpu',
  'memory',
  'tags',
  'pidMode',
  'ipcMode',
  'proxyConfiguration',
  'inferenceAccelerators',
  'ephemeralStorage',
  'runtimePlatform',
  'enableFaultInjection',
] as const

/**
 * Free-form string maps: their values are the user's and stay exactly as
 * given, empty strings included. Matched by key name at any depth.
 */
const FREE_FORM_MAPS = new Set([
  'options',
  'dockerLabels',
  'driverOpts',
  'labels',
])

export interface CleanResult {
  taskDefinition: Record<string, unknown>
  /** One line per removed key, with its JSON path and the reason. */
  removed: string[]
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Accepts a task definition as RegisterTaskDefinition takes it, or the
 * whole output of DescribeTaskDefinition (`{"taskDefinition": {...},
 * "tags": [...]}`), and returns the register input with read-only keys,
 * unknown keys, nulls and empty objects or arrays removed.
 */
export function cleanTaskDefinition(source: unknown): CleanResult {
  if (!isRecord(source)) {
    throw new Error('The task definition must be a JSON object')
  }
  const removed: string[] = []
  let body: Record<string, unknown> = source
  let wrapperTags: unknown
  if (isRecord(source.taskDefinition)) {
    body = source.taskDefinition
    wrapperTags = source.tags
    for (const key of Object.keys(source)) {
      if (key !== 'taskDefinition' && key !== 'tags') {
        removed.push(`${key} (part of the DescribeTaskDefinition response)`)
      }
    }
  }

  const result: Record<string, unknown> = {}
  const readOnly = new Set<string>(READ_ONLY_KEYS)
  const known = new Set<string>(REGISTER_KEYS)
  for (const [key, value] of Object.entries(body)) {
    if (readOnly.has(key)) {
      removed.push(`${key} (read-only)`)
      continue
    }
    if (!known.has(key)) {
      removed.push(`${key} (not a RegisterTaskDefinition parameter)`)
      continue
    }
    const cleaned = prune(value, key, removed)
    if (cleaned !== undefined) result[key] = cleaned
  }
  if (result.tags === undefined && wrapperTags !== undefined) {
    const tags = prune(wrapperTags, 'tags', removed)
    if (tags !== undefined) result.tags = tags
  }
  return { taskDefinition: result, removed }
}

/** Returns `value` without nulls and empty objects or arrays, or undefined when nothing is left. */
function prune(value: unknown, path: string, removed: string[]): unknown {
  if (value === null) {
    removed.push(`${path} (null)`)
    return undefined
  }
  if (Array.isArray(value)) {
    const items: unknown[] = []
    value.forEach((item, index) => {
      const cleaned = prune(item, `${path}[${index}]`, removed)
      if (cleaned !== undefined) items.push(cleaned)
    })
    if (items.length === 0) {
      removed.push(`${path} (empty list)`)
      return undefined
    }
    return items
  }
  if (isRecord(value)) {
    const name =
      path
        .replace(/\[\d+\]$/, '')
        .split('.')
        .pop() ?? ''
    if (FREE_FORM_MAPS.has(name)) {
      if (Object.keys(value).length === 0) {
        removed.push(`${path} (empty object)`)
        return undefined
      }
      return value
    }
    const object: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      const cleaned = prune(item, `${path}.${key}`, removed)
      if (cleaned !== undefined) object[key] = cleaned
    }
    if (Object.keys(object).length === 0) {
      removed.push(`${path} (empty object)`)
      return undefined
    }
    return object
  }
  return value
}

export interface RenderSettings {
  containerName: string
  /** `repository@sha256:...` */
  image: string
  environment: Array<[string, string]>
  secrets: Array<[string, string]>
}

export interface RenderedTaskDefinition {
  input: RegisterTaskDefinitionCommandInput
  removed: string[]
  /** Changes made to the named container, one line each; no values of variables. */
  changes: string[]
}

/**
 * Cleans `source` and sets the image, environment variables and secret
 * references of the container named in `settings`. A name set as a secret
 * is removed from the plain environment and the other way round, because
 * ECS rejects a name in both. Throws when the container does not exist.
 */
export function renderTaskDefinition(
  source: unknown,
  settings: RenderSettings,
): RenderedTaskDefinition {
  const { taskDefinition, removed } = cleanTaskDefinition(source)
  const input = taskDefinition as unknown as RegisterTaskDefinitionCommandInput
  if (typeof input.family !== 'string' || input.family === '') {
    throw new Error('The task definition has no family')
  }
  const containers = input.containerDefinitions ?? []
  const container = containers.find(
    (candidate) => candidate.name === settings.containerName,
  )
  if (container === undefined) {
    const names = containers.map((candidate) => candidate.name).join(', ')
    throw new ContainerNotFoundError(settings.containerName, names)
  }
  const changes: string[] = []
  if (container.image !== settings.image) {
    changes.push(`image ${container.image ?? '(none)'} -> ${settings.image}`)
  }
  container.image = settings.image
  applyEnvironment(container, settings, changes)
  return { input, removed, changes }
}

export class ContainerNotFoundError extends Error {
  constructor(
    readonly containerName: string,
    readonly names: string,
  ) {
    super(
      `The task definition has no container '${containerName}'; its containers are: ${names || '(none)'}`,
    )
    this.name = 'ContainerNotFoundError'
  }
}

function applyEnvironment(
  container: ContainerDefinition,
  settings: RenderSettings,
  changes: string[],
): void {
  const environment: KeyValuePair[] = [...(container.environment ?? [])]
  const secrets: Secret[] = [...(container.secrets ?? [])]
  const secretNames = new Set(settings.secrets.map(([name]) => name))
  const envNames = new Set(settings.environment.map(([name]) => name))

  for (const [name, value] of settings.environment) {
    const existing = environment.find((pair) => pair.name === name)
    if (existing !== undefined) existing.value = value
    else environment.push({ name, value })
    changes.push(`environment ${name} set`)
  }
  for (const [name, valueFrom] of settings.secrets) {
    const existing = secrets.find((secret) => secret.name === name)
    if (existing !== undefined) existing.valueFrom = valueFrom
    else secrets.push({ name, valueFrom })
    changes.push(`secret ${name} -> ${valueFrom}`)
  }
  const keptEnvironment = environment.filter((pair) => {
    if (pair.name !== undefined && secretNames.has(pair.name)) {
      changes.push(`environment ${pair.name} removed (now a secret)`)
      return false
    }
    return true
  })
  const keptSecrets = secrets.filter((secret) => {
    if (secret.name !== undefined && envNames.has(secret.name)) {
      changes.push(`secret ${secret.name} removed (now a plain variable)`)
      return false
    }
    return true
  })
  if (keptEnvironment.length > 0) container.environment = keptEnvironment
  else delete container.environment
  if (keptSecrets.length > 0) container.secrets = keptSecrets
  else delete container.secrets
}

/** Reads a task definition JSON file. */
export async function readTaskDefinitionFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8')
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new Error(
      `${file} is not valid JSON: ${(error as Error).message}. Give a task definition as JSON, such as the output of aws ecs describe-task-definition.`,
      { cause: error },
    )
  }
}
