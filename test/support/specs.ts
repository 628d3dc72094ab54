/** Specs for tests: a small IPv4 network served on a lab node, and ports on it. */
import type { NetworkSpec, PortSpec } from '../../src/agent';
import { withDefaults } from '../../src/model/agent-options';
import { dhcpPortId, dhcpPortMac } from '../../src/model/naming';
import { DEVICE_OWNER_DHCP, type AgentOptions, type Port } from '../../src/model/types';

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
