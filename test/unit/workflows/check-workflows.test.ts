import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from '@jest/globals'
import {
  checkActionMetadata,
  checkRepository,
  checkWorkflowRules,
  findWorkflowFiles,
  formatProblem,
  lintWorkflows,
  REPOSITORY_ROOT,
  type Problem,
} from '../../../scripts/check-workflows.js'

const CHECKOUT =
  'actions/checkout@08eba0b27e820071cde6df949e0beb9ba4906955 # v4.3.0'

const roots: string[] = []

afterEach(() => {
  for (const root of roots.splice(0)) {
    rmSync(root, { recursive: true, force: true })
  }
})

/** Writes `files` (path relative to a new temporary root: content). */
function repository(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'check-workflows-'))
  roots.push(root)
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, content)
  }
  return root
}

function messages(problems: Problem[]): string[] {
  return problems.map((problem) => problem.message)
}

const GOOD_WORKFLOW = `name: good
on:
  workflow_call:
    inputs:
      environment:
        type: string
        required: true
    outputs:
      digest:
        value: \${{ jobs.build.outputs.digest }}
concurrency:
  group: deploy-\${{ inputs.environment }}
  cancel-in-progress: false
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    outputs:
      digest: \${{ steps.kit.outputs.digest }}
    steps:
      - uses: ${CHECKOUT}
        with:
          repository: \${{ job.workflow_repository }}
          ref: \${{ job.workflow_sha }}
          path: .kit
      - id: kit
        run: echo "digest=sha256:0" >> "$GITHUB_OUTPUT"
`

const GOOD_ACTION = `name: probe
description: Probes a URL until it answers.
inputs:
  url-list:
    description: URLs to probe.
    required: true
  attempt-timeout:
    description: Limit for one attempt.
    default: 5s
outputs:
  record-json:
    description: Record fragment as JSON.
runs:
  using: node24
  main: dist/index.js
`

function rules(workflow: string, requireReusable = false): string[] {
  const root = repository({ '.github/workflows/deploy.yml': workflow })
  return messages(
    checkWorkflowRules(path.join(root, '.github/workflows/deploy.yml'), root, {
      requireReusable,
    }),
  )
}

