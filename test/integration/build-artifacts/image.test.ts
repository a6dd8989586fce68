import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  afterAll,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
} from '@jest/globals'
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  ECRClient,
  ListImagesCommand,
  StartImageScanCommand,
} from '@aws-sdk/client-ecr'
import type { BackendImageRecord } from '../../../common/contracts/records.js'
import { runTool } from '../../../local-stack/processes.js'
import {
  makeWorkspace,
  runBuildArtifacts,
  writeTree,
} from '../../helpers/build-artifacts.js'
import { awsClient, uniqueName } from '../../helpers/fixtures.js'
import { isLoopbackHost } from '../../helpers/loopback-only.js'
import {
  baseImage,
  motoEndpoint,
  motoState,
  registryAddress,
  resetMoto,
  stackEnv,
} from '../../helpers/stack.js'

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
const DOCKERFILE = `ARG BASE_IMAGE
FROM \${BASE_IMAGE}
COPY server.js /app/server.js
HEALTHCHECK --interval=5s CMD node -e "process.exit(0)"
CMD ["node", "/app/server.js"]
`
const NO_HEALTHCHECK = `ARG BASE_IMAGE
FROM \${BASE_IMAGE}
COPY server.js /app/server.js
CMD ["node", "/app/server.js"]
`

let guardDir: string
let commandLog: string
const workspaces: string[] = []
const builtImages: string[] = []
let ecr: ECRClient

// Every docker command of the action goes through this wrapper, which
// records it and rejects an amazonaws.com name before the real CLI (and
// any DNS look-up) sees it.
beforeAll(async () => {
  ecr = awsClient(ECRClient)
  guardDir = mkdtempSync(path.join(tmpdir(), 'docker-guard-'))
  commandLog = path.join(guardDir, 'commands.log')
  const which = await runTool('sh', ['-c', 'command -v docker'], {
    env: stackEnv(),
  })
  const realDocker = which.stdout.trim()
  writeFileSync(
    path.join(guardDir, 'docker'),
    `#!/bin/sh
printf '%s\\n' "$*" >> '${commandLog}'
case "$*" in *amazonaws.com*) echo "blocked: image command names an AWS host" >&2; exit 97;; esac
exec '${realDocker}' "$@"
`,
  )
  chmodSync(path.join(guardDir, 'docker'), 0o755)
})

afterAll(async () => {
  ecr.destroy()
  for (const reference of builtImages) {
    await runTool('docker', ['rmi', '--force', reference], { env: stackEnv() })
  }
  for (const dir of [...workspaces, guardDir]) {
    rmSync(dir, { recursive: true, force: true })
  }
})

function loggedCommands(): string[] {
  return existsSync(commandLog)
    ? readFileSync(commandLog, 'utf8').trim().split('\n').filter(Boolean)
    : []
}

/** Registry hosts named by image commands: references (host/...) and the login target. */
function namedHosts(commands: string[]): string[] {
  const hosts: string[] = []
  for (const command of commands) {
    const words = command.split(' ')
    if (words[0] === 'login') hosts.push(words[words.length - 1] ?? '')
    for (const word of words) {
      const match = /^([^/\s=]+)\/[^\s]+:[^\s]+$/.exec(word)
      if (match?.[1] && /[.:]/.test(match[1])) hosts.push(match[1])
    }
  }
  return hosts
}

function imageWorkspace(
  dockerfile = DOCKERFILE,
  server = 'console.log("v1")\n',
): string {
  const workspace = makeWorkspace('build-image-')
  workspaces.push(workspace)
  writeTree(path.join(workspace, 'backend'), {
    Dockerfile: dockerfile,
    'server.js': server,
  })
  return workspace
}

async function createRepo(
  mutability: 'MUTABLE' | 'IMMUTABLE',
): Promise<string> {
  const name = `kit-image/${uniqueName('api')}`
  await ecr.send(
    new CreateRepositoryCommand({
      repositoryName: name,
      imageTagMutability: mutability,
    }),
  )
  return name
}

