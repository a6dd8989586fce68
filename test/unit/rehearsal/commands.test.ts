import { describe, expect, it } from '@jest/globals'
import { globToRegExp } from '../../../rehearsal/runner/artifacts.js'
import { parseWorkflowCommand } from '../../../rehearsal/runner/commands.js'
import {
  evaluateCondition,
  evaluateExpression,
} from '../../../rehearsal/runner/expressions.js'
import { Masker } from '../../../rehearsal/runner/masking.js'
import { shellCommand } from '../../../rehearsal/runner/run-step.js'
import { parseActionReference } from '../../../rehearsal/runner/third-party.js'
import { orderJobs } from '../../../rehearsal/runner/workflow.js'

describe('parseWorkflowCommand', () => {
  it('reads name, properties and message', () => {
    expect(
      parseWorkflowCommand(
        '::error file=a.ts,line=3,title=Bad%3A one::it%25 broke%0Aagain',
      ),
    ).toEqual({
      name: 'error',
      properties: { file: 'a.ts', line: '3', title: 'Bad: one' },
      message: 'it% broke\nagain',
    })
  })

  it('ignores ordinary lines', () => {
    expect(parseWorkflowCommand('echo ::not a command')).toBeUndefined()
    expect(parseWorkflowCommand('plain text')).toBeUndefined()
  })
})

describe('Masker', () => {
  it('masks values, their lines and JSON forms', () => {
    const masker = new Masker()
    masker.add('first-line\nsecond "line"')

    expect(masker.redact('a first-line b')).toBe('a *** b')
    expect(masker.redact('second "line"')).toBe('***')
    expect(masker.redact('{"v":"second \\"line\\""}')).toBe('{"v":"***"}')
    expect(masker.matches('has first-line')).toBe(true)
  })

  it('leaves values shorter than 4 characters', () => {
    const masker = new Masker()
    masker.add('abc')

    expect(masker.redact('abc')).toBe('abc')
  })
})

describe('expressions', () => {
  it('evaluates with contexts and built-in functions', () => {
    const value = evaluateExpression(
      "format('{0}-{1}', inputs.name, fromJSON('[1,2]')[1])",
      { inputs: { name: 'x' } },
    )

    expect(value.coerceString()).toBe('x-2')
  })

  it('applies status functions', () => {
    const failed = { success: false, failure: true, cancelled: false }
    const cancelled = { success: false, failure: true, cancelled: true }

    expect(evaluateCondition('failure()', {}, failed)).toBe(true)
    expect(evaluateCondition('success()', {}, failed)).toBe(false)
    expect(evaluateCondition('failure()', {}, cancelled)).toBe(false)
    expect(evaluateCondition('cancelled()', {}, cancelled)).toBe(true)
    expect(evaluateCondition('always()', {}, cancelled)).toBe(true)
  })

  it('names the expression that fails', () => {
    expect(() => evaluateExpression('inputs.', { inputs: {} })).toThrow(
      /The expression 'inputs\.' failed/,
    )
  })
})

describe('runner helpers', () => {
  it('parses action references', () => {
    expect(parseActionReference('actions/checkout@v4')).toEqual({
      action: 'actions/checkout',
      ref: 'v4',
    })
    expect(parseActionReference('Owner/Repo/sub/path@abc')).toEqual({
      action: 'owner/repo',
      ref: 'abc',
    })
    expect(parseActionReference('./local')).toBeUndefined()
  })

  it('resolves shells', () => {
    expect(shellCommand(undefined).template).toEqual(['bash', '-e', '{0}'])
    expect(shellCommand('bash').template).toEqual([
      'bash',
      '--noprofile',
      '--norc',
      '-eo',
      'pipefail',
      '{0}',
    ])
    expect(shellCommand('perl {0}').template).toEqual(['perl', '{0}'])
    expect(() => shellCommand('pwsh')).toThrow(/Unsupported shell 'pwsh'/)
  })

  it.each([
    ['out/**/*.txt', 'out/a.txt', true],
    ['out/**/*.txt', 'out/x/y/b.txt', true],
    ['out/**/*.txt', 'out/a.json', false],
    ['out/*.txt', 'out/x/b.txt', false],
    ['file-?.[ab]', 'file-1.a', true],
    ['file-?.[!ab]', 'file-1.a', false],
    ['a.b', 'axb', false],
  ])('matches glob %s against %s', (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected)
  })

  it('orders jobs and rejects cycles', () => {
    const jobs = [
      { id: 'c', needs: ['b'] },
      { id: 'a', needs: [] },
      { id: 'b', needs: ['a'] },
    ]

    expect(orderJobs(jobs).map((job) => job.id)).toEqual(['a', 'b', 'c'])
    expect(() =>
      orderJobs([
        { id: 'a', needs: ['b'] },
        { id: 'b', needs: ['a'] },
      ]),
    ).toThrow(/form a cycle/)
    expect(() => orderJobs([{ id: 'a', needs: ['zz'] }])).toThrow(
      /needs 'zz', which is not a job/,
    )
  })
})
