import { afterAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { listBuildFiles } from '../../../actions/build-artifacts/src/files.js'
import { scanAndHash } from '../../../actions/build-artifacts/src/local-pass.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'local-pass-'))
afterAll(() => rmSync(dir, { recursive: true }))

for (let i = 0; i < 200; i += 1) {
  writeFileSync(path.join(dir, `file-${i}.txt`), `content ${i}\n`)
}

describe('scanAndHash', () => {
  it('computes both digests of every file and keeps small contents', async () => {
    const files = await listBuildFiles(dir)
    const pass = await scanAndHash(files, {
      includeSourceMaps: false,
      keepContentsBelow: 1024,
    })
    expect(pass.digests.size).toBe(200)
    const digests = pass.digests.get('file-7.txt')
    expect(digests?.sha256).toBe(
      createHash('sha256').update('content 7\n').digest('hex'),
    )
    expect(digests?.md5).toBe(
      createHash('md5').update('content 7\n').digest('hex'),
    )
    expect(digests?.content?.toString()).toBe('content 7\n')
    expect(pass.findings).toEqual([])
  })

  it('lets the event loop run while it reads small files', async () => {
    const files = await listBuildFiles(dir)
    let turns = 0
    let running = true
    const tick = () => {
      if (!running) return
      turns += 1
      setImmediate(tick)
    }
    setImmediate(tick)
    await scanAndHash(files, { includeSourceMaps: false })
    running = false
    // 200 files, a pause every 32: at least 6 turns of the loop.
    expect(turns).toBeGreaterThanOrEqual(6)
  })
})
