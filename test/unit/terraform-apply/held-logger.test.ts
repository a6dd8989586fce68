import { describe, expect, it } from '@jest/globals'
import { memoryLogger } from '../../../common/log.js'
import { maskSecret } from '../../../common/masking.js'
import { HeldLogger } from '../../../actions/terraform-apply/src/held-logger.js'

describe('HeldLogger', () => {
  it('holds lines until release', () => {
    const target = memoryLogger()
    const held = new HeldLogger(target)
    held.info('first')
    held.warning('second')
    expect(target.lines).toEqual([])
    held.release()
    expect(target.lines).toEqual(['info: first', 'warning: second'])
  })

  it('passes lines through after release', () => {
    const target = memoryLogger()
    const held = new HeldLogger(target)
    held.info('before')
    held.release()
    held.info('after')
    held.error('failed')
    expect(target.lines).toEqual([
      'info: before',
      'info: after',
      'error: failed',
    ])
  })

  it('masks secrets registered before release', () => {
    const target = memoryLogger()
    const held = new HeldLogger(target)
    held.info('password = "Held-Secret-3e9a"')
    maskSecret('Held-Secret-3e9a')
    held.release()
    expect(target.lines).toEqual(['info: password = "***"'])
  })

  it('drops output lines when withheld', () => {
    const target = memoryLogger()
    const held = new HeldLogger(target)
    held.info('output one')
    held.warning('timed out')
    held.withhold()
    held.info('output two')
    held.debug('detail')
    held.error('failed')
    expect(target.lines).toEqual(['warning: timed out', 'error: failed'])
    expect(held.withheld).toBe(3)
  })

  it('ignores release after withhold', () => {
    const target = memoryLogger()
    const held = new HeldLogger(target)
    held.info('output')
    held.withhold()
    held.release()
    held.info('later')
    expect(target.lines).toEqual([])
    expect(held.withheld).toBe(2)
  })
})
