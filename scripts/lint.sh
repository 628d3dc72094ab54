#!/usr/bin/env bash
# `npm run lint`: eslint, shellcheck on the shell nodes run and on the repo's own scripts, then
# the checks that the generated L1 classes and the provider docs are not stale.
#
#   bash scripts/lint.sh                      every step
#   bash scripts/lint.sh shellcheck FILE...   the node-side shellcheck step on the given files
#
# Node-side shell is POSIX sh (nodes run it with /bin/sh: dash, busybox): the .sh files under
# src/ (scripts/shell-files.mjs lists them), and what nodes really get, rendered from
# representative specs by scripts/render-node-shell.ts (setup.sh, monitor.sh, the handlers'
# scripts), where the variables TypeScript sets are in place.
set -euo pipefail
cd "$(dirname "$0")/.."

need_shellcheck() {
  command -v shellcheck >/dev/null 2>&1 && return 0
  echo "lint: shellcheck is missing (Debian package shellcheck; scripts/install-system-deps.sh installs it)" >&2
  exit 1
}

# check_node_shell FILE...: the shellcheck step for node-side shell.
check_node_shell() {
  need_shellcheck
  shellcheck --shell=sh --format=gcc "$@"
}

check_shell() {
  local files rendered
  mapfile -t files < <(node scripts/shell-files.mjs list)
  check_node_shell "${files[@]}"
  rendered=$(mktemp -d)
  # shellcheck disable=SC2064 # the directory is known now; the trap must remove this one.
  trap "rm -rf '$rendered'" EXIT
  node --import tsx scripts/render-node-shell.ts "$rendered"
  # Rendered headers assign values quoted with shq, which leaves a safe word bare: SC2100
  # takes a name such as BRIDGE=br-lab for arithmetic.
  check_node_shell --exclude=SC2100 "$rendered"/*.sh
  echo "lint: shellcheck: ${#files[@]} node-side .sh files and $(find "$rendered" -name '*.sh' | wc -l) rendered scripts clean"
  # The repository's own scripts (bash).
  shellcheck --format=gcc scripts/*.sh .ci/run
}

if [ "${1:-}" = shellcheck ]; then
  shift
  [ "$#" -gt 0 ] || { echo "usage: bash scripts/lint.sh shellcheck FILE..." >&2; exit 2; }
  check_node_shell "$@"
  exit 0
fi
[ "$#" -eq 0 ] || { echo "usage: bash scripts/lint.sh [shellcheck FILE...]" >&2; exit 2; }

npx eslint .
check_shell
# Generated files that are stale: the L1 classes (constructs/l1/generated), the provider docs
# and the SSH fields' TSDoc (from the schema tables).
node --import tsx scripts/gen-l1.ts --check
node --import tsx scripts/gen-docs.ts --check
