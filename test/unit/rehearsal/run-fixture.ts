// Runs a fixture workflow of test/unit/rehearsal/fixtures/workflows with a
// temporary work folder and collects the runner's events.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runWorkflow } from '../../../rehearsal/runner/index.js'
import type {
  RunWorkflowOptions,
  RunnerEvent,
  WorkflowRunResult,
} from '../../../rehearsal/runner/types.js'

export const FIXTURES = join(
  dirname(fileURLToPath(import.meta.url)),
  'fixtures',
)
export const KIT_REPOSITORY = 'acme/deploy-kit'
export const KIT_SHA = 'a'.repeat(40)

export interface FixtureRun {
  result: WorkflowRunResult
  events: RunnerEvent[]
  /** Logged lines of a job (and optionally one step), masked as the runner logged them. */
  lines(job: string, step?: string): string[]
  workDir: string
}

const workDirs: string[] = []

/** Removes the work folders of every fixture run so far. */
export function removeWorkDirs(): void {
  for (const dir of workDirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function runFixture(
  workflow: string,
  options: Partial<RunWorkflowOptions> = {},
): Promise<FixtureRun> {
  const workDir = mkdtempSync(join(tmpdir(), 'runner-test-'))
  workDirs.push(workDir)
  const events: RunnerEvent[] = []
  const result = await runWorkflow({
    workflowPath: join(FIXTURES, 'workflows', workflow),
    repositoryDir: join(FIXTURES, 'app'),
    kitDir: join(FIXTURES, 'kit'),
    workDir,
    cancelGraceMs: 500,
    ...options,
    github: {
      run_id: '4242',
      workflow_repository: KIT_REPOSITORY,
      workflow_sha: KIT_SHA,
      repository: 'acme/shop',
      ...options.github,
    },
    onEvent: (event) => {
      events.push(event)
      options.onEvent?.(event)
    },
  })
  return {
    result,
    events,
    workDir,
    lines: (job, step) =>
      events.flatMap((event) =>
        event.type === 'log' &&
        event.job === job &&
        (step === undefined || event.step === step)
          ? [event.line]
          : [],
      ),
  }
}

/** Returns the job result with this id, or throws when the run has none. */
export function jobOf(run: FixtureRun, id: string) {
  const job = run.result.jobs.find((candidate) => candidate.id === id)
  if (job === undefined) throw new Error(`The run has no job '${id}'`)
  return job
}
