// The bootstrap root (state backend, image repository and deploy role wired
// together) applied for real against moto, planned again, checked against
// the policies, and destroyed.
import { describe, expect, it } from '@jest/globals'
import type { PolicyDocument } from '../../helpers/terraform-policy.js'
import { asList, statements } from '../../helpers/terraform-policy.js'
import {
  describeDeployRoleTrust,
  ENVIRONMENT,
  REPOSITORY,
  runBootstrapRoots,
} from './bootstrap-checks.js'

const run = runBootstrapRoots('bootstrap-root', [
  {
    name: 'bootstrap',
    dir: 'terraform-modules/examples/bootstrap',
    vars: { repository: REPOSITORY, teardown: true },
  },
])

describeDeployRoleTrust(run, 'bootstrap')

describe('bootstrap deploy role permissions', () => {
  function policy(suffix: string): PolicyDocument {
    const found = run
      .resources('bootstrap')
      .find(
        (r) =>
          r.type === 'aws_iam_role_policy' &&
          String(r.values.name).endsWith(suffix),
      )
    if (!found) throw new Error(`no inline policy ending in ${suffix}`)
    return JSON.parse(String(found.values.policy)) as PolicyDocument
  }

  it('attaches the state access policy', () => {
    const all = run.resources('bootstrap')
    const statePolicy = all.find((r) => r.type === 'aws_iam_policy')
    const attachments = all.filter(
      (r) => r.type === 'aws_iam_role_policy_attachment',
    )
    expect(attachments.map((a) => a.values.policy_arn)).toEqual([
      statePolicy?.values.arn,
    ])
  })

  it('pushes only to its repository', () => {
    const repository = run
      .resources('bootstrap')
      .find((r) => r.type === 'aws_ecr_repository')
    const push = statements(policy('-build-artifacts')).find(
      (s) => s.Sid === 'PushImages',
    )
    expect(asList(push?.Resource)).toEqual([repository?.values.arn])
  })

  it('locks only its environment', () => {
    const bucket = run
      .resources('bootstrap')
      .find((r) => r.type === 'aws_s3_bucket')
    const lock = statements(policy('-blue-green-deploy')).find(
      (s) => s.Sid === 'DeployLockObject',
    )
    const project = run.suite().runId
    expect(asList(lock?.Resource)).toEqual([
      `${String(bucket?.values.arn)}/locks/${project}/${ENVIRONMENT}/*`,
    ])
  })
})