describe('checkWorkflowRules', () => {
  it('accepts a conforming workflow', () => {
    expect(rules(GOOD_WORKFLOW, true)).toEqual([])
  })

  it('rejects a tag-pinned action', () => {
    const found = rules(GOOD_WORKFLOW.replace(CHECKOUT, 'actions/checkout@v4'))

    expect(found).toEqual([
      `job 'build': 'actions/checkout@v4' is not pinned to a full 40-character commit SHA`,
    ])
  })

  it('rejects a short SHA pin', () => {
    const found = rules(
      GOOD_WORKFLOW.replace(CHECKOUT, 'actions/checkout@08eba0b'),
    )

    expect(found).toHaveLength(1)
    expect(found[0]).toContain('not pinned')
  })

  it('allows kit release tags for consumers', () => {
    const root = repository({
      'actions/probe/action.yml': GOOD_ACTION,
      '.github/workflows/app.yml': `name: app
on: push
permissions:
  contents: read
jobs:
  deploy:
    uses: acme/kit/.github/workflows/deploy.yml@v1
  probe:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    steps:
      - uses: acme/kit/actions/probe@v1.2.0
        with:
          url-list: http://127.0.0.1:1/
`,
    })
    const file = path.join(root, '.github/workflows/app.yml')

    expect(messages(checkWorkflowRules(file, root))).toEqual([])
  })

  it('allows id-token for workflow callers', () => {
    const root = repository({
      '.github/workflows/app.yml': `name: app
on: push
permissions:
  contents: read
  id-token: write
jobs:
  deploy:
    uses: acme/kit/.github/workflows/deploy.yml@v1
`,
    })
    const file = path.join(root, '.github/workflows/app.yml')

    expect(messages(checkWorkflowRules(file, root))).toEqual([])
  })

  it('checks inputs of deploy.yml callers', () => {
    const root = repository({
      '.github/workflows/deploy.yml': GOOD_WORKFLOW,
      'examples/app/.github/workflows/app.yml': `name: app
on: push
permissions:
  contents: read
jobs:
  deploy:
    uses: acme/kit/.github/workflows/deploy.yml@v1
    with:
      enviroment: staging
`,
    })
    const file = path.join(root, 'examples/app/.github/workflows/app.yml')

    expect(messages(checkWorkflowRules(file, root))).toEqual([
      `job 'deploy': 'acme/kit/.github/workflows/deploy.yml@v1' has no input 'enviroment'`,
      `job 'deploy': 'acme/kit/.github/workflows/deploy.yml@v1' requires the input 'environment'`,
    ])
  })

  it('rejects branch refs to the kit', () => {
    const root = repository({
      'actions/probe/action.yml': GOOD_ACTION,
      '.github/workflows/app.yml': `name: app
on: push
permissions:
  contents: read
jobs:
  deploy:
    uses: acme/kit/.github/workflows/deploy.yml@main
  probe:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    steps:
      - uses: acme/kit/actions/unknown@v1
`,
    })
    const file = path.join(root, '.github/workflows/app.yml')

    expect(messages(checkWorkflowRules(file, root))).toEqual([
      `job 'deploy': 'acme/kit/.github/workflows/deploy.yml@main' is not pinned to a full 40-character commit SHA`,
      `job 'probe': 'acme/kit/actions/unknown@v1' is not pinned to a full 40-character commit SHA`,
    ])
  })

  it('rejects a job without timeout-minutes', () => {
    const found = rules(GOOD_WORKFLOW.replace('    timeout-minutes: 5\n', ''))

    expect(found).toEqual([`job 'build' has no timeout-minutes`])
  })

  it('rejects missing permissions', () => {
    const found = rules(
      GOOD_WORKFLOW.replace('permissions:\n  contents: read\n', ''),
    )

    expect(found).toEqual([
      `job 'build' has no permissions and the workflow declares none`,
    ])
  })

  it('rejects workflow-wide id-token write', () => {
    const found = rules(
      GOOD_WORKFLOW.replace(
        'permissions:\n  contents: read\n',
        'permissions:\n  contents: read\n  id-token: write\n',
      ),
    )

    expect(found).toHaveLength(1)
    expect(found[0]).toContain('id-token: write')
  })

  it('rejects a secret in a job output', () => {
    const found = rules(
      GOOD_WORKFLOW.replace(
        'digest: ${{ steps.kit.outputs.digest }}',
        'digest: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
      ),
    )

    expect(found).toEqual([
      `job 'build' output 'digest' reads a secret; secrets must not cross jobs`,
    ])
  })

  it('rejects a secret in a workflow output', () => {
    const found = rules(
      GOOD_WORKFLOW.replace(
        'value: ${{ jobs.build.outputs.digest }}',
        'value: ${{ secrets.TOKEN }}',
      ),
    )

    expect(found).toEqual([`workflow output 'digest' reads a secret`])
  })

  it('rejects cancel-in-progress true', () => {
    const found = rules(
      GOOD_WORKFLOW.replace(
        'cancel-in-progress: false',
        'cancel-in-progress: true',
      ),
    )

    expect(found).toHaveLength(1)
    expect(found[0]).toContain('cancel-in-progress is true')
  })

  it('rejects a reusable workflow without concurrency', () => {
    const found = rules(GOOD_WORKFLOW.replace(/concurrency:\n.*\n.*\n/, ''))

    expect(found).toEqual([
      'a reusable deploy workflow needs a concurrency group per environment',
    ])
  })

  it('requires workflow_call for deploy', () => {
    const found = rules(
      GOOD_WORKFLOW.replace(
        /on:\n[\s\S]*?concurrency:/,
        'on: push\nconcurrency:',
      ),
      true,
    )

    expect(found).toEqual([`'on' must include workflow_call`])
  })

  it('reports the line of a problem', () => {
    const root = repository({
      '.github/workflows/ci.yml': GOOD_WORKFLOW.replace(
        CHECKOUT,
        'actions/checkout@main',
      ),
    })
    const file = path.join(root, '.github/workflows/ci.yml')
    const [problem] = checkWorkflowRules(file, root)

    expect(problem?.line).toBe(23)
    expect(formatProblem(problem as Problem)).toMatch(
      /^\.github\/workflows\/ci\.yml:23: /,
    )
  })

  it('checks inputs of the kit actions', () => {
    const root = repository({
      'actions/probe/action.yml': GOOD_ACTION,
      '.github/workflows/ci.yml': GOOD_WORKFLOW.replace(
        '      - id: kit\n',
        '      - uses: ./.kit/actions/probe\n        with:\n          url-lst: x\n      - id: kit\n',
      ),
    })
    const found = messages(
      checkWorkflowRules(path.join(root, '.github/workflows/ci.yml'), root),
    )

    expect(found).toEqual([
      `job 'build': './.kit/actions/probe' has no input 'url-lst'`,
      `job 'build': './.kit/actions/probe' requires the input 'url-list'`,
    ])
  })
})

