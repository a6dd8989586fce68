import { randomUUID } from 'node:crypto'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { S3Client } from '@aws-sdk/client-s3'
import { createAwsClient } from '../../../common/aws-clients.js'
import type {
  RecordFragment,
  StageStatus,
} from '../../../common/contracts/records.js'
import { Deadline } from '../../../common/deadline.js'
import { formatDuration } from '../../../common/duration.js'
import { errorMessage } from '../../../common/errors.js'
import {
  describeEnd,
  runCommand,
  type CommandResult,
} from '../../../common/exec.js'
import { workspaceRoot } from '../../../common/input-checks.js'
import { maskSecret } from '../../../common/masking.js'
import { runAction, type ActionContext } from '../../../common/run-action.js'
import { escapeMarkdown } from '../../../common/summary.js'
import { applyPlan, ApplyError } from './apply.js'
import { publishPlanArtifact, type UploadFn } from './artifact.js'
import { commentMarker, commentOnPullRequest } from './comment.js'
import {
  backendArgs,
  backendEndpoints,
  describeLock as describeLockSettings,
  lockLocation,
  lockTimeoutArg,
  type LockLocation,
} from './backend.js'
import { readInputs, type TerraformApplyInputs } from './inputs.js'
import { releaseOwnLock, watchLock, type LockClients } from './lock.js'
import { OUTPUTS } from './outputs.js'
import { outputText, parseOutputsJson, stringsIn } from './outputs-json.js'
import { planHash } from './plan-hash.js'
import { countChanges, type ChangeCounts, type PlanJson } from './plan-json.js'
import { HeldLogger } from './held-logger.js'
import { runPlan, showPlan, StateLockedError, type PlanResult } from './plan.js'
import { renderPlan, secretValues } from './render.js'
import {
  clientEnv,
  coreState,
  STATE_LOCK_ID,
  STATE_RUN,
  type SavedRun,
  type StateStore,
} from './run-state.js'
import { describeSettings } from './settings.js'
import { findBinary } from './terraform-binary.js'
import { installRelease } from './install.js'
import { restoreProviderCache } from './provider-cache.js'
import { failureText, findSetsid, Terraform } from './terraform.js'

/** Entry of the main step. */
export async function run(): Promise<void> {
  await runAction((ctx) => main(ctx))
}

/** Process-level collaborators that tests replace. */
export interface MainDeps {
  state?: StateStore
  upload?: UploadFn
  /** Time between reads of the state lock while a command runs. */
  lockPollMs?: number
}

/** Facts the run found out, for the outputs and the record. */
interface Facts {
  version?: string
  hasChanges?: boolean
  hash?: string
  counts?: ChangeCounts
  applied: boolean
  drift?: boolean
  inProgress?: string[]
  artifactFolder?: string
}

const STAGE = 'infrastructure'

/**
 * Runs terraform-apply: finds the binary, runs init with the S3 backend,
 * plans, and then, by mode, publishes the plan for review, applies the
 * fresh plan when it matches the reviewed hash, or reports drift. Outputs
 * and the record fragment are written also when a step fails.
 */
export async function main(
  ctx: ActionContext,
  deps: MainDeps = {},
): Promise<void> {
  const startedAt = ctx.clock.now()
  const workspace = workspaceRoot(ctx.env)
  let inputs: TerraformApplyInputs
  try {
    inputs = readInputs(ctx.inputs, workspace)
  } catch (error) {
    ctx.outputs.set(
      'record-json',
      fragment(startedAt, ctx.clock.now(), 'failed', {
        reason: errorMessage(error),
        details: { inputs_valid: false },
      }),
    )
    throw error
  }
  await ctx.logger.group('Settings', async () => {
    for (const [name, value] of describeSettings(inputs, workspace)) {
      ctx.logger.info(`${name}: ${value}`)
    }
  })

  const facts: Facts = { applied: false }
  const temp = path.join(
    ctx.env.RUNNER_TEMP || tmpdir(),
    `terraform-apply-${randomUUID()}`,
  )
  let failure: unknown
  try {
    await mkdir(temp, { recursive: true, mode: 0o700 })
    await new Runner(ctx, inputs, deps, facts, temp).execute()
  } catch (error) {
    failure = error
    throw error
  } finally {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined)
    await finish(ctx, inputs, facts, startedAt, failure)
  }
}

