// Invalid inputs and files for blue-green-deploy against a live blue/green
// pair: each is rejected before the lock is taken or anything changes,
// with the input and the fix named, no stack trace, and moto unchanged.
import { tmpdir } from 'node:os'
import {
  createDeployFixture,
  IMAGE,
  type DeployFixture,
} from '../../helpers/blue-green-deploy.js'
import {
  resetEngineConfig,
  setConvergeSeconds,
} from '../../helpers/ecs-engine.js'
import type { BadInputCase } from './harness.js'
import {
  BOOLEAN,
  BUCKET,
  DURATION,
  EXPRESSION,
  INSIDE_WORKSPACE,
  LONGER_THAN,
  ONE_OF,
  oversize,
  WHOLE_NUMBER,
} from './fixes.js'
import { describeBadInputs } from './suite.js'

const SET_IT = /Set it in the step's 'with:' block/
const SERVICE_NAME = /Use an ECS service name of 1 to 255/
const IMAGE_REFERENCE = /Use an image reference such as/
const LISTENER_HINT = /Use the ARN of an Application Load Balancer listener/
const OTHER_REGION_LISTENER =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/0123456789abcdef/0123456789abcdef'
const SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/db-AbCdEf'

/** Returns a task definition file whose only container is `name`. */
function taskDefinition(name: string): string {
  return JSON.stringify({
    family: 'shop-api',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name, image: IMAGE, essential: true }],
  })
}

