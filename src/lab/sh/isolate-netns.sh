# shellcheck shell=sh
# Runs in a lab node's new (private) mount namespace, before exec'ing sshd (see mountns.ts):
# - unmounts the copies of the machine's namespace mounts (`nsfs` under /run/netns or
#   elsewhere): a copy would keep another lab's namespace, and its devices, alive after that
#   lab deletes it;
# - mounts a fresh tmpfs named `$1` on /run/netns, so `ip netns add` there is the node's own.
# Arguments: `$1` the tmpfs source name, then the command to exec.
set -e
awk '{ split($0, a, " - "); split(a[2], b, " "); if (b[1] == "nsfs") print $5 }' /proc/self/mountinfo |
  sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
mkdir -p /run/netns
mount -t tmpfs -o mode=0755,size=4m "$1" /run/netns
shift
exec "$@"