class Runner {
  private readonly deadline: Deadline
  private readonly state: StateStore
  private readonly location: LockLocation
  private readonly lockTimeout: string
  private readonly planFile: string
  private clients: LockClients | undefined
  private terraform: Terraform | undefined
  private recordedLockId: string | undefined

  constructor(
    private readonly ctx: ActionContext,
    private readonly inputs: TerraformApplyInputs,
    private readonly deps: MainDeps,
    private readonly facts: Facts,
    private readonly temp: string,
  ) {
    this.deadline = Deadline.start({
      stage: 'terraform-apply',
      timeoutMs: inputs.timeoutMs,
      ...(inputs.deadlineAt === undefined
        ? {}
        : { deadlineAt: inputs.deadlineAt }),
      clock: ctx.clock,
    })
    this.state = deps.state ?? coreState
    this.location = lockLocation(inputs.backend)
    this.lockTimeout = lockTimeoutArg(inputs.backend)
    this.planFile = path.join(temp, 'terraform.tfplan')
  }

  async execute(): Promise<void> {
    const { ctx, inputs } = this
    const env: NodeJS.ProcessEnv = {
      ...ctx.env,
      AWS_REGION: inputs.awsRegion,
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
    }
    const found = await findBinary({
      distribution: inputs.distribution,
      version: inputs.version,
      ...(inputs.binary === undefined ? {} : { binary: inputs.binary }),
      ...(inputs.releaseMirror === undefined
        ? {}
        : { releaseMirror: inputs.releaseMirror }),
      env,
      logger: ctx.logger,
      install: (distribution, version) =>
        installRelease(distribution, version, ctx.logger, {
          ...(inputs.releaseMirror === undefined
            ? {}
            : { mirror: inputs.releaseMirror }),
        }),
      runVersion: (binary) =>
        runCommand(binary, ['version', '-json'], {
          env,
          echo: false,
          logger: ctx.logger,
          timeoutMs: Math.min(60_000, this.remaining()),
        }),
    })
    this.facts.version = found.version
    const providerCache = await restoreProviderCache({
      enabled: inputs.cacheProviders,
      workingDirectory: inputs.workingDirectory,
      env,
      logger: ctx.logger,
    })
    Object.assign(env, providerCache.env)
    const setsid = findSetsid(env)
    this.terraform = new Terraform({
      binary: found.path,
      cwd: inputs.workingDirectory,
      env,
      logger: ctx.logger,
      cancellation: ctx.cancellation,
      ...(setsid === undefined ? {} : { setsid }),
    })

    const endpoints = backendEndpoints(inputs.backend, ctx.env)
    const saved: SavedRun = {
      binary: found.path,
      cwd: inputs.workingDirectory,
      region: inputs.awsRegion,
      ...(setsid === undefined ? {} : { setsid }),
      location: this.location,
      endpoints,
    }
    this.state.save(STATE_RUN, JSON.stringify(saved))
    this.clients = lockClients(
      inputs.awsRegion,
      clientEnv(ctx.env, endpoints),
      ctx,
    )

    await this.init(env)
    await providerCache.save()
    const planned = await this.plan()
    if (
      inputs.mode === 'apply' &&
      inputs.reviewedPlanHash === undefined &&
      planned.hasChanges
    ) {
      await this.applyBesideShow(planned.result)
    } else {
      const plan = await this.readPlan(planned.result, planned.hasChanges)
      if (inputs.mode === 'plan') await this.publish(plan)
      if (inputs.mode === 'apply') await this.apply()
    }
    await this.readOutputs()
    if (inputs.mode === 'drift') this.reportDrift()
  }

  private remaining(): number {
    this.deadline.check()
    return this.deadline.remainingMs()
  }

  private async init(env: NodeJS.ProcessEnv): Promise<void> {
    const { ctx, inputs } = this
    const terraform = this.required()
    ctx.logger.info(
      `State: s3://${inputs.backend.bucket}/${this.location.stateKey}; lock: ${describeLockSettings(inputs.backend)}`,
    )
    const init = await terraform.run(
      [
        'init',
        '-input=false',
        '-no-color',
        '-reconfigure',
        ...backendArgs(inputs.backend, inputs.awsRegion, env),
      ],
      { timeoutMs: this.remaining(), graceMs: inputs.gracePeriodMs },
    )
    if (init.exitCode !== 0) {
      throw new Error(
        `terraform init ended with ${describeEnd(init.exitCode, init.signal)}:\n${failureText(init)}`,
      )
    }
    if (inputs.backend.workspace === 'default') return
    const select = await terraform.run(
      [
        'workspace',
        'select',
        '-or-create=true',
        '-no-color',
        inputs.backend.workspace,
      ],
      { timeoutMs: this.remaining() },
    )
    if (select.exitCode !== 0) {
      throw new Error(
        `terraform workspace select ${inputs.backend.workspace} ended with ${describeEnd(select.exitCode, select.signal)}:\n${failureText(select)}`,
      )
    }
  }

