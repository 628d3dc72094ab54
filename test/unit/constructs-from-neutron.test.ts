import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpNetwork, DhcpPort } from '../../constructs';
import { DHCP as DHCP1, NET, PROJECT, SUB4, SUB6, networkShow as sharedNetworkShow, subnetShowV4 as sharedSubnetShowV4 } from '../support/openstack-fixtures';
import { assertRejects, literally, newNode, newStack, resourceNamed, resourcesOf, synth } from './constructs-support';

const ROUTER = 'e0b6d2f5-4a7c-4b1d-8e9f-3c5b6a7f8e94';
const VM1 = 'd9a5c1e4-3f6b-4a0c-9d8e-2b4a5f6e7d83';
const VM2 = 'a3d7f1b9-6c2e-4d8a-b0f4-5e7c9a1b3d26';
const WHERE = "dhcp network 'private' (stack/private)";

// `openstack network show private -f json`, here without a DNS domain.
const networkShow = { ...sharedNetworkShow, dns_domain: null };

// `openstack subnet show private-v4 -f json` and `… private-v6 -f json`.
const subnetShowV4 = { ...sharedSubnetShowV4, name: 'private-v4' };
const subnetShowV6 = {
  ...subnetShowV4,
  allocation_pools: [{ start: 'fd00:1::2', end: 'fd00:1::ffff:ffff:ffff:ffff' }],
  cidr: 'fd00:1::/64',
  dns_nameservers: [],
  gateway_ip: 'fd00:1::1',
  host_routes: [],
  id: SUB6,
  ip_version: 6,
  ipv6_address_mode: 'dhcpv6-stateful',
  ipv6_ra_mode: 'dhcpv6-stateful',
  name: 'private-v6',
};

// `openstack port list --network private --long -f json` (6.x).
const portListLong = [
  {
    ID: DHCP1,
    Name: '',
    'MAC Address': 'fa:16:3e:aa:bb:cc',
    'Fixed IP Addresses': [
      { subnet_id: SUB4, ip_address: '10.0.0.2' },
      { subnet_id: SUB6, ip_address: 'fd00:1::2' },
    ],
    Status: 'ACTIVE',
    'Security Groups': [],
    'Device Owner': 'network:dhcp',
    Tags: [],
  },
  {
    ID: ROUTER,
    Name: '',
    'MAC Address': 'fa:16:3e:01:02:03',
    'Fixed IP Addresses': [{ subnet_id: SUB4, ip_address: '10.0.0.1' }],
    Status: 'ACTIVE',
    'Security Groups': [],
    'Device Owner': 'network:router_interface',
    Tags: [],
  },
  {
    ID: VM1,
    Name: 'vm1-port',
    'MAC Address': 'fa:16:3e:11:22:33',
    'Fixed IP Addresses': [
      { subnet_id: SUB4, ip_address: '10.0.0.5' },
      { subnet_id: SUB6, ip_address: 'fd00:1::5' },
    ],
    Status: 'ACTIVE',
    'Security Groups': ['6a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'],
    'Device Owner': 'compute:nova',
    Tags: [],
  },
  {
    ID: VM2,
    Name: 'vm2-port',
    'MAC Address': 'fa:16:3e:44:55:66',
    'Fixed IP Addresses': [{ subnet_id: SUB4, ip_address: '10.0.0.6' }],
    Status: 'DOWN',
    'Security Groups': ['6a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'],
    'Device Owner': 'compute:nova',
    Tags: [],
  },
];

