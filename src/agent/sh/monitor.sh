# shellcheck shell=sh
# neutron's ProcessMonitor as a shell loop (see monitor.ts). monitor.ts renders monitor.sh:
# the prelude, the variables (STATE, INTERVAL, PIDFILE, LOG, SELF, UNIT, BACKOFF, the lock
# file's LOCK_PREFIX and LOCK_SUFFIX, the time limits, DNS_LOG_MARKER), common.sh's functions, then this.
# Usage: monitor.sh loop (foreground) | start (background, once) | once | stop | down

running_pid() {
  p=$(cat "$PIDFILE" 2>/dev/null) || return 1
  case "$p" in ''|*[!0-9]*) return 1 ;; esac
  tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | grep -qxF -- "$SELF" || return 1
  echo "$p"
}
log() {
  if [ "$(stat -c %s "$LOG" 2>/dev/null || echo 0)" -gt "$LOG_MAX" ]; then mv -f "$LOG" "$LOG.1"; fi
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*" >> "$LOG"
}
# The next try of network $1 after its n-th failed repair in a row: INTERVAL * 2^(n-1), capped.
backoff() {
  n=$(( $(cut -d' ' -f1 "$BACKOFF/$1" 2>/dev/null || echo 0) + 1 ))
  k=$n; [ "$k" -le 6 ] || k=6
  delay=$(( INTERVAL << (k - 1) )); [ "$delay" -le 3600 ] || delay=3600
  mkdir -p "$BACKOFF"
  echo "$n $(( $(date +%s) + delay ))" > "$BACKOFF/$1"
  echo "$n failure(s) in a row; next try in $delay s"
}
waiting() {
  next=$(cut -d' ' -f2 "$BACKOFF/$1" 2>/dev/null) || return 1
  [ -n "$next" ] && [ "$(date +%s)" -lt "$next" ]
}
run_once() {
  for d in "$STATE"/dhcp/*/; do
    [ -f "$d/setup.sh" ] || continue
    id=$(basename "$d")
    # Root runs it: never a script someone else could have written.
    if [ "$(stat -c %u "$d/setup.sh")" != 0 ]; then log "network $id: $d/setup.sh is not owned by root; not running it"; continue; fi
    # Every network's dnsmasq log (dnsmasq_base_log_dir) is kept bounded, before the health check;
    # only networks that have one (apply names it in $DNS_LOG_MARKER) cost a process for it.
    if [ -f "$d/$DNS_LOG_MARKER" ] && out=$(timeout "$CHECK_TIMEOUT" sh "$d/setup.sh" rotate-log 2>&1) && [ -n "$out" ]; then log "network $id: $out"; fi
    if timeout "$CHECK_TIMEOUT" sh "$d/setup.sh" check >/dev/null 2>&1; then rm -f "$BACKOFF/$id"; continue; fi
    waiting "$id" && continue
    log "network $id is not healthy; running setup.sh"
    if out=$(timeout "$REPAIR_TIMEOUT" flock -w "$LOCK_WAIT" "$LOCK_PREFIX$id$LOCK_SUFFIX" sh "$d/setup.sh" ensure 2>&1); then
      rm -f "$BACKOFF/$id"
      log "network $id: repaired: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
    else
      log "network $id: setup.sh failed: $(printf '%s' "$out" | tail -n 5 | tr '\n' ' ')"
      log "network $id: $(backoff "$id")"
    fi
  done
}
stop_monitor() {
  # Under systemd, through the unit, so that systemd agrees it is stopped (KillMode=process:
  # only the loop goes).
  if under_systemd && systemctl is-active --quiet "$UNIT" 2>/dev/null; then systemctl stop "$UNIT"; fi
  if p=$(running_pid); then kill "$p"; fi
  rm -f "$PIDFILE"
}
mode=loop
if [ "$#" -gt 0 ]; then mode=$1; fi
case "$mode" in
  once) run_once ;;
  loop)
    echo "$$" > "$PIDFILE"
    # The loop sleeps in the background so a TERM is handled at once; take the sleep along.
    trap 'kill $! 2>/dev/null; exit 0' TERM INT
    while :; do run_once || true; sleep "$INTERVAL" & wait $! || true; done ;;
  start)
    if running_pid >/dev/null; then exit 0; fi
    setsid sh "$SELF" loop < /dev/null > /dev/null 2>&1 &
    i=0
    while ! running_pid >/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    running_pid >/dev/null || { echo "monitor did not start; see $LOG" >&2; exit 1; } ;;
  stop) stop_monitor ;;
  down)
    stop_monitor
    for d in "$STATE"/dhcp/*/; do
      if [ -f "$d/setup.sh" ]; then sh "$d/setup.sh" halt; fi
    done ;;
  *) echo "usage: monitor.sh loop|start|once|stop|down" >&2; exit 2 ;;
esac
