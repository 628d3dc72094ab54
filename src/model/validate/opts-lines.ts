/**
 * dhcp-optsfile lines that dnsmasq would cut in two (it reads option files with `fgets` into a
 * 1025-byte buffer). The lines are rendered by the renderer that writes them,
 * src/dnsmasq/opts.ts's `formatOption`; only their length is judged here.
 */
import { IPV4_ANY, PORT_TAG_PREFIX, SUBNET_TAG_PREFIX } from '../../dnsmasq/render-context';
import { formatOption } from '../../dnsmasq/opts';
import type { ValidationIssue } from '../errors';
import { METADATA_CIDR, type ExtraDhcpOpt, type Subnet } from '../types';
import { DNSMASQ_MAX_LINE_BYTES } from './dhcp-opts';
import { issue, pathJoin, push } from './issues';

// The longest metadata route neutron can add (whether it adds one depends on agent options and routers).
const WORST_METADATA_ROUTE = `${METADATA_CIDR},255.255.255.255`;

function optsLineIssue(path: string, value: unknown, what: string, line: string): ValidationIssue | null {
  const bytes = Buffer.byteLength(line, 'utf8');
  if (bytes <= DNSMASQ_MAX_LINE_BYTES) return null;
  return issue(path, value, `${what} short enough for the dhcp-optsfile line ${JSON.stringify(`${line.slice(0, line.indexOf(',', line.indexOf(',') + 1))},…`)} to stay within ${DNSMASQ_MAX_LINE_BYTES} bytes (dnsmasq cuts longer lines in two); it could be ${bytes} bytes`);
}

/** The line of one extra DHCP option of a port (neutron's `_format_option`), for a valid option. */
export function portOptsLineIssue(portId: string, opt: ExtraDhcpOpt, path: string): ValidationIssue | null {
  const bytes = Buffer.byteLength(formatOption(opt.ipVersion, `${PORT_TAG_PREFIX}${portId}`, opt.optName, opt.optValue), 'utf8');
  if (bytes <= DNSMASQ_MAX_LINE_BYTES) return null;
  return issue(
    path,
    opt.optValue,
    `a value short enough for the dhcp-optsfile line "tag:port-<id>,<option>,<value>" to stay within ${DNSMASQ_MAX_LINE_BYTES} bytes (dnsmasq cuts longer lines in two); this line would be ${bytes} bytes`,
  );
}

/**
 * The per-subnet dhcp-optsfile lines neutron writes whose length grows with the input
 * (`_generate_opts_per_subnet`): dns-server with every nameserver and, for IPv4,
 * classless-static-route with the network's other IPv4 subnets as on-link routes, the host
 * routes, a metadata route (counted always: whether neutron adds one depends on agent options
 * and routers) and the default route.
 */
export function subnetOptsLineIssues(subnet: Subnet, path: string, all: readonly Subnet[]): ValidationIssue[] {
  if (!subnet.enableDhcp) return [];
  const out: ValidationIssue[] = [];
  const tag = `${SUBNET_TAG_PREFIX}${subnet.id}`;
  if (subnet.ipVersion === 6) {
    const servers = subnet.dnsNameservers.map((a) => `[${a}]`).join(',');
    push(out, optsLineIssue(pathJoin(path, 'dnsNameservers'), subnet.dnsNameservers, 'a list of DNS servers', formatOption(6, tag, 'dns-server', servers)));
    return out;
  }
  push(out, optsLineIssue(pathJoin(path, 'dnsNameservers'), subnet.dnsNameservers, 'a list of DNS servers', formatOption(4, tag, 'dns-server', subnet.dnsNameservers.join(','))));
  let gateway = subnet.gatewayIp;
  const routes: string[] = [];
  for (const other of all) {
    if (other !== subnet && other.ipVersion === 4 && other.cidr !== subnet.cidr && typeof other.cidr === 'string') routes.push(`${other.cidr},0.0.0.0`);
  }
  for (const hr of subnet.hostRoutes) {
    if (hr.destination === IPV4_ANY) gateway = gateway || hr.nexthop;
    else routes.push(`${hr.destination},${hr.nexthop}`);
  }
  routes.push(WORST_METADATA_ROUTE);
  if (gateway) routes.push(`${IPV4_ANY},${gateway}`);
  const line = formatOption(4, tag, 'classless-static-route', routes.join(','));
  push(out, optsLineIssue(pathJoin(path, 'hostRoutes'), subnet.hostRoutes, "a list of host routes (with the network's other IPv4 subnets as on-link routes)", line));
  return out;
}
