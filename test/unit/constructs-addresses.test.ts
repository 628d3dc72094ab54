import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Testing } from 'cdktf';
import { DhcpNetwork, DhcpPort, type DhcpSubnetProps } from '../../constructs';
import { allocateDhcpAddresses } from '../../constructs/dhcp-addresses';
import { ValidationError } from '../../src/model/errors';
import type { Subnet } from '../../src/model/types';
import { newNode, newStack, resourcesOf, synth } from './constructs-support';

function subnet(cidr: string, more: Partial<Subnet> = {}): Subnet {
  return {
    id: `sub-${cidr.replace(/[^0-9a-f]/g, '')}`,
    cidr,
    ipVersion: cidr.includes(':') ? 6 : 4,
    gatewayIp: null,
    enableDhcp: true,
    dnsNameservers: [],
    hostRoutes: [],
    allocationPools: [],
    ipv6AddressMode: null,
    ipv6RaMode: null,
    ...more,
  };
}

describe('allocateDhcpAddresses', () => {
  it('takes the first host addresses, skipping the gateway and every taken address', () => {
    const s = subnet('10.0.0.0/24', { gatewayIp: '10.0.0.2' });
    assert.deepEqual(allocateDhcpAddresses([s], 3, [], ['10.0.0.1', '10.0.0.4']), [['10.0.0.3'], ['10.0.0.5'], ['10.0.0.6']]);
  });

  it('uses the allocation pools in the order given, moving to the next when one is full', () => {
    const s = subnet('10.0.0.0/24', {
      gatewayIp: '10.0.0.1',
      allocationPools: [
        { start: '10.0.0.200', end: '10.0.0.201' },
        { start: '10.0.0.50', end: '10.0.0.60' },
      ],
    });
    assert.deepEqual(allocateDhcpAddresses([s], 3, [], ['10.0.0.200']), [['10.0.0.201'], ['10.0.0.50'], ['10.0.0.51']]);
  });

  it('one address per DHCP-enabled subnet, in subnet order; subnets without DHCP get none', () => {
    const subnets = [subnet('10.0.0.0/24'), subnet('10.9.0.0/24', { enableDhcp: false }), subnet('fd00:1::/64', { gatewayIp: 'fd00:1::1' })];
    assert.deepEqual(allocateDhcpAddresses(subnets, 2, [], []), [
      ['10.0.0.1', 'fd00:1::2'],
      ['10.0.0.2', 'fd00:1::3'],
    ]);
  });

  it('uses given addresses on the subnet that holds them and allocates the rest around them', () => {
    const subnets = [subnet('10.0.0.0/24'), subnet('fd00:1::/64')];
    const fixed = [['fd00:1::1'], undefined, ['10.0.0.1', 'fd00:1::0:2']];
    assert.deepEqual(allocateDhcpAddresses(subnets, 3, fixed, []), [
      ['10.0.0.2', 'fd00:1::1'],
      ['10.0.0.3', 'fd00:1::3'],
      ['10.0.0.1', 'fd00:1::2'],
    ]);
  });

  it('compares addresses in canonical form', () => {
    const s = subnet('fd00:1::/64');
    assert.deepEqual(allocateDhcpAddresses([s], 1, [], ['FD00:1:0:0::1']), [['fd00:1::2']]);
  });

  it('never gives out the IPv4 network or broadcast address', () => {
    const s = subnet('10.0.0.0/30');
    assert.deepEqual(allocateDhcpAddresses([s], 2, [], []), [['10.0.0.1'], ['10.0.0.2']]);
    assert.throws(() => allocateDhcpAddresses([s], 3, [], []), ValidationError);
  });

  it('says which subnet has no address left, for which agent', () => {
    const pools = subnet('10.0.0.0/24', { allocationPools: [{ start: '10.0.0.10', end: '10.0.0.11' }] });
    assert.throws(() => allocateDhcpAddresses([subnet('10.1.0.0/24'), pools], 2, [], ['10.0.0.10']), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.deepEqual(err.issues.map((i) => [i.path, i.value]), [['subnets[1].allocationPools', [{ start: '10.0.0.10', end: '10.0.0.11' }]]]);
      assert.match(err.issues[0].allowed, /^allocation pools with a free address for the DHCP port of each of the 2 agent\(s\); none is left for agents\[1\]/);
      return true;
    });
  });
});

