// Jest setup file: every test process may talk to this machine only.
//
// Name look-ups (dns.lookup, dns.promises.lookup, the dns resolve* family)
// and socket connects (net.Socket.prototype.connect, which http, https, tls
// and fetch all go through) are checked before anything is sent. A host
// that is not a loopback address or 'localhost' throws a
// LoopbackViolationError, so the call that made the request fails the test.
// Each violation is also recorded (see loopbackViolations()) and printed,
// for code that catches the error and carries on.
import dns from 'node:dns'
import net from 'node:net'
import { syncBuiltinESMExports } from 'node:module'

export class LoopbackViolationError extends Error {
  readonly host: string

  constructor(host: string, what: string) {
    super(
      `Blocked ${what} of '${host}': tests may reach only 127.0.0.0/8, ::1 and 'localhost'. ` +
        'Point the code under test at a local server, or inject a fake resolver to test look-up failures.',
    )
    this.name = 'LoopbackViolationError'
    this.host = host
  }
}

interface GuardState {
  installed: boolean
  violations: LoopbackViolationError[]
}

// Kept on globalThis so that a test importing this module again shares the
// state with the copy jest loaded as a setup file.
const STATE_KEY = Symbol.for('aws-deploy-kit.loopback-only')
const globals = globalThis as unknown as Record<symbol, GuardState | undefined>
const state: GuardState = (globals[STATE_KEY] ??= {
  installed: false,
  violations: [],
})

/** Violations seen in this test process so far, oldest first. */
export function loopbackViolations(): readonly LoopbackViolationError[] {
  return state.violations
}

/** True for 127.0.0.0/8, ::1 (also IPv4-mapped 127.x) and the name 'localhost'. */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase()
  if (name === 'localhost') return true
  const family = net.isIP(name)
  if (family === 4) return name.startsWith('127.')
  if (family === 6) {
    if (name === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(name)) return true
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(name)
    return mapped?.[1] !== undefined && mapped[1].startsWith('127.')
  }
  return false
}

function reject(host: string, what: string): never {
  const error = new LoopbackViolationError(host, what)
  state.violations.push(error)
  process.stderr.write(`${error.stack ?? error.message}\n`)
  throw error
}

function checkHost(host: unknown, what: string): void {
  if (typeof host !== 'string') return
  if (!isLoopbackHost(host)) reject(host, what)
}

/** Host of a net.Socket#connect call, or undefined for a Unix socket path. */
function connectHost(args: unknown[]): string | undefined {
  const [first, second] = args
  if (Array.isArray(first)) return connectHost(first)
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: unknown; path?: unknown }
    if (typeof options.path === 'string') return undefined
    return typeof options.host === 'string' ? options.host : 'localhost'
  }
  if (typeof first === 'number' || /^\d+$/.test(String(first))) {
    return typeof second === 'string' ? second : 'localhost'
  }
  // A string that is not a port is a Unix socket path.
  return undefined
}

const RESOLVE_METHODS = [
  'resolve',
  'resolve4',
  'resolve6',
  'resolveAny',
  'resolveCaa',
  'resolveCname',
  'resolveMx',
  'resolveNaptr',
  'resolveNs',
  'resolvePtr',
  'resolveSoa',
  'resolveSrv',
  'resolveTxt',
  'reverse',
] as const

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown

function wrapLookup(target: object, key: string, what: string): void {
  const holder = target as Record<string, AnyFunction | undefined>
  const original = holder[key]
  if (typeof original !== 'function') return
  holder[key] = function guarded(this: unknown, ...args: unknown[]) {
    checkHost(args[0], what)
    return original.apply(this, args)
  }
}

/** Host part of a DNS server entry such as '127.0.0.1:5353' or '[::1]:53'. */
function serverHost(server: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(server)
  if (bracketed?.[1] !== undefined) return bracketed[1]
  return net.isIP(server) ? server : server.replace(/:\d+$/, '')
}

// The resolve* methods send queries to the configured DNS servers even for
// 'localhost', so they are allowed only when every server is on loopback
// (a test may run its own DNS server and call setServers()).
function wrapResolve(target: object, key: string): void {
  const holder = target as Record<string, AnyFunction | undefined>
  const original = holder[key]
  if (typeof original !== 'function') return
  holder[key] = function guarded(this: unknown, ...args: unknown[]) {
    const source =
      this !== null && typeof this === 'object' && 'getServers' in this
        ? (this as { getServers(): string[] })
        : dns
    const remote = source
      .getServers()
      .find((s) => !isLoopbackHost(serverHost(s)))
    if (remote !== undefined) {
      reject(String(args[0]), `DNS query (server ${remote})`)
    }
    return original.apply(this, args)
  }
}

function install(): void {
  if (state.installed) return
  state.installed = true

  wrapLookup(dns, 'lookup', 'DNS look-up')
  wrapLookup(dns.promises, 'lookup', 'DNS look-up')
  for (const method of RESOLVE_METHODS) {
    wrapResolve(dns, method)
    wrapResolve(dns.promises, method)
    wrapResolve(dns.Resolver.prototype, method)
    wrapResolve(dns.promises.Resolver.prototype, method)
  }

  const socketProto = net.Socket.prototype as unknown as Record<
    string,
    AnyFunction
  >
  const originalConnect = socketProto.connect as AnyFunction
  socketProto.connect = function guardedConnect(
    this: unknown,
    ...args: unknown[]
  ) {
    const host = connectHost(args)
    if (host !== undefined) checkHost(host, 'connection')
    return originalConnect.apply(this, args)
  }

  // ESM named imports of node:dns read a copy of the exports; refresh it.
  syncBuiltinESMExports()
}

install()
