/**
 * The local rehearsal of a release of examples/consumer-app: local
 * services, the bootstrap root, then two runs of .github/workflows/deploy.yml
 * (the first release, then the next one while a load generator sends
 * requests through the router). With `broken`, the second release's
 * /healthz fails, and the rehearsal checks that traffic and index.html
 * stay on the first release.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { join } from 'node:path'
import { freePort } from '../local-stack/processes.js'
import { startRouter, type RouterStats } from '../local-stack/router.js'
import { repoRoot } from '../local-stack/state.js'
import { applyBootstrap, type BootstrapResult } from './bootstrap.js'
import { startLoad, type LoadFigures } from './load-generator.js'
import {
  probeVersions,
  publishedIndexVersion,
  sampleWeights,
  targetGroupColours,
  waitForListener,
  type AwsTarget,
  type WeightSample,
} from './observers.js'
import { formatMs, withProgress } from './progress.js'
import {
  ACCOUNT_ID,
  CONSUMER_DIR,
  KIT_WORKFLOW,
  breakDescription,
  consumerInputs,
  releaseInputs,
  type Release,
} from './releases.js'
import { runWorkflow } from './runner/index.js'
import type { RunnerEvent, WorkflowRunResult } from './runner/types.js'
import { startServices, type LocalServices } from './services.js'
import { Teardown } from './teardown.js'

const REGION = 'us-east-1'
const FIRST_VERSION = '1.0.0'
const NEXT_VERSION = '1.1.0'
const BROKEN_VERSION = '1.1.0-broken'
/** Requests sent through the router after each release to see which version responds. */
const PROBE_REQUESTS = 20
/** Copies of the kit taken before giving up on a missing action bundle. */
const SNAPSHOT_ATTEMPTS = 24

export interface ReleaseOutcome {
  version: string
  broken: boolean
  run: WorkflowRunResult
  /** Responses to PROBE_REQUESTS requests through the router after the run, by version or status. */
  traffic: Record<string, number>
  /** `version` meta tag of the published index.html after the run. */
  indexVersion: string | undefined
  /** The workflow's deployment-record output, parsed. */
  record: unknown
}

export interface RehearsalResult {
  variant: 'release' | 'break'
  startedAt: string
  durationMs: number
  /** Folder of the stack state, the job workspaces and the task files. */
  workDir: string
  /** Folder of the local PostgreSQL server. */
  postgresDir?: string
  setup: { servicesMs: number; bootstrap?: BootstrapResult }
  routerUrl: string
  /** Requests the router forwarded, by colour and target group. */
  routerStats?: RouterStats
  releases: ReleaseOutcome[]
  weights: WeightSample[]
  load?: LoadFigures
  verdict: { passed: boolean; summary: string; reasons: string[] }
}

export interface RehearseOptions {
  broken: boolean
  workDir: string
  log: (line: string) => void
  signal?: AbortSignal
}

/** Entry files (runs.main, runs.pre, runs.post) of the actions under `kitDir` that are missing. */
function missingBundles(kitDir: string): string[] {
  const missing: string[] = []
  for (const action of readdirSync(join(repoRoot, 'actions'))) {
    const dir = join(kitDir, 'actions', action)
    const metadata = join(dir, 'action.yml')
    if (!existsSync(metadata)) continue
    const text = readFileSync(metadata, 'utf8')
    for (const match of text.matchAll(
      /^\s+(?:main|pre|post):\s*'?"?([^'"\s]+)/gm,
    )) {
      const entry = join(dir, match[1]!)
      if (!existsSync(entry)) missing.push(entry)
    }
  }
  return missing
}

/**
 * Copies the parts of the kit a workflow run uses (the actions with their
 * dist/ bundles, scripts/ and terraform-modules/) to `<workDir>/kit`, so both releases run the
 * same kit even while the working tree changes. A bundle that is missing
 * (being rebuilt) is waited for, up to SNAPSHOT_ATTEMPTS copies.
 */
async function snapshotKit(
  workDir: string,
  log: (line: string) => void,
): Promise<string> {
  const kitDir = join(workDir, 'kit')
  for (let attempt = 1; ; attempt += 1) {
    rmSync(kitDir, { recursive: true, force: true })
    for (const folder of ['actions', 'scripts', 'terraform-modules']) {
      cpSync(join(repoRoot, folder), join(kitDir, folder), {
        recursive: true,
        filter: (source) =>
          !source.includes('/node_modules') && !source.includes('/.terraform'),
      })
    }
    const missing = missingBundles(kitDir)
    if (missing.length === 0) return kitDir
    if (attempt >= SNAPSHOT_ATTEMPTS) {
      throw new Error(
        `The action bundles ${missing.join(', ')} are missing. Run \`npm run build\` to build the actions' dist/ folders, then rehearse again.`,
      )
    }
    log(`kit: ${missing.length} action bundle(s) missing; copying again in 5 s`)
    await sleep(5_000)
  }
}

