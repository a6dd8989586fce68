/**
 * Inputs of a rehearsed release: the `with:` of the consumer's `staging`
 * job in examples/consumer-app/.github/workflows/deploy.yml, evaluated as
 * GitHub would on a push, then the few overrides a run on this machine
 * needs (listed in LOCAL_OVERRIDES).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { repoRoot } from '../local-stack/state.js'
import { evaluateExpression, toText } from './runner/expressions.js'
import type { InputValue } from './runner/types.js'

export const CONSUMER_DIR = join(repoRoot, 'examples', 'consumer-app')
export const CONSUMER_WORKFLOW = join(
  CONSUMER_DIR,
  '.github',
  'workflows',
  'deploy.yml',
)
export const KIT_WORKFLOW = join(repoRoot, '.github', 'workflows', 'deploy.yml')

/** moto's default account id, which the consumer reads from vars.AWS_ACCOUNT_ID. */
export const ACCOUNT_ID = '123456789012'
const CONSUMER_JOB = 'staging'
/** Name of a database the local PostgreSQL does not have. */
const MISSING_DATABASE = 'notes_missing'

/** Reasons for each local override, by input name. The report prints them. */
export const LOCAL_OVERRIDES: Record<string, string> = {
  'role-arn':
    'empty: static keys for moto instead of GitHub OIDC, which needs GitHub',
  'test-command': 'npm test without npm install: no package registry is used',
  'frontend-build-command':
    'node build.js, then the backend dependencies copied from the kit (no npm install)',
  'build-args': "BASE_IMAGE (the stack's local node image) and APP_VERSION",
  'terraform-variables':
    'moto endpoint, local registry image, single NAT gateway, no Multi-AZ, deletable resources',
  'health-url': "the local router's /healthz, in place of the CloudFront URL",
  'health-expected-version': 'the version this release builds',
  'deploy-timeout': '90s, so a release that never becomes healthy ends soon',
  'final-bake-time': '10s instead of 2m',
}

export interface Release {
  /** Version built into the image and the page (APP_VERSION). */
  version: string
  /** True for the release whose /healthz fails. */
  broken: boolean
}

export interface ReleaseContext {
  motoEndpoint: string
  registry: string
  baseImage: string
  routerUrl: string
}

/** Reads the consumer's `with:` for the staging job and evaluates its expressions. */
export function consumerInputs(
  workflowPath = CONSUMER_WORKFLOW,
): Record<string, string> {
  const workflow = parse(readFileSync(workflowPath, 'utf8')) as {
    jobs?: Record<string, { with?: Record<string, unknown> }>
  }
  const job = workflow.jobs?.[CONSUMER_JOB]
  if (!job?.with) {
    throw new Error(
      `${workflowPath} has no job '${CONSUMER_JOB}' with a 'with:' mapping; the rehearsal releases that job's inputs.`,
    )
  }
  // A push to main: no workflow_dispatch inputs, so first-apply is unset.
  const contexts = {
    vars: { AWS_ACCOUNT_ID: ACCOUNT_ID },
    inputs: {},
    github: { event_name: 'push', ref: 'refs/heads/main' },
  }
  const inputs: Record<string, string> = {}
  for (const [name, value] of Object.entries(job.with)) {
    inputs[name] = evaluateTemplate(String(value), contexts)
  }
  return inputs
}

/** Replaces each `${{ expression }}` in `text` with its value. */
function evaluateTemplate(text: string, contexts: Record<string, unknown>) {
  return text.replace(/\$\{\{(.*?)\}\}/gs, (_, expression: string) =>
    toText(evaluateExpression(expression.trim(), contexts)),
  )
}

/** Parses `name=value` lines (the consumer's terraform-variables) into an object. */
function parseVariableLines(text: string): Record<string, unknown> {
  const variables: Record<string, unknown> = {}
  for (const line of text.split('\n')) {
    const trimmed = line.trim()
    if (!trimmed || trimmed.startsWith('#')) continue
    const separator = trimmed.indexOf('=')
    if (separator < 1) {
      throw new Error(
        `Invalid terraform-variables line '${trimmed}' in ${CONSUMER_WORKFLOW}: use name=value.`,
      )
    }
    variables[trimmed.slice(0, separator).trim()] = trimmed
      .slice(separator + 1)
      .trim()
  }
  return variables
}

/** Returns the deploy.yml inputs of `release`: the consumer's, then the local overrides. */
export function releaseInputs(
  release: Release,
  context: ReleaseContext,
  consumer = consumerInputs(),
): Record<string, InputValue> {
  const repository = consumer['ecr-repository'] ?? 'notes-shared-api'
  const variables = {
    ...parseVariableLines(consumer['terraform-variables'] ?? ''),
    aws_endpoint_url: context.motoEndpoint,
    // The first task definition's image. It does not exist, as on AWS,
    // until the first release pushes one; the pipeline deploys its own.
    image: `${context.registry}/${repository}:initial`,
    ecr_repository_arn: `arn:aws:ecr:us-east-1:${ACCOUNT_ID}:repository/${repository}`,
    nat_gateway_mode: 'single',
    desired_count: 1,
    database_multi_az: false,
    database_deletion_protection: false,
    database_skip_final_snapshot: true,
    // The image's CA bundle path does not exist for a local process, and
    // the local PostgreSQL has no TLS.
    database_ca_bundle_path: null,
    force_destroy: true,
    secret_recovery_window_in_days: 0,
    // moto serves plain HTTP, which the TLS-only bucket policy denies.
    site_bucket_require_tls: false,
  }
  const taskEnvironment = release.broken
    ? `PGDATABASE=${MISSING_DATABASE}`
    : (consumer['task-environment'] ?? '')
  return {
    ...consumer,
    'role-arn': '',
    'test-command': 'npm test',
    'frontend-build-command': [
      `APP_VERSION=${release.version} node build.js`,
      'node ../backend/scripts/build-context.js ../.backend-context',
      'cp -R ../.backend-context/node_modules ../backend/node_modules',
    ].join(' && '),
    'build-args': `BASE_IMAGE=${context.baseImage}\nAPP_VERSION=${release.version}`,
    'terraform-variables': JSON.stringify(variables),
    'task-environment': taskEnvironment,
    'health-url': `${context.routerUrl}/healthz`,
    'health-expected-version': release.version,
    'deploy-timeout': '90s',
    'final-bake-time': '10s',
  }
}

/** Returns one line, for the report, on why the broken release fails. */
export function breakDescription(): string {
  return `its tasks name the database '${MISSING_DATABASE}', which does not exist, so /healthz returns 503`
}