  private async plan(): Promise<PlanResult> {
    const { inputs } = this
    const terraform = this.required()
    const varFiles = [...inputs.varFiles]
    if (Object.keys(inputs.variables).length > 0) {
      const file = path.join(this.temp, 'variables.auto.tfvars.json')
      await writeFile(file, JSON.stringify(inputs.variables), { mode: 0o600 })
      varFiles.push(file)
    }
    const planned = await this.withLock('plan', (onStart) =>
      runPlan(terraform, {
        echo: false,
        planFile: this.planFile,
        varFiles,
        lockTimeoutArg: this.lockTimeout,
        lockTimeoutText: formatDuration(inputs.backend.lockTimeoutMs),
        timeoutMs: this.remaining(),
        graceMs: inputs.gracePeriodMs,
        onStart,
      }),
    )
    return planned
  }

  /** Runs `show -json` of the saved plan, then reports it with reportPlan. */
  private async readPlan(
    planOutput: CommandResult,
    hasChanges: boolean,
  ): Promise<PlanJson> {
    const plan = await showPlan(
      this.required(),
      this.planFile,
      this.remaining(),
    )
    this.reportPlan(plan, planOutput, hasChanges)
    return plan
  }

  /**
   * Masks the plan's secret values, then prints plan's held output, the
   * plan line and the summary, and sets the hash and the counts.
   */
  private reportPlan(
    plan: PlanJson,
    planOutput: CommandResult,
    hasChanges: boolean,
  ): void {
    const { ctx } = this
    // Plan's own output shows values under secret-looking names that the
    // configuration did not mark sensitive; it is printed once they are
    // registered as secrets.
    for (const value of secretValues(plan)) maskSecret(value)
    for (const line of planOutput.stdout.split(/\r?\n/)) ctx.logger.info(line)
    const hash = planHash(plan)
    const counts = countChanges(plan)
    Object.assign(this.facts, { hasChanges, hash, counts })
    ctx.logger.info(
      hasChanges
        ? `Plan: ${counts.add} to add, ${counts.change} to change, ${counts.replace} to replace, ${counts.destroy} to destroy; plan hash ${hash}`
        : `Plan: no changes; plan hash ${hash}`,
    )
    ctx.summary.paragraph(renderPlan(plan, { planHash: hash }))
  }

  /**
   * Applies a plan with changes when no reviewed-plan-hash is given, with
   * `show -json` of the plan running at the same time. Both read the saved
   * plan file, and show takes no state lock. Apply's log lines are held
   * until show's secret values are masked and plan's output is printed.
   * When show fails, apply's output stays unprinted and the step fails
   * after apply ends, with the plan hash and the counts unset.
   */
  private async applyBesideShow(planOutput: CommandResult): Promise<void> {
    const { ctx, inputs, facts } = this
    const terraform = this.required()
    ctx.logger.info(
      "Applying the fresh plan (no reviewed-plan-hash given). terraform show -json of the plan runs beside terraform apply, and apply's output is held until the plan is read and its secret values are masked.",
    )
    facts.hasChanges = true

    const applyOutput = new HeldLogger(ctx.logger)
    const showing = showPlan(terraform, this.planFile, this.remaining())
    const applying = this.withLock('apply', (onStart) =>
      applyPlan(terraform, {
        planFile: this.planFile,
        lockTimeoutArg: this.lockTimeout,
        timeoutMs: this.remaining(),
        graceMs: inputs.gracePeriodMs,
        logger: applyOutput,
        onStart,
      }),
    )
    // Apply's rejection is read below, after show has ended.
    applying.catch(() => undefined)

    let showFailure: unknown
    try {
      this.reportPlan(await showing, planOutput, true)
      applyOutput.release()
    } catch (error) {
      showFailure = error
      applyOutput.withhold()
      ctx.logger.error(
        `${errorMessage(error)}\nterraform apply keeps running; its output is not printed, because the values to mask are unknown without the plan's JSON.`,
      )
    }

    try {
      await applying
      facts.applied = true
    } catch (error) {
      // NOTE: when show failed too, the tail of apply's stderr in this
      // error is printed without the plan's secret values masked.
      if (error instanceof ApplyError) facts.inProgress = error.inProgress
      throw error
    }

    if (showFailure !== undefined) {
      throw new Error(
        `terraform apply succeeded, but terraform show -json of the plan failed, so plan-hash and the change counts are not set (${applyOutput.withheld} lines of apply's output not printed): ${errorMessage(showFailure)}`,
        { cause: showFailure },
      )
    }
  }

