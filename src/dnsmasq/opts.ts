/**
 * The `opts` file (`--dhcp-optsfile`), as neutron's `_output_opts_file`:
 * per-subnet options, then per-port extra options, then the dns-server lines naming several
 * DHCP servers. Lines joined with `\n`, no trailing newline.
 */
import type { IpVersion, Port } from '../model/types';
import { DEVICE_OWNER_DHCP, METADATA_CIDR } from '../model/types';
import { canonicalIp, ipVersionOf } from '../model/ip';
import {
  IPV4_ANY,
  PORT_TAG_PREFIX,
  SUBNET_TAG_PREFIX,
  WIN2K3_STATIC_DNS,
  isClientIdOption,
  isolatedSubnets,
  subnetInterfaceIpMap,
  type RenderContext,
} from './render-context';

// Python's re.match('(tag:(.*),)?(.*)$'): greedy, so every leading `tag:…,` goes to the tag part.
const EMBEDDED_TAG = /^(tag:(.*),)?(.*)$/s;
// Python's str.isdigit() for the characters an option name can hold.
const ALL_DIGITS = /^\p{Nd}+$/u;

const firstLine = (s: string): string => s.split('\n', 1)[0];

/**
 * neutron `_format_option`: `tag:<tag>,[<embedded tags>,]<option>[,<values>]`, where the
 * option is `option6:<name|code>` for IPv6, a bare code for numeric IPv4 options and
 * `option:<name>` otherwise. Only the first line of the name and of each value is used.
 */
export function formatOption(ipVersion: IpVersion, tag: string, option: string | number, ...values: string[]): string {
  const m = EMBEDDED_TAG.exec(firstLine(String(option)));
  const extraTag = m?.[1];
  let name = m?.[3] ?? '';
  if (ipVersion === 6) name = `option6:${name}`;
  else if (!ALL_DIGITS.test(name)) name = `option:${name}`;
  const parts = extraTag ? [`tag:${tag}`, extraTag.slice(0, -1), name] : [`tag:${tag}`, name];
  return [...parts, ...values.map(firstLine)].join(',');
}

function literalAddrs(ipVersion: IpVersion, ips: readonly string[]): string[] {
  return ipVersion === 4 ? [...ips] : ips.map((ip) => `[${ip}]`);
}

/** neutron `is_dns_servers_any_address`: exactly one server, the any-address of the subnet's family. */
function isAnyAddress(servers: readonly string[], ipVersion: IpVersion): boolean {
  return servers.length === 1 && canonicalIp(servers[0]) === (ipVersion === 4 ? '0.0.0.0' : '::');
}

/** DHCP-enabled, non-SLAAC subnets: the ones that get options at all. */
function optionSubnets(ctx: RenderContext) {
  return ctx.network.subnets.filter((s) => s.enableDhcp && !(s.ipVersion === 6 && s.ipv6AddressMode === 'slaac'));
}

/**
 * neutron `_generate_opts_per_subnet`: for each DHCP subnet (SLAAC excepted) its dns-server,
 * IPv6 domain-search, and for IPv4 classless-static-route/249 (other IPv4 subnets on-link
 * first, host routes, metadata route, default route last) and router.
 */
