import { afterEach, describe, expect, it } from '@jest/globals'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { seedPluginCache } from '../../../local-stack/plugin-cache.js'

const folders: string[] = []
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true })
})

/** Builds a mirror in the unpacked layout with the given packages. */
function mirror(packages: string[]): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'plugin-mirror-'))
  folders.push(root)
  for (const relative of packages) {
    mkdirSync(path.join(root, relative), { recursive: true })
    writeFileSync(path.join(root, relative, 'terraform-provider'), relative)
    writeFileSync(path.join(root, relative, 'LICENSE.txt'), 'license')
  }
  return root
}

function cache(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'plugin-cache-'))
  folders.push(root)
  return root
}

const AWS = 'registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64'
const RANDOM = 'registry.terraform.io/hashicorp/random/3.6.0/linux_amd64'

describe('seedPluginCache', () => {
  it('links every package of the mirror into the cache', () => {
    const source = mirror([AWS, RANDOM])
    const target = cache()
    expect(seedPluginCache(source, target).sort()).toEqual([AWS, RANDOM])
    const file = path.join(target, AWS, 'terraform-provider')
    expect(readFileSync(file, 'utf8')).toBe(AWS)
    // A hard link shares the inode, so seeding copies no bytes.
    expect(statSync(file).ino).toBe(
      statSync(path.join(source, AWS, 'terraform-provider')).ino,
    )
    expect(readdirSync(path.join(target, AWS)).sort()).toEqual([
      'LICENSE.txt',
      'terraform-provider',
    ])
  })

  it('leaves packages already in the cache alone and leaves no temporary folder', () => {
    const source = mirror([AWS, RANDOM])
    const target = cache()
    mkdirSync(path.join(target, AWS), { recursive: true })
    writeFileSync(path.join(target, AWS, 'terraform-provider'), 'cached')
    expect(seedPluginCache(source, target)).toEqual([RANDOM])
    expect(
      readFileSync(path.join(target, AWS, 'terraform-provider'), 'utf8'),
    ).toBe('cached')
    expect(seedPluginCache(source, target)).toEqual([])
    expect(
      readdirSync(
        path.join(target, 'registry.terraform.io/hashicorp/aws/5.100.0'),
      ),
    ).toEqual(['linux_amd64'])
  })

  it('does nothing without a mirror', () => {
    const target = cache()
    expect(seedPluginCache(path.join(target, 'missing'), target)).toEqual([])
    expect(existsSync(path.join(target, 'registry.terraform.io'))).toBe(false)
  })
})
