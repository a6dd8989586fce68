import { runAction, type ActionContext } from '../../../common/run-action.js'

/** Entry of the post step, which runs after the job's steps, also after a failure or cancellation. */
export async function runPost(): Promise<void> {
  await runAction(post)
}

/**
 * Releases the deploy lock and restores the traffic weights that the main
 * step recorded. This version's main step makes no AWS request, takes no
 * lock and moves no traffic, so there is nothing to release or restore yet.
 */
export async function post(ctx: ActionContext): Promise<void> {
  ctx.logger.info(
    'No deploy lock to release and no weights to restore: this version of blue-green-deploy validates inputs only.',
  )
}
