/**
 * Derives everything the node needs for one network from a NetworkSpec, and generates the
 * per-network shell: a header of quoted variables followed by the constant NETWORK_LIB
 * (sh/network-lib.sh, see shell.ts).
 * `setup.sh` (kept on the node, run by create/update and by the process monitor) is that
 * text plus a dispatcher.
 */
import { shq } from '../host/quote';
import { canonicalIp, cidrContains, ipVersionOf, parseCidr } from '../model/ip';
import { bridgeName, namespaceName, nsDeviceName, tapDeviceName } from '../model/naming';
import type { Port, Subnet } from '../model/types';
import { METADATA_CIDR, METADATA_V6_CIDR } from '../model/types';
import { servesMetadataV6 } from './metadata-proxy';
import {
  dhcpServerDnsOptLines,
  dnsLogFile,
  networkPaths,
  renderArgv,
  subnetOptLines,
  type DnsmasqPaths,
  type RenderContext,
} from '../dnsmasq';
import { NETWORK_LIB } from './shell';
import { prelude } from './script';
import { isBridgeAttachment, type NetworkSpec } from './spec';
import { lockFile } from './stored-network';
import { SYSTEMD_UNIT_DIR, networkUnitName, networkUnitTemplateName } from './systemd-units';
import { sidecarHeader, type Sidecar } from './sidecar';
import { sidecarsOf } from './sidecars';

/** The iptables chain (mangle table) the agent owns in every qdhcp namespace. */
export const CHECKSUM_CHAIN = 'dhcp-agent-POSTROUTING';

export interface DerivedNetwork {
  readonly networkId: string;
  readonly namespace: string;
  readonly paths: DnsmasqPaths;
  readonly portsDir: string;
  readonly tapName: string;
  readonly interfaceName: string;
  readonly macAddress: string;
  readonly mtu: number;
  readonly bridge: string;
  readonly bridgeMode: 'existing' | 'create';
  readonly physicalInterface: string;
  readonly vlanId: number;
  readonly uplink: string;
  /** Enslave the uplink even when it carries addresses or has another master. */
  readonly takeOver: boolean;
  /** CIDR-form addresses on the DHCP device. */
  readonly addresses: readonly string[];
  readonly gateway4: string;
  readonly gateway6: string;
  readonly ipv6Rule: boolean;
  readonly argv: readonly string[];
  readonly ctx: RenderContext;
  /** Opts lines that come before the ports' own lines, each line ending in a newline. */
  readonly optsHead: string;
  /** Opts lines that come after the ports' own lines, each line ending in a newline. */
  readonly optsTail: string;
  /** The network's lock file on the node (held by every writer, see stored-network.ts). */
  readonly lockFile: string;
  /** The network's systemd unit and its template (used where systemd runs). */
  readonly unit: string;
  readonly unitTemplate: string;
  /** dnsmasq's DHCP and DNS log (`dnsmasq_base_log_dir`), or `''` when the option is off. */
  readonly dnsLog: string;
  /** The daemons that run in the namespace beside dnsmasq (sidecar.ts), in start order. */
  readonly sidecars: readonly Sidecar[];
}

export function renderContext(spec: NetworkSpec): RenderContext {
  return { network: spec.network, options: spec.options, selfDhcpPortId: spec.dhcpPortId };
}

/** Lines as a fragment for node-side concatenation: each line newline-terminated. */
export function fragment(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}

export function dhcpPortOf(spec: NetworkSpec): Port {
  const port = spec.network.ports.find((p) => p.id === spec.dhcpPortId);
  if (!port) throw new Error(`network ${spec.network.id}: DHCP port ${spec.dhcpPortId} is not among the network's ports`);
  return port;
}

