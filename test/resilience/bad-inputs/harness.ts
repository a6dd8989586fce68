// Runs one invalid-input case of an action the way the runner does: the
// committed bundle, INPUT_* variables and a fresh workspace, against this
// worker's moto server. It collects what the case must show: a non-zero
// exit, an error line naming the input and the fix, no stack trace, and
// moto's state unchanged.
import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { runBundle } from '../../helpers/action-inputs.js'
import { motoState, stackEnv } from '../../helpers/stack.js'
import { bundleAction } from '../bundles.js'
import { recordFigures } from '../figures.js'
import { isFullSweep, seededSample } from '../sampling.js'

/**
 * A file to create in the workspace: its text, or a symbolic link to
 * `symlink`. A path ending in '/' creates an empty folder.
 */
export type WorkspaceFile = string | { symlink: string }

export type InputOverrides = Record<string, string | undefined>

export interface BadInputCase {
  /** Short description, used as the test name. */
  name: string
  /**
   * Input overrides on top of the table's valid inputs (undefined drops an
   * input), or a function of the valid inputs that returns them.
   */
  inputs?: InputOverrides | ((base: InputOverrides) => InputOverrides)
  /** Files written into the workspace, by path relative to it. */
  files?: Record<string, WorkspaceFile>
  /** Input that the error line must name. */
  input: string
  /** Pattern of the fix that the error line must contain. */
  fix: RegExp
}

export interface CaseOutcome {
  exitCode: number | null
  timedOut: boolean
  /** `::error::` lines of stdout, decoded. */
  errorLines: string[]
  /** Lines of stdout and stderr that look like stack frames. */
  stackFrames: string[]
  motoChanged: boolean
  stdout: string
  stderr: string
}

/** Valid inputs and workspace files of one table; cases override them. */
export interface TableBase {
  inputs: InputOverrides
  files: Record<string, WorkspaceFile>
  env?: Record<string, string | undefined>
}

// A stack frame as Node prints it: four spaces, "at", then the location.
const STACK_FRAME = /^\s{4}at \S/

/** Decodes the escapes of workflow command data (%25, %0D, %0A). */
function decodeCommandData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

function writeWorkspace(
  workspace: string,
  files: Record<string, WorkspaceFile>,
): void {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(workspace, relative)
    mkdirSync(path.dirname(file), { recursive: true })
    if (relative.endsWith('/')) mkdirSync(file, { recursive: true })
    else if (typeof content === 'string') writeFileSync(file, content)
    else symlinkSync(content.symlink, file)
  }
}

/** Runs `action`'s bundle with the table's base and the case's overrides, comparing moto before and after. */
export async function runBadInput(
  action: string,
  base: TableBase,
  testCase: BadInputCase,
): Promise<CaseOutcome> {
  const workspace = mkdtempSync(path.join(tmpdir(), `kit-bad-${action}-`))
  try {
    writeWorkspace(workspace, { ...base.files, ...testCase.files })
    const overrides =
      typeof testCase.inputs === 'function'
        ? testCase.inputs(base.inputs)
        : testCase.inputs
    const before = await motoState()
    const run = await runBundle(bundleAction(action), {
      inputs: { ...base.inputs, ...overrides },
      env: stackEnv({ GITHUB_RUN_ID: '4242', ...base.env }),
      cwd: workspace,
      timeoutMs: 60_000,
    })
    const after = await motoState()
    const lines = `${run.stdout}\n${run.stderr}`.split('\n')
    return {
      exitCode: run.exitCode,
      timedOut: run.timedOut,
      errorLines: run.stdout
        .split('\n')
        .filter((line) => line.startsWith('::error::'))
        .map((line) => decodeCommandData(line.slice('::error::'.length))),
      stackFrames: lines.filter((line) => STACK_FRAME.test(line)),
      motoChanged: !isDeepStrictEqual(before, after),
      stdout: run.stdout,
      stderr: run.stderr,
    }
  } finally {
    rmSync(workspace, { recursive: true, force: true })
  }
}

/** Pattern of `input` as a whole word, so that 'timeout' does not match 'attempt-timeout'. */
export function inputPattern(input: string): RegExp {
  const escaped = input.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`(?:^|[^A-Za-z0-9-])${escaped}(?:[^A-Za-z0-9-]|$)`)
}

/** Problems of one outcome; empty when the case was rejected cleanly. */
export function problemsOf(
  testCase: BadInputCase,
  outcome: CaseOutcome,
): string[] {
  const problems: string[] = []
  const error = outcome.errorLines[0] ?? ''
  if (outcome.timedOut) problems.push('timed out')
  if (outcome.exitCode === 0) problems.push('exited 0')
  if (error === '') problems.push('printed no ::error:: line')
  else if (!inputPattern(testCase.input).test(error)) {
    problems.push(`error does not name ${testCase.input}`)
  }
  if (error !== '' && !testCase.fix.test(error)) {
    problems.push(`error lacks the fix ${testCase.fix}`)
  }
  if (outcome.stackFrames.length > 0) problems.push('printed a stack trace')
  if (outcome.motoChanged) problems.push("changed moto's state")
  return problems
}

/** Cases of a table that this run tries: all on a full sweep, else a seeded sample of `ciSize`. */
export function selectCases(
  cases: readonly BadInputCase[],
  ciSize: number,
  label: string,
): BadInputCase[] {
  const names = new Set<string>()
  for (const testCase of cases) {
    if (names.has(testCase.name)) {
      throw new Error(`${label} has two cases named '${testCase.name}'`)
    }
    names.add(testCase.name)
  }
  return isFullSweep() ? [...cases] : seededSample(cases, ciSize, label)
}

/** Counts the outcomes of one table and records them as bad-inputs figures. */
export class FiguresTally {
  private tried = 0
  private passed = 0
  private readonly details: string[] = []

  constructor(private readonly name: string) {}

  add(caseName: string, problems: string[]): void {
    this.tried += 1
    if (problems.length === 0) this.passed += 1
    else this.details.push(`${caseName}: ${problems.join(', ')}`)
  }

  record(): void {
    if (this.tried === 0) return
    recordFigures('bad-inputs', {
      name: this.name,
      tried: this.tried,
      passed: this.passed,
      details: this.details,
    })
  }
}