  private async publish(plan: PlanJson): Promise<void> {
    const { ctx, inputs, facts } = this
    const rendering = renderPlan(plan, { planHash: facts.hash as string })
    const result = await publishPlanArtifact(
      {
        name: inputs.planArtifactName,
        rendering,
        hash: facts.hash as string,
        summary: {
          run_id: inputs.runId,
          plan_hash: facts.hash,
          has_changes: facts.hasChanges,
          counts: facts.counts,
          terraform_version: facts.version,
        },
        retentionDays: inputs.retentionDays,
      },
      {
        env: ctx.env,
        logger: ctx.logger,
        ...(this.deps.upload === undefined ? {} : { upload: this.deps.upload }),
      },
    )
    facts.artifactFolder = result.folder
    await this.comment(rendering)
  }

  private async comment(rendering: string): Promise<void> {
    const { ctx, inputs } = this
    const { comment } = inputs
    if (!comment.enabled) return
    if (comment.prNumber === undefined) {
      ctx.logger.info(
        'comment-on-pr is true, but pr-number is empty (not a pull request): no comment',
      )
      return
    }
    const repository = ctx.env.GITHUB_REPOSITORY
    if (!repository || comment.token === undefined) {
      ctx.logger.warning('GITHUB_REPOSITORY is not set: no plan comment')
      return
    }
    const workspace = workspaceRoot(ctx.env)
    await commentOnPullRequest(
      {
        apiUrl: ctx.env.GITHUB_API_URL || 'https://api.github.com',
        repository,
        prNumber: comment.prNumber,
        token: comment.token,
      },
      commentMarker(
        path.relative(workspace, inputs.workingDirectory) || '.',
        inputs.backend.workspace,
      ),
      rendering,
      ctx.logger,
    )
  }

  private async apply(): Promise<void> {
    const { ctx, inputs, facts } = this
    const fresh = facts.hash as string
    const reviewed = inputs.reviewedPlanHash
    if (!facts.hasChanges) {
      if (reviewed !== undefined && reviewed !== fresh) {
        ctx.logger.warning(
          `The fresh plan has no changes (hash ${fresh}), while reviewed-plan-hash is ${reviewed}: the reviewed changes may have been applied already. Nothing to apply.`,
        )
      } else {
        ctx.logger.info('No changes: nothing to apply')
      }
      return
    }
    if (reviewed !== undefined && reviewed !== fresh) {
      throw new Error(
        `Refusing to apply: the fresh plan's hash ${fresh} differs from reviewed-plan-hash ${reviewed}. The changes are not the ones reviewed; run plan again, review it, and pass its plan-hash. Nothing was applied.`,
      )
    }
    ctx.logger.info(
      reviewed === undefined
        ? 'Applying the fresh plan (no reviewed-plan-hash given)'
        : `Applying the fresh plan, whose hash equals reviewed-plan-hash ${reviewed}`,
    )
    const terraform = this.required()
    try {
      await this.withLock('apply', (onStart) =>
        applyPlan(terraform, {
          planFile: this.planFile,
          lockTimeoutArg: this.lockTimeout,
          timeoutMs: this.remaining(),
          graceMs: inputs.gracePeriodMs,
          onStart,
        }),
      )
      facts.applied = true
    } catch (error) {
      if (error instanceof ApplyError) facts.inProgress = error.inProgress
      throw error
    }
  }

