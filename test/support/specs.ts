/** Specs for tests: a small IPv4 network served on a lab node, and ports on it. */
import type { NetworkSpec, PortSpec } from '../../src/agent';
import { withDefaults } from '../../src/model/agent-options';
import { dhcpPortId, dhcpPortMac } from '../../src/model/naming';
import { DEVICE_OWNER_DHCP, type AgentOptions, type Ipv6Mode, type Port } from '../../src/model/types';

export interface LabNodeLike {
  readonly name: string;
  readonly bridge: string;
  readonly statePath: string;
}

export interface TestNetworkOptions {
  readonly networkId: string;
  readonly cidr?: string;
  readonly gateway?: string | null;
  readonly dhcpIp?: string;
  readonly options?: Partial<AgentOptions>;
  readonly mtu?: number;
  readonly dnsNameservers?: string[];
}

export const SUBNET_ID = 'b0000000-0000-4000-8000-000000000001';
/** The IPv6 subnet of {@link dualStackSpec}. */
export const SUBNET6_ID = 'b0000000-0000-4000-8000-0000000000a6';

export function networkSpec(node: LabNodeLike, o: TestNetworkOptions): NetworkSpec {
  const cidr = o.cidr ?? '172.16.0.0/24';
  const prefix = cidr.split('.').slice(0, 3).join('.');
  const portId = dhcpPortId(node.name, o.networkId);
  return {
    network: {
      id: o.networkId,
      name: 'test',
      mtu: o.mtu ?? 1500,
      subnets: [
        {
          id: SUBNET_ID,
          cidr,
          ipVersion: 4,
          gatewayIp: o.gateway === undefined ? `${prefix}.1` : o.gateway,
          enableDhcp: true,
          dnsNameservers: o.dnsNameservers ?? [],
          hostRoutes: [],
          allocationPools: [{ start: `${prefix}.2`, end: `${prefix}.254` }],
          ipv6AddressMode: null,
          ipv6RaMode: null,
        },
      ],
      ports: [
        {
          id: portId,
          macAddress: dhcpPortMac(node.name, o.networkId),
          fixedIps: [{ subnetId: SUBNET_ID, ipAddress: o.dhcpIp ?? `${prefix}.2` }],
          deviceOwner: DEVICE_OWNER_DHCP,
          extraDhcpOpts: [],
        },
      ],
    },
    dhcpPortId: portId,
    attachment: { bridge: node.bridge },
    options: withDefaults({ statePath: node.statePath, ...o.options }),
  };
}

export interface DualStackOptions extends Omit<TestNetworkOptions, 'dhcpIp' | 'cidr'> {
  /** The IPv6 subnet's `ipv6AddressMode` (null: unset). */
  readonly mode: Ipv6Mode | null;
  /** The IPv6 subnet's `dnsNameservers` (none: dnsmasq announces itself). */
  readonly dnsServers?: string[];
  /** The DHCP port's IPv4 address, in 172.16.0.0/24. */
  readonly v4: string;
  /** The DHCP port's IPv6 address, written `<prefix>::<host>`; the subnet is `<prefix>::/64`, the gateway `<prefix>::1`. */
  readonly v6: string;
}

/** The IPv4 network of {@link networkSpec} plus an IPv6 subnet; the DHCP port has an address on each. */
export function dualStackSpec(node: LabNodeLike, o: DualStackOptions): NetworkSpec {
  const { mode, dnsServers, v4, v6, ...rest } = o;
  const base = networkSpec(node, { ...rest, dhcpIp: v4 });
  if (!v6.includes('::')) throw new RangeError(`dualStackSpec v6: got ${JSON.stringify(v6)}; an address written <prefix>::<host> is allowed`);
  const prefix = v6.slice(0, v6.lastIndexOf('::') + 2);
  const [self] = base.network.ports;
  return {
    ...base,
    network: {
      ...base.network,
      subnets: [
        ...base.network.subnets,
        {
          id: SUBNET6_ID,
          cidr: `${prefix}/64`,
          ipVersion: 6,
          gatewayIp: `${prefix}1`,
          enableDhcp: true,
          dnsNameservers: dnsServers ?? [],
          hostRoutes: [],
          allocationPools: [],
          ipv6AddressMode: mode,
          ipv6RaMode: null,
        },
      ],
      ports: [{ ...self, fixedIps: [...self.fixedIps, { subnetId: SUBNET6_ID, ipAddress: v6 }] }],
    },
  };
}

export function portSpec(net: NetworkSpec, port: Partial<Port> & { id: string; macAddress: string; ip: string; hostname?: string }): PortSpec {
  const { ip, hostname, ...rest } = port;
  const domain = net.options.dnsDomain;
  return {
    networkId: net.network.id,
    statePath: net.options.statePath,
    port: {
      deviceOwner: 'compute:nova',
      extraDhcpOpts: [],
      fixedIps: [{ subnetId: net.network.subnets[0].id, ipAddress: ip }],
      ...(hostname ? { dnsAssignment: [{ hostname, ipAddress: ip, fqdn: domain ? `${hostname}.${domain}.` : hostname }] } : {}),
      ...rest,
    },
  };
}
