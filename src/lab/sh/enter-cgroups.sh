# shellcheck shell=sh
# Moves itself into the cgroups named in `$1` (colon separated), then execs the rest (the
# systemd lab node's nspawn, see container.ts).
set -e
IFS=:
for d in $1; do mkdir -p "$d"; echo $$ > "$d/cgroup.procs"; done
unset IFS
shift
exec "$@"
