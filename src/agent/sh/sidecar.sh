# shellcheck shell=sh
# Managed sidecar processes of a network (see src/agent/sidecar.ts): daemons that run in the
# network's namespace next to dnsmasq, started, checked, reloaded and stopped here. Reads what
# the network header renders — SIDECARS (the wanted names), SIDECAR_DIR, and sidecar_select
# <name>, which sets SC_NAME, SC_LABEL, SC_CONF, SC_PID, SC_LOADED, SC_LOG, SC_UNIT,
# SC_TEMPLATE, SC_SIG, SC_SHA, SC_BIN, SC_PKG, SC_TITLE and defines sc_argv and sc_spawn — and network-lib.sh's functions
# (running, stop_pid, in_our_netns, ns_exists, flag, fail, step), common.sh's file_sha, NS and UNIT_DIR.
# The functions set scpid (never pid, which is dnsmasq's in network-lib.sh).

sc_key() { echo "sidecar_$(printf '%s' "$1" | tr - _)"; }
# True when process $1's command line names $2 as one argument (or as one word of a title a
# daemon wrote over its command line: sidecar paths hold no spaces).
# shellcheck disable=SC2020 # both NUL and space become a newline, on purpose.
names_arg() { tr '\0 ' '\n\n' < "/proc/$1/cmdline" 2>/dev/null | grep -qxF -- "$2"; }
is_wanted() { case " $SIDECARS " in *" $1 "*) return 0 ;; esac; return 1; }

# The pid of the selected sidecar: its pid file names a live process whose command line holds
# the sidecar's config file as an argument (a stale pid file may name any process by now).
sidecar_pid() {
  p=$(cat "$SC_PID" 2>/dev/null) || return 1
  case "$p" in ''|*[!0-9]*) return 1 ;; esac
  running "$p" && names_arg "$p" "$SC_CONF" || return 1
  echo "$p"
}
sc_cmdline_ok() {
  if [ -n "$SC_TITLE" ]; then printf '%s\0' "$SC_TITLE" | cmp -s - "/proc/$1/cmdline"; else sc_argv | cmp -s - "/proc/$1/cmdline"; fi
}
# The running process loaded the config file as it is now.
sc_loaded_ok() { [ "$(cat "$SC_LOADED" 2>/dev/null)" = "$(file_sha "$SC_CONF")" ]; }
# Whether systemd supervises the selected sidecar (systemd runs and its template is installed).
sc_supervised() { under_systemd && [ -e "$UNIT_DIR/$SC_TEMPLATE" ]; }

# Processes in the namespace started with a sidecar file of this network as an argument,
# other than the pids given: a sidecar whose pid file was lost, or a second copy.
stray_sidecars() {
  # No namespace, no pids (ip netns pids fails, and the loop has nothing to do).
  for p in $(ip netns pids "$NS" 2>/dev/null); do
    skip=0; for k in "$@"; do [ "$p" = "$k" ] && skip=1; done
    [ "$skip" = 1 ] && continue
    tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$SIDECAR_DIR/" && echo "$p"
  done
  return 0
}

