import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  changelogSections,
  gitIn,
  parseVersion,
  planTagUpdate,
  publishAction,
  releaseTags,
  remoteTags,
  ReleaseError,
  type Git,
} from '../../../scripts/release-tags.js'

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Release Test',
  GIT_AUTHOR_EMAIL: 'release@example.test',
  GIT_COMMITTER_NAME: 'Release Test',
  GIT_COMMITTER_EMAIL: 'release@example.test',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
}

interface Sandbox {
  root: string
  work: string
  remote: string
  git: Git
  /** Commits the files and returns the new commit. */
  commit(files: Record<string, string>, message: string): string
  sh(args: string[], cwd?: string): string
}

let sandbox: Sandbox
const quiet = (): void => {}

function createSandbox(): Sandbox {
  const root = mkdtempSync(path.join(tmpdir(), 'release-tags-'))
  const work = path.join(root, 'work')
  const remote = path.join(root, 'kit.git')
  const env = { ...process.env, ...IDENTITY }
  const sh = (args: string[], cwd = work): string =>
    execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim()
  mkdirSync(work)
  sh(['init', '--quiet', '--bare', remote], root)
  sh(['init', '--quiet', '--initial-branch', 'main'])
  sh(['remote', 'add', 'origin', remote])
  const commit = (files: Record<string, string>, message: string): string => {
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(work, name)
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, content)
    }
    sh(['add', '--all'])
    sh(['commit', '--quiet', '--message', message])
    return sh(['rev-parse', 'HEAD'])
  }
  return { root, work, remote, git: gitIn(work, env), commit, sh }
}

const ACTION_FILES = {
  'actions/verify-health/action.yml': 'name: verify-health\n',
  'actions/verify-health/README.md': '# verify-health\n',
  'actions/verify-health/CHANGELOG.md':
    '# Changelog\n\n## Unreleased\n\n## v1.3.0 - 2026-12-01\n\n- Later.\n\n## v1.2.0 - 2026-11-20\n\n- First.\n',
  'actions/verify-health/dist/index.js': 'console.log("bundle 1")\n',
  'actions/verify-health/src/main.ts': 'export {}\n',
}

beforeEach(() => {
  sandbox = createSandbox()
})

afterEach(() => {
  rmSync(sandbox.root, { recursive: true, force: true })
})

async function remote(): Promise<Map<string, string>> {
  return remoteTags(sandbox.git, sandbox.remote)
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(ReleaseError)
    return (error as Error).message
  }
  throw new Error('expected a ReleaseError')
}

describe('parseVersion', () => {
  it('accepts vMAJOR.MINOR.PATCH', () => {
    expect(parseVersion('v1.20.3')).toEqual({ major: 1, minor: 20, patch: 3 })
  })

  it.each(['1.2.3', 'v1.2', 'v01.2.3', 'v1.2.3-rc.1', 'v1.2.3 ', 'latest'])(
    'rejects %j',
    (text) => {
      expect(() => parseVersion(text)).toThrow(/expected vMAJOR\.MINOR\.PATCH/)
    },
  )
})

describe('planTagUpdate', () => {
  const version = parseVersion('v1.2.0')

  it('creates both tags at first', () => {
    const plan = planTagUpdate(new Map(), {
      prefix: 'verify-health/',
      version,
      commit: 'c1',
      moveMajor: true,
    })

    expect(plan).toEqual({
      versionTag: 'verify-health/v1.2.0',
      majorTag: 'verify-health/v1',
      commit: 'c1',
      createVersion: true,
      moveMajor: true,
    })
  })

  it('ignores other prefixes and majors', () => {
    const existing = new Map([
      ['v1.9.0', 'k1'],
      ['verify-health/v2.0.0', 'c9'],
      ['build-artifacts/v1.5.0', 'b1'],
    ])
    const plan = planTagUpdate(existing, {
      prefix: 'verify-health/',
      version,
      commit: 'c1',
      moveMajor: true,
    })

    expect(plan.createVersion).toBe(true)
    expect(plan.moveMajor).toBe(true)
  })
})

