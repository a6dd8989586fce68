// A stand-in for the part of GitHub's REST API that the plan comment uses,
// following its documented behaviour for issue comments: list with
// per_page/page and a Link header, create (201), update by id (200, 404 for
// an unknown id), 401 for a wrong token, 422 for a body over 65536
// characters. Listens on 127.0.0.1 only.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface StoredComment {
  id: number
  issue: number
  body: string
  created_at: string
  updated_at: string
}

export interface GitHubStandIn {
  url: string
  comments: StoredComment[]
  requests: string[]
  close(): Promise<void>
}

const MAX_BODY = 65_536

export async function startGitHubStandIn(opts: {
  repository: string
  token: string
}): Promise<GitHubStandIn> {
  const comments: StoredComment[] = []
  const requests: string[] = []
  let nextId = 1000
  const server: Server = createServer((request, response) => {
    let raw = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => (raw += chunk))
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1')
      requests.push(`${request.method} ${url.pathname}${url.search}`)
      const send = (status: number, body: unknown, headers = {}) => {
        response.writeHead(status, {
          'Content-Type': 'application/json; charset=utf-8',
          ...headers,
        })
        response.end(JSON.stringify(body))
      }
      if (request.headers.authorization !== `Bearer ${opts.token}`) {
        send(401, { message: 'Bad credentials' })
        return
      }
      const prefix = `/repos/${opts.repository}/issues`
      const list = new RegExp(`^${prefix}/(\\d+)/comments$`).exec(url.pathname)
      const one = new RegExp(`^${prefix}/comments/(\\d+)$`).exec(url.pathname)
      const bodyOf = (): string | undefined => {
        try {
          const parsed = JSON.parse(raw) as { body?: unknown }
          return typeof parsed.body === 'string' ? parsed.body : undefined
        } catch {
          return undefined
        }
      }
      const now = new Date().toISOString()
      if (list && request.method === 'GET') {
        const issue = Number(list[1])
        const perPage = Math.min(
          100,
          Number(url.searchParams.get('per_page') ?? 30),
        )
        const page = Number(url.searchParams.get('page') ?? 1)
        const all = comments.filter((comment) => comment.issue === issue)
        const slice = all.slice((page - 1) * perPage, page * perPage)
        const headers: Record<string, string> = {}
        if (page * perPage < all.length) {
          const next = new URL(url)
          next.searchParams.set('page', String(page + 1))
          headers.Link = `<http://127.0.0.1:${(server.address() as AddressInfo).port}${next.pathname}${next.search}>; rel="next"`
        }
        send(200, slice, headers)
        return
      }
      if (list && request.method === 'POST') {
        const body = bodyOf()
        if (body === undefined || body.length > MAX_BODY) {
          send(422, { message: 'Validation Failed' })
          return
        }
        const comment = {
          id: nextId++,
          issue: Number(list[1]),
          body,
          created_at: now,
          updated_at: now,
        }
        comments.push(comment)
        send(201, comment)
        return
      }
      if (one && request.method === 'PATCH') {
        const comment = comments.find((item) => item.id === Number(one[1]))
        const body = bodyOf()
        if (comment === undefined) {
          send(404, { message: 'Not Found' })
          return
        }
        if (body === undefined || body.length > MAX_BODY) {
          send(422, { message: 'Validation Failed' })
          return
        }
        comment.body = body
        comment.updated_at = now
        send(200, comment)
        return
      }
      send(404, { message: 'Not Found' })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    comments,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  }
}
