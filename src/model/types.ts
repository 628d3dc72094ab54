/**
 * The network model as neutron's DHCP agent sees it (`neutron/agent/linux/dhcp.py`),
 * in camelCase. Converters from neutron API JSON live in `neutron-json.ts`.
 */

export type IpVersion = 4 | 6;

/** `ipv6_address_mode` / `ipv6_ra_mode` values. */
export type Ipv6Mode = 'slaac' | 'dhcpv6-stateful' | 'dhcpv6-stateless';

export const IPV6_MODES: readonly Ipv6Mode[] = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'];

/**
 * neutron's `DEVICE_OWNER_DHCP`: ports with this owner are DHCP servers, not clients — an
 * agent's own port on the network, what neutron calls the "DHCP port" (the constructs'
 * `DhcpServerPort`, not their `DhcpPort`, which is a client reservation).
 */
export const DEVICE_OWNER_DHCP = 'network:dhcp';

/**
 * neutron's `METADATA_CIDR`: the metadata address the agent puts on the DHCP device and routes
 * clients to (isolated or forced metadata). Shared by the dnsmasq renderers and the node script.
 */
export const METADATA_CIDR = '169.254.169.254/32';

/**
 * The IPv6 metadata address (neutron's `METADATA_V6_CIDR`), link-local: put on the DHCP device
 * when a metadata proxy serves a network with an IPv6 subnet that one agent alone serves (a
 * second agent would put the same address on the same link).
 */
export const METADATA_V6_CIDR = 'fe80::a9fe:a9fe/64';

/**
 * Metadata for the network's instances at 169.254.169.254 (neutron's isolated metadata):
 * the agent runs a proxy (haproxy, as neutron does) in the namespace that forwards to a
 * metadata service, adding `X-Forwarded-For` and `X-Neutron-Network-ID`. Exactly one backend.
 */
export interface NetworkMetadata {
  /**
   * The metadata service as `http://<host>:<port>`, reached from inside the network's namespace
   * (so on the network itself, or through its gateway). @default undefined
   */
  readonly backendUrl?: string;
  /**
   * A unix socket on the node (neutron's `metadata_proxy_socket`, where its metadata agent
   * listens): reached through the file system, from any namespace. @default undefined
   */
  readonly backendSocket?: string;
  /**
   * `true`: no backend; the agent's own server (nginx) in the namespace answers each client with
   * its port's `metadata` (PortSpec.metadata), in the EC2 and OpenStack layouts cloud-init reads.
   * Excludes `backendUrl` and `backendSocket`: one service listens on 169.254.169.254. @default undefined
   */
  readonly builtin?: boolean;
}

/**
 * `Array.isArray` for a list that unchecked input may have left something else: it keeps the
 * element type, where `Array.isArray` narrows a readonly array to `any[]`.
 */
export function isList<T>(value: readonly T[] | null | undefined): value is readonly T[] {
  return Array.isArray(value);
}

export interface HostRoute {
  readonly destination: string;
  readonly nexthop: string;
}

export interface AllocationPool {
  readonly start: string;
  readonly end: string;
}

export interface Subnet {
  readonly id: string;
  readonly name?: string;
  /** Network in CIDR form, e.g. `10.0.0.0/24` or `fd00::/64`. */
  readonly cidr: string;
  readonly ipVersion: IpVersion;
  /** `null` for a subnet without gateway. */
  readonly gatewayIp: string | null;
  readonly enableDhcp: boolean;
  readonly dnsNameservers: readonly string[];
  readonly hostRoutes: readonly HostRoute[];
  readonly allocationPools: readonly AllocationPool[];
  readonly ipv6AddressMode: Ipv6Mode | null;
  readonly ipv6RaMode: Ipv6Mode | null;
}

export interface FixedIp {
  readonly subnetId: string;
  readonly ipAddress: string;
}

export interface ExtraDhcpOpt {
  /** dnsmasq option name (`tftp-server`), number (`66`) or with tags (`tag:ipxe,bootfile-name`). */
  readonly optName: string;
  readonly optValue: string;
  readonly ipVersion: IpVersion;
}

export interface DnsAssignment {
  readonly hostname: string;
  readonly ipAddress: string;
  readonly fqdn: string;
}

export interface Port {
  readonly id: string;
  readonly macAddress: string;
  readonly fixedIps: readonly FixedIp[];
  /** e.g. `compute:nova`, `network:dhcp` (DEVICE_OWNER_DHCP); empty when unknown. */
  readonly deviceOwner: string;
  readonly extraDhcpOpts: readonly ExtraDhcpOpt[];
  /** neutron's `dns_assignment`: one entry per fixed IP when the port has a DNS name. */
  readonly dnsAssignment?: readonly DnsAssignment[];
}