// The same ports from the API (`GET /v2.0/ports?network_id=…`), with DNS names and options.
function apiPort(id: string, mac: string, owner: string, ips: [string, string][], more: Record<string, unknown> = {}) {
  return {
    id,
    name: '',
    network_id: NET,
    tenant_id: PROJECT,
    project_id: PROJECT,
    mac_address: mac,
    admin_state_up: true,
    status: 'ACTIVE',
    device_id: `dev-${id.slice(0, 8)}`,
    device_owner: owner,
    fixed_ips: ips.map(([subnet_id, ip_address]) => ({ subnet_id, ip_address })),
    allowed_address_pairs: [],
    extra_dhcp_opts: [],
    security_groups: [],
    binding_vnic_type: 'normal',
    port_security_enabled: true,
    dns_name: '',
    dns_assignment: ips.map(([, ip]) => ({ hostname: `host-${ip.replace(/[.:]/g, '-')}`, ip_address: ip, fqdn: `host-${ip.replace(/[.:]/g, '-')}.openstacklocal.` })),
    tags: [],
    revision_number: 2,
    ...more,
  };
}
const apiPorts = {
  ports: [
    apiPort(DHCP1, 'fa:16:3e:aa:bb:cc', 'network:dhcp', [
      [SUB4, '10.0.0.2'],
      [SUB6, 'fd00:1::2'],
    ]),
    apiPort(ROUTER, 'fa:16:3e:01:02:03', 'network:router_interface', [[SUB4, '10.0.0.1']]),
    apiPort(
      VM1,
      'fa:16:3e:11:22:33',
      'compute:nova',
      [
        [SUB4, '10.0.0.5'],
        [SUB6, 'fd00:1::5'],
      ],
      {
        dns_name: 'vm1',
        dns_assignment: [
          { hostname: 'vm1', ip_address: '10.0.0.5', fqdn: 'vm1.example.org.' },
          { hostname: 'vm1', ip_address: 'fd00:1::5', fqdn: 'vm1.example.org.' },
        ],
        extra_dhcp_opts: [
          { opt_name: 'tftp-server', opt_value: '10.0.0.9', ip_version: 4 },
          { opt_name: 'tag:ipxe,bootfile-name', opt_value: 'http://10.0.0.9/boot.ipxe', ip_version: 4 },
          { opt_name: 'bootfile-url', opt_value: 'http://[fd00:1::9]/boot.efi', ip_version: 6 },
        ],
      },
    ),
    apiPort(VM2, 'fa:16:3e:44:55:66', '', [[SUB4, '10.0.0.6']]),
    // HA router ports and floating IPs get no host entry in neutron either.
    apiPort('b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e', 'fa:16:3e:77:88:99', 'network:router_ha_interface', [[SUB4, '10.0.0.250']]),
  ],
};

function fromCli(agents = 1) {
  const stack = newStack();
  const nodes = Array.from({ length: agents }, (_, i) => newNode(stack, `n${i + 1}`, { host: `192.0.2.${i + 1}` }));
  const net = DhcpNetwork.fromNeutron(stack, 'private', networkShow, portListLong, { agents: nodes, bridge: 'br-int', subnetsJson: [subnetShowV4, subnetShowV6] });
  return { stack, nodes, net };
}