function gitHead(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim()
  } catch {
    // Outside a git checkout: any 40-digit id names the local kit.
    return '0'.repeat(40)
  }
}

/** Environment every workflow step gets: moto, keys, the registry, podman and Terraform settings. */
function stepEnvironment(services: LocalServices): Record<string, string> {
  const names = [
    ...Object.keys(services.stack.env),
    'AWS_ENDPOINT_URL',
    'PATH',
    'NO_PROXY',
    'no_proxy',
  ]
  const env: Record<string, string> = {}
  for (const name of names) {
    const value = services.env[name]
    if (value !== undefined) env[name] = value
  }
  return env
}

/**
 * Logs job and step starts and results, and warnings and errors of the
 * steps; every step output line also goes to `logFile`.
 */
function progressLogger(
  log: (line: string) => void,
  logFile: string,
  kitDir: string,
  current: { step: string },
) {
  return (event: RunnerEvent): void => {
    if (event.type === 'step-started') {
      current.step = `job ${event.job}, step ${event.step}`
    }
    if (event.type === 'run-started') linkModules(event.runDir, kitDir)
    if (event.type === 'log') {
      const where = [event.job, event.step].filter(Boolean).join(' / ')
      appendFileSync(logFile, `[${where}] ${event.line}\n`)
    }
    switch (event.type) {
      case 'job-started':
        log(`job ${event.name}: started`)
        break
      case 'job-finished':
        log(
          `job ${event.name}: ${event.conclusion} (${formatMs(event.durationMs)})${event.error ? `: ${event.error}` : ''}`,
        )
        break
      case 'step-started':
        log(`  step ${event.step}`)
        break
      case 'step-finished':
        if (event.conclusion !== 'success' && event.conclusion !== 'skipped') {
          log(
            `  step ${event.step}: ${event.conclusion}${event.error ? `: ${event.error}` : ''}`,
          )
        }
        break
      case 'log':
        if (event.level === 'error' || event.level === 'warning') {
          log(`  ${event.level}: ${event.line}`)
        }
        break
      default:
        break
    }
  }
}

