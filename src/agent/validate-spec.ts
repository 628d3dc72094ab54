/**
 * Validation of the agent's handler specs (spec.ts: NetworkSpec, PortSpec, NodeSpec), for the
 * handlers and whoever calls them — the provider's resources, the `dhcp-agent handler` command
 * of portable mode — so that everything is checked before anything runs on a node. It adds to
 * the model's rules (src/model/validate: is this a neutron network, port or agent option set
 * that dnsmasq will read as meant) what only an agent on one node needs: this node's DHCP port
 * among the network's ports and its addresses free, the attachment, the state path and monitor
 * settings. Paths are those of the spec (`network.subnets[0].cidr`, `options.statePath`).
 * Constructs do not call it: constructs/validation.ts reports the model's issues at synth time,
 * naming the construct.
 */
import { dhcpAddressIssue } from '../model/dhcp-address';
import { ValidationError, type ValidationIssue } from '../model/errors';
import { checkHostname, checkId, checkInterfaceName, checkMac, checkStatePath, metadataIssues, validateAgentOptions, validateMetadata, validateNetwork, validatePort } from '../model/validate';
import { DEVICE_OWNER_DHCP, isList, type AgentOptions, type FixedIp, type Network, type Port } from '../model/types';
import { isBridgeAttachment, type NetworkSpec, type NodeSpec, type PortSpec } from './spec';

function prefixed(prefix: string, issues: readonly ValidationIssue[]): ValidationIssue[] {
  return issues.map((i) => ({ ...i, path: `${prefix}${i.path.startsWith('[') ? '' : '.'}${i.path}` }));
}

/**
 * The DHCP ports' own addresses (this agent's and its peers'), by the rule of
 * model/dhcp-address, against the network's subnets and its client ports: those of the spec
 * and `clients` (e.g. the ports kept on the node). Paths `network.ports[k].fixedIps[i].ipAddress`.
 */
export function dhcpAddressIssues(network: Network, clients: readonly Port[] = []): ValidationIssue[] {
  if (!isList(network.ports) || !isList(network.subnets)) return [];
  const others = [...network.ports.filter((p) => p?.deviceOwner !== DEVICE_OWNER_DHCP), ...clients];
  const issues: ValidationIssue[] = [];
  network.ports.forEach((port, k) => {
    if (port?.deviceOwner !== DEVICE_OWNER_DHCP || !isList(port.fixedIps)) return;
    port.fixedIps.forEach((f: FixedIp | undefined, i: number) => {
      const found = dhcpAddressIssue(f?.ipAddress, `network.ports[${k}].fixedIps[${i}].ipAddress`, network.subnets, others.filter((o) => o.id !== port.id));
      if (found) issues.push(found);
    });
  });
  return issues;
}

/**
 * A client port may not take the id of one of the network's own (infrastructure) ports: a DHCP
 * port of an agent or a router interface. `path` names the port's id field.
 */
export function ownPortIdIssue(network: Network, portId: string, path: string): ValidationIssue | undefined {
  const own = network.ports.find((p) => p.id === portId);
  if (!own) return undefined;
  return { path, value: portId, allowed: `an id not used by the network's own ports (${portId} is ${own.deviceOwner === DEVICE_OWNER_DHCP ? 'a DHCP port' : 'one of them'})` };
}

