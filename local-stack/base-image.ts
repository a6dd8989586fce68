/**
 * Builds `localhost/kit-node-base:<node major>`, a base image for the kit's
 * Dockerfiles, from files already on this machine, because no base image
 * can be pulled here. The image is FROM scratch with the host's `node`
 * binary, `/bin/sh` (dash, so RUN and HEALTHCHECK CMD-SHELL steps work) and
 * the shared libraries both link, as `ldd` lists them.
 *
 * The image carries the node version as a label; a present image with the
 * same version is kept, so the build runs once per storage.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { runTool } from './processes.js'

export const BASE_IMAGE_REPOSITORY = 'localhost/kit-node-base'
const VERSION_LABEL = 'org.aws-deploy-kit.node-version'

/** Base image name for a node version such as '20.20.2' (default: this process's). */
export function baseImageName(nodeVersion = process.versions.node): string {
  const major = nodeVersion.replace(/^v/, '').split('.')[0]
  return `${BASE_IMAGE_REPOSITORY}:${major}`
}

/** Absolute library paths that `ldd` lists for a binary, the dynamic loader included. */
export async function linkedLibraries(
  binary: string,
  env: NodeJS.ProcessEnv,
): Promise<string[]> {
  const result = await runTool('ldd', [binary], { env })
  if (result.exitCode !== 0) {
    throw new Error(
      `ldd ${binary} failed (exit code ${result.exitCode}): ${result.stderr.trim()}`,
    )
  }
  const libraries: string[] = []
  for (const line of result.stdout.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or
    // "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso has no file.
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line)
    if (match?.[1]) libraries.push(match[1])
  }
  return libraries
}

function copyInto(rootfs: string, path: string, target = path): void {
  const destination = join(rootfs, target)
  mkdirSync(dirname(destination), { recursive: true })
  copyFileSync(realpathSync(path), destination)
}

export interface EnsureBaseImageOptions {
  /** Stack environment: the `docker` on its PATH is podman with the stack's storage. */
  env: NodeJS.ProcessEnv
  /** Folder for the temporary build context. */
  workDir: string
  nodeBinary?: string
  log?: (line: string) => void
}

/** Builds the base image unless one for the same node version exists; returns its name. */
export async function ensureBaseImage(
  opts: EnsureBaseImageOptions,
): Promise<{ image: string; built: boolean }> {
  const { env } = opts
  const log = opts.log ?? (() => {})
  const nodeBinary = realpathSync(opts.nodeBinary ?? process.execPath)
  const versionResult = await runTool(nodeBinary, ['--version'], { env })
  const nodeVersion = versionResult.stdout.trim()
  if (versionResult.exitCode !== 0 || !nodeVersion.startsWith('v')) {
    throw new Error(`${nodeBinary} --version failed: ${versionResult.stderr}`)
  }
  const image = baseImageName(nodeVersion)

  const inspect = await runTool(
    'podman',
    [
      'image',
      'inspect',
      '--format',
      `{{index .Labels "${VERSION_LABEL}"}}`,
      image,
    ],
    { env },
  )
  if (inspect.exitCode === 0 && inspect.stdout.trim() === nodeVersion) {
    log(`base image ${image} (node ${nodeVersion}) is present`)
    return { image, built: false }
  }

  log(`building base image ${image} from ${nodeBinary} (node ${nodeVersion})`)
  mkdirSync(opts.workDir, { recursive: true })
  const context = mkdtempSync(join(opts.workDir, 'base-image-'))
  try {
    const rootfs = join(context, 'rootfs')
    const shell = realpathSync('/bin/sh')
    copyInto(rootfs, nodeBinary, '/usr/bin/node')
    copyInto(rootfs, shell, shell)
    const libraries = new Set([
      ...(await linkedLibraries(nodeBinary, env)),
      ...(await linkedLibraries(shell, env)),
    ])
    for (const library of libraries) copyInto(rootfs, library)
    mkdirSync(join(rootfs, 'bin'), { recursive: true })
    if (shell !== '/bin/sh') symlinkSync(shell, join(rootfs, 'bin', 'sh'))
    mkdirSync(join(rootfs, 'tmp'), { recursive: true, mode: 0o1777 })
    mkdirSync(join(rootfs, 'etc'), { recursive: true })
    writeFileSync(
      join(rootfs, 'etc', 'passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
    )
    writeFileSync(
      join(rootfs, 'etc', 'group'),
      'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n',
    )
    mkdirSync(join(rootfs, 'root'), { recursive: true })
    mkdirSync(join(rootfs, 'home', 'node'), { recursive: true })
    writeFileSync(
      join(context, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY rootfs/ /',
        'ENV PATH=/usr/local/bin:/usr/bin:/bin',
        `ENV NODE_VERSION=${nodeVersion.slice(1)}`,
        `LABEL ${VERSION_LABEL}=${nodeVersion}`,
        'CMD ["node"]',
        '',
      ].join('\n'),
    )
    const build = await runTool(
      'docker',
      ['build', '--tag', image, '--file', join(context, 'Dockerfile'), context],
      { env, timeoutMs: 300_000 },
    )
    if (build.exitCode !== 0) {
      throw new Error(
        `Building the base image ${image} failed (exit code ${build.exitCode}):\n${build.stderr.trim()}`,
      )
    }
    log(`built base image ${image}`)
    return { image, built: true }
  } finally {
    rmSync(context, { recursive: true, force: true })
  }
}