  private async readOutputs(): Promise<void> {
    const { ctx } = this
    const result = await this.required().run(['output', '-json', '-no-color'], {
      echo: false,
      timeoutMs: this.remaining(),
    })
    if (result.exitCode !== 0) {
      throw new Error(
        `terraform output -json ended with ${describeEnd(result.exitCode, result.signal)}:\n${failureText(result)}`,
      )
    }
    const { outputs, surrounding } = parseOutputsJson(result.stdout)
    for (const line of surrounding) {
      ctx.logger.info(`terraform output: ${line}`)
    }
    for (const output of Object.values(outputs)) {
      if (output.sensitive) {
        for (const text of stringsIn(output.value)) maskSecret(text)
      }
    }
    const values: Record<string, unknown> = {}
    const reserved = new Set<string>(OUTPUTS)
    for (const [name, output] of Object.entries(outputs)) {
      values[name] = output.value
      if (reserved.has(name)) {
        ctx.logger.warning(
          `Root output '${name}' has the name of one of this action's outputs; read it from outputs-json`,
        )
        continue
      }
      try {
        ctx.outputs.set(name, outputText(output.value))
      } catch (error) {
        ctx.logger.warning(
          `Root output '${name}' is not set as a step output (${errorMessage(error)}); read it from outputs-json`,
        )
      }
    }
    ctx.outputs.set('outputs-json', values)
    const sensitive = Object.values(outputs).filter((o) => o.sensitive).length
    ctx.logger.info(
      `Read ${Object.keys(outputs).length} root outputs (${sensitive} sensitive, masked)`,
    )
  }

  private reportDrift(): void {
    const { ctx, inputs, facts } = this
    facts.drift = facts.hasChanges === true
    if (!facts.hasChanges) {
      ctx.logger.info('No drift: the infrastructure matches the configuration')
      return
    }
    const counts = facts.counts as ChangeCounts
    const message = `Drift: the plan has changes (${counts.add} to add, ${counts.change} to change, ${counts.replace} to replace, ${counts.destroy} to destroy). The job summary lists them.`
    if (inputs.onDrift === 'fail') throw new Error(message)
    ctx.logger.warning(message)
  }

  /**
   * Runs a command that takes the state lock. While it runs, the lock's ID
   * is recorded for the post step. If the run is cancelled, a restore step
   * waits for Terraform to stop (Terraform releases its lock itself), then
   * releases the recorded lock if it is still held.
   */
  private async withLock<T>(
    what: string,
    command: (onStart: (running: Promise<CommandResult>) => void) => Promise<T>,
  ): Promise<T> {
    const { ctx } = this
    let running: Promise<CommandResult> | undefined
    const stopWatching = watchLock({
      location: this.location,
      clients: this.lockClients(),
      startedAt: ctx.clock.now(),
      logger: ctx.logger,
      sleep: ctx.sleep,
      ...(this.deps.lockPollMs === undefined
        ? {}
        : { intervalMs: this.deps.lockPollMs }),
      onLock: (lock) => {
        this.recordedLockId = lock.ID
        this.state.save(STATE_LOCK_ID, lock.ID)
        ctx.logger.info(`terraform ${what} holds the state lock ${lock.ID}`)
      },
    })
    const unregister = ctx.cancellation.onRestore(
      `stop terraform ${what} and release its state lock`,
      () => this.stopAndRelease(running),
    )
    try {
      return await command((started) => {
        running = started
      })
    } catch (error) {
      if (
        error instanceof StateLockedError &&
        error.holderId === this.recordedLockId
      ) {
        // The lock seen while waiting was the other run's.
        this.recordedLockId = undefined
        this.state.save(STATE_LOCK_ID, '')
      }
      throw error
    } finally {
      unregister()
      await stopWatching()
    }
  }

  private async stopAndRelease(
    running: Promise<CommandResult> | undefined,
  ): Promise<void> {
    const { ctx, inputs } = this
    if (running !== undefined) {
      ctx.logger.info(
        `Waiting up to ${formatDuration(inputs.gracePeriodMs)} for Terraform to stop and release the state lock`,
      )
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        running.catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, inputs.gracePeriodMs)
        }),
      ])
      clearTimeout(timer)
    }
    await releaseOwnLock({
      location: this.location,
      clients: this.lockClients(),
      recordedId: this.recordedLockId,
      logger: ctx.logger,
      forceUnlock: (id) => forceUnlock(this.required(), id),
    })
  }

  private lockClients(): LockClients {
    if (this.clients === undefined) throw new Error('No AWS clients yet')
    return this.clients
  }

  private required(): Terraform {
    if (this.terraform === undefined) throw new Error('No Terraform binary yet')
    return this.terraform
  }
}

