// The bootstrap modules (state-backend, github-oidc, ecr-repository), each
// applied for real against moto through its example, planned again, checked
// against the policies, and destroyed.
import { describe, expect, it } from '@jest/globals'
import type { PolicyDocument } from '../../helpers/terraform-policy.js'
import { asList, statements } from '../../helpers/terraform-policy.js'
import {
  describeDeployRoleTrust,
  REPOSITORY,
  runBootstrapRoots,
} from './bootstrap-checks.js'

const run = runBootstrapRoots('bootstrap-modules', [
  {
    name: 'state-backend',
    dir: 'terraform-modules/state-backend/examples/basic',
    vars: { force_destroy: true, lock_table_deletion_protection: false },
  },
  {
    name: 'ecr-repository',
    dir: 'terraform-modules/ecr-repository/examples/basic',
    vars: { force_delete: true },
  },
  {
    name: 'github-oidc',
    dir: 'terraform-modules/github-oidc/examples/basic',
    vars: { repository: REPOSITORY },
  },
])

const resources = run.resources

describe('state backend', () => {
  it('denies requests without TLS', () => {
    const policy = resources('state-backend').find(
      (r) => r.type === 'aws_s3_bucket_policy',
    )
    const document = JSON.parse(String(policy?.values.policy)) as PolicyDocument
    const deny = statements(document).find((s) => s.Effect === 'Deny')
    expect(deny?.Condition?.Bool?.['aws:SecureTransport']).toBe('false')
  })

  it('lets the pipeline delete only lockfiles', () => {
    const policy = resources('state-backend').find(
      (r) => r.type === 'aws_iam_policy',
    )
    const document = JSON.parse(String(policy?.values.policy)) as PolicyDocument
    const deletes = statements(document).filter((s) =>
      asList(s.Action).includes('s3:DeleteObject'),
    )
    const deleted = deletes.flatMap((s) => asList(s.Resource))
    expect(deleted.length).toBeGreaterThan(0)
    for (const resource of deleted) expect(resource).toMatch(/\.tflock$/)
  })

  it('versions and encrypts the state bucket', () => {
    const all = resources('state-backend')
    const versioning = all.find((r) => r.type === 'aws_s3_bucket_versioning')
    const encryption = all.find(
      (r) => r.type === 'aws_s3_bucket_server_side_encryption_configuration',
    )
    expect(versioning?.values.versioning_configuration).toEqual([
      expect.objectContaining({ status: 'Enabled' }),
    ])
    expect(JSON.stringify(encryption?.values.rule)).toContain('AES256')
  })
})

describe('ecr repository', () => {
  it('has immutable tags and scan on push', () => {
    const repository = resources('ecr-repository').find(
      (r) => r.type === 'aws_ecr_repository',
    )
    expect(repository?.values.image_tag_mutability).toBe('IMMUTABLE')
    expect(repository?.values.image_scanning_configuration).toEqual([
      { scan_on_push: true },
    ])
  })
})

describeDeployRoleTrust(run, 'github-oidc')