function parseRecord(run: WorkflowRunResult): unknown {
  const text = run.outputs['deployment-record']
  if (!text) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/**
 * Links `<runDir>/jobs/terraform-modules` to the kit's modules. The
 * consumer's roots use them by relative path (`../../../../terraform-modules`
 * from `infra/environment`), which in this repository is the kit's folder.
 * Job workspaces are `<runDir>/jobs/<job>/workspace`, so the same path
 * leads to this link.
 */
function linkModules(runDir: string, kitDir: string): void {
  const jobsDir = join(runDir, 'jobs')
  mkdirSync(jobsDir, { recursive: true })
  symlinkSync(
    join(kitDir, 'terraform-modules'),
    join(jobsDir, 'terraform-modules'),
    'dir',
  )
}

/** Runs the whole rehearsal; everything it starts is stopped before it returns or throws. */
export async function rehearse(
  opts: RehearseOptions,
): Promise<RehearsalResult> {
  const { log } = opts
  const started = Date.now()
  mkdirSync(opts.workDir, { recursive: true })
  const teardown = new Teardown(log)
  const result: RehearsalResult = {
    variant: opts.broken ? 'break' : 'release',
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    workDir: opts.workDir,
    setup: { servicesMs: 0 },
    routerUrl: '',
    releases: [],
    weights: [],
    verdict: { passed: false, summary: '', reasons: [] },
  }
  const watch = new AbortController()
  const onAbort = () => watch.abort()
  opts.signal?.addEventListener('abort', onAbort)
  try {
    await runReleases(opts, result, teardown, watch.signal)
  } finally {
    watch.abort()
    opts.signal?.removeEventListener('abort', onAbort)
    await teardown.run()
    result.durationMs = Date.now() - started
  }
  return result
}

async function runReleases(
  opts: RehearseOptions,
  result: RehearsalResult,
  teardown: Teardown,
  watchSignal: AbortSignal,
): Promise<void> {
  const { log, signal } = opts
  const kitDir = await snapshotKit(opts.workDir, log)
  const servicesStarted = Date.now()
  const services = await startServices({
    workDir: opts.workDir,
    teardown,
    log,
  })
  result.postgresDir = services.postgres.dir
  result.setup.servicesMs = Date.now() - servicesStarted
  signal?.throwIfAborted()

  result.setup.bootstrap = await applyBootstrap({
    env: services.env,
    motoEndpoint: services.motoEndpoint,
    workDir: opts.workDir,
    log,
  })
  signal?.throwIfAborted()

  const target: AwsTarget = { endpoint: services.motoEndpoint, region: REGION }
  const routerPort = await freePort()
  result.routerUrl = `http://127.0.0.1:${routerPort}`
  const consumer = consumerInputs()
  const context = {
    motoEndpoint: services.motoEndpoint,
    registry: services.registry,
    baseImage: services.baseImage,
    routerUrl: result.routerUrl,
  }
  const project = consumer.project ?? 'notes'
  const environment = consumer.environment ?? 'staging'
  const frontendBucket = `${project}-${environment}-web`

  // The listener exists once the first release applied the environment
  // root; the router starts then, on the port the health URL names.
  const routerReady = (async () => {
    const listenerArn = await waitForListener({
      target,
      namePrefix: `${project}-${environment}`,
      signal: watchSignal,
    })
    if (!listenerArn) return undefined
    const colours = await targetGroupColours(target, listenerArn)
    const router = await startRouter({
      colours,
      endpoint: services.motoEndpoint,
      region: REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      listenerArn,
      host: '127.0.0.1',
      port: routerPort,
      refreshMs: 250,
      log,
    })
    teardown.add('the router', async () => {
      result.routerStats = router.stats()
      await router.stop()
    })
    log(`router: ${router.url} routes by the weights of ${listenerArn}`)
    const sampler = sampleWeights({
      target,
      listenerArn,
      onChange: (sample) => log(`traffic: ${describeWeights(sample.weights)}`),
    })
    teardown.add('the weight sampler', async () => {
      result.weights = await sampler.stop()
    })
    return router
  })()
  routerReady.catch(() => undefined)

  const runRelease = async (release: Release, index: number) => {
    const inputs = releaseInputs(release, context, consumer)
    log(
      `release ${index}: version ${release.version}${release.broken ? ` (broken: ${breakDescription()})` : ''}`,
    )
    const kitSha = gitHead()
    // Each release is a new commit of the application, and its image tag
    // (the commit SHA) must be new too, because ECR tags are immutable.
    const sha = createHash('sha1')
      .update(`examples/consumer-app ${release.version}`)
      .digest('hex')
    const logFile = join(opts.workDir, `release-${index}.log`)
    const current = { step: '' }
    log(`release ${index}: step output goes to ${logFile}`)
    const run = await withProgress(
      `release ${index}`,
      runWorkflow({
        workflowPath: KIT_WORKFLOW,
        inputs,
        secrets: {
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
        },
        vars: { AWS_ACCOUNT_ID: ACCOUNT_ID },
        repositoryDir: CONSUMER_DIR,
        kitDir,
        workDir: join(opts.workDir, `release-${index}`),
        env: stepEnvironment(services),
        onEvent: progressLogger(log, logFile, kitDir, current),
        signal,
        github: {
          sha,
          repository: 'example-owner/notes',
          ref: 'refs/heads/main',
          actor: 'rehearsal',
          run_id: String(index),
          workflow_sha: kitSha,
          workflow_repository: 'OWNER/kit',
        },
      }),
      log,
      15_000,
      () => current.step,
    )
    log(
      `release ${index}: workflow ${run.conclusion} in ${formatMs(run.durationMs)}`,
    )
    const outcome: ReleaseOutcome = {
      version: release.version,
      broken: release.broken,
      run,
      traffic: {},
      indexVersion: undefined,
      record: parseRecord(run),
    }
    result.releases.push(outcome)
    return outcome
  }

  const observe = async (outcome: ReleaseOutcome) => {
    outcome.traffic = await probeVersions(result.routerUrl, PROBE_REQUESTS)
    try {
      outcome.indexVersion = await publishedIndexVersion(target, frontendBucket)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      log(`failed to read index.html of ${frontendBucket}: ${message}`)
    }
    log(
      `after release ${outcome.version}: traffic ${describeCounts(outcome.traffic)}; index.html version ${outcome.indexVersion ?? '(none)'}`,
    )
  }

  const first = await runRelease({ version: FIRST_VERSION, broken: false }, 1)
  const router = await Promise.race([
    routerReady,
    new Promise<undefined>((resolve) =>
      setTimeout(() => resolve(undefined), 1_000),
    ),
  ])
  if (first.run.conclusion !== 'success' || !router) {
    if (router) await observe(first)
    result.verdict = verdictOf(opts.broken, result)
    return
  }
  await observe(first)
  signal?.throwIfAborted()

  const load = startLoad({ url: `${result.routerUrl}/healthz` })
  const loadProgress = setInterval(() => {
    const counts = load.counts()
    log(`load: ${counts.requests} requests, ${counts.failed} failed`)
  }, 15_000)
  try {
    const second = await runRelease(
      opts.broken
        ? { version: BROKEN_VERSION, broken: true }
        : { version: NEXT_VERSION, broken: false },
      2,
    )
    // A short tail shows where traffic settled after the run.
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    result.load = await load.stop()
    await observe(second)
  } finally {
    clearInterval(loadProgress)
    if (!result.load) result.load = await load.stop()
  }
  result.verdict = verdictOf(opts.broken, result)
}

function describeWeights(weights: Record<string, number>): string {
  return Object.entries(weights)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([colour, weight]) => `${colour} ${weight}`)
    .join(', ')
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([key, count]) => `${count}x ${key}`)
    .join(', ')
}

