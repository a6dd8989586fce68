import { runAction, type ActionContext } from '../../../common/run-action.js'
import { errorMessage } from '../../../common/errors.js'
import { releaseOwnLock } from './lock.js'
import { forceUnlock, lockClients } from './main.js'
import {
  clientEnv,
  coreState,
  readSavedRun,
  STATE_LOCK_ID,
  type StateStore,
} from './run-state.js'
import { Terraform } from './terraform.js'

/** Entry of the post step, which runs after the job's steps, also after a failure or cancellation. */
export async function runPost(): Promise<void> {
  await runAction((ctx) => post(ctx))
}

/**
 * Releases the state lock that the main step recorded, only while that
 * lock ID is still the one held; any other lock is described and left
 * alone.
 */
export async function post(
  ctx: ActionContext,
  state: StateStore = coreState,
): Promise<void> {
  const saved = readSavedRun(state)
  if (saved === undefined) {
    ctx.logger.info(
      'The main step ran no Terraform command, so there is no state lock to check',
    )
    return
  }
  const recordedId = state.get(STATE_LOCK_ID) || undefined
  const env: NodeJS.ProcessEnv = {
    ...ctx.env,
    AWS_REGION: saved.region,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
  }
  const terraform = new Terraform({
    binary: saved.binary,
    cwd: saved.cwd,
    env,
    logger: ctx.logger,
    cancellation: ctx.cancellation,
    ...(saved.setsid === undefined ? {} : { setsid: saved.setsid }),
  })
  const clients = lockClients(
    saved.region,
    clientEnv(ctx.env, saved.endpoints),
    ctx,
  )
  try {
    const outcome = await releaseOwnLock({
      location: saved.location,
      clients,
      recordedId,
      logger: ctx.logger,
      forceUnlock: (id) => forceUnlock(terraform, id),
    })
    if (outcome === 'failed') {
      throw new Error(
        `The state lock ${recordedId} of this run could not be released; the log above says why. Release it with terraform force-unlock ${recordedId}.`,
      )
    }
  } catch (error) {
    throw new Error(`Checking the state lock failed: ${errorMessage(error)}`, {
      cause: error,
    })
  }
}
