// Local JavaScript actions (`uses: ./path`): action.yml is read with GitHub's
// action parser, inputs become INPUT_<NAME> variables (the `with:` value, or
// the evaluated default), `main` runs with the current node, and `post`
// is queued to run at the end of the job with the saved state as STATE_*.
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { NoOperationTraceWriter } from '@actions/workflow-parser'
import {
  convertActionTemplate,
  parseAction,
  type ActionTemplate,
} from '@actions/workflow-parser/actions/index'
import { inputEnvName } from '../../common/inputs.js'
import { stepContexts, type JobContext } from './context.js'
import { evaluateTokenText } from './expressions.js'
import { runProcessStep, type StepProcessOutcome } from './step-process.js'

const NODE_RUNTIMES = new Set(['node20', 'node24'])

/** Reads and checks the action.yml (or action.yaml) of a local action folder. */
export function loadAction(dir: string): ActionTemplate {
  const file = ['action.yml', 'action.yaml']
    .map((name) => join(dir, name))
    .find((path) => existsSync(path))
  if (file === undefined) {
    throw new Error(
      `No action.yml or action.yaml in ${dir}; check the step's 'uses' path and the checkout before it`,
    )
  }
  const parsed = parseAction(
    { name: file, content: readFileSync(file, 'utf8') },
    new NoOperationTraceWriter(),
  )
  const errors = parsed.context.errors.getErrors()
  if (errors.length > 0 || parsed.value === undefined) {
    throw new Error(
      `${file} is not valid action metadata: ${errors.map((error) => error.message).join('; ')}`,
    )
  }
  return convertActionTemplate(parsed.context, parsed.value)
}

/** Throws when an action's `main` or `post` script is missing, naming the file. */
function requireScript(dir: string, entry: string, script: string): void {
  const file = join(dir, script)
  if (!existsSync(file)) {
    throw new Error(
      `The ${entry} script ${file} of the action in ${dir} does not exist; build the action (npm run build) or check its action.yml`,
    )
  }
}

export interface LocalActionRequest {
  job: JobContext
  stepName: string
  /** The `uses:` value, such as `./.kit/actions/build-artifacts`. */
  uses: string
  with: Record<string, string>
  env: Record<string, string>
  timeoutMs?: number
  signal?: AbortSignal
}

export async function runLocalAction(
  request: LocalActionRequest,
): Promise<StepProcessOutcome> {
  const { job } = request
  const dir = resolve(job.workspace, request.uses)
  const action = loadAction(dir)
  const runs = action.runs
  if (!('main' in runs) || !NODE_RUNTIMES.has(runs.using)) {
    throw new Error(
      `${request.uses} uses '${runs.using}'; the local runner runs JavaScript actions (node20, node24) only`,
    )
  }

  if (runs.pre !== undefined && runs.pre !== '') {
    job.log(
      `${request.uses} has a pre script (${runs.pre}), which the local runner does not run`,
      'warning',
      request.stepName,
    )
  }

  const inputs: Record<string, string> = {}
  const declared = new Set<string>()
  const contexts = stepContexts(job, request.env)
  for (const input of action.inputs ?? []) {
    declared.add(input.id.toLowerCase())
    if (input.default !== undefined) {
      inputs[input.id] = evaluateTokenText(input.default, contexts)
    }
  }
  for (const [name, value] of Object.entries(request.with)) {
    if (!declared.has(name.toLowerCase())) {
      job.log(
        `Unexpected input '${name}' for ${request.uses}; valid inputs are ${[...declared].join(', ')}`,
        'warning',
        request.stepName,
      )
    }
    inputs[name] = value
  }
  const inputEnv: Record<string, string> = {}
  for (const [name, value] of Object.entries(inputs)) {
    inputEnv[inputEnvName(name)] = value
  }

  const actionEnv = {
    ...request.env,
    ...inputEnv,
    GITHUB_ACTION_PATH: dir,
  }
  requireScript(dir, 'main', runs.main)
  if (runs.post) requireScript(dir, 'post', runs.post)
  const outcome = await runProcessStep({
    job,
    stepName: request.stepName,
    command: process.execPath,
    args: [join(dir, runs.main)],
    cwd: job.workspace,
    env: actionEnv,
    timeoutMs: request.timeoutMs,
    signal: request.signal,
  })

  const post = runs.post
  if (post !== undefined && post !== '') {
    const postName = `Post ${request.stepName}`
    const stateEnv: Record<string, string> = {}
    for (const [name, value] of Object.entries(outcome.state)) {
      stateEnv[`STATE_${name}`] = value
    }
    job.postSteps.push({
      name: postName,
      condition: runs.postIf ?? 'always()',
      run: async (postJob) =>
        runProcessStep({
          job: postJob,
          stepName: postName,
          command: process.execPath,
          args: [join(dir, post)],
          cwd: postJob.workspace,
          env: { ...actionEnv, ...stateEnv },
          timeoutMs: request.timeoutMs,
        }),
    })
  }
  return outcome
}
