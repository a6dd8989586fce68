/**
 * Release tagging for the kit: repository-wide versions (`v1.2.3` and the
 * moving major tag `v1`), per-action versions (`verify-health/v1.2.0` and
 * `verify-health/v1`), and publishing one action to a repository of its own
 * (the action's folder without its sources, tagged `v1.2.0` and `v1`
 * there).
 *
 * Usage:
 *   tsx scripts/release-tags.ts tag --version v1.2.3 [--action NAME]
 *       [--commit REF] [--remote NAME] [--no-move-major] [--dry-run]
 *   tsx scripts/release-tags.ts publish --action NAME --version v1.2.0
 *       --remote URL [--branch main] [--commit REF]
 *
 * Rules: a version tag is never moved (re-running a release at the same
 * commit is a no-op), and a major tag only moves forward, to a newer
 * version whose commit descends from the one it points at.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

export class ReleaseError extends Error {
  override name = 'ReleaseError'
}

export interface Version {
  major: number
  minor: number
  patch: number
}

const SEMVER = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/
const ACTION_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/

/** Parses `v1.2.3` and rejects other forms with the fix in the message. */
export function parseVersion(text: string): Version {
  const match = SEMVER.exec(text)
  if (match === null) {
    throw new ReleaseError(
      `Invalid version '${text}': expected vMAJOR.MINOR.PATCH such as v1.2.3, without leading zeros or a pre-release suffix`,
    )
  }
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3]),
  }
}

export function formatVersion(version: Version): string {
  return `v${version.major}.${version.minor}.${version.patch}`
}

/** Orders versions: negative when `a` is older than `b`. */
export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch
}

/** Runs git in one repository. */
export interface Git {
  /** Returns the trimmed stdout; throws a ReleaseError when git fails. */
  run(args: string[], input?: string): Promise<string>
  /** Returns whether git exits with 0. */
  succeeds(args: string[]): Promise<boolean>
}

export function gitIn(dir: string, env: NodeJS.ProcessEnv = process.env): Git {
  const run = (args: string[], input?: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn('git', args, {
        cwd: dir,
        env,
        stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk
      })
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk
      })
      child.stdin?.on('error', () => {
        // git exited before reading its input, and its exit code reports why.
      })
      child.stdin?.end(input)
      child.on('error', (error) =>
        reject(
          new ReleaseError(`git ${args.join(' ')} failed: ${error.message}`),
        ),
      )
      child.on('close', (code) => {
        if (code === 0) resolve(stdout.trim())
        else {
          reject(
            new ReleaseError(
              `git ${args.join(' ')} failed with exit code ${code}: ${stderr.trim()}`,
            ),
          )
        }
      })
    })
  return {
    run,
    succeeds: async (args) => {
      try {
        await run(args)
        return true
      } catch {
        return false
      }
    },
  }
}

/** Tag name prefix of an action's tags (`verify-health/`), empty for the kit. */
export function tagPrefix(action?: string): string {
  if (action === undefined) return ''
  if (!ACTION_NAME.test(action)) {
    throw new ReleaseError(
      `Invalid action name '${action}': expected the kebab-case folder name under actions/`,
    )
  }
  return `${action}/`
}

export interface TagPlan {
  versionTag: string
  majorTag: string
  commit: string
  /** False when the version tag already points at `commit`. */
  createVersion: boolean
  /** False when the major tag stays where it is. */
  moveMajor: boolean
  /** Commit the major tag pointed at before, if it existed. */
  previousMajorCommit?: string
}

/**
 * Decides which tags to create or move, given the existing tags (name to
 * commit). Throws when the version tag exists at another commit, or when
 * moving the major tag would take it to an older version.
 */
