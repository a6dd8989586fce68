// findBinary with the terraform binary on this machine's PATH, run for real
// through `terraform version -json`. The install callback records calls and
// throws, because no case here may install.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runCommand } from '../../../common/exec.js'
import { memoryLogger } from '../../../common/log.js'
import {
  findBinary,
  parseVersionJson,
  type FindBinaryOptions,
} from '../../../actions/terraform-apply/src/terraform-binary.js'
import { findOnPath } from '../../../actions/terraform-apply/src/terraform.js'

const MIRROR = 'http://127.0.0.1:9/terraform'
/** A version that no installed terraform reports. */
const OTHER_VERSION = '0.0.1'

describe('findBinary and release-mirror', () => {
  let terraform: string
  let installedVersion: string
  let emptyFolder: string
  let installs: string[]

  beforeAll(async () => {
    const found = findOnPath('terraform', process.env)
    if (found === undefined) throw new Error('No terraform on PATH')
    terraform = found
    const result = await runCommand(terraform, ['version', '-json'], {
      echo: false,
    })
    installedVersion = parseVersionJson(result.stdout)
    emptyFolder = mkdtempSync(path.join(tmpdir(), 'kit-empty-path-'))
  })

  afterAll(() => {
    rmSync(emptyFolder, { recursive: true, force: true })
  })

  function options(
    overrides: Partial<FindBinaryOptions>,
  ): FindBinaryOptions & { logger: ReturnType<typeof memoryLogger> } {
    installs = []
    return {
      distribution: 'terraform',
      version: installedVersion,
      env: { PATH: path.dirname(terraform), GITHUB_ACTIONS: 'true' },
      runVersion: (binary) =>
        runCommand(binary, ['version', '-json'], { echo: false }),
      install: async (distribution, version) => {
        installs.push(`${distribution} ${version}`)
        throw new Error('install must not be called')
      },
      ...overrides,
      logger: memoryLogger(),
    }
  }

  it('names PATH when the version differs', async () => {
    const opts = options({
      version: OTHER_VERSION,
      releaseMirror: MIRROR,
    })
    const error = await findBinary(opts).then(
      () => new Error('findBinary resolved'),
      (thrown: unknown) => thrown as Error,
    )
    expect(error.message).toContain(
      `${terraform} is terraform ${installedVersion}, but terraform-version is ${OTHER_VERSION}.`,
    )
    expect(error.message).toContain(
      `release-mirror is not used because ${terraform} was found on PATH`,
    )
    expect(error.message).toContain('remove terraform from PATH')
    expect(opts.logger.lines).toContain(
      `warning: release-mirror is not used because ${terraform} was found on PATH. The action installs terraform only when terraform-binary is empty, no terraform is on PATH and GITHUB_ACTIONS is "true".`,
    )
    expect(installs).toEqual([])
  })

  it('names a runner without GITHUB_ACTIONS', async () => {
    const opts = options({
      env: { PATH: emptyFolder },
      releaseMirror: MIRROR,
    })
    await expect(findBinary(opts)).rejects.toThrow(
      `No terraform binary on PATH, and release-mirror is not used because this is not a GitHub runner (GITHUB_ACTIONS is unset, not "true"). Install terraform ${installedVersion} before this step, or set terraform-binary to its path.`,
    )
    expect(opts.logger.lines).toContainEqual(
      expect.stringMatching(
        /^warning: release-mirror is not used because this is not a GitHub runner/,
      ),
    )
    expect(installs).toEqual([])
  })

  it('shows a GITHUB_ACTIONS value other than true', async () => {
    const opts = options({
      env: { PATH: emptyFolder, GITHUB_ACTIONS: 'yes' },
      releaseMirror: MIRROR,
    })
    await expect(findBinary(opts)).rejects.toThrow(
      '(GITHUB_ACTIONS is "yes", not "true")',
    )
    expect(installs).toEqual([])
  })

  it('logs terraform-binary over the mirror', async () => {
    const opts = options({
      binary: terraform,
      env: { PATH: emptyFolder, GITHUB_ACTIONS: 'true' },
      releaseMirror: MIRROR,
    })
    const found = await findBinary(opts)
    expect(found).toEqual({
      path: terraform,
      version: installedVersion,
      source: 'input',
    })
    expect(opts.logger.lines).toContainEqual(
      expect.stringMatching(
        /^warning: release-mirror is not used because terraform-binary is set to /,
      ),
    )
    expect(installs).toEqual([])
  })

  it('keeps errors plain without a mirror', async () => {
    const onPath = options({ version: OTHER_VERSION })
    await expect(findBinary(onPath)).rejects.toThrow(
      `${terraform} is terraform ${installedVersion}, but terraform-version is ${OTHER_VERSION}. Set terraform-version to ${installedVersion}, or provide ${OTHER_VERSION}.`,
    )
    const offRunner = options({ env: { PATH: emptyFolder } })
    await expect(findBinary(offRunner)).rejects.toThrow(
      `No terraform binary on PATH. Install terraform ${installedVersion} before this step`,
    )
    expect(onPath.logger.lines).not.toContainEqual(
      expect.stringContaining('release-mirror'),
    )
    expect(offRunner.logger.lines).not.toContainEqual(
      expect.stringContaining('release-mirror'),
    )
  })
})
