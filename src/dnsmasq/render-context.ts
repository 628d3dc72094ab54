/**
 * What every dnsmasq renderer needs: the render context (the network, options and facts a
 * renderer reads; nothing about the node it runs on), and the per-network facts neutron's
 * `Dnsmasq` derives before writing files (`neutron/agent/linux/dhcp.py`, master of 2026-08,
 * 29.0.0.0b1): which ports need a host entry, the IPv6 subnets, isolated subnets, the DHCP
 * interface addresses and the per-port host iteration (`_iter_hosts`).
 */
import { DEVICE_OWNER_DHCP } from '../model/types';
import type { AgentOptions, FixedIp, Network, Port, Subnet } from '../model/types';
import { defaultHostname } from '../model/naming';
import { ipVersionOf } from '../model/ip';

/** Everything a renderer reads. */
export interface RenderContext {
  /** Subnets and ports; ports are used for router/DHCP facts and for full-file rendering. */
  readonly network: Network;
  /** Full agent options (callers merge `DEFAULT_AGENT_OPTIONS`). */
  readonly options: AgentOptions;
  /**
   * This agent's DHCP port. Its fixed IPs are the addresses of the DHCP interface, which
   * neutron reads back from the device (`_make_subnet_interface_ip_map`) for the
   * isolated/forced metadata route.
   */
  readonly selfDhcpPortId?: string;
  /**
   * Whether dnsmasq accepts `tag:` in `--dhcp-hostsfile` entries; neutron probes
   * `dnsmasq --test --dhcp-host=tag:foo` and then writes `tag:dhcpv6,` into every IPv6 host
   * entry. dnsmasq 2.90 passes the probe. @default true
   */
  readonly dnsmasqHostTagSupport?: boolean;
  /**
   * Whether the DHCP interface is bridged to the clients (true for every neutron interface
   * driver); when false, neutron adds `--bridge-interface=<iface>,tap*`. @default true
   */
  readonly bridged?: boolean;
  /**
   * Timestamp of the initial leases. `infinite` (neutron ≥ 28.0.0, bug #2124215): always `0`;
   * `expiry` (neutron ≤ 27): `now + dhcp_lease_duration`, or `0` when the duration is -1.
   * @default 'infinite'
   */
  readonly leaseTimestamps?: 'infinite' | 'expiry';
  /**
   * The leases file already on disk, if any. neutron keeps its `duid` lines and the IPv6
   * leases of addresses still served over DHCPv6 (their IAID cannot be regenerated).
   */
  readonly existingLeases?: string;
}

/** neutron-lib `DHCP_CONFIG_NOT_REQUIRED_OWNERS`. */
export const DHCP_CONFIG_NOT_REQUIRED_OWNERS: readonly string[] = [
  'network:router_ha_interface',
  'network:floatingip',
  DEVICE_OWNER_DHCP,
  'network:distributed',
];

/** neutron-lib `ROUTER_INTERFACE_OWNERS`. */
export const ROUTER_INTERFACE_OWNERS: readonly string[] = [
  'network:router_interface',
  'network:ha_router_replicated_interface',
  'network:router_interface_distributed',
];

export const SUBNET_TAG_PREFIX = 'subnet-';
export const PORT_TAG_PREFIX = 'port-';
export const HOST_DHCPV6_TAG = 'tag:dhcpv6,';
export const IPV4_ANY = '0.0.0.0/0';
/** Windows 2003 reads classless static routes from option 249. */
export const WIN2K3_STATIC_DNS = 249;

/** neutron's `port_requires_dhcp_configuration`: ports without owner count as clients. */
export function portRequiresDhcpConfiguration(port: Port): boolean {
  if (!port.deviceOwner) return true;
  return !DHCP_CONFIG_NOT_REQUIRED_OWNERS.includes(port.deviceOwner);
}

/** Extra option names that carry the client identifier (neutron `_get_client_id`). */
export function isClientIdOption(optName: string): boolean {
  return optName === 'client-id' || optName === '61';
}

