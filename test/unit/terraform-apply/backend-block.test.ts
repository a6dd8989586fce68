import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import {
  declaredBackends,
  jsonBackends,
  nativeBackends,
} from '../../../actions/terraform-apply/src/backend-block.js'

const folders: string[] = []

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

function rootWith(files: Record<string, string>): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'terraform-backend-'))
  folders.push(folder)
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(path.join(folder, name), text)
  }
  return folder
}

describe('nativeBackends', () => {
  it('finds a backend block', () => {
    expect(nativeBackends('terraform {\n  backend "s3" {}\n}\n')).toEqual([
      's3',
    ])
  })

  it('finds a block on one line', () => {
    expect(nativeBackends('terraform { backend "s3" {} }')).toEqual(['s3'])
  })

  it('skips commented-out blocks', () => {
    const text = [
      'terraform {',
      '  # backend "s3" {}',
      '  // backend "gcs" {}',
      '  /* backend "azurerm" {',
      '  } */',
      '}',
    ].join('\n')

    expect(nativeBackends(text)).toEqual([])
  })

  it('ignores backend attributes', () => {
    const text =
      'data "terraform_remote_state" "net" {\n  backend = "s3"\n  config = {}\n}\n'

    expect(nativeBackends(text)).toEqual([])
  })

  it('reports other backend types', () => {
    expect(nativeBackends('terraform {\n  backend "local" {}\n}')).toEqual([
      'local',
    ])
  })
})

describe('jsonBackends', () => {
  it('reads an object terraform block', () => {
    expect(jsonBackends('{"terraform": {"backend": {"s3": {}}}}')).toEqual([
      's3',
    ])
  })

  it('reads lists of blocks', () => {
    expect(
      jsonBackends(
        '{"terraform": [{"required_version": ">= 1.5"}, {"backend": [{"s3": {}}]}]}',
      ),
    ).toEqual(['s3'])
  })

  it('returns none for other JSON', () => {
    expect(jsonBackends('{"resource": {}}')).toEqual([])
    expect(jsonBackends('not json')).toEqual([])
    expect(jsonBackends('null')).toEqual([])
  })
})

describe('declaredBackends', () => {
  it('lists backends with their files', () => {
    const root = rootWith({
      'main.tf': 'resource "terraform_data" "x" {}\n',
      'versions.tf': 'terraform {\n  backend "s3" {}\n}\n',
      'extra.tf.json': '{"terraform": {"backend": {"local": {}}}}',
      'notes.md': 'backend "gcs" {}',
    })

    expect(declaredBackends(root)).toEqual([
      { type: 'local', file: 'extra.tf.json' },
      { type: 's3', file: 'versions.tf' },
    ])
  })

  it('skips folders and other files', () => {
    const root = rootWith({ 'main.tf': 'locals {}\n' })
    mkdirSync(path.join(root, 'nested.tf'))

    expect(declaredBackends(root)).toEqual([])
  })
})
