/**
 * Renders a rehearsal result as text: jobs and steps with durations and
 * conclusions, artifacts with SHA-256 checksums, traffic moves, load
 * generator figures, the verdict, then the deployment record JSON.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { LoadFigures } from './load-generator.js'
import { formatMs } from './progress.js'
import type { RehearsalResult, ReleaseOutcome } from './rehearse.js'
import type { ArtifactRecord, JobResult } from './runner/types.js'

/** Files listed per artifact; larger artifacts show their total checksum only. */
const MAX_FILES_LISTED = 12

export interface FileChecksum {
  path: string
  bytes: number
  sha256: string
}

/** Lists the files under `dir` with their size and SHA-256, sorted by path. */
export function checksumFiles(dir: string): FileChecksum[] {
  if (!existsSync(dir)) return []
  const files: FileChecksum[] = []
  const visit = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name)
      if (entry.isDirectory()) {
        visit(path)
      } else if (entry.isFile()) {
        const content = readFileSync(path)
        files.push({
          path: relative(dir, path),
          bytes: statSync(path).size,
          sha256: createHash('sha256').update(content).digest('hex'),
        })
      }
    }
  }
  visit(dir)
  return files.sort((a, b) => a.path.localeCompare(b.path))
}

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text.padEnd(width)
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

function renderJobs(jobs: JobResult[], lines: string[]): void {
  lines.push(`  ${pad('job / step', 52)}${pad('result', 11)}duration`)
  for (const job of jobs) {
    lines.push(
      `  ${pad(job.name, 52)}${pad(job.conclusion, 11)}${job.conclusion === 'skipped' ? '' : formatMs(job.durationMs)}`,
    )
    for (const step of job.steps) {
      const name = `${step.post ? 'post: ' : ''}${step.name}`
      lines.push(
        `    ${pad(name, 50)}${pad(step.conclusion, 11)}${step.conclusion === 'skipped' ? '' : formatMs(step.durationMs)}`,
      )
    }
  }
}

function renderArtifacts(artifacts: ArtifactRecord[], lines: string[]): void {
  if (artifacts.length === 0) {
    lines.push('  artifacts: none')
    return
  }
  lines.push('  artifacts (SHA-256):')
  for (const artifact of artifacts) {
    lines.push(
      `    ${artifact.name} (job ${artifact.job}): ${artifact.files} files, ${formatBytes(artifact.bytes)}, ${artifact.sha256}`,
    )
    const files = checksumFiles(artifact.path)
    for (const file of files.slice(0, MAX_FILES_LISTED)) {
      lines.push(
        `      ${file.sha256}  ${file.path} (${formatBytes(file.bytes)})`,
      )
    }
    if (files.length > MAX_FILES_LISTED) {
      lines.push(`      ... ${files.length - MAX_FILES_LISTED} more files`)
    }
  }
}

function counts(values: Record<string, number>): string {
  const entries = Object.entries(values)
  if (entries.length === 0) return 'none'
  return entries.map(([key, count]) => `${key} ${count}`).join(', ')
}

function renderRelease(
  release: ReleaseOutcome,
  index: number,
  lines: string[],
): void {
  const { run } = release
  lines.push(
    `Release ${index}: version ${release.version}${release.broken ? ' (broken on purpose)' : ''}: workflow ${run.conclusion} in ${formatMs(run.durationMs)}`,
  )
  renderJobs(run.jobs, lines)
  renderArtifacts(run.artifacts, lines)
  const digest = run.outputs['image-digest']
  if (digest) lines.push(`  image digest: ${digest}`)
  lines.push(
    `  after the run: responses through the router: ${counts(release.traffic)}; index.html version ${release.indexVersion ?? '(none)'}`,
  )
  lines.push('')
}

function renderLoad(load: LoadFigures, lines: string[]): void {
  lines.push('Load generator (during release 2):')
  lines.push(
    `  ${load.requests} requests to ${load.url} in ${formatMs(load.durationMs)} (${load.requestsPerSecond.toFixed(1)}/s, ${load.concurrency} workers)`,
  )
  lines.push(
    `  failed: ${load.failed}${load.failed > 0 ? ` (${counts(load.failureReasons)})` : ''}`,
  )
  lines.push(
    `  latency: p50 ${load.latencyMs.p50} ms, p95 ${load.latencyMs.p95} ms, max ${load.latencyMs.max} ms`,
  )
  lines.push(`  responses by version: ${counts(load.versions)}`)
  for (const failure of load.firstFailures) {
    lines.push(`  failure at ${failure.at}: ${failure.reason}`)
  }
  // Ten-second buckets show the switch from one version to the next.
  const buckets = new Map<
    number,
    { versions: Record<string, number>; failed: number }
  >()
  for (const slot of load.timeline) {
    const key = Math.floor(slot.second / 10) * 10
    const bucket = buckets.get(key) ?? { versions: {}, failed: 0 }
    for (const [version, count] of Object.entries(slot.versions)) {
      bucket.versions[version] = (bucket.versions[version] ?? 0) + count
    }
    bucket.failed += slot.failed
    buckets.set(key, bucket)
  }
  lines.push('  by 10 s window (version: responses):')
  for (const [second, bucket] of buckets) {
    lines.push(
      `    +${String(second).padStart(4)} s  ${counts(bucket.versions)}${bucket.failed > 0 ? `, failed ${bucket.failed}` : ''}`,
    )
  }
  lines.push('')
}

/** Renders the full report. */
export function renderReport(result: RehearsalResult): string {
  const lines: string[] = []
  lines.push(
    `Rehearsal of examples/consumer-app${result.variant === 'break' ? ' with a broken release' : ''}: ${formatMs(result.durationMs)} in all`,
  )
  lines.push(
    `Setup: local services ${formatMs(result.setup.servicesMs)}, bootstrap root ${result.setup.bootstrap ? formatMs(result.setup.bootstrap.durationMs) : 'not applied'}`,
  )
  lines.push('')
  result.releases.forEach((release, index) =>
    renderRelease(release, index + 1, lines),
  )

  lines.push('Traffic moves (production listener weights):')
  if (result.weights.length === 0) lines.push('  none recorded')
  for (const sample of result.weights) {
    lines.push(`  ${sample.at}  ${counts(sample.weights)}`)
  }
  lines.push('')
  if (result.load) renderLoad(result.load, lines)
  if (result.routerStats) {
    const stats = result.routerStats
    lines.push(
      `Router: ${stats.requests} requests, forwarded by colour: ${counts(stats.byColour)}; 503 without a healthy target: ${stats.noHealthyTarget}; 502 after a target error: ${stats.targetErrors}`,
    )
    lines.push('')
  }

  lines.push(
    `Verdict: ${result.verdict.passed ? 'PASSED' : 'FAILED'}: ${result.verdict.summary}`,
  )
  for (const reason of result.verdict.reasons) lines.push(`  - ${reason}`)
  lines.push('')

  const last = result.releases.at(-1)
  lines.push(
    `Deployment record (release ${result.releases.length}, version ${last?.version ?? '-'}):`,
  )
  lines.push(
    last?.record === undefined
      ? '  none: the run wrote no deployment-record output'
      : JSON.stringify(last.record, null, 2),
  )
  return `${lines.join('\n')}\n`
}
