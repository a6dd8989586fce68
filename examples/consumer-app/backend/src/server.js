// Entry point: reads the configuration, serves HTTP on PORT and shuts down
// gracefully on SIGTERM (what ECS sends before it stops a task) or SIGINT.
import { createServer } from 'node:http'
import { createApp } from './app.js'
import { ConfigError, readConfig } from './config.js'
import { createDatabase } from './db.js'
import { createLogger, errorFields } from './log.js'

const log = createLogger()

function start() {
  let config
  try {
    config = readConfig(process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    log.error('invalid configuration', { error: error.message })
    process.exitCode = 78
    return
  }

  const db = createDatabase(config.database, log)
  const app = createApp({ config, db, log })
  let inFlight = 0
  const server = createServer((req, res) => {
    inFlight += 1
    res.once('close', () => {
      inFlight -= 1
    })
    void app.handle(req, res)
  })
  // Keep idle connections open longer than the load balancer's idle
  // timeout (60 s by default), so the load balancer closes them first and
  // never sends a request on a connection this side is closing.
  server.keepAliveTimeout = 65_000

  server.on('error', (error) => {
    log.error('server failed', errorFields(error))
    process.exitCode = 1
    void db.close()
  })

  server.listen(config.port, config.host, () => {
    const address = server.address()
    log.info('listening', {
      host: config.host,
      port: typeof address === 'object' && address ? address.port : config.port,
      version: config.version,
      environment: config.environment,
      database: config.database?.target ?? 'not configured',
    })
  })

  let stopping = false
  const shutdown = (signal) => {
    if (stopping) return
    stopping = true
    log.info('shutdown started', { signal, inFlight })
    app.startDraining()

    // Stops accepting connections; the callback runs once every open
    // connection has ended. Idle keep-alive connections close at once.
    const closed = new Promise((resolve) => server.close(resolve))
    server.closeIdleConnections()
    const deadline = setTimeout(() => {
      log.warn('shutdown timed out; closing open connections', {
        inFlight,
        timeoutMs: config.shutdownTimeoutMs,
      })
      server.closeAllConnections()
    }, config.shutdownTimeoutMs)

    closed
      .then(async () => {
        clearTimeout(deadline)
        await db.close()
        log.info('shutdown complete')
      })
      .catch((error) => {
        log.error('shutdown failed', errorFields(error))
        process.exitCode = 1
      })
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

start()