/**
 * What the built-in metadata service serves a port's client at 169.254.169.254 (EC2 and
 * OpenStack layouts). Not neutron data: neutron's metadata comes from nova. `userData` may hold
 * secrets: it reaches no message, log or plan output.
 */
export interface PortMetadata {
  /** Default: the port's id. */
  readonly instanceId?: string;
  /** Default: the port's DHCP host name, else neutron's `host-<ip with dashes>`. */
  readonly hostname?: string;
  readonly userData?: string;
  /** OpenSSH public keys, one line each. */
  readonly publicKeys?: readonly string[];
  /** OpenStack `network_data.json`, as JSON text. */
  readonly networkConfig?: string;
}

export interface Network {
  readonly id: string;
  readonly name?: string;
  /** 0 or undefined: unknown, not advertised. */
  readonly mtu?: number;
  /** The network's own `dns_domain`; the agent option `dnsDomain` is what dnsmasq uses. */
  readonly dnsDomain?: string;
  readonly subnets: readonly Subnet[];
  /** Every port of the network, DHCP ports (`deviceOwner: network:dhcp`) included. */
  readonly ports: readonly Port[];
  /**
   * Not neutron's: dnsmasq also sends router advertisements for the network's IPv6 subnets
   * (`--enable-ra`), for networks without a router that would send them. @default false
   */
  readonly ipv6RouterAdvertisements?: boolean;
}

/**
 * Agent options, named after neutron's `dhcp_agent.ini` options (camelCase here,
 * snake_case in JSON). Defaults are neutron's, except `statePath`.
 */
export interface AgentOptions {
  /** `dns_domain` — @default 'openstacklocal' */
  readonly dnsDomain: string;
  /** `dhcp_lease_duration` in seconds; -1 = infinite — @default 86400 */
  readonly dhcpLeaseDuration: number;
  /** `dnsmasq_lease_max` — @default 16777216 (2**24) */
  readonly dnsmasqLeaseMax: number;
  /** `dnsmasq_dns_servers`: upstream servers dnsmasq forwards to — @default [] */
  readonly dnsmasqDnsServers: readonly string[];
  /** `dnsmasq_local_resolv` — @default false */
  readonly dnsmasqLocalResolv: boolean;
  /** `enable_isolated_metadata` — @default false */
  readonly enableIsolatedMetadata: boolean;
  /** `force_metadata` — @default false */
  readonly forceMetadata: boolean;
  /** `dhcp_broadcast_reply` — @default false */
  readonly dhcpBroadcastReply: boolean;
  /** `dhcp_renewal_time` (T1) in seconds, 0 = not sent — @default 0 */
  readonly dhcpRenewalTime: number;
  /** `dhcp_rebinding_time` (T2) in seconds, 0 = not sent — @default 0 */
  readonly dhcpRebindingTime: number;
  /**
   * `dnsmasq_base_log_dir`: when set, dnsmasq logs DHCP and DNS to
   * `<dir>/<network-id>/dhcp_dns_log` (`--log-queries --log-dhcp --log-facility=…`); `''` = off — @default ''
   */
  readonly dnsmasqBaseLogDir: string;
  /**
   * `dnsmasq_enable_addr6_list`: a port's DHCPv6-stateful addresses in one subnet share one host
   * line, `[a],[b]`, so dnsmasq may hand out any of them — @default false
   */
  readonly dnsmasqEnableAddr6List: boolean;
  /** `state_path`: files live in `<statePath>/dhcp/<network-id>/` — @default '/var/lib/dhcp-agent' */
  readonly statePath: string;
  /** The interface dnsmasq serves (`ns-…` inside the namespace); @default derived from the DHCP port id */
  readonly interfaceName?: string;
}

export const DEFAULT_AGENT_OPTIONS: AgentOptions = {
  dnsDomain: 'openstacklocal',
  dhcpLeaseDuration: 86400,
  dnsmasqLeaseMax: 2 ** 24,
  dnsmasqDnsServers: [],
  dnsmasqLocalResolv: false,
  enableIsolatedMetadata: false,
  forceMetadata: false,
  dhcpBroadcastReply: false,
  dhcpRenewalTime: 0,
  dhcpRebindingTime: 0,
  dnsmasqBaseLogDir: '',
  dnsmasqEnableAddr6List: false,
  statePath: '/var/lib/dhcp-agent',
};
