import { describe, expect, it } from '@jest/globals'
import {
  checksumFor,
  releaseFor,
} from '../../../actions/terraform-apply/src/install.js'
import {
  commentMarker,
  nextLink,
} from '../../../actions/terraform-apply/src/comment.js'

describe('release downloads', () => {
  it('names the Terraform release', () => {
    expect(releaseFor('terraform', '1.11.4', 'linux', 'x64')).toEqual({
      zipName: 'terraform_1.11.4_linux_amd64.zip',
      zipUrl:
        'https://releases.hashicorp.com/terraform/1.11.4/terraform_1.11.4_linux_amd64.zip',
      sumsName: 'terraform_1.11.4_SHA256SUMS',
      sumsUrl:
        'https://releases.hashicorp.com/terraform/1.11.4/terraform_1.11.4_SHA256SUMS',
    })
  })

  it('names the OpenTofu release', () => {
    const release = releaseFor('opentofu', '1.10.6', 'darwin', 'arm64')
    expect(release.zipUrl).toBe(
      'https://github.com/opentofu/opentofu/releases/download/v1.10.6/tofu_1.10.6_darwin_arm64.zip',
    )
    expect(release.sumsName).toBe('tofu_1.10.6_SHA256SUMS')
    expect(release.sumsUrl).toMatch(/tofu_1\.10\.6_SHA256SUMS$/)
  })

  it('names Terraform files under a mirror', () => {
    const release = releaseFor(
      'terraform',
      '1.11.4',
      'linux',
      'arm64',
      'http://127.0.0.1:8080/hashicorp/terraform/',
    )
    expect(release.zipUrl).toBe(
      'http://127.0.0.1:8080/hashicorp/terraform/1.11.4/terraform_1.11.4_linux_arm64.zip',
    )
    expect(release.sumsUrl).toBe(
      'http://127.0.0.1:8080/hashicorp/terraform/1.11.4/terraform_1.11.4_SHA256SUMS',
    )
  })

  it('names OpenTofu files under a mirror', () => {
    const release = releaseFor(
      'opentofu',
      '1.10.6',
      'linux',
      'x64',
      'https://mirror.example.com/tofu',
    )
    expect(release.zipUrl).toBe(
      'https://mirror.example.com/tofu/v1.10.6/tofu_1.10.6_linux_amd64.zip',
    )
    expect(release.sumsUrl).toBe(
      'https://mirror.example.com/tofu/v1.10.6/tofu_1.10.6_SHA256SUMS',
    )
  })

  it('rejects an unknown platform', () => {
    expect(() => releaseFor('terraform', '1.11.4', 'aix', 'ppc64')).toThrow(
      /terraform-binary/,
    )
  })

  it('reads the listed checksum', () => {
    const sums = [
      `${'a'.repeat(64)}  terraform_1.11.4_darwin_amd64.zip`,
      `${'B'.repeat(64)}  terraform_1.11.4_linux_amd64.zip`,
    ].join('\n')
    expect(checksumFor(sums, 'terraform_1.11.4_linux_amd64.zip')).toBe(
      'b'.repeat(64),
    )
    expect(
      checksumFor(sums, 'terraform_1.11.4_linux_arm64.zip'),
    ).toBeUndefined()
  })
})

describe('pull-request comment', () => {
  it('follows the next link', () => {
    expect(
      nextLink(
        '<https://api.test/x?page=2>; rel="next", <https://api.test/x?page=5>; rel="last"',
      ),
    ).toBe('https://api.test/x?page=2')
    expect(nextLink('<https://api.test/x?page=1>; rel="prev"')).toBeUndefined()
    expect(nextLink(null)).toBeUndefined()
  })

  it('marks one module and workspace', () => {
    expect(commentMarker('infra/prod', 'default')).toBe(
      '<!-- aws-deploy-kit terraform-apply infra/prod#default -->',
    )
    expect(commentMarker('a--b', 'ws')).not.toContain('--b')
  })
})
