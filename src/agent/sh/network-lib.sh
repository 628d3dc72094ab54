# shellcheck shell=sh
# Functions shared by every per-network script: setup.sh on the node, and the create, read,
# delete and port scripts the handlers send (src/agent/network.ts, port.ts). They read the
# variables of the header network-script.ts renders (networkHeader: NET_ID, NS, DIR, …; a port
# script sets fewer, see port.ts) and EXIT_RETRY, which src/agent/shell.ts sets; no value is
# spliced into this text.
#
# Notes on the lab and on real nodes:
# - Devices are inspected with `ip`, never /sys/class/net: /sys shows the network namespace
#   that mounted it, which is not the caller's when sshd was started with `nsenter --net`.
# - /proc/sys/net is per network namespace of the reading process, so sysctls are written
#   from inside the namespace.

# shellcheck disable=SC2034 # STEP is read by the EXIT trap of the script's prelude (script.ts).
step() { STEP=$1; }
fail() { echo "$*" >&2; exit 1; }
ns_exists() { ip -n "$NS" link show lo >/dev/null 2>&1; }
link_exists() { ip link show dev "$1" >/dev/null 2>&1; }
is_bridge() { ip -d -o link show dev "$1" 2>/dev/null | grep -q ' bridge '; }
master_of() { ip -o link show dev "$1" 2>/dev/null | sed -n 's/.* master \([^ ]*\) .*/\1/p'; }
# Members of bridge $1 other than the devices named in $2..
other_members() {
  br=$1; shift
  ip -o link show master "$br" 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | while read -r m; do
    skip=0; for x in "$@"; do [ "$m" = "$x" ] && skip=1; done; [ "$skip" = 1 ] || echo "$m"
  done
}

