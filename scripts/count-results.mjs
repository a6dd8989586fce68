// Prints "N passed, M failed" over every jest report and check marker in the
// results folder, and exits non-zero when anything failed or nothing ran.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2] ?? 'test-results'
let passed = 0
let failed = 0
const failures = []

for (const file of readdirSync(dir).sort()) {
  const path = join(dir, file)
  if (file.endsWith('.json')) {
    const report = JSON.parse(readFileSync(path, 'utf8'))
    passed += report.numPassedTests
    failed += report.numFailedTests
    // A suite that fails to load has no failed test but must count.
    for (const suite of report.testResults) {
      if (suite.status === 'failed' && suite.assertionResults.length === 0) {
        failed += 1
        failures.push(`${suite.name}: ${suite.message.split('\n')[0]}`)
      }
      for (const test of suite.assertionResults) {
        if (test.status === 'failed') failures.push(test.fullName)
      }
    }
  } else if (file.startsWith('check-')) {
    const outcome = readFileSync(path, 'utf8').trim()
    if (outcome === 'passed') passed += 1
    else {
      failed += 1
      failures.push(`check ${file.slice('check-'.length)}`)
    }
  }
}

for (const line of failures) console.log(`FAILED: ${line}`)
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed > 0 || passed === 0 ? 1 : 0
