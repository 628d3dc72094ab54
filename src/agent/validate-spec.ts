/**
 * Validation of handler specs: the model rules (src/model/validate) plus what only the agent
 * needs (DHCP port, attachment, node settings). Everything is checked before anything runs on
 * a node.
 */
import { ValidationError, type ValidationIssue } from '../model/errors';
import { checkHostname, checkId, checkInterfaceName, checkMac, checkStatePath, validateAgentOptions, validateNetwork, validatePort } from '../model/validate';
import { DEVICE_OWNER_DHCP, type Network } from '../model/types';
import { isBridgeAttachment, type NetworkSpec, type NodeSpec, type PortSpec } from './spec';

function prefixed(prefix: string, issues: readonly ValidationIssue[]): ValidationIssue[] {
  return issues.map((i) => ({ ...i, path: `${prefix}${i.path.startsWith('[') ? '' : '.'}${i.path}` }));
}

export function validateNetworkSpec(spec: NetworkSpec): ValidationIssue[] {
  const issues: ValidationIssue[] = [...prefixed('network', validateNetwork(spec.network)), ...validateAgentOptions(spec.options, 'options')];
  const dhcpPort = spec.network.ports.find((p) => p.id === spec.dhcpPortId);
  if (!dhcpPort) {
    issues.push({ path: 'dhcpPortId', value: spec.dhcpPortId, allowed: `the id of one of the network's ports (${spec.network.ports.map((p) => p.id).join(', ') || 'none given'})` });
  } else {
    if (dhcpPort.deviceOwner !== DEVICE_OWNER_DHCP) {
      issues.push({ path: 'dhcpPortId', value: spec.dhcpPortId, allowed: `a port whose deviceOwner is "${DEVICE_OWNER_DHCP}" (this one has ${JSON.stringify(dhcpPort.deviceOwner)})` });
    }
    const dhcpSubnets = new Set(spec.network.subnets.filter((s) => s.enableDhcp).map((s) => s.id));
    if (!dhcpPort.fixedIps.some((f) => dhcpSubnets.has(f.subnetId))) {
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

export function assertValidNetworkSpec(spec: NetworkSpec): void {
  const issues = validateNetworkSpec(spec);
  if (issues.length) throw new ValidationError(issues);
}

/** Checks a port against the network it joins (subnets, other ports' IPs and MACs). */
export function validatePortSpec(spec: PortSpec, network?: Network): ValidationIssue[] {
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
  if (network && issues.length === 0) {
    // An address no subnet holds (subnet left to the handler to find): say so in those words.
    const cidrs = network.subnets.map((s) => s.cidr).join(', ');
    spec.port.fixedIps.forEach((f, i) => {
      if (!f.subnetId) issues.push({ path: `port.fixedIps[${i}].ipAddress`, value: f.ipAddress, allowed: `an address inside one of the network's subnets (${cidrs})` });
    });
    if (issues.length === 0) issues.push(...validatePort(spec.port, network, 'port'));
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