# The pid of this network's dnsmasq: the pid file names a live dnsmasq whose command line holds
# this network's own --pid-file argument, exactly (a short network id is a substring of many
# command lines, and a stale pid file may name any process by now).
# The files are read with builtins: this runs several times in every apply and monitor pass.
dnsmasq_pid() {
  p=
  { read -r p < "$DIR/pid"; } 2>/dev/null || true
  case "$p" in ''|*[!0-9]*) return 1 ;; esac
  dp_comm=
  { read -r dp_comm < "/proc/$p/comm"; } 2>/dev/null || return 1
  [ "$dp_comm" = dnsmasq ] || return 1
  tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | grep -qxF -- "--pid-file=$DIR/pid" || return 1
  echo "$p"
}
# True when process $1 runs in the namespace currently mounted as $NS (not an orphaned one).
in_our_netns() {
  # shellcheck disable=SC2046 # One inode a word; a vanished file gives none.
  set -- $(stat -L -c %i "/proc/$1/ns/net" "/run/netns/$NS" 2>/dev/null)
  [ "$#" = 2 ] && [ "$1" = "$2" ]
}
cmdline_ok() { expected_cmdline | cmp -s - "/proc/$1/cmdline"; }
# True while process $1 exists and has not exited (a zombie waiting for its parent has exited).
# Builtins only: stop_pid polls it.
running() {
  st=
  { read -r st < "/proc/$1/stat"; } 2>/dev/null || return 1
  case "${st##*) }" in Z*) return 1 ;; esac
}
# Polled every 10 ms (dnsmasq exits within a few on TERM), for at most 5 s before KILL.
stop_pid() {
  kill "$1" 2>/dev/null || return 0
  i=0
  while running "$1" && [ "$i" -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
  if running "$1"; then kill -9 "$1" 2>/dev/null || true; fi
}
# Other dnsmasq processes in the namespace (an earlier agent's, or neutron's own when adopting).
stray_dnsmasq() {
  keep="$*"
  # No namespace, no pids (ip netns pids fails, and the loop has nothing to do).
  for p in $(ip netns pids "$NS" 2>/dev/null); do
    [ "$p" = "$keep" ] && continue
    sd_comm=
    { read -r sd_comm < "/proc/$p/comm"; } 2>/dev/null || continue
    [ "$sd_comm" = dnsmasq ] && echo "$p"
  done
  return 0
}

# Devices the agent makes carry the id of their network as alias ("dhcp-agent:<id>"), so that a
# network whose derived name equals another's (ids sharing their first 11 characters) is refused
# instead of taking over, or deleting, the other network's device.
OWNER="dhcp-agent:$NET_ID"
alias_of() { ip -o link show dev "$1" 2>/dev/null | sed -n 's/.*\\ *alias //p'; }
owner_of() { alias_of "$1" | sed -n 's/^dhcp-agent://p'; }
owned_by_other() { o=$(owner_of "$1"); [ -n "$o" ] && [ "$o" != "$NET_ID" ]; }
refuse_others_device() {
  owned_by_other "$1" || return 0
  fail "device $1 on this node belongs to network $(owner_of "$1"), and network $NET_ID derives the same name ($2); nothing was changed. Give one of the two another id (device names keep 11 characters of a UUID)"
}
# Global addresses of interface $1, space-separated.
global_addrs() { ip -o addr show dev "$1" scope global 2>/dev/null | awk '{print $4}' | tr '\n' ' ' | sed 's/ $//'; }
# Enslaving an interface cuts off what it carries: its addresses (perhaps the node's own SSH
# address) and its place in another bridge or bond. Refused unless TAKE_OVER=1.
refuse_busy_uplink() {
  [ "$BRIDGE_MODE" = create ] && [ "$TAKE_OVER" != 1 ] && link_exists "$UPLINK" || return 0
  m=$(master_of "$UPLINK")
  [ "$m" = "$BRIDGE" ] && return 0
  found=
  a=$(global_addrs "$UPLINK")
  [ -z "$a" ] || found="addresses $a"
  if [ -n "$m" ]; then if [ -n "$found" ]; then found="$found and master $m"; else found="master $m"; fi; fi
  [ -z "$found" ] || fail "physical interface $UPLINK has $found: enslaving it to bridge $BRIDGE would cut that off (the node's own address may be among them); nothing was changed. Name an interface that carries nothing, or set take_over_physical_interface (takeOverPhysicalInterface) to enslave it anyway"
}
# Checks that change nothing, before anything is changed.
preflight() {
  step preflight
  refuse_others_device "$TAP" "tap device of DHCP port, from its id"
  if [ "$BRIDGE_MODE" = create ]; then refuse_others_device "$BRIDGE" "bridge, from the network id"; fi
  refuse_busy_uplink
}

# Writes $2 from a temp file $1 only when the content differs; sets CHANGED=1 then.
replace_if_changed() {
  if [ -e "$2" ] && cmp -s "$1" "$2"; then rm -f "$1"; else mv -f "$1" "$2"; CHANGED=1; fi
}
# Concatenates the per-port fragments of kind $1 (host|addn|opts|leases) in port-id order,
# the opts file framed by the network's own head and tail parts and without a final newline.
assemble() {
  set -- "$1" "$PORTS_DIR"/*."$1"
  kind=$1; shift
  [ -e "$1" ] || set --
  if [ "$kind" = opts ]; then
    printf '%s' "$(cat "$DIR/parts/opts.head" "$@" "$DIR/parts/opts.tail")"
  elif [ "$#" -gt 0 ]; then
    cat "$@"
  fi
}
assemble_file() {
  assemble "$1" > "$DIR/.$2.new"
  replace_if_changed "$DIR/.$2.new" "$DIR/$2"
}

# Whether systemd supervises this network's dnsmasq: systemd runs and the agent installed its
# network unit template on this node (see systemd-units.ts). Otherwise the agent and the
# process monitor start dnsmasq themselves.
supervised() { under_systemd && [ -e "$UNIT_DIR/$UNIT_TEMPLATE" ]; }
unit_main_pid() { systemctl show -p MainPID --value "$UNIT" 2>/dev/null || true; }
# Installs a unit template from file $1 where systemd runs, as $2 (default: the network's own
# template); daemon-reload only on a change.
install_unit_template() {
  t=${2:-$UNIT_TEMPLATE}
  if under_systemd; then
    if cmp -s "$1" "$UNIT_DIR/$t"; then rm -f "$1"; return 0; fi
    cp "$1" "$UNIT_DIR/.$t.new" && rm -f "$1"
    mv -f "$UNIT_DIR/.$t.new" "$UNIT_DIR/$t"
    systemctl daemon-reload
  else
    rm -f "$1"
  fi
}

# ensure = plumb + dnsmasq + sidecars: everything but the processes first, so that the network
# unit's ExecStartPre (unit-prepare) can run the same steps at boot. Addresses the spec no longer
# has go last, once routes, files and processes name the new ones (make before break).
ensure() {
  plumb
  ensure_dnsmasq
  ensure_sidecars
  step old-addresses
  remove_stale_addresses
}

# unit-prepare: plumb under the network lock; when the lock is held, its holder (an apply or the
# monitor) is converging the network and is the one starting the unit: leave it to them.
unit_prepare() {
  exec 9>>"$LOCK"
  if flock -n 9; then plumb; remove_stale_addresses; else echo "network lock held: the agent is converging $NET_ID"; fi
}

# Stops this network's dnsmasq and leaves everything else (monitor.sh down: take a node's DHCP
# service down on purpose; it stays down until started again or repaired by an apply).
halt() {
  halt_sidecars
  if supervised; then systemctl stop "$UNIT" 2>/dev/null || true; fi
  pid=$(dnsmasq_pid) || pid=
  [ -z "$pid" ] || stop_pid "$pid"
  echo "halted $NET_ID"
}

plumb() {
  CHANGED=0
  [ -d "$DIR" ] || fail "state directory $DIR is missing; the network must be created again"
  preflight
  mkdir -p "$PORTS_DIR" "$DIR/parts"
  recover_ports

  step namespace
  ns_exists || ip netns add "$NS"
  ip -n "$NS" link set lo up

  step dnsmasq-check
  pid=$(dnsmasq_pid) || pid=
  if [ -n "$pid" ] && ! in_our_netns "$pid"; then stop_pid "$pid"; pid=; fi
  for p in $(stray_dnsmasq "$pid"); do stop_pid "$p"; done

  step veth
  if ! ip -n "$NS" link show dev "$NSDEV" >/dev/null 2>&1; then
    ip link del "$TAP" 2>/dev/null || true
    ip link add "$TAP" type veth peer name "$NSDEV" netns "$NS"
  fi
  link_exists "$TAP" || fail "device $NSDEV exists in $NS but its peer $TAP is not in this namespace"
  [ "$(alias_of "$TAP")" = "$OWNER" ] || ip link set dev "$TAP" alias "$OWNER"
  ip -n "$NS" link set dev "$NSDEV" address "$MAC"
  if [ "$MTU" -gt 0 ]; then
    ip link set dev "$TAP" mtu "$MTU"
    ip -n "$NS" link set dev "$NSDEV" mtu "$MTU"
  fi

  step bridge
  if [ "$BRIDGE_MODE" = create ]; then
    link_exists "$PHYS_IF" || fail "physical interface $PHYS_IF does not exist on this node"
    if [ "$UPLINK" != "$PHYS_IF" ] && ! link_exists "$UPLINK"; then
      ip link add link "$PHYS_IF" name "$UPLINK" type vlan id "$VLAN_ID"
      : > "$DIR/vlan.created"
    fi
    if ! link_exists "$BRIDGE"; then
      ip link add "$BRIDGE" type bridge
      : > "$DIR/bridge.created"
    fi
    is_bridge "$BRIDGE" || fail "$BRIDGE exists on this node but is not a bridge"
    if [ -e "$DIR/bridge.created" ] && [ "$(alias_of "$BRIDGE")" != "$OWNER" ]; then ip link set dev "$BRIDGE" alias "$OWNER"; fi
    [ "$(master_of "$UPLINK")" = "$BRIDGE" ] || ip link set dev "$UPLINK" master "$BRIDGE"
    ip link set dev "$UPLINK" up
    ip link set dev "$BRIDGE" up
  else
    is_bridge "$BRIDGE" || fail "bridge $BRIDGE does not exist on this node (create it, or give physicalInterface to let the agent create one)"
  fi
  [ "$(master_of "$TAP")" = "$BRIDGE" ] || ip link set dev "$TAP" master "$BRIDGE"
  ip link set dev "$TAP" up
  ip -n "$NS" link set dev "$NSDEV" up

  # Make before break: the wanted addresses are added here, the old ones removed by the caller
  # once routes, files and dnsmasq name the new ones (remove_stale_addresses), so that the
  # device is never without an address a client was just told about.
  step addresses
  # /proc/sys/net is per namespace: written from inside it. Without promote_secondaries, deleting
  # an IPv4 primary address deletes the secondary ones of its subnet with it (a new address of
  # the same subnet is a secondary until then).
  # shellcheck disable=SC2016 # $1 is the inner shell's: it runs inside the namespace.
  ip netns exec "$NS" sh -c '
    f=/proc/sys/net/ipv6/conf/$1/accept_ra; if [ -w "$f" ]; then echo 0 > "$f"; fi
    f=/proc/sys/net/ipv4/conf/$1/promote_secondaries; if [ -w "$f" ]; then echo 1 > "$f"; fi' sh "$NSDEV"
  add_addresses

  step default-route
  set_default_routes

  step iptables
  if [ "$RULE6" = 1 ]; then ensure_checksum_rules iptables 68 ip6tables 546; else ensure_checksum_rules iptables 68; fi

  step files
  [ "$(cat "$DIR/interface" 2>/dev/null)" = "$NSDEV" ] || printf '%s' "$NSDEV" > "$DIR/interface"
  note_tagged_hosts
  assemble_file host host
  assemble_file addn addn_hosts
  assemble_file opts opts
  # Written once: afterwards dnsmasq keeps the real leases there, and they are never lost.
  [ -e "$DIR/leases" ] || assemble_file leases leases
}

ensure_dnsmasq() {
  step dnsmasq
  if supervised; then
    systemctl is-enabled --quiet "$UNIT" 2>/dev/null || systemctl enable --quiet "$UNIT" 2>/dev/null
    # A dnsmasq started before the node had units (or by hand) is handed over to systemd once.
    if [ -n "$pid" ] && [ "$(unit_main_pid)" != "$pid" ]; then stop_pid "$pid"; pid=; fi
  fi
  if [ -n "$pid" ] && ! cmdline_ok "$pid"; then stop_pid "$pid"; pid=; fi
  if [ -n "$pid" ]; then
    if [ "$CHANGED" = 1 ]; then reload_dnsmasq "$pid"; else echo "dnsmasq=unchanged $pid"; fi
  else
    step dnsmasq-start
    start_dnsmasq
    echo "dnsmasq=started $pid"
  fi
}

# The DHCP port's addresses (ADDRS, CIDR form); dnsmasq (--bind-dynamic) follows them by itself.
add_addresses() {
  for a in $ADDRS; do
    case "$a" in
      *:*) ip -n "$NS" -6 addr replace "$a" dev "$NSDEV" nodad ;;
      *) ip -n "$NS" -4 addr replace "$a" dev "$NSDEV" ;;
    esac
  done
}
# Removes the global addresses the spec no longer has. Where the kernel took wanted addresses
# with a deleted primary one anyway (promote_secondaries not writable), they are added again
# at once, with the default routes that went with them.
remove_stale_addresses() {
  for a in $(ip -n "$NS" -o addr show dev "$NSDEV" scope global | awk '{print $4}'); do
    keep=0; for w in $ADDRS; do [ "$a" = "$w" ] && keep=1; done
    [ "$keep" = 1 ] && continue
    ip -n "$NS" addr del "$a" dev "$NSDEV"
    add_addresses
  done
  # The IPv6 metadata address is link-local: looked for by name, since the loop sees global ones.
  case " $ADDRS " in *" $META6 "*) ;; *) ip -n "$NS" -6 addr del "$META6" dev "$NSDEV" 2>/dev/null || true ;; esac
  set_default_routes
}
set_default_routes() {
  if [ -n "$GW4" ]; then ip -n "$NS" -4 route replace default via "$GW4" dev "$NSDEV"
  else ip -n "$NS" -4 route del default 2>/dev/null || true; fi
  if [ -n "$GW6" ]; then ip -n "$NS" -6 route replace default via "$GW6" dev "$NSDEV"
  else ip -n "$NS" -6 route del default 2>/dev/null || true; fi
}

# Starts dnsmasq and sets $pid: through its systemd unit where systemd supervises it, else here.
start_dnsmasq() {
  if supervised; then
    systemctl restart "$UNIT" || fail "dnsmasq did not start under $UNIT: $(journalctl -u "$UNIT" -n 5 --no-pager 2>/dev/null | tr '\n' ' ')"
    pid=$(dnsmasq_pid) || fail "$UNIT started but no live dnsmasq is named by $DIR/pid"
  else
    start_dnsmasq_here
  fi
}
# neutron creates the log directory (os.makedirs; 755 under the scripts' umask 022) before it
# starts dnsmasq, which opens the file as root and then hands it to the user it drops to. Called
# by the header's spawn_dnsmasq, so that every start (port handlers start dnsmasq through
# setup.sh spawn) makes it, and only setup.sh needs to know DNS_LOG.
make_log_dir() {
  [ -z "$DNS_LOG" ] || mkdir -p "$(dirname "$DNS_LOG")" || { echo "cannot create the log directory of $DNS_LOG" >&2; return 1; }
}
# spawn_dnsmasq: from the network header, or setup.sh spawn. dnsmasq writes little here (it logs
# to syslog once running); the file is still kept under 256 KiB.
start_dnsmasq_here() {
  rm -f "$DIR/pid"
  if [ "$(stat -c %s "$DIR/dnsmasq.log" 2>/dev/null || echo 0)" -gt 262144 ]; then
    tail -n 200 "$DIR/dnsmasq.log" > "$DIR/.dnsmasq.log.new" && mv -f "$DIR/.dnsmasq.log.new" "$DIR/dnsmasq.log"
  fi
  # Recorded before the start: a kill right after the start must not leave an older record.
  record_loaded
  spawn_dnsmasq < /dev/null >> "$DIR/dnsmasq.log" 2>&1
  i=0
  while ! pid=$(dnsmasq_pid) && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  [ -n "$pid" ] || fail "dnsmasq did not start: $(tail -n 5 "$DIR/dnsmasq.log" 2>/dev/null)"
}

# Bounds dnsmasq's DHCP and DNS log (dnsmasq_base_log_dir): past DNS_LOG_MAX bytes the file
# becomes $DNS_LOG.1 (one old copy) and dnsmasq, on SIGUSR2, reopens $DNS_LOG. It reopens as
# the user it dropped to, in a directory only root may write: so the new file is made here,
# owned like the old one.
rotate_dns_log() {
  [ -n "$DNS_LOG" ] && [ -f "$DNS_LOG" ] || return 0
  [ "$(stat -c %s "$DNS_LOG")" -gt "$DNS_LOG_MAX" ] || return 0
  pid=$(dnsmasq_pid) || return 0
  mv -f "$DNS_LOG" "$DNS_LOG.1"
  : > "$DNS_LOG"
  chown --reference="$DNS_LOG.1" "$DNS_LOG"
  chmod --reference="$DNS_LOG.1" "$DNS_LOG"
  kill -USR2 "$pid"
  echo "rotated $DNS_LOG"
}

# Whether the host file dnsmasq last loaded tags hosts (set:): recorded when the agent starts or
# reloads dnsmasq, since the file on disk may have been edited since.
note_tagged_hosts() {
  if [ -e "$DIR/.loaded-tagged" ]; then TAGGED=$(cat "$DIR/.loaded-tagged")
  elif grep -q ',set:' "$DIR/host" 2>/dev/null; then TAGGED=1
  else TAGGED=0; fi
}
record_loaded() {
  if grep -q ',set:' "$DIR/host" 2>/dev/null; then echo 1 > "$DIR/.loaded-tagged"; else echo 0 > "$DIR/.loaded-tagged"; fi
}
# SIGHUP crashes dnsmasq < 2.91 (SIGSEGV freeing its old dhcp-host tags) once a host tagged
# with set: in the dhcp-hostsfile has had a DHCP exchange; fixed upstream in 2.91 (commit
# f006be7). Debian 12 ships 2.90. There a reload is a restart; the leases file keeps the leases.
hup_is_safe() {
  [ "$TAGGED" = 0 ] && return 0
  v=$(dnsmasq_version)
  [ -n "$v" ] && [ "$(printf '%s\n%s\n' 2.91 "$v" | sort -V | head -n 1)" = 2.91 ]
}
reload_dnsmasq() {
  if hup_is_safe; then
    # Tags recorded before the SIGHUP (and exactly after it): killed in between, the record
    # errs on the safe side, and the next reload restarts rather than risk the crash.
    if grep -q ',set:' "$DIR/host" 2>/dev/null; then echo 1 > "$DIR/.loaded-tagged"; fi
    kill -HUP "$1"
    record_loaded
    echo "dnsmasq=reloaded $1"
  else
    stop_pid "$1"
    start_dnsmasq
    echo "dnsmasq=restarted $pid"
  fi
}

# The CHECKSUM rule of each (command, UDP port) pair given, e.g. `iptables 68 ip6tables 546`, in
# one entry into the namespace: each `ip netns exec` costs a mount namespace and a remount.
ensure_checksum_rules() {
  # shellcheck disable=SC2016 # Expanded by the shell inside the namespace.
  ip netns exec "$NS" sh -c '
    chain=$1; shift
    while [ "$#" -ge 2 ]; do
      t=$1; port=$2; shift 2
      "$t" -w -t mangle -N "$chain" 2>/dev/null || true
      "$t" -w -t mangle -C POSTROUTING -j "$chain" 2>/dev/null || "$t" -w -t mangle -A POSTROUTING -j "$chain" || exit 1
      "$t" -w -t mangle -C "$chain" -p udp -m udp --dport "$port" -j CHECKSUM --checksum-fill 2>/dev/null ||
        "$t" -w -t mangle -A "$chain" -p udp -m udp --dport "$port" -j CHECKSUM --checksum-fill || exit 1
    done' sh "$CHAIN" "$@"
}

# Fast health check for the process monitor: namespace present, dnsmasq alive in it with the
# expected command line, the sidecars as wanted (sidecar.sh).
check() {
  ns_exists || return 1
  p=$(dnsmasq_pid) || return 1
  in_our_netns "$p" && cmdline_ok "$p" && ! stale_ports_txn && sidecars_ok
}

teardown() {
  # The process monitor's view first: it only looks after networks that have a setup.sh, so a
  # teardown interrupted from here on is not rebuilt by it, and a retried delete finishes it.
  step monitor
  rm -f "$DIR/setup.sh"
  step sidecars
  teardown_sidecars
  step dnsmasq
  if supervised; then
    systemctl disable --now --quiet "$UNIT" 2>/dev/null || true
    systemctl reset-failed "$UNIT" 2>/dev/null || true
  fi
  pid=$(dnsmasq_pid) || pid=
  [ -z "$pid" ] || stop_pid "$pid"
  for p in $(stray_dnsmasq); do stop_pid "$p"; done
  # The CHECKSUM rules live in the namespace, which goes below (neutron's disable leaves them to it too).
  step veth
  # Another network's device of the same name is not this network's to delete.
  owned_by_other "$TAP" || ip link del "$TAP" 2>/dev/null || true
  step namespace
  if ns_exists; then ip netns del "$NS"; fi
  step bridge
  if [ "$BRIDGE_MODE" = create ] && [ -e "$DIR/bridge.created" ] && ! owned_by_other "$BRIDGE" && [ -z "$(other_members "$BRIDGE" "$UPLINK" "$TAP")" ]; then
    ip link del "$BRIDGE" 2>/dev/null || true
    if [ -e "$DIR/vlan.created" ]; then ip link del "$UPLINK" 2>/dev/null || true; fi
  fi
  step files
  rm -rf "$DIR"
  echo "deleted=1"
}

# "<label> 1" or "<label> 0" for each (label, command, UDP port) triple given, e.g. `v4 iptables 68`:
# whether that CHECKSUM rule is in place, seen in one entry into the namespace.
observe_rules() {
  # shellcheck disable=SC2016 # Expanded by the shell inside the namespace.
  ip netns exec "$NS" sh -c '
    chain=$1; shift
    while [ "$#" -ge 3 ]; do
      if "$2" -w -t mangle -C POSTROUTING -j "$chain" 2>/dev/null &&
        "$2" -w -t mangle -C "$chain" -p udp -m udp --dport "$3" -j CHECKSUM --checksum-fill 2>/dev/null; then echo "$1 1"; else echo "$1 0"; fi
      shift 3
    done' sh "$CHAIN" "$@" 2>/dev/null || true
}
flag() { if "$@"; then echo 1; else echo 0; fi; }

# Everything read() compares, as "@@section" blocks; changes nothing.
observe() {
  echo "@@dir"; flag test -d "$DIR"
  echo "@@sha"
  if [ -d "$DIR" ]; then (cd "$DIR" && sha256sum -- network.json setup.sh parts/opts.head parts/opts.tail host addn_hosts opts 2>/dev/null) || true; fi
  echo "@@assembled"
  if [ -d "$DIR" ]; then for k in host addn opts; do printf '%s ' "$k"; assemble "$k" 2>/dev/null | sha256sum; done; fi
  echo "@@ports"
  if [ -d "$PORTS_DIR" ]; then (cd "$PORTS_DIR" && set -- ./*.json && if [ -e "$1" ]; then echo "$#"; else echo 0; fi); else echo 0; fi
  echo "@@leases"; flag test -e "$DIR/leases"
  echo "@@txn"; flag stale_ports_txn
  echo "@@interface"; cat "$DIR/interface" 2>/dev/null || true; echo
  ns_up=$(flag ns_exists)
  echo "@@ns"; echo "$ns_up"
  echo "@@nsaddr"; ip -j -n "$NS" addr show dev "$NSDEV" 2>/dev/null || true; echo
  echo "@@taplink"; ip -j link show dev "$TAP" 2>/dev/null || true; echo
  echo "@@bridge"; flag is_bridge "$BRIDGE"
  echo "@@uplink_master"; if [ -n "$UPLINK" ]; then master_of "$UPLINK" || true; fi; echo
  echo "@@route4"; ip -j -n "$NS" -4 route show default 2>/dev/null || true; echo
  echo "@@route6"; ip -j -n "$NS" -6 route show default 2>/dev/null || true; echo
  echo "@@accept_ra"
  if [ "$ns_up" = 1 ]; then ip netns exec "$NS" cat "/proc/sys/net/ipv6/conf/$NSDEV/accept_ra" 2>/dev/null || true; fi; echo
  echo "@@rules"
  if [ "$ns_up" = 1 ]; then
    if [ "$RULE6" = 1 ]; then observe_rules v4 iptables 68 v6 ip6tables 546; else observe_rules v4 iptables 68; fi
  fi
  echo "@@dnsmasq"
  pid=$(dnsmasq_pid) || pid=
  echo "pid $pid"
  if [ -n "$pid" ]; then
    echo "netns $(flag in_our_netns "$pid")"
    echo "cmdline $(flag cmdline_ok "$pid")"
  fi
  echo "stray $(stray_dnsmasq "$pid" | tr '\n' ' ')"
  echo "@@sidecars"
  observe_sidecars
  echo "@@unit"
  if supervised; then
    echo "Name=$UNIT"
    systemctl show -p ActiveState -p Result -p UnitFileState -p MainPID "$UNIT" 2>/dev/null || true
  fi
  echo "@@end"
}

# neutron's reload_allocations: rebuild host, addn_hosts and opts from the fragments, and
# SIGHUP dnsmasq only when one of them changed.
reload_allocations() {
  CHANGED=0
  note_tagged_hosts
  assemble_file host host
  assemble_file addn addn_hosts
  assemble_file opts opts
  if [ "$CHANGED" = 0 ]; then echo "dnsmasq=unchanged"
  elif pid=$(dnsmasq_pid); then reload_dnsmasq "$pid"
  else echo "dnsmasq=not-running"; fi
}

# Optimistic concurrency between agents (provider processes, portable-mode commands): a writer
# states the counter it rendered against — "serial" counts every change, "netserial" changes
# of the network's own spec, which is all a port's fragments depend on — and a mismatch exits
# EXIT_RETRY so the writer renders again.
check_serial() {
  have=$(cat "$DIR/$1" 2>/dev/null || echo 0)
  if [ "$have" != "$2" ]; then echo "$1=$have"; exit "$EXIT_RETRY"; fi
}
bump_serial() {
  for f in "$@"; do
    next=$(( $(cat "$DIR/$f" 2>/dev/null || echo 0) + 1 ))
    echo "$next" > "$DIR/.$f.new" && mv -f "$DIR/.$f.new" "$DIR/$f"
    echo "$f=$next"
  done
}

# A batch of port changes is a transaction: begin_ports keeps, in ports/.txn, a copy of every
# touched port's files and the list of touched ids; commit_ports drops it. recover_ports, run
# under the network lock by the next writer, by ensure (so by the process monitor) and by a
# failed batch on its way out, puts the copies back and removes what the batch added: a batch
# that fails or is killed after writing its files leaves no port served that no state records.
# Every step can be killed and run again.
PORT_KINDS='json host addn opts leases generation'
begin_ports() {
  txn="$PORTS_DIR/.txn" ids=$*
  rm -rf "$PORTS_DIR/.txn.done"
  mkdir "$txn"
  printf '%s\n' "$@" > "$txn/.ids.new"
  for id in $ids; do
    set -- "$PORTS_DIR/$id".*
    if [ -e "$1" ]; then cp -p "$@" "$txn/"; fi
  done
  # The list last: without it nothing was changed yet, and recovery only drops the copies.
  mv -f "$txn/.ids.new" "$txn/ids"
}
commit_ports() {
  [ -d "$PORTS_DIR/.txn" ] || return 0
  rm -rf "$PORTS_DIR/.txn.done"
  mv "$PORTS_DIR/.txn" "$PORTS_DIR/.txn.done"
  rm -rf "$PORTS_DIR/.txn.done"
}
recover_ports() {
  txn="$PORTS_DIR/.txn"
  [ -d "$txn" ] || return 0
  undone=$(tr '\n' ' ' < "$txn/ids" 2>/dev/null || true)
  if [ -e "$txn/ids" ]; then
    while read -r id; do
      for k in $PORT_KINDS; do
        if [ -e "$txn/$id.$k" ]; then cp -p "$txn/$id.$k" "$PORTS_DIR/$id.$k"; else rm -f "$PORTS_DIR/$id.$k"; fi
      done
    done < "$txn/ids"
  fi
  commit_ports
  # Whoever read the ports before this saw the undone batch: make them read again.
  bump_serial serial netserial > /dev/null
  [ -n "$undone" ] || undone='nothing written yet'
  echo "ports: undid an interrupted batch of port changes ($undone)" >&2
}
# A transaction left behind by a batch that died (none runs: the network lock is free).
stale_ports_txn() {
  [ -d "$PORTS_DIR/.txn" ] && flock -n "$LOCK" true
}

# DHCPRELEASE for a removed port's address, so dnsmasq forgets the lease (neutron's _release_lease).
release_lease() {
  command -v dhcp_release >/dev/null 2>&1 || return 0
  ns_exists || return 0
  iface=$(cat "$DIR/interface" 2>/dev/null) || return 0
  ip netns exec "$NS" dhcp_release "$iface" "$@" 2>/dev/null || true
}