export function planTagUpdate(
  existing: ReadonlyMap<string, string>,
  options: {
    prefix: string
    version: Version
    commit: string
    moveMajor: boolean
  },
): TagPlan {
  const { prefix, version, commit } = options
  const versionTag = `${prefix}${formatVersion(version)}`
  const majorTag = `${prefix}v${version.major}`

  const tagged = existing.get(versionTag)
  if (tagged !== undefined && tagged !== commit) {
    throw new ReleaseError(
      `Tag ${versionTag} already exists at ${tagged}. A released version is never re-tagged, so release the next version instead`,
    )
  }

  const newest = newestInMajor(existing, prefix, version.major)
  if (
    options.moveMajor &&
    newest !== undefined &&
    compareVersions(newest, version) > 0
  ) {
    throw new ReleaseError(
      `${majorTag} would move backwards: ${prefix}${formatVersion(newest)} is newer than ${versionTag}. Release ${versionTag} without moving ${majorTag} (--no-move-major)`,
    )
  }

  const previousMajorCommit = existing.get(majorTag)
  return {
    versionTag,
    majorTag,
    commit,
    createVersion: tagged === undefined,
    moveMajor: options.moveMajor && previousMajorCommit !== commit,
    ...(previousMajorCommit === undefined ? {} : { previousMajorCommit }),
  }
}

function newestInMajor(
  existing: ReadonlyMap<string, string>,
  prefix: string,
  major: number,
): Version | undefined {
  let newest: Version | undefined
  for (const name of existing.keys()) {
    if (!name.startsWith(prefix)) continue
    const match = SEMVER.exec(name.slice(prefix.length))
    if (match === null || Number(match[1]) !== major) continue
    const version = parseVersion(name.slice(prefix.length))
    if (newest === undefined || compareVersions(version, newest) > 0) {
      newest = version
    }
  }
  return newest
}

/** Lists local tags with the commit each one points at (annotated tags peeled). */
export async function localTags(git: Git): Promise<Map<string, string>> {
  const text = await git.run([
    'for-each-ref',
    '--format=%(refname:strip=2) %(objectname) %(*objectname)',
    'refs/tags',
  ])
  const tags = new Map<string, string>()
  for (const line of text.split('\n')) {
    const [name, object, peeled] = line.split(' ')
    if (!name || !object) continue
    tags.set(name, peeled || object)
  }
  return tags
}

/** Lists a remote's tags with the commit each one points at. */
export async function remoteTags(
  git: Git,
  remote: string,
): Promise<Map<string, string>> {
  const text = await git.run(['ls-remote', '--tags', remote])
  const tags = new Map<string, string>()
  for (const line of text.split('\n')) {
    const [object, ref] = line.split('\t')
    if (!object || !ref?.startsWith('refs/tags/')) continue
    const name = ref.slice('refs/tags/'.length)
    if (name.endsWith('^{}')) tags.set(name.slice(0, -3), object)
    else if (!tags.has(name)) tags.set(name, object)
  }
  return tags
}

export interface TagOptions {
  version: string
  action?: string
  commit?: string
  remote?: string
  moveMajor?: boolean
  dryRun?: boolean
  log?: (line: string) => void
}

/**
 * Fails unless the action's CHANGELOG.md at `commit` has a section for
 * `version` (a `## v1.2.0` heading, optionally followed by a date), so an
 * action's tag never points at a commit whose notes do not describe it.
 */
export async function checkChangelog(
  git: Git,
  commit: string,
  action: string,
  version: Version,
): Promise<void> {
  const path = `actions/${action}/CHANGELOG.md`
  const name = formatVersion(version)
  if (!(await git.succeeds(['cat-file', '-e', `${commit}:${path}`]))) {
    throw new ReleaseError(
      `Commit ${commit} has no ${path}. Add it with a '## ${name}' section describing the release`,
    )
  }
  const text = await git.run(['show', `${commit}:${path}`])
  if (!changelogSections(text).includes(name)) {
    throw new ReleaseError(
      `${path} at ${commit} has no '## ${name}' section. Move the notes under 'Unreleased' to a '## ${name}' heading and commit before tagging`,
    )
  }
}

