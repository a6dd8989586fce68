// Declares the jest tests of one bad-input table: one test per selected
// case, each with its own assertions, and the table's figures at the end.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  FiguresTally,
  inputPattern,
  problemsOf,
  runBadInput,
  selectCases,
  type BadInputCase,
  type TableBase,
} from './harness.js'

export interface BadInputTable {
  /** Name of the table in test names and figures, such as 'build-artifacts publish'. */
  label: string
  action: string
  /** Valid inputs and files; created once per table. */
  base: () => TableBase | Promise<TableBase>
  /** Optional cleanup of what `base` created. */
  cleanup?: () => void | Promise<void>
  cases: readonly BadInputCase[]
  /** Cases the seeded CI sample runs; the full sweep runs all. */
  ciSize: number
}

export function describeBadInputs(table: BadInputTable): void {
  describe(`${table.label} bad inputs`, () => {
    const tally = new FiguresTally(table.label)
    let base: TableBase

    beforeAll(async () => {
      base = await table.base()
    }, 120_000)

    afterAll(async () => {
      tally.record()
      await table.cleanup?.()
    })

    const selected = selectCases(table.cases, table.ciSize, table.label)
    it.each(selected)('$name', async (testCase) => {
      const outcome = await runBadInput(table.action, base, testCase)
      tally.add(testCase.name, problemsOf(testCase, outcome))
      const error = outcome.errorLines[0] ?? outcome.stdout + outcome.stderr
      expect(outcome.timedOut).toBe(false)
      expect(outcome.exitCode).toBe(1)
      expect(error).toMatch(inputPattern(testCase.input))
      expect(error).toMatch(testCase.fix)
      expect(outcome.stackFrames).toEqual([])
      expect(outcome.motoChanged).toBe(false)
    })
  })
}