export function deriveNetwork(spec: NetworkSpec): DerivedNetwork {
  const net = spec.network;
  const ctx = renderContext(spec);
  const paths = networkPaths(spec.options.statePath, net.id);
  const dhcpPort = dhcpPortOf(spec);
  const interfaceName = spec.options.interfaceName ?? nsDeviceName(dhcpPort.id);
  const subnets = new Map(net.subnets.map((s) => [s.id, s]));

  const addresses: string[] = [];
  for (const fip of dhcpPort.fixedIps) {
    const subnet = subnets.get(fip.subnetId);
    if (!subnet || !subnet.enableDhcp) continue;
    // As `ip` prints them, so that the node-side comparison of wanted and present addresses holds.
    addresses.push(`${canonicalIp(fip.ipAddress) ?? fip.ipAddress}/${parseCidr(subnet.cidr)!.prefixLength}`);
  }
  const servesV4 = net.subnets.some((s) => s.enableDhcp && s.ipVersion === 4);
  if ((spec.options.enableIsolatedMetadata || spec.options.forceMetadata) && servesV4) addresses.push(METADATA_CIDR);
  // Link-local: the device keeps it where the proxy listens on it (neutron's DeviceManager.setup).
  if (servesMetadataV6(spec)) addresses.push(METADATA_V6_CIDR);

  let bridge: string;
  let physicalInterface = '';
  let vlanId = 0;
  let uplink = '';
  let takeOver = false;
  if (isBridgeAttachment(spec.attachment)) {
    bridge = spec.attachment.bridge;
  } else {
    bridge = bridgeName(net.id);
    physicalInterface = spec.attachment.physicalInterface;
    vlanId = spec.attachment.vlanId ?? 0;
    uplink = vlanId ? `${physicalInterface}.${vlanId}` : physicalInterface;
    takeOver = spec.attachment.takeOver === true;
  }

  const base: Omit<DerivedNetwork, 'sidecars'> = {
    networkId: net.id,
    namespace: namespaceName(net.id),
    paths,
    portsDir: `${paths.confDir}/ports`,
    tapName: tapDeviceName(dhcpPort.id),
    interfaceName,
    macAddress: dhcpPort.macAddress.toLowerCase(),
    mtu: net.mtu ?? 0,
    bridge,
    bridgeMode: isBridgeAttachment(spec.attachment) ? 'existing' : 'create',
    physicalInterface,
    vlanId,
    uplink,
    takeOver,
    addresses,
    gateway4: defaultGateway(net.subnets, 4, addresses),
    gateway6: defaultGateway(net.subnets, 6, addresses),
    ipv6Rule: net.subnets.some((s) => s.ipVersion === 6 && s.enableDhcp),
    argv: renderArgv(ctx, paths, interfaceName),
    ctx,
    optsHead: fragment(subnetOptLines(ctx)),
    optsTail: fragment(dhcpServerDnsOptLines(ctx)),
    lockFile: lockFile(spec.options.statePath, net.id),
    unit: networkUnitName(spec.options.statePath, net.id),
    unitTemplate: networkUnitTemplateName(spec.options.statePath),
    dnsLog: dnsLogFile(spec.options.dnsmasqBaseLogDir, net.id),
  };
  return { ...base, sidecars: sidecarsOf(spec, base) };
}

/**
 * neutron's DeviceManager._set_default_route: the gateway of the first DHCP-enabled subnet of
 * that family that has one (IPv6: prefix 1..126, and exactly 64 for SLAAC/stateless) — here
 * also only where the DHCP device has an address, since the route could not be added otherwise.
 */
function defaultGateway(subnets: readonly Subnet[], version: 4 | 6, addresses: readonly string[]): string {
  for (const s of subnets) {
    if (s.ipVersion !== version || !s.enableDhcp || !s.gatewayIp) continue;
    if (version === 6) {
      const prefix = parseCidr(s.cidr)!.prefixLength;
      if (prefix === 0 || prefix > 126) continue;
      const auto = ['slaac', 'dhcpv6-stateless'];
      if (prefix !== 64 && (auto.includes(s.ipv6AddressMode ?? '') || auto.includes(s.ipv6RaMode ?? ''))) continue;
    }
    const onLink = addresses.some((a) => ipVersionOf(a.split('/')[0]) === version && cidrContains(s.cidr, a.split('/')[0]));
    if (onLink) return s.gatewayIp;
  }
  return '';
}

