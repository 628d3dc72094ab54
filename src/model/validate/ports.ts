/**
 * One port against its network: own fields, fixed IPs against the network's subnets, extra DHCP
 * options, DNS assignments, and IP/MAC uniqueness against the network's other ports.
 */
import { showValue, type ValidationIssue } from '../errors';
import { cidrContains, isIpv4NetworkOrBroadcast, parseCidr } from '../ip';
import { isList, type DnsAssignment, type ExtraDhcpOpt, type FixedIp, type Network, type Port, type Subnet } from '../types';
import { checkIp, describeCidr, sameIp } from './addresses';
import { DNSMASQ_MAX_LINE_BYTES, checkClientIdValue, checkDhcpOptName, checkDhcpOptValue, isClientIdOpt } from './dhcp-opts';
import { eachOf, isRecord, issue, pathJoin, push } from './issues';
import { checkFqdn, checkHostname, checkId, checkMac } from './names';
import { portOptsLineIssue } from './opts-lines';
import { checkSafeText } from './text';

/** Extra DHCP options one port may carry: more than a DHCP reply can hold, far below what would slow a plan. */
export const MAX_EXTRA_DHCP_OPTS = 100;

export interface PortContext {
  readonly subnets: readonly Subnet[];
  /** Ports this one must not share an IP, MAC or id with. */
  readonly others: readonly Port[];
  /**
   * The agent option `dnsmasqEnableAddr6List`: a port's `dhcpv6-stateful` addresses in one
   * subnet share one host line, so a port may have several there. @default false
   */
  readonly addr6List?: boolean;
}

/** What validating a port needs to know of the agent options. */
export interface PortRules {
  /** `dnsmasqEnableAddr6List`. @default false */
  readonly addr6List?: boolean;
}

/**
 * The longest a merged host line `<mac>,tag:dhcpv6,[id:<client-id>,]<fqdn>,[a],[b]…,set:port-<id>`
 * can be whatever the agent's domain (fqdn `host-<address>.<254 characters>`, as MAX_CLIENT_ID_CHARS
 * assumes), with this port's client id and addresses.
 */
function mergedHostLineBytes(port: Port, addresses: readonly string[]): number {
  const clientId = isList(port.extraDhcpOpts) ? port.extraDhcpOpts.find((o) => isRecord(o) && isClientIdOpt(o.optName))?.optValue : undefined;
  const list = addresses.map((a) => `[${a}]`).join(',');
  const fqdn = 'host-'.length + 45 + '.'.length + 254;
  return Buffer.byteLength(
    `xx:xx:xx:xx:xx:xx,tag:dhcpv6,${typeof clientId === 'string' ? `id:${clientId},` : ''}${'f'.repeat(fqdn)},${list},set:port-${typeof port.id === 'string' ? port.id : ''}`,
  );
}

function listIds(subnets: readonly Subnet[]): string {
  if (subnets.length === 0) return '(the network has no subnets)';
  // Ids of wrongly typed input are shown, never converted (String() can throw on odd objects).
  const ids = subnets.slice(0, 10).map((s) => (typeof s.id === 'string' ? s.id : showValue(s.id)));
  return ids.join(', ') + (subnets.length > 10 ? `, … (${subnets.length} in all)` : '');
}

/** A port's issues against the subnets and the other ports given (shared with `validateNetwork`). */
export function portIssues(port: Port, ctx: PortContext, path: string): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const at = (key: string) => pathJoin(path, key);
  push(out, checkId(port.id, at('id')));

  const macBad = checkMac(port.macAddress, at('macAddress'));
  if (macBad) out.push(macBad);
  else {
    const twin = ctx.others.find((o) => typeof o.macAddress === 'string' && o.macAddress.toLowerCase() === port.macAddress.toLowerCase());
    if (twin) {
      out.push(issue(at('macAddress'), port.macAddress, `a MAC address not used by another port of the network (port ${twin.id} has it)`));
    }
  }

  push(out, checkSafeText(port.deviceOwner, at('deviceOwner')));

  eachOf(out, port.fixedIps, at('fixedIps'), 'a list of {subnetId, ipAddress}', (fip, p, i) => {
    out.push(...fixedIpIssues(fip, p, ctx, port, port.fixedIps.slice(0, i)));
  });

  const versions = new Map<string, string>();
  if (Array.isArray(port.extraDhcpOpts) && port.extraDhcpOpts.length > MAX_EXTRA_DHCP_OPTS) {
    // Refused as a whole, before thousands of items are checked one by one.
    out.push(issue(at('extraDhcpOpts'), `(a list of ${port.extraDhcpOpts.length} options)`, `at most ${MAX_EXTRA_DHCP_OPTS} extra DHCP options per port`));
    return out;
  }
  eachOf(out, port.extraDhcpOpts, at('extraDhcpOpts'), 'a list of {optName, optValue, ipVersion}', (opt, p) => {
    const before = out.length;
    out.push(...extraOptIssues(opt, p, port.id));
    if (out.length !== before || !isRecord(opt)) return;
    const key = `${opt.ipVersion}/${opt.optName.toLowerCase()}`;
    const first = versions.get(key);
    if (first) {
      out.push(issue(pathJoin(p, 'optName'), opt.optName, `an option not already set on this port for IPv${opt.ipVersion} (${first} sets it)`));
    } else versions.set(key, p);
  });

  if (port.dnsAssignment !== undefined) {
    eachOf(out, port.dnsAssignment, at('dnsAssignment'), 'a list of {hostname, ipAddress, fqdn}', (entry, p) => {
      out.push(...dnsAssignmentIssues(entry, p));
    });
  }
  return out;
}