# Starts the selected sidecar in the namespace and sets scpid: through its unit where systemd
# supervises it (the unit runs `setup.sh sidecar-start <name>`), else here.
sidecar_start() {
  if sc_supervised; then
    echo "$SC_UNIT" > "$SIDECAR_DIR/$SC_NAME.unit"
    systemctl restart "$SC_UNIT" || fail "$SC_LABEL did not start under $SC_UNIT: $(journalctl -u "$SC_UNIT" -n 5 --no-pager 2>/dev/null | tr '\n' ' ')"
    scpid=$(sidecar_pid) || fail "$SC_UNIT started but no live $SC_LABEL is named by $SC_PID"
  else
    sidecar_start_here
  fi
}
sidecar_start_here() {
  [ -r "$SC_CONF" ] || fail "$SC_LABEL: config file $SC_CONF is missing; apply the network again"
  command -v "$SC_BIN" >/dev/null 2>&1 || fail "$SC_LABEL: $SC_BIN is not installed on this node (Debian package $SC_PKG)"
  rm -f "$SC_PID"
  if [ "$(stat -c %s "$SC_LOG" 2>/dev/null || echo 0)" -gt 262144 ]; then
    tail -n 200 "$SC_LOG" > "$SC_LOG.new" && mv -f "$SC_LOG.new" "$SC_LOG"
  fi
  sc_stop_leftovers
  # Recorded before the start: a kill right after the start must not leave an older record.
  file_sha "$SC_CONF" > "$SC_LOADED"
  # The daemon must not keep the lock descriptors (the agent's 9, flock(1)'s 3 in the monitor):
  # haproxy, unlike dnsmasq, keeps what it inherits, and the network lock would stay held.
  sc_spawn < /dev/null >> "$SC_LOG" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- || fail "$SC_LABEL did not start: $(tail -n 5 "$SC_LOG" 2>/dev/null | tr '\n' ' ')"
  i=0
  while ! scpid=$(sidecar_pid) && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  [ -n "$scpid" ] || fail "$SC_LABEL did not start (no live process named by $SC_PID): $(tail -n 5 "$SC_LOG" 2>/dev/null | tr '\n' ' ')"
}

