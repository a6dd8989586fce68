import { describe, expect, it } from '@jest/globals'
import { InputError } from '../../../common/errors.js'
import {
  InputReader,
  envInputSource,
  inputEnvName,
} from '../../../common/inputs.js'

const NAME = 'the-input'

type Read = (reader: InputReader) => unknown

function readerFor(value: string | undefined): InputReader {
  return new InputReader((name) => (name === NAME ? value : undefined))
}

/** Runs `read` and returns the InputError it throws. */
function inputErrorOf(read: () => unknown): InputError {
  try {
    read()
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError, but the read succeeded')
}

const isPort = (value: unknown, fail: (expected: string) => never) =>
  typeof value === 'number' && value > 0 ? value : fail('Use a port number.')

describe('input names', () => {
  it.each([
    ['aws-region', 'INPUT_AWS-REGION'],
    ['my input', 'INPUT_MY_INPUT'],
    ['Timeout', 'INPUT_TIMEOUT'],
  ])('maps %s to its variable', (name, variable) => {
    expect(inputEnvName(name)).toBe(variable)
  })

  it('reads values from an environment', () => {
    const source = envInputSource({ 'INPUT_AWS-REGION': 'eu-west-1' })
    expect(source('aws-region')).toBe('eu-west-1')
    expect(source('cluster')).toBeUndefined()
  })
})

describe('missing and empty inputs', () => {
  const requiredReads: Array<[string, Read]> = [
    ['string', (r) => r.string(NAME, { required: true })],
    ['boolean', (r) => r.boolean(NAME, { required: true })],
    ['integer', (r) => r.integer(NAME, { required: true })],
    ['duration', (r) => r.duration(NAME, { required: true })],
    ['deadline', (r) => r.deadline(NAME, { required: true })],
    ['list', (r) => r.list(NAME, { required: true })],
    ['json', (r) => r.json(NAME, undefined, { required: true })],
    ['enumValue', (r) => r.enumValue(NAME, ['a', 'b'], { required: true })],
    ['url', (r) => r.url(NAME, { required: true })],
    ['map', (r) => r.map(NAME, { required: true })],
  ]

  const optionalReads: Array<[string, Read, unknown]> = [
    ['string', (r) => r.string(NAME), undefined],
    ['boolean', (r) => r.boolean(NAME), undefined],
    ['integer', (r) => r.integer(NAME), undefined],
    ['duration', (r) => r.duration(NAME), undefined],
    ['deadline', (r) => r.deadline(NAME), undefined],
    ['list', (r) => r.list(NAME), []],
    ['json', (r) => r.json(NAME), undefined],
    ['enumValue', (r) => r.enumValue(NAME, ['a']), undefined],
    ['url', (r) => r.url(NAME), undefined],
    ['map', (r) => r.map(NAME), {}],
  ]

  it.each(requiredReads)('%s reports missing when required', (_k, read) => {
    for (const value of [undefined, '', '  \n ']) {
      const error = inputErrorOf(() => read(readerFor(value)))
      expect(error.message).toMatch(
        /^Missing input 'the-input'\. Set it in the step's 'with:' block\./,
      )
      expect(error.input).toBe(NAME)
    }
  })

  it.each(optionalReads)('%s treats empty as unset', (_k, read, empty) => {
    expect(read(readerFor(''))).toEqual(empty)
    expect(read(readerFor(undefined))).toEqual(empty)
  })

  it('lists allowed values when missing', () => {
    const error = inputErrorOf(() =>
      readerFor(undefined).enumValue(NAME, ['blue', 'green'], {
        required: true,
      }),
    )
    expect(error.message).toContain('Use one of: blue, green.')
  })
})

describe('valid input values', () => {
  const cases: Array<[string, string, Read, unknown]> = [
    ['string trimmed', '  web  ', (r) => r.string(NAME), 'web'],
    [
      'string pattern',
      'eu-west-1',
      (r) => r.string(NAME, { pattern: /[a-z]+-[a-z]+-\d/ }),
      'eu-west-1',
    ],
    [
      'string max length',
      'żółw',
      (r) => r.string(NAME, { maxLength: 4 }),
      'żółw',
    ],
    [
      'string alternation',
      'ab',
      (r) => r.string(NAME, { pattern: /a|ab/ }),
      'ab',
    ],
    ['boolean true', 'true', (r) => r.boolean(NAME), true],
    ['boolean True', 'True', (r) => r.boolean(NAME), true],
    ['boolean TRUE', 'TRUE', (r) => r.boolean(NAME), true],
    ['boolean false', 'false', (r) => r.boolean(NAME), false],
    ['boolean FALSE', 'FALSE', (r) => r.boolean(NAME), false],
    ['integer', '42', (r) => r.integer(NAME), 42],
    ['integer negative', '-3', (r) => r.integer(NAME), -3],
    [
      'integer at bounds',
      '10',
      (r) => r.integer(NAME, { min: 1, max: 10 }),
      10,
    ],
    ['duration ms', '500ms', (r) => r.duration(NAME), 500],
    ['duration seconds', '90s', (r) => r.duration(NAME), 90_000],
    ['duration minutes', '10m', (r) => r.duration(NAME), 600_000],
    ['duration hours', '1h', (r) => r.duration(NAME), 3_600_000],
    ['duration combined', '1h30m', (r) => r.duration(NAME), 5_400_000],
    ['duration all units', '1h2m3s4ms', (r) => r.duration(NAME), 3_723_004],
    ['duration spaced', '1h 30m', (r) => r.duration(NAME), 5_400_000],
    ['duration fraction', '1.5s', (r) => r.duration(NAME), 1_500],
    ['duration bare seconds', '30', (r) => r.duration(NAME), 30_000],
    ['duration zero with min 0', '0', (r) => r.duration(NAME, { min: 0 }), 0],
    [
      'duration at max',
      '1h',
      (r) => r.duration(NAME, { max: 3_600_000 }),
      3_600_000,
    ],
    [
      'deadline UTC',
      '2026-05-01T12:00:00Z',
      (r) => r.deadline(NAME),
      Date.UTC(2026, 4, 1, 12),
    ],
    [
      'deadline offset',
      '2026-05-01T14:00:00+02:00',
      (r) => r.deadline(NAME),
      Date.UTC(2026, 4, 1, 12),
    ],
    [
      'deadline offset no colon',
      '2026-05-01T07:30:00-0430',
      (r) => r.deadline(NAME),
      Date.UTC(2026, 4, 1, 12),
    ],
    [
      'deadline fraction',
      '2026-05-01T12:00:00.250Z',
      (r) => r.deadline(NAME),
      Date.UTC(2026, 4, 1, 12) + 250,
    ],
    [
      'deadline no seconds',
      '2026-05-01T12:00Z',
      (r) => r.deadline(NAME),
      Date.UTC(2026, 4, 1, 12),
    ],
    [
      'deadline epoch seconds',
      '1777636800',
      (r) => r.deadline(NAME),
      1_777_636_800_000,
    ],
    [
      'deadline leap day',
      '2028-02-29T00:00:00Z',
      (r) => r.deadline(NAME),
      Date.UTC(2028, 1, 29),
    ],
    ['list by lines', 'a\n b \r\nc', (r) => r.list(NAME), ['a', 'b', 'c']],
    ['list by commas', 'a, b,,c,', (r) => r.list(NAME), ['a', 'b', 'c']],
    [
      'list mixed',
      'a,b\nc',
      (r) => r.list(NAME, { maxItems: 3 }),
      ['a', 'b', 'c'],
    ],
    [
      'list item pattern',
      'sg-1,sg-2',
      (r) => r.list(NAME, { itemPattern: /sg-\d+/ }),
      ['sg-1', 'sg-2'],
    ],
    ['json object', '{"a":[1,2]}', (r) => r.json(NAME), { a: [1, 2] }],
    ['json validated', '8080', (r) => r.json(NAME, isPort), 8080],
    ['enum', 'green', (r) => r.enumValue(NAME, ['blue', 'green']), 'green'],
    [
      'url https',
      'https://example.com/health',
      (r) => r.url(NAME)?.href,
      'https://example.com/health',
    ],
    [
      'url loopback http',
      'http://127.0.0.1:8080/',
      (r) => r.url(NAME)?.port,
      '8080',
    ],
    [
      'url custom scheme',
      's3://bucket/key',
      (r) => r.url(NAME, { protocols: ['s3'] })?.hostname,
      'bucket',
    ],
    [
      'map lines',
      'Authorization: Bearer a=b\nX-Trace=1\n# note\n',
      (r) => r.map(NAME),
      { Authorization: 'Bearer a=b', 'X-Trace': '1' },
    ],
    [
      'map url value',
      'target: http://a:1/x?y=z',
      (r) => r.map(NAME),
      { target: 'http://a:1/x?y=z' },
    ],
    ['map empty value', 'EMPTY=', (r) => r.map(NAME), { EMPTY: '' }],
    [
      'map JSON',
      '{"a":"1","b":2,"c":true}',
      (r) => r.map(NAME),
      { a: '1', b: '2', c: 'true' },
    ],
    [
      'map proto key',
      '__proto__: x',
      (r) => Object.keys(r.map(NAME)),
      ['__proto__'],
    ],
  ]

  it.each(cases)('reads %s', (_case, raw, read, expected) => {
    expect(read(readerFor(raw))).toEqual(expected)
  })
})

describe('invalid input values', () => {
  // Each row: case, raw value, read, value the message must show, and the
  // text that says what is allowed.
  const cases: Array<[string, string, Read, string, string]> = [
    [
      'string too long',
      'abcdef',
      (r) => r.string(NAME, { maxLength: 5 }),
      'abcdef',
      'Use at most 5 characters (this value has 6).',
    ],
    [
      'string pattern',
      'EU_WEST',
      (r) => r.string(NAME, { pattern: /[a-z-]+/ }),
      'EU_WEST',
      'Use a value that matches /[a-z-]+/.',
    ],
    [
      'string partial match',
      'abc1',
      (r) => r.string(NAME, { pattern: /[a-z]+/ }),
      'abc1',
      'matches /[a-z]+/',
    ],
    [
      'string pattern hint',
      'x',
      (r) => r.string(NAME, { pattern: /\d+/, patternHint: 'Use digits.' }),
      'x',
      'Use digits.',
    ],
    ['boolean yes', 'yes', (r) => r.boolean(NAME), 'yes', 'Use true or false.'],
    [
      'boolean tRUE',
      'tRUE',
      (r) => r.boolean(NAME),
      'tRUE',
      'Use true or false.',
    ],
    ['boolean 1', '1', (r) => r.boolean(NAME), '1', 'Use true or false.'],
    [
      'integer decimal',
      '1.5',
      (r) => r.integer(NAME),
      '1.5',
      'Use a whole number.',
    ],
    [
      'integer word',
      'ten',
      (r) => r.integer(NAME),
      'ten',
      'Use a whole number.',
    ],
    [
      'integer exponent',
      '1e3',
      (r) => r.integer(NAME),
      '1e3',
      'Use a whole number.',
    ],
    [
      'integer unsafe',
      '9007199254740993',
      (r) => r.integer(NAME),
      '9007199254740993',
      'Use a whole number.',
    ],
    [
      'integer below min',
      '0',
      (r) => r.integer(NAME, { min: 1, max: 10 }),
      '0',
      'Use a whole number from 1 to 10.',
    ],
    [
      'integer above max',
      '11',
      (r) => r.integer(NAME, { min: 1, max: 10 }),
      '11',
      'Use a whole number from 1 to 10.',
    ],
    [
      'integer only min',
      '-1',
      (r) => r.integer(NAME, { min: 0 }),
      '-1',
      'Use a whole number of at least 0.',
    ],
    [
      'integer only max',
      '6',
      (r) => r.integer(NAME, { max: 5 }),
      '6',
      'Use a whole number of at most 5.',
    ],
    [
      'duration unknown unit',
      '10x',
      (r) => r.duration(NAME),
      '10x',
      'Use a duration such as 500ms, 90s, 10m or 1h30m (a bare number is seconds).',
    ],
    [
      'duration upper case',
      '10M',
      (r) => r.duration(NAME),
      '10M',
      'such as 500ms',
    ],
    ['duration day unit', '1d', (r) => r.duration(NAME), '1d', 'such as 500ms'],
    [
      'duration unit order',
      '30m1h',
      (r) => r.duration(NAME),
      '30m1h',
      'such as 500ms',
    ],
    [
      'duration repeated unit',
      '1m1m',
      (r) => r.duration(NAME),
      '1m1m',
      'such as 500ms',
    ],
    [
      'duration trailing number',
      '1m30',
      (r) => r.duration(NAME),
      '1m30',
      'such as 500ms',
    ],
    [
      'duration no number',
      'ms',
      (r) => r.duration(NAME),
      'ms',
      'such as 500ms',
    ],
    [
      'duration zero',
      '0',
      (r) => r.duration(NAME),
      '0',
      'Use a duration of at least 1ms.',
    ],
    [
      'duration zero units',
      '0s',
      (r) => r.duration(NAME),
      '0s',
      'Use a duration of at least 1ms.',
    ],
    [
      'duration negative',
      '-5s',
      (r) => r.duration(NAME),
      '-5s',
      'Use a duration of at least 1ms.',
    ],
    [
      'duration over max',
      '2h',
      (r) => r.duration(NAME, { min: 1_000, max: 3_600_000 }),
      '2h',
      'Use a duration from 1s to 1h.',
    ],
    [
      'deadline no zone',
      '2026-05-01T12:00:00',
      (r) => r.deadline(NAME),
      '2026-05-01T12:00:00',
      "Add a zone: 'Z' for UTC or an offset such as +02:00",
    ],
    [
      'deadline date only',
      '2026-05-01',
      (r) => r.deadline(NAME),
      '2026-05-01',
      "Add a zone: 'Z'",
    ],
    [
      'deadline text',
      'tomorrow',
      (r) => r.deadline(NAME),
      'tomorrow',
      'Use an ISO 8601 time with a zone',
    ],
    [
      'deadline bad month',
      '2026-13-01T12:00:00Z',
      (r) => r.deadline(NAME),
      '2026-13-01T12:00:00Z',
      'or Unix epoch seconds',
    ],
    [
      'deadline Feb 30',
      '2026-02-30T12:00:00Z',
      (r) => r.deadline(NAME),
      '2026-02-30T12:00:00Z',
      'Use an ISO 8601 time',
    ],
    [
      'deadline hour 24',
      '2026-05-01T24:00:00Z',
      (r) => r.deadline(NAME),
      '2026-05-01T24:00:00Z',
      'Use an ISO 8601 time',
    ],
    [
      'deadline bad offset',
      '2026-05-01T12:00:00+25:00',
      (r) => r.deadline(NAME),
      '2026-05-01T12:00:00+25:00',
      'Use an ISO 8601 time',
    ],
    [
      'deadline milliseconds',
      '1777636800000',
      (r) => r.deadline(NAME),
      '1777636800000',
      'Use epoch seconds',
    ],
    [
      'deadline negative epoch',
      '-5',
      (r) => r.deadline(NAME),
      '-5',
      'Use an ISO 8601 time',
    ],
    [
      'list too few',
      'a',
      (r) => r.list(NAME, { minItems: 2 }),
      'a',
      'List at least 2 item(s), one per line or comma separated (this value has 1).',
    ],
    [
      'list too many',
      'a,b,c',
      (r) => r.list(NAME, { maxItems: 2 }),
      'a,b,c',
      'List at most 2 item(s) (this value has 3).',
    ],
    [
      'list only separators',
      ', ,',
      (r) => r.list(NAME, { required: true }),
      ', ,',
      'List at least 1 item(s)',
    ],
    [
      'list bad item',
      'sg-1\nsg-x',
      (r) => r.list(NAME, { itemPattern: /sg-\d+/ }),
      'sg-x',
      'Each item must match /sg-\\d+/. (item 2 of 2)',
    ],
    [
      'list item hint',
      'x',
      (r) => r.list(NAME, { itemPattern: /\d/, itemHint: 'Use digits.' }),
      'x',
      'Use digits. (item 1 of 1)',
    ],
    ['json syntax', '{a:1}', (r) => r.json(NAME), '{a:1}', 'Use valid JSON ('],
    [
      'json validator',
      '"80"',
      (r) => r.json(NAME, isPort),
      '"80"',
      'Use a port number.',
    ],
    [
      'enum unknown',
      'red',
      (r) => r.enumValue(NAME, ['blue', 'green']),
      'red',
      'Use one of: blue, green.',
    ],
    [
      'enum case',
      'Blue',
      (r) => r.enumValue(NAME, ['blue', 'green']),
      'Blue',
      "Values are case-sensitive: did you mean 'blue'?",
    ],
    [
      'url relative',
      '/health',
      (r) => r.url(NAME),
      '/health',
      'Use an absolute http or https URL',
    ],
    [
      'url scheme',
      'ftp://example.com',
      (r) => r.url(NAME),
      'ftp://example.com',
      'Use an absolute http or https URL, such as https://example.com.',
    ],
    [
      'url custom scheme',
      'https://x',
      (r) => r.url(NAME, { protocols: ['s3:'] }),
      'https://x',
      'Use an absolute s3 URL, such as s3://example.com.',
    ],
    [
      'url credentials hidden',
      'ftp://user:pw@host/x',
      (r) => r.url(NAME),
      'ftp://***@host/x',
      'http or https',
    ],
    [
      'map no separator',
      'Authorization',
      (r) => r.map(NAME),
      'Authorization',
      "Write each line as 'key: value' or key=value",
    ],
    [
      'map empty key',
      ': value',
      (r) => r.map(NAME),
      ': value',
      'with a key that has no spaces',
    ],
    [
      'map key with space',
      'my key: v',
      (r) => r.map(NAME),
      'my key: v',
      'with a key that has no spaces',
    ],
    [
      'map duplicate key',
      'a: 1\na: 2',
      (r) => r.map(NAME),
      'a: 2',
      "The key 'a' appears more than once.",
    ],
    [
      'map JSON array',
      '{"a":[1]}',
      (r) => r.map(NAME),
      '{"a":[1]}',
      "The value of 'a' must be a string, number or boolean.",
    ],
    ['map JSON syntax', '{"a":', (r) => r.map(NAME), '{"a":', 'invalid JSON'],
  ]

  it.each(cases)('rejects %s', (_case, raw, read, shown, allowed) => {
    const error = inputErrorOf(() => read(readerFor(raw)))
    expect(error.input).toBe(NAME)
    expect(error.message).toContain(`Invalid input '${NAME}': `)
    expect(error.message).toContain(`"${shown.replace(/[\\"]/g, '\\$&')}"`)
    expect(error.message).toContain(allowed)
  })

  it('escapes control characters in values', () => {
    const error = inputErrorOf(() => readerFor('tr\nue\u0007').boolean(NAME))
    expect(error.message).toBe(
      `Invalid input '${NAME}': "tr\\nue\\u0007". Use true or false.`,
    )
  })

  it('cuts long values in messages', () => {
    const error = inputErrorOf(() => readerFor('9'.repeat(1_000)).boolean(NAME))
    expect(error.message).toContain('(1000 characters, first 200 shown)')
    expect(error.message.length).toBeLessThan(300)
  })

  it('fails with a named cross-input error', () => {
    const reader = readerFor('x')
    const error = inputErrorOf(() =>
      reader.fail('min-healthy', '150', 'Use at most 100.'),
    )
    expect(error.message).toBe(
      `Invalid input 'min-healthy': "150". Use at most 100.`,
    )
  })
})
