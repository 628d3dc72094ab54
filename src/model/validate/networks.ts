/** A whole network: its fields, every subnet and port, and per-network uniqueness of ids, IPs and MACs. */
import type { ValidationIssue } from '../errors';
import { cidrContains, parseCidr } from '../ip';
import type { Network, Port, Subnet } from '../types';
import { eachOf, isRecord, issue, pathJoin, push } from './issues';
import { checkDomain, checkId } from './names';
import { checkMtu } from './numbers';
import { subnetOptsLineIssues } from './opts-lines';
import { portIssues, type PortRules } from './ports';
import { validateSubnet } from './subnets';
import { checkSafeText } from './text';

/** Network fields, every subnet, every port, and per-network uniqueness of ids, IPs and MACs. */
export function validateNetwork(network: Network, rules: PortRules = {}): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  push(out, checkId(network.id, 'id'));
  if (network.name !== undefined) push(out, checkSafeText(network.name, 'name'));
  push(out, checkMtu(network.mtu, 'mtu'));
  if (network.dnsDomain !== undefined && network.dnsDomain !== '') push(out, checkDomain(network.dnsDomain, 'dnsDomain'));
  const ra = network.ipv6RouterAdvertisements;
  if (ra !== undefined && typeof ra !== 'boolean') out.push(issue('ipv6RouterAdvertisements', ra, 'true or false'));

  const subnets: Subnet[] = [];
  const clean: { subnet: Subnet; path: string }[] = [];
  eachOf(out, network.subnets, 'subnets', 'a list of subnets', (subnet, p) => {
    if (!isRecord(subnet)) return out.push(issue(p, subnet, 'a subnet object'));
    const own = validateSubnet(subnet, p);
    out.push(...own);
    if (own.length === 0) clean.push({ subnet, path: p });
    const twin = subnets.find((s) => s.id === subnet.id);
    if (twin) out.push(issue(pathJoin(p, 'id'), subnet.id, `an id not used by another subnet (subnets[${network.subnets.indexOf(twin)}] has it)`));
    const mine = typeof subnet.cidr === 'string' ? parseCidr(subnet.cidr) : null;
    const overlap = mine
      ? subnets.find((s) => {
          const theirs = typeof s.cidr === 'string' ? parseCidr(s.cidr) : null;
          return theirs !== null && theirs.version === mine.version && (cidrContains(theirs.text, mine.network) || cidrContains(mine.text, theirs.network));
        })
      : undefined;
    if (overlap) {
      out.push(
        issue(pathJoin(p, 'cidr'), subnet.cidr, `a CIDR not overlapping subnets[${network.subnets.indexOf(overlap)}] (${overlap.cidr}) of the same network`),
      );
    }
    subnets.push(subnet);
  });
  for (const { subnet, path } of clean) out.push(...subnetOptsLineIssues(subnet, path, subnets));
  if (ra === true) for (const { subnet, path } of clean) push(out, raModeIssue(subnet, path));

  const ports: Port[] = [];
  eachOf(out, network.ports, 'ports', 'a list of ports', (port, p) => {
    if (!isRecord(port)) return out.push(issue(p, port, 'a port object'));
    const twin = ports.find((o) => o.id === port.id);
    if (twin) out.push(issue(pathJoin(p, 'id'), port.id, `an id not used by another port (ports[${network.ports.indexOf(twin)}] has it)`));
    // Duplicates are reported on the later port only.
    out.push(...portIssues(port, { subnets, others: ports.filter((o) => o.id !== port.id), addr6List: rules.addr6List }, p));
    ports.push(port);
  });
  return out;
}

/**
 * With router advertisements on, an RA mode that asks for DHCPv6 (the M or O flag) needs the
 * subnet served by DHCPv6: dnsmasq sets those flags only for subnets it has a DHCPv6 range for,
 * and neutron gives none to a subnet without an address mode.
 */
function raModeIssue(subnet: Subnet, path: string): ValidationIssue | null {
  const ra = subnet.ipv6RaMode;
  if (subnet.ipVersion !== 6 || subnet.ipv6AddressMode !== null || (ra !== 'dhcpv6-stateful' && ra !== 'dhcpv6-stateless')) return null;
  return issue(
    pathJoin(path, 'ipv6AddressMode'),
    null,
    `"${ra}" (the same as ipv6RaMode) while the network's ipv6RouterAdvertisements is true: dnsmasq advertises DHCPv6 only for subnets it serves by DHCPv6; or set ipv6RaMode to "slaac" or null`,
  );
}
