#!/usr/bin/env bash
# Rehearses a release of examples/consumer-app on this machine: installs
# what is needed (scripts/setup-machine.sh), then runs the kit's
# .github/workflows/deploy.yml against the local AWS stack twice and prints
# the report. Arguments go to rehearsal/cli.ts (--break, --report-json FILE,
# --keep-work-dir).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-machine.sh
# tsx itself, not npx: npx does not pass SIGTERM on, and the rehearsal
# stops what it started when it gets SIGINT or SIGTERM.
exec node_modules/.bin/tsx rehearsal/cli.ts "$@"