async function buildImage(
  workspace: string,
  repository: string,
  extra: Record<string, string | undefined> = {},
) {
  const run = await runBuildArtifacts(
    workspace,
    {
      mode: 'image',
      'ecr-repository': repository,
      context: 'backend',
      'build-args': `BASE_IMAGE=${baseImage()}`,
      ...extra,
    },
    { PATH: `${guardDir}:${stackEnv().PATH}` },
  )
  builtImages.push(
    `${registryAddress()}/${repository}:${extra['image-tag'] ?? '0123456789abcdef0123456789abcdef01234567'}`,
  )
  return run
}

async function registryDigest(
  repository: string,
  tag: string,
): Promise<string | null> {
  const response = await fetch(
    `http://${registryAddress()}/v2/${repository}/manifests/${tag}`,
    { method: 'HEAD', headers: { Accept: DOCKER_MANIFEST } },
  )
  return response.ok ? response.headers.get('docker-content-digest') : null
}

async function setFindings(
  repository: string,
  digest: string,
  findings: Array<{ name: string; severity: string }>,
  inProgressPolls = 0,
): Promise<void> {
  const response = await fetch(
    `${motoEndpoint()}/moto-api/kit/ecr/scan-findings`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        repositoryName: repository,
        imageDigest: digest,
        findings,
        inProgressPolls,
      }),
    },
  )
  expect(response.status).toBe(201)
}

describe('image part', () => {
  it('builds, pushes and passes scan', async () => {
    const repository = await createRepo('MUTABLE')
    const run = await buildImage(imageWorkspace(), repository, {
      'extra-tags': 'latest',
    })
    expect(run.error).toBeUndefined()
    const tag = '0123456789abcdef0123456789abcdef01234567'
    const digest = await registryDigest(repository, tag)
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(await registryDigest(repository, 'latest')).toBe(digest)
    expect(run.outputs['image-digest']).toBe(digest)
    expect(run.outputs['image-uri']).toBe(
      `${registryAddress()}/${repository}@${digest}`,
    )
    expect(Number(run.outputs['image-size-bytes'])).toBeGreaterThan(1000)
    expect(run.outputs['scan-status']).toBe('passed')
    expect(run.outputs['scan-findings-json']).toBe('{}')
    const record = run.record?.artifacts?.[0] as BackendImageRecord
    expect(record).toMatchObject({
      type: 'backend_image',
      name: repository,
      version: tag,
      image_digest: digest,
      health_check_path: '/healthz',
      pipeline_run_id: '4242424242',
      scan: { status: 'passed', threshold: 'high' },
    })
    expect(record.sha256).toBe(digest?.replace('sha256:', ''))
    const commands = loggedCommands()
    const hosts = namedHosts(commands)
    expect(hosts.length).toBeGreaterThan(0)
    for (const host of hosts) {
      expect(`${host}: ${isLoopbackHost(host.replace(/:\d+$/, ''))}`).toBe(
        `${host}: true`,
      )
    }
    expect(
      commands.some(
        (c) => c.startsWith('build ') && c.includes('--provenance'),
      ),
    ).toBe(false)
    expect(run.log.join('\n')).not.toMatch(/auth-token/)
  })

  it('re-run with immutable tag succeeds', async () => {
    const repository = await createRepo('IMMUTABLE')
    const workspace = imageWorkspace()
    const first = await buildImage(workspace, repository, {
      'severity-threshold': 'none',
    })
    expect(first.error).toBeUndefined()
    const again = await buildImage(workspace, repository, {
      'severity-threshold': 'none',
    })
    expect(again.error).toBeUndefined()
    expect(again.outputs['image-digest']).toBe(first.outputs['image-digest'])
    expect(again.log.join('\n')).toMatch(
      /already points to this image \(config sha256:[0-9a-f]{64}\); not pushed again/,
    )
  })

  it('immutable tag conflict fails', async () => {
    const repository = await createRepo('IMMUTABLE')
    const first = await buildImage(imageWorkspace(), repository, {
      'severity-threshold': 'none',
    })
    expect(first.error).toBeUndefined()
    const changed = await buildImage(
      imageWorkspace(DOCKERFILE, 'console.log("v2")\n'),
      repository,
      { 'severity-threshold': 'none' },
    )
    expect(String(changed.error)).toMatch(
      /Tag conflict in ECR repository .* tags are immutable/,
    )
    expect(
      await registryDigest(
        repository,
        '0123456789abcdef0123456789abcdef01234567',
      ),
    ).toBe(first.outputs['image-digest'])
  })

  it('records disabled scan gate', async () => {
    const repository = await createRepo('MUTABLE')
    const run = await buildImage(imageWorkspace(), repository, {
      'severity-threshold': 'none',
    })
    expect(run.error).toBeUndefined()
    expect(run.outputs['scan-status']).toBe('disabled')
    const record = run.record?.artifacts?.[0] as BackendImageRecord
    expect(record.scan).toEqual({
      status: 'disabled',
      threshold: 'none',
      finding_counts: {},
    })
  })

  it('fails on findings above threshold', async () => {
    const repository = await createRepo('MUTABLE')
    const workspace = imageWorkspace()
    const first = await buildImage(workspace, repository, {
      'severity-threshold': 'none',
    })
    const digest = first.outputs['image-digest'] ?? ''
    await setFindings(
      repository,
      digest,
      [
        { name: 'CVE-2026-0001', severity: 'HIGH' },
        { name: 'CVE-2026-0002', severity: 'LOW' },
      ],
      1,
    )
    const run = await buildImage(workspace, repository)
    expect(String(run.error)).toMatch(
      /found 1 HIGH at or above severity-threshold high/,
    )
    expect(run.outputs['scan-status']).toBe('failed')
    expect(JSON.parse(run.outputs['scan-findings-json'] ?? '{}')).toEqual({
      HIGH: 1,
      LOW: 1,
    })
    expect(run.summary).toMatch(/CVE\\-2026\\-0001/)
    const record = run.record?.artifacts?.[0] as BackendImageRecord
    expect(record.scan.status).toBe('failed')
    expect(run.log.join('\n')).toMatch(/Waiting for the registry scan/)
  })

  it('passes findings below threshold', async () => {
    const repository = await createRepo('MUTABLE')
    const workspace = imageWorkspace()
    const first = await buildImage(workspace, repository, {
      'severity-threshold': 'none',
    })
    await setFindings(repository, first.outputs['image-digest'] ?? '', [
      { name: 'CVE-2026-0003', severity: 'MEDIUM' },
    ])
    const run = await buildImage(workspace, repository, {
      'severity-threshold': 'high',
    })
    expect(run.error).toBeUndefined()
    expect(run.outputs['scan-status']).toBe('passed')
    expect(JSON.parse(run.outputs['scan-findings-json'] ?? '{}')).toEqual({
      MEDIUM: 1,
    })
  })

  it('rejects image without health check', async () => {
    const repository = await createRepo('MUTABLE')
    const run = await buildImage(imageWorkspace(NO_HEALTHCHECK), repository, {
      'health-check-path': undefined,
    })
    expect(String(run.error)).toMatch(
      /declares no HEALTHCHECK and health-check-path is empty/,
    )
    expect(
      await registryDigest(
        repository,
        '0123456789abcdef0123456789abcdef01234567',
      ),
    ).toBeNull()
  })

  it('accepts path without HEALTHCHECK', async () => {
    const repository = await createRepo('MUTABLE')
    const run = await buildImage(imageWorkspace(NO_HEALTHCHECK), repository, {
      'severity-threshold': 'none',
    })
    expect(run.error).toBeUndefined()
  })
})

