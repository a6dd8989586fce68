// Invalid inputs and files for build-artifacts, one table per mode: each
// is rejected before the first AWS request, with the input and the fix
// named, no stack trace, and moto unchanged.
import { tmpdir } from 'node:os'
import { createBucket, putObjectText } from '../../helpers/fixtures.js'
import type { BadInputCase } from './harness.js'
import {
  BOOLEAN,
  BUCKET,
  DURATION,
  EPOCH_SECONDS,
  EXPRESSION,
  INSIDE_WORKSPACE,
  LONGER_THAN,
  MAP_LINES,
  ONE_OF,
  oversize,
  REGION,
  RUN_ID,
  WHOLE_NUMBER,
  ZONE,
} from './fixes.js'
import { describeBadInputs } from './suite.js'

const COMMIT = '0123456789abcdef0123456789abcdef01234567'
const SITE = {
  'dist/index.html': '<!doctype html><title>shop</title>',
  'dist/assets/app.3f9a1c2b.js': 'console.log("shop")',
}

/** Cases about inputs that every mode reads. */
const stepCases: BadInputCase[] = [
  {
    name: 'unknown mode',
    inputs: { mode: 'images' },
    input: 'mode',
    fix: /Use one or more of: all, image, frontend, publish/,
  },
  {
    name: 'mode in upper case',
    inputs: { mode: 'IMAGE' },
    input: 'mode',
    fix: /Use one or more of/,
  },
  {
    name: 'all combined with publish',
    inputs: { mode: 'all, publish' },
    input: 'mode',
    fix: /use all alone/,
  },
  {
    name: 'region without number',
    inputs: { 'aws-region': 'us-east' },
    input: 'aws-region',
    fix: REGION,
  },
  {
    name: 'region in upper case',
    inputs: { 'aws-region': 'US-EAST-1' },
    input: 'aws-region',
    fix: REGION,
  },
  {
    name: 'unevaluated run-id expression',
    inputs: { 'run-id': '${{ github.run_id }}' },
    input: 'run-id',
    fix: EXPRESSION,
  },
  {
    name: 'oversize run-id',
    inputs: { 'run-id': oversize(200, '7') },
    input: 'run-id',
    fix: RUN_ID,
  },
  {
    name: 'run-id with a bell character',
    inputs: { 'run-id': 'run\u0007id' },
    input: 'run-id',
    fix: RUN_ID,
  },
  {
    name: 'short commit-sha',
    inputs: { 'commit-sha': 'abc1234' },
    input: 'commit-sha',
    fix: /40 \(or 64\) lowercase hexadecimal digits/,
  },
  {
    name: 'upper-case commit-sha',
    inputs: { 'commit-sha': COMMIT.toUpperCase() },
    input: 'commit-sha',
    fix: /lowercase hexadecimal/,
  },
  {
    name: 'zero timeout',
    inputs: { timeout: '0s' },
    input: 'timeout',
    fix: DURATION,
  },
  {
    name: 'negative timeout',
    inputs: { timeout: '-5m' },
    input: 'timeout',
    fix: DURATION,
  },
  {
    name: 'timeout without a number',
    inputs: { timeout: 'forever' },
    input: 'timeout',
    fix: DURATION,
  },
  {
    name: 'repeated duration unit',
    inputs: { 'attempt-timeout': '1m1m' },
    input: 'attempt-timeout',
    fix: DURATION,
  },
  {
    name: 'attempt-timeout above timeout',
    inputs: { 'attempt-timeout': '20m' },
    input: 'attempt-timeout',
    fix: LONGER_THAN,
  },
  {
    name: 'deadline without a zone',
    inputs: { 'deadline-at': '2026-05-01T12:00:00' },
    input: 'deadline-at',
    fix: ZONE,
  },
  {
    name: 'deadline in epoch milliseconds',
    inputs: { 'deadline-at': '1790000000000' },
    input: 'deadline-at',
    fix: EPOCH_SECONDS,
  },
  {
    name: 'record-file above the workspace',
    inputs: { 'record-file': '../records/build.json' },
    input: 'record-file',
    fix: INSIDE_WORKSPACE,
  },
  {
    name: 'record-file at an absolute outside path',
    inputs: { 'record-file': '/etc/kit-build.json' },
    input: 'record-file',
    fix: INSIDE_WORKSPACE,
  },
  {
    name: 'record-file through a symbolic link',
    inputs: { 'record-file': 'linked/build.json' },
    files: { linked: { symlink: tmpdir() } },
    input: 'record-file',
    fix: /symbolic link/,
  },
  {
    name: 'zero retention-days',
    inputs: { 'retention-days': '0' },
    input: 'retention-days',
    fix: WHOLE_NUMBER,
  },
  {
    name: 'retention-days above 400',
    inputs: { 'retention-days': '401' },
    input: 'retention-days',
    fix: /from 1 to 400/,
  },
  {
    name: 'fractional retention-days',
    inputs: { 'retention-days': '12.5' },
    input: 'retention-days',
    fix: WHOLE_NUMBER,
  },
]

