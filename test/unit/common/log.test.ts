import { afterEach, describe, expect, it, jest } from '@jest/globals'

const printed: string[] = []
let debugOn = true
const record = (kind: string) => (message: string) => {
  printed.push(`${kind} ${message}`)
}
jest.unstable_mockModule('../../../common/runner-commands.js', () => ({
  setSecret: jest.fn(),
  info: record('info'),
  warning: record('warning'),
  error: record('error'),
  debug: record('debug'),
  isDebug: () => debugOn,
  startGroup: record('startGroup'),
  endGroup: () => printed.push('endGroup'),
}))

// Imported after the mock is registered, because ESM imports are resolved
// before the test body runs.
const { actionsLogger, memoryLogger } = await import('../../../common/log.js')
const { maskSecret, resetMasksForTests } =
  await import('../../../common/masking.js')

afterEach(() => {
  printed.length = 0
  debugOn = true
  resetMasksForTests()
})

describe('actionsLogger', () => {
  it('prints each level as a workflow command', () => {
    actionsLogger.info('one')
    actionsLogger.warning('two')
    actionsLogger.error('three')
    actionsLogger.debug('four')
    expect(printed).toEqual([
      'info one',
      'warning two',
      'error three',
      'debug four',
    ])
  })

  it('prints debug lines only when step debug logging is on', () => {
    debugOn = false
    actionsLogger.debug('hidden')
    actionsLogger.info('shown')
    expect(printed).toEqual(['info shown'])
  })

  it('redacts every level', () => {
    maskSecret('swordfish')
    actionsLogger.info('pw swordfish')
    actionsLogger.warning('pw swordfish')
    actionsLogger.error('pw swordfish')
    actionsLogger.debug('pw swordfish')
    expect(printed).toEqual([
      'info pw ***',
      'warning pw ***',
      'error pw ***',
      'debug pw ***',
    ])
  })

  it('stops commands in info text', () => {
    actionsLogger.info('output:\n::set-output name=x::y')
    expect(printed).toHaveLength(3)
    const start = printed[0] ?? ''
    expect(start).toMatch(/^info ::stop-commands::[0-9a-f-]{36}$/)
    const token = start.slice('info ::stop-commands::'.length)
    expect(printed[1]).toBe('info output:\n::set-output name=x::y')
    expect(printed[2]).toBe(`info ::${token}::`)
  })

  it.each([
    ['mid-line', 'S3 returned: ##[set-output name=x;]y'],
    ['on a later line', 'output:\n  ##[add-mask]value'],
  ])('stops commands in ##[ text %s', (_name, message) => {
    // The runner also reads the older '##[name]data' form, found anywhere
    // in a line.
    actionsLogger.info(message)
    expect(printed).toHaveLength(3)
    const start = printed[0] ?? ''
    expect(start).toMatch(/^info ::stop-commands::[0-9a-f-]{36}$/)
    const token = start.slice('info ::stop-commands::'.length)
    expect(printed[1]).toBe(`info ${message}`)
    expect(printed[2]).toBe(`info ::${token}::`)
  })

  it('groups and ends after success', async () => {
    const result = await actionsLogger.group('Deploy secret-xyz1', async () => {
      actionsLogger.info('inside')
      return 7
    })
    expect(result).toBe(7)
    expect(printed).toEqual([
      'startGroup Deploy secret-xyz1',
      'info inside',
      'endGroup',
    ])
  })

  it('redacts group titles', async () => {
    maskSecret('secret-xyz1')
    await actionsLogger.group('Deploy secret-xyz1', async () => undefined)
    expect(printed[0]).toBe('startGroup Deploy ***')
  })

  it('ends the group after a throw', async () => {
    await expect(
      actionsLogger.group('Fails', async () => {
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(printed).toEqual(['startGroup Fails', 'endGroup'])
  })

  it('prints nested groups as lines', async () => {
    await actionsLogger.group('Outer', async () => {
      await actionsLogger.group('Inner', async () => {
        actionsLogger.info('work')
      })
    })
    expect(printed).toEqual([
      'startGroup Outer',
      'info Inner',
      'info work',
      'endGroup',
    ])
  })
})

describe('memoryLogger', () => {
  it('records lines with level prefixes', async () => {
    const logger = memoryLogger()
    logger.info('a')
    logger.warning('b')
    logger.error('c')
    logger.debug('d')
    await logger.group('g', async () => logger.info('in'))
    expect(logger.lines).toEqual([
      'info: a',
      'warning: b',
      'error: c',
      'debug: d',
      'group: g',
      'info: in',
      'endgroup: g',
    ])
    expect(printed).toEqual([])
  })

  it('redacts recorded lines', () => {
    maskSecret('hunter22')
    const logger = memoryLogger()
    logger.info('pw=hunter22')
    expect(logger.lines).toEqual(['info: pw=***'])
  })

  it('ends groups after a throw', async () => {
    const logger = memoryLogger()
    await expect(
      logger.group('g', async () => {
        throw new Error('x')
      }),
    ).rejects.toThrow('x')
    expect(logger.lines).toEqual(['group: g', 'endgroup: g'])
  })
})
