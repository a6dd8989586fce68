// Figures of the resilience suite: each test file appends one JSON line per
// measured group of cases, and scripts/resilience-report.mjs totals them.
import { appendFileSync, mkdirSync } from 'node:fs'
import { dirname, isAbsolute, join } from 'node:path'
import { repoRoot } from '../../local-stack/state.js'

export type ResilienceCategory =
  'faults' | 'bad-inputs' | 'secrets' | 'cancellation'

export interface FiguresEntry {
  /** What was measured, for example `terraform-apply bad inputs`. */
  name: string
  /** Cases run. */
  tried: number
  /** Cases that met their expectation (survived, rejected cleanly, no canary hit, clean exit). */
  passed: number
  /** One line per case that did not pass, or other notes for the report. */
  details?: string[]
}

/** File the figures go to: KIT_RESILIENCE_FIGURES, relative paths resolved against the repository root. */
export function figuresFile(): string {
  const file =
    process.env.KIT_RESILIENCE_FIGURES ??
    'test-results/resilience-figures.jsonl'
  return isAbsolute(file) ? file : join(repoRoot, file)
}

/** Appends one entry to the figures file as a JSON line. */
export function recordFigures(
  category: ResilienceCategory,
  entry: FiguresEntry,
): void {
  const file = figuresFile()
  mkdirSync(dirname(file), { recursive: true })
  const line = JSON.stringify({
    category,
    ...entry,
    full: process.env.KIT_RESILIENCE_FULL === '1',
    seed: process.env.KIT_RESILIENCE_SEED ?? null,
    recordedAt: new Date().toISOString(),
  })
  appendFileSync(file, `${line}\n`)
}
