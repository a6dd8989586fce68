/**
 * The plan summary as a pull-request comment that updates itself: a hidden
 * marker identifies this action's comment for one root module and
 * workspace, so later runs edit it instead of adding another. Uses GitHub's
 * REST API for issue comments: list (paginated), create, update by id.
 */
import { errorMessage } from '../../../common/errors.js'
import type { Logger } from '../../../common/log.js'
import { redact } from '../../../common/masking.js'
import { cutToFit } from './render.js'

/** GitHub rejects comment bodies longer than this. */
export const MAX_COMMENT_LENGTH = 65_536

const PER_PAGE = 100
const MAX_PAGES = 30
const REQUEST_TIMEOUT_MS = 30_000

export interface CommentTarget {
  /** API base, GITHUB_API_URL (https://api.github.com on github.com). */
  apiUrl: string
  /** owner/name, GITHUB_REPOSITORY. */
  repository: string
  prNumber: number
  token: string
}

export type CommentResult = { action: 'created' | 'updated'; id: number }

/** Hidden marker of the comment for one root module and workspace. */
export function commentMarker(rootModule: string, workspace: string): string {
  const id = `${rootModule}#${workspace}`.replace(/--/g, '-')
  return `<!-- aws-deploy-kit terraform-apply ${id} -->`
}

/** Creates the marked comment or updates the one an earlier run left. */
export async function upsertComment(
  target: CommentTarget,
  marker: string,
  markdown: string,
  opts: { logger: Logger; fetchFn?: typeof fetch },
): Promise<CommentResult> {
  const fetchFn = opts.fetchFn ?? fetch
  const body = `${marker}\n${cutToFit(redact(markdown), MAX_COMMENT_LENGTH - marker.length - 1)}`
  const base = target.apiUrl.replace(/\/+$/, '')
  const repo = target.repository
  const request = async (
    method: string,
    url: string,
    payload?: unknown,
  ): Promise<Response> => {
    const response = await fetchFn(url, {
      method,
      headers: {
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer ${target.token}`,
        'X-GitHub-Api-Version': '2022-11-28',
        'User-Agent': 'aws-deploy-kit-terraform-apply',
        ...(payload === undefined
          ? {}
          : { 'Content-Type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
    if (!response.ok) {
      const text = (await response.text()).slice(0, 300)
      throw new Error(
        `${method} ${url} returned HTTP ${response.status}: ${text}`,
      )
    }
    return response
  }

  let existing: number | undefined
  let url: string | undefined =
    `${base}/repos/${repo}/issues/${target.prNumber}/comments?per_page=${PER_PAGE}`
  for (let page = 0; url !== undefined && page < MAX_PAGES; page += 1) {
    const response = await request('GET', url)
    const comments = (await response.json()) as Array<{
      id: number
      body?: string
    }>
    const own = comments.find((comment) => comment.body?.includes(marker))
    if (own !== undefined) {
      existing = own.id
      break
    }
    url = nextLink(response.headers.get('link'))
  }

  if (existing !== undefined) {
    await request(
      'PATCH',
      `${base}/repos/${repo}/issues/comments/${existing}`,
      {
        body,
      },
    )
    opts.logger.info(
      `Updated the plan comment ${existing} on pull request #${target.prNumber}`,
    )
    return { action: 'updated', id: existing }
  }
  const created = await request(
    'POST',
    `${base}/repos/${repo}/issues/${target.prNumber}/comments`,
    { body },
  )
  const { id } = (await created.json()) as { id: number }
  opts.logger.info(
    `Created the plan comment ${id} on pull request #${target.prNumber}`,
  )
  return { action: 'created', id }
}

/** Returns the rel="next" URL of a Link header. */
export function nextLink(header: string | null): string | undefined {
  if (header === null) return undefined
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="next"/.exec(part)
    if (match?.[1] !== undefined) return match[1]
  }
  return undefined
}

/** Posts the comment; a failure is logged as a warning, since the plan itself succeeded. */
export async function commentOnPullRequest(
  target: CommentTarget,
  marker: string,
  markdown: string,
  logger: Logger,
): Promise<CommentResult | undefined> {
  try {
    return await upsertComment(target, marker, markdown, { logger })
  } catch (error) {
    logger.warning(
      `The plan comment on pull request #${target.prNumber} failed: ${errorMessage(error)}`,
    )
    return undefined
  }
}
