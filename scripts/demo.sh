#!/usr/bin/env bash
# `npm run demo` / `npm run demo:down` (with `down`): needs root on Linux.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-up}" = up ]; then
  echo "==> Installing the Debian packages the agent and the lab use (if missing)."
  bash scripts/install-system-deps.sh
  echo "==> Building the provider bundle."
  npm run --silent build
fi
exec node --import tsx scripts/demo.ts "$@"