/**
 * The file in a network's directory that names its `dhcp_dns_log` (written by apply when
 * `dnsmasq_base_log_dir` is set, removed otherwise): the process monitor looks after the log of
 * those networks only, without running anything for the others.
 */
export const DNS_LOG_MARKER = 'dns-log';

/** Past this size the process monitor rotates a network's `dhcp_dns_log` (one old copy kept). */
export const DNS_LOG_MAX_BYTES = 10 * 1024 * 1024;

/** The quoted variable block every per-network script starts with. */
export function networkHeader(d: DerivedNetwork): string {
  const vars: [string, string | number][] = [
    ['NET_ID', d.networkId],
    ['NS', d.namespace],
    ['DIR', d.paths.confDir],
    ['PORTS_DIR', d.portsDir],
    ['TAP', d.tapName],
    ['NSDEV', d.interfaceName],
    ['MAC', d.macAddress],
    ['MTU', d.mtu],
    ['BRIDGE', d.bridge],
    ['BRIDGE_MODE', d.bridgeMode],
    ['PHYS_IF', d.physicalInterface],
    ['VLAN_ID', d.vlanId],
    ['UPLINK', d.uplink],
    ['TAKE_OVER', d.takeOver ? 1 : 0],
    ['ADDRS', d.addresses.join(' ')],
    ['GW4', d.gateway4],
    ['GW6', d.gateway6],
    ['RULE6', d.ipv6Rule ? 1 : 0],
    ['CHAIN', CHECKSUM_CHAIN],
    ['LOCK', d.lockFile],
    ['UNIT', d.unit],
    ['UNIT_TEMPLATE', d.unitTemplate],
    ['UNIT_DIR', SYSTEMD_UNIT_DIR],
    ['DNS_LOG', d.dnsLog],
    ['DNS_LOG_MAX', DNS_LOG_MAX_BYTES],
    ['META6', METADATA_V6_CIDR],
  ];
  const argv = d.argv.map((a) => shq(a)).join(' ');
  return [
    ...vars.map(([k, v]) => `${k}=${shq(v)}`),
    `expected_cmdline() { printf '%s\\0' ${argv}; }`,
    `spawn_dnsmasq() { make_log_dir && ip netns exec "$NS" ${argv}; }`,
    sidecarHeader(d.ctx.options.statePath, d.networkId, d.sidecars),
  ].join('\n');
}

/**
 * The `setup.sh` kept on the node: `setup.sh [ensure|check|teardown|spawn|halt|rotate-log|unit-prepare|unit-start|sidecar-start <name>]`
 * (unit-prepare and unit-start are the network's systemd unit's ExecStartPre and ExecStart,
 * sidecar-start a sidecar unit's ExecStart).
 */
export function setupScript(d: DerivedNetwork): string {
  return [
    '#!/bin/sh',
    `# Generated by cdktf-dhcp-agent for network ${d.networkId}; do not edit (the agent rewrites it).`,
    '# Idempotent: brings namespace, devices, addresses, rules, files and dnsmasq to the state',
    '# described by the variables below. Run under the network lock: flock "$LOCK" (set below).',
    prelude(),
    networkHeader(d),
    NETWORK_LIB,
    [
      'case "${1:-ensure}" in',
      '  ensure) ensure ;;',
      '  check) check ;;',
      '  teardown) teardown ;;',
      '  spawn) spawn_dnsmasq ;;',
      '  halt) halt ;;',
      '  rotate-log) rotate_dns_log ;;',
      '  unit-prepare) unit_prepare ;;',
      '  unit-start) start_dnsmasq_here ;;',
      // A sidecar's systemd unit (sidecar.ts): `setup.sh sidecar-start <name>`.
      '  sidecar-start) sidecar_select "${2:-}" || fail "no sidecar ${2:-} in this network"; sidecar_start_here ;;',
      '  *) fail "usage: setup.sh [ensure|check|teardown|spawn|halt|rotate-log|unit-prepare|unit-start|sidecar-start <name>]" ;;',
      'esac',
    ].join('\n'),
    '',
  ].join('\n');
}