describe('releaseTags', () => {
  it('tags the kit and pushes', async () => {
    const first = sandbox.commit({ 'README.md': 'one\n' }, 'one')
    const plan = await releaseTags(sandbox.git, {
      version: 'v1.2.3',
      remote: 'origin',
      log: quiet,
    })

    expect(plan.createVersion).toBe(true)
    const tags = await remote()
    expect(tags.get('v1.2.3')).toBe(first)
    expect(tags.get('v1')).toBe(first)
  })

  it('moves the major tag forward', async () => {
    sandbox.commit({ 'README.md': 'one\n' }, 'one')
    await releaseTags(sandbox.git, {
      version: 'v1.2.3',
      remote: 'origin',
      log: quiet,
    })
    const second = sandbox.commit({ 'README.md': 'two\n' }, 'two')
    const plan = await releaseTags(sandbox.git, {
      version: 'v1.3.0',
      remote: 'origin',
      log: quiet,
    })

    expect(plan.previousMajorCommit).not.toBe(second)
    const tags = await remote()
    expect(tags.get('v1.3.0')).toBe(second)
    expect(tags.get('v1')).toBe(second)
    expect(tags.get('v1.2.3')).not.toBe(second)
  })

  it('rejects retagging a version', async () => {
    const first = sandbox.commit({ 'README.md': 'one\n' }, 'one')
    await releaseTags(sandbox.git, {
      version: 'v1.2.3',
      remote: 'origin',
      log: quiet,
    })
    sandbox.commit({ 'README.md': 'two\n' }, 'two')

    const message = await rejection(
      releaseTags(sandbox.git, {
        version: 'v1.2.3',
        remote: 'origin',
        log: quiet,
      }),
    )
    expect(message).toContain(`Tag v1.2.3 already exists at ${first}`)
    expect((await remote()).get('v1.2.3')).toBe(first)
  })

  it('repeats a release as a no-op', async () => {
    sandbox.commit({ 'README.md': 'one\n' }, 'one')
    await releaseTags(sandbox.git, {
      version: 'v1.2.3',
      remote: 'origin',
      log: quiet,
    })
    const again = await releaseTags(sandbox.git, {
      version: 'v1.2.3',
      remote: 'origin',
      log: quiet,
    })

    expect(again.createVersion).toBe(false)
    expect(again.moveMajor).toBe(false)
  })

  it('rejects moving major backwards', async () => {
    sandbox.commit({ 'README.md': 'one\n' }, 'one')
    await releaseTags(sandbox.git, {
      version: 'v1.3.0',
      remote: 'origin',
      log: quiet,
    })
    const fix = sandbox.commit({ 'README.md': 'fix\n' }, 'fix')

    const message = await rejection(
      releaseTags(sandbox.git, {
        version: 'v1.2.4',
        remote: 'origin',
        log: quiet,
      }),
    )
    expect(message).toContain(
      'v1 would move backwards: v1.3.0 is newer than v1.2.4',
    )

    const plan = await releaseTags(sandbox.git, {
      version: 'v1.2.4',
      remote: 'origin',
      moveMajor: false,
      log: quiet,
    })
    expect(plan.moveMajor).toBe(false)
    const tags = await remote()
    expect(tags.get('v1.2.4')).toBe(fix)
    expect(tags.get('v1')).toBe(tags.get('v1.3.0'))
  })

  it('rejects major move off history', async () => {
    const base = sandbox.commit({ 'README.md': 'one\n' }, 'one')
    sandbox.commit({ 'README.md': 'two\n' }, 'two')
    await releaseTags(sandbox.git, {
      version: 'v1.1.0',
      remote: 'origin',
      log: quiet,
    })
    sandbox.sh(['checkout', '--quiet', '-b', 'side', base])
    sandbox.commit({ 'SIDE.md': 'side\n' }, 'side')

    const message = await rejection(
      releaseTags(sandbox.git, {
        version: 'v1.2.0',
        remote: 'origin',
        log: quiet,
      }),
    )
    expect(message).toContain('is not an ancestor of')
    expect((await remote()).has('v1.2.0')).toBe(false)
  })

  it('tags one action', async () => {
    const commit = sandbox.commit(ACTION_FILES, 'action')
    await releaseTags(sandbox.git, {
      version: 'v1.2.0',
      action: 'verify-health',
      remote: 'origin',
      log: quiet,
    })

    const tags = await remote()
    expect(tags.get('verify-health/v1.2.0')).toBe(commit)
    expect(tags.get('verify-health/v1')).toBe(commit)
    expect(tags.has('v1')).toBe(false)
  })

  it('rejects an unknown action', async () => {
    sandbox.commit(ACTION_FILES, 'action')

    const message = await rejection(
      releaseTags(sandbox.git, {
        version: 'v1.0.0',
        action: 'verify-healht',
        log: quiet,
      }),
    )
    expect(message).toContain('has no actions/verify-healht/action.yml')
  })

  it('rejects an action version missing from its changelog', async () => {
    sandbox.commit(ACTION_FILES, 'action')

    const message = await rejection(
      releaseTags(sandbox.git, {
        version: 'v1.4.0',
        action: 'verify-health',
        log: quiet,
      }),
    )
    expect(message).toContain('actions/verify-health/CHANGELOG.md at')
    expect(message).toContain("has no '## v1.4.0' section")
    expect(await remote()).toEqual(new Map())
    expect(sandbox.sh(['tag', '--list'])).toBe('')
  })

  it('rejects an action without a changelog', async () => {
    const files: Record<string, string> = { ...ACTION_FILES }
    delete files['actions/verify-health/CHANGELOG.md']
    sandbox.commit(files, 'action')

    const message = await rejection(
      releaseTags(sandbox.git, {
        version: 'v1.2.0',
        action: 'verify-health',
        log: quiet,
      }),
    )
    expect(message).toContain('has no actions/verify-health/CHANGELOG.md')
  })

  it('finds version headings only', () => {
    const text = [
      '# Changelog',
      '## Unreleased',
      '## v2.0.0 - 2026-12-01',
      '### v9.9.9 is not a release heading',
      '## v1.10.0',
      '## v1.2 - incomplete',
      '- ## v3.0.0 in a list',
    ].join('\n')
    expect(changelogSections(text)).toEqual(['v2.0.0', 'v1.10.0'])
  })

  it('plans without tagging on dry run', async () => {
    sandbox.commit({ 'README.md': 'one\n' }, 'one')
    const plan = await releaseTags(sandbox.git, {
      version: 'v2.0.0',
      dryRun: true,
      log: quiet,
    })

    expect(plan.createVersion).toBe(true)
    expect(sandbox.sh(['tag', '--list'])).toBe('')
  })
})

