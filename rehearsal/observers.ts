/**
 * Observers of the rehearsal outside the workflow: the production
 * listener's blue/green weights over time, the version that responds
 * through the router, and the version of the published index.html.
 */
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { setTimeout as sleep } from 'node:timers/promises'

export interface AwsTarget {
  endpoint: string
  region: string
}

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' }

function elbv2(target: AwsTarget): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({
    endpoint: target.endpoint,
    region: target.region,
    credentials,
  })
}

/** One weight change of the production listener. */
export interface WeightSample {
  at: string
  /** Weight by colour (`blue`, `green`, or the target group name). */
  weights: Record<string, number>
}

/** Colour of a target group from its name (`...-blue` or `...-blue-<suffix>`), else the name. */
export function colourOf(name: string): string {
  const match = /-(blue|green)(-[a-z0-9]+)?$/.exec(name)
  return match ? match[1]! : name
}

/** Colour of each target group of the listener's forward action, by ARN. */
export async function targetGroupColours(
  target: AwsTarget,
  listenerArn: string,
): Promise<Record<string, string>> {
  const client = elbv2(target)
  try {
    const listeners = await client.send(
      new DescribeListenersCommand({ ListenerArns: [listenerArn] }),
    )
    const arns = (listeners.Listeners?.[0]?.DefaultActions ?? [])
      .flatMap((action) => action.ForwardConfig?.TargetGroups ?? [])
      .map((group) => group.TargetGroupArn)
      .filter((arn): arn is string => Boolean(arn))
    const described = await client.send(
      new DescribeTargetGroupsCommand({ TargetGroupArns: arns }),
    )
    const colours: Record<string, string> = {}
    for (const group of described.TargetGroups ?? []) {
      colours[group.TargetGroupArn!] = colourOf(group.TargetGroupName ?? '')
    }
    return colours
  } finally {
    client.destroy()
  }
}

/**
 * Waits until the load balancer named `<namePrefix>...` has a listener that
 * forwards to two target groups, and returns that listener's ARN. Returns
 * undefined when `signal` aborts first.
 */
export async function waitForListener(opts: {
  target: AwsTarget
  /** Load balancer name prefix, such as notes-staging. */
  namePrefix: string
  signal: AbortSignal
  pollMs?: number
}): Promise<string | undefined> {
  const client = elbv2(opts.target)
  try {
    while (!opts.signal.aborted) {
      const balancers = await client
        .send(new DescribeLoadBalancersCommand({}))
        .catch(() => ({ LoadBalancers: [] }))
      for (const balancer of balancers.LoadBalancers ?? []) {
        if (!balancer.LoadBalancerName?.startsWith(opts.namePrefix)) continue
        const listeners = await client.send(
          new DescribeListenersCommand({
            LoadBalancerArn: balancer.LoadBalancerArn,
          }),
        )
        const production = (listeners.Listeners ?? []).find(
          (listener) =>
            (listener.DefaultActions ?? []).some(
              (action) =>
                (action.ForwardConfig?.TargetGroups?.length ?? 0) >= 2,
            ) && [80, 443].includes(listener.Port ?? 0),
        )
        if (production?.ListenerArn) return production.ListenerArn
      }
      await sleep(opts.pollMs ?? 1_000, undefined, {
        signal: opts.signal,
      }).catch(() => undefined)
    }
    return undefined
  } finally {
    client.destroy()
  }
}

/** Reads the listener's forward weights by colour. */
export async function readWeights(
  target: AwsTarget,
  listenerArn: string,
): Promise<Record<string, number>> {
  const client = elbv2(target)
  try {
    const listeners = await client.send(
      new DescribeListenersCommand({ ListenerArns: [listenerArn] }),
    )
    const action = (listeners.Listeners?.[0]?.DefaultActions ?? []).find(
      (candidate) => candidate.ForwardConfig?.TargetGroups,
    )
    const groups = action?.ForwardConfig?.TargetGroups ?? []
    const arns = groups.map((group) => group.TargetGroupArn!).filter(Boolean)
    const names = new Map<string, string>()
    if (arns.length > 0) {
      const described = await client.send(
        new DescribeTargetGroupsCommand({ TargetGroupArns: arns }),
      )
      for (const group of described.TargetGroups ?? []) {
        names.set(group.TargetGroupArn!, group.TargetGroupName ?? '')
      }
    }
    const weights: Record<string, number> = {}
    for (const group of groups) {
      const name = names.get(group.TargetGroupArn ?? '') ?? 'unknown'
      weights[colourOf(name)] = group.Weight ?? 0
    }
    return weights
  } finally {
    client.destroy()
  }
}

/** Polls the listener's weights and records every change, until stopped. */
export function sampleWeights(opts: {
  target: AwsTarget
  listenerArn: string
  intervalMs?: number
  onChange?: (sample: WeightSample) => void
}): { stop(): Promise<WeightSample[]> } {
  const samples: WeightSample[] = []
  const controller = new AbortController()
  let last = ''
  const loop = (async () => {
    while (!controller.signal.aborted) {
      try {
        const weights = await readWeights(opts.target, opts.listenerArn)
        const key = JSON.stringify(weights)
        if (key !== last) {
          last = key
          const sample = { at: new Date().toISOString(), weights }
          samples.push(sample)
          opts.onChange?.(sample)
        }
      } catch {
        // moto busy or stopping: the next poll tries again.
      }
      await sleep(opts.intervalMs ?? 500, undefined, {
        signal: controller.signal,
      }).catch(() => undefined)
    }
  })()
  return {
    stop: async () => {
      controller.abort()
      await loop
      return samples
    },
  }
}

/**
 * Sends `count` GET requests to `<routerUrl>/healthz` and counts the
 * version of each response (or its status when it is not 200).
 */
export async function probeVersions(
  routerUrl: string,
  count = 20,
): Promise<Record<string, number>> {
  const responses: Record<string, number> = {}
  for (let index = 0; index < count; index += 1) {
    let key: string
    try {
      const response = await fetch(`${routerUrl}/healthz`, {
        signal: AbortSignal.timeout(5_000),
      })
      const body = (await response.json().catch(() => ({}))) as {
        version?: unknown
      }
      key =
        response.status === 200
          ? String(body.version ?? '(no version)')
          : `HTTP ${response.status}`
    } catch (error) {
      key = error instanceof Error ? error.message : String(error)
    }
    responses[key] = (responses[key] ?? 0) + 1
  }
  return responses
}

/** Reads `index.html` of the frontend bucket and returns its `version` meta tag. */
export async function publishedIndexVersion(
  target: AwsTarget,
  bucket: string,
): Promise<string | undefined> {
  const client = new S3Client({
    endpoint: target.endpoint,
    region: target.region,
    credentials,
    forcePathStyle: true,
  })
  try {
    const object = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'index.html' }),
    )
    const html = (await object.Body?.transformToString('utf8')) ?? ''
    return /<meta name="version" content="([^"]*)"/.exec(html)?.[1]
  } catch (error) {
    // moto returns 404 for a missing key and, for some requests, no error
    // code, which the SDK reports as UnknownError.
    const status = (error as { $metadata?: { httpStatusCode?: number } })
      .$metadata?.httpStatusCode
    if (status === 404) return undefined
    throw error
  } finally {
    client.destroy()
  }
}
