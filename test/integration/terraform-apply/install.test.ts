// Installing Terraform from a release mirror: a node:http server on
// 127.0.0.1 serves a zip of the local terraform binary and a SHA256SUMS file
// in the releases.hashicorp.com layout. The steps run as on a GitHub runner
// (GITHUB_ACTIONS=true) with no terraform on PATH and no terraform-binary,
// which is when the action installs the release into the tool cache. Each
// case also checks that the downloads are gone from RUNNER_TEMP afterwards.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createBucket, uniqueName } from '../../helpers/fixtures.js'
import { stackEnv } from '../../helpers/stack.js'
import { findOnPath } from '../../../actions/terraform-apply/src/terraform.js'
import {
  DATA_CONFIG,
  explain,
  removeStepFolders,
  runStep,
  workspaceWith,
  type StepResult,
} from './step.js'

const VERSION = '1.11.4'
const ARCHES: Record<string, string> = { x64: 'amd64', arm64: 'arm64' }
const ZIP_NAME = `terraform_${VERSION}_linux_${ARCHES[process.arch] ?? process.arch}.zip`
const SUMS_NAME = `terraform_${VERSION}_SHA256SUMS`

interface Mirror {
  url: string
  /** Request paths, in order. */
  requests: string[]
  /** Served bodies by request path. */
  files: Map<string, Buffer>
  close(): Promise<void>
}

async function startMirror(): Promise<Mirror> {
  const requests: string[] = []
  const files = new Map<string, Buffer>()
  const server: Server = createServer((request, response) => {
    const url = request.url ?? '/'
    requests.push(url)
    const body = files.get(url)
    if (body === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' })
      response.end('not found')
      return
    }
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': body.length,
    })
    response.end(body)
  })
  await new Promise<void>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve()),
  )
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    files,
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  }
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** PATH of `env` without the folders that contain a terraform binary. */
function pathWithoutTerraform(env: NodeJS.ProcessEnv): string {
  return (env.PATH ?? '')
    .split(path.delimiter)
    .filter(
      (dir) =>
        dir !== '' && findOnPath('terraform', { PATH: dir }) === undefined,
    )
    .join(path.delimiter)
}

const describeLinux = process.platform === 'linux' ? describe : describe.skip

