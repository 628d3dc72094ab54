/**
 * What a user gives a `DhcpNetwork`: its props and the shapes inside them. Kept apart from
 * the class so that the files that only need the shapes (fromNeutron's conversion) do not import
 * the construct.
 */
import type { Ipv6Mode, NetworkMetadata } from '../src/model/types';
import type { DhcpAgentNode } from './dhcp-agent-node';

/**
 * The network's metadata service: a proxy forwarding to exactly one of `backendUrl` and
 * `backendSocket`, or `builtin: true` (each client gets its `DhcpPort`'s `metadata`).
 */
export type DhcpNetworkMetadata = NetworkMetadata;

/** A route clients get in addition to the default route (classless static routes). */
export interface DhcpHostRoute {
  /** Destination network, CIDR form. */
  readonly destination: string;
  /** Next hop address. */
  readonly nexthop: string;
}

/** A range addresses are allocated from. */
export interface DhcpAllocationPool {
  /** First address. */
  readonly start: string;
  /** Last address. */
  readonly end: string;
}

/** A subnet of a `DhcpNetwork`. */
export interface DhcpSubnetProps {
  /** The subnet, CIDR form with host bits zero: `172.16.0.0/24`, `fd00:1::/64`. */
  readonly cidr: string;
  /**
   * Subnet id (neutron's, when migrating).
   * @default - a UUID derived from the network id and the CIDR
   */
  readonly id?: string;
  /**
   * The router clients get.
   * @default - none (`option:router` without a value)
   */
  readonly gatewayIp?: string;
  /**
   * Serve DHCP on this subnet.
   * @default true
   */
  readonly enableDhcp?: boolean;
  /**
   * DNS servers for clients; `['0.0.0.0']` (IPv4) or `['::']` (IPv6) announces none.
   * @default - none, or every DHCP server of the network when there are several agents
   */
  readonly dnsNameservers?: string[];
  /**
   * Extra routes for clients (options 121 and 249).
   * @default - none
   */
  readonly hostRoutes?: DhcpHostRoute[];
  /**
   * Ranges the DHCP ports' addresses are taken from.
   * @default - the whole subnet
   */
  readonly allocationPools?: DhcpAllocationPool[];
  /**
   * IPv6 address mode.
   * @default - none (DHCPv6 stateful behaviour, as neutron without modes)
   */
  readonly ipv6AddressMode?: Ipv6Mode;
  /**
   * IPv6 router advertisement mode.
   * @default - none
   */
  readonly ipv6RaMode?: Ipv6Mode;
}

/**
 * The agent's own port on a network: what neutron calls the network's "DHCP port" (device owner
 * `network:dhcp`, `DEVICE_OWNER_DHCP`), whose `ns-…` device in `qdhcp-<id>` carries the DHCP
 * server's address. One per agent. Not a client: a client's reserved address is a
 * `DhcpPort`.
 */
export interface DhcpServerPort {
  /**
   * Port id; names the devices (`ns-`/`tap` + 11 characters).
   * @default - a UUID derived from the agent's host and the network id
   */
  readonly id?: string;
  /**
   * MAC of the `ns-…` device.
   * @default - `fa:16:3e:…` derived from the agent's host and the network id
   */
  readonly macAddress?: string;
  /**
   * The DHCP server's address on each DHCP-enabled subnet.
   * @default - allocated at synth time from the allocation pools, avoiding the gateway and every port address of the network
   */
  readonly ipAddresses?: string[];
}

