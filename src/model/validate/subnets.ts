/** One subnet on its own: ids, CIDR, gateway, pools, routes, nameservers and IPv6 modes (neutron's rules). */
import type { ValidationIssue } from '../errors';
import { cidrContains, ipToBigInt, isIpv4NetworkOrBroadcast, parseCidr, type Cidr } from '../ip';
import { IPV6_MODES, type IpVersion, type Subnet } from '../types';
import { checkCidr, checkIp, describeCidr } from './addresses';
import { eachOf, isRecord, issue, pathJoin, push } from './issues';
import { checkId } from './names';
import { checkSafeText } from './text';

/** One subnet on its own (ids, CIDR, gateway, pools, routes, nameservers, IPv6 modes). */
export function validateSubnet(subnet: Subnet, path = ''): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const at = (key: string) => pathJoin(path, key);
  push(out, checkId(subnet.id, at('id')));
  if (subnet.name !== undefined) push(out, checkSafeText(subnet.name, at('name')));

  const cidr = typeof subnet.cidr === 'string' ? parseCidr(subnet.cidr) : null;
  if (!cidr) push(out, checkCidr(subnet.cidr, at('cidr')));
  const versionOk = subnet.ipVersion === 4 || subnet.ipVersion === 6;
  if (!versionOk) out.push(issue(at('ipVersion'), subnet.ipVersion, '4 or 6'));
  else if (cidr && cidr.version !== subnet.ipVersion) {
    out.push(issue(at('ipVersion'), subnet.ipVersion, `${cidr.version}, the IP version of cidr ${cidr.text}`));
  }
  const version: IpVersion | undefined = cidr?.version ?? (versionOk ? subnet.ipVersion : undefined);

  if (subnet.gatewayIp !== null) {
    const gwPath = at('gatewayIp');
    const bad = checkIp(subnet.gatewayIp, gwPath, version);
    if (bad) out.push({ ...bad, allowed: `null (no gateway) or ${bad.allowed}` });
    else if (cidr && !cidrContains(cidr.text, subnet.gatewayIp)) {
      out.push(issue(gwPath, subnet.gatewayIp, `null (no gateway) or an address inside ${cidr.text}`));
    } else if (cidr && isIpv4NetworkOrBroadcast(cidr.text, subnet.gatewayIp)) {
      out.push(issue(gwPath, subnet.gatewayIp, `null (no gateway) or an address of ${describeCidr(cidr)}`));
    }
  }

  if (typeof subnet.enableDhcp !== 'boolean') out.push(issue(at('enableDhcp'), subnet.enableDhcp, 'true or false'));

  eachOf(out, subnet.dnsNameservers, at('dnsNameservers'), 'a list of DNS server addresses', (ns, p) =>
    push(out, checkIp(ns, p, version)),
  );

  eachOf(out, subnet.hostRoutes, at('hostRoutes'), 'a list of {destination, nexthop} routes', (route, p) => {
    if (!isRecord(route)) return out.push(issue(p, route, 'a route {destination, nexthop}'));
    push(out, checkCidr(route.destination, pathJoin(p, 'destination'), version));
    push(out, checkIp(route.nexthop, pathJoin(p, 'nexthop'), version));
  });

  eachOf(out, subnet.allocationPools, at('allocationPools'), 'a list of {start, end} pools', (pool, p) => {
    if (!isRecord(pool)) return out.push(issue(p, pool, 'a pool {start, end}'));
    const ends = ['start', 'end'] as const;
    let ok = true;
    for (const end of ends) {
      const bad = checkIp(pool[end], pathJoin(p, end), version);
      if (bad) {
        out.push(bad);
        ok = false;
      } else if (cidr && !cidrContains(cidr.text, pool[end])) {
        out.push(issue(pathJoin(p, end), pool[end], `an address inside ${cidr.text}`));
        ok = false;
      }
    }
    if (ok && ipToBigInt(pool.start)! > ipToBigInt(pool.end)!) {
      out.push(issue(pathJoin(p, 'end'), pool.end, `an address not below start ${pool.start}`));
    }
  });

  out.push(...ipv6ModeIssues(subnet, path, version, cidr));

  // neutron refuses DHCP on subnets too small to hold a server and a client.
  if (subnet.enableDhcp === true && cidr && cidr.prefixLength > (cidr.version === 4 ? 30 : 126)) {
    out.push(
      issue(at('cidr'), subnet.cidr, `a prefix of /${cidr.version === 4 ? 30 : 126} or shorter while enableDhcp is true (neutron's rule)`),
    );
  }
  return out;
}

function ipv6ModeIssues(subnet: Subnet, path: string, version: IpVersion | undefined, cidr: Cidr | null): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const modes = ['ipv6AddressMode', 'ipv6RaMode'] as const;
  let allKnown = true;
  for (const key of modes) {
    const mode = subnet[key];
    if (mode === null || mode === undefined) continue;
    if (version === 4) {
      out.push(issue(pathJoin(path, key), mode, 'null: IPv6 modes apply to IPv6 subnets only'));
      allKnown = false;
    } else if (!IPV6_MODES.includes(mode)) {
      out.push(issue(pathJoin(path, key), mode, `null or one of ${IPV6_MODES.join(', ')}`));
      allKnown = false;
    }
  }
  const address = subnet.ipv6AddressMode ?? null;
  const ra = subnet.ipv6RaMode ?? null;
  if (!allKnown || version !== 6 || (address === null && ra === null)) return out;
  if (address !== null && ra !== null && address !== ra) {
    out.push(
      issue(pathJoin(path, 'ipv6RaMode'), ra, `null or "${address}", the same as ipv6AddressMode: neutron requires both modes to be equal when both are set`),
    );
  }
  if (subnet.enableDhcp === false) {
    out.push(issue(pathJoin(path, 'enableDhcp'), false, 'true while ipv6AddressMode or ipv6RaMode is set (neutron\'s rule)'));
  }
  const auto = (m: string | null) => m === 'slaac' || m === 'dhcpv6-stateless';
  if (cidr && (auto(address) || auto(ra)) && cidr.prefixLength !== 64) {
    out.push(
      issue(pathJoin(path, 'cidr'), subnet.cidr, 'a /64 prefix: SLAAC and DHCPv6-stateless addresses are EUI-64 (neutron\'s rule)'),
    );
  }
  return out;
}
