// Reading a workflow with GitHub's parser and planning the order of its jobs.
//
// convertWorkflowTemplate gives the jobs, their needs and their `if`
// conditions (with the implicit success() added), but it leaves out keys the
// runner needs: `with:`, `working-directory`, `shell`, `timeout-minutes`,
// `continue-on-error` of a job, `defaults` and the workflow_call outputs. Those
// are read from the parsed token tree, in which `${{ }}` strings are already
// expression tokens.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import {
  NoOperationTraceWriter,
  convertWorkflowTemplate,
  isMapping,
  isSequence,
  parseWorkflow,
  type WorkflowTemplate,
} from '@actions/workflow-parser'
import type {
  Job,
  Step,
  WorkflowCallConfig,
} from '@actions/workflow-parser/model/workflow-template'
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/mapping-token'
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token'

export interface PlannedStep {
  /** The step as the converter returns it (id, name, if, env, run or uses). */
  step: Step
  /** The step's own mapping, for the keys the converter leaves out. */
  raw: MappingToken
}

export interface PlannedJob {
  id: string
  job: Job
  raw: MappingToken
  needs: string[]
  steps: PlannedStep[]
}

/** A workflow_call input as declared; the converter drops `type: number` inputs, so they are read from the tokens. */
export interface CallInput {
  type: 'string' | 'number' | 'boolean'
  required: boolean
  default?: TemplateToken
}

export interface WorkflowPlan {
  file: string
  name: string
  template: WorkflowTemplate
  root: MappingToken
  workflowCall: WorkflowCallConfig
  inputs: Record<string, CallInput>
  /** on.workflow_call.outputs: output name -> value token. */
  outputs: Record<string, TemplateToken>
  /** Jobs in the order the runner starts them. */
  jobs: PlannedJob[]
}

/** Returns the value of `key` in a mapping token, or undefined. */
export function child(
  token: TemplateToken | undefined,
  key: string,
): TemplateToken | undefined {
  if (token === undefined || !isMapping(token)) return undefined
  return token.find(key)
}

/**
 * Parses a workflow file and plans its jobs. Throws with every parser
 * error, each with its line, when the workflow is invalid.
 */
export async function loadWorkflow(file: string): Promise<WorkflowPlan> {
  const content = readFileSync(file, 'utf8')
  const parsed = parseWorkflow(
    { name: basename(file), content },
    new NoOperationTraceWriter(),
  )
  const errors = parsed.context.errors.getErrors()
  if (errors.length > 0 || parsed.value === undefined) {
    throw new Error(
      `${file} is not a valid workflow:\n${errors.map((error) => `  ${error.message}`).join('\n')}`,
    )
  }
  const template = await convertWorkflowTemplate(parsed.context, parsed.value)
  if (template.errors && template.errors.length > 0) {
    throw new Error(
      `${file} is not a valid workflow:\n${template.errors.map((error) => `  ${error.Message}`).join('\n')}`,
    )
  }
  const root = parsed.value.assertMapping('workflow root')
  const workflowCall = template.events.workflow_call
  if (workflowCall === undefined) {
    throw new Error(
      `${file} has no workflow_call trigger; the runner runs reusable workflows only. Add 'on: workflow_call'.`,
    )
  }
  const callToken = child(child(root, 'on'), 'workflow_call')
  const inputs: Record<string, CallInput> = {}
  const inputsToken = child(callToken, 'inputs')
  if (inputsToken !== undefined && isMapping(inputsToken)) {
    for (const pair of inputsToken) {
      const type = child(pair.value, 'type')?.toString() ?? 'string'
      if (type !== 'string' && type !== 'number' && type !== 'boolean') {
        throw new Error(
          `Input '${pair.key.toString()}' has type '${type}'; workflow_call inputs are string, number or boolean`,
        )
      }
      inputs[pair.key.toString()] = {
        type,
        required: child(pair.value, 'required')?.toString() === 'true',
        default: child(pair.value, 'default'),
      }
    }
  }
  const outputsToken = child(callToken, 'outputs')
  const outputs: Record<string, TemplateToken> = {}
  if (outputsToken !== undefined && isMapping(outputsToken)) {
    for (const pair of outputsToken) {
      const value = child(pair.value, 'value')
      if (value !== undefined) outputs[pair.key.toString()] = value
    }
  }

  const rawJobs = child(root, 'jobs')
  const jobs: PlannedJob[] = []
  for (const job of template.jobs) {
    const id = job.id.value
    if (job.type !== 'job') {
      throw new Error(
        `Job '${id}' calls another workflow (${job.ref.value}); the runner runs jobs with steps only.`,
      )
    }
    const raw = child(rawJobs, id)
    if (raw === undefined || !isMapping(raw)) {
      throw new Error(`Job '${id}' is missing from the workflow's token tree`)
    }
    const rawSteps = child(raw, 'steps')
    const stepTokens =
      rawSteps !== undefined && isSequence(rawSteps) ? [...rawSteps] : []
    if (stepTokens.length !== job.steps.length) {
      throw new Error(
        `Job '${id}' has ${stepTokens.length} steps in the file but ${job.steps.length} after conversion`,
      )
    }
    jobs.push({
      id,
      job,
      raw,
      needs: (job.needs ?? []).map((need) => need.value),
      steps: job.steps.map((step, index) => ({
        step,
        raw: (stepTokens[index] as TemplateToken).assertMapping('step'),
      })),
    })
  }

  const nameToken = child(root, 'name')
  return {
    file,
    name: nameToken === undefined ? basename(file) : nameToken.toString(),
    template,
    root,
    workflowCall,
    inputs,
    outputs,
    jobs: orderJobs(jobs),
  }
}

/**
 * Orders jobs so that each comes after all of its needs, keeping the file's
 * order among jobs that are ready at the same time. Throws for a need that
 * names no job and for a cycle.
 */
export function orderJobs<T extends { id: string; needs: string[] }>(
  jobs: T[],
): T[] {
  const ids = new Set(jobs.map((job) => job.id))
  for (const job of jobs) {
    for (const need of job.needs) {
      if (!ids.has(need)) {
        throw new Error(
          `Job '${job.id}' needs '${need}', which is not a job of the workflow`,
        )
      }
    }
  }
  const ordered: T[] = []
  const done = new Set<string>()
  while (ordered.length < jobs.length) {
    const next = jobs.find(
      (job) => !done.has(job.id) && job.needs.every((need) => done.has(need)),
    )
    if (next === undefined) {
      const left = jobs.filter((job) => !done.has(job.id)).map((job) => job.id)
      throw new Error(`The needs of jobs ${left.join(', ')} form a cycle`)
    }
    ordered.push(next)
    done.add(next.id)
  }
  return ordered
}

/** Returns every job that `id` needs, directly or through other jobs. */
export function ancestorsOf(
  id: string,
  jobs: Array<{ id: string; needs: string[] }>,
): Set<string> {
  const byId = new Map(jobs.map((job) => [job.id, job]))
  const result = new Set<string>()
  const pending = [...(byId.get(id)?.needs ?? [])]
  while (pending.length > 0) {
    const need = pending.pop() as string
    if (result.has(need)) continue
    result.add(need)
    pending.push(...(byId.get(need)?.needs ?? []))
  }
  return result
}