/** Versions that have a `## vX.Y.Z` heading in a changelog, in file order. */
export function changelogSections(text: string): string[] {
  const versions: string[] = []
  for (const line of text.split('\n')) {
    const match = /^## (v\d+\.\d+\.\d+)(?:\s|$)/.exec(line)
    if (match?.[1] !== undefined) versions.push(match[1])
  }
  return versions
}

/**
 * Tags a kit or action release in the repository of `git` and pushes the
 * tags to `remote` when given. Remote tags are fetched first, so the checks
 * see what other releases pushed.
 */
export async function releaseTags(
  git: Git,
  options: TagOptions,
): Promise<TagPlan> {
  const log = options.log ?? console.log
  const version = parseVersion(options.version)
  const prefix = tagPrefix(options.action)
  if (options.remote !== undefined) {
    await git.run(['fetch', '--quiet', '--force', '--tags', options.remote])
  }
  const commit = await git.run([
    'rev-parse',
    '--verify',
    `${options.commit ?? 'HEAD'}^{commit}`,
  ])
  if (
    options.action !== undefined &&
    !(await git.succeeds([
      'cat-file',
      '-e',
      `${commit}:actions/${options.action}/action.yml`,
    ]))
  ) {
    throw new ReleaseError(
      `Commit ${commit} has no actions/${options.action}/action.yml. Check the action name`,
    )
  }

  if (options.action !== undefined) {
    await checkChangelog(git, commit, options.action, version)
  }

  const plan = planTagUpdate(await localTags(git), {
    prefix,
    version,
    commit,
    moveMajor: options.moveMajor ?? true,
  })
  if (
    plan.moveMajor &&
    plan.previousMajorCommit !== undefined &&
    !(await git.succeeds([
      'merge-base',
      '--is-ancestor',
      plan.previousMajorCommit,
      commit,
    ]))
  ) {
    throw new ReleaseError(
      `${plan.majorTag} points at ${plan.previousMajorCommit}, which is not an ancestor of ${commit}, so moving it there would drop released changes`,
    )
  }

  describePlan(plan, log)
  if (options.dryRun) return plan

  const name = options.action ?? 'aws-deploy-kit'
  if (plan.createVersion) {
    await git.run([
      'tag',
      '--annotate',
      '--message',
      `${name} ${formatVersion(version)}`,
      plan.versionTag,
      commit,
    ])
  }
  if (plan.moveMajor) {
    await git.run(['tag', '--force', plan.majorTag, commit])
  }
  if (options.remote !== undefined) {
    await git.run([
      'push',
      '--quiet',
      options.remote,
      `refs/tags/${plan.versionTag}`,
    ])
    if (plan.moveMajor) {
      await git.run([
        'push',
        '--quiet',
        '--force',
        options.remote,
        `refs/tags/${plan.majorTag}`,
      ])
    }
    log(`Pushed the tags to ${options.remote}`)
  }
  return plan
}

function describePlan(plan: TagPlan, log: (line: string) => void): void {
  log(
    plan.createVersion
      ? `Tagging ${plan.versionTag} at ${plan.commit}`
      : `${plan.versionTag} already points at ${plan.commit}`,
  )
  if (plan.moveMajor) {
    log(
      `Moving ${plan.majorTag} from ${plan.previousMajorCommit ?? '(new)'} to ${plan.commit}`,
    )
  } else {
    log(`Leaving ${plan.majorTag} where it is`)
  }
}

/** Entries of an action folder that are not published (sources, installs). */
const UNPUBLISHED = new Set(['src', 'node_modules'])

export interface PublishOptions {
  action: string
  version: string
  remote: string
  branch?: string
  commit?: string
  log?: (line: string) => void
}

export interface PublishResult {
  /** Commit pushed to the action's repository. */
  commit: string
  tags: TagPlan
}

/**
 * Publishes actions/<action> (with its committed dist/, without src/) as
 * the root of the repository at `remote`: one commit on `branch` whose
 * parent is the branch's previous head, then the version tag and the
 * moving major tag there, under the same rules as the kit's own tags.
 */
