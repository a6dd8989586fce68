// The life of a Terraform root in the tests: format check, init, validate,
// one or more apply-then-plan stages, an optional teardown apply (deletion
// protection off) and destroy. Failures are recorded, not thrown, so every
// root still gets destroyed and each test can assert on what it needs.
import type { ClassifiedChange, MotoApi } from './emulator-diffs.js'
import { classifyChanges, confirmEmulatorDiffs } from './emulator-diffs.js'
import type { CommandResult, TerraformRoot } from './terraform-root.js'
import { describeFailure } from './terraform-root.js'
import type { PlanJson } from './terraform-plan.js'
import { describeChange } from './terraform-plan.js'

export interface LifecycleStage {
  name: string
  /** Variables of this stage's apply and plan, on top of the root's. */
  vars?: Record<string, unknown>
  /** Runs before the stage's apply, for example to create a certificate. */
  beforeApply?: () => Promise<Record<string, unknown> | void>
  /** Plans (and checks the plan) after `beforeApply`, before this stage's apply. */
  planBeforeApply?: boolean
  /** Runs between the apply and the plan, for example to check what the apply left. */
  afterApply?: () => Promise<void>
  /** Whether to apply in this stage; true unless set to false (a plan-only stage). */
  apply?: boolean
  /** Whether to plan after the apply; true unless set to false. */
  plan?: boolean
}

export interface PlanCheck {
  result: CommandResult
  json?: PlanJson
  classified: ClassifiedChange[]
  /** Moto's confirmation of each emulator difference. */
  evidence: string[]
  error?: string
}

export interface StageResult {
  name: string
  vars: Record<string, unknown>
  planBefore?: PlanCheck
  apply?: CommandResult
  plan?: PlanCheck
  error?: string
}

export interface LifecycleResult {
  root: TerraformRoot
  fmt?: CommandResult
  init?: CommandResult
  validate?: CommandResult
  stages: StageResult[]
  teardown?: CommandResult
  afterTeardownError?: string
  destroy?: CommandResult
  error?: string
}

export interface LifecycleOptions {
  stages: LifecycleStage[]
  /** Variables applied before destroy (deletion protection off) and used by destroy. */
  teardownVars?: Record<string, unknown>
  /** Runs after the teardown apply, before destroy, for checks of what that apply left. */
  afterTeardown?: () => Promise<void>
  moto: MotoApi
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Plans, reads the plan's JSON and sorts its changes into emulator differences and the rest. */
export async function checkPlan(
  root: TerraformRoot,
  vars: Record<string, unknown>,
  moto: MotoApi,
): Promise<PlanCheck> {
  const { result, planFile } = await root.plan(vars)
  const check: PlanCheck = { result, classified: [], evidence: [] }
  if (result.exitCode !== 0 && result.exitCode !== 2) return check
  try {
    check.json = await root.showPlan(planFile)
    check.classified = classifyChanges(check.json)
    check.evidence = await confirmEmulatorDiffs(
      moto,
      check.classified.filter((item) => item.unexplained.length === 0),
    )
  } catch (error) {
    check.error = message(error)
  }
  return check
}

/** Runs the whole life of one root; never throws. */
export async function runLifecycle(
  root: TerraformRoot,
  opts: LifecycleOptions,
): Promise<LifecycleResult> {
  const lifecycle: LifecycleResult = { root, stages: [] }
  let vars: Record<string, unknown> = {}
  try {
    lifecycle.fmt = await root.fmtCheck()
    lifecycle.init = await root.init()
    if (lifecycle.init.exitCode !== 0) return lifecycle
    lifecycle.validate = await root.validate()
    if (lifecycle.validate.exitCode !== 0) return lifecycle
    for (const stage of opts.stages) {
      const result: StageResult = { name: stage.name, vars }
      lifecycle.stages.push(result)
      try {
        const extra = (await stage.beforeApply?.()) ?? {}
        vars = { ...vars, ...stage.vars, ...extra }
        result.vars = vars
      } catch (error) {
        result.error = `before apply: ${message(error)}`
        break
      }
      if (stage.planBeforeApply) {
        result.planBefore = await checkPlan(root, vars, opts.moto)
      }
      if (stage.apply === false) continue
      result.apply = await root.apply(vars)
      if (result.apply.exitCode !== 0) break
      try {
        await stage.afterApply?.()
      } catch (error) {
        result.error = `after apply: ${message(error)}`
        break
      }
      if (stage.plan !== false) {
        result.plan = await checkPlan(root, vars, opts.moto)
      }
    }
  } catch (error) {
    lifecycle.error = message(error)
  } finally {
    if (lifecycle.init?.exitCode === 0) {
      const finalVars = { ...vars, ...opts.teardownVars }
      try {
        if (opts.teardownVars) {
          lifecycle.teardown = await root.apply(finalVars)
          if (lifecycle.teardown.exitCode === 0) {
            await opts.afterTeardown?.().catch((error: unknown) => {
              lifecycle.afterTeardownError = message(error)
            })
          }
        }
        lifecycle.destroy = await root.destroy(finalVars)
      } catch (error) {
        lifecycle.error =
          `${lifecycle.error ?? ''}\ndestroy: ${message(error)}`.trim()
      }
    }
  }
  return lifecycle
}

/** Throws with the command's output when it did not exit with `expected`. */
export function expectExit(
  result: CommandResult | undefined,
  expected = 0,
  what = 'command',
): asserts result is CommandResult {
  if (result === undefined) throw new Error(`${what} did not run`)
  if (result.exitCode !== expected) {
    throw new Error(
      `${what}: expected exit code ${expected}\n${describeFailure(result)}`,
    )
  }
}

/**
 * Lists a plan's changes that are not explained by the emulator list, as
 * text for a failure message; empty when the plan is clean.
 */
export function unexplainedChanges(check: PlanCheck | undefined): string[] {
  if (!check) return ['no plan ran']
  if (check.error) return [`reading the plan failed: ${check.error}`]
  if (check.result.exitCode === 1) return [describeFailure(check.result)]
  return check.classified
    .filter((item) => item.unexplained.length > 0)
    .map(
      (item) =>
        `${describeChange(item.change)}\n    not explained: ${item.unexplained.join(', ')}`,
    )
}

/** Runs `task` for every item with at most `limit` running at once, keeping order. */
export async function mapConcurrent<T, R>(
  items: T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index] as T)
    }
  }
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  )
  return results
}

/** Returns the JSON of the last plan a lifecycle made (the state after its last apply). */
export function lastPlanJson(lifecycle: LifecycleResult): PlanJson {
  for (const stage of [...lifecycle.stages].reverse()) {
    const json = stage.plan?.json ?? stage.planBefore?.json
    if (json) return json
  }
  throw new Error(
    `${lifecycle.root.name} has no plan JSON (${lifecycle.error ?? 'an earlier step failed'})`,
  )
}
