/**
 * A local stand-in for an Application Load Balancer listener: an HTTP server
 * on 127.0.0.1 that forwards each request to a target registered in moto.
 *
 * Every `refreshMs` the router reads the listener's default action through
 * the ELBv2 API (DescribeListeners) and the health of each of its target
 * groups (DescribeTargetHealth). For each request it picks a target group
 * of the forward action by weight, with smooth weighted round-robin: 50/50
 * alternates, and 100/0 never picks the second group. Then it takes the
 * next healthy target of that group in turn and proxies the request
 * (method, path, query, headers and body) to the target's address and
 * port. It adds X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Port as
 * an ALB does.
 *
 * - A group whose targets are all unhealthy is skipped and another group
 *   with a weight above 0 serves the request. With no healthy target in
 *   any such group the router returns 503.
 *   NOTE: an ALB fails open in that case and routes to unhealthy targets.
 * - Only targets whose Id is an IPv4 loopback address (127.0.0.0/8) are
 *   used, so the router never connects off this machine. The ECS engine's
 *   process backend registers such targets, the simulated backend
 *   registers 10.x addresses, which are skipped.
 * - A request that fails after it reached a target returns 502 and is not
 *   retried.
 */
import {
  DescribeListenersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import http from 'node:http'
import net from 'node:net'

export interface RouterOptions {
  /** moto endpoint, such as http://127.0.0.1:40123 (loopback only). */
  endpoint: string
  region: string
  credentials?: { accessKeyId: string; secretAccessKey: string }
  listenerArn: string
  host?: '127.0.0.1'
  /** Port to listen on. 0 (the default) picks a free port. */
  port?: number
  /** Interval between reads of the listener and target health, in ms (default 250). */
  refreshMs?: number
  /** Colour of each target group by ARN. By default it is read from names ending in -blue or -green. */
  colours?: Record<string, string>
  log?: (line: string) => void
}

export interface RouterStats {
  /** Requests received. */
  requests: number
  /** Requests forwarded, by target group ARN. */
  byTargetGroup: Record<string, number>
  /** Requests forwarded, by colour ('unknown' when a group has none). */
  byColour: Record<string, number>
  /** Requests that got HTTP 503 because no healthy target was available. */
  noHealthyTarget: number
  /** Requests that got HTTP 502 because the target failed. */
  targetErrors: number
}

export interface Router {
  url: string
  port: number
  stop(): Promise<void>
  stats(): RouterStats
  /** Reads the listener and target health now, without waiting for the next interval. */
  refresh(): Promise<void>
}

interface Target {
  address: string
  port: number
}

interface WeightedGroup {
  arn: string
  colour: string
  weight: number
  targets: Target[]
}

interface GroupCursor {
  current: number
  nextTarget: number
}

const DEFAULT_REFRESH_MS = 250
// Hop-by-hop headers (RFC 9110 section 7.6.1) are not forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

function isLoopbackIpv4(address: string): boolean {
  return net.isIPv4(address) && address.startsWith('127.')
}

function checkEndpoint(endpoint: string): void {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new Error(
      `startRouter: endpoint "${endpoint}" is not a URL; pass the moto endpoint, such as http://127.0.0.1:4566.`,
    )
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (!(host === 'localhost' || isLoopbackIpv4(host) || host === '::1')) {
    throw new Error(
      `startRouter: endpoint "${endpoint}" is not on this machine; pass a loopback moto endpoint.`,
    )
  }
}

/** Target groups and weights of a listener's default forward action. */
export function forwardGroups(
  actions: Action[],
): Array<{ arn: string; weight: number }> {
  const forward = actions.find((action) => action.Type === 'forward')
  if (forward === undefined) return []
  const weighted = forward.ForwardConfig?.TargetGroups ?? []
  if (weighted.length > 0) {
    return weighted.map((group) => ({
      arn: group.TargetGroupArn ?? '',
      weight: group.Weight ?? 1,
    }))
  }
  return forward.TargetGroupArn
    ? [{ arn: forward.TargetGroupArn, weight: 1 }]
    : []
}

function colourFromName(name: string): string {
  return /(?:^|-)(blue|green)$/.exec(name)?.[1] ?? 'unknown'
}

/** Starts the router. It listens once this resolves, after the first read of the listener. */
export async function startRouter(options: RouterOptions): Promise<Router> {
  checkEndpoint(options.endpoint)
  const host = options.host ?? '127.0.0.1'
  if (host !== '127.0.0.1') {
    throw new Error(`startRouter: host "${String(host)}" must be 127.0.0.1.`)
  }
  const refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS
  if (!Number.isFinite(refreshMs) || refreshMs < 10) {
    throw new Error(
      `startRouter: refreshMs=${refreshMs} is invalid; use at least 10 (milliseconds).`,
    )
  }
  const log = options.log ?? (() => undefined)
  const client = new ElasticLoadBalancingV2Client({
    endpoint: options.endpoint,
    region: options.region,
    credentials: options.credentials ?? {
      accessKeyId: 'testing',
      secretAccessKey: 'testing',
    },
  })

  const colours = new Map(Object.entries(options.colours ?? {}))
  let groups: WeightedGroup[] = []
  const cursors = new Map<string, GroupCursor>()
  const stats: RouterStats = {
    requests: 0,
    byTargetGroup: {},
    byColour: {},
    noHealthyTarget: 0,
    targetErrors: 0,
  }
  let lastRouting = ''
  let lastError = ''

  async function colourOf(arn: string): Promise<string> {
    const known = colours.get(arn)
    if (known !== undefined) return known
    const described = await client.send(
      new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] }),
    )
    const colour = colourFromName(
      described.TargetGroups?.[0]?.TargetGroupName ?? '',
    )
    colours.set(arn, colour)
    return colour
  }

  async function readRouting(): Promise<WeightedGroup[]> {
    const listeners = await client.send(
      new DescribeListenersCommand({ ListenerArns: [options.listenerArn] }),
    )
    const listener = listeners.Listeners?.[0]
    if (listener === undefined) {
      throw new Error(`listener ${options.listenerArn} not found`)
    }
    const read: WeightedGroup[] = []
    for (const { arn, weight } of forwardGroups(
      listener.DefaultActions ?? [],
    )) {
      const health = await client.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: arn }),
      )
      const targets: Target[] = []
      for (const description of health.TargetHealthDescriptions ?? []) {
        const id = description.Target?.Id ?? ''
        const port = description.Target?.Port
        if (
          description.TargetHealth?.State === 'healthy' &&
          port !== undefined &&
          isLoopbackIpv4(id)
        ) {
          targets.push({ address: id, port })
        }
      }
      read.push({ arn, colour: await colourOf(arn), weight, targets })
    }
    return read
  }

  async function refresh(): Promise<void> {
    try {
      const next = await readRouting()
      groups = next
      lastError = ''
      const summary = next
        .map(
          (group) =>
            `${group.colour} ${group.weight} (${group.targets.length} healthy)`,
        )
        .join(', ')
      if (summary !== lastRouting) {
        log(`router: routing now ${summary || 'to no target group'}`)
        lastRouting = summary
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      // Logged when the error changes, not on every interval.
      if (message !== lastError) {
        log(
          `router: reading listener ${options.listenerArn} failed, keeping the previous routing: ${message}`,
        )
        lastError = message
      }
      throw error
    }
  }

  function pickGroup(): WeightedGroup | undefined {
    // Smooth weighted round-robin over the groups that can serve now.
    const candidates = groups.filter(
      (group) => group.weight > 0 && group.targets.length > 0,
    )
    if (candidates.length === 0) return undefined
    const total = candidates.reduce((sum, group) => sum + group.weight, 0)
    let best: { group: WeightedGroup; cursor: GroupCursor } | undefined
    for (const group of candidates) {
      let cursor = cursors.get(group.arn)
      if (cursor === undefined) {
        cursor = { current: 0, nextTarget: 0 }
        cursors.set(group.arn, cursor)
      }
      cursor.current += group.weight
      if (best === undefined || cursor.current > best.cursor.current) {
        best = { group, cursor }
      }
    }
    if (best === undefined) return undefined
    best.cursor.current -= total
    return best.group
  }

  function pickTarget(group: WeightedGroup): Target {
    const cursor = cursors.get(group.arn) ?? { current: 0, nextTarget: 0 }
    const target = group.targets[cursor.nextTarget % group.targets.length]
    cursor.nextTarget = (cursor.nextTarget + 1) % group.targets.length
    // pickGroup only returns groups with at least one target.
    return target as Target
  }

  function forward(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): void {
    stats.requests += 1
    const group = pickGroup()
    if (group === undefined) {
      stats.noHealthyTarget += 1
      request.resume()
      response.writeHead(503, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          message: 'No healthy target in the target groups of the listener.',
        }),
      )
      return
    }
    const target = pickTarget(group)
    stats.byTargetGroup[group.arn] = (stats.byTargetGroup[group.arn] ?? 0) + 1
    stats.byColour[group.colour] = (stats.byColour[group.colour] ?? 0) + 1

    const headers: http.OutgoingHttpHeaders = {}
    for (const [name, value] of Object.entries(request.headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value
    }
    const client = request.socket.remoteAddress ?? ''
    const forwardedFor = request.headers['x-forwarded-for']
    headers['x-forwarded-for'] = forwardedFor
      ? `${String(forwardedFor)}, ${client}`
      : client
    headers['x-forwarded-proto'] = 'http'
    headers['x-forwarded-port'] = String(request.socket.localPort ?? '')

    const upstream = http.request(
      {
        host: target.address,
        port: target.port,
        method: request.method,
        path: request.url,
        headers,
        agent: false,
      },
      (reply) => {
        const replyHeaders: http.OutgoingHttpHeaders = {}
        for (const [name, value] of Object.entries(reply.headers)) {
          if (!HOP_BY_HOP.has(name) && value !== undefined) {
            replyHeaders[name] = value
          }
        }
        response.writeHead(reply.statusCode ?? 502, replyHeaders)
        reply.pipe(response)
        reply.on('error', () => response.destroy())
      },
    )
    upstream.on('error', (error) => {
      stats.targetErrors += 1
      log(
        `router: ${request.method} ${request.url} to ${target.address}:${target.port} (${group.colour}) failed: ${error.message}`,
      )
      if (!response.headersSent) {
        response.writeHead(502, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ message: 'The target failed.' }))
      } else {
        response.destroy()
      }
    })
    // A client that goes away ends the request to the target too.
    response.on('close', () => {
      if (!response.writableFinished) upstream.destroy()
    })
    request.pipe(upstream)
  }

  await refresh().catch((error: unknown) => {
    client.destroy()
    throw new Error(
      `startRouter: cannot read listener ${options.listenerArn} from ${options.endpoint}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    )
  })

  const server = http.createServer(forward)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  log(`router: listening on http://${host}:${port} for ${options.listenerArn}`)

  let refreshing = false
  const timer = setInterval(() => {
    if (refreshing) return
    refreshing = true
    refresh()
      .catch(() => undefined)
      .finally(() => {
        refreshing = false
      })
  }, refreshMs)

  return {
    url: `http://${host}:${port}`,
    port,
    stats: () => structuredClone(stats),
    refresh,
    async stop() {
      clearInterval(timer)
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      client.destroy()
      log(`router: stopped (${stats.requests} requests)`)
    },
  }
}
