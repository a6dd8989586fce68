import { createHash } from 'node:crypto'
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runTool, type ToolResult } from '../../../local-stack/processes.js'
import { uniqueName } from '../../helpers/fixtures.js'
import {
  baseImage,
  registryAddress,
  stackEnv,
  stackState,
} from '../../helpers/stack.js'

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'

const DOCKERFILE = `
ARG BASE_IMAGE
FROM \${BASE_IMAGE}
WORKDIR /app
COPY server.js /app/server.js
RUN node -e "require('fs').writeFileSync('/app/built.txt', process.version)"
HEALTHCHECK --interval=5s CMD node -e "process.exit(0)"
CMD ["node", "/app/server.js"]
`

function explain(result: ToolResult): string {
  return `exit code ${result.exitCode}\n${result.stdout}\n${result.stderr}`
}

async function docker(args: string[], cwd?: string): Promise<ToolResult> {
  return runTool('docker', args, { env: stackEnv(), cwd, timeoutMs: 240_000 })
}

describe('local stack images', () => {
  let context: string
  const repository = `kit-stack-test/${uniqueName('app')}`
  let tag: string
  let build: ToolResult
  let push: ToolResult

  beforeAll(async () => {
    context = mkdtempSync(join(tmpdir(), 'kit-image-'))
    writeFileSync(join(context, 'Dockerfile'), DOCKERFILE)
    writeFileSync(join(context, 'server.js'), 'console.log("ready")\n')
    tag = `${registryAddress()}/${repository}:v1`
    build = await docker(
      ['build', '--build-arg', `BASE_IMAGE=${baseImage()}`, '-t', tag, '.'],
      context,
    )
    if (build.exitCode === 0) push = await docker(['push', tag])
  }, 300_000)

  afterAll(async () => {
    if (tag) await docker(['rmi', '--force', tag])
    if (context) rmSync(context, { recursive: true, force: true })
  })

  it('runs the podman docker CLI', async () => {
    const which = await runTool('sh', ['-c', 'command -v docker'], {
      env: stackEnv(),
    })
    const docker = which.stdout.trim()
    expect(docker).toBe(join(stackState().binDir, 'docker'))
    expect(realpathSync(docker)).toBe('/usr/bin/docker')
  })

  it('builds from the base image', () => {
    expect(explain(build)).toMatch(/^exit code 0/)
  })

  it('pushes to the local registry', async () => {
    expect(explain(push)).toMatch(/^exit code 0/)
    const url = `http://${registryAddress()}/v2/${repository}/manifests/v1`
    const response = await fetch(url, { headers: { Accept: DOCKER_MANIFEST } })
    expect(response.status).toBe(200)
    const body = await response.text()
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`
    expect(response.headers.get('docker-content-digest')).toBe(digest)

    const manifest = JSON.parse(body) as {
      mediaType: string
      config: { digest: string }
      layers: unknown[]
    }
    expect(manifest.mediaType).toBe(DOCKER_MANIFEST)
    expect(manifest.layers.length).toBeGreaterThan(0)

    const configResponse = await fetch(
      `http://${registryAddress()}/v2/${repository}/blobs/${manifest.config.digest}`,
    )
    const config = (await configResponse.json()) as {
      config: { Cmd?: string[]; Healthcheck?: { Test?: string[] } }
    }
    expect(config.config.Cmd).toEqual(['node', '/app/server.js'])
    expect(config.config.Healthcheck?.Test).toEqual([
      'CMD-SHELL',
      'node -e "process.exit(0)"',
    ])
  })
})
