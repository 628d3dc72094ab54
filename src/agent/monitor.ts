/**
 * neutron's ProcessMonitor, without a Python daemon: a small shell loop kept on the node that,
 * every interval, runs each network's `setup.sh check` and, for an unhealthy network (dnsmasq
 * dead, namespace gone after a reboot), `setup.sh ensure` under the network lock. Started at
 * boot by systemd where systemd runs, else by an @reboot crontab line where cron exists.
 */
import { shq } from '../host/quote';
import { createHash } from 'node:crypto';
import { prelude } from './script';

export function monitorPaths(statePath: string) {
  return {
    script: `${statePath}/monitor.sh`,
    pidFile: `${statePath}/monitor.pid`,
    log: `${statePath}/monitor.log`,
    /** One unit per state path, so several agents (e.g. lab nodes) can share a machine. */
    unit: `dhcp-agent-monitor-${createHash('sha256').update(statePath).digest('hex').slice(0, 8)}.service`,
  };
}

export function monitorScript(statePath: string, intervalSeconds: number): string {
  const p = monitorPaths(statePath);
  return [
    '#!/bin/sh',
    `# cdktf-dhcp-agent process monitor for ${statePath}; generated, do not edit.`,
    '# Usage: monitor.sh loop (foreground) | start (background, once) | once | stop',
    prelude(),
    `STATE=${shq(statePath)}`,
    `INTERVAL=${shq(intervalSeconds)}`,
    `PIDFILE=${shq(p.pidFile)}`,
    `LOG=${shq(p.log)}`,
    `SELF=${shq(p.script)}`,
    String.raw`
running_pid() {
  p=$(cat "$PIDFILE" 2>/dev/null) || return 1
  case "$p" in ''|*[!0-9]*) return 1 ;; esac
  tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | grep -qxF -- "$SELF" || return 1
  echo "$p"
}
run_once() {
  for d in "$STATE"/dhcp/*/; do
    [ -f "$d/setup.sh" ] || continue
    id=$(basename "$d")
    if ! sh "$d/setup.sh" check >/dev/null 2>&1; then
      echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) network $id is not healthy; running setup.sh"
      flock -w 120 "$STATE/dhcp/.$id.lock" sh "$d/setup.sh" ensure 2>&1 || echo "network $id: setup.sh failed"
    fi
  done
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
    setsid sh "$SELF" loop < /dev/null >> "$LOG" 2>&1 &
    i=0
    while ! running_pid >/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    running_pid >/dev/null || { echo "monitor did not start; see $LOG" >&2; exit 1; } ;;
  stop)
    if p=$(running_pid); then kill "$p"; fi
    rm -f "$PIDFILE" ;;
  *) echo "usage: monitor.sh loop|start|once|stop" >&2; exit 2 ;;
esac
`,
  ].join('\n');
}
