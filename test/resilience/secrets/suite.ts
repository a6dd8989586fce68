// Shared checks of the secrets tests: searches a step's logs, command files,
// RUNNER_TEMP, workspace files and any extra texts for every planted value,
// and records one figures entry per run.
import { expect } from '@jest/globals'
import { recordFigures } from '../figures.js'
import { CANARIES, findCanaries, type CanaryHit } from './canaries.js'
import type { KeptStep } from './run-step.js'

/** Returns the environment credentials of every secrets run: the planted AWS keys. */
export function canaryAwsEnv(): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: CANARIES.awsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: CANARIES.awsSecretAccessKey,
    AWS_SESSION_TOKEN: CANARIES.awsSessionToken,
  }
}

/** Texts of a step to search: stdout, stderr and every kept file. */
export function stepSources(step: KeptStep): Record<string, string> {
  return { stdout: step.stdout, stderr: step.stderr, ...step.files }
}

/**
 * Searches `sources` for the planted values in `canaries`, records the
 * figures under `name` and asserts that nothing was found.
 */
export function expectNoCanaryHits(
  name: string,
  sources: Record<string, string>,
  canaries: Record<string, string>,
): CanaryHit[] {
  const hits = findCanaries(sources, canaries)
  const leaked = new Set(hits.map((hit) => hit.canary))
  const planted = Object.keys(canaries)
  recordFigures('secrets', {
    name,
    tried: planted.length,
    passed: planted.filter((canary) => !leaked.has(canary)).length,
    details: hits.map(
      (hit) => `${hit.canary} found in ${hit.source} as ${hit.form}`,
    ),
  })
  expect(Object.keys(sources).length).toBeGreaterThan(2)
  expect(hits).toEqual([])
  return hits
}
