import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { DeploymentState } from '../../../common/contracts/records.js'
import { InputError } from '../../../common/errors.js'
import { InputReader } from '../../../common/inputs.js'
import {
  readInputs,
  type BlueGreenDeployInputs,
} from '../../../actions/blue-green-deploy/src/inputs.js'
import { describeSettings } from '../../../actions/blue-green-deploy/src/settings.js'
import {
  defaultsSource,
  loadActionMetadata,
  TEST_GITHUB_CONTEXT,
} from '../../helpers/action-metadata.js'

type Overrides = Record<string, string | undefined>

const ACCOUNT = '123456789012'
const ELB = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}`
const LISTENER = `${ELB}:listener/app/shop-production/50dc6c495c0c9188/f2f7dc8efc522ab2`
const TEST_LISTENER = `${ELB}:listener/app/shop-production/50dc6c495c0c9188/0b1c2d3e4f5a6b7c`
const RULE = `${ELB}:listener-rule/app/shop-production/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`
const DIGEST = `sha256:${'a1'.repeat(32)}`
const REPOSITORY = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/shop/api`
const JWT_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:shop/jwt-AbCdEf`
const HOST_ARN = `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/shop/db/host`

/** Inputs that make deploy mode valid on top of the defaults. */
const DEPLOY: Overrides = {
  cluster: 'shop-production',
  service: 'api',
  'listener-arn': LISTENER,
  'container-name': 'app',
  image: `${REPOSITORY}@${DIGEST}`,
  'lock-bucket': 'shop-terraform-state',
}

const STATE: DeploymentState = {
  schema_version: 1,
  strategy: 'alb-weighted',
  region: 'us-east-1',
  cluster: 'shop-production',
  blue: {
    service: 'api-blue',
    target_group_arn: `${ELB}:targetgroup/api-blue/943f017f100becff`,
  },
  green: {
    service: 'api-green',
    target_group_arn: `${ELB}:targetgroup/api-green/0a1b2c3d4e5f6a7b`,
  },
  listener_arn: LISTENER,
  live_colour_before: 'blue',
  target_colour: 'green',
  weights_before: { blue: 100, green: 0 },
  weights_after: { blue: 0, green: 100 },
  previous_desired_count: 2,
  previous_task_definition_arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/api:6`,
  new_task_definition_arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/api:7`,
  image_digest: DIGEST,
  started_at: '2026-05-01T12:00:00.000Z',
}

/** Inputs that make rollback mode valid on top of the defaults. */
const ROLLBACK: Overrides = {
  mode: 'rollback',
  cluster: 'shop-production',
  service: 'api',
  'lock-bucket': 'shop-terraform-state',
  'deployment-json': JSON.stringify(STATE),
}

let workspace: string

beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'blue-green-ws-'))
  writeFileSync(path.join(workspace, 'task-definition.json'), '{}\n')
})

afterAll(() => {
  rmSync(workspace, { recursive: true, force: true })
})

function read(overrides: Overrides): BlueGreenDeployInputs {
  const { source } = defaultsSource('blue-green-deploy', overrides)
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

function stateWith(change: Partial<DeploymentState>): string {
  return JSON.stringify({ ...STATE, ...change })
}

describe('blue-green-deploy readInputs', () => {
  it('applies the action.yml defaults', () => {
    const inputs = read(DEPLOY)

    expect(inputs.mode).toBe('deploy')
    expect(inputs.strategy).toBe('alb-weighted')
    expect(inputs.awsRegion).toBe('us-east-1')
    expect(inputs.blueService).toBe('api-blue')
    expect(inputs.greenService).toBe('api-green')
    expect(inputs.deployment).toBeUndefined()
    expect(inputs.rollbackTimeoutMs).toBe(10 * 60_000)
    expect(inputs.pollIntervalMs).toBe(10_000)
    expect(inputs.timeoutMs).toBe(15 * 60_000)
    expect(inputs.attemptTimeoutMs).toBe(30_000)
    expect(inputs.deadlineAt).toBeUndefined()
    expect(inputs.recordFile).toBe(
      path.join(workspace, '.deploy-records', 'blue-green-deploy.json'),
    )
    expect(inputs.runId).toBe(TEST_GITHUB_CONTEXT['github.run_id'])
  })

  it('applies the deploy defaults', () => {
    const deploy = read(DEPLOY).deploy

    expect(deploy?.traffic).toEqual({ kind: 'all-at-once' })
    expect(deploy?.finalBakeMs).toBe(2 * 60_000)
    expect(deploy?.keepOldColour).toBe(false)
    expect(deploy?.max5xxCount).toBe(5)
    expect(deploy?.verifyUrls).toEqual([])
    expect(deploy?.verifyTimeoutMs).toBe(60_000)
    expect(deploy?.deployTimeoutMs).toBe(10 * 60_000)
    expect(deploy?.keepRevisions).toBe(10)
    expect(deploy?.migration).toBeUndefined()
    expect(deploy?.desiredCount).toBeUndefined()
    expect(deploy?.taskDefinitionFile).toBeUndefined()
    expect(deploy?.image).toEqual({
      text: `${REPOSITORY}@${DIGEST}`,
      repository: REPOSITORY,
      digest: DIGEST,
    })
  })

  it('applies the lock defaults', () => {
    expect(read(DEPLOY).lock).toEqual({
      bucket: 'shop-terraform-state',
      key: 'locks/shop-production/api.lock',
      staleAfterMs: 20 * 60_000,
      takeOverStale: false,
      waitMs: 60_000,
    })
  })

  it.each([
    ['deploy', DEPLOY],
    ['rollback', ROLLBACK],
  ])('reads every input once in %s', (_mode, overrides) => {
    const { source, reads } = defaultsSource('blue-green-deploy', overrides)
    readInputs(new InputReader(source), workspace)
    const declared = Object.keys(
      loadActionMetadata('blue-green-deploy').inputs ?? {},
    )

    expect([...reads.keys()].sort()).toEqual([...declared].sort())
    for (const name of declared) {
      expect([name, reads.get(name)]).toEqual([name, 1])
    }
  })

  it('reads a canary plan', () => {
    const deploy = read({ ...DEPLOY, traffic: 'canary' }).deploy

    expect(deploy?.traffic).toEqual({
      kind: 'canary',
      percent: 10,
      bakeMs: 120_000,
    })
  })

  it('reads a linear plan', () => {
    const deploy = read({
      ...DEPLOY,
      traffic: 'linear',
      'linear-step-percent': '20',
      'linear-bake-time': '30s',
    }).deploy

    expect(deploy?.traffic).toEqual({
      kind: 'linear',
      stepPercent: 20,
      bakeMs: 30_000,
    })
  })

  it.each([
    [`${REPOSITORY}:v1.2.3`, { tag: 'v1.2.3' }],
    [`${REPOSITORY}:v1@${DIGEST}`, { tag: 'v1', digest: DIGEST }],
    ['127.0.0.1:5000/shop/api:abc123', { tag: 'abc123' }],
  ])('parses image %s', (image, parts) => {
    const deploy = read({ ...DEPLOY, image }).deploy

    expect(deploy?.image).toMatchObject({ text: image, ...parts })
  })

  it('reads container settings', () => {
    const deploy = read({
      ...DEPLOY,
      'listener-arn': undefined,
      'listener-rule-arn': RULE,
      'test-listener-arn': TEST_LISTENER,
      'task-definition': 'task-definition.json',
      'environment-variables': 'NODE_ENV=production\nPORT=3000',
      secrets: `JWT_SECRET=${JWT_ARN}\nPGHOST=${HOST_ARN}`,
      'desired-count': '3',
      'migration-command': '["npm", "run", "migrate"]',
      'verify-urls': 'https://shop.example.com/healthz',
    }).deploy

    expect(deploy?.listenerRuleArn).toBe(RULE)
    expect(deploy?.testListenerArn).toBe(TEST_LISTENER)
    expect(deploy?.taskDefinitionFile).toBe(
      path.join(workspace, 'task-definition.json'),
    )
    expect(deploy?.environment).toEqual([
      ['NODE_ENV', 'production'],
      ['PORT', '3000'],
    ])
    expect(deploy?.secrets).toEqual([
      ['JWT_SECRET', JWT_ARN],
      ['PGHOST', HOST_ARN],
    ])
    expect(deploy?.desiredCount).toBe(3)
    expect(deploy?.migration).toEqual({
      command: ['npm', 'run', 'migrate'],
      timeoutMs: 5 * 60_000,
    })
    expect(deploy?.verifyUrls.map(String)).toEqual([
      'https://shop.example.com/healthz',
    ])
  })

  it('expands service and lock templates', () => {
    const inputs = read({
      ...DEPLOY,
      cluster: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/shop-production`,
      'blue-service': 'shop-{service}-b',
      'green-service': 'shop-{service}-g',
      'lock-key': 'deploys/{cluster}-{service}',
    })

    expect(inputs.blueService).toBe('shop-api-b')
    expect(inputs.greenService).toBe('shop-api-g')
    expect(inputs.lock.key).toBe('deploys/shop-production-api')
  })

  it('reads a rollback', () => {
    const inputs = read(ROLLBACK)

    expect(inputs.mode).toBe('rollback')
    expect(inputs.deployment).toEqual(STATE)
    expect(inputs.deploy).toBeUndefined()
  })

  // [case, overrides, input named in the error, text of the fix]
  const invalid: Array<[string, Overrides, string, string]> = [
    [
      'unknown mode',
      { ...DEPLOY, mode: 'promote' },
      'mode',
      'deploy, rollback',
    ],
    [
      'ecs-native strategy',
      { ...DEPLOY, strategy: 'ecs-native' },
      'strategy',
      'not part of this version. Use alb-weighted',
    ],
    [
      'unknown strategy',
      { ...DEPLOY, strategy: 'codedeploy' },
      'strategy',
      'Use alb-weighted',
    ],
    [
      'unknown traffic',
      { ...DEPLOY, traffic: 'gradual' },
      'traffic',
      'all-at-once, canary, linear',
    ],
    [
      'bad region',
      { ...DEPLOY, 'aws-region': 'us_east_1' },
      'aws-region',
      'such as us-east-1',
    ],
    [
      'missing cluster',
      { ...DEPLOY, cluster: undefined },
      'cluster',
      "Set it in the step's 'with:' block",
    ],
    [
      'cluster with space',
      { ...DEPLOY, cluster: 'shop production' },
      'cluster',
      "or the cluster's ARN",
    ],
    [
      'missing service',
      { ...DEPLOY, service: undefined },
      'service',
      "Set it in the step's 'with:' block",
    ],
    [
      'unknown placeholder',
      { ...DEPLOY, 'blue-service': '{name}-blue' },
      'blue-service',
      'Unknown placeholder {name}. Use only {service}',
    ],
    [
      'service name with space',
      { ...DEPLOY, 'green-service': '{service} green' },
      'green-service',
      'ECS service name',
    ],
    [
      'same service twice',
      { ...DEPLOY, 'green-service': '{service}-blue' },
      'green-service',
      'its own service',
    ],
    [
      'deploy without image',
      { ...DEPLOY, image: undefined },
      'image',
      'set image',
    ],
    [
      'image without tag or digest',
      { ...DEPLOY, image: REPOSITORY },
      'image',
      'Add a digest (@sha256:...) or a tag',
    ],
    [
      'image in capitals',
      { ...DEPLOY, image: 'Shop/API:v1' },
      'image',
      'lowercase repository path',
    ],
    [
      'image short digest',
      { ...DEPLOY, image: `${REPOSITORY}@sha256:abc` },
      'image',
      'image reference',
    ],
    [
      'deploy without container',
      { ...DEPLOY, 'container-name': undefined },
      'container-name',
      'set container-name',
    ],
    [
      'deploy without listener',
      { ...DEPLOY, 'listener-arn': undefined },
      'listener-arn',
      'or listener-rule-arn',
    ],
    [
      'listener and rule',
      { ...DEPLOY, 'listener-rule-arn': RULE },
      'listener-rule-arn',
      'Set only one of them',
    ],
    [
      'load balancer for listener',
      {
        ...DEPLOY,
        'listener-arn': `${ELB}:loadbalancer/app/shop-production/50dc6c495c0c9188`,
      },
      'listener-arn',
      'Application Load Balancer listener',
    ],
    [
      'listener in other region',
      { ...DEPLOY, 'listener-arn': LISTENER.replace('us-east-1', 'eu-west-1') },
      'listener-arn',
      'region eu-west-1',
    ],
    [
      'test listener is production',
      { ...DEPLOY, 'test-listener-arn': LISTENER },
      'test-listener-arn',
      'separate test listener',
    ],
    [
      'missing task definition',
      { ...DEPLOY, 'task-definition': 'taskdef.json' },
      'task-definition',
      'No file exists',
    ],
    [
      'task definition outside',
      { ...DEPLOY, 'task-definition': '/etc/hostname' },
      'task-definition',
      'Use a path inside the workspace',
    ],
    [
      'env name with dash',
      { ...DEPLOY, 'environment-variables': 'NODE-ENV=production' },
      'environment-variables',
      "start with a letter or '_'",
    ],
    [
      'plain secret in env',
      { ...DEPLOY, 'environment-variables': 'JWT_SECRET=abc123secret' },
      'environment-variables',
      'Move it to secrets',
    ],
    [
      'secret not an ARN',
      { ...DEPLOY, secrets: 'PGPASSWORD=hunter2hunter2' },
      'secrets',
      'Give the ARN of a Secrets Manager secret',
    ],
    [
      'name in env and secrets',
      {
        ...DEPLOY,
        'environment-variables': 'PGHOST=db',
        secrets: `PGHOST=${HOST_ARN}`,
      },
      'secrets',
      'Keep it in one of them',
    ],
    [
      'zero desired count',
      { ...DEPLOY, 'desired-count': '0' },
      'desired-count',
      'from 1 to 5000',
    ],
    [
      'command not JSON',
      { ...DEPLOY, 'migration-command': 'npm run migrate' },
      'migration-command',
      'Use a JSON array of the command and its arguments, such as ["npm","run","migrate"]',
    ],
    [
      'command array not JSON',
      { ...DEPLOY, 'migration-command': "['npm', 'run']" },
      'migration-command',
      'Use valid JSON',
    ],
    [
      'empty command',
      { ...DEPLOY, 'migration-command': '[]' },
      'migration-command',
      'JSON array of one or more non-empty strings',
    ],
    [
      'migration above timeout',
      {
        ...DEPLOY,
        'migration-command': '["migrate"]',
        'migration-timeout': '1h',
      },
      'migration-timeout',
      "raise 'timeout'",
    ],
    [
      'deploy above timeout',
      { ...DEPLOY, 'deploy-timeout': '20m' },
      'deploy-timeout',
      "raise 'timeout'",
    ],
    [
      'canary of 0',
      { ...DEPLOY, 'canary-percent': '0' },
      'canary-percent',
      'from 1 to 99',
    ],
    [
      'canary of 100',
      { ...DEPLOY, traffic: 'canary', 'canary-percent': '100' },
      'canary-percent',
      'from 1 to 99',
    ],
    [
      'linear step of 100',
      { ...DEPLOY, 'linear-step-percent': '100' },
      'linear-step-percent',
      'from 1 to 99',
    ],
    [
      'zero canary bake',
      { ...DEPLOY, 'canary-bake-time': '0s' },
      'canary-bake-time',
      'Use a duration of at least',
    ],
    [
      'negative final bake',
      { ...DEPLOY, 'final-bake-time': '-1s' },
      'final-bake-time',
      'Use a duration of at least 0s',
    ],
    [
      'keep old colour no',
      { ...DEPLOY, 'keep-old-colour': 'no' },
      'keep-old-colour',
      'Use true or false',
    ],
    [
      'negative 5xx count',
      { ...DEPLOY, 'max-5xx-count': '-1' },
      'max-5xx-count',
      'from 0 to',
    ],
    [
      'verify URL not http',
      { ...DEPLOY, 'verify-urls': 'ftp://shop.example.com/' },
      'verify-urls',
      'absolute http or https URLs',
    ],
    [
      'verify above timeout',
      {
        ...DEPLOY,
        'verify-urls': 'https://shop.example.com/healthz',
        'verify-timeout': '1h',
      },
      'verify-timeout',
      "raise 'timeout'",
    ],
    [
      'poll interval too short',
      { ...DEPLOY, 'poll-interval': '100ms' },
      'poll-interval',
      'from 1s to 1m',
    ],
    [
      'negative revisions',
      { ...DEPLOY, 'keep-revisions': '-1' },
      'keep-revisions',
      'from 0 to 1000',
    ],
    [
      'linear bakes too long',
      { ...DEPLOY, traffic: 'linear', 'linear-step-percent': '1' },
      'timeout',
      'bakes for 1h41m in total',
    ],
    [
      'canary bake too long',
      { ...DEPLOY, traffic: 'canary', 'canary-bake-time': '14m' },
      'timeout',
      'Raise timeout, or shorten the bake times',
    ],
    [
      'missing lock bucket',
      { ...DEPLOY, 'lock-bucket': undefined },
      'lock-bucket',
      "Set it in the step's 'with:' block",
    ],
    [
      'short lock table',
      { ...DEPLOY, 'lock-table': 'ab' },
      'lock-table',
      'table name of 3 to 255',
    ],
    [
      'unknown lock placeholder',
      { ...DEPLOY, 'lock-key': 'locks/{environment}.lock' },
      'lock-key',
      'Use only {cluster}, {service}',
    ],
    [
      'absolute lock key',
      { ...DEPLOY, 'lock-key': '/locks/api.lock' },
      'lock-key',
      'without a leading /',
    ],
    [
      'zero stale age',
      { ...DEPLOY, 'lock-stale-after': '0' },
      'lock-stale-after',
      'Use a duration of at least',
    ],
    [
      'take over yes',
      { ...DEPLOY, 'take-over-stale-lock': 'yes' },
      'take-over-stale-lock',
      'Use true or false',
    ],
    [
      'lock wait above timeout',
      { ...DEPLOY, 'lock-timeout': '1h' },
      'lock-timeout',
      "raise 'timeout'",
    ],
    [
      'attempt above timeout',
      { ...DEPLOY, 'attempt-timeout': '1h' },
      'attempt-timeout',
      "raise 'timeout'",
    ],
    [
      'rollback above timeout',
      { ...DEPLOY, 'rollback-timeout': '1h' },
      'rollback-timeout',
      "raise 'timeout'",
    ],
    [
      'deadline without zone',
      { ...DEPLOY, 'deadline-at': '2026-05-01 12:00' },
      'deadline-at',
      'Add a zone',
    ],
    [
      'record file outside',
      { ...DEPLOY, 'record-file': '../record.json' },
      'record-file',
      'Use a path inside the workspace',
    ],
    [
      'unevaluated run id',
      { ...DEPLOY, 'run-id': '${{ github.run_id }}' },
      'run-id',
      'set the value explicitly',
    ],
    [
      'deploy with deployment',
      { ...DEPLOY, 'deployment-json': JSON.stringify(STATE) },
      'deployment-json',
      'Set mode to rollback',
    ],
    [
      'rollback without deployment',
      { ...ROLLBACK, 'deployment-json': undefined },
      'deployment-json',
      'pass the deployment-json output',
    ],
    [
      'deployment not JSON',
      { ...ROLLBACK, 'deployment-json': '{cluster: x}' },
      'deployment-json',
      'Use valid JSON',
    ],
    [
      'deployment wrong schema',
      { ...ROLLBACK, 'deployment-json': stateWith({ schema_version: 2 as 1 }) },
      'deployment-json',
      'Pass the deployment-json output of blue-green-deploy unchanged',
    ],
    [
      'rollback with image',
      { ...ROLLBACK, image: `${REPOSITORY}@${DIGEST}` },
      'image',
      'Only deploy mode uses image',
    ],
    [
      'rollback with secrets',
      { ...ROLLBACK, secrets: `JWT_SECRET=${JWT_ARN}` },
      'secrets',
      'Only deploy mode uses secrets',
    ],
    [
      'rollback other region',
      { ...ROLLBACK, 'deployment-json': stateWith({ region: 'eu-west-1' }) },
      'aws-region',
      'records region eu-west-1',
    ],
    [
      'rollback other cluster',
      {
        ...ROLLBACK,
        'deployment-json': stateWith({ cluster: 'shop-staging' }),
      },
      'cluster',
      'records cluster shop-staging',
    ],
    [
      'rollback other service',
      { ...ROLLBACK, service: 'web' },
      'blue-service',
      'records blue service api-blue',
    ],
    [
      'rollback other listener',
      { ...ROLLBACK, 'listener-arn': TEST_LISTENER },
      'listener-arn',
      'belongs to another deployment',
    ],
  ]

  it.each(invalid)('rejects %s', (_case, overrides, input, fix) => {
    const error = readError(overrides)

    expect(error.input).toBe(input)
    expect(error.message).toContain(`'${input}'`)
    expect(error.message).toContain(fix)
  })

  it.each([
    ['environment-variables', 'JWT_SECRET=abc123secret', 'abc123secret'],
    ['environment-variables', 'NODE-ENV=prod-Value-77', 'prod-Value-77'],
    ['secrets', 'PGPASSWORD=hunter2hunter2', 'hunter2hunter2'],
    ['verify-urls', 'ftp://user:pw-Secret-9@shop.example.com/', 'pw-Secret-9'],
  ])('hides values of %s in errors', (input, value, secret) => {
    const error = readError({ ...DEPLOY, [input]: value })

    expect(error.input).toBe(input)
    expect(error.message).not.toContain(secret)
  })

  it('keeps environment values out of settings', () => {
    const inputs = read({
      ...DEPLOY,
      'environment-variables': 'API_BASE_URL=/api-Value-42',
    })
    const text = JSON.stringify(describeSettings(inputs, workspace))

    expect(text).toContain('API_BASE_URL')
    expect(text).not.toContain('/api-Value-42')
  })

  it.each([
    ['deploy', DEPLOY],
    ['rollback', ROLLBACK],
  ])('lists %s settings by input name', (_mode, overrides) => {
    const declared = Object.keys(
      loadActionMetadata('blue-green-deploy').inputs ?? {},
    )
    const shown = describeSettings(read(overrides), workspace)

    for (const [name] of shown) expect(declared).toContain(name)
  })
})
