// Invalid inputs and files for terraform-apply: each is rejected before
// Terraform runs, with the input and the fix named, no stack trace, and
// moto unchanged.
import { tmpdir } from 'node:os'
import { createBucket } from '../../helpers/fixtures.js'
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
  RUN_ID,
  WHOLE_NUMBER,
} from './fixes.js'
import { describeBadInputs } from './suite.js'

const CONFIGURATION = `terraform {
  backend "s3" {}
}

variable "label" { type = string }

resource "terraform_data" "label" {
  input = var.label
}
`
const SET_IT = /Set it in the step's 'with:' block/
const OBJECT_KEY = /Use an object key of 1 to 1024 characters/
const PLAN_HASH = 'ab'.repeat(32)

const cases: BadInputCase[] = [
  {
    name: 'unknown mode',
    inputs: { mode: 'destroy' },
    input: 'mode',
    fix: /Use one of: plan, apply, drift/,
  },
  {
    name: 'mode with a capital',
    inputs: { mode: 'Apply' },
    input: 'mode',
    fix: /did you mean 'apply'/,
  },
  {
    name: 'working-directory above the workspace',
    inputs: { 'working-directory': '../infra' },
    input: 'working-directory',
    fix: INSIDE_WORKSPACE,
  },
  {
    name: 'working-directory through a symbolic link',
    inputs: { 'working-directory': 'linked' },
    files: { linked: { symlink: tmpdir() } },
    input: 'working-directory',
    fix: /symbolic link/,
  },
  {
    name: 'missing working-directory',
    inputs: { 'working-directory': 'terraform' },
    input: 'working-directory',
    fix: /No directory exists/,
  },
  {
    name: 'working-directory that is a file',
    inputs: { 'working-directory': 'infra/main.tf' },
    input: 'working-directory',
    fix: /is not a directory/,
  },
  {
    name: 'directory without configuration',
    inputs: { 'working-directory': 'docs' },
    files: { 'docs/README.md': '# infra\n', 'docs/main.tf.bak': '' },
    input: 'working-directory',
    fix: /Point working-directory at the root module's folder/,
  },
  {
    name: 'configuration only in a subfolder',
    inputs: { 'working-directory': 'stack' },
    files: { 'stack/modules/net/main.tf': CONFIGURATION },
    input: 'working-directory',
    fix: /holds no \.tf/,
  },
  {
    name: 'unknown distribution',
    inputs: { distribution: 'tofu' },
    input: 'distribution',
    fix: /Use one of: terraform, opentofu/,
  },
  {
    name: 'version without patch',
    inputs: { 'terraform-version': '1.11' },
    input: 'terraform-version',
    fix: /Use an exact version such as 1\.11\.4/,
  },
  {
    name: 'version latest',
    inputs: { 'terraform-version': 'latest' },
    input: 'terraform-version',
    fix: /Use an exact version/,
  },
  {
    name: 'terraform older than supported',
    inputs: { 'terraform-version': '1.4.6' },
    input: 'terraform-version',
    fix: /supports terraform 1\.5\.0 or newer/,
  },
  {
    name: 'opentofu older than supported',
    inputs: {
      distribution: 'opentofu',
      'terraform-version': '1.5.7',
      'lock-mode': 'dynamodb',
      'lock-table': 'kit-locks',
    },
    input: 'terraform-version',
    fix: /supports opentofu 1\.6\.0 or newer/,
  },
  {
    name: 'lock file on an old version',
    inputs: { 'terraform-version': '1.9.8' },
    input: 'lock-mode',
    fix: /needs version 1\.10\.0 or newer/,
  },
  {
    name: 'missing terraform-binary',
    inputs: { 'terraform-binary': 'bin/terraform' },
    input: 'terraform-binary',
    fix: /is not an executable file/,
  },
  {
    name: 'terraform-binary not executable',
    inputs: { 'terraform-binary': 'infra/main.tf' },
    input: 'terraform-binary',
    fix: /is not an executable file/,
  },
  {
    name: 'cache-providers not a boolean',
    inputs: { 'cache-providers': 'sometimes' },
    input: 'cache-providers',
    fix: BOOLEAN,
  },
  {
    name: 'missing backend-bucket',
    inputs: { 'backend-bucket': undefined },
    input: 'backend-bucket',
    fix: SET_IT,
  },
  {
    name: 'backend-bucket with underscores',
    inputs: { 'backend-bucket': 'State_Bucket' },
    input: 'backend-bucket',
    fix: BUCKET,
  },
  {
    name: 'backend-key with a leading slash',
    inputs: { 'backend-key': '/env/terraform.tfstate' },
    input: 'backend-key',
    fix: OBJECT_KEY,
  },
  {
    name: 'oversize backend-key',
    inputs: { 'backend-key': oversize(1100, 'k') },
    input: 'backend-key',
    fix: OBJECT_KEY,
  },
  {
    name: 'backend-key with a tab',
    inputs: { 'backend-key': 'env/\tterraform.tfstate' },
    input: 'backend-key',
    fix: OBJECT_KEY,
  },
  {
    name: 'workspace with a space',
    inputs: { workspace: 'prod env' },
    input: 'workspace',
    fix: /workspace name of 1 to 90/,
  },
  {
    name: 'oversize workspace',
    inputs: { workspace: oversize(91, 'w') },
    input: 'workspace',
    fix: /workspace name of 1 to 90/,
  },
  {
    name: 'workspace with an emoji',
    inputs: { workspace: 'prod-🚀' },
    input: 'workspace',
    fix: /workspace name/,
  },
  {
    name: 'unknown lock-mode',
    inputs: { 'lock-mode': 's3' },
    input: 'lock-mode',
    fix: /Use one of: lockfile, dynamodb, both/,
  },
  {
    name: 'dynamodb lock without a table',
    inputs: { 'lock-mode': 'dynamodb' },
    input: 'lock-table',
    fix: /set lock-table to the DynamoDB table/,
  },
  {
    name: 'lock-table with lock files',
    inputs: { 'lock-table': 'kit-locks' },
    input: 'lock-table',
    fix: /Set lock-mode to dynamodb or both, or remove lock-table/,
  },
  {
    name: 'lock-table name too short',
    inputs: { 'lock-mode': 'both', 'lock-table': 'ab' },
    input: 'lock-table',
    fix: /table name of 3 to 255/,
  },
  {
    name: 'negative lock-timeout',
    inputs: { 'lock-timeout': '-1s' },
    input: 'lock-timeout',
    fix: DURATION,
  },
  {
    name: 'lock-timeout above timeout',
    inputs: { 'lock-timeout': '20m' },
    input: 'lock-timeout',
    fix: LONGER_THAN,
  },
  {
    name: 'backend-encrypt not a boolean',
    inputs: { 'backend-encrypt': 'aes256' },
    input: 'backend-encrypt',
    fix: BOOLEAN,
  },
  {
    name: 'endpoint for an unknown service',
    inputs: { 'backend-endpoints': 'ec2: http://127.0.0.1:1' },
    input: 'backend-endpoints',
    fix: /Unknown service 'ec2'/,
  },
  {
    name: 'endpoint with an ftp URL',
    inputs: { 'backend-endpoints': 's3: ftp://127.0.0.1:21' },
    input: 'backend-endpoints',
    fix: /absolute http or https URL/,
  },
  {
    name: 'endpoints as malformed JSON',
    inputs: { 'backend-endpoints': '{"s3": "http://127.0.0.1:1"' },
    input: 'backend-endpoints',
    fix: /invalid JSON/,
  },
  {
    name: 'backend-config setting the bucket',
    inputs: { 'backend-config': 'bucket: other-state' },
    input: 'backend-config',
    fix: /Use backend-bucket instead/,
  },
  {
    name: 'backend-config with an access key',
    inputs: { 'backend-config': 'access_key: AKIAEXAMPLEKEY000' },
    input: 'backend-config',
    fix: /Pass access_key through the environment/,
  },
  {
    name: 'backend-config name in capitals',
    inputs: { 'backend-config': 'Kms-Key-Id: alias/state' },
    input: 'backend-config',
    fix: /lowercase with underscores/,
  },
  {
    name: 'variables as malformed JSON',
    inputs: { variables: '{"label": "web"' },
    input: 'variables',
    fix: /Use a valid JSON object/,
  },
  {
    name: 'variables as a JSON array',
    inputs: { variables: '["label"]' },
    input: 'variables',
    fix: /or give a JSON object/,
  },
  {
    name: 'variables as a JSON string',
    inputs: { variables: '{"label": "web"} trailing' },
    input: 'variables',
    fix: /Use a valid JSON object/,
  },
  {
    name: 'variables line without separator',
    inputs: { variables: 'label web' },
    input: 'variables',
    fix: /Write each line as 'name: value' or name=value/,
  },
  {
    name: 'variable name with a digit first',
    inputs: { variables: '1label: web' },
    input: 'variables',
    fix: /Variable names start with a letter/,
  },
  {
    name: 'variable set twice',
    inputs: { variables: 'label: a\nlabel: b' },
    input: 'variables',
    fix: /set more than once/,
  },
  {
    name: 'var-files above the workspace',
    inputs: { 'var-files': '../../secrets.tfvars' },
    input: 'var-files',
    fix: INSIDE_WORKSPACE,
  },
  {
    name: 'missing var-files entry',
    inputs: { 'var-files': 'prod.tfvars' },
    input: 'var-files',
    fix: /No file exists/,
  },
  {
    name: 'plan hash with a prefix',
    inputs: { mode: 'apply', 'reviewed-plan-hash': `sha256:${PLAN_HASH}` },
    input: 'reviewed-plan-hash',
    fix: /Remove the 'sha256:' prefix/,
  },
  {
    name: 'short plan hash',
    inputs: { mode: 'apply', 'reviewed-plan-hash': 'abc123' },
    input: 'reviewed-plan-hash',
    fix: /64 hexadecimal digits/,
  },
  {
    name: 'plan hash in plan mode',
    inputs: { 'reviewed-plan-hash': PLAN_HASH },
    input: 'reviewed-plan-hash',
    fix: /Set mode to apply, or remove reviewed-plan-hash/,
  },
  {
    name: 'unknown on-drift',
    inputs: { 'on-drift': 'ignore' },
    input: 'on-drift',
    fix: /Use one of: fail, warn/,
  },
  {
    name: 'zero timeout',
    inputs: { timeout: '0' },
    input: 'timeout',
    fix: DURATION,
  },
  {
    name: 'grace-period above ten minutes',
    inputs: { 'grace-period': '11m' },
    input: 'grace-period',
    fix: /Use a duration from 1ms to 10m/,
  },
  {
    name: 'deadline as words',
    inputs: { 'deadline-at': 'tomorrow noon' },
    input: 'deadline-at',
    fix: /Use an ISO 8601 time with a zone/,
  },
  {
    name: 'artifact name with a slash',
    inputs: { 'plan-artifact-name': 'plans/prod' },
    input: 'plan-artifact-name',
    fix: /artifact name of 1 to 256 characters/,
  },
  {
    name: 'oversize artifact name',
    inputs: { 'plan-artifact-name': oversize(300, 'n') },
    input: 'plan-artifact-name',
    fix: /artifact name of 1 to 256 characters/,
  },
  {
    name: 'zero retention-days',
    inputs: { 'retention-days': '0' },
    input: 'retention-days',
    fix: WHOLE_NUMBER,
  },
  {
    name: 'comment without a token',
    inputs: { 'comment-on-pr': 'true', 'pr-number': '7' },
    input: 'github-token',
    fix: /set github-token to a token/,
  },
  {
    name: 'comment-on-pr not a boolean',
    inputs: { 'comment-on-pr': 'always' },
    input: 'comment-on-pr',
    fix: BOOLEAN,
  },
  {
    name: 'zero pr-number',
    inputs: { 'pr-number': '0' },
    input: 'pr-number',
    fix: /Use the number of a pull request/,
  },
  {
    name: 'unevaluated pr-number expression',
    inputs: { 'pr-number': '${{ github.event.pull_request.number }}' },
    input: 'pr-number',
    fix: EXPRESSION,
  },
  {
    name: 'record-file above the workspace',
    inputs: { 'record-file': '../terraform.json' },
    input: 'record-file',
    fix: INSIDE_WORKSPACE,
  },
  {
    name: 'oversize record-file name',
    inputs: { 'record-file': `records/${oversize(256, 'r')}` },
    input: 'record-file',
    fix: /allow at most 255/,
  },
  {
    name: 'run-id with a line break',
    inputs: { 'run-id': '101\n102' },
    input: 'run-id',
    fix: RUN_ID,
  },
  {
    name: 'unknown region',
    inputs: { 'aws-region': 'mars-north' },
    input: 'aws-region',
    fix: /Use an AWS region name/,
  },
  {
    name: 'missing mode',
    inputs: { mode: undefined },
    input: 'mode',
    fix: SET_IT,
  },
  {
    name: 'unknown mode with control characters',
    inputs: { mode: 'plan\u001b[2J' },
    input: 'mode',
    fix: ONE_OF,
  },
]

describeBadInputs({
  label: 'terraform-apply',
  action: 'terraform-apply',
  base: async () => ({
    inputs: {
      mode: 'plan',
      'working-directory': 'infra',
      'backend-bucket': await createBucket(),
      'backend-key': 'resilience/terraform.tfstate',
      variables: 'label: web',
      'run-id': '201',
      'pr-number': undefined,
      'github-token': undefined,
    },
    files: { 'infra/main.tf': CONFIGURATION },
  }),
  cases,
  ciSize: 25,
})