/** The first client-id extra option's value, as neutron `_get_client_id`. */
export function clientIdOf(port: Port): string | undefined {
  return port.extraDhcpOpts.find((o) => isClientIdOption(o.optName))?.optValue;
}

/** IPv6 addresses go in brackets so dnsmasq tells them from MACs. */
export function formatAddressForDnsmasq(address: string): string {
  return ipVersionOf(address) === 6 ? `[${address}]` : address;
}

interface SubnetIndex {
  readonly byId: ReadonlyMap<string, Subnet>;
  readonly v6ById: ReadonlyMap<string, Subnet>;
  readonly dhcpEnabledIds: ReadonlySet<string>;
}

// Per-port renderers run once per port; index the subnets once per subnet list.
const subnetIndexCache = new WeakMap<readonly Subnet[], SubnetIndex>();

export function subnetIndex(subnets: readonly Subnet[]): SubnetIndex {
  let idx = subnetIndexCache.get(subnets);
  if (!idx) {
    const byId = new Map<string, Subnet>();
    const v6ById = new Map<string, Subnet>();
    const dhcpEnabledIds = new Set<string>();
    for (const s of subnets) {
      byId.set(s.id, s);
      if (s.ipVersion === 6) v6ById.set(s.id, s);
      if (s.enableDhcp) dhcpEnabledIds.add(s.id);
    }
    idx = { byId, v6ById, dhcpEnabledIds };
    subnetIndexCache.set(subnets, idx);
  }
  return idx;
}

/**
 * neutron `get_isolated_subnets`: a subnet is not isolated when a router interface port holds
 * its gateway address (compared as text, as neutron does).
 */
export function isolatedSubnets(network: Network): (subnetId: string) => boolean {
  const byId = subnetIndex(network.subnets).byId;
  const notIsolated = new Set<string>();
  for (const port of network.ports) {
    if (!ROUTER_INTERFACE_OWNERS.includes(port.deviceOwner)) continue;
    for (const alloc of port.fixedIps) {
      const subnet = byId.get(alloc.subnetId);
      if (subnet && subnet.gatewayIp === alloc.ipAddress) notIsolated.add(alloc.subnetId);
    }
  }
  return (subnetId) => !notIsolated.has(subnetId);
}

/**
 * neutron `_make_subnet_interface_ip_map`: subnet id → address of the DHCP interface in it.
 * neutron lists the device's addresses; here they are the fixed IPs of this agent's DHCP port
 * (which is what neutron configures on the device). Later addresses overwrite earlier ones, as
 * in neutron's loop over the kernel's list (IPv4 lists addresses in the order they were added).
 */
export function subnetInterfaceIpMap(ctx: RenderContext): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  if (ctx.selfDhcpPortId === undefined) return map;
  const self = ctx.network.ports.find((p) => p.id === ctx.selfDhcpPortId);
  if (!self) return map;
  const byId = subnetIndex(ctx.network.subnets).byId;
  for (const fip of self.fixedIps) {
    if (byId.has(fip.subnetId)) map.set(fip.subnetId, fip.ipAddress);
  }
  return map;
}

/** One address of a port as neutron's `_iter_hosts` yields it. */
export interface HostEntry {
  readonly subnetId: string;
  /** One address, or with addr6 lists `[a],[b]` (already bracketed). */
  readonly ipAddress: string;
  readonly hostname: string;
  readonly fqdn: string;
  /** SLAAC or DHCPv6-stateless: no address handed out by dnsmasq. */
  readonly noDhcp: boolean;
  /** SLAAC: no options either. */
  readonly noOpts: boolean;
  /** `tag:dhcpv6,` for IPv6 entries when dnsmasq supports host tags, else ''. */
  readonly tag: string;
}

