import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest,
} from '@jest/globals'
import { InputError } from '../../../common/errors.js'
import { InputReader } from '../../../common/inputs.js'
import { redact, resetMasksForTests } from '../../../common/masking.js'
import {
  readInputs,
  type TerraformApplyInputs,
} from '../../../actions/terraform-apply/src/inputs.js'
import { describeSettings } from '../../../actions/terraform-apply/src/settings.js'
import {
  defaultsSource,
  loadActionMetadata,
  TEST_GITHUB_CONTEXT,
} from '../../helpers/action-metadata.js'

type Overrides = Record<string, string | undefined>

const HASH = 'ab'.repeat(32)

let workspace: string

beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'terraform-apply-ws-'))
  mkdirSync(path.join(workspace, 'infra'))
  writeFileSync(
    path.join(workspace, 'infra', 'main.tf'),
    'terraform {\n  backend "s3" {}\n}\n',
  )
  writeFileSync(path.join(workspace, 'infra', 'prod.tfvars'), 'a = 1\n')
  mkdirSync(path.join(workspace, 'json-root'))
  writeFileSync(
    path.join(workspace, 'json-root', 'main.tf.json'),
    '{"terraform": {"backend": {"s3": {}}}}\n',
  )
  mkdirSync(path.join(workspace, 'docs'))
  writeFileSync(path.join(workspace, 'docs', 'README.md'), '# docs\n')
  mkdirSync(path.join(workspace, 'no-backend'))
  writeFileSync(
    path.join(workspace, 'no-backend', 'main.tf'),
    'terraform {\n  # backend "s3" {}\n}\n',
  )
  mkdirSync(path.join(workspace, 'local-backend'))
  writeFileSync(
    path.join(workspace, 'local-backend', 'versions.tf'),
    'terraform {\n  backend "local" {}\n}\n',
  )
  mkdirSync(path.join(workspace, 'bin'))
  writeFileSync(path.join(workspace, 'bin', 'terraform'), '#!/bin/sh\n')
  chmodSync(path.join(workspace, 'bin', 'terraform'), 0o755)
  writeFileSync(path.join(workspace, 'bin', 'plain'), 'not a program\n')
  chmodSync(path.join(workspace, 'bin', 'plain'), 0o644)
})

afterAll(() => {
  rmSync(workspace, { recursive: true, force: true })
})

// Reading github-token registers it with core.setSecret, which prints an
// ::add-mask:: command on stdout; the tests check the mask through redact().
beforeEach(() => {
  jest.spyOn(process.stdout, 'write').mockReturnValue(true)
})

afterEach(() => {
  jest.restoreAllMocks()
  resetMasksForTests()
})

/** Inputs that make the defaults valid. */
const BASE: Overrides = {
  'backend-bucket': 'shop-terraform-state',
  'backend-key': 'shop/production/terraform.tfstate',
  'working-directory': 'infra',
}

