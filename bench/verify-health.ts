/**
 * Benchmark of verify-health against servers on 127.0.0.1:
 *
 * 1. Probe overhead: the median time per request of probe() against a bare
 *    fetch() of the same URL, over N sequential requests each after a
 *    warm-up. fetch keeps its connection alive, while probe opens a new
 *    connection per attempt, so a third series, http.get on a new connection
 *    per request, separates the cost of the connection from the cost of
 *    the probe code.
 * 2. Hang reporting: how long after its timeout a check against a server
 *    that accepts connections and never responds returns its verdict (median
 *    and maximum over R runs; the design allows up to one attempt timeout).
 *
 * Usage: npx tsx bench/verify-health.ts [requests=1000] [runs=5]
 */
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { memoryLogger } from '../common/log.js'
import { probe } from '../actions/verify-health/src/probe.js'
import { verifyHealth } from '../actions/verify-health/src/verify.js'
import { parseExpectedStatus } from '../actions/verify-health/src/checks.js'
import { parseJsonPath } from '../actions/verify-health/src/json-path.js'

const REQUESTS = Number(process.argv[2] ?? 1000)
const RUNS = Number(process.argv[3] ?? 5)
const WARM_UP = 100
// With 300 ms attempts and 50 ms pauses, attempts start at 0, 350, 700 and
// 1050 ms. A 1000 ms timeout thus ends with an attempt. A 1100 ms timeout
// starts a last attempt 50 ms before it, which is the case that the bound
// of one attempt timeout after the timeout covers.
const HANG_TIMEOUTS_MS = [1000, 1100]
const HANG_ATTEMPT_TIMEOUT_MS = 300
const HANG_INTERVAL_MS = 50

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as net.AddressInfo).port
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2
}

async function timeEach(
  count: number,
  request: () => Promise<void>,
): Promise<number[]> {
  const times: number[] = []
  for (let index = 0; index < count; index++) {
    const started = performance.now()
    await request()
    times.push(performance.now() - started)
  }
  return times
}

function httpGetFresh(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (response) => {
        response.resume()
        response.on('end', () => resolve())
        response.on('error', reject)
      })
      .on('error', reject)
  })
}

async function measureOverhead(): Promise<void> {
  const body = JSON.stringify({ status: 'ok', version: '1.4.0' })
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(body)
  })
  const port = await listen(server)
  const url = `http://127.0.0.1:${port}/healthz`
  const options = {
    headers: {},
    attemptTimeoutMs: 5000,
    followRedirects: false,
    maxRedirects: 5,
    tlsVerify: true,
  }
  const series = {
    fetch: async () => {
      const response = await fetch(url)
      await response.text()
    },
    'http.get, new connection': () => httpGetFresh(url),
    probe: async () => {
      const result = await probe(new URL(url), options)
      if (result.kind !== 'response') {
        throw new Error(`probe failed: ${result.message}`)
      }
    },
  }

  const medians: Record<string, number> = {}
  for (const [name, request] of Object.entries(series)) {
    await timeEach(WARM_UP, request)
    medians[name] = median(await timeEach(REQUESTS, request))
  }
  server.close()

  console.log(
    `Probe overhead, median of ${REQUESTS} sequential requests after ${WARM_UP} warm-up requests:`,
  )
  for (const [name, value] of Object.entries(medians)) {
    console.log(`  ${name.padEnd(26)} ${value.toFixed(3)} ms`)
  }
  const probeMedian = medians.probe ?? NaN
  const fetchGap = probeMedian - (medians.fetch ?? NaN)
  const freshGap = probeMedian - (medians['http.get, new connection'] ?? NaN)
  console.log(`  ${'probe minus fetch'.padEnd(26)} ${fetchGap.toFixed(3)} ms`)
  console.log(
    `  ${'probe minus http.get'.padEnd(26)} ${freshGap.toFixed(3)} ms`,
  )
}

async function measureHangReport(timeoutMs: number): Promise<void> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
  })
  const port = await listen(server)
  const parsedStatus = parseExpectedStatus(['200'])
  if ('invalidItem' in parsedStatus) throw new Error('bad status')

  const lateness: number[] = []
  const attempts: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now()
    const result = await verifyHealth(
      {
        urls: [new URL(`http://127.0.0.1:${port}/healthz`)],
        expectedStatus: parsedStatus.matcher,
        expectedJson: [],
        versionField: parseJsonPath('version'),
        headers: {},
        attemptTimeoutMs: HANG_ATTEMPT_TIMEOUT_MS,
        intervalMs: HANG_INTERVAL_MS,
        timeoutMs: timeoutMs,
        consecutiveSuccesses: 1,
        followRedirects: false,
        maxRedirects: 5,
        tlsVerify: true,
      },
      { logger: memoryLogger() },
    )
    if (result.healthy) throw new Error('a hanging server passed the check')
    lateness.push(performance.now() - started - timeoutMs)
    attempts.push(result.urls[0]?.attempts.length ?? 0)
    for (const socket of sockets) socket.destroy()
    sockets.clear()
  }
  server.close()

  console.log(
    `Hang report, ${RUNS} runs (timeout ${timeoutMs} ms, attempt-timeout ${HANG_ATTEMPT_TIMEOUT_MS} ms, interval ${HANG_INTERVAL_MS} ms):`,
  )
  console.log(
    `  verdict after the timeout: median ${median(lateness).toFixed(1)} ms, max ${Math.max(...lateness).toFixed(1)} ms`,
  )
  console.log(`  attempts per run: ${attempts.join(', ')}`)
}

console.log(`Command: npx tsx bench/verify-health.ts ${REQUESTS} ${RUNS}`)
console.log(
  `Machine: ${os.cpus().length} vCPU (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${os.platform()} ${os.release()}`,
)
await measureOverhead()
for (const timeoutMs of HANG_TIMEOUTS_MS) {
  await measureHangReport(timeoutMs)
}