export async function publishAction(
  git: Git,
  options: PublishOptions,
): Promise<PublishResult> {
  const log = options.log ?? console.log
  const version = parseVersion(options.version)
  tagPrefix(options.action)
  const branch = options.branch ?? 'main'
  const source = await git.run([
    'rev-parse',
    '--verify',
    `${options.commit ?? 'HEAD'}^{commit}`,
  ])
  const folder = `${source}:actions/${options.action}`
  if (!(await git.succeeds(['cat-file', '-e', `${folder}/action.yml`]))) {
    throw new ReleaseError(
      `Commit ${source} has no actions/${options.action}/action.yml. Check the action name`,
    )
  }

  const listing = await git.run(['ls-tree', folder])
  const entries = listing
    .split('\n')
    .filter((line) => !UNPUBLISHED.has(line.split('\t')[1] ?? ''))
  const tree = await git.run(['mktree'], `${entries.join('\n')}\n`)

  const head = (
    await git.run(['ls-remote', options.remote, `refs/heads/${branch}`])
  ).split('\t')[0]
  let parent: string | undefined
  if (head) {
    await git.run(['fetch', '--quiet', options.remote, `refs/heads/${branch}`])
    parent = head
  }
  const parentTree =
    parent === undefined
      ? undefined
      : await git.run(['rev-parse', `${parent}^{tree}`])
  let commit: string
  if (parent !== undefined && parentTree === tree) {
    commit = parent
    log(`actions/${options.action} is unchanged since ${parent}`)
  } else {
    commit = await git.run([
      'commit-tree',
      tree,
      ...(parent === undefined ? [] : ['-p', parent]),
      '-m',
      `${options.action} ${formatVersion(version)}\n\nPublished from ${source}.`,
    ])
    log(`Created ${commit} from actions/${options.action} at ${source}`)
  }

  const tags = planTagUpdate(await remoteTags(git, options.remote), {
    prefix: '',
    version,
    commit,
    moveMajor: true,
  })
  describePlan(tags, log)
  await git.run([
    'push',
    '--quiet',
    options.remote,
    `${commit}:refs/heads/${branch}`,
  ])
  if (tags.createVersion) {
    await git.run([
      'push',
      '--quiet',
      options.remote,
      `${commit}:refs/tags/${tags.versionTag}`,
    ])
  }
  if (tags.moveMajor) {
    await git.run([
      'push',
      '--quiet',
      '--force',
      options.remote,
      `${commit}:refs/tags/${tags.majorTag}`,
    ])
  }
  log(
    `Published ${options.action} ${formatVersion(version)} to ${options.remote} (${branch})`,
  )
  return { commit, tags }
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      version: { type: 'string' },
      action: { type: 'string' },
      commit: { type: 'string' },
      remote: { type: 'string' },
      branch: { type: 'string' },
      'no-move-major': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
    },
  })
  const command = positionals[0]
  if (values.version === undefined) {
    throw new ReleaseError('Missing --version, such as --version v1.2.3')
  }
  const git = gitIn(process.cwd())
  if (command === 'tag') {
    await releaseTags(git, {
      version: values.version,
      ...(values.action === undefined ? {} : { action: values.action }),
      ...(values.commit === undefined ? {} : { commit: values.commit }),
      ...(values.remote === undefined ? {} : { remote: values.remote }),
      moveMajor: !values['no-move-major'],
      dryRun: values['dry-run'],
    })
  } else if (command === 'publish') {
    if (values.action === undefined || values.remote === undefined) {
      throw new ReleaseError('publish needs --action NAME and --remote URL')
    }
    await publishAction(git, {
      action: values.action,
      version: values.version,
      remote: values.remote,
      ...(values.branch === undefined ? {} : { branch: values.branch }),
      ...(values.commit === undefined ? {} : { commit: values.commit }),
    })
  } else {
    throw new ReleaseError(
      `Unknown command '${command ?? ''}': expected tag or publish`,
    )
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await main(process.argv.slice(2))
  } catch (error) {
    if (!(error instanceof ReleaseError)) throw error
    console.log(`::error::${error.message}`)
    process.exitCode = 1
  }
}