describe('DhcpNetwork: DHCP addresses at synth time', () => {
  function build(subnets: DhcpSubnetProps[], agents: number, ports: string[][], dhcpPorts?: { ipAddresses?: string[] }[]) {
    const stack = newStack();
    const nodes = Array.from({ length: agents }, (_, i) => newNode(stack, `n${i + 1}`, { host: `192.0.2.${i + 1}` }));
    const net = new DhcpNetwork(stack, 'net', { agents: nodes, bridge: 'br0', subnets, dhcpPorts });
    ports.forEach((ips, i) =>
      new DhcpPort(stack, `vm${i}`, { network: net, macAddress: `fa:16:3e:00:00:${(i + 16).toString(16)}`, fixedIps: ips.map((ipAddress) => ({ ipAddress })) }),
    );
    return { stack, net };
  }

  it('avoid the gateway and the address of every port of the network, whenever the port is declared', () => {
    const { stack, net } = build([{ cidr: '10.0.0.0/24', gatewayIp: '10.0.0.2' }], 2, [['10.0.0.1'], ['10.0.0.3']]);
    const { json } = synth(stack);
    assert.deepEqual(resourcesOf(json, 'dhcpagent_network').map((r) => r.dhcp_ip_addresses), [['10.0.0.4'], ['10.0.0.5']]);
    assert.deepEqual(net.dhcpAddresses(), [['10.0.0.4'], ['10.0.0.5']]);
  });

  it('use the allocation pools in order', () => {
    const { stack } = build(
      [{ cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1', allocationPools: [{ start: '10.0.0.100', end: '10.0.0.100' }, { start: '10.0.0.20', end: '10.0.0.30' }] }],
      3,
      [['10.0.0.20']],
    );
    assert.deepEqual(resourcesOf(synth(stack).json, 'dhcpagent_network').map((r) => r.dhcp_ip_addresses), [['10.0.0.100'], ['10.0.0.21'], ['10.0.0.22']]);
  });

  it('explicit dhcpPorts addresses are kept; the other agents get different ones; peers list each other', () => {
    const { stack } = build(
      [{ cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' }, { cidr: 'fd00:1::/64', gatewayIp: 'fd00:1::1' }],
      3,
      [['10.0.0.3']],
      [{}, { ipAddresses: ['10.0.0.2', 'fd00:1::9'] }],
    );
    const rs = resourcesOf(synth(stack).json, 'dhcpagent_network');
    assert.deepEqual(rs.map((r) => r.dhcp_ip_addresses), [
      ['10.0.0.4', 'fd00:1::2'],
      ['10.0.0.2', 'fd00:1::9'],
      ['10.0.0.5', 'fd00:1::3'],
    ]);
    rs.forEach((r, i) => {
      assert.deepEqual(
        (r.peer_dhcp_ports as { id: string; mac_address: string; ip_addresses: string[] }[]).map((p) => p.ip_addresses),
        rs.filter((_, j) => j !== i).map((o) => o.dhcp_ip_addresses),
      );
      assert.deepEqual(
        (r.peer_dhcp_ports as { id: string }[]).map((p) => p.id),
        rs.filter((_, j) => j !== i).map((o) => o.dhcp_port_id),
      );
    });
  });

  it('a full pool fails synthesis with a message naming the network and the pools', () => {
    const { stack } = build([{ cidr: '10.0.0.0/24', allocationPools: [{ start: '10.0.0.10', end: '10.0.0.11' }] }], 2, [['10.0.0.11']]);
    assert.throws(
      () => Testing.synth(stack),
      (err: Error) => {
        assert.match(
          err.message,
          /dhcp network 'net' \(stack\/net\): subnets\[0\]\.allocationPools: got \[\{"start":"10\.0\.0\.10","end":"10\.0\.0\.11"\}\]; allocation pools with a free address for the DHCP port of each of the 2 agent\(s\); none is left for agents\[1\] \(the gateway, the addresses of the network's ports and of the other agents' DHCP ports are taken\)/,
        );
        return true;
      },
    );
  });

  it('a full subnet without pools names its cidr', () => {
    const { stack, net } = build([{ cidr: '10.0.0.0/30', gatewayIp: '10.0.0.1' }], 1, [['10.0.0.2']]);
    assert.throws(() => net.dhcpAddresses(), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.match(err.message, /^dhcp network 'net' \(stack\/net\): subnets\[0\]\.cidr: got "10\.0\.0\.0\/30"; a subnet with a free address for the DHCP port of each of the 1 agent\(s\); none is left for agents\[0\]/);
      return true;
    });
    assert.throws(() => Testing.synth(stack), /subnets\[0\]\.cidr: got "10\.0\.0\.0\/30"/);
  });
});