const imageCases: BadInputCase[] = [
  ...stepCases,
  {
    name: 'missing ecr-repository',
    inputs: { 'ecr-repository': undefined },
    input: 'ecr-repository',
    fix: /set ecr-repository to the ECR repository name/,
  },
  {
    name: 'upper-case ecr-repository',
    inputs: { 'ecr-repository': 'Shop/API' },
    input: 'ecr-repository',
    fix: /ECR repository name of 2 to 256/,
  },
  {
    name: 'oversize ecr-repository',
    inputs: { 'ecr-repository': oversize(300, 'r') },
    input: 'ecr-repository',
    fix: /ECR repository name of 2 to 256/,
  },
  {
    name: 'ecr-repository with an escape sequence',
    inputs: { 'ecr-repository': '\u001b[31mshop/api' },
    input: 'ecr-repository',
    fix: /ECR repository name/,
  },
  {
    name: 'ecr-registry with a scheme',
    inputs: { 'ecr-registry': 'https://registry.example.test' },
    input: 'ecr-registry',
    fix: /without a scheme/,
  },
  {
    name: 'ecr-registry with a space',
    inputs: { 'ecr-registry': 'registry example' },
    input: 'ecr-registry',
    fix: /Use a registry host name/,
  },
  {
    name: 'context above the workspace',
    inputs: { context: '../elsewhere' },
    input: 'context',
    fix: INSIDE_WORKSPACE,
  },
  {
    name: 'missing context folder',
    inputs: { context: 'backend' },
    input: 'context',
    fix: /No directory exists/,
  },
  {
    name: 'context that is a file',
    inputs: { context: 'Dockerfile' },
    input: 'context',
    fix: /is not a directory/,
  },
  {
    name: 'missing dockerfile',
    inputs: { dockerfile: 'Dockerfile.prod' },
    input: 'dockerfile',
    fix: /No file exists/,
  },
  {
    name: 'dockerfile outside the workspace',
    inputs: { dockerfile: '../../../etc/hostname' },
    input: 'dockerfile',
    fix: INSIDE_WORKSPACE,
  },
  {
    name: 'dockerfile through a symbolic link',
    inputs: { dockerfile: 'outside/Dockerfile' },
    files: { outside: { symlink: tmpdir() } },
    input: 'dockerfile',
    fix: /symbolic link/,
  },
  {
    name: 'build-args line without equals',
    inputs: { 'build-args': 'NODE_ENV production' },
    input: 'build-args',
    fix: /Write each line as KEY=value/,
  },
  {
    name: 'build-args name with a digit first',
    inputs: { 'build-args': '1VERSION=2' },
    input: 'build-args',
    fix: /must start with a letter/,
  },
  {
    name: 'build-args name repeated',
    inputs: { 'build-args': 'MODE=a\nMODE=b' },
    input: 'build-args',
    fix: /appears more than once/,
  },
  {
    name: 'target with a space',
    inputs: { target: 'build stage' },
    input: 'target',
    fix: /name of a build stage/,
  },
  {
    name: 'label without a name',
    inputs: { labels: '=value' },
    input: 'labels',
    fix: /label name must start/,
  },
  {
    name: 'unknown platform',
    inputs: { platform: 'linux/386' },
    input: 'platform',
    fix: /Use one of: linux\/amd64, linux\/arm64/,
  },
  {
    name: 'windows platform',
    inputs: { platform: 'windows/amd64' },
    input: 'platform',
    fix: ONE_OF,
  },
  {
    name: 'image-tag starting with a dash',
    inputs: { 'image-tag': '-v1' },
    input: 'image-tag',
    fix: /Use a tag of 1 to 128/,
  },
  {
    name: 'oversize image-tag',
    inputs: { 'image-tag': oversize(129, 't') },
    input: 'image-tag',
    fix: /Use a tag of 1 to 128/,
  },
  {
    name: 'image-tag with a right-to-left mark',
    inputs: { 'image-tag': 'v1\u202e2' },
    input: 'image-tag',
    fix: /Use a tag/,
  },
  {
    name: 'image-tag expression',
    inputs: { 'image-tag': '${{ github.sha }}' },
    input: 'image-tag',
    fix: EXPRESSION,
  },
  {
    name: 'extra-tags with an at sign',
    inputs: { 'extra-tags': 'latest, b@d' },
    input: 'extra-tags',
    fix: /Use a tag/,
  },
  {
    name: 'relative health-check-path',
    inputs: { 'health-check-path': 'healthz' },
    input: 'health-check-path',
    fix: /absolute URL path/,
  },
  {
    name: 'health-check-path with a space',
    inputs: { 'health-check-path': '/health check' },
    input: 'health-check-path',
    fix: /without spaces/,
  },
  {
    name: 'unknown severity-threshold',
    inputs: { 'severity-threshold': 'severe' },
    input: 'severity-threshold',
    fix: /Use one of: critical, high/,
  },
  {
    name: 'severity-threshold in upper case',
    inputs: { 'severity-threshold': 'HIGH' },
    input: 'severity-threshold',
    fix: /did you mean 'high'/,
  },
  {
    name: 'zero scan-timeout',
    inputs: { 'scan-timeout': '0' },
    input: 'scan-timeout',
    fix: DURATION,
  },
  {
    name: 'scan-timeout above timeout',
    inputs: { 'scan-timeout': '20m' },
    input: 'scan-timeout',
    fix: LONGER_THAN,
  },
  {
    name: 'frontend-dir without a frontend part',
    inputs: { 'frontend-dir': 'dist' },
    input: 'frontend-dir',
    fix: /Add frontend or publish to mode, or remove frontend-dir/,
  },
  {
    name: 'frontend-bucket without publish',
    inputs: { 'frontend-bucket': 'kit-site' },
    input: 'frontend-bucket',
    fix: /Add publish to mode, or remove frontend-bucket/,
  },
  {
    name: 'include-source-maps not a boolean',
    inputs: { 'include-source-maps': 'sometimes' },
    input: 'include-source-maps',
    fix: BOOLEAN,
  },
]

