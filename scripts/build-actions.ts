/**
 * Bundles every action with ncc into its committed `dist/` folder.
 *
 *   tsx scripts/build-actions.ts            rebuild every dist/ in place
 *   tsx scripts/build-actions.ts --check    build into a scratch folder and
 *                                           fail when any committed file differs
 *
 * Each action's own tsconfig.json limits ncc's type check to that action and
 * `common/`, so work in progress elsewhere does not block a build.
 *
 * Each action has `src/index.ts` (the `main` entry) and, when it needs a
 * cleanup step, `src/post.ts` (the `post` entry, bundled into `dist/post/`).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, cp, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const actionsDir = join(root, 'actions')
const ncc = join(root, 'node_modules', '.bin', 'ncc')

interface Bundle {
  action: string
  entry: string
  /** Output folder relative to the action folder. */
  out: string
}

async function listBundles(): Promise<Bundle[]> {
  const bundles: Bundle[] = []
  const names = (await readdir(actionsDir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
  for (const action of names) {
    const src = join(actionsDir, action, 'src')
    if (existsSync(join(src, 'index.ts'))) {
      bundles.push({ action, entry: join(src, 'index.ts'), out: 'dist' })
    }
    if (existsSync(join(src, 'post', 'index.ts'))) {
      const entry = join(src, 'post', 'index.ts')
      bundles.push({ action, entry, out: 'dist/post' })
    }
  }
  return bundles
}

function runNcc(entry: string, outDir: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      ncc,
      ['build', entry, '-o', outDir, '--license', 'licenses.txt', '-q'],
      { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
    )
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePromise()
      else
        reject(
          new Error(
            `ncc failed for ${relative(root, entry)} (exit ${code ?? signal})`,
          ),
        )
    })
  })
}

async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return []
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort()
}

/** Builds every bundle into `targetRoot/<action>/<out>`, two at a time. */
async function buildAll(bundles: Bundle[], targetRoot: string): Promise<void> {
  const queue = [...bundles]
  const workers = [1, 2].map(async () => {
    for (let bundle = queue.shift(); bundle; bundle = queue.shift()) {
      const outDir = join(targetRoot, bundle.action, bundle.out)
      const started = Date.now()
      await runNcc(bundle.entry, outDir)
      const seconds = ((Date.now() - started) / 1000).toFixed(1)
      console.log(`built ${bundle.action}/${bundle.out} in ${seconds}s`)
    }
  })
  await Promise.all(workers)
}

async function compare(scratch: string, actions: string[]): Promise<string[]> {
  const differences: string[] = []
  for (const action of actions) {
    const built = join(scratch, action, 'dist')
    const committed = join(actionsDir, action, 'dist')
    const builtFiles = await listFiles(built)
    const committedFiles = await listFiles(committed)
    for (const file of new Set([...builtFiles, ...committedFiles])) {
      const displayPath = `actions/${action}/dist/${file}`
      if (!builtFiles.includes(file)) {
        differences.push(`${displayPath}: committed but no longer built`)
      } else if (!committedFiles.includes(file)) {
        differences.push(`${displayPath}: built but not committed`)
      } else {
        const [a, b] = await Promise.all([
          readFile(join(built, file)),
          readFile(join(committed, file)),
        ])
        if (!a.equals(b)) differences.push(`${displayPath}: content differs`)
      }
    }
  }
  return differences
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check')
  const bundles = await listBundles()
  const actions = [...new Set(bundles.map((bundle) => bundle.action))]
  if (bundles.length === 0) throw new Error('no action has src/index.ts')

  if (!check) {
    for (const action of actions) {
      await rm(join(actionsDir, action, 'dist'), {
        recursive: true,
        force: true,
      })
    }
    await buildAll(bundles, actionsDir)
    return
  }

  const scratch = await mkdtemp(join(tmpdir(), 'check-dist-'))
  try {
    await buildAll(bundles, scratch)
    const differences = await compare(scratch, actions)
    if (differences.length > 0) {
      const expected = join(root, '.check-dist-expected')
      await rm(expected, { recursive: true, force: true })
      await mkdir(expected, { recursive: true })
      await cp(scratch, expected, { recursive: true })
      console.error('dist/ is not current:')
      for (const line of differences) console.error(`  ${line}`)
      console.error(
        `Run 'npm run build' and commit the result (a fresh build is in ${relative(root, expected)}/).`,
      )
      process.exitCode = 1
      return
    }
    console.log(`dist/ is current for ${actions.length} actions`)
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

await main()