describe('DhcpNetwork.fromNeutron: openstack network show + subnet show + port list --long', () => {
  it('keeps the network id, name, MTU and subnets', () => {
    const { stack, net } = fromCli();
    const [r] = resourcesOf(synth(stack).json, 'dhcpagent_network');
    assert.equal(net.networkId, NET);
    assert.equal(net.namespace, `qdhcp-${NET}`);
    assert.equal(r.network_id, NET);
    assert.equal(r.name, 'private');
    assert.equal(r.mtu, 1450);
    assert.equal(r.bridge, 'br-int');
    assert.deepEqual(r.subnets, [
      {
        id: SUB4,
        cidr: '10.0.0.0/24',
        ip_version: 4,
        gateway_ip: '10.0.0.1',
        enable_dhcp: true,
        dns_nameservers: ['8.8.8.8', '8.8.4.4'],
        host_routes: [{ destination: '192.168.0.0/16', nexthop: '10.0.0.254' }],
        allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.254' }],
      },
      {
        id: SUB6,
        cidr: 'fd00:1::/64',
        ip_version: 6,
        gateway_ip: 'fd00:1::1',
        enable_dhcp: true,
        allocation_pools: [{ start: 'fd00:1::2', end: 'fd00:1::ffff:ffff:ffff:ffff' }],
        ipv6_address_mode: 'dhcpv6-stateful',
        ipv6_ra_mode: 'dhcpv6-stateful',
      },
    ]);
  });

  it("neutron's DHCP port becomes the agent's DHCP port: same id, MAC and addresses", () => {
    const { stack } = fromCli();
    const [r] = resourcesOf(synth(stack).json, 'dhcpagent_network');
    assert.equal(r.dhcp_port_id, DHCP1);
    assert.equal(r.dhcp_mac_address, 'fa:16:3e:aa:bb:cc');
    assert.deepEqual(r.dhcp_ip_addresses, ['10.0.0.2', 'fd00:1::2']);
  });

  it('a second agent gets new addresses that avoid the DHCP port, the router and the clients', () => {
    const { stack } = fromCli(2);
    const [a, b] = resourcesOf(synth(stack).json, 'dhcpagent_network');
    assert.equal(a.dhcp_port_id, DHCP1);
    assert.deepEqual(b.dhcp_ip_addresses, ['10.0.0.3', 'fd00:1::3']);
    assert.notEqual(b.dhcp_port_id, DHCP1);
    assert.deepEqual((b.peer_dhcp_ports as unknown[])[0], { id: DHCP1, mac_address: 'fa:16:3e:aa:bb:cc', ip_addresses: ['10.0.0.2', 'fd00:1::2'] });
  });

  it('client ports (router interface included) become DhcpPorts under the network; the DHCP port does not', () => {
    const { stack, net } = fromCli();
    assert.deepEqual(
      net.ports.map((p) => p.node.path),
      [`stack/private/port-${ROUTER}`, `stack/private/port-${VM1}`, `stack/private/port-${VM2}`],
    );
    assert.ok(net.ports.every((p) => p instanceof DhcpPort));
    const { json } = synth(stack);
    assert.equal(resourcesOf(json, 'dhcpagent_port').length, 3);
    const vm1 = resourceNamed(json, 'dhcpagent_port', `private_port-${VM1}`);
    assert.deepEqual(
      { port_id: vm1.port_id, mac_address: vm1.mac_address, fixed_ips: vm1.fixed_ips, device_owner: vm1.device_owner, hostname: vm1.hostname, extra_dhcp_opts: vm1.extra_dhcp_opts },
      {
        port_id: VM1,
        mac_address: 'fa:16:3e:11:22:33',
        fixed_ips: [
          { ip_address: '10.0.0.5', subnet_id: SUB4 },
          { ip_address: 'fd00:1::5', subnet_id: SUB6 },
        ],
        device_owner: 'compute:nova',
        // A port list has neither DNS assignments nor options.
        hostname: undefined,
        extra_dhcp_opts: undefined,
      },
    );
  });

  it('props given in the options win over the JSON', () => {
    const stack = newStack();
    const net = DhcpNetwork.fromNeutron(stack, 'private', networkShow, [], {
      agents: [newNode(stack)],
      physicalInterface: 'eth1',
      vlanId: 1234,
      subnetsJson: [subnetShowV4, subnetShowV6],
      name: 'tenant-a',
      mtu: 1400,
      dnsDomain: 'example.org',
    });
    const [r] = resourcesOf(synth(stack).json, 'dhcpagent_network');
    assert.equal(r.name, 'tenant-a');
    assert.equal(r.mtu, 1400);
    assert.equal(r.dns_domain, 'example.org');
    assert.equal(r.physical_interface, 'eth1');
    assert.equal(r.vlan_id, 1234);
    assert.equal(net.ports.length, 0);
    // No DHCP port in neutron: an allocated one.
    assert.deepEqual(r.dhcp_ip_addresses, ['10.0.0.2', 'fd00:1::2']);
  });

  it('reads the string forms of openstackclient < 4.0', () => {
    const stack = newStack();
    DhcpNetwork.fromNeutron(
      stack,
      'private',
      { ...networkShow, subnets: `${SUB4}, ${SUB6}` },
      portListLong.map((p) => ({ ...p, 'Fixed IP Addresses': p['Fixed IP Addresses'].map((f) => `ip_address='${f.ip_address}', subnet_id='${f.subnet_id}'`).join('\n') })),
      {
        agents: [newNode(stack)],
        bridge: 'br-int',
        subnetsJson: [{ ...subnetShowV4, allocation_pools: '10.0.0.2-10.0.0.254', dns_nameservers: '8.8.8.8, 8.8.4.4', host_routes: "destination='192.168.0.0/16', gateway='10.0.0.254'" }, subnetShowV6],
      },
    );
    const { json } = synth(stack);
    const [r] = resourcesOf(json, 'dhcpagent_network');
    assert.deepEqual(r.dhcp_ip_addresses, ['10.0.0.2', 'fd00:1::2']);
    assert.deepEqual((r.subnets as Record<string, unknown>[])[0].host_routes, [{ destination: '192.168.0.0/16', nexthop: '10.0.0.254' }]);
    assert.equal(resourcesOf(json, 'dhcpagent_port').length, 3);
  });
});

