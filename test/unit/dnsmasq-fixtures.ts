/**
 * Networks for the dnsmasq renderer tests. Ids, addresses and MACs follow the fakes of neutron's
 * `neutron/tests/unit/agent/linux/test_dhcp.py`, so expected outputs can be compared with
 * neutron's own expectations.
 */
import { DEFAULT_AGENT_OPTIONS } from '../../src/model/types';
import type { AgentOptions, ExtraDhcpOpt, FixedIp, Network, Port, Subnet } from '../../src/model/types';
import type { RenderContext } from '../../src/dnsmasq/index';

export const D = 'dddddddd-dddd-dddd-dddd-dddddddddddd';
export const C = 'cccccccc-cccc-cccc-cccc-cccccccccccc';
export const E = 'eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee';
export const F = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

export function subnet(over: Partial<Subnet> & Pick<Subnet, 'id' | 'cidr'>): Subnet {
  return {
    ipVersion: over.cidr.includes(':') ? 6 : 4,
    gatewayIp: null,
    enableDhcp: true,
    dnsNameservers: [],
    hostRoutes: [],
    allocationPools: [],
    ipv6AddressMode: null,
    ipv6RaMode: null,
    ...over,
  };
}

/** neutron FakeV4Subnet. */
export const v4Subnet = subnet({
  id: D,
  cidr: '192.168.0.0/24',
  gatewayIp: '192.168.0.1',
  hostRoutes: [{ destination: '20.0.0.1/24', nexthop: '20.0.0.1' }],
  dnsNameservers: ['8.8.8.8'],
});
/** neutron FakeV4Subnet2. */
export const v4Subnet2 = subnet({ ...v4Subnet, id: C, cidr: '192.168.1.0/24', gatewayIp: '192.168.1.1', hostRoutes: [] });
/** neutron FakeV4SubnetNoDHCP. */
export const v4SubnetNoDhcp = subnet({ id: E, cidr: '192.168.1.0/24', gatewayIp: '192.168.1.1', enableDhcp: false });
/** neutron FakeV6SubnetDHCPStateful. */
export const v6Stateful = subnet({
  id: F,
  cidr: 'fdca:3ba5:a17a:4ba3::/64',
  gatewayIp: 'fdca:3ba5:a17a:4ba3::1',
  hostRoutes: [{ destination: '2001:0200:feed:7ac0::/64', nexthop: '2001:0200:feed:7ac0::1' }],
  dnsNameservers: ['2001:0200:feed:7ac0::1'],
  ipv6AddressMode: 'dhcpv6-stateful',
});
/** neutron FakeV6Subnet (no IPv6 modes). */
export const v6NoMode = subnet({ ...v6Stateful, ipv6AddressMode: null });
/** neutron FakeV6SubnetSlaac. */
export const v6Slaac = subnet({ id: E, cidr: 'ffda:3ba5:a17a:4ba3::/64', gatewayIp: 'ffda:3ba5:a17a:4ba3::1', ipv6AddressMode: 'slaac' });
/** neutron FakeV6SubnetStateless. */
export const v6Stateless = subnet({ id: E, cidr: 'ffea:3ba5:a17a:4ba3::/64', gatewayIp: 'ffea:3ba5:a17a:4ba3::1', ipv6AddressMode: 'dhcpv6-stateless' });

const fip = (ipAddress: string, subnetId: string): FixedIp => ({ ipAddress, subnetId });
const dns = (ip: string, domain = 'openstacklocal') => {
  const hostname = `host-${ip.replace(/[.:]/g, '-')}`;
  return { hostname, ipAddress: ip, fqdn: domain ? `${hostname}.${domain}.` : hostname };
};

export function port(over: Partial<Port> & Pick<Port, 'id' | 'macAddress' | 'fixedIps'>): Port {
  return { deviceOwner: 'compute:nova', extraDhcpOpts: [], ...over };
}

export const opt = (optName: string, optValue: string, ipVersion: 4 | 6 = 4): ExtraDhcpOpt => ({ optName, optValue, ipVersion });

/** neutron FakePort1 (domain for its dns_assignment). */
export const port1 = (domain = 'openstacklocal', extraDhcpOpts: ExtraDhcpOpt[] = []): Port =>
  port({ id: 'eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee', macAddress: '00:00:80:aa:bb:cc', deviceOwner: 'foo1', fixedIps: [fip('192.168.0.2', D)], dnsAssignment: [dns('192.168.0.2', domain)], extraDhcpOpts });
/** neutron FakePort2. */
export const port2 = (extraDhcpOpts: ExtraDhcpOpt[] = []): Port =>
  port({ id: 'ffffffff-ffff-ffff-ffff-ffffffffffff', macAddress: '00:00:f3:aa:bb:cc', deviceOwner: 'foo2', fixedIps: [fip('192.168.0.3', D)], dnsAssignment: [dns('192.168.0.3')], extraDhcpOpts });
