/**
 * A closed-loop HTTP load generator: `concurrency` workers each send GET
 * requests to one URL back to back, with keep-alive connections, until
 * stopped. A request fails on a network error, a timeout or a status
 * other than 200. The `version` field of each JSON response is counted, so
 * the figures show which release served the traffic over time.
 */
import { Agent, request } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'

export interface LoadFailure {
  at: string
  /** HTTP status, or the network error's code or message. */
  reason: string
}

export interface LoadFigures {
  url: string
  concurrency: number
  durationMs: number
  requests: number
  succeeded: number
  failed: number
  requestsPerSecond: number
  latencyMs: { p50: number; p95: number; max: number }
  /** Successful responses by reported version. */
  versions: Record<string, number>
  /** Failed requests by status or error. */
  failureReasons: Record<string, number>
  /** The first failures, with their time. */
  firstFailures: LoadFailure[]
  /** Responses per second and version: one entry per second that had requests. */
  timeline: Array<{
    second: number
    versions: Record<string, number>
    failed: number
  }>
}

export interface LoadGenerator {
  /** Stops sending, waits for the requests in flight and returns the figures. */
  stop(): Promise<LoadFigures>
  /** Requests and failures so far, for progress lines. */
  counts(): { requests: number; failed: number }
}

const REQUEST_TIMEOUT_MS = 5_000
const MAX_FAILURES_KEPT = 10

interface Outcome {
  ok: boolean
  reason?: string
  version?: string
}

function get(url: string, agent: Agent): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(url, { agent, timeout: REQUEST_TIMEOUT_MS })
    req.on('response', (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', (error) =>
        resolve({ ok: false, reason: error.message }),
      )
      response.on('end', () => {
        const status = response.statusCode ?? 0
        let version: string | undefined
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            version?: unknown
          }
          if (typeof body.version === 'string') version = body.version
        } catch {
          // A body that is not JSON still counts by its status.
        }
        resolve(
          status === 200
            ? { ok: true, version }
            : { ok: false, reason: `HTTP ${status}`, version },
        )
      })
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ ok: false, reason: error.code ?? error.message }),
    )
    req.end()
  })
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0
  const index = Math.min(
    sorted.length - 1,
    Math.ceil(fraction * sorted.length) - 1,
  )
  return sorted[Math.max(0, index)]!
}

/** Starts `concurrency` workers sending GET requests to `url`. */
export function startLoad(opts: {
  url: string
  concurrency?: number
  /** Pause of each worker between two requests; default 20 ms. */
  pauseMs?: number
}): LoadGenerator {
  const concurrency = opts.concurrency ?? 4
  const pauseMs = opts.pauseMs ?? 20
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const started = Date.now()
  const latencies: number[] = []
  const versions: Record<string, number> = {}
  const failureReasons: Record<string, number> = {}
  const firstFailures: LoadFailure[] = []
  const timeline = new Map<
    number,
    { versions: Record<string, number>; failed: number }
  >()
  let requests = 0
  let failed = 0
  let running = true

  const record = (outcome: Outcome, sentAt: number) => {
    requests += 1
    latencies.push(Date.now() - sentAt)
    const second = Math.floor((sentAt - started) / 1000)
    let slot = timeline.get(second)
    if (!slot) {
      slot = { versions: {}, failed: 0 }
      timeline.set(second, slot)
    }
    if (outcome.ok) {
      const version = outcome.version ?? '(none)'
      versions[version] = (versions[version] ?? 0) + 1
      slot.versions[version] = (slot.versions[version] ?? 0) + 1
      return
    }
    failed += 1
    slot.failed += 1
    const reason = outcome.reason ?? 'unknown'
    failureReasons[reason] = (failureReasons[reason] ?? 0) + 1
    if (firstFailures.length < MAX_FAILURES_KEPT) {
      firstFailures.push({ at: new Date(sentAt).toISOString(), reason })
    }
  }

  const worker = async () => {
    while (running) {
      const sentAt = Date.now()
      record(await get(opts.url, agent), sentAt)
      if (pauseMs > 0) await sleep(pauseMs)
    }
  }
  const workers = Array.from({ length: concurrency }, () => worker())

  return {
    counts: () => ({ requests, failed }),
    stop: async () => {
      running = false
      await Promise.all(workers)
      agent.destroy()
      const durationMs = Date.now() - started
      const sorted = [...latencies].sort((a, b) => a - b)
      return {
        url: opts.url,
        concurrency,
        durationMs,
        requests,
        succeeded: requests - failed,
        failed,
        requestsPerSecond: durationMs > 0 ? (requests * 1000) / durationMs : 0,
        latencyMs: {
          p50: percentile(sorted, 0.5),
          p95: percentile(sorted, 0.95),
          max: sorted.at(-1) ?? 0,
        },
        versions,
        failureReasons,
        firstFailures,
        timeline: [...timeline.entries()]
          .sort(([a], [b]) => a - b)
          .map(([second, slot]) => ({ second, ...slot })),
      }
    },
  }
}
