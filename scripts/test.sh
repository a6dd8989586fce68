#!/usr/bin/env bash
# The kit's whole test suite, from a fresh machine: installs what it needs,
# then runs lint, the type check, the dist check, the unit tests, the
# integration tests and the seeded sample of the resilience tests (both start
# and stop the local AWS stack themselves).
# Ends with one line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-machine.sh || exit 1

results=${KIT_RESULTS_DIR:-test-results}
rm -rf "$results"
mkdir -p "$results"

check() {
  local name=$1
  shift
  echo "::group::$name"
  if "$@"; then
    echo "check $name: passed"
    echo passed >"$results/check-$name"
  else
    echo "check $name: FAILED"
    echo failed >"$results/check-$name"
  fi
  echo "::endgroup::"
}

export NODE_OPTIONS=--experimental-vm-modules NODE_NO_WARNINGS=1
check lint npm run -s lint
check typecheck npm run -s typecheck
check dist npm run -s check-dist
# A jest run counts through its JSON report; a run that crashed before
# writing one counts as one failure.
jest_run() {
  local name=$1
  shift
  echo "::group::$name"
  npx jest "$@" --json --outputFile="$results/jest-$name.json"
  [ -s "$results/jest-$name.json" ] || echo failed >"$results/check-$name"
  echo "::endgroup::"
}
jest_run unit
jest_run integration -c jest.integration.config.js
jest_run resilience -c jest.resilience.config.js

node scripts/count-results.mjs "$results"
