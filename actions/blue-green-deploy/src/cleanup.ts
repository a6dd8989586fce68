/**
 * Deregisters old task definition revisions of a family beyond the newest
 * `keep`, never one that a service of the pair runs or deploys.
 */
import {
  DeregisterTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs'
import { errorMessage } from '../../../common/errors.js'
import type { Logger } from '../../../common/log.js'

export interface CleanupResult {
  deregistered: string[]
  kept: number
  protected: string[]
}

function revisionOf(arn: string): number {
  return Number(/:(\d+)$/.exec(arn)?.[1] ?? 0)
}

/** Revisions to deregister: beyond the newest `keep`, minus the serving ones. */
export function revisionsToDeregister(
  arns: string[],
  keep: number,
  serving: ReadonlySet<string>,
): { deregister: string[]; protectedArns: string[] } {
  const sorted = [...arns].sort((a, b) => revisionOf(b) - revisionOf(a))
  const old = sorted.slice(keep)
  return {
    deregister: old.filter((arn) => !serving.has(arn)),
    protectedArns: old.filter((arn) => serving.has(arn)),
  }
}

export async function deregisterOldRevisions(
  ecs: ECSClient,
  opts: { family: string; keep: number; serving: ReadonlySet<string> },
  logger: Logger,
): Promise<CleanupResult> {
  if (opts.keep === 0) {
    return { deregistered: [], kept: 0, protected: [] }
  }
  const arns: string[] = []
  let nextToken: string | undefined
  do {
    const page = await ecs.send(
      new ListTaskDefinitionsCommand({
        familyPrefix: opts.family,
        status: 'ACTIVE',
        ...(nextToken === undefined ? {} : { nextToken }),
      }),
    )
    for (const arn of page.taskDefinitionArns ?? []) {
      // familyPrefix matches by prefix; keep this family only.
      if (arn.split('/').pop()?.replace(/:\d+$/, '') === opts.family)
        arns.push(arn)
    }
    nextToken = page.nextToken
  } while (nextToken !== undefined)

  const { deregister, protectedArns } = revisionsToDeregister(
    arns,
    opts.keep,
    opts.serving,
  )
  const done: string[] = []
  for (const arn of deregister) {
    try {
      await ecs.send(
        new DeregisterTaskDefinitionCommand({ taskDefinition: arn }),
      )
      done.push(arn)
    } catch (error) {
      logger.warning(`Deregistering ${arn} failed: ${errorMessage(error)}`)
    }
  }
  logger.info(
    `Task definition revisions of ${opts.family}: ${arns.length} active, kept the newest ${Math.min(opts.keep, arns.length)}, deregistered ${done.length}` +
      (protectedArns.length > 0
        ? `, kept ${protectedArns.length} older one(s) that a service uses`
        : ''),
  )
  return {
    deregistered: done,
    kept: arns.length - done.length,
    protected: protectedArns,
  }
}
