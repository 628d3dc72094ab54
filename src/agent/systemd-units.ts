/**
 * The systemd units the agent installs on nodes where systemd runs, so that the init system owns
 * the daemons (restart policy, boot restore, `journalctl -u`, `systemctl status`):
 *
 * - one template `dhcp-agent-net-<h>@.service` per state path, and per network an instance
 *   `dhcp-agent-net-<h>@<network-id>.service` whose main process is that network's dnsmasq;
 * - per sidecar (sidecar.ts) a template `dhcp-agent-sc-<h>-<name>@.service`, instance per network;
 * - the process monitor `dhcp-agent-monitor-<h>.service`, with `KillMode=process`: a restart of
 *   the monitor (every node apply does one) stops the loop and nothing it started.
 *
 * `<h>` is a digest of the state path, so that several agents (lab nodes) can share a machine.
 * Network ids are UUIDs or `[a-z0-9-]` (validated), which systemd takes as instance names as
 * they are; `%i` (not `%I`) keeps their `-`.
 */
import { createHash } from 'node:crypto';
import { networkPaths } from '../dnsmasq/paths';

function stateDigest(statePath: string): string {
  return createHash('sha256').update(statePath).digest('hex').slice(0, 8);
}

export function monitorUnitName(statePath: string): string {
  return `dhcp-agent-monitor-${stateDigest(statePath)}.service`;
}

export function networkUnitTemplateName(statePath: string): string {
  return `dhcp-agent-net-${stateDigest(statePath)}@.service`;
}

export function networkUnitName(statePath: string, networkId: string): string {
  return `dhcp-agent-net-${stateDigest(statePath)}@${networkId}.service`;
}

/** A sidecar's template (see sidecar.ts): `dhcp-agent-sc-<h>-<name>@.service`. */
export function sidecarUnitTemplateName(statePath: string, name: string): string {
  return `dhcp-agent-sc-${stateDigest(statePath)}-${name}@.service`;
}

export function sidecarUnitName(statePath: string, name: string, networkId: string): string {
  return `dhcp-agent-sc-${stateDigest(statePath)}-${name}@${networkId}.service`;
}

/** A shell glob for every sidecar template of this state path (node delete removes them). */
export function sidecarUnitTemplateGlob(statePath: string): string {
  return `dhcp-agent-sc-${stateDigest(statePath)}-*@.service`;
}

/** Where unit files go on the node. */
export const SYSTEMD_UNIT_DIR = '/etc/systemd/system';

export function monitorUnit(statePath: string, monitorScript: string): string {
  return [
    '[Unit]',
    `Description=cdktf-dhcp-agent process monitor (${statePath})`,
    'After=network.target',
    '',
    '[Service]',
    `ExecStart=/bin/sh ${monitorScript} loop`,
    // Only the loop: what it started (a setup.sh mid-run) must outlive a restart of the monitor.
    'KillMode=process',
    // `monitor.sh stop` ends the loop cleanly and it stays stopped; a crash comes back.
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/**
 * The network template. ExecStartPre brings namespace, devices, rules and files to the spec
 * (unless the agent holds the network lock: then it is converging the network itself and is
 * the one starting this unit); ExecStart starts dnsmasq with neutron's command line, which
 * daemonizes and writes the pid file systemd then tracks.
 */
export function networkUnitTemplate(statePath: string): string {
  // `%i`: systemd puts the instance, the network id, in place of a network id.
  const paths = networkPaths(statePath, '%i');
  const setup = `${paths.confDir}/setup.sh`;
  return [
    '[Unit]',
    `Description=cdktf-dhcp-agent network %i: dnsmasq in namespace qdhcp-%i (${statePath})`,
    'After=network.target',
    // A network being deleted loses setup.sh first: then nothing may bring it back.
    `ConditionPathExists=${setup}`,
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=forking',
    `PIDFile=${paths.pidFile}`,
    `ExecStartPre=/bin/sh ${setup} unit-prepare`,
    `ExecStart=/bin/sh ${setup} unit-start`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'RestartSec=2',
    'TimeoutStartSec=150',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
