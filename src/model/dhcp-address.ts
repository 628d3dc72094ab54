/**
 * Where a DHCP server's own address may be. One rule for the constructs (synth), the provider
 * (plan) and the handlers (before anything changes on a node): inside one of the network's
 * DHCP-enabled subnets, not its network or broadcast address (IPv6: not the subnet-router
 * anycast address, which neutron never allocates either), not its gateway, and not an address
 * a client port of the network holds.
 */
import type { ValidationIssue } from './errors';
import { canonicalIp, cidrContains, ipVersionOf, parseCidr } from './ip';
import { isList, type Port, type Subnet } from './types';

/**
 * The problem with `ip` as a DHCP server address of a network with `subnets`, or `null`.
 * `clients`: the network's client ports the caller can see (DHCP ports excluded).
 */
export function dhcpAddressIssue(ip: unknown, path: string, subnets: readonly Subnet[], clients: readonly Port[] = []): ValidationIssue | null {
  const served = subnets.filter((s) => s.enableDhcp && typeof s.cidr === 'string' && parseCidr(s.cidr) !== null);
  const inside = `an address inside one of the network's DHCP-enabled subnets (${served.map((s) => s.cidr).join(', ') || 'none'})`;
  if (typeof ip !== 'string' || ipVersionOf(ip) === null) return { path, value: ip, allowed: `an IPv4 or IPv6 address: ${inside}` };
  const subnet = served.find((s) => cidrContains(s.cidr, ip));
  if (!subnet) return { path, value: ip, allowed: inside };
  const cidr = parseCidr(subnet.cidr)!;
  const canon = canonicalIp(ip);
  const hostRange = cidr.version === 4 && cidr.prefixLength < 31;
  if (canon === cidr.network && (hostRange || cidr.version === 6)) {
    return { path, value: ip, allowed: `an address of ${cidr.text} other than its ${cidr.version === 4 ? 'network' : 'subnet-router anycast'} address ${cidr.network}` };
  }
  if (hostRange && canon === cidr.last) return { path, value: ip, allowed: `an address of ${cidr.text} other than its broadcast address ${cidr.last}` };
  if (subnet.gatewayIp && canonicalIp(subnet.gatewayIp) === canon) {
    return { path, value: ip, allowed: `an address of ${cidr.text} other than its gateway ${subnet.gatewayIp}` };
  }
  const holder = clients.find((p) => isList(p.fixedIps) && p.fixedIps.some((f) => typeof f.ipAddress === 'string' && canonicalIp(f.ipAddress) === canon));
  if (holder) return { path, value: ip, allowed: `an address no client port of the network holds (port ${holder.id} has it)` };
  return null;
}