/** neutron `_sort_fixed_ips_for_dnsmasq`: stateless-IPv6 addresses first, order kept otherwise. */
function sortFixedIps(fixedIps: readonly FixedIp[], v6ById: ReadonlyMap<string, Subnet>): FixedIp[] {
  const isStateless = (f: FixedIp): number => (v6ById.get(f.subnetId)?.ipv6AddressMode === 'dhcpv6-stateless' ? 1 : 0);
  // Array.prototype.sort is stable, like Python's sorted(reverse=True).
  return [...fixedIps].sort((a, b) => isStateless(b) - isStateless(a));
}

/** neutron `_merge_alloc_addr6_list`: stateful IPv6 addresses grouped per subnet, appended last. */
function mergeAddr6Lists(fixedIps: readonly FixedIp[], v6ById: ReadonlyMap<string, Subnet>): FixedIp[] {
  const bySubnet = new Map<string, string[]>();
  const merged: FixedIp[] = [];
  for (const fip of fixedIps) {
    if (v6ById.get(fip.subnetId)?.ipv6AddressMode === 'dhcpv6-stateful') {
      const list = bySubnet.get(fip.subnetId) ?? [];
      list.push(fip.ipAddress);
      bySubnet.set(fip.subnetId, list);
    } else {
      merged.push(fip);
    }
  }
  for (const [subnetId, ips] of bySubnet) {
    merged.push({ subnetId, ipAddress: ips.map(formatAddressForDnsmasq).join(',') });
  }
  return merged;
}

/**
 * neutron `_get_dns_assignment`: the port's `dns_assignment` names for the (first) address,
 * else `host-<ip>` with the agent's `dns_domain` appended verbatim (a trailing dot is kept,
 * unlike `naming.fqdn`).
 */
function dnsNames(ipAddress: string, port: Port, dnsDomain: string): { hostname: string; fqdn: string } {
  // Mirrors neutron's parsing of `[a],[b]` lists, quirks included: only the first item can match.
  const candidates = ipAddress.replace(/\[/g, '').split(']');
  const assignments = port.dnsAssignment;
  if (assignments && assignments.length > 0) {
    const byIp = new Map(assignments.map((d) => [d.ipAddress, d] as const));
    for (const candidate of candidates) {
      const d = byIp.get(candidate);
      if (d) return { hostname: d.hostname, fqdn: d.fqdn };
    }
  }
  const hostname = defaultHostname(candidates[0]);
  return { hostname, fqdn: dnsDomain ? `${hostname}.${dnsDomain}` : hostname };
}

/**
 * neutron `_iter_hosts` for one port: [] for ports that need no DHCP configuration.
 * `mergeAddr6List` is true only for the host file, as in neutron, and takes effect with the
 * agent option `dnsmasqEnableAddr6List`.
 */
export function hostEntries(port: Port, ctx: RenderContext, mergeAddr6List: boolean): HostEntry[] {
  if (!portRequiresDhcpConfiguration(port)) return [];
  const { v6ById } = subnetIndex(ctx.network.subnets);
  let fixedIps = sortFixedIps(port.fixedIps, v6ById);
  if (mergeAddr6List && ctx.options.dnsmasqEnableAddr6List) fixedIps = mergeAddr6Lists(fixedIps, v6ById);
  const hostTag = ctx.dnsmasqHostTagSupport !== false ? HOST_DHCPV6_TAG : '';
  return fixedIps.map((alloc) => {
    const v6 = v6ById.get(alloc.subnetId);
    const mode = v6?.ipv6AddressMode ?? null;
    const { hostname, fqdn } = dnsNames(alloc.ipAddress, port, ctx.options.dnsDomain);
    return {
      subnetId: alloc.subnetId,
      ipAddress: alloc.ipAddress,
      hostname,
      fqdn,
      noDhcp: v6 !== undefined && (mode === 'slaac' || mode === 'dhcpv6-stateless'),
      noOpts: v6 !== undefined && mode === 'slaac',
      tag: v6 !== undefined ? hostTag : '',
    };
  });
}