describe('checkActionMetadata', () => {
  function check(text: string, withMain = true): string[] {
    const files: Record<string, string> = { 'actions/probe/action.yml': text }
    if (withMain) files['actions/probe/dist/index.js'] = '// bundle\n'
    const root = repository(files)
    return messages(
      checkActionMetadata(path.join(root, 'actions/probe/action.yml'), root),
    )
  }

  it('accepts a conforming action', () => {
    expect(check(GOOD_ACTION)).toEqual([])
  })

  it('rejects another runtime', () => {
    expect(check(GOOD_ACTION.replace('node24', 'node20'))).toEqual([
      `runs.using is 'node20', expected 'node24'`,
    ])
  })

  it('rejects a missing main file', () => {
    const found = check(GOOD_ACTION, false)

    expect(found).toHaveLength(1)
    expect(found[0]).toContain(`runs.main 'dist/index.js' does not exist`)
  })

  it('rejects non-kebab-case ids', () => {
    const found = check(
      GOOD_ACTION.replace('url-list:', 'url_list:').replace(
        'record-json:',
        'recordJson:',
      ),
    )

    expect(found).toEqual([
      `inputs id 'url_list' is not kebab-case`,
      `outputs id 'recordJson' is not kebab-case`,
    ])
  })

  it('rejects a missing description', () => {
    const found = check(
      GOOD_ACTION.replace('    description: Limit for one attempt.\n', ''),
    )

    expect(found).toEqual(['inputs.attempt-timeout has no description'])
  })

  it('rejects unknown keys and a missing name', () => {
    const found = check(GOOD_ACTION.replace('name: probe\n', 'title: probe\n'))

    expect(found).toEqual([
      `unknown top-level key 'title'`,
      `'name' is missing or empty`,
    ])
  })

  it('rejects invalid YAML', () => {
    const found = check('name: [unclosed\n')

    expect(found).toHaveLength(1)
    expect(found[0]).toMatch(/^invalid YAML/)
  })
})

describe('lintWorkflows', () => {
  it('reports actionlint errors', async () => {
    const root = repository({
      '.github/workflows/bad.yml': GOOD_WORKFLOW.replace(
        'timeout-minutes: 5',
        'timeout-minutes: 5\n    needs: [biuld]',
      ),
    })
    const found = await lintWorkflows(
      [path.join(root, '.github/workflows/bad.yml')],
      root,
    )

    expect(found).toHaveLength(1)
    expect(found[0]?.message).toContain('biuld')
  })

  it('drops job.workflow_sha false positives', async () => {
    const root = repository({ '.github/workflows/good.yml': GOOD_WORKFLOW })

    expect(
      await lintWorkflows(
        [path.join(root, '.github/workflows/good.yml')],
        root,
      ),
    ).toEqual([])
  })
})

describe('checkRepository', () => {
  it('finds example workflows', () => {
    const root = repository({
      '.github/workflows/ci.yml': GOOD_WORKFLOW,
      'examples/app/.github/workflows/deploy.yml': GOOD_WORKFLOW,
      'examples/app/node_modules/x/.github/workflows/skip.yml': GOOD_WORKFLOW,
    })

    expect(
      findWorkflowFiles(root).map((file) => path.relative(root, file)),
    ).toEqual([
      '.github/workflows/ci.yml',
      'examples/app/.github/workflows/deploy.yml',
    ])
  })

  it('passes on this repository', async () => {
    const problems = await checkRepository(REPOSITORY_ROOT)

    expect(problems.map(formatProblem)).toEqual([])
  })
})