describe('DhcpNetwork.fromNeutron: API-shaped JSON', () => {
  it('{"network": …} + subnets + {"ports": […]}: hostnames and extra options come across', () => {
    const stack = newStack();
    const net = DhcpNetwork.fromNeutron(stack, 'private', { network: networkShow }, apiPorts, {
      agents: [newNode(stack)],
      bridge: 'br-int',
      subnetsJson: [{ subnet: subnetShowV4 }, { subnet: subnetShowV6 }],
    });
    const { json } = synth(stack);
    assert.deepEqual(
      net.ports.map((p) => p.portId),
      [ROUTER, VM1, VM2],
    );
    const vm1 = resourceNamed(json, 'dhcpagent_port', `private_port-${VM1}`);
    assert.equal(vm1.hostname, 'vm1');
    assert.deepEqual(vm1.extra_dhcp_opts, [
      { opt_name: 'tftp-server', opt_value: '10.0.0.9', ip_version: 4 },
      { opt_name: 'tag:ipxe,bootfile-name', opt_value: 'http://10.0.0.9/boot.ipxe', ip_version: 4 },
      { opt_name: 'bootfile-url', opt_value: 'http://[fd00:1::9]/boot.efi', ip_version: 6 },
    ]);
    const vm2 = resourceNamed(json, 'dhcpagent_port', `private_port-${VM2}`);
    assert.equal(vm2.hostname, 'host-10-0-0-6');
    assert.equal(vm2.device_owner, undefined);
    assert.equal(vm2.extra_dhcp_opts, undefined);
    const [r] = resourcesOf(json, 'dhcpagent_network');
    assert.equal(r.dhcp_port_id, DHCP1);
    assert.deepEqual(r.dhcp_ip_addresses, ['10.0.0.2', 'fd00:1::2']);
  });

  it('a network object with its subnets embedded (plain or wrapped) and a list of API ports', () => {
    for (const networkJson of [
      { ...networkShow, subnets: [subnetShowV4, subnetShowV6] },
      { network: { ...networkShow, subnets: [subnetShowV4, subnetShowV6] } },
    ]) {
      const stack = newStack();
      const net = DhcpNetwork.fromNeutron(stack, 'private', networkJson, apiPorts.ports, { agents: [newNode(stack)], bridge: 'br-int' });
      assert.equal(net.networkId, NET);
      assert.deepEqual(
        net.subnets.map((s) => s.id),
        [SUB4, SUB6],
      );
      assert.equal(net.ports.length, 3);
      assert.equal(resourcesOf(synth(stack).json, 'dhcpagent_network')[0].dhcp_port_id, DHCP1);
    }
  });

  it('several DHCP ports in neutron go to the agents in order', () => {
    const stack = newStack();
    const dhcp2 = apiPort('c0ffee00-1111-4222-8333-444455556666', 'fa:16:3e:aa:bb:cd', 'network:dhcp', [
      [SUB4, '10.0.0.3'],
      [SUB6, 'fd00:1::3'],
    ]);
    DhcpNetwork.fromNeutron(stack, 'private', { ...networkShow, subnets: [subnetShowV4, subnetShowV6] }, [...apiPorts.ports, dhcp2], {
      agents: [newNode(stack, 'a', { host: '192.0.2.1' }), newNode(stack, 'b', { host: '192.0.2.2' })],
      bridge: 'br-int',
    });
    const rs = resourcesOf(synth(stack).json, 'dhcpagent_network');
    assert.deepEqual(
      rs.map((r) => [r.dhcp_port_id, r.dhcp_mac_address, r.dhcp_ip_addresses]),
      [
        [DHCP1, 'fa:16:3e:aa:bb:cc', ['10.0.0.2', 'fd00:1::2']],
        [dhcp2.id, 'fa:16:3e:aa:bb:cd', ['10.0.0.3', 'fd00:1::3']],
      ],
    );
  });
});

