import { describe, expect, it } from '@jest/globals'
import { inProgressResources } from '../../../actions/terraform-apply/src/apply.js'
import {
  backendArgs,
  lockLocation,
} from '../../../actions/terraform-apply/src/backend.js'
import type { BackendSettings } from '../../../actions/terraform-apply/src/inputs.js'
import { parseLockError } from '../../../actions/terraform-apply/src/lock.js'
import {
  outputText,
  parseOutputsJson,
} from '../../../actions/terraform-apply/src/outputs-json.js'
import { parseVersionJson } from '../../../actions/terraform-apply/src/terraform-binary.js'

describe('outputs-json parsing', () => {
  const document = JSON.stringify(
    {
      notes: { sensitive: false, type: 'string', value: 'a\nb' },
      tags: { sensitive: false, type: ['map', 'string'], value: { a: '1' } },
      secret: { sensitive: true, type: 'string', value: 's3cr3t' },
    },
    null,
    2,
  )

  it('parses the document', () => {
    const { outputs, surrounding } = parseOutputsJson(`${document}\n`)
    expect(outputs['notes']?.value).toBe('a\nb')
    expect(outputs['tags']?.value).toEqual({ a: '1' })
    expect(outputs['secret']?.sensitive).toBe(true)
    expect(surrounding).toEqual([])
  })

  it('returns text around the JSON', () => {
    const text = `Warning: something odd\n\n${document}\nNotice: done\n`
    const { outputs, surrounding } = parseOutputsJson(text)
    expect(Object.keys(outputs)).toEqual(['notes', 'tags', 'secret'])
    expect(surrounding).toEqual(['Warning: something odd', 'Notice: done'])
  })

  it('rejects text without JSON', () => {
    expect(() => parseOutputsJson('No outputs found\n')).toThrow(
      /printed no JSON object/,
    )
  })

  it('rejects broken JSON', () => {
    expect(() => parseOutputsJson('{\n  "a": \n}\n')).toThrow(/invalid JSON/)
  })

  it('rejects entries without sensitive', () => {
    expect(() => parseOutputsJson('{\n"a": {"value": 1}\n}\n')).toThrow(
      /output 'a'/,
    )
  })

  it('reads an empty document', () => {
    expect(parseOutputsJson('{}\n').outputs).toEqual({})
  })

  it('formats output values', () => {
    expect(outputText('x')).toBe('x')
    expect(outputText({ a: 1 })).toBe('{"a":1}')
    expect(outputText(3)).toBe('3')
  })
})

describe('apply log parsing', () => {
  it('lists unfinished resources', () => {
    const log = [
      'terraform_data.a: Creating...',
      'terraform_data.a: Creation complete after 1s [id=1]',
      'aws_s3_bucket.b: Modifying... [id=b]',
      'aws_s3_bucket.b: Still modifying... [id=b, 10s elapsed]',
      'module.x.aws_iam_role.c: Destroying... [id=c]',
      'module.x.aws_iam_role.c: Destruction complete after 2s',
      'terraform_data.d: Creating...',
    ].join('\n')
    expect(inProgressResources(log)).toEqual([
      'aws_s3_bucket.b (modifying)',
      'terraform_data.d (creating)',
    ])
  })
})

describe('lock error parsing', () => {
  it('reads the holder', () => {
    const text = `
Error: Error acquiring the state lock

Error message: operation error S3: PutObject, StatusCode: 412
Lock Info:
  ID:        4990a455-4c58-b190-9ac4-086d0eb37238
  Path:      bucket/key
  Operation: OperationTypeApply
  Who:       runner@host
  Version:   1.11.4
  Created:   2026-12-04 17:00:24.29386944 +0000 UTC
  Info:
`
    expect(parseLockError(text)).toEqual({
      ID: '4990a455-4c58-b190-9ac4-086d0eb37238',
      Path: 'bucket/key',
      Operation: 'OperationTypeApply',
      Who: 'runner@host',
      Created: '2026-12-04 17:00:24.29386944 +0000 UTC',
    })
    expect(parseLockError('Error: something else')).toBeUndefined()
  })
})

describe('backend arguments', () => {
  const backend: BackendSettings = {
    bucket: 'state',
    key: 'app/terraform.tfstate',
    workspace: 'staging',
    lockMode: 'both',
    lockTable: 'locks',
    lockTimeoutMs: 60_000,
    encrypt: true,
    endpoints: {},
    extraConfig: [['kms_key_id', 'alias/state']],
  }

  it('configures locks and endpoints', () => {
    const args = backendArgs(backend, 'eu-west-1', {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
    })
    expect(args).toContain('-backend-config=use_lockfile=true')
    expect(args).toContain('-backend-config=dynamodb_table=locks')
    expect(args).toContain('-backend-config=region=eu-west-1')
    expect(args).toContain('-backend-config=use_path_style=true')
    expect(args).toContain('-backend-config=kms_key_id=alias/state')
    expect(args.find((arg) => arg.includes('endpoints='))).toContain(
      's3="http://127.0.0.1:5000"',
    )
  })

  it('skips emulator settings for AWS', () => {
    const args = backendArgs(
      { ...backend, lockMode: 'dynamodb' },
      'us-east-1',
      {},
    )
    expect(args.some((arg) => arg.includes('endpoints'))).toBe(false)
    expect(args.some((arg) => arg.includes('skip_'))).toBe(false)
    expect(args).not.toContain('-backend-config=use_lockfile=true')
  })

  it('finds the workspace state key', () => {
    expect(lockLocation(backend).stateKey).toBe(
      'env:/staging/app/terraform.tfstate',
    )
    expect(lockLocation({ ...backend, workspace: 'default' }).stateKey).toBe(
      'app/terraform.tfstate',
    )
  })
})

describe('version parsing', () => {
  it('reads terraform_version', () => {
    expect(parseVersionJson('{"terraform_version":"1.11.4"}')).toBe('1.11.4')
    expect(() => parseVersionJson('Terraform v1.11.4')).toThrow(/no JSON/)
  })
})