export function subnetOptLines(ctx: RenderContext): string[] {
  const { network, options } = ctx;
  const lines: string[] = [];
  const isIsolated = isolatedSubnets(network);
  const needsInterfaceIps = options.enableIsolatedMetadata || options.forceMetadata;
  const interfaceIps = needsInterfaceIps ? subnetInterfaceIpMap(ctx) : new Map<string, string>();
  for (const subnet of optionSubnets(ctx)) {
    const v = subnet.ipVersion;
    const tag = `${SUBNET_TAG_PREFIX}${subnet.id}`;
    if (subnet.dnsNameservers.length > 0) {
      if (isAnyAddress(subnet.dnsNameservers, v)) {
        // The any-address means "announce no DNS server": an option without value.
        lines.push(formatOption(v, tag, 'dns-server'));
      } else {
        lines.push(formatOption(v, tag, 'dns-server', literalAddrs(v, subnet.dnsNameservers).join(',')));
      }
    }
    if (options.dnsDomain && v === 6) lines.push(formatOption(v, tag, 'domain-search', options.dnsDomain));
    if (v !== 4) continue;

    let gateway = subnet.gatewayIp;
    const routes: string[] = [];
    for (const hr of subnet.hostRoutes) {
      if (hr.destination === IPV4_ANY) {
        // A default host route stands in for a missing gateway; otherwise the gateway wins.
        if (!gateway) gateway = hr.nexthop;
      } else {
        routes.push(`${hr.destination},${hr.nexthop}`);
      }
    }

    let metadataVia: string | undefined;
    if (options.forceMetadata || (isIsolated(subnet.id) && options.enableIsolatedMetadata)) {
      metadataVia = interfaceIps.get(subnet.id);
    } else if (!isIsolated(subnet.id) && gateway) {
      metadataVia = gateway;
    }
    if (metadataVia) routes.push(`${METADATA_CIDR},${metadataVia}`);

    // Other IPv4 subnets of the network are on-link; neutron prepends each, so the last comes first.
    for (const other of network.subnets) {
      if (other.ipVersion === 4 && other.cidr !== subnet.cidr) routes.unshift(`${other.cidr},0.0.0.0`);
    }

    if (routes.length > 0) {
      if (gateway) routes.push(`${IPV4_ANY},${gateway}`);
      lines.push(formatOption(v, tag, 'classless-static-route', routes.join(',')));
      lines.push(formatOption(v, tag, WIN2K3_STATIC_DNS, routes.join(',')));
    }
    lines.push(gateway ? formatOption(v, tag, 'router', gateway) : formatOption(v, tag, 'router'));
  }
  return lines;
}

/**
 * neutron `_generate_opts_per_port` for one port: its extra DHCP options (client-id excepted,
 * which goes into the host file) of the address families the port has, tagged `port-<id>`.
 * Applies to every port, DHCP and router ports included.
 */
export function optLinesForPort(port: Port, _ctx: RenderContext): string[] {
  if (port.extraDhcpOpts.length === 0) return [];
  const families = new Set(port.fixedIps.map((f) => ipVersionOf(f.ipAddress)));
  const tag = `${PORT_TAG_PREFIX}${port.id}`;
  return port.extraDhcpOpts
    .filter((opt) => !isClientIdOption(opt.optName) && families.has(opt.ipVersion))
    .map((opt) => formatOption(opt.ipVersion, tag, opt.optName, opt.optValue));
}

/**
 * The tail of neutron `_generate_opts_per_port`: when a subnet without dns_nameservers is
 * served by several DHCP ports, announce all their addresses as DNS servers (subnets in the
 * order the DHCP ports first name them).
 */
export function dhcpServerDnsOptLines(ctx: RenderContext): string[] {
  const withoutNameservers = new Set(
    optionSubnets(ctx)
      .filter((s) => s.dnsNameservers.length === 0)
      .map((s) => s.id),
  );
  const dhcpIps = new Map<string, string[]>();
  for (const port of ctx.network.ports) {
    if (port.deviceOwner !== DEVICE_OWNER_DHCP) continue;
    for (const fip of port.fixedIps) {
      if (!withoutNameservers.has(fip.subnetId)) continue;
      const list = dhcpIps.get(fip.subnetId) ?? [];
      list.push(fip.ipAddress);
      dhcpIps.set(fip.subnetId, list);
    }
  }
  const lines: string[] = [];
  for (const [subnetId, ips] of dhcpIps) {
    for (const v of [4, 6] as const) {
      const ofFamily = ips.filter((ip) => ipVersionOf(ip) === v);
      if (ofFamily.length > 1) {
        lines.push(formatOption(v, `${SUBNET_TAG_PREFIX}${subnetId}`, 'dns-server', literalAddrs(v, ofFamily).join(',')));
      }
    }
  }
  return lines;
}

/** The whole `opts` file (no trailing newline). */
export function renderOpts(ctx: RenderContext): string {
  return [
    ...subnetOptLines(ctx),
    ...ctx.network.ports.flatMap((p) => optLinesForPort(p, ctx)),
    ...dhcpServerDnsOptLines(ctx),
  ].join('\n');
}
