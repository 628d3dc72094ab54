/**
 * neutron's ProcessMonitor, without a Python daemon: a small shell loop (sh/monitor.sh) kept on
 * the node that, every interval, runs each network's `setup.sh check` and, for an unhealthy
 * network (dnsmasq dead, namespace gone after a reboot), `setup.sh ensure` under the network
 * lock. Started at
 * boot by systemd where systemd runs (where each network is also a unit of its own, which
 * systemd restarts by itself; ensure then restarts dnsmasq through that unit), else by an
 * @reboot crontab line where cron exists.
 *
 * Bounded: each check and each repair has a time limit (a hung network cannot stall the
 * others), a network whose repair fails is retried with exponential backoff (up to 32
 * intervals, at most an hour), and monitor.log is rotated at 1 MiB (one old file kept).
 */
import { shellFile, shellVars } from '../host/shell-files';
import { prelude } from './script';
import { COMMON_LIB } from './shell';
import { lockFileParts } from './stored-network';
import { monitorUnitName } from './systemd-units';
import { DNS_LOG_MARKER } from './network-script';

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
  const lock = lockFileParts(statePath);
  return [
    '#!/bin/sh',
    `# cdktf-dhcp-agent process monitor for ${statePath}; generated, do not edit.`,
    '# Usage: monitor.sh loop (foreground) | start (background, once) | once | stop | down',
    '#   down: stop the monitor and every network\'s dnsmasq (a node taken out of service on',
    '#   purpose; it stays down until started again or repaired by an apply).',
    prelude(),
    shellVars({
      STATE: statePath,
      INTERVAL: intervalSeconds,
      PIDFILE: p.pidFile,
      LOG: p.log,
      SELF: p.script,
      UNIT: p.unit,
      BACKOFF: p.backoffDir,
      LOCK_PREFIX: lock.prefix,
      LOCK_SUFFIX: lock.suffix,
      CHECK_TIMEOUT: MONITOR_CHECK_TIMEOUT_S,
      REPAIR_TIMEOUT: MONITOR_REPAIR_TIMEOUT_S,
      LOCK_WAIT: MONITOR_LOCK_WAIT_S,
      LOG_MAX: MONITOR_LOG_MAX_BYTES,
      DNS_LOG_MARKER,
    }) +
      COMMON_LIB +
      shellFile('agent/sh/monitor.sh'),
  ].join('\n');
}
