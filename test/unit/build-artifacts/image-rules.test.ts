import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import type { ArtifactClient } from '@actions/artifact'
import { memoryLogger } from '../../../common/log.js'
import {
  buildArguments,
  shownBuildCommand,
} from '../../../actions/build-artifacts/src/docker.js'
import { planPushes } from '../../../actions/build-artifacts/src/image-part.js'
import type { ImageSettings } from '../../../actions/build-artifacts/src/inputs.js'
import { uploadRecords } from '../../../actions/build-artifacts/src/records.js'
import {
  countsAtOrAbove,
  failingSeverities,
} from '../../../actions/build-artifacts/src/scan-gate.js'

const IMAGE: ImageSettings = {
  repository: 'shop/api',
  contextDir: '/ws/backend',
  dockerfile: '/ws/backend/Dockerfile',
  buildArgs: [['NODE_ENV', 'production']],
  labels: [],
  platform: 'linux/amd64',
  tags: ['abc', 'latest'],
  healthCheckPath: '/healthz',
  severityThreshold: 'high',
  scanTimeoutMs: 60_000,
}

describe('scan gate severities', () => {
  it('fails at and above threshold', () => {
    expect(failingSeverities('high')).toEqual(['CRITICAL', 'HIGH'])
    expect(failingSeverities('none')).toEqual([])
    expect(failingSeverities('informational')).toContain('UNTRIAGED')
  })

  it('counts only blocking severities', () => {
    const counts = { CRITICAL: 0, HIGH: 2, MEDIUM: 5 }
    expect(countsAtOrAbove(counts, 'high')).toEqual({ HIGH: 2 })
    expect(countsAtOrAbove(counts, 'critical')).toEqual({})
    expect(countsAtOrAbove(counts, 'medium')).toEqual({ HIGH: 2, MEDIUM: 5 })
  })
})

describe('planPushes', () => {
  it('pushes missing tags', () => {
    expect(planPushes(IMAGE, [], 'sha256:c1', true)).toEqual(['abc', 'latest'])
  })

  it('skips tags of same image', () => {
    const existing = [
      { tag: 'abc', digest: 'sha256:m1', configDigest: 'sha256:c1' },
    ]
    expect(planPushes(IMAGE, existing, 'sha256:c1', true)).toEqual(['latest'])
  })

  it('rejects immutable conflict', () => {
    const existing = [
      { tag: 'abc', digest: 'sha256:m1', configDigest: 'sha256:c0' },
    ]
    expect(() => planPushes(IMAGE, existing, 'sha256:c1', true)).toThrow(
      /Tag conflict in ECR repository shop\/api.*abc points to sha256:m1.*Nothing was pushed/,
    )
  })

  it('moves mutable tags', () => {
    const existing = [
      { tag: 'latest', digest: 'sha256:m1', configDigest: 'sha256:c0' },
    ]
    expect(planPushes(IMAGE, existing, 'sha256:c1', false)).toEqual([
      'abc',
      'latest',
    ])
  })
})

describe('buildArguments', () => {
  const request = {
    contextDir: '/ws/backend',
    dockerfile: '/ws/backend/Dockerfile',
    platform: 'linux/amd64',
    buildArgs: [['TOKENISH', 's3cr3t-value']] as Array<[string, string]>,
    labels: [['org.opencontainers.image.revision', 'abc']] as Array<
      [string, string]
    >,
    references: ['127.0.0.1:5000/shop/api:abc'],
  }

  it('passes attestation flags to BuildKit only', () => {
    expect(buildArguments({ ...request, builder: 'buildkit' })).toContain(
      '--provenance=false',
    )
    expect(buildArguments({ ...request, builder: 'podman' })).not.toContain(
      '--provenance=false',
    )
    expect(buildArguments({ ...request, builder: 'classic' })).not.toContain(
      '--sbom=false',
    )
    expect(buildArguments({ ...request, builder: 'podman' })).toEqual(
      expect.arrayContaining(['--format', 'docker']),
    )
  })

  it('hides build argument values', () => {
    const shown = shownBuildCommand(
      buildArguments({ ...request, builder: 'podman' }),
    )
    expect(shown).toContain('TOKENISH=***')
    expect(shown).not.toContain('s3cr3t-value')
  })
})

describe('uploadRecords', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'records-'))
  const files = {
    recordFile: path.join(folder, 'r.json'),
    artifactsFile: path.join(folder, 'r.artifacts.json'),
  }
  writeFileSync(files.recordFile, '{}')
  writeFileSync(files.artifactsFile, '[]')

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true })
  })

  it('says when storage is unavailable', async () => {
    const result = await uploadRecords({
      files,
      name: 'records',
      retentionDays: 90,
      env: {},
      logger: memoryLogger(),
    })
    expect(result.status).toBe('unavailable')
  })

  it('uploads with retention days', async () => {
    const calls: unknown[][] = []
    const client = {
      uploadArtifact: async (...args: unknown[]) => {
        calls.push(args)
        return { id: 7, size: 10 }
      },
    } as unknown as ArtifactClient
    const result = await uploadRecords({
      files,
      name: 'records',
      retentionDays: 90,
      env: {
        ACTIONS_RUNTIME_TOKEN: 't',
        ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/',
      },
      logger: memoryLogger(),
      client: async () => client,
    })
    expect(result).toEqual({
      status: 'uploaded',
      name: 'records',
      id: 7,
      retentionDays: 90,
    })
    expect(calls[0]).toEqual([
      'records',
      [files.recordFile, files.artifactsFile],
      folder,
      { retentionDays: 90 },
    ])
  })

  it('reports a failed upload', async () => {
    const client = {
      uploadArtifact: async () => {
        throw new Error('conflict')
      },
    } as unknown as ArtifactClient
    const result = await uploadRecords({
      files,
      name: 'records',
      retentionDays: 90,
      env: {
        ACTIONS_RUNTIME_TOKEN: 't',
        ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/',
      },
      logger: memoryLogger(),
      client: async () => client,
    })
    expect(result).toEqual({
      status: 'failed',
      name: 'records',
      reason: 'conflict',
    })
  })
})
