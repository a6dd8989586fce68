// Container health check (Dockerfile HEALTHCHECK): GET /healthz on the
// local port. Exit code 0 when the service responds 200, or 503 with a
// reachable process but an unreachable database. A database outage is
// not a reason to restart the container, because a new one would not
// reach the database either; the load balancer, which checks for 200,
// takes the task out of service instead. Any other response, a timeout or
// a refused connection exits 1.
import { request } from 'node:http'

const port = Number(process.env.PORT || 3000)
const timeoutMs = Number(process.env.HEALTHCHECK_TIMEOUT_MS || 2500)

const req = request(
  { host: '127.0.0.1', port, path: '/healthz', timeout: timeoutMs },
  (res) => {
    res.resume()
    const alive =
      res.statusCode === 200 ||
      (res.statusCode === 503 && res.headers['x-health'] === 'database')
    process.exitCode = alive ? 0 : 1
    if (!alive) console.error(`/healthz responded HTTP ${res.statusCode}`)
  },
)
req.on('timeout', () => {
  console.error(`/healthz timed out after ${timeoutMs} ms`)
  req.destroy()
})
req.on('error', (error) => {
  console.error(`/healthz failed: ${error.message}`)
  process.exitCode = 1
})
req.end()