const frontendCases: BadInputCase[] = [
  {
    name: 'missing frontend-dir',
    inputs: { 'frontend-dir': undefined },
    input: 'frontend-dir',
    fix: /set frontend-dir to the frontend build folder/,
  },
  {
    name: 'frontend-dir above the workspace',
    inputs: { 'frontend-dir': '../dist' },
    input: 'frontend-dir',
    fix: INSIDE_WORKSPACE,
  },
  {
    name: 'absolute frontend-dir outside',
    inputs: { 'frontend-dir': '/etc' },
    input: 'frontend-dir',
    fix: INSIDE_WORKSPACE,
  },
  {
    name: 'frontend-dir through a symbolic link',
    inputs: { 'frontend-dir': 'linked' },
    files: { linked: { symlink: tmpdir() } },
    input: 'frontend-dir',
    fix: /symbolic link/,
  },
  {
    name: 'missing frontend-dir folder',
    inputs: { 'frontend-dir': 'build' },
    input: 'frontend-dir',
    fix: /No directory exists/,
  },
  {
    name: 'frontend-dir that is a file',
    inputs: { 'frontend-dir': 'dist/index.html' },
    input: 'frontend-dir',
    fix: /is not a directory/,
  },
  {
    name: 'frontend-dir with unicode name missing',
    inputs: { 'frontend-dir': 'büild-ö' },
    input: 'frontend-dir',
    fix: /No directory exists/,
  },
  {
    name: 'frontend-dir without index.html',
    inputs: { 'frontend-dir': 'dist/assets' },
    input: 'frontend-dir',
    fix: /Point frontend-dir at the folder that contains index.html/,
  },
  {
    name: 'empty build folder',
    inputs: { 'frontend-dir': 'empty' },
    files: { 'empty/': '' },
    input: 'frontend-dir',
    fix: /Build the frontend before this step, or fix frontend-dir/,
  },
  {
    name: 'include-source-maps not a boolean',
    inputs: { 'include-source-maps': 'yes' },
    input: 'include-source-maps',
    fix: BOOLEAN,
  },
  {
    name: 'ecr-repository without image',
    inputs: { 'ecr-repository': 'shop/api' },
    input: 'ecr-repository',
    fix: /Add image to mode, or remove ecr-repository/,
  },
  {
    name: 'labels without image',
    inputs: { labels: 'team=web' },
    input: 'labels',
    fix: /Add image to mode, or remove labels/,
  },
  {
    name: 'frontend-prefix without publish',
    inputs: { 'frontend-prefix': 'web' },
    input: 'frontend-prefix',
    fix: /Add publish to mode, or remove frontend-prefix/,
  },
  {
    name: 'distribution id without publish',
    inputs: { 'cloudfront-distribution-id': 'E2QWRUHAPOMQZL' },
    input: 'cloudfront-distribution-id',
    fix: /Add publish to mode/,
  },
  {
    name: 'content-types without publish',
    inputs: { 'content-types': '*.data: application/octet-stream' },
    input: 'content-types',
    fix: /Add publish to mode, or remove content-types/,
  },
  {
    name: 'wait without a distribution',
    inputs: { 'wait-for-invalidation': 'true' },
    input: 'wait-for-invalidation',
    fix: /Set cloudfront-distribution-id, or set wait-for-invalidation to false/,
  },
  {
    name: 'mode with an empty and unknown part',
    inputs: { mode: 'frontend,,site' },
    input: 'mode',
    fix: /Use one or more of/,
  },
  {
    name: 'oversize record-file name',
    inputs: { 'record-file': `${oversize(300, 'r')}.json` },
    input: 'record-file',
    fix: /allow at most 255/,
  },
  {
    name: 'build folder with a folder named index.html',
    inputs: { 'frontend-dir': 'odd' },
    files: { 'odd/index.html/': '', 'odd/app.js': 'x' },
    input: 'frontend-dir',
    fix: /Point frontend-dir at the folder that contains index.html/,
  },
]

