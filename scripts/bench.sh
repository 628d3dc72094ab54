#!/usr/bin/env bash
# `npm run bench [-- options]`: needs root on Linux (the lab) and terraform.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
npm run --silent build
exec node --import tsx scripts/bench.ts "$@"
