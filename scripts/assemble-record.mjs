// Assembles the deployment record of a pipeline run from the record
// fragments that the actions output and the results of the jobs, for the
// reusable workflow's final job. Plain JavaScript with no dependencies, so
// that the job runs it with `node` straight from the kit checkout.
//
// Usage: node scripts/assemble-record.mjs [record file]
// Environment: NEEDS_JSON (the workflow's `toJSON(needs)`), RUN_STARTED_AT,
// RUN_ENVIRONMENT and the runner's GITHUB_* variables. Writes the record
// file (default deployment-record.json), appends the summary to
// GITHUB_STEP_SUMMARY and sets the `record-json` output when the runner
// provides those files.
import { appendFileSync, realpathSync, writeFileSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'

/** Jobs of the reusable workflow, in the order they run. */
export const JOB_ORDER = [
  'prepare',
  'build',
  'test',
  'infrastructure-plan',
  'infrastructure-apply',
  'deploy',
  'verify',
  'rollback',
]

const FRAGMENT_OUTPUT = /^record-json(?:-[a-z0-9-]+)?$/
const STAGE_STATUSES = ['succeeded', 'failed', 'cancelled', 'skipped']

/**
 * Parses the record fragments out of the jobs' outputs: every non-empty
 * output named `record-json` or `record-json-<part>`. Returns the fragments
 * and one warning per output that is not a fragment.
 *
 * @param {Record<string, {result?: string, outputs?: Record<string, string>}>} needs
 */
export function collectFragments(needs) {
  const fragments = []
  const warnings = []
  for (const job of orderedJobs(needs)) {
    const outputs = needs[job]?.outputs ?? {}
    for (const [name, value] of Object.entries(outputs)) {
      if (!FRAGMENT_OUTPUT.test(name) || !value) continue
      let fragment
      try {
        fragment = JSON.parse(value)
      } catch (error) {
        warnings.push(`job ${job} output ${name} is not JSON: ${error.message}`)
        continue
      }
      const problem = fragmentProblem(fragment)
      if (problem !== undefined) {
        warnings.push(
          `job ${job} output ${name} is not a record fragment: ${problem}`,
        )
        continue
      }
      fragments.push(fragment)
    }
  }
  fragments.sort((a, b) => a.started_at.localeCompare(b.started_at))
  return { fragments, warnings }
}

function fragmentProblem(fragment) {
  if (typeof fragment !== 'object' || fragment === null) return 'not an object'
  if (fragment.schema_version !== 1) {
    return `schema_version is ${JSON.stringify(fragment.schema_version)}, expected 1`
  }
  for (const key of ['action', 'stage', 'started_at']) {
    if (typeof fragment[key] !== 'string') return `${key} is missing`
  }
  if (!STAGE_STATUSES.includes(fragment.status)) {
    return `status is ${JSON.stringify(fragment.status)}`
  }
  return undefined
}

function orderedJobs(needs) {
  const known = JOB_ORDER.filter((job) => job in needs)
  const others = Object.keys(needs)
    .filter((job) => !JOB_ORDER.includes(job))
    .sort()
  return [...known, ...others]
}

/**
 * Derives the run status from the job results: cancelled when any job was
 * cancelled, failed when any job failed, succeeded otherwise. A rollback
 * that succeeded still leaves the run failed, because the release did not
 * happen.
 *
 * @param {Record<string, {result?: string}>} needs
 */
export function runStatus(needs) {
  const results = Object.values(needs).map((job) => job?.result)
  if (results.includes('cancelled')) return 'cancelled'
  if (results.includes('failure')) return 'failed'
  return 'succeeded'
}

function triggerOf(eventName) {
  if (eventName === 'push') return 'push'
  if (eventName === 'pull_request' || eventName === 'pull_request_target') {
    return 'pull_request'
  }
  return 'manual'
}

function parseDeployment(needs) {
  const text = needs.deploy?.outputs?.['deployment-json']
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function uniqueArtifacts(fragments) {
  const seen = new Set()
  const artifacts = []
  for (const fragment of fragments) {
    for (const artifact of fragment.artifacts ?? []) {
      const key = JSON.stringify(artifact)
      if (seen.has(key)) continue
      seen.add(key)
      artifacts.push(artifact)
    }
  }
  return artifacts
}

/**
 * Builds the DeploymentRecord of a run.
 *
 * @param {{needs: object, env: Record<string, string | undefined>, now: Date}} options
 */
export function assembleRecord({ needs, env, now }) {
  const { fragments, warnings } = collectFragments(needs)
  const completedAt = now.toISOString()
  const startedAt =
    env.RUN_STARTED_AT || earliestStart(fragments) || completedAt
  const duration = Math.max(
    0,
    Math.round((Date.parse(completedAt) - Date.parse(startedAt)) / 1000),
  )
  const record = {
    schema_version: 1,
    run: {
      id: env.GITHUB_RUN_ID ?? '',
      name: env.GITHUB_WORKFLOW ?? '',
      status: runStatus(needs),
      trigger: triggerOf(env.GITHUB_EVENT_NAME),
      branch: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || '',
      commit_sha: env.GITHUB_SHA ?? '',
      started_at: startedAt,
      completed_at: completedAt,
      duration_seconds: duration,
      environment: env.RUN_ENVIRONMENT ?? '',
    },
    jobs: orderedJobs(needs).map((name) => ({
      name,
      result: needs[name]?.result ?? 'unknown',
    })),
    artifacts: uniqueArtifacts(fragments),
    stages: fragments,
  }
  const deployment = parseDeployment(needs)
  if (deployment !== undefined) record.deployment = deployment
  return { record, warnings }
}

function earliestStart(fragments) {
  return fragments[0]?.started_at
}

/** Escapes a value for a Markdown table cell. */
export function cell(value) {
  return String(value ?? '')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
}

function table(header, rows) {
  const lines = [
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ]
  return lines.join('\n')
}

/** Renders the record as Markdown for the job summary. */
export function renderSummary(record) {
  const { run } = record
  const parts = [
    `## Deployment record: ${run.status}`,
    table(
      [
        'run',
        'environment',
        'trigger',
        'branch',
        'commit',
        'started',
        'duration',
      ],
      [
        [
          run.id,
          run.environment,
          run.trigger,
          run.branch,
          run.commit_sha.slice(0, 12),
          run.started_at,
          `${run.duration_seconds} s`,
        ],
      ],
    ),
    '### Jobs',
    table(
      ['job', 'result'],
      record.jobs.map((job) => [job.name, job.result]),
    ),
  ]
  if (record.stages.length > 0) {
    parts.push(
      '### Stages',
      table(
        ['stage', 'action', 'status', 'duration', 'reason'],
        record.stages.map((stage) => [
          stage.stage,
          stage.action,
          stage.status,
          `${stage.duration_seconds ?? ''} s`,
          stage.reason ?? '',
        ]),
      ),
    )
  }
  if (record.artifacts.length > 0) {
    parts.push(
      '### Artifacts',
      table(
        ['type', 'name', 'version', 'size (bytes)', 'sha256'],
        record.artifacts.map((artifact) => [
          artifact.type,
          artifact.name,
          artifact.version,
          artifact.size_bytes,
          artifact.sha256,
        ]),
      ),
    )
  }
  const deployment = record.deployment
  if (deployment !== undefined) {
    const weights = (w) => (w ? `blue ${w.blue} / green ${w.green}` : '')
    parts.push(
      '### Traffic',
      table(
        [
          'cluster',
          'live before',
          'new colour',
          'weights before',
          'weights after',
          'image',
        ],
        [
          [
            deployment.cluster,
            deployment.live_colour_before,
            deployment.target_colour,
            weights(deployment.weights_before),
            weights(deployment.weights_after),
            deployment.image_digest,
          ],
        ],
      ),
    )
  }
  parts.push(
    '<details><summary>Record JSON</summary>',
    '',
    '```json',
    JSON.stringify(record, null, 2),
    '```',
    '',
    '</details>',
  )
  return `${parts.join('\n\n')}\n`
}

/** Appends `name=value` to a runner command file in its heredoc form. */
function appendOutput(file, name, value) {
  const delimiter = `ghadelimiter_${randomUUID()}`
  appendFileSync(file, `${name}<<${delimiter}\n${value}\n${delimiter}\n`)
}

function main() {
  const recordFile = process.argv[2] ?? 'deployment-record.json'
  let needs
  try {
    needs = JSON.parse(process.env.NEEDS_JSON ?? '')
  } catch (error) {
    console.log(
      `::error::NEEDS_JSON is not the JSON of the needs context: ${error.message}`,
    )
    process.exitCode = 1
    return
  }
  const { record, warnings } = assembleRecord({
    needs,
    env: process.env,
    now: new Date(),
  })
  for (const warning of warnings) console.log(`::warning::${warning}`)
  const json = JSON.stringify(record, null, 2)
  writeFileSync(recordFile, `${json}\n`)
  console.log(
    `Run ${record.run.id} ${record.run.status}: ${record.stages.length} stages, ${record.artifacts.length} artifacts; wrote ${recordFile}`,
  )
  if (process.env.GITHUB_STEP_SUMMARY) {
    appendFileSync(process.env.GITHUB_STEP_SUMMARY, renderSummary(record))
  }
  if (process.env.GITHUB_OUTPUT) {
    appendOutput(
      process.env.GITHUB_OUTPUT,
      'record-json',
      JSON.stringify(record),
    )
  }
}

// realpath: node resolves a symlinked script path in import.meta.url but
// not in argv[1], and a kit checkout may be a link.
if (
  process.argv[1] &&
  realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  main()
}