/** True when `version` served every probe request. */
function allOn(counts: Record<string, number>, version: string): boolean {
  const keys = Object.keys(counts)
  return keys.length === 1 && keys[0] === version
}

/** Why a failed run failed: the failed jobs and steps with their errors. */
export function failureReasons(run: WorkflowRunResult): string[] {
  const reasons: string[] = []
  for (const job of run.jobs) {
    if (job.conclusion !== 'failure') continue
    const steps = job.steps.filter((step) => step.conclusion === 'failure')
    if (steps.length === 0) {
      reasons.push(`job ${job.name} failed${job.error ? `: ${job.error}` : ''}`)
    }
    for (const step of steps) {
      reasons.push(
        `job ${job.name}, step ${step.name} failed${step.error ? `: ${step.error}` : ''}`,
      )
    }
  }
  for (const annotation of run.annotations) {
    if (annotation.level === 'error') {
      reasons.push(`${annotation.job}: ${annotation.message}`)
    }
  }
  return reasons
}

/** Compares what happened with what the variant expects. */
export function verdictOf(
  broken: boolean,
  result: RehearsalResult,
): RehearsalResult['verdict'] {
  const problems: string[] = []
  const [first, second] = result.releases
  if (!first || first.run.conclusion !== 'success') {
    return {
      passed: false,
      summary: `release ${FIRST_VERSION} did not succeed`,
      reasons: first
        ? failureReasons(first.run)
        : ['the first run did not start'],
    }
  }
  if (!second) {
    return {
      passed: false,
      summary: 'the second release did not run',
      reasons: ['the router did not start or the run was interrupted'],
    }
  }
  const expected = broken ? FIRST_VERSION : NEXT_VERSION
  if (broken && second.run.conclusion !== 'failure') {
    problems.push(
      `the broken release ended ${second.run.conclusion}, expected failure`,
    )
  }
  if (!broken && second.run.conclusion !== 'success') {
    problems.push(`release ${NEXT_VERSION} ended ${second.run.conclusion}`)
  }
  if (!allOn(second.traffic, expected)) {
    problems.push(
      `traffic is not all on ${expected}: ${describeCounts(second.traffic)}`,
    )
  }
  if (second.indexVersion !== expected) {
    problems.push(
      `index.html is version ${second.indexVersion ?? '(none)'}, expected ${expected}`,
    )
  }
  if (!broken && (result.load?.failed ?? 0) > 0) {
    problems.push(
      `${result.load?.failed} of ${result.load?.requests} requests failed during the switch`,
    )
  }
  if (broken) {
    const failedJobs = second.run.jobs
      .filter((job) => job.conclusion === 'failure')
      .map((job) => job.id)
    if (!failedJobs.some((id) => id === 'deploy' || id === 'verify')) {
      problems.push(
        `the broken release failed before its deploy and verification (failed jobs: ${failedJobs.join(', ') || 'none'})`,
      )
    }
  }
  const why = broken ? failureReasons(second.run) : []
  if (problems.length > 0) {
    return {
      passed: false,
      summary: problems.join('; '),
      reasons: [...problems, ...why],
    }
  }
  return broken
    ? {
        passed: true,
        summary: `release ${BROKEN_VERSION} failed as intended and traffic and index.html stayed on ${FIRST_VERSION}`,
        reasons: why,
      }
    : {
        passed: true,
        summary: `release ${NEXT_VERSION} is live: all traffic and index.html on ${NEXT_VERSION}, ${result.load?.failed ?? 0} failed requests`,
        reasons: [],
      }
}