function fixedIpIssues(fip: FixedIp, path: string, ctx: PortContext, port: Port, ownEarlier: readonly FixedIp[]): ValidationIssue[] {
  if (!isRecord(fip)) return [issue(path, fip, 'a fixed IP {subnetId, ipAddress}')];
  const out: ValidationIssue[] = [];
  const subnet = ctx.subnets.find((s) => s.id === fip.subnetId);
  if (!subnet) {
    out.push(issue(pathJoin(path, 'subnetId'), fip.subnetId, `the id of one of the network's subnets: ${listIds(ctx.subnets)}`));
  }
  const cidr = subnet && typeof subnet.cidr === 'string' ? parseCidr(subnet.cidr) : null;
  const ipPath = pathJoin(path, 'ipAddress');
  const bad = checkIp(fip.ipAddress, ipPath, cidr?.version);
  if (bad) return [...out, bad];
  if (cidr && !cidrContains(cidr.text, fip.ipAddress)) {
    out.push(issue(ipPath, fip.ipAddress, `an address inside ${cidr.text}, the cidr of subnet ${subnet!.id}`));
  } else if (cidr && isIpv4NetworkOrBroadcast(cidr.text, fip.ipAddress)) {
    out.push(issue(ipPath, fip.ipAddress, `an address of ${describeCidr(cidr)}`));
  }
  const sameSubnet = subnet ? ownEarlier.findIndex((f) => isRecord(f) && f.subnetId === subnet.id) : -1;
  if (ownEarlier.some((f) => typeof f.ipAddress === 'string' && sameIp(f.ipAddress, fip.ipAddress))) {
    out.push(issue(ipPath, fip.ipAddress, 'an address not already listed in this port\'s fixedIps'));
  } else if (sameSubnet >= 0 && !(ctx.addr6List === true && subnet!.ipVersion === 6 && subnet!.ipv6AddressMode === 'dhcpv6-stateful')) {
    // dnsmasq serves one address per MAC and subnet (one dhcp-host line each): the second would never be handed out.
    const unless = subnet!.ipv6AddressMode === 'dhcpv6-stateful' ? ' unless enableAddr6List (dnsmasq_enable_addr6_list) is on' : '';
    out.push(issue(ipPath, fip.ipAddress, `an address on another subnet: a port has at most one address per subnet${unless} (fixedIps[${sameSubnet}] is on subnet ${subnet!.id})`));
  } else if (sameSubnet >= 0) {
    const listed = [...ownEarlier.filter((f) => isRecord(f) && f.subnetId === subnet!.id).map((f) => f.ipAddress), fip.ipAddress];
    const bytes = mergedHostLineBytes(port, listed);
    if (bytes > DNSMASQ_MAX_LINE_BYTES) {
      out.push(issue(ipPath, fip.ipAddress, `fewer addresses on subnet ${subnet!.id}: with enableAddr6List they share one dhcp-hostsfile line, which could be ${bytes} bytes, past the ${DNSMASQ_MAX_LINE_BYTES} dnsmasq reads`));
    }
  } else {
    const holds = (o: Port) =>
      Array.isArray(o.fixedIps) && o.fixedIps.some((f) => isRecord(f) && typeof f.ipAddress === 'string' && sameIp(f.ipAddress, fip.ipAddress));
    const twin = ctx.others.find(holds);
    if (twin) out.push(issue(ipPath, fip.ipAddress, `an address not used by another port of the network (port ${twin.id} has it)`));
  }
  return out;
}

function extraOptIssues(opt: ExtraDhcpOpt, path: string, portId: string): ValidationIssue[] {
  if (!isRecord(opt)) return [issue(path, opt, 'an extra DHCP option {optName, optValue, ipVersion}')];
  const out: ValidationIssue[] = [];
  const versionOk = opt.ipVersion === 4 || opt.ipVersion === 6;
  if (!versionOk) out.push(issue(pathJoin(path, 'ipVersion'), opt.ipVersion, '4 or 6'));
  const nameBad = checkDhcpOptName(opt.optName, pathJoin(path, 'optName'), versionOk ? opt.ipVersion : 4);
  push(out, nameBad);
  const clientId = typeof opt.optName === 'string' && isClientIdOpt(opt.optName);
  const valueBad = clientId
    ? checkClientIdValue(opt.optValue, pathJoin(path, 'optValue'))
    : checkDhcpOptValue(opt.optValue, pathJoin(path, 'optValue'));
  push(out, valueBad);
  if (out.length === 0 && !clientId && typeof portId === 'string') push(out, portOptsLineIssue(portId, opt, pathJoin(path, 'optValue')));
  return out;
}

function dnsAssignmentIssues(entry: DnsAssignment, path: string): ValidationIssue[] {
  if (!isRecord(entry)) return [issue(path, entry, 'a DNS assignment {hostname, ipAddress, fqdn}')];
  const out: ValidationIssue[] = [];
  push(out, checkHostname(entry.hostname, pathJoin(path, 'hostname')));
  push(out, checkIp(entry.ipAddress, pathJoin(path, 'ipAddress')));
  push(out, checkFqdn(entry.fqdn, pathJoin(path, 'fqdn')));
  return out;
}

/**
 * One port against a network: its own fields, its fixed IPs against the network's subnets,
 * and IP/MAC uniqueness against the network's other ports (a port with the same id is this
 * port's earlier version and is skipped).
 */
export function validatePort(port: Port, network: Network, path = '', rules: PortRules = {}): ValidationIssue[] {
  const subnets = isList(network.subnets) ? network.subnets : [];
  const ports = isList(network.ports) ? network.ports : [];
  return portIssues(port, { subnets, others: ports.filter((p) => p.id !== port.id), addr6List: rules.addr6List }, path);
}