describe('image inputs before side effects', () => {
  // moto 5.2.1 cannot dump its models after a multipart upload, which other
  // test files on this worker make; start from a reset to compare states.
  beforeEach(async () => {
    await resetMoto()
  })

  it.each([
    ['missing repository', { 'ecr-repository': undefined }, /ecr-repository/],
    ['bad tag', { 'image-tag': '-bad' }, /image-tag/],
    ['bad threshold', { 'severity-threshold': 'severe' }, /severity-threshold/],
    ['missing Dockerfile', { dockerfile: 'Nope' }, /dockerfile/],
  ])('%s', async (_name, override, message) => {
    const repository = await createRepo('MUTABLE')
    const workspace = imageWorkspace()
    const before = await motoState()
    const commandsBefore = loggedCommands().length
    const run = await buildImage(workspace, repository, override)
    expect(String(run.error)).toMatch(message)
    expect(await motoState()).toEqual(before)
    expect(loggedCommands().length).toBe(commandsBefore)
  })
})

describe('moto ECR registry extension', () => {
  it('describes pushed images by real digest', async () => {
    const repository = await createRepo('MUTABLE')
    const run = await buildImage(imageWorkspace(), repository, {
      'severity-threshold': 'none',
    })
    const digest = run.outputs['image-digest']
    const described = await ecr.send(
      new DescribeImagesCommand({ repositoryName: repository }),
    )
    const detail = described.imageDetails?.[0]
    expect(detail?.imageDigest).toBe(digest)
    expect(detail?.imageManifestMediaType).toBe(DOCKER_MANIFEST)
    const manifest = await fetch(
      `http://${registryAddress()}/v2/${repository}/manifests/${digest}`,
      { headers: { Accept: DOCKER_MANIFEST } },
    )
    const layers = (
      (await manifest.json()) as { layers: Array<{ size: number }> }
    ).layers
    expect(detail?.imageSizeInBytes).toBe(
      layers.reduce((sum, layer) => sum + layer.size, 0),
    )
  })

  it('lists and returns registry manifests', async () => {
    const repository = await createRepo('MUTABLE')
    const run = await buildImage(imageWorkspace(), repository, {
      'severity-threshold': 'none',
      'extra-tags': 'stable',
    })
    const digest = run.outputs['image-digest']
    const listed = await ecr.send(
      new ListImagesCommand({ repositoryName: repository }),
    )
    expect(
      (listed.imageIds ?? [])
        .map((id) => `${id.imageTag}@${id.imageDigest}`)
        .sort(),
    ).toEqual([
      `0123456789abcdef0123456789abcdef01234567@${digest}`,
      `stable@${digest}`,
    ])
    const fetched = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: repository,
        imageIds: [{ imageTag: 'stable' }],
      }),
    )
    const manifest = await fetch(
      `http://${registryAddress()}/v2/${repository}/manifests/stable`,
      { headers: { Accept: DOCKER_MANIFEST } },
    )
    expect(fetched.images?.[0]?.imageManifest).toBe(await manifest.text())
  })

  it('pages stored scan findings', async () => {
    const repository = await createRepo('MUTABLE')
    const run = await buildImage(imageWorkspace(), repository, {
      'severity-threshold': 'none',
    })
    const imageDigest = run.outputs['image-digest'] ?? ''
    const imageId = { imageDigest }
    await expect(
      ecr.send(
        new DescribeImageScanFindingsCommand({
          repositoryName: repository,
          imageId,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ScanNotFoundException' })
    await setFindings(repository, imageDigest, [
      { name: 'CVE-1', severity: 'CRITICAL' },
      { name: 'CVE-2', severity: 'HIGH' },
      { name: 'CVE-3', severity: 'HIGH' },
    ])
    const started = await ecr.send(
      new StartImageScanCommand({ repositoryName: repository, imageId }),
    )
    expect(started.imageScanStatus?.status).toBe('IN_PROGRESS')
    const first = await ecr.send(
      new DescribeImageScanFindingsCommand({
        repositoryName: repository,
        imageId,
        maxResults: 2,
      }),
    )
    expect(first.imageScanStatus?.status).toBe('COMPLETE')
    expect(first.imageScanFindings?.findingSeverityCounts).toEqual({
      CRITICAL: 1,
      HIGH: 2,
    })
    expect(first.imageScanFindings?.findings?.map((f) => f.name)).toEqual([
      'CVE-1',
      'CVE-2',
    ])
    const second = await ecr.send(
      new DescribeImageScanFindingsCommand({
        repositoryName: repository,
        imageId,
        maxResults: 2,
        nextToken: first.nextToken,
      }),
    )
    expect(second.imageScanFindings?.findings?.map((f) => f.name)).toEqual([
      'CVE-3',
    ])
    expect(second.nextToken).toBeUndefined()
  })

  it('returns no findings by default', async () => {
    const repository = await createRepo('MUTABLE')
    const run = await buildImage(imageWorkspace(), repository, {
      'severity-threshold': 'none',
    })
    const imageId = { imageDigest: run.outputs['image-digest'] ?? '' }
    await ecr.send(
      new StartImageScanCommand({ repositoryName: repository, imageId }),
    )
    const result = await ecr.send(
      new DescribeImageScanFindingsCommand({
        repositoryName: repository,
        imageId,
      }),
    )
    expect(result.imageScanFindings?.findings).toEqual([])
    expect(result.imageScanFindings?.findingSeverityCounts).toEqual({})
  })
})
