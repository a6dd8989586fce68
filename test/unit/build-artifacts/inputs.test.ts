import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { InputError } from '../../../common/errors.js'
import { InputReader } from '../../../common/inputs.js'
import {
  readInputs,
  type BuildArtifactsInputs,
} from '../../../actions/build-artifacts/src/inputs.js'
import { describeSettings } from '../../../actions/build-artifacts/src/settings.js'
import {
  defaultsSource,
  loadActionMetadata,
  TEST_GITHUB_CONTEXT,
} from '../../helpers/action-metadata.js'

type Overrides = Record<string, string | undefined>

let workspace: string
let outside: string

beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'build-artifacts-ws-'))
  outside = mkdtempSync(path.join(tmpdir(), 'build-artifacts-outside-'))
  mkdirSync(path.join(workspace, 'backend'))
  writeFileSync(path.join(workspace, 'backend', 'Dockerfile'), 'FROM base\n')
  writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM base\n')
  mkdirSync(path.join(workspace, 'web', 'dist'), { recursive: true })
  writeFileSync(path.join(workspace, 'web', 'dist', 'index.html'), '<p>')
  symlinkSync(outside, path.join(workspace, 'escape'))
})

afterAll(() => {
  rmSync(workspace, { recursive: true, force: true })
  rmSync(outside, { recursive: true, force: true })
})

/** Inputs that make the default mode (image and frontend) valid. */
const BUILD: Overrides = {
  'ecr-repository': 'shop/api',
  'frontend-dir': 'web/dist',
}

const PUBLISH: Overrides = {
  mode: 'publish',
  'frontend-dir': 'web/dist',
  'frontend-bucket': 'shop-production-site',
}

function read(overrides: Overrides): BuildArtifactsInputs {
  const { source } = defaultsSource('build-artifacts', overrides)
  return readInputs(new InputReader(source), workspace)
}

