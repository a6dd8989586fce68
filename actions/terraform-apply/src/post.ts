import { runAction, type ActionContext } from '../../../common/run-action.js'

/** Entry of the post step, which runs after the job's steps, also after a failure or cancellation. */
export async function runPost(): Promise<void> {
  await runAction(post)
}

/**
 * Releases the state lock that the main step recorded. This version's main
 * step runs no Terraform command and takes no lock, so there is nothing to
 * release yet.
 */
export async function post(ctx: ActionContext): Promise<void> {
  ctx.logger.info(
    'No state lock to release: this version of terraform-apply validates inputs only and runs no Terraform command.',
  )
}
