import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from '@jest/globals'
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { createAwsClient } from '../../../common/aws-clients.js'
import {
  logTail,
  runTool,
  spawnService,
  stopProcessGroup,
} from '../../../local-stack/processes.js'
import { repoRoot } from '../../../local-stack/state.js'
import { isLoopbackHost } from '../../helpers/loopback-only.js'
import { registryAddress, stackEnv } from '../../helpers/stack.js'

const HOUR_MS = 60 * 60 * 1000

const LAUNCHER = join(repoRoot, 'local-stack', 'moto', 'launcher.py')

async function authorizationData(registryIds?: string[], env = stackEnv()) {
  const ecr = createAwsClient(ECRClient, {
    region: 'us-east-1',
    env,
    maxAttempts: 1,
  })
  try {
    const result = await ecr.send(
      new GetAuthorizationTokenCommand({ registryIds }),
    )
    return result.authorizationData ?? []
  } finally {
    ecr.destroy()
  }
}

describe('moto ECR extension', () => {
  it('returns the local registry', async () => {
    const [data, ...rest] = await authorizationData()
    expect(rest).toHaveLength(0)
    expect(data?.proxyEndpoint).toBe(`http://${registryAddress()}`)
    const host = new URL(data?.proxyEndpoint ?? '').hostname
    expect(isLoopbackHost(host)).toBe(true)
  })

  it('issues a token valid for hours', async () => {
    const [data] = await authorizationData()
    const expiresAt = data?.expiresAt?.getTime() ?? 0
    expect(expiresAt).toBeGreaterThan(Date.now() + 11 * HOUR_MS)
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 12 * HOUR_MS + 60_000)
    const decoded = Buffer.from(
      data?.authorizationToken ?? '',
      'base64',
    ).toString()
    expect(decoded).toBe('AWS:123456789012-auth-token')
  })

  it('answers each requested registry', async () => {
    const data = await authorizationData(['111122223333', '444455556666'])
    expect(data).toHaveLength(2)
    const users = data.map((entry) =>
      Buffer.from(entry.authorizationToken ?? '', 'base64').toString(),
    )
    expect(users).toEqual([
      'AWS:111122223333-auth-token',
      'AWS:444455556666-auth-token',
    ])
    for (const entry of data) {
      expect(entry.proxyEndpoint).toBe(`http://${registryAddress()}`)
    }
  })

  it('token logs docker in', async () => {
    const [data] = await authorizationData()
    const [user, password] = Buffer.from(
      data?.authorizationToken ?? '',
      'base64',
    )
      .toString()
      .split(':')
    const host = new URL(data?.proxyEndpoint ?? '').host
    expect(host).toBe(registryAddress())
    const login = await runTool(
      'sh',
      [
        '-c',
        'printf %s "$PASSWORD" | docker login --username "$USER_NAME" --password-stdin "$HOST"',
      ],
      {
        env: stackEnv({ PASSWORD: password, USER_NAME: user, HOST: host }),
      },
    )
    expect(login.stderr).not.toMatch(/Error/)
    expect(login.exitCode).toBe(0)
  })
})

describe('moto ECR extension settings', () => {
  /** Runs the launcher with KIT_LOCAL_REGISTRY set to `registry` (unset when undefined). */
  async function withLauncher<T>(
    registry: string | undefined,
    fn: (endpoint: string | undefined, log: string) => Promise<T>,
  ): Promise<T> {
    const folder = mkdtempSync(join(tmpdir(), 'kit-moto-ext-'))
    const portFile = join(folder, 'port')
    const log = join(folder, 'moto.log')
    const env = {
      ...process.env,
      KIT_LOCAL_REGISTRY: registry,
      PYTHONDONTWRITEBYTECODE: '1',
    }
    if (registry === undefined) delete env.KIT_LOCAL_REGISTRY
    const server = await spawnService({
      command: process.env.KIT_PYTHON ?? 'python3',
      args: [LAUNCHER, '--port-file', portFile],
      env,
      logFile: log,
      bindToParent: true,
    })
    try {
      const until = Date.now() + 30_000
      while (!existsSync(portFile) && server.exitStatus() === undefined) {
        if (Date.now() > until) throw new Error(`launcher: ${logTail(log)}`)
        await sleep(50)
      }
      const port = existsSync(portFile)
        ? readFileSync(portFile, 'utf8').trim()
        : undefined
      return await fn(port && `http://127.0.0.1:${port}`, log)
    } finally {
      await stopProcessGroup(server.pid, portFile)
      rmSync(folder, { recursive: true, force: true })
    }
  }

  it('rejects a remote registry', async () => {
    await withLauncher('registry.example.com:5000', async (endpoint, log) => {
      expect(endpoint).toBeUndefined()
      expect(logTail(log)).toMatch(
        /KIT_LOCAL_REGISTRY='registry.example.com:5000' is invalid: the host must be a loopback address/,
      )
    })
  })

  it('fails without a registry', async () => {
    await withLauncher(undefined, async (endpoint) => {
      expect(endpoint).toBeDefined()
      await expect(
        authorizationData(undefined, stackEnv({ AWS_ENDPOINT_URL: endpoint })),
      ).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: expect.stringMatching(/KIT_LOCAL_REGISTRY is not set/),
      })
    })
  })
})
