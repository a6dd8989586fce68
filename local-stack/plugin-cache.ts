/**
 * Fills Terraform's plugin cache from the provider mirror before any
 * Terraform command runs. Terraform writes a provider into an empty cache
 * during `init`, and its documentation says the cache is not safe for
 * concurrent writes: parallel inits on a fresh machine failed with
 * "failed to compute a checksum" while another one was still writing the
 * same provider. Each provider package of the mirror (the unpacked layout,
 * `<host>/<namespace>/<type>/<version>/<os>_<arch>/`) is linked, or copied
 * where links fail, into a temporary folder and renamed into place, so
 * several stacks starting at once never see a half-written package.
 */
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs'
import { join } from 'node:path'

/** Folders `depth` levels below `root`, as paths relative to it. */
function foldersAt(root: string, depth: number): string[] {
  if (depth === 0) return ['']
  const found: string[] = []
  for (const relative of foldersAt(root, depth - 1)) {
    const folder = join(root, relative)
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.isDirectory()) found.push(join(relative, entry.name))
    }
  }
  return found
}

/**
 * Adds every provider package of `mirrorDir` that `cacheDir` lacks.
 * Returns the packages added, as `<host>/<namespace>/<type>/<version>/<platform>`.
 */
export function seedPluginCache(mirrorDir: string, cacheDir: string): string[] {
  if (!existsSync(mirrorDir)) return []
  const added: string[] = []
  for (const relative of foldersAt(mirrorDir, 5)) {
    const target = join(cacheDir, relative)
    if (existsSync(target)) continue
    const parent = join(target, '..')
    mkdirSync(parent, { recursive: true })
    const temporary = `${target}.seeding-${process.pid}-${Date.now()}`
    mkdirSync(temporary)
    try {
      for (const name of readdirSync(join(mirrorDir, relative))) {
        const source = join(mirrorDir, relative, name)
        if (!statSync(source).isFile()) continue
        try {
          linkSync(source, join(temporary, name))
        } catch {
          copyFileSync(source, join(temporary, name))
        }
      }
      renameSync(temporary, target)
      added.push(relative)
    } catch (error) {
      // Another stack that started at the same time renamed its copy first.
      if (!existsSync(target)) throw error
    } finally {
      rmSync(temporary, { recursive: true, force: true })
    }
  }
  return added
}