function read(overrides: Overrides): TerraformApplyInputs {
  const { source } = defaultsSource('terraform-apply', {
    ...BASE,
    ...overrides,
  })
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

describe('terraform-apply readInputs', () => {
  it('applies the action.yml defaults', () => {
    const inputs = read({})

    expect(inputs.mode).toBe('plan')
    expect(inputs.awsRegion).toBe('us-east-1')
    expect(inputs.workingDirectory).toBe(path.join(workspace, 'infra'))
    expect(inputs.distribution).toBe('terraform')
    expect(inputs.version).toBe('1.11.4')
    expect(inputs.binary).toBeUndefined()
    expect(inputs.cacheProviders).toBe(true)
    expect(inputs.variables).toEqual({})
    expect(inputs.varFiles).toEqual([])
    expect(inputs.reviewedPlanHash).toBeUndefined()
    expect(inputs.onDrift).toBe('fail')
    expect(inputs.timeoutMs).toBe(600_000)
    expect(inputs.gracePeriodMs).toBe(30_000)
    expect(inputs.deadlineAt).toBeUndefined()
    expect(inputs.planArtifactName).toBe('terraform-plan')
    expect(inputs.retentionDays).toBe(90)
    expect(inputs.comment).toEqual({ enabled: false })
    expect(inputs.recordFile).toBe(
      path.join(workspace, '.deploy-records', 'terraform-apply.json'),
    )
    expect(inputs.runId).toBe(TEST_GITHUB_CONTEXT['github.run_id'])
  })

  it('applies the backend defaults', () => {
    expect(read({}).backend).toEqual({
      bucket: 'shop-terraform-state',
      key: 'shop/production/terraform.tfstate',
      workspace: 'default',
      lockMode: 'lockfile',
      lockTimeoutMs: 180_000,
      encrypt: true,
      endpoints: {},
      extraConfig: [],
    })
  })

  it('reads every input exactly once', () => {
    const { source, reads } = defaultsSource('terraform-apply', BASE)
    readInputs(new InputReader(source), workspace)
    const declared = Object.keys(
      loadActionMetadata('terraform-apply').inputs ?? {},
    )

    expect([...reads.keys()].sort()).toEqual([...declared].sort())
    for (const name of declared) {
      expect([name, reads.get(name)]).toEqual([name, 1])
    }
  })

  it('accepts a JSON root module', () => {
    const inputs = read({ 'working-directory': 'json-root' })

    expect(inputs.workingDirectory).toBe(path.join(workspace, 'json-root'))
  })

  it('lowercases the reviewed plan hash', () => {
    const inputs = read({
      mode: 'apply',
      'reviewed-plan-hash': HASH.toUpperCase(),
    })

    expect(inputs.reviewedPlanHash).toBe(HASH)
  })

  it('accepts DynamoDB locking on 1.9', () => {
    const backend = read({
      'terraform-version': '1.9.8',
      'lock-mode': 'dynamodb',
      'lock-table': 'terraform-locks',
      'lock-timeout': '0s',
    }).backend

    expect(backend.lockMode).toBe('dynamodb')
    expect(backend.lockTable).toBe('terraform-locks')
    expect(backend.lockTimeoutMs).toBe(0)
  })

  it('accepts both lock modes on OpenTofu', () => {
    const inputs = read({
      distribution: 'opentofu',
      'terraform-version': '1.10.0',
      'lock-mode': 'both',
      'lock-table': 'terraform-locks',
    })

    expect(inputs.distribution).toBe('opentofu')
    expect(inputs.backend.lockMode).toBe('both')
  })

  it('reads backend endpoints and settings', () => {
    const backend = read({
      'backend-endpoints':
        's3: http://127.0.0.1:5000\ndynamodb: http://127.0.0.1:5000',
      'backend-config': 'kms_key_id: alias/state\nskip_s3_checksum: true',
    }).backend

    expect(backend.endpoints).toEqual({
      s3: 'http://127.0.0.1:5000',
      dynamodb: 'http://127.0.0.1:5000',
    })
    expect(backend.extraConfig).toEqual([
      ['kms_key_id', 'alias/state'],
      ['skip_s3_checksum', 'true'],
    ])
  })

  it('reads JSON variables', () => {
    const inputs = read({
      variables: '{"tags": {"team": "shop"}, "desired_count": 2}',
    })

    expect(inputs.variables).toEqual({
      tags: { team: 'shop' },
      desired_count: 2,
    })
  })

  it('reads variable lines', () => {
    const inputs = read({
      variables: 'environment: production\nimage = repo@sha256:abc',
    })

    expect(inputs.variables).toEqual({
      environment: 'production',
      image: 'repo@sha256:abc',
    })
  })

  it('resolves var files from the root', () => {
    const inputs = read({ 'var-files': 'prod.tfvars' })

    expect(inputs.varFiles).toEqual([
      path.join(workspace, 'infra', 'prod.tfvars'),
    ])
  })

  it('accepts an executable binary', () => {
    const inputs = read({ 'terraform-binary': 'bin/terraform' })

    expect(inputs.binary).toBe(path.join(workspace, 'bin', 'terraform'))
  })

  it('reads release-mirror without a trailing slash', () => {
    const inputs = read({
      'release-mirror': 'http://127.0.0.1:8080/releases/terraform/',
    })

    expect(inputs.releaseMirror).toBe(
      'http://127.0.0.1:8080/releases/terraform',
    )
    expect(read({}).releaseMirror).toBeUndefined()
  })

  it('hides mirror credentials in the error', () => {
    const error = readError({
      'release-mirror': 'https://user:Mirror-Pass-81@mirror.example.com/tf',
    })

    expect(error.message).not.toContain('Mirror-Pass-81')
  })

  it.each([
    [
      'an invalid port',
      'https://user:Mirror-Pass-81@mirror.example.com:99999/tf',
    ],
    [
      'a space in the host',
      'https://user:Mirror-Pass-81@mirror example.com/tf',
    ],
    [
      'a slash in the password',
      'https://user:Mirror/Pass-81@mirror.example.com/tf',
    ],
    ['a non-http scheme', 'ftp://user:Mirror-Pass-81@mirror.example.com/tf'],
  ])('hides mirror credentials with %s', (_name, value) => {
    const error = readError({ 'release-mirror': value })

    expect(error.message).toContain("Invalid input 'release-mirror'")
    expect(error.message).not.toContain('Mirror-Pass-81')
    expect(error.message).not.toContain('Mirror/Pass-81')
  })

  it('hides a secret query parameter of the mirror', () => {
    const error = readError({
      'release-mirror': 'https://mirror.example.com/tf?token=Mirror-Token-81',
    })

    expect(error.message).toContain('without ? query or # fragment')
    expect(error.message).toContain('token=***')
    expect(error.message).not.toContain('Mirror-Token-81')
  })

  it.each([
    ['an empty query', 'https://mirror.example.com/tf?'],
    ['an empty fragment', 'https://mirror.example.com/tf#'],
  ])('rejects a mirror with %s', (_name, value) => {
    const error = readError({ 'release-mirror': value })

    expect(error.message).toContain('without ? query or # fragment')
  })

  it('reads comment settings and masks the token', () => {
    const comment = read({ 'comment-on-pr': 'true', 'pr-number': '42' }).comment
    const token = TEST_GITHUB_CONTEXT['github.token'] ?? ''

    expect(comment).toEqual({ enabled: true, prNumber: 42, token })
    expect(redact(`token ${token}`)).toBe('token ***')
  })

  it('skips comments outside pull requests', () => {
    const comment = read({ 'comment-on-pr': 'true' }).comment

    expect(comment.enabled).toBe(true)
    expect(comment.prNumber).toBeUndefined()
  })

  // [case, overrides, input named in the error, text of the fix]
  const invalid: Array<[string, Overrides, string, string]> = [
    ['unknown mode', { mode: 'destroy' }, 'mode', 'plan, apply, drift'],
    [
      'bad region',
      { 'aws-region': 'virginia' },
      'aws-region',
      'such as us-east-1',
    ],
    [
      'missing backend bucket',
      { 'backend-bucket': undefined },
      'backend-bucket',
      "Set it in the step's 'with:' block",
    ],
    [
      'bad backend bucket',
      { 'backend-bucket': 'State_Bucket' },
      'backend-bucket',
      'bucket name of 3 to 63',
    ],
    [
      'missing backend key',
      { 'backend-key': undefined },
      'backend-key',
      "Set it in the step's 'with:' block",
    ],
    [
      'absolute backend key',
      { 'backend-key': '/state.tfstate' },
      'backend-key',
      'without a leading /',
    ],
    [
      'unknown lock mode',
      { 'lock-mode': 'consul' },
      'lock-mode',
      'lockfile, dynamodb, both',
    ],
    [
      'dynamodb without table',
      { 'lock-mode': 'dynamodb' },
      'lock-table',
      'set lock-table',
    ],
    [
      'both without table',
      { 'lock-mode': 'both' },
      'lock-table',
      'set lock-table',
    ],
    [
      'lockfile with table',
      { 'lock-table': 'terraform-locks' },
      'lock-table',
      'remove lock-table',
    ],
    [
      'short table name',
      { 'lock-mode': 'dynamodb', 'lock-table': 'tf' },
      'lock-table',
      'table name of 3 to 255',
    ],
    [
      'lockfile on 1.9',
      { 'terraform-version': '1.9.8' },
      'lock-mode',
      'Set lock-mode to dynamodb',
    ],
    [
      'both on 1.9',
      {
        'terraform-version': '1.9.8',
        'lock-mode': 'both',
        'lock-table': 'terraform-locks',
      },
      'lock-mode',
      'Set lock-mode to dynamodb',
    ],
    [
      'terraform 1.4',
      {
        'terraform-version': '1.4.6',
        'lock-mode': 'dynamodb',
        'lock-table': 'terraform-locks',
      },
      'terraform-version',
      'terraform 1.5.0 or newer',
    ],
    [
      'opentofu 1.5',
      {
        distribution: 'opentofu',
        'terraform-version': '1.5.7',
        'lock-mode': 'dynamodb',
        'lock-table': 'terraform-locks',
      },
      'terraform-version',
      'opentofu 1.6.0 or newer',
    ],
    [
      'version latest',
      { 'terraform-version': 'latest' },
      'terraform-version',
      'exact version such as 1.11.4',
    ],
    [
      'unknown distribution',
      { distribution: 'tofu' },
      'distribution',
      'terraform, opentofu',
    ],
    [
      'root without configuration',
      { 'working-directory': 'docs' },
      'working-directory',
      'holds no .tf',
    ],
    [
      'root without backend',
      { 'working-directory': 'no-backend' },
      'working-directory',
      'declares no backend, so Terraform would keep the state in a local file',
    ],
    [
      'root with local backend',
      { 'working-directory': 'local-backend' },
      'working-directory',
      'versions.tf declares backend "local"',
    ],
    [
      'root outside',
      { 'working-directory': '..' },
      'working-directory',
      'Use a path inside the workspace',
    ],
    [
      'missing root',
      { 'working-directory': 'terraform' },
      'working-directory',
      'No directory exists',
    ],
    [
      'binary not executable',
      { 'terraform-binary': 'bin/plain' },
      'terraform-binary',
      'is not an executable file',
    ],
    [
      'missing binary',
      { 'terraform-binary': 'bin/tofu' },
      'terraform-binary',
      'is not an executable file',
    ],
    [
      'bad workspace',
      { workspace: 'prod env' },
      'workspace',
      'workspace name of 1 to 90',
    ],
    [
      'negative lock timeout',
      { 'lock-timeout': '-1s' },
      'lock-timeout',
      'Use a duration',
    ],
    [
      'lock above timeout',
      { 'lock-timeout': '20m' },
      'lock-timeout',
      "raise 'timeout'",
    ],
    [
      'mirror not http',
      { 'release-mirror': 'ftp://mirror.example.com/terraform' },
      'release-mirror',
      'absolute http or https URL',
    ],
    [
      'mirror with query',
      { 'release-mirror': 'https://mirror.example.com/terraform?version=1' },
      'release-mirror',
      'without ? query or # fragment',
    ],
    [
      'mirror with credentials',
      { 'release-mirror': 'https://user:Mirror-Pass-81@mirror.example.com/tf' },
      'release-mirror',
      'Remove the user name and password',
    ],
    [
      'encrypt yes',
      { 'backend-encrypt': 'yes' },
      'backend-encrypt',
      'Use true or false',
    ],
    [
      'unknown endpoint service',
      { 'backend-endpoints': 'ec2: http://127.0.0.1:5000' },
      'backend-endpoints',
      'Use s3, dynamodb, sts, iam',
    ],
    [
      'endpoint not http',
      { 'backend-endpoints': 's3: ftp://127.0.0.1' },
      'backend-endpoints',
      'absolute http or https URL',
    ],
    [
      'config sets bucket',
      { 'backend-config': 'bucket: other' },
      'backend-config',
      'Use backend-bucket instead',
    ],
    [
      'config sets lockfile',
      { 'backend-config': 'use_lockfile: false' },
      'backend-config',
      'Use lock-mode instead',
    ],
    [
      'config with credentials',
      { 'backend-config': 'secret_key: abcdefSecret' },
      'backend-config',
      'through the environment',
    ],
    [
      'config name in capitals',
      { 'backend-config': 'KmsKeyId: x' },
      'backend-config',
      'lowercase with underscores',
    ],
    [
      'variables bad JSON',
      { variables: '{"a": ' },
      'variables',
      'valid JSON object',
    ],
    [
      'variables bad name',
      { variables: '{"1st": 1}' },
      'variables',
      "start with a letter or '_'",
    ],
    [
      'variable line without value',
      { variables: 'environment' },
      'variables',
      "'name: value'",
    ],
    [
      'variable set twice',
      { variables: 'a: 1\na=2' },
      'variables',
      'more than once',
    ],
    [
      'missing var file',
      { 'var-files': 'staging.tfvars' },
      'var-files',
      'No file exists',
    ],
    [
      'var file outside',
      { 'var-files': '../../outside.tfvars' },
      'var-files',
      'Use a path inside the workspace',
    ],
    [
      'short plan hash',
      { mode: 'apply', 'reviewed-plan-hash': 'abc123' },
      'reviewed-plan-hash',
      'SHA-256 of 64 hexadecimal digits',
    ],
    [
      'hash with prefix',
      { mode: 'apply', 'reviewed-plan-hash': `sha256:${HASH}` },
      'reviewed-plan-hash',
      "Remove the 'sha256:' prefix",
    ],
    [
      'hash in plan mode',
      { 'reviewed-plan-hash': HASH },
      'reviewed-plan-hash',
      'Set mode to apply',
    ],
    [
      'hash in drift mode',
      { mode: 'drift', 'reviewed-plan-hash': HASH },
      'reviewed-plan-hash',
      'Set mode to apply',
    ],
    [
      'unknown drift action',
      { 'on-drift': 'ignore' },
      'on-drift',
      'fail, warn',
    ],
    ['bad timeout', { timeout: '10 minutes' }, 'timeout', 'such as 500ms, 90s'],
    ['grace above 10m', { 'grace-period': '1h' }, 'grace-period', 'to 10m'],
    [
      'deadline in ms',
      { 'deadline-at': '1777636800000' },
      'deadline-at',
      'epoch milliseconds',
    ],
    [
      'artifact name with slash',
      { 'plan-artifact-name': 'plans/prod' },
      'plan-artifact-name',
      'artifact name of 1 to 256',
    ],
    [
      'retention above 400',
      { 'retention-days': '500' },
      'retention-days',
      'from 1 to 400',
    ],
    [
      'comment maybe',
      { 'comment-on-pr': 'maybe' },
      'comment-on-pr',
      'Use true or false',
    ],
    [
      'pr number text',
      { 'pr-number': 'abc' },
      'pr-number',
      'number of a pull request',
    ],
    [
      'unevaluated pr number',
      { 'pr-number': '${{ github.event.pull_request.number }}' },
      'pr-number',
      'set the value explicitly',
    ],
    [
      'comment without token',
      { 'comment-on-pr': 'true', 'github-token': undefined },
      'github-token',
      'set github-token',
    ],
    [
      'unevaluated token',
      { 'comment-on-pr': 'true', 'github-token': '${{ github.token }}' },
      'github-token',
      'set the value explicitly',
    ],
    [
      'record file outside',
      { 'record-file': '/tmp/record.json' },
      'record-file',
      'Use a path inside the workspace',
    ],
    ['run id with space', { 'run-id': 'run 1' }, 'run-id', 'workflow run id'],
  ]

  it.each(invalid)('rejects %s', (_case, overrides, input, fix) => {
    const error = readError(overrides)

    expect(error.input).toBe(input)
    expect(error.message).toContain(`'${input}'`)
    expect(error.message).toContain(fix)
  })

  it('hides backend credentials in errors', () => {
    const error = readError({ 'backend-config': 'secret_key: abcdefSecret' })

    expect(error.message).not.toContain('abcdefSecret')
  })

  it('keeps secrets out of settings', () => {
    const inputs = read({
      variables: '{"db_password": "pw-Value-123"}',
      'comment-on-pr': 'true',
      'pr-number': '7',
    })
    const text = JSON.stringify(describeSettings(inputs, workspace))

    expect(text).toContain('db_password')
    expect(text).not.toContain('pw-Value-123')
    expect(text).not.toContain(TEST_GITHUB_CONTEXT['github.token'])
  })

  it('lists settings by input name', () => {
    const inputs = read({})
    const declared = Object.keys(
      loadActionMetadata('terraform-apply').inputs ?? {},
    )
    const shown = describeSettings(inputs, workspace).map(([name]) => name)

    for (const name of shown) expect(declared).toContain(name)
  })
})