function readError(overrides: Overrides): InputError {
  try {
    read(overrides)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('readInputs accepted the inputs')
}

describe('build-artifacts readInputs', () => {
  it('applies the action.yml defaults', () => {
    const inputs = read(BUILD)

    expect(inputs.parts).toEqual(['image', 'frontend'])
    expect(inputs.awsRegion).toBe('us-east-1')
    expect(inputs.runId).toBe(TEST_GITHUB_CONTEXT['github.run_id'])
    expect(inputs.commitSha).toBe(TEST_GITHUB_CONTEXT['github.sha'])
    expect(inputs.timeoutMs).toBe(15 * 60_000)
    expect(inputs.attemptTimeoutMs).toBe(60_000)
    expect(inputs.deadlineAt).toBeUndefined()
    expect(inputs.retentionDays).toBe(90)
    expect(inputs.recordFile).toBe(
      path.join(workspace, '.deploy-records', 'build-artifacts.json'),
    )
    expect(inputs.publish).toBeUndefined()
  })

  it('reads image defaults', () => {
    const image = read(BUILD).image

    expect(image?.repository).toBe('shop/api')
    expect(image?.registry).toBeUndefined()
    expect(image?.contextDir).toBe(workspace)
    expect(image?.dockerfile).toBe(path.join(workspace, 'Dockerfile'))
    expect(image?.platform).toBe('linux/amd64')
    expect(image?.tags).toEqual([TEST_GITHUB_CONTEXT['github.sha']])
    expect(image?.healthCheckPath).toBe('/healthz')
    expect(image?.severityThreshold).toBe('high')
    expect(image?.scanTimeoutMs).toBe(5 * 60_000)
  })

  it('reads frontend defaults', () => {
    const frontend = read(BUILD).frontend

    expect(frontend?.dir).toBe(path.join(workspace, 'web', 'dist'))
    expect(frontend?.includeSourceMaps).toBe(false)
  })

  it('reads publish defaults', () => {
    const publish = read(PUBLISH).publish

    expect(publish?.bucket).toBe('shop-production-site')
    expect(publish?.prefix).toBe('')
    expect(publish?.contentTypes).toEqual([])
    expect(publish?.cacheControl).toEqual([])
    expect(publish?.deleteStale).toBe(false)
    expect(publish?.maxDeletePercent).toBe(50)
    expect(publish?.uploadConcurrency).toBe(16)
    expect(publish?.cloudFront).toBeUndefined()
  })

  it('reads every input exactly once', () => {
    const { source, reads } = defaultsSource('build-artifacts', BUILD)
    readInputs(new InputReader(source), workspace)
    const declared = Object.keys(
      loadActionMetadata('build-artifacts').inputs ?? {},
    )

    expect([...reads.keys()].sort()).toEqual([...declared].sort())
    for (const name of declared)
      expect([name, reads.get(name)]).toEqual([name, 1])
  })

  it.each([
    ['image', ['image'], { 'ecr-repository': 'shop/api' }],
    ['frontend,image', ['image', 'frontend'], BUILD],
    ['publish\nfrontend', ['frontend', 'publish'], PUBLISH],
    ['all', ['image', 'frontend'], BUILD],
  ])('orders mode %j as parts', (mode, parts, overrides) => {
    const inputs = read({ ...overrides, mode })

    expect(inputs.parts).toEqual(parts)
    expect(inputs.image === undefined).toBe(!parts.includes('image'))
    expect(inputs.publish === undefined).toBe(!parts.includes('publish'))
  })

  it('reads a full image configuration', () => {
    const image = read({
      ...BUILD,
      mode: 'image',
      'frontend-dir': undefined,
      'ecr-registry': '127.0.0.1:5000',
      context: 'backend',
      'build-args': 'BASE_IMAGE=local/node:20\nNOTE=a=b, c',
      target: 'runtime',
      labels: 'org.opencontainers.image.source=https://example.com/shop',
      platform: 'linux/arm64',
      'image-tag': 'v1.2.3',
      'extra-tags': 'latest, v1.2.3\nstable',
      'health-check-path': '',
      'severity-threshold': 'none',
    }).image

    expect(image?.registry).toBe('127.0.0.1:5000')
    expect(image?.contextDir).toBe(path.join(workspace, 'backend'))
    expect(image?.dockerfile).toBe(
      path.join(workspace, 'backend', 'Dockerfile'),
    )
    expect(image?.buildArgs).toEqual([
      ['BASE_IMAGE', 'local/node:20'],
      ['NOTE', 'a=b, c'],
    ])
    expect(image?.target).toBe('runtime')
    expect(image?.platform).toBe('linux/arm64')
    expect(image?.tags).toEqual(['v1.2.3', 'latest', 'stable'])
    expect(image?.healthCheckPath).toBeUndefined()
    expect(image?.severityThreshold).toBe('none')
  })

  it('reads a full publish configuration', () => {
    const publish = read({
      ...PUBLISH,
      'frontend-prefix': 'releases/web/',
      'content-types': '*.data: application/octet-stream',
      'cache-control': 'assets/**: public, max-age=31536000, immutable',
      'delete-stale': 'true',
      'max-delete-percent': '0',
      'cloudfront-distribution-id': 'E2QWRUHAPOMQZL',
      'wait-for-invalidation': 'true',
      'invalidation-timeout': '3m',
    }).publish

    expect(publish?.prefix).toBe('releases/web')
    expect(publish?.contentTypes).toEqual([
      ['*.data', 'application/octet-stream'],
    ])
    expect(publish?.cacheControl).toEqual([
      ['assets/**', 'public, max-age=31536000, immutable'],
    ])
    expect(publish?.deleteStale).toBe(true)
    expect(publish?.maxDeletePercent).toBe(0)
    expect(publish?.cloudFront).toEqual({
      distributionId: 'E2QWRUHAPOMQZL',
      maxPaths: 100,
      wait: true,
      timeoutMs: 180_000,
    })
  })

  it('reads deadline-at as epoch ms', () => {
    const inputs = read({ ...BUILD, 'deadline-at': '2026-05-01T12:00:00Z' })

    expect(inputs.deadlineAt).toBe(Date.UTC(2026, 4, 1, 12))
  })

  // [case, overrides, input named in the error, text of the fix]
  const invalid: Array<[string, Overrides, string, string]> = [
    [
      'unknown part',
      { ...BUILD, mode: 'deploy' },
      'mode',
      'Use one or more of: all, image',
    ],
    [
      'all with a part',
      { ...BUILD, mode: 'all, publish' },
      'mode',
      'use all alone',
    ],
    [
      'region in capitals',
      { ...BUILD, 'aws-region': 'US-EAST-1' },
      'aws-region',
      'such as us-east-1',
    ],
    [
      'unevaluated run id',
      { ...BUILD, 'run-id': '${{ github.run_id }}' },
      'run-id',
      'set the value explicitly',
    ],
    [
      'short commit sha',
      { ...BUILD, 'commit-sha': 'abc1234' },
      'commit-sha',
      '40 (or 64) lowercase hexadecimal',
    ],
    [
      'zero timeout',
      { ...BUILD, timeout: '0' },
      'timeout',
      'Use a duration of at least',
    ],
    [
      'attempt above timeout',
      { ...BUILD, 'attempt-timeout': '20m' },
      'attempt-timeout',
      "Lower 'attempt-timeout' or raise 'timeout'",
    ],
    [
      'deadline without zone',
      { ...BUILD, 'deadline-at': '2026-05-01T12:00:00' },
      'deadline-at',
      'Add a zone',
    ],
    [
      'record file outside',
      { ...BUILD, 'record-file': '../record.json' },
      'record-file',
      'Use a path inside the workspace',
    ],
    [
      'retention of zero',
      { ...BUILD, 'retention-days': '0' },
      'retention-days',
      'from 1 to 400',
    ],
    [
      'image without repository',
      { ...BUILD, 'ecr-repository': undefined },
      'ecr-repository',
      'set ecr-repository',
    ],
    [
      'repository in capitals',
      { ...BUILD, 'ecr-repository': 'Shop/API' },
      'ecr-repository',
      'lowercase letters',
    ],
    [
      'registry with scheme',
      { ...BUILD, 'ecr-registry': 'https://127.0.0.1:5000' },
      'ecr-registry',
      'without a scheme',
    ],
    [
      'registry with space',
      { ...BUILD, 'ecr-registry': 'my registry' },
      'ecr-registry',
      'optional port',
    ],
    [
      'context outside',
      { ...BUILD, context: '..' },
      'context',
      'Use a path inside the workspace',
    ],
    [
      'missing context',
      { ...BUILD, context: 'nope' },
      'context',
      'No directory exists',
    ],
    [
      'context is a file',
      { ...BUILD, context: 'Dockerfile' },
      'context',
      'is not a directory',
    ],
    [
      'missing dockerfile',
      { ...BUILD, dockerfile: 'Containerfile' },
      'dockerfile',
      'No file exists',
    ],
    [
      'build arg without =',
      { ...BUILD, 'build-args': 'BASE_IMAGE' },
      'build-args',
      'KEY=value',
    ],
    [
      'build arg bad name',
      { ...BUILD, 'build-args': '1X=2' },
      'build-args',
      "start with a letter or '_'",
    ],
    [
      'build arg twice',
      { ...BUILD, 'build-args': 'A=1\nA=2' },
      'build-args',
      'more than once',
    ],
    ['bad target', { ...BUILD, target: 'run time' }, 'target', 'build stage'],
    ['bad label name', { ...BUILD, labels: '-x=1' }, 'labels', 'label name'],
    [
      'unsupported platform',
      { ...BUILD, platform: 'linux/386' },
      'platform',
      'linux/amd64, linux/arm64',
    ],
    [
      'tag with space',
      { ...BUILD, 'image-tag': 'v 1' },
      'image-tag',
      'Use a tag of 1 to 128',
    ],
    [
      'extra tag with dash',
      { ...BUILD, 'extra-tags': 'ok, -bad' },
      'extra-tags',
      'Use a tag of 1 to 128',
    ],
    [
      'relative health path',
      { ...BUILD, 'health-check-path': 'healthz' },
      'health-check-path',
      'such as /healthz',
    ],
    [
      'threshold in capitals',
      { ...BUILD, 'severity-threshold': 'HIGH' },
      'severity-threshold',
      "did you mean 'high'",
    ],
    [
      'unknown threshold',
      { ...BUILD, 'severity-threshold': 'severe' },
      'severity-threshold',
      'critical, high, medium, low, informational, none',
    ],
    [
      'scan above timeout',
      { ...BUILD, 'scan-timeout': '1h' },
      'scan-timeout',
      "raise 'timeout'",
    ],
    [
      'frontend without folder',
      { ...BUILD, 'frontend-dir': undefined },
      'frontend-dir',
      'set frontend-dir',
    ],
    [
      'folder outside',
      { ...BUILD, 'frontend-dir': '/etc' },
      'frontend-dir',
      'Use a path inside the workspace',
    ],
    [
      'folder via symlink',
      { ...BUILD, 'frontend-dir': 'escape' },
      'frontend-dir',
      'symbolic link',
    ],
    [
      'folder is a file',
      { ...BUILD, 'frontend-dir': 'web/dist/index.html' },
      'frontend-dir',
      'is not a directory',
    ],
    [
      'missing folder',
      { ...BUILD, 'frontend-dir': 'web/build' },
      'frontend-dir',
      'No directory exists',
    ],
    [
      'source maps yes',
      { ...BUILD, 'include-source-maps': 'yes' },
      'include-source-maps',
      'Use true or false',
    ],
    [
      'publish without bucket',
      { ...PUBLISH, 'frontend-bucket': undefined },
      'frontend-bucket',
      'set frontend-bucket',
    ],
    [
      'bucket with capitals',
      { ...PUBLISH, 'frontend-bucket': 'Shop_Site' },
      'frontend-bucket',
      'bucket name of 3 to 63',
    ],
    [
      'absolute prefix',
      { ...PUBLISH, 'frontend-prefix': '/web' },
      'frontend-prefix',
      "without a leading '/'",
    ],
    [
      'prefix with dot-dot',
      { ...PUBLISH, 'frontend-prefix': 'a/../b' },
      'frontend-prefix',
      "'..' segments",
    ],
    [
      'bad content type',
      { ...PUBLISH, 'content-types': '*.js: javascript' },
      'content-types',
      'media type',
    ],
    [
      'absolute glob',
      { ...PUBLISH, 'content-types': '/app.js: text/javascript' },
      'content-types',
      "remove the leading '/'",
    ],
    [
      'bad cache control',
      { ...PUBLISH, 'cache-control': '*.html: max age' },
      'cache-control',
      'Cache-Control directives',
    ],
    [
      'content type parameter that would split the header',
      {
        ...PUBLISH,
        'content-types':
          '*.js: text/javascript; charset="a\u010d\u010aX-Injected: 1"',
      },
      'content-types',
      'media type',
    ],
    [
      'cache control with a non-ASCII quoted value',
      { ...PUBLISH, 'cache-control': '*.html: private="caf\u00e9"' },
      'cache-control',
      'Cache-Control directives',
    ],
    [
      'delete share above 100',
      { ...PUBLISH, 'max-delete-percent': '150' },
      'max-delete-percent',
      'from 0 to 100',
    ],
    [
      'zero concurrency',
      { ...PUBLISH, 'upload-concurrency': '0' },
      'upload-concurrency',
      'from 1 to 64',
    ],
    [
      'lowercase distribution',
      { ...PUBLISH, 'cloudfront-distribution-id': 'e2qwruhapomqzl' },
      'cloudfront-distribution-id',
      'uppercase letters and digits',
    ],
    [
      'too many paths',
      { ...PUBLISH, 'invalidation-max-paths': '5000' },
      'invalidation-max-paths',
      'from 1 to 3000',
    ],
    [
      'wait without distribution',
      { ...PUBLISH, 'wait-for-invalidation': 'true' },
      'wait-for-invalidation',
      'Set cloudfront-distribution-id',
    ],
    [
      'invalidation above timeout',
      {
        ...PUBLISH,
        'cloudfront-distribution-id': 'E2QWRUHAPOMQZL',
        'wait-for-invalidation': 'true',
        'invalidation-timeout': '1h',
      },
      'invalidation-timeout',
      "raise 'timeout'",
    ],
    [
      'bucket without publish',
      { ...BUILD, 'frontend-bucket': 'shop-site' },
      'frontend-bucket',
      'Add publish to mode',
    ],
    [
      'repository without image',
      { ...BUILD, mode: 'frontend' },
      'ecr-repository',
      'Add image to mode',
    ],
    [
      'folder without frontend',
      { ...BUILD, mode: 'image' },
      'frontend-dir',
      'Add frontend or publish to mode',
    ],
  ]

  it.each(invalid)('rejects %s', (_case, overrides, input, fix) => {
    const error = readError(overrides)

    expect(error.input).toBe(input)
    expect(error.message).toContain(`'${input}'`)
    expect(error.message).toContain(fix)
  })

  it('shows the bad value in the error', () => {
    const error = readError({ ...BUILD, 'image-tag': 'v 1' })

    expect(error.message).toContain('"v 1"')
  })

  it('keeps build argument values out of settings', () => {
    const inputs = read({
      ...BUILD,
      'build-args': 'NPM_TOKEN=npm_SecretValue123',
    })
    const text = JSON.stringify(describeSettings(inputs, workspace))

    expect(text).toContain('NPM_TOKEN')
    expect(text).not.toContain('npm_SecretValue123')
  })

  it('lists settings by input name', () => {
    const inputs = read({
      ...BUILD,
      ...PUBLISH,
      mode: 'image, frontend, publish',
    })
    const declared = Object.keys(
      loadActionMetadata('build-artifacts').inputs ?? {},
    )

    for (const [name] of describeSettings(inputs, workspace)) {
      expect(declared).toContain(name)
    }
  })
})