describeLinux('terraform-apply install from release-mirror', () => {
  const folders: string[] = []
  let mirror: Mirror
  let zip: Buffer
  let stateBucket: string
  let workspace: string

  function tempFolder(prefix: string): string {
    const folder = mkdtempSync(path.join(tmpdir(), prefix))
    folders.push(folder)
    return folder
  }

  function step(
    toolCache: string,
    releaseMirror: string,
    stateKey: string,
  ): Promise<StepResult> {
    const env = stackEnv()
    return runStep({
      workspace,
      env: stackEnv({
        PATH: pathWithoutTerraform(env),
        RUNNER_TOOL_CACHE: toolCache,
        http_proxy: undefined,
        https_proxy: undefined,
        HTTP_PROXY: undefined,
        HTTPS_PROXY: undefined,
      }),
      inputs: {
        mode: 'plan',
        'working-directory': 'infra',
        'backend-bucket': stateBucket,
        'backend-key': stateKey,
        variables: JSON.stringify({ label: 'installed' }),
        'release-mirror': releaseMirror,
        'cache-providers': 'false',
        'run-id': '505',
        'pr-number': undefined,
        'github-token': undefined,
      },
    })
  }

  /** Serves the zip and, unless `sums` is undefined, the SHA256SUMS file. */
  function serve(
    folder: string,
    sums: string | undefined,
    body: Buffer = zip,
  ): void {
    mirror.files.clear()
    mirror.files.set(`/${folder}/${VERSION}/${ZIP_NAME}`, body)
    if (sums !== undefined) {
      mirror.files.set(`/${folder}/${VERSION}/${SUMS_NAME}`, Buffer.from(sums))
    }
  }

  beforeAll(async () => {
    const terraform = findOnPath('terraform', stackEnv())
    if (terraform === undefined) throw new Error('No terraform on PATH')
    const build = tempFolder('kit-tf-zip-')
    copyFileSync(terraform, path.join(build, 'terraform'))
    // -0 stores the binary without compression, which keeps the test fast.
    execFileSync('zip', ['-q', '-0', ZIP_NAME, 'terraform'], { cwd: build })
    zip = readFileSync(path.join(build, ZIP_NAME))
    mirror = await startMirror()
    stateBucket = await createBucket(uniqueName('kit-tfa-install'))
    workspace = workspaceWith('infra', DATA_CONFIG)
    folders.push(workspace)
  })

  afterAll(async () => {
    await mirror.close()
    removeStepFolders()
    for (const folder of folders) {
      rmSync(folder, { recursive: true, force: true })
    }
  })

  it('installs into the tool cache, then finds it there', async () => {
    serve(
      'good',
      [
        `${'0'.repeat(64)}  terraform_${VERSION}_darwin_arm64.zip`,
        `${sha256(zip)}  ${ZIP_NAME}`,
        '',
      ].join('\n'),
    )
    const toolCache = tempFolder('kit-tool-cache-')
    const installed = await step(
      toolCache,
      `${mirror.url}/good/`,
      'install/first.tfstate',
    )
    if (installed.exitCode !== 0) throw new Error(explain(installed))
    const binary = path.join(
      toolCache,
      'terraform',
      VERSION,
      process.arch,
      'terraform',
    )
    expect(existsSync(binary)).toBe(true)
    expect(existsSync(`${path.dirname(binary)}.complete`)).toBe(true)
    expect(installed.stdout).toContain(
      `Downloading ${mirror.url}/good/${VERSION}/${ZIP_NAME}`,
    )
    expect(installed.stdout).toContain(`Checksum of ${ZIP_NAME} verified`)
    expect(installed.stdout).toContain(
      `Using terraform ${VERSION} at ${binary} (tool-cache)`,
    )
    expect(installed.outputs['terraform-version']).toBe(VERSION)
    expect(installed.outputs['has-changes']).toBe('true')
    // Only the plan artifact's folder stays, because the zip, the SHA256SUMS
    // file and the extracted binary are deleted once the binary is cached.
    expect(readdirSync(installed.runnerTemp)).toEqual([
      'terraform-apply-artifacts',
    ])
    expect(mirror.requests).toEqual([
      `/good/${VERSION}/${ZIP_NAME}`,
      `/good/${VERSION}/${SUMS_NAME}`,
    ])

    mirror.requests.length = 0
    const again = await step(
      toolCache,
      `${mirror.url}/good`,
      'install/second.tfstate',
    )
    if (again.exitCode !== 0) throw new Error(explain(again))
    expect(again.stdout).toContain(
      `Found terraform ${VERSION} in the tool cache`,
    )
    expect(again.stdout).toContain(
      `Using terraform ${VERSION} at ${binary} (tool-cache)`,
    )
    expect(mirror.requests).toEqual([])
  }, 180_000)

  it('rejects a damaged zip and caches nothing', async () => {
    const damaged = Buffer.from(zip)
    const middle = Math.floor(damaged.length / 2)
    damaged[middle] = (damaged[middle] ?? 0) ^ 0xff
    serve('damaged', `${sha256(zip)}  ${ZIP_NAME}\n`, damaged)
    const toolCache = tempFolder('kit-tool-cache-')
    const result = await step(
      toolCache,
      `${mirror.url}/damaged`,
      'install/damaged.tfstate',
    )
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain(
      `${ZIP_NAME} has SHA-256 ${sha256(damaged)}, but ${mirror.url}/damaged/${VERSION}/${SUMS_NAME} lists ${sha256(zip)}`,
    )
    expect(readdirSync(toolCache)).toEqual([])
    expect(readdirSync(result.runnerTemp)).toEqual([])
    expect(result.outputs['applied']).toBe('false')
  }, 120_000)

  it('fails when SHA256SUMS lacks the zip', async () => {
    serve(
      'unlisted',
      `${sha256(zip)}  terraform_${VERSION}_windows_amd64.zip\n`,
    )
    const toolCache = tempFolder('kit-tool-cache-')
    const result = await step(
      toolCache,
      `${mirror.url}/unlisted`,
      'install/unlisted.tfstate',
    )
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain(
      `${mirror.url}/unlisted/${VERSION}/${SUMS_NAME} lists no SHA-256 for ${ZIP_NAME}, so the download cannot be verified until that URL on the release-mirror serves the official ${SUMS_NAME} of terraform ${VERSION}, which has a line for ${ZIP_NAME}.`,
    )
    expect(result.stdout).not.toContain('.:')
    expect(readdirSync(toolCache)).toEqual([])
    expect(readdirSync(result.runnerTemp)).toEqual([])
  }, 120_000)

  it('names the missing SHA256SUMS file', async () => {
    serve('nosums', undefined)
    const toolCache = tempFolder('kit-tool-cache-')
    const result = await step(
      toolCache,
      `${mirror.url}/nosums`,
      'install/nosums.tfstate',
    )
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain(
      `Downloading ${mirror.url}/nosums/${VERSION}/${SUMS_NAME} failed`,
    )
    expect(result.stdout).toContain(
      `${ZIP_NAME} was downloaded, but ${SUMS_NAME} was not. Put the release's ${SUMS_NAME} beside the zip on the release-mirror, under that exact name and not as plain SHA256SUMS.`,
    )
    expect(result.stdout).not.toContain('for this platform')
    expect(readdirSync(toolCache)).toEqual([])
    expect(readdirSync(result.runnerTemp)).toEqual([])
  }, 120_000)

  it('names the URL that the mirror lacks', async () => {
    serve('present', `${sha256(zip)}  ${ZIP_NAME}\n`)
    const toolCache = tempFolder('kit-tool-cache-')
    const result = await step(
      toolCache,
      `${mirror.url}/absent`,
      'install/absent.tfstate',
    )
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain(
      `Downloading ${mirror.url}/absent/${VERSION}/${ZIP_NAME} failed`,
    )
    expect(result.stdout).toContain(`release-mirror ${mirror.url}/absent`)
    expect(readdirSync(toolCache)).toEqual([])
  }, 120_000)
})