export function validateNetworkSpec(spec: NetworkSpec): ValidationIssue[] {
  const own = dhcpAddressIssues(spec.network);
  // A DHCP address the rule refuses is reported once, in its words (not also as, say, a subnet id).
  const refused = own.map((i) => i.path.replace(/\.ipAddress$/, ''));
  const general = prefixed('network', validateNetwork(spec.network, { addr6List: spec.options?.dnsmasqEnableAddr6List === true })).filter((i) => !refused.some((r) => i.path === r || i.path.startsWith(`${r}.`)));
  const issues: ValidationIssue[] = [...general, ...own, ...validateAgentOptions(spec.options, 'options'), ...validateMetadata(spec.metadata, spec.options, spec.network, 'metadata')];
  const dhcpPort = spec.network.ports.find((p) => p.id === spec.dhcpPortId);
  if (!dhcpPort) {
    issues.push({ path: 'dhcpPortId', value: spec.dhcpPortId, allowed: `the id of one of the network's ports (${spec.network.ports.map((p) => p.id).join(', ') || 'none given'})` });
  } else {
    if (dhcpPort.deviceOwner !== DEVICE_OWNER_DHCP) {
      issues.push({ path: 'dhcpPortId', value: spec.dhcpPortId, allowed: `a port whose deviceOwner is "${DEVICE_OWNER_DHCP}" (this one has ${JSON.stringify(dhcpPort.deviceOwner)})` });
    }
    const dhcpSubnets = new Set(spec.network.subnets.filter((s) => s.enableDhcp).map((s) => s.id));
    const selfPath = `network.ports[${spec.network.ports.indexOf(dhcpPort)}].`;
    if (!dhcpPort.fixedIps.some((f) => dhcpSubnets.has(f.subnetId)) && !own.some((i) => i.path.startsWith(selfPath))) {
      issues.push({ path: 'dhcpPortId', value: spec.dhcpPortId, allowed: 'a DHCP port with an address on at least one DHCP-enabled subnet' });
    }
  }
  const a = spec.attachment;
  if (isBridgeAttachment(a)) {
    const i = checkInterfaceName(a.bridge, 'attachment.bridge');
    if (i) issues.push(i);
  } else {
    const i = checkInterfaceName(a.physicalInterface, 'attachment.physicalInterface');
    if (i) issues.push(i);
    if (a.takeOver !== undefined && typeof a.takeOver !== 'boolean') issues.push({ path: 'attachment.takeOver', value: a.takeOver, allowed: 'true or false' });
    if (a.vlanId !== undefined) {
      if (!Number.isInteger(a.vlanId) || a.vlanId < 1 || a.vlanId > 4094) {
        issues.push({ path: 'attachment.vlanId', value: a.vlanId, allowed: 'an integer VLAN id from 1 to 4094' });
      } else if (!i && `${a.physicalInterface}.${a.vlanId}`.length > 15) {
        issues.push({ path: 'attachment.vlanId', value: a.vlanId, allowed: `a VLAN id short enough that "${a.physicalInterface}.<vlan>" fits Linux's 15-character interface names` });
      }
    }
  }
  return issues;
}

/** Throws when a DHCP address of the spec is held by one of `clients` (the ports kept on the node). */
export function assertDhcpAddressesFree(spec: NetworkSpec, clients: Iterable<Port>): void {
  const issues = dhcpAddressIssues(spec.network, [...clients]);
  if (issues.length) throw new ValidationError(issues);
}

export function assertValidNetworkSpec(spec: NetworkSpec): void {
  const issues = validateNetworkSpec(spec);
  if (issues.length) throw new ValidationError(issues);
}

/** Checks a port against the network it joins (subnets, other ports' IPs and MACs), served with `options`. */
export function validatePortSpec(spec: PortSpec, network?: Network, options?: AgentOptions): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  // Ids become file names on the node: check them before anything else uses them.
  for (const i of [
    checkStatePath(spec.statePath, 'statePath'),
    checkId(spec.networkId, 'networkId'),
    checkId(spec.port?.id, 'port.id'),
    checkMac(spec.port?.macAddress, 'port.macAddress'),
    spec.hostname === undefined ? null : checkHostname(spec.hostname, 'hostname'),
  ]) {
    if (i) issues.push(i);
  }
  if (spec.metadata !== undefined) issues.push(...metadataIssues(spec.metadata, 'metadata'));
  if (network && issues.length === 0) {
    // An address no subnet holds (subnet left to the handler to find): say so in those words.
    const cidrs = network.subnets.map((s) => s.cidr).join(', ');
    spec.port.fixedIps.forEach((f, i) => {
      if (!f.subnetId) issues.push({ path: `port.fixedIps[${i}].ipAddress`, value: f.ipAddress, allowed: `an address inside one of the network's subnets (${cidrs})` });
    });
    if (issues.length === 0) issues.push(...validatePort(spec.port, network, 'port', { addr6List: options?.dnsmasqEnableAddr6List === true }));
  }
  return issues;
}

export function validateNodeSpec(spec: NodeSpec): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const sp = checkStatePath(spec.statePath, 'statePath');
  if (sp) issues.push(sp);
  if (!Number.isInteger(spec.monitorIntervalSeconds) || spec.monitorIntervalSeconds < 1 || spec.monitorIntervalSeconds > 3600) {
    issues.push({ path: 'monitorIntervalSeconds', value: spec.monitorIntervalSeconds, allowed: 'an integer number of seconds from 1 to 3600' });
  }
  return issues;
}
