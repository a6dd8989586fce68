/**
 * Command line of the local rehearsal.
 *
 *   npx tsx rehearsal/cli.ts [--break] [--report-json FILE] [--keep-work-dir]
 *
 * Progress lines go to stderr, the report to stdout. The exit code is 0
 * when the rehearsal went as its variant expects and 1 when it did not.
 * With --break, the expected outcome is a failed broken release with
 * traffic and index.html on the previous version. Invalid arguments exit
 * with 2, SIGINT and SIGTERM with 130 and 143. Everything started is
 * stopped before the process exits.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { repoRoot } from '../local-stack/state.js'
import { renderReport } from './report.js'
import { rehearse } from './rehearse.js'

const USAGE = `Usage: npx tsx rehearsal/cli.ts [options]
  --break              make the second release's /healthz fail; it must be rolled back
  --report-json FILE   also write the result as JSON to FILE
  --work-dir DIR       scratch folder (default <repo>/.rehearsal/<time>-<pid>)
  --keep-work-dir      keep the scratch folder (job workspaces, logs, task files)`

const started = Date.now()
const log = (line: string) => {
  const seconds = ((Date.now() - started) / 1000).toFixed(0).padStart(4)
  process.stderr.write(`[rehearsal ${seconds} s] ${line}\n`)
}

async function main(argv: string[]): Promise<number> {
  let values
  try {
    values = parseArgs({
      args: argv,
      options: {
        break: { type: 'boolean', default: false },
        'report-json': { type: 'string' },
        'work-dir': { type: 'string' },
        'keep-work-dir': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values
  } catch (error) {
    process.stderr.write(
      `${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`,
    )
    return 2
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }

  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)
  // Inside the repository, so the job workspaces resolve the backend's
  // dependencies from the kit's node_modules, as the example's README describes.
  const workDir = resolve(
    values['work-dir'] ??
      join(repoRoot, '.rehearsal', `${stamp}-${process.pid}`),
  )
  const controller = new AbortController()
  let signalCode = 0
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log(`${signal} again: still stopping what was started`)
      return
    }
    signalCode = signal === 'SIGINT' ? 130 : 143
    log(`${signal}: cancelling the run and stopping everything started`)
    controller.abort(new Error(`interrupted by ${signal}`))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  log(
    `rehearsing a release of examples/consumer-app${values.break ? ' with a broken second release' : ''}; work folder ${workDir}`,
  )
  let code: number
  try {
    const result = await rehearse({
      broken: values.break,
      workDir,
      log,
      signal: controller.signal,
    })
    process.stdout.write(renderReport(result))
    if (values['report-json']) {
      const file = resolve(values['report-json'])
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
      log(`result written to ${file}`)
    }
    code = signalCode || (result.verdict.passed ? 0 : 1)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    log(`rehearsal failed: ${message}`)
    code = signalCode || 1
  }
  if (!values['keep-work-dir']) {
    rmSync(workDir, { recursive: true, force: true })
  }
  log(
    `done in ${((Date.now() - started) / 1000).toFixed(0)} s, exit code ${code}`,
  )
  return code
}

process.exitCode = await main(process.argv.slice(2))
