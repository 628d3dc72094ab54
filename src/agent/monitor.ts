/**
 * neutron's ProcessMonitor, without a Python daemon: a small shell loop kept on the node that,
 * every interval, runs each network's `setup.sh check` and, for an unhealthy network (dnsmasq
 * dead, namespace gone after a reboot), `setup.sh ensure` under the network lock. Started at
 * boot by systemd where systemd runs (where each network is also a unit of its own, which
 * systemd restarts by itself; ensure then restarts dnsmasq through that unit), else by an
 * @reboot crontab line where cron exists.
 *
 * Bounded: each check and each repair has a time limit (a hung network cannot stall the
 * others), a network whose repair fails is retried with exponential backoff (up to 32
 * intervals, at most an hour), and monitor.log is rotated at 1 MiB (one old file kept).
 */
import { shq } from '../host/quote';
import { prelude } from './script';
import { monitorUnitName } from './systemd-units';

/** Seconds a network's `setup.sh check` may take before the monitor counts it as unhealthy. */
export const MONITOR_CHECK_TIMEOUT_S = 20;
/** Seconds a repair (`setup.sh ensure`, lock wait included) may take before it is killed. */
export const MONITOR_REPAIR_TIMEOUT_S = 180;
/** Seconds a repair waits for the network lock (an apply in progress holds it). */
export const MONITOR_LOCK_WAIT_S = 60;
/** monitor.log is rotated past this size. */
export const MONITOR_LOG_MAX_BYTES = 1024 * 1024;

export function monitorPaths(statePath: string) {
  return {
    script: `${statePath}/monitor.sh`,
    pidFile: `${statePath}/monitor.pid`,
    log: `${statePath}/monitor.log`,
    /** Per-network failure counts and next-try times (the backoff). */
    backoffDir: `${statePath}/monitor.backoff`,
    /** One unit per state path, so several agents (e.g. lab nodes) can share a machine. */
    unit: monitorUnitName(statePath),
  };
}

export function monitorScript(statePath: string, intervalSeconds: number): string {
  const p = monitorPaths(statePath);
  return [
    '#!/bin/sh',
    `# cdktf-dhcp-agent process monitor for ${statePath}; generated, do not edit.`,
    '# Usage: monitor.sh loop (foreground) | start (background, once) | once | stop | down',
    '#   down: stop the monitor and every network\'s dnsmasq (a node taken out of service on',
    '#   purpose; it stays down until started again or repaired by an apply).',
    prelude(),
    `STATE=${shq(statePath)}`,
    `INTERVAL=${shq(intervalSeconds)}`,
    `PIDFILE=${shq(p.pidFile)}`,
    `LOG=${shq(p.log)}`,
    `SELF=${shq(p.script)}`,
    `UNIT=${shq(p.unit)}`,
    `BACKOFF=${shq(p.backoffDir)}`,
    `CHECK_TIMEOUT=${MONITOR_CHECK_TIMEOUT_S}`,
    `REPAIR_TIMEOUT=${MONITOR_REPAIR_TIMEOUT_S}`,
    `LOCK_WAIT=${MONITOR_LOCK_WAIT_S}`,
    `LOG_MAX=${MONITOR_LOG_MAX_BYTES}`,
    String.raw`
running_pid() {
  p=$(cat "$PIDFILE" 2>/dev/null) || return 1
  case "$p" in ''|*[!0-9]*) return 1 ;; esac
  tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | grep -qxF -- "$SELF" || return 1
  echo "$p"
}
under_systemd() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }
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
    if timeout "$CHECK_TIMEOUT" sh "$d/setup.sh" check >/dev/null 2>&1; then rm -f "$BACKOFF/$id"; continue; fi
    waiting "$id" && continue
    log "network $id is not healthy; running setup.sh"
    if out=$(timeout "$REPAIR_TIMEOUT" flock -w "$LOCK_WAIT" "$STATE/dhcp/.$id.lock" sh "$d/setup.sh" ensure 2>&1); then
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
`,
  ].join('\n');
}
