// Assembles a self-contained Docker build context: the Dockerfile, the
// package manifest, src/, certs/ and node_modules/ with the production dependency
// tree of package.json, copied from wherever Node resolves it (the
// backend's own node_modules after `npm install --omit=dev`, or a node_modules
// folder further up). No registry is contacted.
// Usage: node scripts/build-context.js OUT_DIR
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const backendDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')

function readManifest(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
}

/** Finds a package folder the way Node does: node_modules/<name> upward from `fromDir`. */
function findPackage(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return candidate
    if (dirname(dir) === dir) return undefined
  }
}

/** Returns name -> folder for the production dependency tree of `rootDir`. */
export function dependencyTree(rootDir) {
  const found = new Map()
  const visit = (dir, optional) => {
    const manifest = readManifest(dir)
    const required = Object.keys(manifest.dependencies ?? {})
    const extra = Object.keys(manifest.optionalDependencies ?? {})
    for (const [names, isOptional] of [
      [required, optional],
      [extra, true],
    ]) {
      for (const name of names) {
        const folder = findPackage(name, dir)
        if (!folder) {
          if (isOptional) continue
          throw new Error(
            `Dependency "${name}" of ${manifest.name} is not installed; run npm install --omit=dev in ${backendDir} first.`,
          )
        }
        const seen = found.get(name)
        if (seen && seen !== folder) {
          throw new Error(
            `Two copies of "${name}" are needed (${seen} and ${folder}); install the backend's own dependencies with npm install --omit=dev.`,
          )
        }
        if (seen) continue
        found.set(name, folder)
        visit(folder, isOptional)
      }
    }
  }
  visit(rootDir, false)
  return found
}

function main() {
  const outDir = process.argv[2]
  if (!outDir) {
    console.error('Usage: node scripts/build-context.js OUT_DIR')
    process.exit(2)
  }
  const target = resolve(outDir)
  rmSync(target, { recursive: true, force: true })
  mkdirSync(join(target, 'node_modules'), { recursive: true })
  for (const entry of [
    'Dockerfile',
    '.dockerignore',
    'package.json',
    'src',
    'certs',
  ]) {
    cpSync(join(backendDir, entry), join(target, entry), { recursive: true })
  }
  const tree = dependencyTree(backendDir)
  for (const [name, folder] of tree) {
    cpSync(folder, join(target, 'node_modules', name), {
      recursive: true,
      dereference: true,
      filter: (source) => !source.includes(`${folder}/node_modules`),
    })
  }
  console.log(
    `build context in ${target}: ${tree.size} packages (${[...tree.keys()].sort().join(', ')})`,
  )
}

if (
  process.argv[1] &&
  resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  main()
}
