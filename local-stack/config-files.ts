import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'

// Paths go into TOML and YAML as JSON strings: a JSON string is also a
// valid TOML basic string and a valid YAML double-quoted scalar.
const quote = (text: string) => JSON.stringify(text)

/**
 * Writes `text` through a temporary name and a rename, and only when the
 * file differs: stacks that share the cache folder read these files while
 * another stack starts.
 */
function writeConfig(file: string, text: string): void {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return
  const partial = `${file}.${process.pid}.partial`
  writeFileSync(partial, text)
  renameSync(partial, file)
}

/** Configuration of the Debian docker-registry (distribution 2.8): filesystem storage, plain HTTP on 127.0.0.1. */
export function writeRegistryConfig(
  file: string,
  opts: { port: number; storageDir: string },
): void {
  writeConfig(
    file,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      '  formatter: text',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${quote(opts.storageDir)}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${quote(`127.0.0.1:${opts.port}`)}`,
      // A configured secret avoids the registry's warning about generating
      // one. Uploads never cross registry instances here, so any value works.
      `  secret: ${quote(randomBytes(16).toString('hex'))}`,
      '  headers:',
      '    X-Content-Type-Options: [nosniff]',
      '',
    ].join('\n'),
  )
}

/** containers-storage.conf: the vfs driver (no overlay or fuse needed) with storage under the cache folder. */
export function writeStorageConfig(
  file: string,
  opts: { runRoot: string; graphRoot: string },
): void {
  writeConfig(
    file,
    [
      '[storage]',
      'driver = "vfs"',
      `runroot = ${quote(opts.runRoot)}`,
      `graphroot = ${quote(opts.graphRoot)}`,
      '',
    ].join('\n'),
  )
}

/**
 * containers.conf: podman's temporary folder beside the storage (podman
 * records it in its database, so every stack sharing the storage must use
 * the same one) and a file events log instead of journald.
 */
export function writeContainersConfig(
  file: string,
  opts: { tmpDir: string; eventsLog: string },
): void {
  writeConfig(
    file,
    [
      '[engine]',
      `tmp_dir = ${quote(opts.tmpDir)}`,
      'events_logger = "file"',
      `events_logfile_path = ${quote(opts.eventsLog)}`,
      'cgroup_manager = "cgroupfs"',
      '',
    ].join('\n'),
  )
}

// Public registries an image name could point at by mistake. Blocking them
// makes a pull or push fail at once instead of leaving this machine.
const BLOCKED_REGISTRIES = [
  'docker.io',
  'registry-1.docker.io',
  'quay.io',
  'ghcr.io',
  'gcr.io',
  '*.gcr.io',
  '*.pkg.dev',
  'registry.k8s.io',
  'mcr.microsoft.com',
  '*.azurecr.io',
  'public.ecr.aws',
  '*.amazonaws.com',
  'registry.gitlab.com',
  'registry.fedoraproject.org',
  'registry.access.redhat.com',
  'registry.redhat.io',
]

/**
 * containers-registries.conf: the local registry as an insecure (plain
 * HTTP) registry, no search registries for short names, and the public
 * registries blocked.
 */
export function writeRegistriesConfig(
  file: string,
  opts: { registryPort: number },
): void {
  const lines = [
    'unqualified-search-registries = []',
    'short-name-mode = "enforcing"',
    '',
  ]
  for (const host of ['127.0.0.1', 'localhost']) {
    lines.push(
      '[[registry]]',
      `location = ${quote(`${host}:${opts.registryPort}`)}`,
      'insecure = true',
      '',
    )
  }
  for (const prefix of BLOCKED_REGISTRIES) {
    lines.push(
      '[[registry]]',
      `prefix = ${quote(prefix)}`,
      ...(prefix.startsWith('*.') ? [] : [`location = ${quote(prefix)}`]),
      'blocked = true',
      '',
    )
  }
  writeConfig(file, lines.join('\n'))
}

/**
 * Terraform CLI configuration: providers from the filesystem mirror only
 * (registry.terraform.io is never contacted) and no update check.
 */
export function writeTerraformConfig(
  file: string,
  opts: { mirrorDir: string },
): void {
  writeConfig(
    file,
    [
      'provider_installation {',
      '  filesystem_mirror {',
      `    path    = ${quote(opts.mirrorDir)}`,
      '    include = ["registry.terraform.io/*/*"]',
      '  }',
      '  direct {',
      '    exclude = ["registry.terraform.io/*/*"]',
      '  }',
      '}',
      '',
      'disable_checkpoint = true',
      '',
    ].join('\n'),
  )
}
