import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Fn, Testing, TerraformOutput, TerraformStack, TerraformVariable, Token } from 'cdktf';
import { DhcpNetwork, DhcpPort, type DhcpNetworkProps } from '../../constructs';
import { NetworkResource } from '../../constructs/l1';
import { dhcpPortId, dhcpPortMac, uuidV5 } from '../../src/model/naming';
import { specFromValue } from '../../src/provider/resources/network';
import { renderArgv, networkPaths } from '../../src/dnsmasq';
import { renderContext } from '../../src/agent/network-script';
import { assertRejects, literally, newNode, newStack, resourceNamed, resourcesOf, synth } from './constructs-support';

const WHERE = "dhcp network 'net' (stack/net)";
const NET_ID = '8165bc3d-400a-48a0-9186-bf59f7f94b05';
const SUB_ID = 'a71c48fd-feb9-48d0-9634-989e35f862f2';

function network(stack: TerraformStack, props: Partial<DhcpNetworkProps> = {}): DhcpNetwork {
  return new DhcpNetwork(stack, 'net', {
    agents: props.agents ?? [newNode(stack)],
    bridge: 'physicalInterface' in props ? undefined : 'br-lab',
    subnets: [{ cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' }],
    ...props,
  });
}

describe('DhcpNetwork: props → dhcpagent_network', () => {
  it('writes every network prop under its snake_case name', () => {
    const stack = newStack();
    const node = newNode(stack);
    new DhcpNetwork(stack, 'net', {
      agents: [node],
      networkId: NET_ID,
      name: 'tenant-a',
      physicalInterface: 'eth1',
      vlanId: 101,
      subnets: [{ cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' }],
      dnsDomain: 'example.org',
      leaseDurationSeconds: -1,
      mtu: 1450,
      dnsServers: ['192.0.2.53', '2001:db8::53'],
      enableIsolatedMetadata: true,
      forceMetadata: true,
      broadcastReply: true,
      leaseMax: 1000,
      renewalTimeSeconds: 300,
      rebindingTimeSeconds: 600,
      localResolv: true,
      logDir: '/var/log/dhcp-agent',
      enableAddr6List: true,
      ipv6RouterAdvertisements: true,
      dhcpPorts: [{ id: 'dhcp-port-1', macAddress: 'FA:16:3E:00:00:AA', ipAddresses: ['10.0.0.2'] }],
    });
    const { text, json } = synth(stack);
    const expected = {
      network_id: NET_ID,
      name: 'tenant-a',
      physical_interface: 'eth1',
      vlan_id: 101,
      dns_domain: 'example.org',
      lease_duration_seconds: -1,
      mtu: 1450,
      dns_servers: ['192.0.2.53', '2001:db8::53'],
      enable_isolated_metadata: true,
      force_metadata: true,
      broadcast_reply: true,
      lease_max: 1000,
      renewal_time_seconds: 300,
      rebinding_time_seconds: 600,
      local_resolv: true,
      log_dir: '/var/log/dhcp-agent',
      enable_addr6_list: true,
      ipv6_router_advertisements: true,
      dhcp_port_id: 'dhcp-port-1',
      dhcp_mac_address: 'FA:16:3E:00:00:AA',
      dhcp_ip_addresses: ['10.0.0.2'],
    };
    assert.ok(Testing.toHaveResourceWithProperties(text, 'dhcpagent_network', expected));
    const [r] = resourcesOf(json, 'dhcpagent_network');
    assert.deepEqual(
      Object.keys(r).sort(),
      [...Object.keys(expected), 'node', 'subnets', 'provider', 'depends_on'].sort(),
      'no attribute beyond the props (no bridge, no peer_dhcp_ports with one agent)',
    );
    assert.deepEqual(r.node, resourcesOf(json, 'dhcpagent_node')[0].node);
  });

  it('writes every subnet prop under its snake_case name', () => {
    const stack = newStack();
    network(stack, {
      subnets: [
        {
          cidr: '10.0.0.0/24',
          id: SUB_ID,
          gatewayIp: '10.0.0.1',
          enableDhcp: true,
          dnsNameservers: ['10.0.0.1', '10.0.0.2'],
          hostRoutes: [{ destination: '192.168.0.0/16', nexthop: '10.0.0.254' }],
          allocationPools: [{ start: '10.0.0.100', end: '10.0.0.199' }],
        },
        { cidr: 'fd00:1::/64', gatewayIp: 'fd00:1::1', ipv6AddressMode: 'dhcpv6-stateful', ipv6RaMode: 'dhcpv6-stateful' },
        { cidr: '10.9.0.0/24', enableDhcp: false },
      ],
    });
    const [r] = resourcesOf(synth(stack).json, 'dhcpagent_network');
    assert.deepEqual(r.subnets, [
      {
        id: SUB_ID,
        cidr: '10.0.0.0/24',
        ip_version: 4,
        gateway_ip: '10.0.0.1',
        enable_dhcp: true,
        dns_nameservers: ['10.0.0.1', '10.0.0.2'],
        host_routes: [{ destination: '192.168.0.0/16', nexthop: '10.0.0.254' }],
        allocation_pools: [{ start: '10.0.0.100', end: '10.0.0.199' }],
      },
      {
        id: uuidV5(`subnet/${(r as { network_id: string }).network_id}/fd00:1::/64`),
        cidr: 'fd00:1::/64',
        ip_version: 6,
        gateway_ip: 'fd00:1::1',
        enable_dhcp: true,
        ipv6_address_mode: 'dhcpv6-stateful',
        ipv6_ra_mode: 'dhcpv6-stateful',
      },
      { id: uuidV5(`subnet/${(r as { network_id: string }).network_id}/10.9.0.0/24`), cidr: '10.9.0.0/24', ip_version: 4, enable_dhcp: false },
    ]);
    // One DHCP address per DHCP-enabled subnet, in subnet order: the first of the pool, the first IPv6 host after the gateway.
    assert.deepEqual(r.dhcp_ip_addresses, ['10.0.0.100', 'fd00:1::2']);
  });

  it('bridge → bridge', () => {
    const stack = newStack();
    network(stack, { bridge: 'br-lab' });
    const [r] = resourcesOf(synth(stack).json, 'dhcpagent_network');
    assert.equal(r.bridge, 'br-lab');
    assert.equal(r.physical_interface, undefined);
  });

  it('defaults: derived network id, subnet ids, DHCP port id and MAC; no name, mtu or option attributes (the provider applies neutron defaults)', () => {
    const stack = newStack();
    const node = newNode(stack);
    const net = network(stack, { agents: [node] });
    const [r] = resourcesOf(synth(stack).json, 'dhcpagent_network');
    const networkId = uuidV5('network/stack/net');
    assert.equal(net.networkId, networkId);
    assert.equal(r.network_id, networkId);
    assert.equal(net.namespace, `qdhcp-${networkId}`);
    assert.deepEqual(r.subnets, [{ id: uuidV5(`subnet/${networkId}/10.0.0.0/24`), cidr: '10.0.0.0/24', ip_version: 4, gateway_ip: '10.0.0.1', enable_dhcp: true }]);
    assert.equal(r.dhcp_port_id, dhcpPortId('192.0.2.10', networkId));
    assert.equal(r.dhcp_mac_address, dhcpPortMac('192.0.2.10', networkId));
    assert.match(r.dhcp_mac_address, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
    // First host address that is not the gateway.
    assert.deepEqual(r.dhcp_ip_addresses, ['10.0.0.2']);
    for (const key of [
      'name',
      'mtu',
      'dns_domain',
      'lease_duration_seconds',
      'lease_max',
      'dns_servers',
      'local_resolv',
      'enable_isolated_metadata',
      'force_metadata',
      'broadcast_reply',
      'renewal_time_seconds',
      'rebinding_time_seconds',
      'log_dir',
      'enable_addr6_list',
      'ipv6_router_advertisements',
      'vlan_id',
      'peer_dhcp_ports',
    ]) {
      assert.equal(r[key], undefined, key);
    }
    // The documented defaults, as the agent options the network is served with.
    assert.deepEqual(net.options, {
      dnsDomain: 'openstacklocal',
      dhcpLeaseDuration: 86400,
      dnsmasqLeaseMax: 16777216,
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
    });
    assert.deepEqual(net.subnets[0], {
      id: uuidV5(`subnet/${networkId}/10.0.0.0/24`),
      cidr: '10.0.0.0/24',
      ipVersion: 4,
      gatewayIp: '10.0.0.1',
      enableDhcp: true,
      dnsNameservers: [],
      hostRoutes: [],
      allocationPools: [],
      ipv6AddressMode: null,
      ipv6RaMode: null,
    });
  });

  it('ipv6RouterAdvertisements reaches the handler spec and dnsmasq only when true (network.json unchanged otherwise)', () => {
    const argvOf = (ra?: boolean) => {
      const stack = newStack();
      network(stack, { subnets: [{ cidr: '10.0.0.0/24' }, { cidr: 'fd00:7::/64', ipv6AddressMode: 'slaac' }], ...(ra === undefined ? {} : { ipv6RouterAdvertisements: ra }) });
      const r = resourcesOf(synth(stack).json, 'dhcpagent_network')[0];
      const spec = specFromValue({ ...r, dhcp_ip_addresses: ['10.0.0.1', 'fd00:7::2'] });
      return { spec, argv: renderArgv(renderContext(spec), networkPaths(spec.options.statePath, spec.network.id), 'ns-x') };
    };
    const on = argvOf(true);
    assert.equal(on.spec.network.ipv6RouterAdvertisements, true);
    assert.deepEqual(on.argv.slice(-2), ['--enable-ra', '--ra-param=ns-x,0,0']);
    for (const off of [argvOf(false), argvOf()]) {
      assert.equal('ipv6RouterAdvertisements' in off.spec.network, false);
      assert.ok(!off.argv.includes('--enable-ra'));
    }
  });

  it('the options reflect the props', () => {
    const net = network(newStack(), { dnsDomain: 'lab', leaseDurationSeconds: 600, leaseMax: 10, dnsServers: ['192.0.2.1'], localResolv: true, enableIsolatedMetadata: true, forceMetadata: true, broadcastReply: true, renewalTimeSeconds: 1, rebindingTimeSeconds: 2, logDir: '/srv/log', enableAddr6List: true });
    assert.deepEqual(net.options, {
      dnsDomain: 'lab',
      dhcpLeaseDuration: 600,
      dnsmasqLeaseMax: 10,
      dnsmasqDnsServers: ['192.0.2.1'],
      dnsmasqLocalResolv: true,
      enableIsolatedMetadata: true,
      forceMetadata: true,
      dhcpBroadcastReply: true,
      dhcpRenewalTime: 1,
      dhcpRebindingTime: 2,
      dnsmasqBaseLogDir: '/srv/log',
      dnsmasqEnableAddr6List: true,
      statePath: '/var/lib/dhcp-agent',
    });
  });

  it('a subnet without gateway: no gateway_ip, the DHCP port takes the first host address', () => {
    const stack = newStack();
    network(stack, { subnets: [{ cidr: '10.0.0.0/24' }] });
    const [r] = resourcesOf(synth(stack).json, 'dhcpagent_network');
    assert.equal((r.subnets as Record<string, unknown>[])[0].gateway_ip, undefined);
    assert.deepEqual(r.dhcp_ip_addresses, ['10.0.0.1']);
  });

  it('the derived ids are stable across synths and differ between networks', () => {
    const ids = [0, 1].map(() => {
      const stack = newStack();
      network(stack);
      return resourcesOf(synth(stack).json, 'dhcpagent_network')[0].network_id;
    });
    assert.equal(ids[0], ids[1]);
    const stack = newStack();
    const node = newNode(stack);
    const a = new DhcpNetwork(stack, 'a', { agents: [node], bridge: 'br0', subnets: [{ cidr: '10.0.0.0/24' }] });
    const b = new DhcpNetwork(stack, 'b', { agents: [node], bridge: 'br0', subnets: [{ cidr: '10.0.0.0/24' }] });
    assert.notEqual(a.networkId, b.networkId);
  });
});

describe('DhcpNetwork: fan-out over agents', () => {
  it('one dhcpagent_network per agent, on that agent, after its dhcpagent_node; peers list the other agents', () => {
    const stack = newStack();
    const a = newNode(stack, 'a', { host: '192.0.2.1' });
    const b = newNode(stack, 'b', { host: '192.0.2.2', port: 2222 });
    const c = newNode(stack, 'c', { host: '192.0.2.3' });
    const net = network(stack, { agents: [a, b, c], networkId: NET_ID });
    const { json } = synth(stack);
    assert.equal(resourcesOf(json, 'dhcpagent_network').length, 3);
    const nodes = Object.keys(json.resource.dhcpagent_node);
    const byAgent = [a, b, c].map((agent) => resourceNamed(json, 'dhcpagent_network', `net_on-${agent.node.id}_`));
    byAgent.forEach((r, i) => {
      const agent = [a, b, c][i];
      const nodeKey = nodes.find((k) => k.startsWith(`${agent.node.id}_`));
      assert.deepEqual(r.depends_on, [`dhcpagent_node.${nodeKey}`]);
      assert.deepEqual(r.node, json.resource.dhcpagent_node[nodeKey!].node);
      assert.equal(r.network_id, NET_ID);
      assert.equal(r.dhcp_port_id, dhcpPortId(agent.host, NET_ID));
      assert.equal(r.dhcp_mac_address, dhcpPortMac(agent.host, NET_ID));
    });
    // Distinct addresses, avoiding the gateway, in agent order.
    assert.deepEqual(
      byAgent.map((r) => r.dhcp_ip_addresses),
      [['10.0.0.2'], ['10.0.0.3'], ['10.0.0.4']],
    );
    assert.deepEqual(net.dhcpAddresses(), [['10.0.0.2'], ['10.0.0.3'], ['10.0.0.4']]);
    byAgent.forEach((r, i) => {
      const others = byAgent.filter((_, j) => j !== i);
      assert.deepEqual(
        r.peer_dhcp_ports,
        others.map((o) => ({ id: o.dhcp_port_id, mac_address: o.dhcp_mac_address, ip_addresses: o.dhcp_ip_addresses })),
      );
    });
  });

  it('resources, resourceFor and agents', () => {
    const stack = newStack();
    const a = newNode(stack, 'a', { host: '192.0.2.1' });
    const b = newNode(stack, 'b', { host: '192.0.2.2' });
    const outsider = newNode(stack, 'x', { host: '192.0.2.9' });
    const net = network(stack, { agents: [a, b] });
    assert.deepEqual(net.agents, [a, b]);
    assert.equal(net.resources.length, 2);
    assert.ok(net.resources.every((r) => r instanceof NetworkResource));
    assert.equal(net.resourceFor(a), net.resources[0]);
    assert.equal(net.resourceFor(b), net.resources[1]);
    assert.equal(net.resourceFor(b).node.path, 'stack/net/on-b');
    assert.throws(() => net.resourceFor(outsider), { message: "dhcp network 'net' (stack/net): resourceFor: got agent stack/x; one of the network's agents (stack/a, stack/b)" });
  });

  it('escape hatch: an override on one resource lands in the synthesized JSON', () => {
    const stack = newStack();
    const net = network(stack);
    net.resources[0].addOverride('lifecycle.prevent_destroy', true);
    const [r] = resourcesOf(synth(stack).json, 'dhcpagent_network');
    assert.deepEqual(r.lifecycle, { prevent_destroy: true });
  });

  it('the computed attributes of resourceFor(agent) are references', () => {
    const stack = newStack();
    const node = newNode(stack);
    const net = network(stack, { agents: [node] });
    const r = net.resourceFor(node);
    for (const value of [r.namespace, r.interfaceName, r.tapName, r.bridgeName]) assert.ok(Token.isUnresolved(value));
    assert.ok(Token.isUnresolved(r.addresses));
    new TerraformOutput(stack, 'addresses', { value: r.addresses });
    new TerraformOutput(stack, 'namespace', { value: r.namespace });
    const { json } = synth(stack);
    const out = (json as unknown as { output: Record<string, { value: unknown }> }).output;
    assert.equal(out.addresses.value, `\${dhcpagent_network.${r.friendlyUniqueId}.addresses}`);
    assert.equal(out.namespace.value, `\${dhcpagent_network.${r.friendlyUniqueId}.namespace}`);
    // The L2 attribute is known at synth time.
    assert.equal(net.namespace, `qdhcp-${net.networkId}`);
  });
});

describe('DhcpNetwork: validation', () => {
  it('agents: none, or the same agent twice', () => {
    assertRejects(() => network(newStack(), { agents: [] }), { where: WHERE, path: 'agents', got: '0', allowed: 'at least one DhcpAgentNode to serve the network' });
    const stack = newStack();
    const n = newNode(stack);
    assertRejects(() => network(stack, { agents: [n, n] }), { where: WHERE, path: 'agents', got: '["stack/n1","stack/n1"]', allowed: 'each agent once' });
  });

  it('networkId', () => {
    const allowed = 'an id: a UUID (8-4-4-4-12 hex digits) or 1–36 characters of a–z, 0–9 and "-"';
    for (const id of ['Not An Id', '', 'a'.repeat(37)]) {
      assertRejects(() => network(newStack(), { networkId: id }), { where: WHERE, path: 'networkId', got: JSON.stringify(id), allowed });
    }
  });

  it('exactly one of bridge and physicalInterface', () => {
    const allowed = 'exactly one of bridge and physicalInterface';
    assertRejects(() => network(newStack(), { bridge: 'br0', physicalInterface: 'eth1' }), { where: WHERE, path: 'physicalInterface', got: '"eth1"', allowed });
    assertRejects(() => network(newStack(), { bridge: undefined }), { where: WHERE, path: 'bridge', got: 'undefined', allowed });
  });

  it('interface names', () => {
    const allowed = 'a Linux interface name: 1–15 letters, digits, "_", "." or "-", starting with a letter or digit';
    assertRejects(() => network(newStack(), { bridge: 'br lab' }), { where: WHERE, path: 'bridge', got: '"br lab"', allowed });
    assertRejects(() => network(newStack(), { bridge: '-br' }), { where: WHERE, path: 'bridge', got: '"-br"', allowed });
    assertRejects(() => network(newStack(), { physicalInterface: 'averyveryverylongname' }), { where: WHERE, path: 'physicalInterface', got: '"averyveryverylongname"', allowed });
  });

  it('vlanId: only with physicalInterface, 1–4094', () => {
    assertRejects(() => network(newStack(), { bridge: 'br0', vlanId: 10 }), { where: WHERE, path: 'vlanId', got: '10', allowed: 'unset, unless physicalInterface is set' });
    for (const vlanId of [0, 4095, 1.5]) {
      assertRejects(() => network(newStack(), { physicalInterface: 'eth1', vlanId }), { where: WHERE, path: 'vlanId', got: String(vlanId), allowed: 'a VLAN id from 1 to 4094' });
    }
    assert.doesNotThrow(() => network(newStack(), { physicalInterface: 'eth1', vlanId: 4094 }));
  });

  it('subnets: none, or none with DHCP', () => {
    assertRejects(() => network(newStack(), { subnets: [] }), { where: WHERE, path: 'subnets', got: '[]', allowed: 'at least one subnet' });
    assertRejects(() => network(newStack(), { subnets: [{ cidr: '10.0.0.0/24', enableDhcp: false }, { cidr: '10.1.0.0/24', enableDhcp: false }] }), {
      where: WHERE,
      path: 'subnets',
      got: '["10.0.0.0/24","10.1.0.0/24"]',
      allowed: 'at least one subnet with enableDhcp',
    });
  });

  it('subnet cidr, gateway, nameservers, routes, pools, IPv6 modes', () => {
    const cidrRule = 'an IPv4 or IPv6 network in CIDR form such as 10.0.0.0/24 or fd00::/64, with all host bits zero';
    assertRejects(() => network(newStack(), { subnets: [{ cidr: '10.0.0.5/24' }] }), { where: WHERE, path: 'subnets[0].cidr', got: '"10.0.0.5/24"', allowed: cidrRule });
    assertRejects(() => network(newStack(), { subnets: [{ cidr: 'nonsense' }] }), { where: WHERE, path: 'subnets[0].cidr', got: '"nonsense"', allowed: cidrRule });
    assertRejects(() => network(newStack(), { subnets: [{ cidr: '10.0.0.0/24', gatewayIp: '10.0.1.1' }] }), {
      where: WHERE,
      path: 'subnets[0].gatewayIp',
      got: '"10.0.1.1"',
      allowed: 'null (no gateway) or an address inside 10.0.0.0/24',
    });
    assertRejects(() => network(newStack(), { subnets: [{ cidr: '10.0.0.0/24', dnsNameservers: ['fd00::1'] }] }), {
      where: WHERE,
      path: 'subnets[0].dnsNameservers[0]',
      got: '"fd00::1"',
      allowed: 'an IPv4 address such as 10.0.0.5',
    });
    assertRejects(() => network(newStack(), { subnets: [{ cidr: '10.0.0.0/24', hostRoutes: [{ destination: '192.168.0.1/16', nexthop: '10.0.0.254' }] }] }), {
      where: WHERE,
      path: 'subnets[0].hostRoutes[0].destination',
      got: '"192.168.0.1/16"',
      allowed: 'an IPv4 network in CIDR form such as 10.0.0.0/24, with all host bits zero',
    });
    assertRejects(() => network(newStack(), { subnets: [{ cidr: '10.0.0.0/24', allocationPools: [{ start: '10.0.0.50', end: '10.0.0.10' }] }] }), {
      where: WHERE,
      path: 'subnets[0].allocationPools[0].end',
      got: '"10.0.0.10"',
      allowed: 'an address not below start 10.0.0.50',
    });
    assertRejects(() => network(newStack(), { subnets: [{ cidr: '10.0.0.0/24', ipv6AddressMode: 'slaac' }] }), {
      where: WHERE,
      path: 'subnets[0].ipv6AddressMode',
      got: '"slaac"',
      allowed: 'null: IPv6 modes apply to IPv6 subnets only',
    });
    assertRejects(() => network(newStack(), { subnets: [{ cidr: '10.0.0.0/24' }, { cidr: '10.0.0.128/25' }] }), {
      where: WHERE,
      path: 'subnets[1].cidr',
      got: '"10.0.0.128/25"',
      allowed: 'a CIDR not overlapping subnets[0] (10.0.0.0/24) of the same network',
    });
  });

  it('mtu', () => {
    assertRejects(() => network(newStack(), { mtu: 10 }), { where: WHERE, path: 'mtu', got: '10', allowed: 'an MTU: 0 (unknown, not advertised) or an integer from 68 to 65535' });
  });

  it('agent options, named by their props', () => {
    assertRejects(() => network(newStack(), { leaseDurationSeconds: 60 }), {
      where: WHERE,
      path: 'leaseDurationSeconds',
      got: '60',
      allowed: /^a lease time in seconds: -1 \(infinite\) or an integer from 120/,
    });
    assertRejects(() => network(newStack(), { dnsDomain: 'bad_domain!' }), { where: WHERE, path: 'dnsDomain', got: '"bad_domain!"', allowed: /^"" \(no domain\) or a DNS name of at most 253 characters/ });
    assertRejects(() => network(newStack(), { dnsServers: ['192.0.2.53', 'dns.example.org'] }), {
      where: WHERE,
      path: 'dnsServers[1]',
      got: '"dns.example.org"',
      allowed: 'an IPv4 or IPv6 address such as 10.0.0.5 or fd00::5',
    });
    assertRejects(() => network(newStack(), { leaseMax: 0 }), { where: WHERE, path: 'leaseMax', got: '0', allowed: 'a positive integer (at most 2147483647)' });
    const seconds = 'a number of seconds: 0 (not sent) or an integer up to 4294967295';
    assertRejects(() => network(newStack(), { renewalTimeSeconds: -5 }), { where: WHERE, path: 'renewalTimeSeconds', got: '-5', allowed: seconds });
    assertRejects(() => network(newStack(), { rebindingTimeSeconds: 1.5 }), { where: WHERE, path: 'rebindingTimeSeconds', got: '1.5', allowed: seconds });
    assertRejects(() => network(newStack(), { ipv6RouterAdvertisements: 'on' as unknown as boolean }), { where: WHERE, path: 'ipv6RouterAdvertisements', got: '"on"', allowed: 'true or false' });
    assertRejects(() => network(newStack(), { enableAddr6List: 1 as unknown as boolean }), { where: WHERE, path: 'enableAddr6List', got: '1', allowed: 'true or false' });
    assertRejects(() => network(newStack(), { logDir: '/var/log/$(id)' }), { where: WHERE, path: 'logDir', got: '"/var/log/$(id)"', allowed: /^"" \(no per-network log\) or an absolute path/ });
  });

  it('dhcpPorts: id, MAC, address form', () => {
    assertRejects(() => network(newStack(), { dhcpPorts: [{ id: 'BAD ID' }] }), {
      where: WHERE,
      path: 'dhcpPorts[0].id',
      got: '"BAD ID"',
      allowed: 'an id: a UUID (8-4-4-4-12 hex digits) or 1–36 characters of a–z, 0–9 and "-"',
    });
    assertRejects(() => network(newStack(), { dhcpPorts: [{ macAddress: '01:00:5e:00:00:01' }] }), {
      where: WHERE,
      path: 'dhcpPorts[0].macAddress',
      got: '"01:00:5e:00:00:01"',
      allowed: literally('unicast: the lowest bit of the first octet (multicast) must be 0'),
    });
    assertRejects(() => network(newStack(), { dhcpPorts: [{ ipAddresses: ['10.0.0.300'] }] }), {
      where: WHERE,
      path: 'dhcpPorts[0].ipAddresses[0]',
      got: '"10.0.0.300"',
      allowed: 'an IPv4 or IPv6 address such as 10.0.0.5 or fd00::5',
    });
  });

  it('dhcpPorts: addresses inside a DHCP-enabled subnet, not its gateway/network/broadcast, one per subnet, each once', () => {
    const subnets = [
      { cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' },
      { cidr: '10.9.0.0/24', enableDhcp: false },
    ];
    const inside = "an address inside one of the network's DHCP-enabled subnets (10.0.0.0/24)";
    assertRejects(() => network(newStack(), { subnets, dhcpPorts: [{ ipAddresses: ['192.168.0.5'] }] }), { where: WHERE, path: 'dhcpPorts[0].ipAddresses[0]', got: '"192.168.0.5"', allowed: inside });
    assertRejects(() => network(newStack(), { subnets, dhcpPorts: [{ ipAddresses: ['10.9.0.5'] }] }), { where: WHERE, path: 'dhcpPorts[0].ipAddresses[0]', got: '"10.9.0.5"', allowed: inside });
    assertRejects(() => network(newStack(), { subnets, dhcpPorts: [{ ipAddresses: ['10.0.0.1'] }] }), {
      where: WHERE,
      path: 'dhcpPorts[0].ipAddresses[0]',
      got: '"10.0.0.1"',
      allowed: 'an address of 10.0.0.0/24 other than its gateway 10.0.0.1',
    });
    assertRejects(() => network(newStack(), { subnets, dhcpPorts: [{ ipAddresses: ['10.0.0.0'] }] }), {
      where: WHERE,
      path: 'dhcpPorts[0].ipAddresses[0]',
      got: '"10.0.0.0"',
      allowed: 'an address of 10.0.0.0/24 other than its network address 10.0.0.0',
    });
    assertRejects(() => network(newStack(), { subnets: [{ cidr: 'fd00:1::/64' }], dhcpPorts: [{ ipAddresses: ['fd00:1::'] }] }), {
      where: WHERE,
      path: 'dhcpPorts[0].ipAddresses[0]',
      got: '"fd00:1::"',
      allowed: 'an address of fd00:1::/64 other than its subnet-router anycast address fd00:1::',
    });
    assertRejects(() => network(newStack(), { subnets, dhcpPorts: [{ ipAddresses: ['10.0.0.255'] }] }), {
      where: WHERE,
      path: 'dhcpPorts[0].ipAddresses[0]',
      got: '"10.0.0.255"',
      allowed: 'an address of 10.0.0.0/24 other than its broadcast address 10.0.0.255',
    });
    assertRejects(() => network(newStack(), { subnets, dhcpPorts: [{ ipAddresses: ['10.0.0.2', '10.0.0.3'] }] }), {
      where: WHERE,
      path: 'dhcpPorts[0].ipAddresses[1]',
      got: '"10.0.0.3"',
      allowed: 'one address per subnet (dhcpPorts[0].ipAddresses[0] is on 10.0.0.0/24 already)',
    });
    const stack = newStack();
    const agents = [newNode(stack, 'a', { host: '192.0.2.1' }), newNode(stack, 'b', { host: '192.0.2.2' })];
    assertRejects(
      () => network(stack, { agents, subnets, dhcpPorts: [{ ipAddresses: ['10.0.0.5'], macAddress: 'fa:16:3e:00:00:05' }, { ipAddresses: ['10.0.0.5'], macAddress: 'FA:16:3E:00:00:05' }] }),
      { where: WHERE, path: 'dhcpPorts[1].macAddress', got: '"FA:16:3E:00:00:05"', allowed: "a MAC address not given to another agent's DHCP port (dhcpPorts[0].macAddress has it)" },
      { where: WHERE, path: 'dhcpPorts[1].ipAddresses[0]', got: '"10.0.0.5"', allowed: "an address not given to another agent's DHCP port (dhcpPorts[0].ipAddresses[0] has it)" },
    );
  });

  it('dhcpPorts: at most one entry per agent', () => {
    assertRejects(() => network(newStack(), { dhcpPorts: [{}, { id: 'x' }] }), {
      where: WHERE,
      path: 'dhcpPorts',
      got: '[{},{"id":"x"}]',
      allowed: 'at most one entry per agent, in the order of agents (1 agent(s))',
    });
  });
});

describe('DhcpNetwork: tokens are not validated', () => {
  it('accepts network props as tokens and writes the references', () => {
    const stack = newStack();
    const v = (name: string, type = 'string') => new TerraformVariable(stack, name, { type });
    network(stack, {
      networkId: v('network_id').stringValue,
      name: Token.asString(v('name').value),
      physicalInterface: v('nic').stringValue,
      vlanId: v('vlan', 'number').numberValue,
      dnsDomain: Fn.lookup({ prod: 'example.org' }, 'prod', 'openstacklocal') as string,
      leaseDurationSeconds: v('lease', 'number').numberValue,
      mtu: v('mtu', 'number').numberValue,
      dnsServers: v('dns', 'list(string)').listValue,
      leaseMax: v('lease_max', 'number').numberValue,
      renewalTimeSeconds: v('t1', 'number').numberValue,
      rebindingTimeSeconds: v('t2', 'number').numberValue,
      dhcpPorts: [{ id: v('dhcp_id').stringValue, macAddress: v('dhcp_mac').stringValue, ipAddresses: [v('dhcp_ip').stringValue] }],
    });
    const [r] = resourcesOf(synth(stack).json, 'dhcpagent_network');
    assert.equal(r.network_id, '${var.network_id}');
    assert.equal(r.name, '${var.name}');
    assert.equal(r.physical_interface, '${var.nic}');
    assert.equal(r.vlan_id, '${var.vlan}');
    assert.equal(r.dns_domain, '${lookup({"prod" = "example.org"}, "prod", "openstacklocal")}');
    assert.equal(r.mtu, '${var.mtu}');
    assert.equal(r.dns_servers, '${var.dns}');
    assert.equal(r.dhcp_port_id, '${var.dhcp_id}');
    assert.equal(r.dhcp_mac_address, '${var.dhcp_mac}');
    assert.deepEqual(r.dhcp_ip_addresses, ['${var.dhcp_ip}']);
  });

  it('a subnet given by tokens: one agent leaves the DHCP address to the provider', () => {
    const stack = newStack();
    const cidr = new TerraformVariable(stack, 'cidr', { type: 'string' }).stringValue;
    const net = network(stack, { subnets: [{ cidr, gatewayIp: Fn.cidrhost(cidr, 1), allocationPools: [{ start: Fn.cidrhost(cidr, 10), end: Fn.cidrhost(cidr, 20) }] }] });
    new DhcpPort(stack, 'vm', { network: net, macAddress: 'fa:16:3e:00:00:01', fixedIps: [{ ipAddress: '10.0.0.5' }] });
    const { json } = synth(stack);
    const [r] = resourcesOf(json, 'dhcpagent_network');
    assert.equal(r.dhcp_ip_addresses, undefined);
    assert.equal((r.subnets as Record<string, unknown>[])[0].cidr, '${var.cidr}');
    // The port's subnet is found at apply.
    assert.deepEqual(resourcesOf(json, 'dhcpagent_port')[0].fixed_ips, [{ ip_address: '10.0.0.5' }]);
  });

  it('a subnet given by tokens with several agents: their addresses are used as given, and required', () => {
    const stack = newStack();
    const cidr = new TerraformVariable(stack, 'cidr', { type: 'string' }).stringValue;
    const agents = [newNode(stack, 'a', { host: '192.0.2.1' }), newNode(stack, 'b', { host: '192.0.2.2' })];
    network(stack, { agents, subnets: [{ cidr }], dhcpPorts: [{ ipAddresses: [Fn.cidrhost(cidr, 2)] }, { ipAddresses: [Fn.cidrhost(cidr, 3)] }] });
    const [a, b] = resourcesOf(synth(stack).json, 'dhcpagent_network');
    assert.deepEqual(a.dhcp_ip_addresses, ['${cidrhost(var.cidr, 2)}']);
    assert.deepEqual((b.peer_dhcp_ports as Record<string, unknown>[])[0].ip_addresses, ['${cidrhost(var.cidr, 2)}']);

    const other = newStack();
    const cidr2 = new TerraformVariable(other, 'cidr', { type: 'string' }).stringValue;
    const two = [newNode(other, 'a', { host: '192.0.2.1' }), newNode(other, 'b', { host: '192.0.2.2' })];
    assertRejects(() => network(other, { agents: two, subnets: [{ cidr: cidr2 }], dhcpPorts: [{ ipAddresses: ['10.0.0.2'] }] }), {
      where: WHERE,
      path: 'dhcpPorts[1].ipAddresses',
      got: 'undefined',
      allowed: literally('so distinct addresses for several agents cannot be chosen at synth time'),
    });
  });
});

describe('DhcpNetwork: agents declared goneForGood', () => {
  it('refuses a gone node as an agent, naming it', () => {
    const stack = newStack();
    const alive = newNode(stack, 'n1');
    const gone = newNode(stack, 'n2', { host: '192.0.2.11', goneForGood: true });
    assertRejects(() => new DhcpNetwork(stack, 'net', { agents: [alive, gone], bridge: 'br-lab', subnets: [{ cidr: '10.0.0.0/24' }] }), {
      where: WHERE,
      path: 'agents[1]',
      got: '"stack/n2"',
      allowed: 'a node that is not declared goneForGood (take a gone node out of agents)',
    });
  });
});
