import dns from 'node:dns'
import http from 'node:http'
import net from 'node:net'
import { describe, expect, it } from '@jest/globals'
import {
  isLoopbackHost,
  LoopbackViolationError,
  loopbackViolations,
} from '../../helpers/loopback-only.js'
import { motoEndpoint } from '../../helpers/stack.js'

// 192.0.2.0/24 (TEST-NET-1) and .invalid names are reserved for
// documentation; the guard rejects them before any packet or query.
const REMOTE_ADDRESS = '192.0.2.10'
const REMOTE_NAME = 'kit-loopback-test.invalid'

describe('loopback guard', () => {
  it('rejects a remote socket connect', () => {
    const before = loopbackViolations().length
    expect(() => net.connect(80, REMOTE_ADDRESS)).toThrow(
      LoopbackViolationError,
    )
    expect(loopbackViolations().length).toBe(before + 1)
    expect(loopbackViolations().at(-1)?.host).toBe(REMOTE_ADDRESS)
  })

  it('rejects remote HTTP requests', async () => {
    expect(() => http.get(`http://${REMOTE_NAME}/`)).toThrow(
      LoopbackViolationError,
    )
    const before = loopbackViolations().length
    const failure = await fetch(`http://${REMOTE_ADDRESS}/`).catch(
      (error: unknown) => error,
    )
    // fetch rejects with a TypeError from Node's realm, not jest's, whose
    // cause is a new Error made from the guard's message.
    expect((failure as Error).name).toBe('TypeError')
    expect(String((failure as Error).cause)).toMatch(
      /LoopbackViolationError: Blocked connection of '192\.0\.2\.10'/,
    )
    expect(
      loopbackViolations()
        .slice(before)
        .map((v) => v.host),
    ).toEqual([REMOTE_ADDRESS])
  })

  it('rejects remote name look-ups', async () => {
    await expect(async () => dns.promises.lookup(REMOTE_NAME)).rejects.toThrow(
      LoopbackViolationError,
    )
    expect(() => dns.lookup(REMOTE_NAME, () => {})).toThrow(
      LoopbackViolationError,
    )
    await expect(async () =>
      dns.promises.resolve4('localhost'),
    ).rejects.toThrow(/DNS query/)
  })

  it('allows loopback and localhost', async () => {
    const response = await fetch(`${motoEndpoint()}/moto-api/data.json`)
    expect(response.status).toBe(200)
    await response.body?.cancel()
    const local = await dns.promises.lookup('localhost')
    expect(isLoopbackHost(local.address)).toBe(true)
  })

  it.each([
    ['127.0.0.1', true],
    ['127.10.0.3', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['0.0.0.0', false],
    ['10.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['example.localhost', false],
    ['169.254.169.254', false],
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com', false],
  ])('classifies %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected)
  })
})