const publishCases: BadInputCase[] = [
  {
    name: 'bucket with underscores',
    inputs: { 'frontend-bucket': 'Bad_Bucket' },
    input: 'frontend-bucket',
    fix: BUCKET,
  },
  {
    name: 'bucket name too short',
    inputs: { 'frontend-bucket': 'ab' },
    input: 'frontend-bucket',
    fix: BUCKET,
  },
  {
    name: 'bucket name too long',
    inputs: { 'frontend-bucket': oversize(64, 'b') },
    input: 'frontend-bucket',
    fix: BUCKET,
  },
  {
    name: 'bucket name with unicode',
    inputs: { 'frontend-bucket': 'kit-sité' },
    input: 'frontend-bucket',
    fix: BUCKET,
  },
  {
    name: 'missing frontend-bucket',
    inputs: { 'frontend-bucket': undefined },
    input: 'frontend-bucket',
    fix: /set frontend-bucket to the bucket/,
  },
  {
    name: 'frontend-bucket that does not exist',
    inputs: { 'frontend-bucket': 'kit-no-such-bucket-7c1d' },
    input: 'frontend-bucket',
    fix: /Create the bucket|fix frontend-bucket/i,
  },
  {
    name: 'prefix with a leading slash',
    inputs: { 'frontend-prefix': '/web' },
    input: 'frontend-prefix',
    fix: /without a leading '\/'/,
  },
  {
    name: 'prefix with a dot-dot segment',
    inputs: { 'frontend-prefix': 'web/../admin' },
    input: 'frontend-prefix',
    fix: /'\.\.' segments/,
  },
  {
    name: 'prefix with an empty segment',
    inputs: { 'frontend-prefix': 'web//v2' },
    input: 'frontend-prefix',
    fix: /without empty/,
  },
  {
    name: 'prefix with a control character',
    inputs: { 'frontend-prefix': 'web\u0001' },
    input: 'frontend-prefix',
    fix: /without control characters/,
  },
  {
    name: 'oversize prefix',
    inputs: { 'frontend-prefix': oversize(1100, 'p') },
    input: 'frontend-prefix',
    fix: /S3 allows at most 1024 bytes/,
  },
  {
    name: 'content-types line without separator',
    inputs: { 'content-types': '*.js text/javascript' },
    input: 'content-types',
    fix: MAP_LINES,
  },
  {
    name: 'content-types invalid media type',
    inputs: { 'content-types': '*.js: not a type' },
    input: 'content-types',
    fix: /Use a media type/,
  },
  {
    name: 'content-types absolute glob',
    inputs: { 'content-types': '/assets/*.js: text/javascript' },
    input: 'content-types',
    fix: /remove the leading '\/'/,
  },
  {
    name: 'content-types malformed JSON',
    inputs: { 'content-types': '{"*.js": "text/javascript"' },
    input: 'content-types',
    fix: /invalid JSON/,
  },
  {
    name: 'content-types JSON with an object value',
    inputs: { 'content-types': '{"*.js": {"type": "text/javascript"}}' },
    input: 'content-types',
    fix: /must be a string, number or boolean/,
  },
  {
    name: 'cache-control without commas',
    inputs: { 'cache-control': '*.js: max-age=1 immutable' },
    input: 'cache-control',
    fix: /Use Cache-Control directives/,
  },
  {
    name: 'cache-control empty directive',
    inputs: { 'cache-control': '*.html: public,, max-age=0' },
    input: 'cache-control',
    fix: /Use Cache-Control directives/,
  },
  {
    name: 'cache-control repeated glob',
    inputs: { 'cache-control': '*.js: no-cache\n*.js: no-store' },
    input: 'cache-control',
    fix: /appears more than once/,
  },
  {
    name: 'delete-stale not a boolean',
    inputs: { 'delete-stale': 'sure' },
    input: 'delete-stale',
    fix: BOOLEAN,
  },
  {
    name: 'max-delete-percent above 100',
    inputs: { 'max-delete-percent': '101' },
    input: 'max-delete-percent',
    fix: /from 0 to 100/,
  },
  {
    name: 'negative max-delete-percent',
    inputs: { 'max-delete-percent': '-1' },
    input: 'max-delete-percent',
    fix: WHOLE_NUMBER,
  },
  {
    name: 'deletion above max-delete-percent',
    inputs: { 'delete-stale': 'true', 'max-delete-percent': '0' },
    input: 'max-delete-percent',
    fix: /max-delete-percent/,
  },
  {
    name: 'zero upload-concurrency',
    inputs: { 'upload-concurrency': '0' },
    input: 'upload-concurrency',
    fix: /from 1 to 64/,
  },
  {
    name: 'upload-concurrency above 64',
    inputs: { 'upload-concurrency': '65' },
    input: 'upload-concurrency',
    fix: /from 1 to 64/,
  },
  {
    name: 'upload-concurrency in exponent form',
    inputs: { 'upload-concurrency': '1e1' },
    input: 'upload-concurrency',
    fix: WHOLE_NUMBER,
  },
  {
    name: 'lower-case distribution id',
    inputs: { 'cloudfront-distribution-id': 'e2qwruhapomqzl' },
    input: 'cloudfront-distribution-id',
    fix: /Use a CloudFront distribution id/,
  },
  {
    name: 'oversize distribution id',
    inputs: { 'cloudfront-distribution-id': oversize(40, 'E') },
    input: 'cloudfront-distribution-id',
    fix: /Use a CloudFront distribution id/,
  },
  {
    name: 'zero invalidation-max-paths',
    inputs: { 'invalidation-max-paths': '0' },
    input: 'invalidation-max-paths',
    fix: /from 1 to 3000/,
  },
  {
    name: 'invalidation-max-paths above 3000',
    inputs: { 'invalidation-max-paths': '3001' },
    input: 'invalidation-max-paths',
    fix: /from 1 to 3000/,
  },
  {
    name: 'invalidation wait above timeout',
    inputs: {
      'cloudfront-distribution-id': 'E2QWRUHAPOMQZL',
      'wait-for-invalidation': 'true',
      'invalidation-timeout': '1h',
    },
    input: 'invalidation-timeout',
    fix: LONGER_THAN,
  },
  {
    name: 'negative invalidation-timeout',
    inputs: { 'invalidation-timeout': '-10m' },
    input: 'invalidation-timeout',
    fix: DURATION,
  },
  {
    name: 'build-args without image',
    inputs: { 'build-args': 'A=1' },
    input: 'build-args',
    fix: /Add image to mode, or remove build-args/,
  },
  {
    name: 'publish frontend-dir above the workspace',
    inputs: { 'frontend-dir': '../../dist' },
    input: 'frontend-dir',
    fix: INSIDE_WORKSPACE,
  },
]

