import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  writeRegistriesConfig,
  writeRegistryConfig,
  writeStorageConfig,
  writeTerraformConfig,
} from '../../../local-stack/config-files.js'

describe('local stack config files', () => {
  let folder: string
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'kit-config-'))
  })
  afterEach(() => rmSync(folder, { recursive: true, force: true }))

  const read = (name: string) => readFileSync(join(folder, name), 'utf8')

  it('registry listens on loopback', () => {
    writeRegistryConfig(join(folder, 'registry.yml'), {
      port: 5123,
      storageDir: '/data/reg "x"',
    })
    const text = read('registry.yml')
    expect(text).toContain('addr: "127.0.0.1:5123"')
    expect(text).toContain('rootdirectory: "/data/reg \\"x\\""')
  })

  it('registries config marks local insecure', () => {
    writeRegistriesConfig(join(folder, 'registries.conf'), {
      registryPort: 5123,
    })
    const text = read('registries.conf')
    expect(text).toContain('unqualified-search-registries = []')
    expect(text).toMatch(/location = "127\.0\.0\.1:5123"\ninsecure = true/)
    expect(text).toMatch(
      /prefix = "docker\.io"\nlocation = "docker\.io"\nblocked = true/,
    )
    expect(text).toMatch(/prefix = "\*\.amazonaws\.com"\nblocked = true/)
  })

  it('storage config uses vfs', () => {
    writeStorageConfig(join(folder, 'storage.conf'), {
      runRoot: '/c/run',
      graphRoot: '/c/storage',
    })
    expect(read('storage.conf')).toBe(
      '[storage]\ndriver = "vfs"\nrunroot = "/c/run"\ngraphroot = "/c/storage"\n',
    )
  })

  it('terraform config excludes the registry', () => {
    writeTerraformConfig(join(folder, 'terraformrc'), {
      mirrorDir: '/opt/tf-plugins',
    })
    const text = read('terraformrc')
    expect(text).toMatch(
      /filesystem_mirror \{\n\s+path\s+= "\/opt\/tf-plugins"/,
    )
    expect(text).toMatch(
      /direct \{\n\s+exclude = \["registry\.terraform\.io\/\*\/\*"\]/,
    )
    expect(text).not.toContain('plugin_cache_dir')
    expect(text).toContain('disable_checkpoint = true')
  })
})