/** neutron FakePort3 (second address on FakeV4SubnetNoDHCP). */
export const port3 = (): Port =>
  port({ id: '44444444-4444-4444-4444-444444444444', macAddress: '00:00:0f:aa:bb:cc', deviceOwner: 'foo3', fixedIps: [fip('192.168.0.4', D), fip('192.168.1.2', E)], dnsAssignment: [dns('192.168.0.4'), dns('192.168.1.2')] });
/** neutron FakePort4 (IPv4 + SLAAC address, upper-case MAC). */
export const port4 = (extraDhcpOpts: ExtraDhcpOpt[] = []): Port =>
  port({ id: 'gggggggg-gggg-gggg-gggg-gggggggggggg', macAddress: '00:16:3E:C2:77:1D', deviceOwner: 'foo3', fixedIps: [fip('192.168.0.4', D), fip('ffda:3ba5:a17a:4ba3:0216:3eff:fec2:771d', E)], dnsAssignment: [dns('192.168.0.4'), dns('ffda:3ba5:a17a:4ba3:0216:3eff:fec2:771d')], extraDhcpOpts });
/** neutron FakeV6Port. */
export const v6Port = (domain = 'openstacklocal', extraDhcpOpts: ExtraDhcpOpt[] = []): Port =>
  port({ id: 'hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh', macAddress: '00:00:f3:aa:bb:cc', deviceOwner: 'foo3', fixedIps: [fip('fdca:3ba5:a17a:4ba3::2', F)], dnsAssignment: [dns('fdca:3ba5:a17a:4ba3::2', domain)], extraDhcpOpts });
/** neutron FakeDualPort. */
export const dualPort = (domain = 'openstacklocal'): Port =>
  port({ id: 'hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh', macAddress: '00:00:0f:aa:bb:cc', deviceOwner: 'foo3', fixedIps: [fip('192.168.0.3', D), fip('fdca:3ba5:a17a:4ba3::3', F)], dnsAssignment: [dns('192.168.0.3', domain), dns('fdca:3ba5:a17a:4ba3::3', domain)] });
/** neutron FakeRouterPort (holds the gateway of FakeV4Subnet: the subnet is not isolated). */
export const routerPort = (domain = 'openstacklocal', extraDhcpOpts: ExtraDhcpOpt[] = []): Port =>
  port({ id: 'rrrrrrrr-rrrr-rrrr-rrrr-rrrrrrrrrrrr', macAddress: '00:00:0f:rr:rr:rr', deviceOwner: 'network:router_interface', fixedIps: [fip('192.168.0.1', D)], dnsAssignment: [dns('192.168.0.1', domain)], extraDhcpOpts });
/** neutron FakeRouterPort2. */
export const routerPort2 = (): Port =>
  port({ id: 'rrrrrrrr-rrrr-rrrr-rrrr-rrrrrrrrrrrr', macAddress: '00:00:0f:rr:rr:r2', deviceOwner: 'network:router_interface', fixedIps: [fip('192.168.1.1', C)], dnsAssignment: [dns('192.168.1.1')] });
/** neutron FakeRouterHAPort: never configured in dnsmasq. */
export const routerHaPort = (): Port =>
  port({ id: 'hahahaha-haha-haha-haha-hahahahahaha', macAddress: '00:00:0f:aa:aa:aa', deviceOwner: 'network:router_ha_interface', fixedIps: [fip('169.254.169.20', D)] });
/** neutron FakePortMultipleAgents1/2: DHCP ports of two agents. */
export const dhcpPortA = (): Port =>
  port({ id: 'rrrrrrrr-rrrr-rrrr-rrrr-rrrrrrrrrrrr', macAddress: '00:00:0f:dd:dd:dd', deviceOwner: 'network:dhcp', fixedIps: [fip('192.168.0.5', D)], dnsAssignment: [dns('192.168.0.5')] });
export const dhcpPortB = (): Port =>
  port({ id: 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', macAddress: '00:00:0f:ee:ee:ee', deviceOwner: 'network:dhcp', fixedIps: [fip('192.168.0.6', D)], dnsAssignment: [dns('192.168.0.6')] });

/** neutron FakeDualNetwork. */
export const dualNetwork = (domain = 'openstacklocal'): Network => ({
  id: C,
  subnets: [v4Subnet, v6Stateful],
  ports: [port1(domain), v6Port(domain), dualPort(domain), routerHaPort(), routerPort(domain)],
});

export function ctx(network: Network, options: Partial<AgentOptions> = {}, extra: Partial<RenderContext> = {}): RenderContext {
  return { network, options: { ...DEFAULT_AGENT_OPTIONS, ...options }, ...extra };
}

/** Joins expected file lines the way the files are written. */
export const lines = (...ls: string[]): string => ls.map((l) => `${l}\n`).join('');
