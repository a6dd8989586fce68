/**
 * Command line for the local stack.
 *
 *   tsx local-stack/cli.ts start [--moto-count N] [--foreground] [--no-base-image]
 *   tsx local-stack/cli.ts stop
 *   tsx local-stack/cli.ts status
 *   tsx local-stack/cli.ts env [--moto-index N]    prints `export NAME=value` lines
 *
 * Every command takes --state-dir DIR (default .stack/ at the repository
 * root); start also takes --cache-dir DIR (default .stack/cache/).
 * `start` leaves the services running after it exits. `start --foreground`
 * keeps them until this process gets SIGINT or SIGTERM, and the kernel
 * kills them if this process dies.
 */
import { parseArgs } from 'node:util'
import { startStack, stackStatus, stopStack } from './stack.js'
import { defaultStateDir, stackEnvFor } from './state.js'

const USAGE = `Usage: tsx local-stack/cli.ts <start|stop|status|env> [options]
  --state-dir DIR     stack state folder (default ${defaultStateDir})
  --cache-dir DIR     shared cache folder (start only; default <repo>/.stack/cache)
  --moto-count N      moto servers to start (start only; default 1)
  --foreground        keep running until SIGINT/SIGTERM, then stop (start only)
  --no-base-image     skip the local node base image (start only)
  --moto-index N      moto server whose endpoint env prints (env only; default 0)`

const log = (line: string) => console.error(`[stack] ${line}`)

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

function integerOption(
  name: string,
  text: string | undefined,
  fallback: number,
): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`Invalid --${name} '${text}': use a whole number.`)
  }
  return value
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'state-dir': { type: 'string' },
      'cache-dir': { type: 'string' },
      'moto-count': { type: 'string' },
      'moto-index': { type: 'string' },
      foreground: { type: 'boolean', default: false },
      'no-base-image': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const command = positionals[0]
  if (values.help || command === undefined || positionals.length > 1) {
    console.error(USAGE)
    return values.help ? 0 : 2
  }
  const stateDir = values['state-dir'] ?? defaultStateDir

  switch (command) {
    case 'start': {
      const foreground = values.foreground
      const state = await startStack({
        stateDir,
        cacheDir: values['cache-dir'],
        motoCount: integerOption('moto-count', values['moto-count'], 1),
        baseImage: !values['no-base-image'],
        bindToParent: foreground,
        log,
      })
      for (const [index, moto] of state.moto.entries()) {
        console.log(`moto ${index}: ${moto.endpoint}`)
      }
      console.log(`registry: ${state.registry.address}`)
      console.log(
        `state: ${state.stateDir}/state.json (started in ${state.startupMs} ms)`,
      )
      if (!foreground) {
        // A stack outside the default folder needs --state-dir on every
        // later command, so the hint carries it.
        const where =
          values['state-dir'] === undefined
            ? ''
            : ` --state-dir ${shellQuote(stateDir)}`
        const stop =
          where === ''
            ? 'npm run stack:stop'
            : `npx tsx local-stack/cli.ts stop${where}`
        console.log(
          `environment: eval "$(npx tsx local-stack/cli.ts env${where})"; stop: ${stop}`,
        )
        return 0
      }
      console.log('running until SIGINT or SIGTERM')
      // Signal listeners do not keep Node's event loop alive. Without this
      // timer the process would end here, and the kernel would kill the
      // services with it.
      const keepAlive = setInterval(() => {}, 60_000)
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
      clearInterval(keepAlive)
      log(`received ${signal}, stopping`)
      await stopStack({ stateDir, log })
      return 0
    }
    case 'stop':
      await stopStack({ stateDir, log })
      return 0
    case 'status': {
      const status = stackStatus(stateDir)
      if (status === undefined) {
        console.log(`no local stack recorded in ${stateDir}`)
        return 1
      }
      const { state, running, stopped } = status
      console.log(`started ${state.startedAt} by pid ${state.ownerPid}`)
      for (const service of running)
        console.log(`running: pid ${service.pid} port ${service.port}`)
      for (const service of stopped)
        console.log(`stopped: pid ${service.pid} port ${service.port}`)
      return stopped.length === 0 ? 0 : 1
    }
    case 'env': {
      const status = stackStatus(stateDir)
      if (status === undefined)
        throw new Error(
          `No local stack recorded in ${stateDir}; run npm run stack:start first.`,
        )
      const index = integerOption('moto-index', values['moto-index'], 0)
      const env = stackEnvFor(status.state, index, { PATH: process.env.PATH })
      for (const [name, value] of Object.entries(env)) {
        if (value !== undefined)
          console.log(`export ${name}=${shellQuote(value)}`)
      }
      return 0
    }
    default:
      console.error(`Unknown command '${command}'.\n${USAGE}`)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      `[stack] ${error instanceof Error ? error.message : String(error)}`,
    )
    process.exit(1)
  },
)