let bucket = ''

describeBadInputs({
  label: 'build-artifacts image',
  action: 'build-artifacts',
  base: () => ({
    inputs: {
      mode: 'image',
      'ecr-repository': 'shop/api',
      'run-id': '101',
      'commit-sha': COMMIT,
      'image-tag': 'v1',
    },
    files: { Dockerfile: 'FROM scratch\nCOPY . /app\n', ...SITE },
  }),
  cases: imageCases,
  ciSize: 25,
})

describeBadInputs({
  label: 'build-artifacts frontend',
  action: 'build-artifacts',
  base: () => ({
    inputs: {
      mode: 'frontend',
      'frontend-dir': 'dist',
      'run-id': '102',
      'commit-sha': COMMIT,
      'image-tag': 'v1',
    },
    files: SITE,
  }),
  cases: frontendCases,
  ciSize: 25,
})

describeBadInputs({
  label: 'build-artifacts publish',
  action: 'build-artifacts',
  base: async () => {
    bucket = await createBucket()
    await putObjectText(bucket, 'old/stale.js', 'stale')
    return {
      inputs: {
        mode: 'publish',
        'frontend-dir': 'dist',
        'frontend-bucket': bucket,
        'run-id': '103',
        'commit-sha': COMMIT,
        'image-tag': 'v1',
      },
      files: SITE,
    }
  },
  cases: publishCases,
  ciSize: 25,
})
