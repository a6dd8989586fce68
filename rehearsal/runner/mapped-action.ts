// Third-party action steps, run by a handler from the caller's stepMapping
// or the built-in local equivalents.
import type { JobContext } from './context.js'
import { BUILT_IN_MAPPINGS, parseActionReference } from './third-party.js'
import type { MappedStep } from './types.js'

export interface MappedActionRequest {
  job: JobContext
  stepName: string
  uses: string
  with: Record<string, string>
  env: Record<string, string>
  timeoutMs?: number
  signal?: AbortSignal
}

export interface MappedActionOutcome {
  ok: boolean
  cancelled: boolean
  outputs: Record<string, string>
  error?: string
}

/** Runs a third-party action through its mapping. An action without one fails the step with a message naming it. */
export async function runMappedAction(
  request: MappedActionRequest,
): Promise<MappedActionOutcome> {
  const { job, stepName } = request
  const run = job.run
  const reference = parseActionReference(request.uses)
  const mappings = Object.fromEntries(
    Object.entries(run.options.stepMapping ?? {}).map(([name, handler]) => [
      name.toLowerCase(),
      handler,
    ]),
  )
  const handler =
    reference === undefined
      ? undefined
      : (mappings[reference.action] ?? BUILT_IN_MAPPINGS[reference.action])
  if (reference === undefined || handler === undefined) {
    const known = [
      ...new Set([...Object.keys(mappings), ...Object.keys(BUILT_IN_MAPPINGS)]),
    ].sort()
    return {
      ok: false,
      cancelled: false,
      outputs: {},
      error: `The action '${request.uses}' has no local mapping. Mapped actions: ${known.join(', ')}; add one through the stepMapping option`,
    }
  }

  const outputs: Record<string, string> = {}
  const controller = new AbortController()
  const signals = [
    controller.signal,
    ...(request.signal ? [request.signal] : []),
  ]
  const timer =
    request.timeoutMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(), request.timeoutMs)
  const step: MappedStep = {
    uses: request.uses,
    action: reference.action,
    ref: reference.ref,
    inputs: request.with,
    workspace: job.workspace,
    runnerTemp: job.runnerTemp,
    env: request.env,
    job: {
      id: job.id,
      workflowRepository: run.workflowSource.repository,
      workflowSha: run.workflowSource.sha,
    },
    github: {
      repository: String(run.github.repository),
      sha: String(run.github.sha),
    },
    options: run.options,
    artifacts: run.artifacts,
    signal: AbortSignal.any(signals),
    log: (line, level = 'info') => job.log(line, level, stepName),
    exportVariable: (name, value) => {
      job.env[name] = value
    },
    addPath: (dir) => {
      job.path.unshift(dir)
    },
    setOutput: (name, value) => {
      outputs[name] = value
    },
    addMask: (value) => run.masker.add(value),
  }
  try {
    await handler(step)
    return { ok: true, cancelled: false, outputs }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return {
      ok: false,
      cancelled: request.signal?.aborted === true,
      outputs,
      error: `${reference.action}: ${reason}`,
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}