describe('DhcpNetwork.fromNeutron: bad JSON', () => {
  const agents = () => {
    const stack = newStack();
    return { stack, agents: [newNode(stack)] };
  };

  it('names the argument, the JSON path, the value and what is expected', () => {
    const { stack, agents: a } = agents();
    assertRejects(() => DhcpNetwork.fromNeutron(stack, 'private', 'hello', 42, { agents: a, bridge: 'br0' }), {
      where: WHERE,
      path: 'networkJson',
      got: '"hello"',
      allowed: 'a JSON object (the output of `openstack network show -f json`)',
    }, {
      where: WHERE,
      path: 'portsJson',
      got: '42',
      allowed: 'a JSON list of ports (or {"ports": [...]})',
    });
  });

  it('a bad port row', () => {
    const { stack, agents: a } = agents();
    const ports = [portListLong[0], { ...portListLong[2], 'MAC Address': 5 }];
    assertRejects(() => DhcpNetwork.fromNeutron(stack, 'private', networkShow, ports, { agents: a, bridge: 'br0', subnetsJson: [subnetShowV4, subnetShowV6] }), {
      where: WHERE,
      path: 'portsJson[1]["MAC Address"]',
      got: '5',
      allowed: 'a string',
    });
    const other = agents();
    assertRejects(() => DhcpNetwork.fromNeutron(other.stack, 'private', { ...networkShow, subnets: [subnetShowV4] }, [{ id: VM1, fixed_ips: [] }], { agents: other.agents, bridge: 'br0' }), {
      where: WHERE,
      path: 'portsJson[0].mac_address',
      got: 'undefined',
      allowed: 'a string',
    });
  });

  it('subnet ids without their details: says to pass subnetsJson', () => {
    const { stack, agents: a } = agents();
    assertRejects(
      () => DhcpNetwork.fromNeutron(stack, 'private', networkShow, portListLong, { agents: a, bridge: 'br0' }),
      { where: WHERE, path: 'networkJson.subnets[0]', got: JSON.stringify(SUB4), allowed: literally("pass the subnets' `openstack subnet show -f json` output as the subnetsJson option") },
      { where: WHERE, path: 'networkJson.subnets[1]', got: JSON.stringify(SUB6), allowed: literally('as the subnetsJson option') },
    );
  });

  it("a subnet of another network, a bad subnet field", () => {
    const { stack, agents: a } = agents();
    assertRejects(
      () =>
        DhcpNetwork.fromNeutron(stack, 'private', { ...networkShow, subnets: [SUB4] }, [], {
          agents: a,
          bridge: 'br0',
          subnetsJson: [{ ...subnetShowV4, network_id: 'other-net', enable_dhcp: 'yes' }],
        }),
      { where: WHERE, path: 'subnetsJson[0].network_id', got: '"other-net"', allowed: `"${NET}", the id of the network shown` },
      { where: WHERE, path: 'subnetsJson[0].enable_dhcp', got: '"yes"', allowed: 'true or false' },
    );
  });

  it('an embedded subnet with a bad field', () => {
    const { stack, agents: a } = agents();
    assertRejects(() => DhcpNetwork.fromNeutron(stack, 'private', { ...networkShow, subnets: [{ ...subnetShowV4, cidr: 24 }] }, [], { agents: a, bridge: 'br0' }), {
      where: WHERE,
      path: 'networkJson.subnets[0].cidr',
      got: '24',
      allowed: 'a string',
    });
  });

  it('well-formed JSON with a bad value: the usual message of the network', () => {
    const { stack, agents: a } = agents();
    assertRejects(() => DhcpNetwork.fromNeutron(stack, 'private', { ...networkShow, subnets: [{ ...subnetShowV4, gateway_ip: '10.9.9.9' }] }, [], { agents: a, bridge: 'br0' }), {
      where: WHERE,
      path: 'subnets[0].gatewayIp',
      got: '"10.9.9.9"',
      allowed: 'null (no gateway) or an address inside 10.0.0.0/24',
    });
  });
});
