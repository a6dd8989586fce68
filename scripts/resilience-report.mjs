// Prints the resilience figures of the last run: per category, each entry's
// cases tried and passed, then the category total and the grand total.
// Reads KIT_RESILIENCE_FIGURES (default test-results/resilience-figures.jsonl,
// relative to the repository root) or the file given as the first argument.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const file =
  process.argv[2] ??
  process.env.KIT_RESILIENCE_FIGURES ??
  'test-results/resilience-figures.jsonl'
const path = isAbsolute(file) ? file : join(repoRoot, file)

// Labels of each category for cases tried and passed, in report order.
const categories = [
  ['faults', 'faults injected', 'survived'],
  ['bad-inputs', 'bad inputs tried', 'rejected cleanly'],
  ['secrets', 'secret canaries checked', 'with zero hits'],
  ['cancellation', 'cancellation points', 'clean exits'],
]

if (!existsSync(path)) {
  console.log(
    `resilience figures: ${path} not found, so no figures were recorded`,
  )
  process.exit(0)
}

const entries = []
for (const [index, line] of readFileSync(path, 'utf8').split('\n').entries()) {
  if (line.trim() === '') continue
  try {
    entries.push(JSON.parse(line))
  } catch (error) {
    console.log(
      `resilience figures: line ${index + 1} of ${path} is not JSON (${error.message}); skipped`,
    )
  }
}

const seeds = [...new Set(entries.map((entry) => entry.seed).filter(Boolean))]
const full = entries.some((entry) => entry.full)
console.log(
  `resilience figures (${full ? 'full sweep' : 'seeded sample'}${seeds.length > 0 ? `, seed ${seeds.join(', ')}` : ''}) from ${path}`,
)
let totalTried = 0
let totalPassed = 0
const known = new Set(categories.map(([name]) => name))
const unknown = [...new Set(entries.map((entry) => entry.category))].filter(
  (name) => !known.has(name),
)
for (const [name, triedLabel, passedLabel] of [
  ...categories,
  ...unknown.map((name) => [name, 'tried', 'passed']),
]) {
  const group = entries.filter((entry) => entry.category === name)
  const tried = group.reduce((sum, entry) => sum + entry.tried, 0)
  const passed = group.reduce((sum, entry) => sum + entry.passed, 0)
  totalTried += tried
  totalPassed += passed
  console.log(`${name}: ${triedLabel} ${tried}, ${passedLabel} ${passed}`)
  for (const entry of group) {
    console.log(`  ${entry.name}: ${entry.passed}/${entry.tried}`)
    for (const detail of entry.details ?? []) console.log(`    ${detail}`)
  }
}
console.log(
  `total: ${totalTried} tried, ${totalPassed} passed, ${totalTried - totalPassed} not passed`,
)
