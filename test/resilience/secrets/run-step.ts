// Runs an action's committed bundle as the runner does (like runBundle in
// test/helpers/action-inputs.ts) but keeps the runner's files, so that the
// secrets tests can search the command files, RUNNER_TEMP (where artifacts
// are staged) and the workspace (record files) afterwards.
import { spawn } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { actionDir, inputEnv } from '../../helpers/action-inputs.js'
import { bundleAction } from '../bundles.js'

export interface KeptStep {
  exitCode: number | null
  stdout: string
  stderr: string
  /** Every file the step could leave text in, by label: command files, RUNNER_TEMP and workspace files. */
  files: Record<string, string>
  /** Runner command files and RUNNER_TEMP; removed by cleanup(). */
  folder: string
  cleanup(): void
}

/** Reads every regular file under `root` as text, keyed by `label/relative path`, skipping `skip`. */
export function readTree(
  root: string,
  label: string,
  skip: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const files: Record<string, string> = {}
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      const relative = path.relative(root, full)
      if (skip.has(relative)) continue
      if (entry.isDirectory()) walk(full)
      else if (entry.isFile() && statSync(full).size < 20_000_000) {
        files[`${label}/${relative}`] = readFileSync(full).toString('latin1')
      }
    }
  }
  walk(root)
  return files
}

/**
 * Runs `action`'s main bundle in `workspace` with `inputs` over the
 * action.yml defaults and `env` as the step's environment. Workspace files
 * listed in `plantedFiles` (the inputs that carry secrets by design) are
 * left out of the search.
 */
export async function runKeptStep(
  action: string,
  opts: {
    workspace: string
    inputs: Record<string, string | undefined>
    env: NodeJS.ProcessEnv
    plantedFiles?: string[]
    timeoutMs?: number
  },
): Promise<KeptStep> {
  const folder = mkdtempSync(path.join(tmpdir(), `kit-secrets-${action}-`))
  const runnerTemp = path.join(folder, 'runner-temp')
  mkdirSync(runnerTemp)
  const commandFiles = {
    GITHUB_OUTPUT: path.join(folder, 'output'),
    GITHUB_STATE: path.join(folder, 'state'),
    GITHUB_STEP_SUMMARY: path.join(folder, 'summary.md'),
    GITHUB_ENV: path.join(folder, 'env'),
    GITHUB_PATH: path.join(folder, 'path'),
  }
  for (const file of Object.values(commandFiles)) writeFileSync(file, '')
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(opts.env)) {
    if (!name.startsWith('INPUT_') && !name.startsWith('STATE_')) {
      env[name] = value
    }
  }
  Object.assign(
    env,
    {
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTION: action,
      GITHUB_WORKSPACE: opts.workspace,
      RUNNER_TEMP: runnerTemp,
    },
    commandFiles,
    inputEnv(bundleAction(action), opts.inputs),
  )
  const bundle = path.join(actionDir(bundleAction(action)), 'dist', 'index.js')
  const run = await new Promise<{
    exitCode: number | null
    stdout: string
    stderr: string
  }>((resolve, reject) => {
    const child = spawn(process.execPath, [bundle], {
      cwd: opts.workspace,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    const timer = setTimeout(
      () => child.kill('SIGKILL'),
      opts.timeoutMs ?? 170_000,
    )
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (exitCode) => {
      clearTimeout(timer)
      resolve({ exitCode, stdout, stderr })
    })
  })
  const files = {
    ...readTree(folder, 'runner'),
    ...readTree(opts.workspace, 'workspace', new Set(opts.plantedFiles)),
  }
  return {
    ...run,
    files,
    folder,
    cleanup: () => rmSync(folder, { recursive: true, force: true }),
  }
}