# Processes of the selected sidecar's program left in the namespace by an instance that died
# (nginx's workers outlive a master killed with SIGKILL and keep its port, so a new master
# cannot bind): stopped before a start. Only sidecars run that program in the namespace.
sc_stop_leftovers() {
  ns_exists || return 0
  bin=$(command -v "$SC_BIN") && bin=$(readlink -f "$bin") || return 0
  for p in $(ip netns pids "$NS" 2>/dev/null); do
    [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$bin" ] && stop_pid "$p"
  done
  return 0
}

# Brings sidecar $1 to its spec: started when not running (or running in an old namespace,
# outside its unit, or with another command line); left alone when it loaded the config file
# as it is; else reloaded with its signal, or restarted when it has none. Prints
# sidecar_<name>=started|unchanged|reloaded|restarted <pid>.
sidecar_ensure() {
  sidecar_select "$1" || fail "sidecar $1 is not one of this network's ($SIDECARS)"
  k=$(sc_key "$1")
  scpid=$(sidecar_pid) || scpid=
  if [ -n "$scpid" ] && ! in_our_netns "$scpid"; then stop_pid "$scpid"; scpid=; fi
  if sc_supervised; then
    systemctl is-enabled --quiet "$SC_UNIT" 2>/dev/null || systemctl enable --quiet "$SC_UNIT" 2>/dev/null
    # One started before the node had units (or by hand) is handed over to systemd once.
    if [ -n "$scpid" ] && [ "$(systemctl show -p MainPID --value "$SC_UNIT" 2>/dev/null)" != "$scpid" ]; then stop_pid "$scpid"; scpid=; fi
  fi
  if [ -n "$scpid" ] && ! sc_cmdline_ok "$scpid"; then stop_pid "$scpid"; scpid=; fi
  if [ -z "$scpid" ]; then
    sidecar_start
    echo "$k=started $scpid"
  elif sc_loaded_ok; then
    echo "$k=unchanged $scpid"
  elif [ -n "$SC_SIG" ]; then
    file_sha "$SC_CONF" > "$SC_LOADED"
    kill -"$SC_SIG" "$scpid"
    echo "$k=reloaded $scpid"
  else
    stop_pid "$scpid"
    sidecar_start
    echo "$k=restarted $scpid"
  fi
}

# Stops and forgets the sidecars whose config file is here but whose name is not in $1 (a
# space-separated list; teardown passes none): their unit, their process, their files.
remove_sidecars_except() {
  for f in "$SIDECAR_DIR"/*.conf; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .conf)
    case " $1 " in *" $n "*) continue ;; esac
    u=$(cat "$SIDECAR_DIR/$n.unit" 2>/dev/null || true)
    if [ -n "$u" ] && under_systemd; then
      systemctl disable --now --quiet "$u" 2>/dev/null || true
      systemctl reset-failed "$u" 2>/dev/null || true
    fi
    p=$(cat "$SIDECAR_DIR/$n.pid" 2>/dev/null || true)
    case "$p" in ''|*[!0-9]*) ;; *) if running "$p" && names_arg "$p" "$f"; then stop_pid "$p"; fi ;; esac
    rm -f "$SIDECAR_DIR/$n".*
    echo "$(sc_key "$n")=removed"
  done
}

# ensure's sidecar step: the unwanted ones go, the wanted ones are brought to their spec, then
# any other process started from this network's sidecar files is stopped.
ensure_sidecars() {
  step sidecars
  remove_sidecars_except "$SIDECARS"
  keep=
  for n in $SIDECARS; do sidecar_ensure "$n"; keep="$keep $scpid"; done
  # shellcheck disable=SC2086 # keep is a list of pids.
  for p in $(stray_sidecars $keep); do stop_pid "$p"; done
}

# The process monitor's check: every wanted sidecar runs in the namespace with its command line
# and loaded the config the agent wrote (SC_SHA: a file edited since is Read's drift, not a
# reason to restart a process that runs as wanted); no unwanted one is left.
sidecars_ok() {
  for n in $SIDECARS; do
    sidecar_select "$n" || return 1
    scpid=$(sidecar_pid) || return 1
    in_our_netns "$scpid" && sc_cmdline_ok "$scpid" && [ "$(cat "$SC_LOADED" 2>/dev/null)" = "$SC_SHA" ] || return 1
  done
  for f in "$SIDECAR_DIR"/*.conf; do
    [ -e "$f" ] || continue
    is_wanted "$(basename "$f" .conf)" || return 1
  done
  return 0
}

# monitor.sh down: the sidecars stop with dnsmasq, and stay stopped until started again.
halt_sidecars() {
  for n in $SIDECARS; do
    sidecar_select "$n" || continue
    if sc_supervised; then systemctl stop "$SC_UNIT" 2>/dev/null || true; fi
    if scpid=$(sidecar_pid); then stop_pid "$scpid"; fi
  done
}

# teardown: every sidecar of the network, wanted or not, and whatever else runs from its files.
teardown_sidecars() {
  SIDECARS=
  remove_sidecars_except ''
  for p in $(stray_sidecars); do stop_pid "$p"; done
}

# observe's @@sidecars lines (parsed by sidecarDrift in sidecar.ts).
observe_sidecars() {
  keep=
  for n in $SIDECARS; do
    sidecar_select "$n" || continue
    scpid=$(sidecar_pid) || scpid=
    line="want $n pid=$scpid"
    if [ -n "$scpid" ]; then line="$line netns=$(flag in_our_netns "$scpid") cmdline=$(flag sc_cmdline_ok "$scpid")"; keep="$keep $scpid"; fi
    echo "$line loaded=$(cat "$SC_LOADED" 2>/dev/null || true) conf=$(file_sha "$SC_CONF" || true)"
    if sc_supervised; then systemctl show -p ActiveState -p UnitFileState -p MainPID "$SC_UNIT" 2>/dev/null | sed "s/^/unit $n /"; fi
  done
  for f in "$SIDECAR_DIR"/*.conf; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .conf)
    is_wanted "$n" && continue
    p=$(cat "$SIDECAR_DIR/$n.pid" 2>/dev/null || true)
    case "$p" in ''|*[!0-9]*) continue ;; esac
    if running "$p" && names_arg "$p" "$f"; then echo "unwanted $n $p"; keep="$keep $p"; fi
  done
  # shellcheck disable=SC2086 # keep is a list of pids.
  echo "stray $(stray_sidecars $keep | tr '\n' ' ')"
}
