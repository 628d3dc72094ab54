# shellcheck shell=sh
# dhcp-agent lab: runs in a private mount namespace of a lab VM (see dhcpcd.ts) and gives dhcpcd
# a /var/lib/dhcpcd (DUID, leases) and a /run (/run/dhcpcd: pid file, control socket) of its own,
# both on a tmpfs named `$1`, so nothing of the host's DHCP client state is read or written and
# the run's processes are found by that name. `$2`, when not empty, is the DUID the client starts
# with (dhcpcd reads /var/lib/dhcpcd/duid before making one).
# Arguments: `$1` the tmpfs source name, `$2` the DUID or '', then the command to exec.
set -e
mount -t tmpfs -o mode=0755,size=1m "$1" /var/lib/dhcpcd
mount -t tmpfs -o mode=0755,size=1m "$1" /run
mkdir /run/dhcpcd
if [ -n "$2" ]; then printf '%s\n' "$2" >/var/lib/dhcpcd/duid; fi
shift 2
exec "$@"
