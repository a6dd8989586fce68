import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import http from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  DeregisterTargetsCommand,
  ModifyListenerCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { startRouter, type Router } from '../../../local-stack/router.js'
import {
  createBlueGreenStack,
  type BlueGreenStack,
} from '../../helpers/blue-green-stack.js'
import { motoEndpoint } from '../../helpers/stack.js'

interface Echo {
  colour: string
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
}

interface EchoServer {
  address: string
  port: number
  close(): Promise<void>
}

// A target: returns each request's method, URL, headers and body with its colour.
async function startEcho(address: string, colour: string): Promise<EchoServer> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const echo: Echo = {
        colour,
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }
      response.writeHead(200, {
        'content-type': 'application/json',
        'x-target-colour': colour,
      })
      response.end(JSON.stringify(echo))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, address, resolve))
  const bound = server.address()
  const port = typeof bound === 'object' && bound ? bound.port : 0
  return {
    address,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

let stack: BlueGreenStack
let blue: EchoServer
let green: EchoServer
let router: Router
const routerLog: string[] = []

async function setWeights(blueWeight: number, greenWeight: number) {
  await stack.elbv2.send(
    new ModifyListenerCommand({
      ListenerArn: stack.state.listener_arn,
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              {
                TargetGroupArn: stack.state.blue.target_group_arn,
                Weight: blueWeight,
              },
              {
                TargetGroupArn: stack.state.green.target_group_arn,
                Weight: greenWeight,
              },
              { TargetGroupArn: stack.canaryTargetGroupArn, Weight: 0 },
            ],
          },
        },
      ],
    }),
  )
}

async function colourCounts(requests: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (let i = 0; i < requests; i += 1) {
    const response = await fetch(`${router.url}/api/ping?i=${i}`)
    const colour =
      response.headers.get('x-target-colour') ?? String(response.status)
    await response.arrayBuffer()
    counts[colour] = (counts[colour] ?? 0) + 1
  }
  return counts
}

beforeAll(async () => {
  stack = await createBlueGreenStack({
    weightsNow: { blue: 100, green: 0 },
    blueDesiredCount: 0,
    greenDesiredCount: 0,
  })
  blue = await startEcho('127.0.0.2', 'blue')
  green = await startEcho('127.0.0.3', 'green')
  for (const [group, server] of [
    [stack.state.blue.target_group_arn, blue],
    [stack.state.green.target_group_arn, green],
  ] as const) {
    await stack.elbv2.send(
      new RegisterTargetsCommand({
        TargetGroupArn: group,
        Targets: [{ Id: server.address, Port: server.port }],
      }),
    )
  }
  router = await startRouter({
    endpoint: motoEndpoint(),
    region: 'us-east-1',
    listenerArn: stack.state.listener_arn,
    refreshMs: 100,
    colours: {
      [stack.state.blue.target_group_arn]: 'blue',
      [stack.state.green.target_group_arn]: 'green',
    },
    log: (line) => routerLog.push(line),
  })
})

afterAll(async () => {
  await router?.stop()
  await blue?.close()
  await green?.close()
  stack?.destroy()
})

describe('weighted router', () => {
  it('routes 100/0 to blue only', async () => {
    const before = router.stats()
    const counts = await colourCounts(100)
    expect(counts).toEqual({ blue: 100 })
    const after = router.stats()
    expect(after.requests - before.requests).toBe(100)
    expect(
      (after.byTargetGroup[stack.state.blue.target_group_arn] ?? 0) -
        (before.byTargetGroup[stack.state.blue.target_group_arn] ?? 0),
    ).toBe(100)
    expect(after.byColour.green ?? 0).toBe(0)
  })

  it('splits 50/50 within tolerance', async () => {
    await setWeights(50, 50)
    await router.refresh()
    const counts = await colourCounts(400)
    expect(counts.blue).toBeGreaterThanOrEqual(160)
    expect(counts.blue).toBeLessThanOrEqual(240)
    expect(counts.green).toBeGreaterThanOrEqual(160)
    expect(counts.green).toBeLessThanOrEqual(240)
    expect((counts.blue ?? 0) + (counts.green ?? 0)).toBe(400)
  })

  it('follows a ModifyListener to 0/100', async () => {
    await setWeights(0, 100)
    // The router reads the listener again on its own every refreshMs.
    const until = Date.now() + 10_000
    while (Date.now() < until) {
      const response = await fetch(`${router.url}/`)
      await response.arrayBuffer()
      if (response.headers.get('x-target-colour') === 'green') {
        const again = await fetch(`${router.url}/`)
        await again.arrayBuffer()
        if (again.headers.get('x-target-colour') === 'green') break
      }
      await sleep(50)
    }
    const counts = await colourCounts(100)
    expect(counts).toEqual({ green: 100 })
    expect(routerLog).toContainEqual(expect.stringMatching(/green 100/))
  })

  it('passes method, path, headers and body', async () => {
    const body = JSON.stringify({ note: 'hello', size: 3 })
    const response = await fetch(`${router.url}/api/notes?draft=1&x=%20y`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer test-token',
        'x-request-id': 'req-42',
      },
      body,
    })
    expect(response.status).toBe(200)
    const echo = (await response.json()) as Echo
    expect(echo.method).toBe('POST')
    expect(echo.url).toBe('/api/notes?draft=1&x=%20y')
    expect(echo.body).toBe(body)
    expect(echo.headers['content-type']).toBe('application/json')
    expect(echo.headers.authorization).toBe('Bearer test-token')
    expect(echo.headers['x-request-id']).toBe('req-42')
    expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(echo.headers['x-forwarded-proto']).toBe('http')
    expect(echo.headers['x-forwarded-port']).toBe(String(router.port))
    expect(echo.headers.host).toBe(`127.0.0.1:${router.port}`)
  })

  it('returns 503 without healthy targets', async () => {
    await stack.elbv2.send(
      new DeregisterTargetsCommand({
        TargetGroupArn: stack.state.green.target_group_arn,
        Targets: [{ Id: green.address, Port: green.port }],
      }),
    )
    await router.refresh()
    const before = router.stats().noHealthyTarget
    // Blue has a target but weight 0, so it receives nothing.
    const response = await fetch(`${router.url}/api/ping`)
    expect(response.status).toBe(503)
    expect(await response.text()).toMatch(/No healthy target/)
    expect(router.stats().noHealthyTarget).toBe(before + 1)
  })

  it('rejects an endpoint off this machine', async () => {
    await expect(
      startRouter({
        endpoint: 'http://10.1.2.3:4566',
        region: 'us-east-1',
        listenerArn: stack.state.listener_arn,
      }),
    ).rejects.toThrow(/not on this machine/)
  })

  it('rejects an unknown listener', async () => {
    await expect(
      startRouter({
        endpoint: motoEndpoint(),
        region: 'us-east-1',
        listenerArn: `${stack.state.listener_arn.replace(/[0-9a-f]+$/, '')}0123456789abcdef`,
      }),
    ).rejects.toThrow(/cannot read listener/)
  })
})
