#!/usr/bin/env bash
# `npm test`: lint (eslint, shellcheck), type-check, build, then every test in one node:test run
# (so the summary at the end counts them all). Lab tests start daemons and namespaces: one file
# at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent lint
npx tsc -p tsconfig.json
npm run --silent build
shopt -s nullglob
files=(test/unit/*.test.ts test/integration/*.test.ts test/e2e/*.test.ts)
exec node --import tsx --test --test-concurrency=1 "${files[@]}"
