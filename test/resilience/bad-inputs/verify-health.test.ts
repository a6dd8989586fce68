// Invalid inputs for verify-health: each is rejected before the first
// probe, with the input and the fix named, no stack trace, and moto
// unchanged (a rollback target that is invalid must not touch AWS).
import type { BadInputCase } from './harness.js'
import {
  BOOLEAN,
  DURATION,
  EPOCH_SECONDS,
  MAP_LINES,
  oversize,
  REGION,
  WHOLE_NUMBER,
} from './fixes.js'
import { describeBadInputs } from './suite.js'

// Port 9 (discard) on loopback: no server listens there, so an input that
// is wrongly accepted fails on the first probe, within the short timeout.
const URL_BASE = 'http://127.0.0.1:9'
const SET_IT = /Set it in the step's 'with:' block/
const DEPLOYMENT_HINT =
  /Pass the deployment-json output of blue-green-deploy unchanged/
const STATUS_HINT = /Use status codes from 100 to 599/
const JSON_PATH_HINT = /Use field names joined by dots/

const cases: BadInputCase[] = [
  {
    name: 'missing urls',
    inputs: { urls: undefined },
    input: 'urls',
    fix: SET_IT,
  },
  {
    name: 'ftp URL',
    inputs: { urls: 'ftp://127.0.0.1/healthz' },
    input: 'urls',
    fix: /must start with http:\/\/ or https:\/\//,
  },
  {
    name: 'URL without a scheme',
    inputs: { urls: '127.0.0.1:9/healthz' },
    input: 'urls',
    fix: /must start with http:\/\/ or https:\/\//,
  },
  {
    name: 'port out of range',
    inputs: { urls: 'http://127.0.0.1:70000/healthz' },
    input: 'urls',
    fix: /Use a port from 1 to 65535/,
  },
  {
    name: 'URL with a space',
    inputs: { urls: `${URL_BASE}/health check` },
    input: 'urls',
    fix: /Percent-encode it/,
  },
  {
    name: 'URL with a bell character',
    inputs: { urls: `${URL_BASE}/health\u0007` },
    input: 'urls',
    fix: /Percent-encode it/,
  },
  {
    name: 'URL without a host',
    inputs: { urls: 'http:///healthz' },
    input: 'urls',
    fix: /The URL has no host/,
  },
  {
    name: 'URL with one slash',
    inputs: { urls: 'http:/127.0.0.1:9/healthz' },
    input: 'urls',
    fix: /The URL has no host/,
  },
  {
    name: 'URL with only a port',
    inputs: { urls: 'http://:9/healthz' },
    input: 'urls',
    fix: /The URL has no host/,
  },
  {
    name: 'more than twenty URLs',
    inputs: {
      urls: Array.from({ length: 21 }, (_, i) => `${URL_BASE}/u${i}`).join(
        '\n',
      ),
    },
    input: 'urls',
    fix: /List at most 20 URLs/,
  },
  {
    name: 'URL listed twice',
    inputs: { urls: `${URL_BASE}/healthz\n${URL_BASE}/healthz` },
    input: 'urls',
    fix: /Remove the duplicate/,
  },
  {
    name: 'oversize URL with a space',
    inputs: { urls: `${URL_BASE}/${oversize(60_000, 'x')} ` + 'x' },
    input: 'urls',
    fix: /Percent-encode it/,
  },
  {
    name: 'status above 599',
    inputs: { 'expected-status': '600' },
    input: 'expected-status',
    fix: STATUS_HINT,
  },
  {
    name: 'status class 6xx',
    inputs: { 'expected-status': '2xx, 6xx' },
    input: 'expected-status',
    fix: STATUS_HINT,
  },
  {
    name: 'status as a word',
    inputs: { 'expected-status': 'ok' },
    input: 'expected-status',
    fix: STATUS_HINT,
  },
  {
    name: 'expected-json without equals',
    inputs: { 'expected-json': 'status' },
    input: 'expected-json',
    fix: /Write one path=value per line/,
  },
  {
    name: 'expected-json invalid path',
    inputs: { 'expected-json': '$.checks[x=up' },
    input: 'expected-json',
    fix: JSON_PATH_HINT,
  },
  {
    name: 'version-field invalid path',
    inputs: { 'version-field': '$..version' },
    input: 'version-field',
    fix: JSON_PATH_HINT,
  },
  {
    name: 'header name with a space',
    inputs: { headers: 'X Trace: 1' },
    input: 'headers',
    fix: MAP_LINES,
  },
  {
    name: 'header name with brackets',
    inputs: { headers: 'X(Trace): 1' },
    input: 'headers',
    fix: /A header name may contain only/,
  },
  {
    name: 'header with an empty JSON name',
    inputs: { headers: '{"": "x"}' },
    input: 'headers',
    fix: /Give every header a name/,
  },
  {
    name: 'headers as malformed JSON',
    inputs: { headers: '{"X-Trace": "1"' },
    input: 'headers',
    fix: /invalid JSON/,
  },
  {
    name: 'header value with a line break',
    inputs: { headers: '{"X-Trace": "1\\r\\nX-Evil: 2"}' },
    input: 'headers',
    fix: /line break or NUL character/,
  },
  {
    name: 'attempt-timeout above ten minutes',
    inputs: { 'attempt-timeout': '11m', timeout: '1h' },
    input: 'attempt-timeout',
    fix: /Use a duration from 1ms to 10m/,
  },
  {
    name: 'zero attempt-timeout',
    inputs: { 'attempt-timeout': '0s' },
    input: 'attempt-timeout',
    fix: DURATION,
  },
  {
    name: 'attempt-timeout above timeout',
    inputs: { 'attempt-timeout': '5s', timeout: '2s' },
    input: 'attempt-timeout',
    fix: /Set attempt-timeout to at most the overall timeout/,
  },
  {
    name: 'interval below 50ms',
    inputs: { interval: '10ms' },
    input: 'interval',
    fix: /Use a duration from 50ms/,
  },
  {
    name: 'negative interval',
    inputs: { interval: '-1s' },
    input: 'interval',
    fix: DURATION,
  },
  {
    name: 'timeout above six hours',
    inputs: { timeout: '7h' },
    input: 'timeout',
    fix: /Use a duration from 1ms to 6h/,
  },
  {
    name: 'timeout as a word',
    inputs: { timeout: 'soon' },
    input: 'timeout',
    fix: DURATION,
  },
  {
    name: 'deadline with month 13',
    inputs: { 'deadline-at': '2026-13-01T00:00:00Z' },
    input: 'deadline-at',
    fix: /Use an ISO 8601 time/,
  },
  {
    name: 'deadline in milliseconds',
    inputs: { 'deadline-at': '1790000000000' },
    input: 'deadline-at',
    fix: EPOCH_SECONDS,
  },
  {
    name: 'zero consecutive-successes',
    inputs: { 'consecutive-successes': '0' },
    input: 'consecutive-successes',
    fix: /from 1 to 100/,
  },
  {
    name: 'consecutive-successes above 100',
    inputs: { 'consecutive-successes': '101' },
    input: 'consecutive-successes',
    fix: /from 1 to 100/,
  },
  {
    name: 'zero latency-budget',
    inputs: { 'latency-budget': '0ms' },
    input: 'latency-budget',
    fix: DURATION,
  },
  {
    name: 'follow-redirects not a boolean',
    inputs: { 'follow-redirects': 'y' },
    input: 'follow-redirects',
    fix: BOOLEAN,
  },
  {
    name: 'zero max-redirects',
    inputs: { 'max-redirects': '0' },
    input: 'max-redirects',
    fix: /from 1 to 20/,
  },
  {
    name: 'max-redirects as a fraction',
    inputs: { 'max-redirects': '2.5' },
    input: 'max-redirects',
    fix: WHOLE_NUMBER,
  },
  {
    name: 'tls-verify not a boolean',
    inputs: { 'tls-verify': 'off' },
    input: 'tls-verify',
    fix: BOOLEAN,
  },
  {
    name: 'rollback-on-failure not a boolean',
    inputs: { 'rollback-on-failure': 'maybe' },
    input: 'rollback-on-failure',
    fix: BOOLEAN,
  },
  {
    name: 'rollback without deployment-json',
    inputs: { 'rollback-on-failure': 'true' },
    input: 'deployment-json',
    fix: /deployment-json must contain the deployment-json output/,
  },
  {
    name: 'deployment-json malformed',
    inputs: { 'rollback-on-failure': 'true', 'deployment-json': '{"schema' },
    input: 'deployment-json',
    fix: /Use valid JSON/,
  },
  {
    name: 'deployment-json as an array',
    inputs: { 'rollback-on-failure': 'true', 'deployment-json': '[1]' },
    input: 'deployment-json',
    fix: DEPLOYMENT_HINT,
  },
  {
    name: 'deployment-json of another schema',
    inputs: {
      'rollback-on-failure': 'true',
      'deployment-json': '{"schema_version": 2, "strategy": "alb-weighted"}',
    },
    input: 'deployment-json',
    fix: DEPLOYMENT_HINT,
  },
  {
    name: 'rollback-timeout above one hour',
    inputs: { 'rollback-timeout': '2h' },
    input: 'rollback-timeout',
    fix: /Use a duration from 1ms to 1h/,
  },
  {
    name: 'rollback region not a region',
    inputs: { 'rollback-on-failure': 'true', 'aws-region': 'mars-1' },
    input: 'aws-region',
    fix: REGION,
  },
  {
    name: 'record-file naming a folder',
    inputs: { 'record-file': 'records/' },
    input: 'record-file',
    fix: /names a folder/,
  },
  {
    name: 'record-file under a file',
    inputs: { 'record-file': 'notes.txt/verify.json' },
    files: { 'notes.txt': 'a file' },
    input: 'record-file',
    fix: /is not a folder/,
  },
  // NOTE: verify-health writes record-file wherever it points, also outside
  // the workspace, where the other actions reject such a path. Its unit
  // tests rely on paths such as /dev/null/verify.json, so no case here
  // expects the rejection until the action confines record-file.
  {
    name: 'oversize record-file name',
    inputs: { 'record-file': `records/${oversize(300, 'v')}.json` },
    input: 'record-file',
    fix: /allow at most 255/,
  },
]

describeBadInputs({
  label: 'verify-health',
  action: 'verify-health',
  base: () => ({
    inputs: {
      urls: `${URL_BASE}/healthz`,
      timeout: '3s',
      interval: '1s',
      'attempt-timeout': '1s',
    },
    files: {},
  }),
  cases,
  ciSize: 25,
})