/** SDK clients that read the lock object or the lock table. */
export function lockClients(
  region: string,
  env: NodeJS.ProcessEnv,
  ctx: Pick<ActionContext, 'logger'>,
): LockClients {
  return {
    s3: createAwsClient(S3Client, { region, env, logger: ctx.logger }),
    dynamodb: createAwsClient(DynamoDBClient, {
      region,
      env,
      logger: ctx.logger,
    }),
  }
}

/** Runs `terraform force-unlock -force <id>` and reads its exit code. */
export async function forceUnlock(
  terraform: Terraform,
  id: string,
): Promise<{ exitCode: number | null; output: string }> {
  const result = await terraform.run(
    ['force-unlock', '-force', '-no-color', id],
    {
      timeoutMs: 60_000,
    },
  )
  return { exitCode: result.exitCode, output: failureText(result) }
}

/** Sets the step outputs, writes the record fragment and the job summary lines. */
async function finish(
  ctx: ActionContext,
  inputs: TerraformApplyInputs,
  facts: Facts,
  startedAt: number,
  failure: unknown,
): Promise<void> {
  const completedAt = ctx.clock.now()
  const cancelled = ctx.cancellation.cancelledBy !== undefined
  const status: StageStatus = cancelled
    ? 'cancelled'
    : failure !== undefined
      ? 'failed'
      : 'succeeded'
  if (facts.hasChanges !== undefined) {
    ctx.outputs.set('has-changes', String(facts.hasChanges))
  }
  if (facts.hash !== undefined) ctx.outputs.set('plan-hash', facts.hash)
  if (facts.counts !== undefined) {
    ctx.outputs.set('add-count', String(facts.counts.add))
    ctx.outputs.set('change-count', String(facts.counts.change))
    ctx.outputs.set('replace-count', String(facts.counts.replace))
    ctx.outputs.set('destroy-count', String(facts.counts.destroy))
  }
  ctx.outputs.set('applied', String(facts.applied))
  if (facts.version !== undefined) {
    ctx.outputs.set('terraform-version', facts.version)
  }
  const record = fragment(startedAt, completedAt, status, {
    ...(failure === undefined ? {} : { reason: errorMessage(failure) }),
    details: {
      mode: inputs.mode,
      workspace: inputs.backend.workspace,
      terraform_version: facts.version ?? null,
      has_changes: facts.hasChanges ?? null,
      plan_hash: facts.hash ?? null,
      reviewed_plan_hash: inputs.reviewedPlanHash ?? null,
      changes: facts.counts ?? null,
      applied: facts.applied,
      ...(facts.drift === undefined ? {} : { drift: facts.drift }),
      ...(facts.inProgress === undefined
        ? {}
        : { in_progress: facts.inProgress }),
    },
  })
  ctx.outputs.set('record-json', record)
  try {
    await mkdir(path.dirname(inputs.recordFile), { recursive: true })
    await writeFile(inputs.recordFile, `${JSON.stringify(record, null, 2)}\n`)
  } catch (error) {
    ctx.logger.error(
      `Writing the record fragment to ${inputs.recordFile} failed: ${errorMessage(error)}`,
    )
  }
  const what =
    inputs.mode === 'apply'
      ? facts.applied
        ? 'applied the plan'
        : 'applied nothing'
      : inputs.mode === 'drift'
        ? facts.drift
          ? 'found drift'
          : 'found no drift'
        : 'planned'
  ctx.summary.paragraph(
    escapeMarkdown(
      `terraform-apply (${inputs.mode}) ${what} in ${formatDuration(completedAt - startedAt)}: ${status}. Terraform ${facts.version ?? '(not found)'}, workspace ${inputs.backend.workspace}, state s3://${inputs.backend.bucket}/${lockLocation(inputs.backend).stateKey}.`,
    ),
  )
  if (facts.inProgress !== undefined && facts.inProgress.length > 0) {
    ctx.summary.list(
      facts.inProgress.map(
        (resource) => `In progress when stopped: ${resource}`,
      ),
    )
  }
}

function fragment(
  startedAt: number,
  completedAt: number,
  status: StageStatus,
  extra: { reason?: string; details: Record<string, unknown> },
): RecordFragment {
  return {
    schema_version: 1,
    action: 'terraform-apply',
    stage: STAGE,
    status,
    started_at: new Date(startedAt).toISOString(),
    completed_at: new Date(completedAt).toISOString(),
    duration_seconds: (completedAt - startedAt) / 1000,
    ...(extra.reason === undefined ? {} : { reason: extra.reason }),
    details: extra.details,
  }
}