describe('publishAction', () => {
  let published: string
  let clone: string

  beforeEach(() => {
    published = path.join(sandbox.root, 'verify-health.git')
    clone = path.join(sandbox.root, 'clone')
    sandbox.sh(['init', '--quiet', '--bare', published], sandbox.root)
  })

  function files(ref: string): string[] {
    rmSync(clone, { recursive: true, force: true })
    sandbox.sh(['clone', '--quiet', published, clone], sandbox.root)
    return sandbox.sh(['ls-tree', '-r', '--name-only', ref], clone).split('\n')
  }

  it('publishes the folder without sources', async () => {
    sandbox.commit(ACTION_FILES, 'action')
    const result = await publishAction(sandbox.git, {
      action: 'verify-health',
      version: 'v1.2.0',
      remote: published,
      log: quiet,
    })

    expect(files('origin/main')).toEqual([
      'CHANGELOG.md',
      'README.md',
      'action.yml',
      'dist/index.js',
    ])
    const tags = await remoteTags(sandbox.git, published)
    expect(tags.get('v1.2.0')).toBe(result.commit)
    expect(tags.get('v1')).toBe(result.commit)
  })

  it('stacks releases on the branch', async () => {
    sandbox.commit(ACTION_FILES, 'action')
    const first = await publishAction(sandbox.git, {
      action: 'verify-health',
      version: 'v1.2.0',
      remote: published,
      log: quiet,
    })
    sandbox.commit(
      { 'actions/verify-health/dist/index.js': 'console.log("bundle 2")\n' },
      'bundle 2',
    )
    const second = await publishAction(sandbox.git, {
      action: 'verify-health',
      version: 'v1.3.0',
      remote: published,
      log: quiet,
    })

    files('origin/main')
    expect(sandbox.sh(['rev-parse', 'origin/main^'], clone)).toBe(first.commit)
    const tags = await remoteTags(sandbox.git, published)
    expect(tags.get('v1')).toBe(second.commit)
    expect(tags.get('v1.2.0')).toBe(first.commit)
  })

  it('rejects republishing a version', async () => {
    sandbox.commit(ACTION_FILES, 'action')
    await publishAction(sandbox.git, {
      action: 'verify-health',
      version: 'v1.2.0',
      remote: published,
      log: quiet,
    })
    sandbox.commit(
      { 'actions/verify-health/dist/index.js': 'console.log("other")\n' },
      'other',
    )

    const message = await rejection(
      publishAction(sandbox.git, {
        action: 'verify-health',
        version: 'v1.2.0',
        remote: published,
        log: quiet,
      }),
    )
    expect(message).toContain('Tag v1.2.0 already exists')
  })
})
