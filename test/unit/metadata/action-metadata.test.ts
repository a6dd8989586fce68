import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { parseDuration } from '../../../common/duration.js'
import {
  loadActionMetadata,
  REPOSITORY_ROOT,
  type ActionMetadata,
} from '../../helpers/action-metadata.js'

const ACTIONS = [
  'build-artifacts',
  'terraform-apply',
  'blue-green-deploy',
  'verify-health',
]

/** Actions whose README carries inputs and outputs tables that must match action.yml. */
const TABLE_READMES = [
  'build-artifacts',
  'terraform-apply',
  'blue-green-deploy',
]

const KEBAB_CASE = /^[a-z][a-z0-9-]*$/

/** Inputs whose value is a duration such as 90s or 10m. */
const DURATION_INPUT =
  /(?:^|-)(?:timeout|interval|bake-time|grace-period|stale-after|budget)$/

/** Inputs and outputs every action declares. */
const EVERY_ACTION_INPUTS = [
  'aws-region',
  'timeout',
  'deadline-at',
  'record-file',
]
const EVERY_ACTION_OUTPUTS = ['record-json']

/**
 * Inputs that mean the same thing wherever they appear, so their defaults
 * must be equal too.
 */
const SAME_DEFAULT_INPUTS = [
  'aws-region',
  'run-id',
  'deadline-at',
  'severity-threshold',
  'retention-days',
  'lock-bucket',
  'lock-table',
  'lock-key',
  'lock-stale-after',
  'take-over-stale-lock',
  'github-token',
  'rollback-timeout',
]

/** Spellings that must not stand in for the shared input names. */
const WRONG_NAMES: Record<string, string> = {
  region: 'aws-region',
  'aws-default-region': 'aws-region',
  'cluster-name': 'cluster',
  'ecs-cluster': 'cluster',
  'service-name': 'service',
  'ecs-service': 'service',
  env: 'environment',
  'environment-name': 'environment',
  'project-name': 'project',
  deadline: 'deadline-at',
  'run-deadline': 'deadline-at',
  'timeout-seconds': 'timeout',
  'timeout-minutes': 'timeout',
  'request-timeout': 'attempt-timeout',
  'per-attempt-timeout': 'attempt-timeout',
  'pipeline-run-id': 'run-id',
  'workflow-run-id': 'run-id',
  'record-path': 'record-file',
  'record-output': 'record-file',
  deployment: 'deployment-json',
  'deployment-state': 'deployment-json',
  token: 'github-token',
  severity: 'severity-threshold',
  'scan-threshold': 'severity-threshold',
  'stale-lock-takeover': 'take-over-stale-lock',
  'lock-stale-timeout': 'lock-stale-after',
}

const BOOLEAN_LOOKALIKES = [
  'True',
  'TRUE',
  'False',
  'FALSE',
  'yes',
  'no',
  'on',
  'off',
]

const metadata = new Map<string, ActionMetadata>(
  ACTIONS.map((action) => [action, loadActionMetadata(action)]),
)

function inputsOf(action: string): Record<string, Record<string, unknown>> {
  return (metadata.get(action)?.inputs ?? {}) as Record<
    string,
    Record<string, unknown>
  >
}

function outputsOf(action: string): Record<string, Record<string, unknown>> {
  return (metadata.get(action)?.outputs ?? {}) as Record<
    string,
    Record<string, unknown>
  >
}

function readme(action: string): string {
  const file = path.join(REPOSITORY_ROOT, 'actions', action, 'README.md')
  return existsSync(file) ? readFileSync(file, 'utf8') : ''
}

/** Rows of the first table under `## heading` as trimmed cells, without the header and rule rows. */
function tableRows(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(`\n## ${heading}\n`)
  if (start < 0) return []
  const rest = markdown.slice(start + heading.length + 5)
  const end = rest.search(/\n## /)
  const section = end < 0 ? rest : rest.slice(0, end)
  return section
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))
    .slice(1)
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    )
}

