import { workspaceRoot } from '../../../common/input-checks.js'
import { runInputsOnly } from '../../../common/inputs-only.js'
import { runAction, type ActionContext } from '../../../common/run-action.js'
import { readInputs } from './inputs.js'
import { describeSettings } from './settings.js'

/** Entry of the main step. */
export async function run(): Promise<void> {
  await runAction(main)
}

/**
 * Validates the inputs and reports the settings. Building, pushing, scanning
 * and publishing are not part of this version, so the step then fails with
 * a record fragment that states this.
 */
export async function main(ctx: ActionContext): Promise<void> {
  const workspace = workspaceRoot(ctx.env)
  await runInputsOnly(ctx, {
    action: 'build-artifacts',
    read: (reader) => readInputs(reader, workspace),
    defaultStage: 'build',
    describe: (inputs) => ({
      mode: inputs.parts.join(', '),
      stage: inputs.parts.includes('publish') ? 'publish' : 'build',
    }),
    settings: (inputs) => describeSettings(inputs, workspace),
    recordFile: (inputs) => inputs.recordFile,
  })
}
