# shellcheck shell=sh
# One look at everything the agent keeps on this node, for every network at once: what the
# reads of all networks and ports of a refresh compare (src/agent/gather.ts turns it into what
# observe() in network-lib.sh prints for one network). Changes nothing. Raw data only: names
# that depend on a network's spec (devices, the wanted command line) are picked out in Node.
# Set before it (gather.ts): STATE, LOCK_PREFIX, LOCK_SUFFIX, UNIT_PREFIX, UNIT_SUFFIX,
# UNIT_DIR, UNIT_TEMPLATE, SC_UNIT_PREFIX (sidecar units: <prefix><name>@<network>.service),
# MD_GROUP, common.sh's and port-metadata.sh's functions.

# Inside a network's namespace: its devices and addresses, default routes, accept_ra of every
# device, and the mangle table (the CHECKSUM rules). accept_ra is read with the shell's read: a
# sysctl file gives a byte-wise reader its value and then EOF, so read fails with the value set.
# shellcheck disable=SC2016 # Expanded by the shell that runs inside the namespace.
IN_NS='
echo @@addr; ip -j addr show 2>/dev/null || true; echo
echo @@route4; ip -j -4 route show default 2>/dev/null || true; echo
echo @@route6; ip -j -6 route show default 2>/dev/null || true; echo
echo @@accept_ra
if cd /proc/sys/net/ipv6/conf 2>/dev/null; then for f in */accept_ra; do v=; { read -r v < "$f" || [ -n "$v" ]; } 2>/dev/null && echo "$f:$v"; done; fi
echo @@mangle4; iptables-save -t mangle 2>/dev/null || true
echo @@mangle6; ip6tables-save -t mangle 2>/dev/null || true
'

# The files, as one compressed tar (leases and logs left out: reads only ask whether leases exist).
# Not the metadata trees: user-data may hold secrets, so they are seen as md_observe sees them,
# by digests (below); nor the metadata server's temporary files.
echo @@files
if [ -d "$STATE/dhcp" ]; then
  (cd "$STATE/dhcp" && tar -cz --exclude=leases --exclude='*.leases' --exclude='dnsmasq.log*' --exclude='*.tmp.*' --exclude='.*.lock' \
    --exclude='./*/metadata' --exclude='./*/sidecars/*.log' --exclude='./*/sidecars/.*' -f - . 2>/dev/null | base64) || true
fi
echo @@links; ip -j -d link show 2>/dev/null || true; echo
supervised=0
if under_systemd && [ -e "$UNIT_DIR/$UNIT_TEMPLATE" ]; then supervised=1; fi
echo @@supervised; echo "$supervised"
# The sidecars whose unit template is installed (sidecar.sh's sc_supervised).
echo @@sctemplates
sidecar_names=
if under_systemd; then
  for t in "$UNIT_DIR/$SC_UNIT_PREFIX"*@.service; do
    [ -e "$t" ] || continue
    n=${t#"$UNIT_DIR/$SC_UNIT_PREFIX"}
    n=${n%@.service}
    echo "$n"
    sidecar_names="$sidecar_names $n"
  done
fi
units=
# Files whose inode tells a process's namespace, stat-ed together at the end (one process, not one per network).
nsfiles=
for dir in "$STATE"/dhcp/*/; do
  [ -d "$dir" ] || continue
  dir=${dir%/}
  id=${dir##*/}
  ns=qdhcp-$id
  echo "@@net $id"
  if [ -e "$dir/leases" ]; then echo "leases 1"; fi
  if [ -d "$dir/ports/.txn" ] && flock -n "$LOCK_PREFIX$id$LOCK_SUFFIX" true; then echo "txn 1"; fi
  p=
  if [ -r "$dir/pid" ]; then { read -r p < "$dir/pid"; } 2>/dev/null || true; fi
  case "$p" in '' | *[!0-9]*) p= ;; esac
  comm=
  if [ -n "$p" ]; then { read -r comm < "/proc/$p/comm"; } 2>/dev/null || comm=; fi
  if [ "$comm" = dnsmasq ]; then
    echo "pid $p"
    echo "cmdline $(base64 -w0 < "/proc/$p/cmdline" 2>/dev/null || true)"
    echo "inodes-of /proc/$p/ns/net /run/netns/$ns"
    nsfiles="$nsfiles /proc/$p/ns/net /run/netns/$ns"
  fi
  # Entering the namespace is the check that it exists; what is seen inside is printed below.
  ns_up=0
  if inside=$(ip netns exec "$ns" sh -c "$IN_NS" 2>/dev/null); then
    ns_up=1
    echo "ns 1"
    printf 'dnsmasqs'
    cmdlines=
    for q in $(ip netns pids "$ns" 2>/dev/null || true); do
      c=
      { read -r c < "/proc/$q/comm"; } 2>/dev/null || c=
      if [ "$c" = dnsmasq ]; then printf ' %s' "$q"; fi
      cmdlines="$cmdlines /proc/$q/cmdline"
    done
    echo
    # Processes started with one of the network's sidecar files as an argument (stray_sidecars):
    # their /proc/<pid>/cmdline, one a line.
    echo "@@sidecar_procs"
    # shellcheck disable=SC2086 # One file a word.
    if [ -n "$cmdlines" ]; then grep -lF -- "$dir/sidecars/" $cmdlines 2>/dev/null || true; fi
  fi
  # Each sidecar its pid file names, when that process lives: its command line and namespace.
  for f in "$dir"/sidecars/*.pid; do
    [ -e "$f" ] || continue
    n=${f##*/}
    p=
    { read -r p < "$f"; } 2>/dev/null || true
    case "$p" in '' | *[!0-9]*) continue ;; esac
    st=
    { read -r st < "/proc/$p/stat"; } 2>/dev/null || continue
    case "${st##*) }" in Z*) continue ;; esac
    echo "@@sidecar ${n%.pid}"
    echo "pid $p"
    echo "cmdline $(base64 -w0 < "/proc/$p/cmdline" 2>/dev/null || true)"
    echo "inodes-of /proc/$p/ns/net /run/netns/$ns"
    nsfiles="$nsfiles /proc/$p/ns/net /run/netns/$ns"
  done
  # The built-in metadata: where each address links, and each linked tree as md_observe sees it.
  md="$dir/metadata"
  if [ -d "$md/by-ip" ]; then
    echo "@@mdlinks"
    find "$md/by-ip" -mindepth 1 -maxdepth 1 -type l -printf '%f %l\n' 2>/dev/null || true
    find "$md/by-ip" -mindepth 1 -maxdepth 1 -type l -printf '%l\n' 2>/dev/null | sort -u | while read -r t; do
      case "$t" in ../trees/*) echo "@@mdtree $t"; md_observe_tree "$md/${t#../}" 2>/dev/null || true ;; esac
    done
  fi
  if [ "$ns_up" = 1 ]; then
    echo "@@in $id"
    printf '%s\n' "$inside"
  fi
  if [ "$supervised" = 1 ]; then units="$units $UNIT_PREFIX$id$UNIT_SUFFIX"; fi
  for n in $sidecar_names; do units="$units $SC_UNIT_PREFIX$n@$id.service"; done
done
echo @@nsinodes
# shellcheck disable=SC2086 # One file a word.
if [ -n "$nsfiles" ]; then stat -L -c '%i %n' $nsfiles 2>/dev/null || true; fi
echo @@units
if [ -n "$units" ]; then
  # shellcheck disable=SC2086 # One unit a word.
  systemctl show -p Id -p ActiveState -p Result -p UnitFileState -p MainPID $units 2>/dev/null || true
fi
echo @@end
