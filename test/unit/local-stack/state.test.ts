import { describe, expect, it } from '@jest/globals'
import { stackEnvFor, type StackState } from '../../../local-stack/state.js'

function state(): StackState {
  const service = { pid: 1, port: 1, log: '/x.log', marker: '/x' }
  return {
    version: 1,
    stateDir: '/repo/.stack',
    cacheDir: '/repo/.stack/cache',
    ownerPid: 1,
    boundToOwner: true,
    startedAt: '2026-01-01T00:00:00.000Z',
    startupMs: 1,
    moto: [
      { ...service, port: 5001, endpoint: 'http://127.0.0.1:5001' },
      { ...service, port: 5002, endpoint: 'http://127.0.0.1:5002' },
    ],
    registry: { ...service, port: 5100, address: '127.0.0.1:5100' },
    baseImage: 'localhost/kit-node-base:20',
    binDir: '/repo/.stack/bin',
    env: { AWS_REGION: 'us-east-1', KIT_LOCAL_REGISTRY: '127.0.0.1:5100' },
  }
}

describe('stackEnvFor', () => {
  it('points at the chosen moto server', () => {
    expect(stackEnvFor(state(), 0, {}).AWS_ENDPOINT_URL).toBe(
      'http://127.0.0.1:5001',
    )
    expect(stackEnvFor(state(), 1, {}).AWS_ENDPOINT_URL).toBe(
      'http://127.0.0.1:5002',
    )
  })

  it('rejects a missing moto server', () => {
    expect(() => stackEnvFor(state(), 2, {})).toThrow(
      /has 2 moto server\(s\); there is no server 2/,
    )
  })

  it('drops profiles and other endpoints', () => {
    const env = stackEnvFor(state(), 0, {
      AWS_PROFILE: 'prod',
      AWS_SESSION_TOKEN: 'token',
      AWS_ENDPOINT_URL_S3: 'https://s3.example.com',
      HOME: '/root',
    })
    expect(env.AWS_PROFILE).toBeUndefined()
    expect(env.AWS_SESSION_TOKEN).toBeUndefined()
    expect(env.AWS_ENDPOINT_URL_S3).toBeUndefined()
    expect(env.HOME).toBe('/root')
    expect(env.KIT_LOCAL_REGISTRY).toBe('127.0.0.1:5100')
  })

  it('puts the bin folder first', () => {
    const env = stackEnvFor(state(), 0, { PATH: '/usr/local/bin:/usr/bin' })
    expect(env.PATH).toBe('/repo/.stack/bin:/usr/local/bin:/usr/bin')
  })

  it('adds loopback to NO_PROXY', () => {
    const env = stackEnvFor(state(), 0, { NO_PROXY: 'internal.example' })
    expect(env.NO_PROXY).toBe('internal.example,127.0.0.1,localhost')
    expect(env.no_proxy).toBe(env.NO_PROXY)
  })
})