describe.each(ACTIONS)('%s action.yml', (action) => {
  const meta = (): ActionMetadata => metadata.get(action) ?? {}

  it('names and describes the action', () => {
    expect(typeof meta().name).toBe('string')
    expect(String(meta().description).length).toBeGreaterThan(20)
    expect(typeof meta().author).toBe('string')
  })

  it('runs dist/index.js on node24', () => {
    const runs = meta().runs ?? {}

    expect(runs.using).toBe('node24')
    expect(runs.main).toBe('dist/index.js')
    expect(
      existsSync(
        path.join(REPOSITORY_ROOT, 'actions', action, 'src', 'index.ts'),
      ),
    ).toBe(true)
  })

  it('builds the post step from src/post', () => {
    const post = meta().runs?.post
    if (post === undefined) return

    expect(post).toBe('dist/post/index.js')
    const entry = path.join(
      REPOSITORY_ROOT,
      'actions',
      action,
      'src',
      'post',
      'index.ts',
    )
    expect(existsSync(entry)).toBe(true)
  })

  it('uses kebab-case ids', () => {
    const ids = [
      ...Object.keys(inputsOf(action)),
      ...Object.keys(outputsOf(action)),
    ]

    for (const id of ids) expect([id, KEBAB_CASE.test(id)]).toEqual([id, true])
  })

  it('describes every input and output', () => {
    const entries = [
      ...Object.entries(inputsOf(action)),
      ...Object.entries(outputsOf(action)),
    ]

    for (const [id, entry] of entries) {
      const description = entry.description
      expect([id, typeof description]).toEqual([id, 'string'])
      expect([id, String(description).trim().length > 10]).toEqual([id, true])
    }
  })

  it('writes defaults as strings', () => {
    for (const [id, input] of Object.entries(inputsOf(action))) {
      if (input.default === undefined) continue
      expect([id, typeof input.default]).toEqual([id, 'string'])
    }
  })

  it('spells boolean defaults true or false', () => {
    for (const [id, input] of Object.entries(inputsOf(action))) {
      const value = String(input.default)
      expect([id, BOOLEAN_LOOKALIKES.includes(value)]).toEqual([id, false])
    }
  })

  it('gives required inputs no default', () => {
    for (const [id, input] of Object.entries(inputsOf(action))) {
      if (input.required !== true) continue
      expect([id, input.default]).toEqual([id, undefined])
    }
  })

  it('gives durations a parsable default', () => {
    for (const [id, input] of Object.entries(inputsOf(action))) {
      if (!DURATION_INPUT.test(id)) continue
      expect([id, String(input.description)]).toEqual([
        id,
        expect.stringMatching(/duration/),
      ])
      if (input.default === undefined) continue
      const ms = parseDuration(String(input.default))
      expect([id, ms]).toEqual([id, expect.any(Number)])
      expect([id, (ms ?? -1) >= 0]).toEqual([id, true])
    }
  })

  it('declares the shared inputs and outputs', () => {
    for (const id of EVERY_ACTION_INPUTS) {
      expect(Object.keys(inputsOf(action))).toContain(id)
    }
    for (const id of EVERY_ACTION_OUTPUTS) {
      expect(Object.keys(outputsOf(action))).toContain(id)
    }
  })

  it('spells shared names the same', () => {
    const ids = [
      ...Object.keys(inputsOf(action)),
      ...Object.keys(outputsOf(action)),
    ]

    for (const id of ids) {
      expect([id, WRONG_NAMES[id]]).toEqual([id, undefined])
    }
    expect(inputsOf(action)['aws-region']?.default).toBe('us-east-1')
  })

  it('describes JSON outputs as JSON', () => {
    for (const [id, output] of Object.entries(outputsOf(action))) {
      if (!id.endsWith('-json')) continue
      expect([id, String(output.description)]).toEqual([
        id,
        expect.stringContaining('JSON'),
      ])
    }
  })

  it('matches the output list in src/outputs.ts', async () => {
    const file = path.join(
      REPOSITORY_ROOT,
      'actions',
      action,
      'src',
      'outputs.ts',
    )
    if (!existsSync(file)) return
    const module = (await import(file)) as { OUTPUTS?: readonly string[] }

    expect(module.OUTPUTS).toBeDefined()
    expect([...(module.OUTPUTS ?? [])].sort()).toEqual(
      Object.keys(outputsOf(action)).sort(),
    )
  })

  it('mentions every input and output in the README', () => {
    const text = readme(action)

    expect(text).not.toBe('')
    for (const id of [
      ...Object.keys(inputsOf(action)),
      ...Object.keys(outputsOf(action)),
    ]) {
      expect([id, text.includes(`\`${id}\``)]).toEqual([id, true])
    }
  })
})

describe.each(TABLE_READMES)('%s README tables', (action) => {
  it('lists the inputs with their defaults', () => {
    const rows = tableRows(readme(action), 'Inputs')
    const inputs = inputsOf(action)

    expect(rows.map((row) => row[0])).toEqual(
      Object.keys(inputs).map((id) => `\`${id}\``),
    )
    for (const row of rows) {
      const id = (row[0] ?? '').replace(/`/g, '')
      const fallback = inputs[id]?.default
      const expectedDefault =
        fallback === undefined ? '' : `\`${String(fallback)}\``
      expect([id, row[1]]).toEqual([id, expectedDefault])
    }
  })

  it('lists the outputs', () => {
    const rows = tableRows(readme(action), 'Outputs')

    expect(rows.map((row) => row[0])).toEqual(
      Object.keys(outputsOf(action)).map((id) => `\`${id}\``),
    )
  })
})

describe('shared inputs across actions', () => {
  it.each(SAME_DEFAULT_INPUTS)('gives %s one default', (id) => {
    const defaults = ACTIONS.filter((action) => id in inputsOf(action)).map(
      (action) => [action, inputsOf(action)[id]?.default],
    )
    const distinct = new Set(defaults.map(([, value]) => String(value)))

    expect([id, distinct.size <= 1 ? 'one' : defaults]).toEqual([id, 'one'])
  })
})