const cases: BadInputCase[] = [
  {
    name: 'unknown mode',
    inputs: { mode: 'redeploy' },
    input: 'mode',
    fix: /Use one of: deploy, rollback/,
  },
  {
    name: 'planned ecs-native strategy',
    inputs: { strategy: 'ecs-native' },
    input: 'strategy',
    fix: /Use alb-weighted/,
  },
  {
    name: 'unknown strategy',
    inputs: { strategy: 'codedeploy' },
    input: 'strategy',
    fix: /Use alb-weighted/,
  },
  {
    name: 'unknown traffic',
    inputs: { traffic: 'blue' },
    input: 'traffic',
    fix: /Use one of: all-at-once, canary, linear/,
  },
  {
    name: 'missing cluster',
    inputs: { cluster: undefined },
    input: 'cluster',
    fix: SET_IT,
  },
  {
    name: 'cluster with a space',
    inputs: { cluster: 'shop cluster' },
    input: 'cluster',
    fix: /Use an ECS cluster name/,
  },
  {
    name: 'oversize service',
    inputs: { service: oversize(256, 's') },
    input: 'service',
    fix: SERVICE_NAME,
  },
  {
    name: 'service with a slash',
    inputs: { service: 'shop/api' },
    input: 'service',
    fix: SERVICE_NAME,
  },
  {
    name: 'service with unicode letters',
    inputs: { service: 'shöp-api' },
    input: 'service',
    fix: SERVICE_NAME,
  },
  {
    name: 'unknown placeholder in blue-service',
    inputs: { 'blue-service': '{cluster}-blue' },
    input: 'blue-service',
    fix: /Unknown placeholder \{cluster\}/,
  },
  {
    name: 'same service for both colours',
    inputs: { 'green-service': '{service}-blue' },
    input: 'green-service',
    fix: /Give each colour its own service/,
  },
  {
    name: 'load balancer ARN as listener',
    inputs: {
      'listener-arn':
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/0123456789abcdef',
    },
    input: 'listener-arn',
    fix: LISTENER_HINT,
  },
  {
    name: 'listener in another region',
    inputs: { 'listener-arn': OTHER_REGION_LISTENER },
    input: 'listener-arn',
    fix: /Use an ARN from us-east-1, or set aws-region to eu-west-1/,
  },
  {
    name: 'listener and rule both set',
    inputs: {
      'listener-rule-arn':
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/shop/0123456789abcdef/0123456789abcdef/0123456789abcdef',
    },
    input: 'listener-rule-arn',
    fix: /Set only one of them/,
  },
  {
    name: 'neither listener nor rule',
    inputs: { 'listener-arn': undefined },
    input: 'listener-arn',
    fix: /set listener-arn to the production listener/,
  },
  {
    name: 'test listener same as production',
    inputs: (base) => ({ 'test-listener-arn': base['listener-arn'] }),
    input: 'test-listener-arn',
    fix: /Give a separate test listener/,
  },
  {
    name: 'container-name with a space',
    inputs: { 'container-name': 'api server' },
    input: 'container-name',
    fix: /Use the container's name from the task definition/,
  },
  {
    name: 'missing container-name',
    inputs: { 'container-name': undefined },
    input: 'container-name',
    fix: /set container-name to the container/,
  },
  {
    name: 'container-name not in the live revision',
    inputs: { 'container-name': 'web' },
    input: 'container-name',
    fix: /Set container-name to one of them/,
  },
  {
    name: 'task definition with a wrong container name',
    inputs: { 'task-definition': 'taskdef.json' },
    files: { 'taskdef.json': taskDefinition('worker') },
    input: 'container-name',
    fix: /its containers are: worker\. Set container-name to one of them/,
  },
  {
    name: 'task definition without containers',
    inputs: { 'task-definition': 'taskdef.json' },
    files: {
      'taskdef.json': JSON.stringify({ family: 'shop-api', cpu: '256' }),
    },
    input: 'container-name',
    fix: /Set container-name to one of them/,
  },
  {
    name: 'task definition as malformed JSON',
    inputs: { 'task-definition': 'taskdef.json' },
    files: { 'taskdef.json': '{"family": "shop-api",' },
    input: 'task-definition',
    fix: /Give a task definition as JSON/,
  },
  {
    name: 'task definition as a JSON array',
    inputs: { 'task-definition': 'taskdef.json' },
    files: { 'taskdef.json': '[]' },
    input: 'task-definition',
    fix: /JSON object/,
  },
  {
    name: 'task definition above the workspace',
    inputs: { 'task-definition': '../taskdef.json' },
    input: 'task-definition',
    fix: INSIDE_WORKSPACE,
  },
  {
    name: 'task definition through a symbolic link',
    inputs: { 'task-definition': 'linked/taskdef.json' },
    files: { linked: { symlink: tmpdir() } },
    input: 'task-definition',
    fix: /symbolic link/,
  },
  {
    name: 'missing task definition file',
    inputs: { 'task-definition': 'ecs/taskdef.json' },
    input: 'task-definition',
    fix: /No file exists/,
  },
  {
    name: 'image with upper-case repository',
    inputs: { image: '127.0.0.1:5000/Shop/API:v1' },
    input: 'image',
    fix: IMAGE_REFERENCE,
  },
  {
    name: 'image without tag or digest',
    inputs: { image: '127.0.0.1:5000/shop/api' },
    input: 'image',
    fix: /Add a digest \(@sha256:\.\.\.\) or a tag/,
  },
  {
    name: 'image with a short digest',
    inputs: { image: '127.0.0.1:5000/shop/api@sha256:abc123' },
    input: 'image',
    fix: IMAGE_REFERENCE,
  },
  {
    name: 'image expression',
    inputs: { image: '${{ needs.build.outputs.image-uri }}' },
    input: 'image',
    fix: IMAGE_REFERENCE,
  },
  {
    name: 'secret-looking environment variable',
    inputs: { 'environment-variables': 'DB_PASSWORD=hunter2' },
    input: 'environment-variables',
    fix: /Move it to secrets as DB_PASSWORD=/,
  },
  {
    name: 'environment line without equals',
    inputs: { 'environment-variables': 'NODE_ENV production' },
    input: 'environment-variables',
    fix: /Write each line as KEY=value/,
  },
  {
    name: 'environment name with a dash',
    inputs: { 'environment-variables': 'LOG-LEVEL=debug' },
    input: 'environment-variables',
    fix: /must start with a letter or '_'/,
  },
  {
    name: 'secret given as a plain value',
    inputs: { secrets: 'DATABASE_URL=postgres://user:pw@db/shop' },
    input: 'secrets',
    fix: /Give the ARN of a Secrets Manager secret/,
  },
  {
    name: 'name in environment and secrets',
    inputs: {
      'environment-variables': 'API_KEY_ID=public',
      secrets: `API_KEY_ID=${SECRET_ARN}`,
    },
    input: 'secrets',
    fix: /Keep it in one of them/,
  },
  {
    name: 'zero desired-count',
    inputs: { 'desired-count': '0' },
    input: 'desired-count',
    fix: /from 1 to 5000/,
  },
  {
    name: 'desired-count above 5000',
    inputs: { 'desired-count': '5001' },
    input: 'desired-count',
    fix: /from 1 to 5000/,
  },
  {
    name: 'migration-command not JSON',
    inputs: { 'migration-command': 'npm run migrate' },
    input: 'migration-command',
    fix: /Use a JSON array of the command and its arguments/,
  },
  {
    name: 'migration-command empty array',
    inputs: { 'migration-command': '[]' },
    input: 'migration-command',
    fix: /JSON array of one or more non-empty strings/,
  },
  {
    name: 'migration-timeout above timeout',
    inputs: {
      'migration-command': '["npm", "run", "migrate"]',
      'migration-timeout': '5m',
    },
    input: 'migration-timeout',
    fix: LONGER_THAN,
  },
  {
    name: 'zero deploy-timeout',
    inputs: { 'deploy-timeout': '0s' },
    input: 'deploy-timeout',
    fix: DURATION,
  },
  {
    name: 'deploy-timeout above timeout',
    inputs: { 'deploy-timeout': '10m' },
    input: 'deploy-timeout',
    fix: LONGER_THAN,
  },
  {
    name: 'canary-percent of 150',
    inputs: { traffic: 'canary', 'canary-percent': '150' },
    input: 'canary-percent',
    fix: /from 1 to 99/,
  },
  {
    name: 'zero canary-percent',
    inputs: { 'canary-percent': '0' },
    input: 'canary-percent',
    fix: /from 1 to 99/,
  },
  {
    name: 'linear step of 100',
    inputs: { traffic: 'linear', 'linear-step-percent': '100' },
    input: 'linear-step-percent',
    fix: /from 1 to 99/,
  },
  {
    name: 'negative final-bake-time',
    inputs: { 'final-bake-time': '-1s' },
    input: 'final-bake-time',
    fix: DURATION,
  },
  {
    name: 'canary bake longer than timeout',
    inputs: { traffic: 'canary', 'canary-bake-time': '2m' },
    input: 'timeout',
    fix: /Raise timeout, or shorten the bake times/,
  },
  {
    name: 'keep-old-colour not a boolean',
    inputs: { 'keep-old-colour': 'maybe' },
    input: 'keep-old-colour',
    fix: BOOLEAN,
  },
  {
    name: 'negative max-5xx-count',
    inputs: { 'max-5xx-count': '-1' },
    input: 'max-5xx-count',
    fix: WHOLE_NUMBER,
  },
  {
    name: 'verify URL with ftp',
    inputs: { 'verify-urls': 'ftp://127.0.0.1/healthz' },
    input: 'verify-urls',
    fix: /Use absolute http or https URLs/,
  },
  {
    name: 'zero verify-timeout',
    inputs: { 'verify-timeout': '0' },
    input: 'verify-timeout',
    fix: DURATION,
  },
  {
    name: 'keep-revisions above 1000',
    inputs: { 'keep-revisions': '1001' },
    input: 'keep-revisions',
    fix: /from 0 to 1000/,
  },
  {
    name: 'incomplete deployment-json in deploy mode',
    inputs: {
      'deployment-json':
        '{"schema_version": 1, "strategy": "alb-weighted", "region": "us-east-1"}',
    },
    input: 'deployment-json',
    fix: /Pass the deployment-json output of blue-green-deploy unchanged/,
  },
  {
    name: 'rollback with deploy inputs',
    inputs: { mode: 'rollback' },
    input: 'container-name',
    fix: /Remove container-name, or set mode to deploy/,
  },
  {
    name: 'rollback without deployment-json',
    inputs: {
      mode: 'rollback',
      'container-name': undefined,
      image: undefined,
    },
    input: 'deployment-json',
    fix: /pass the deployment-json output of the deploy to roll back/,
  },
  {
    name: 'rollback with malformed deployment-json',
    inputs: {
      mode: 'rollback',
      'container-name': undefined,
      image: undefined,
      'deployment-json': '{"schema_version": 1',
    },
    input: 'deployment-json',
    fix: /Use valid JSON/,
  },
  {
    name: 'poll-interval below a second',
    inputs: { 'poll-interval': '500ms' },
    input: 'poll-interval',
    fix: /from 1s to 1m/,
  },
  {
    name: 'missing lock-bucket',
    inputs: { 'lock-bucket': undefined },
    input: 'lock-bucket',
    fix: SET_IT,
  },
  {
    name: 'lock-bucket with capitals',
    inputs: { 'lock-bucket': 'Lock_Bucket' },
    input: 'lock-bucket',
    fix: BUCKET,
  },
  {
    name: 'lock-key with a leading slash',
    inputs: { 'lock-key': '/locks/shop.lock' },
    input: 'lock-key',
    fix: /Use an object key of 1 to 1024 characters/,
  },
  {
    name: 'unknown placeholder in lock-key',
    inputs: { 'lock-key': 'locks/{environment}.lock' },
    input: 'lock-key',
    fix: /Unknown placeholder \{environment\}/,
  },
  {
    name: 'zero lock-stale-after',
    inputs: { 'lock-stale-after': '0' },
    input: 'lock-stale-after',
    fix: DURATION,
  },
  {
    name: 'take-over-stale-lock not a boolean',
    inputs: { 'take-over-stale-lock': 'y' },
    input: 'take-over-stale-lock',
    fix: BOOLEAN,
  },
  {
    name: 'lock-table name too short',
    inputs: { 'lock-table': 'lk' },
    input: 'lock-table',
    fix: /table name of 3 to 255/,
  },
  {
    name: 'rollback-timeout above timeout',
    inputs: { 'rollback-timeout': '5m' },
    input: 'rollback-timeout',
    fix: LONGER_THAN,
  },
  {
    name: 'zero attempt-timeout',
    inputs: { 'attempt-timeout': '0ms' },
    input: 'attempt-timeout',
    fix: DURATION,
  },
  {
    name: 'record-file outside the workspace',
    inputs: { 'record-file': '/tmp/blue-green.json' },
    input: 'record-file',
    fix: INSIDE_WORKSPACE,
  },
  {
    name: 'oversize task definition file name',
    inputs: { 'task-definition': `${oversize(300, 't')}.json` },
    input: 'task-definition',
    fix: /allow at most 255/,
  },
  {
    name: 'run-id expression',
    inputs: { 'run-id': '${{ github.run_id }}' },
    input: 'run-id',
    fix: EXPRESSION,
  },
  {
    name: 'region with a typo',
    inputs: { 'aws-region': 'us-easst-1x' },
    input: 'aws-region',
    fix: /Use an AWS region name/,
  },
  {
    name: 'traffic in capitals',
    inputs: { traffic: 'Canary' },
    input: 'traffic',
    fix: ONE_OF,
  },
]

let fixture: DeployFixture | undefined

describeBadInputs({
  label: 'blue-green-deploy',
  action: 'blue-green-deploy',
  base: async () => {
    await setConvergeSeconds(0.6)
    fixture = await createDeployFixture()
    return { inputs: { ...fixture.inputs }, files: {} }
  },
  cleanup: async () => {
    fixture?.destroy()
    await resetEngineConfig()
  },
  cases,
  // moto's state dump of a live blue/green pair is about 5 MB and takes
  // seconds to fetch, twice per case, so the CI sample is smaller here.
  ciSize: 15,
})