/** Properties of a `DhcpNetwork`. */
export interface DhcpNetworkProps {
  /** The nodes that serve the network; more than one for high availability. */
  readonly agents: DhcpAgentNode[];
  /**
   * Network id (neutron's, when migrating); names the namespace `qdhcp-<id>`.
   * @default - a stable UUID derived from the construct path
   */
  readonly networkId?: string;
  /**
   * A name, for people.
   * @default - none
   */
  readonly name?: string;
  /**
   * An existing Linux bridge on every agent node to attach the network to. Exactly one of
   * `bridge` and `physicalInterface`.
   * @default - none
   */
  readonly bridge?: string;
  /**
   * An interface the agent enslaves to a bridge it creates, `brq<network-id[:11]>` (what
   * neutron's linuxbridge agent did; a longer id that is not a UUID gets a hash instead of the
   * cut). An interface with global addresses or another master is refused on the node (see
   * `takeOverPhysicalInterface`).
   * @default - none
   */
  readonly physicalInterface?: string;
  /**
   * Enslave `physicalInterface` (or its VLAN sub-interface) even when it has global addresses or
   * is another bridge's or bond's member: what it carries is cut off, perhaps the node's own SSH
   * address. Without it such an interface is refused, naming what was found.
   * @default false
   */
  readonly takeOverPhysicalInterface?: boolean;
  /**
   * With `physicalInterface`: enslave the VLAN sub-interface `<physicalInterface>.<vlanId>`.
   * @default - untagged
   */
  readonly vlanId?: number;
  /** The network's subnets; at least one with DHCP enabled. */
  readonly subnets: DhcpSubnetProps[];
  /**
   * Domain of the clients' names.
   * @default 'openstacklocal'
   */
  readonly dnsDomain?: string;
  /**
   * Lease time in seconds; -1 for infinite.
   * @default 86400
   */
  readonly leaseDurationSeconds?: number;
  /**
   * MTU advertised to clients and set on the DHCP devices.
   * @default - not advertised
   */
  readonly mtu?: number;
  /**
   * Upstream DNS servers dnsmasq forwards to.
   * @default - none
   */
  readonly dnsServers?: string[];
  /**
   * Route 169.254.169.254 to the DHCP server on isolated subnets.
   * @default false
   */
  readonly enableIsolatedMetadata?: boolean;
  /**
   * Always route 169.254.169.254 to the DHCP server.
   * @default false
   */
  readonly forceMetadata?: boolean;
  /**
   * Broadcast DHCP replies.
   * @default false
   */
  readonly broadcastReply?: boolean;
  /**
   * Cap of dnsmasq's lease count.
   * @default 16777216
   */
  readonly leaseMax?: number;
  /**
   * DHCP renewal time (T1) sent to clients.
   * @default - not sent
   */
  readonly renewalTimeSeconds?: number;
  /**
   * DHCP rebinding time (T2) sent to clients.
   * @default - not sent
   */
  readonly rebindingTimeSeconds?: number;
  /**
   * Let dnsmasq use the node's resolv.conf.
   * @default false
   */
  readonly localResolv?: boolean;
  /**
   * neutron's `dnsmasq_base_log_dir`: dnsmasq logs DHCP and DNS to
   * `<logDir>/<network id>/dhcp_dns_log` on each node; the process monitor rotates the file
   * past 10 MiB, keeping one old copy. An absolute path of letters, digits, `. _ - /`.
   * @default - no per-network log
   */
  readonly logDir?: string;
  /**
   * neutron's `dnsmasq_enable_addr6_list`: a port's `dhcpv6-stateful` addresses in one subnet
   * share one host line (`[a],[b]`), so dnsmasq hands out whichever is free.
   * @default false
   */
  readonly enableAddr6List?: boolean;
  /**
   * Not neutron's: dnsmasq also sends IPv6 router advertisements, for networks with no router
   * to send them (neutron leaves RAs to its L3 agent). `slaac` subnets are advertised for SLAAC
   * only (dnsmasq `ra-only`), `dhcpv6-stateless` ones for SLAAC plus DHCPv6 options
   * (`ra-stateless`), `dhcpv6-stateful` ones and those without a mode as DHCPv6-managed (M
   * flag). The router lifetime is 0: clients get the prefix and their addresses, no default
   * route through the DHCP server (which routes nothing). Changing it restarts dnsmasq.
   * @default false
   */
  readonly ipv6RouterAdvertisements?: boolean;
  /**
   * Metadata for the network's instances at 169.254.169.254 (neutron's isolated metadata
   * proxy): each agent runs haproxy in the network's namespace, forwarding to the metadata
   * service given here (`backendUrl`, reached from inside the namespace, or `backendSocket`, a
   * unix socket on the node) with `X-Forwarded-For` and `X-Neutron-Network-ID` added and
   * client-sent `X-Neutron-*` headers dropped. Needs `enableIsolatedMetadata` or `forceMetadata`.
   *
   * With `builtin: true` instead, no backend: each agent runs its own metadata server (nginx)
   * that answers each client with its `DhcpPort`'s `metadata`.
   *
   * @example { backendUrl: 'http://10.0.0.5:8775' }
   * @default - no metadata proxy
   */
  readonly metadata?: DhcpNetworkMetadata;
  /**
   * Ports inline, for big networks: each agent's `dhcpagent_network` holds the network's
   * `DhcpPort`s (its `ports` attribute) instead of one `dhcpagent_port` per port and agent, so
   * a plan reads and compares one resource per network per node. `DhcpPort` is used the same
   * way; `plan` still names a changed or drifted port by its id, a change to ports still
   * reloads dnsmasq and never restarts it, and the node holds byte for byte the same files.
   * The network then owns every client port of its directory on the node: a port on the node
   * that no `DhcpPort` declares is removed. Switching either way takes one deploy and keeps
   * every client's lease: turning it on, the ports' old `dhcpagent_port`s are forgotten
   * (Terraform `removed` blocks), not destroyed; turning it off, the new ones adopt what is on
   * the node.
   * @default false
   */
  readonly portsInline?: boolean;
  /**
   * The agents' own ports (neutron's DHCP ports, device owner `network:dhcp`; not client
   * `DhcpPort`s), in the order of `agents` (e.g. neutron's, when migrating).
   * @default - derived ids and MACs, addresses allocated at synth time
   */
  readonly dhcpPorts?: DhcpServerPort[];
}
