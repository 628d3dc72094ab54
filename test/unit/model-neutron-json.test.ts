import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  networkFromNeutronJson,
  networkFromOpenstackCli,
  parseOscDict,
  parseOscListOfDicts,
  parseOscPools,
  portFromNeutronJson,
  portsFromNeutronJson,
  subnetFromNeutronJson,
} from '../../src/model/neutron-json';
import type { Port, Subnet } from '../../src/model/types';
import { validateNetwork } from '../../src/model/validate';
import { DHCP, NET, PROJECT, SUB4, SUB6, networkShow, subnetShowV4 } from '../support/openstack-fixtures';

const P1 = 'd9a5c1e4-3f6b-4a0c-9d8e-2b4a5f6e7d83';


const expectedSubnetV4: Subnet = {
  id: SUB4,
  name: 'private-subnet',
  cidr: '10.0.0.0/24',
  ipVersion: 4,
  gatewayIp: '10.0.0.1',
  enableDhcp: true,
  dnsNameservers: ['8.8.8.8', '8.8.4.4'],
  hostRoutes: [{ destination: '192.168.0.0/16', nexthop: '10.0.0.254' }],
  allocationPools: [{ start: '10.0.0.2', end: '10.0.0.254' }],
  ipv6AddressMode: null,
  ipv6RaMode: null,
};

// The same subnet from python-openstackclient < 4.0, where cliff printed osc-lib's string forms.
const subnetShowV4Old = {
  allocation_pools: '10.0.0.2-10.0.0.99,10.0.0.110-10.0.0.254',
  cidr: '10.0.0.0/24',
  created_at: '2018-03-01T10:00:00Z',
  description: '',
  dns_nameservers: '8.8.4.4, 8.8.8.8',
  enable_dhcp: true,
  gateway_ip: '10.0.0.1',
  host_routes: "destination='192.168.0.0/16', gateway='10.0.0.254'\ndestination='172.16.0.0/12', gateway='10.0.0.253'",
  id: SUB4,
  ip_version: 4,
  ipv6_address_mode: null,
  ipv6_ra_mode: null,
  name: 'private-subnet',
  network_id: NET,
  project_id: PROJECT,
  revision_number: 2,
  segment_id: null,
  service_types: '',
  subnetpool_id: null,
  tags: '',
  updated_at: '2018-03-01T10:00:00Z',
};

// GET /v2.0/subnets/<id>
const subnetApiV6 = {
  subnet: {
    id: SUB6,
    name: '',
    network_id: NET,
    ip_version: 6,
    cidr: 'fd00:1::/64',
    gateway_ip: 'fd00:1::1',
    enable_dhcp: true,
    dns_nameservers: [],
    host_routes: [],
    allocation_pools: [{ start: 'fd00:1::2', end: 'fd00:1::ffff:ffff:ffff:ffff' }],
    ipv6_address_mode: 'dhcpv6-stateful',
    ipv6_ra_mode: 'dhcpv6-stateful',
    tenant_id: PROJECT,
    project_id: PROJECT,
  },
};

// `openstack port show -f json` (python-openstackclient 6.x).
const portShow = {
  admin_state_up: 'UP',
  allowed_address_pairs: [],
  binding_host_id: 'compute-1',
  binding_profile: {},
  binding_vif_details: { port_filter: true, connectivity: 'l2' },
  binding_vif_type: 'ovs',
  binding_vnic_type: 'normal',
  created_at: '2024-05-02T09:20:01Z',
  data_plane_status: null,
  description: '',
  device_id: '9d3a1f6e-4b2c-4d8e-a7f0-1c2b3d4e5f60',
  device_owner: 'compute:nova',
  device_profile: null,
  dns_assignment: [
    { fqdn: 'vm1.example.org.', hostname: 'vm1', ip_address: '10.0.0.5' },
    { fqdn: 'vm1.example.org.', hostname: 'vm1', ip_address: 'fd00:1::5' },
  ],
  dns_domain: null,
  dns_name: 'vm1',
  extra_dhcp_opts: [
    { opt_value: '10.0.0.9', ip_version: 4, opt_name: 'tftp-server' },
    { opt_value: 'http://10.0.0.9/boot.ipxe', ip_version: 4, opt_name: 'tag:ipxe,bootfile-name' },
  ],
  fixed_ips: [
    { subnet_id: SUB4, ip_address: '10.0.0.5' },
    { subnet_id: SUB6, ip_address: 'fd00:1::5' },
  ],
  id: P1,
  ip_allocation: null,
  mac_address: 'fa:16:3e:11:22:33',
  name: 'vm1-port',
  network_id: NET,
  numa_affinity_policy: null,
  port_security_enabled: true,
  project_id: PROJECT,
  propagate_uplink_status: null,
  qos_network_policy_id: null,
  qos_policy_id: null,
  resource_request: null,
  revision_number: 4,
  security_group_ids: ['6a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'],
  status: 'ACTIVE',
  tags: [],
  trunk_details: null,
  updated_at: '2024-05-02T09:20:04Z',
};

const expectedPort: Port = {
  id: P1,
  macAddress: 'fa:16:3e:11:22:33',
  fixedIps: [
    { subnetId: SUB4, ipAddress: '10.0.0.5' },
    { subnetId: SUB6, ipAddress: 'fd00:1::5' },
  ],
  deviceOwner: 'compute:nova',
  extraDhcpOpts: [
    { optName: 'tftp-server', optValue: '10.0.0.9', ipVersion: 4 },
    { optName: 'tag:ipxe,bootfile-name', optValue: 'http://10.0.0.9/boot.ipxe', ipVersion: 4 },
  ],
  dnsAssignment: [
    { hostname: 'vm1', ipAddress: '10.0.0.5', fqdn: 'vm1.example.org.' },
    { hostname: 'vm1', ipAddress: 'fd00:1::5', fqdn: 'vm1.example.org.' },
  ],
};

// The same port from python-openstackclient < 4.0 (osc-lib format_list_of_dicts strings).
const portShowOld = {
  admin_state_up: 'UP',
  allowed_address_pairs: '',
  binding_host_id: 'compute-1',
  binding_profile: '',
  binding_vif_details: "port_filter='True'",
  binding_vif_type: 'ovs',
  binding_vnic_type: 'normal',
  device_id: '9d3a1f6e-4b2c-4d8e-a7f0-1c2b3d4e5f60',
  device_owner: 'compute:nova',
  dns_assignment: "fqdn='vm1.example.org.', hostname='vm1', ip_address='10.0.0.5'\nfqdn='vm1.example.org.', hostname='vm1', ip_address='fd00:1::5'",
  dns_name: 'vm1',
  extra_dhcp_opts:
    "ip_version='4', opt_name='tftp-server', opt_value='10.0.0.9'\nip_version='4', opt_name='tag:ipxe,bootfile-name', opt_value='http://10.0.0.9/boot.ipxe'",
  fixed_ips: `ip_address='10.0.0.5', subnet_id='${SUB4}'\nip_address='fd00:1::5', subnet_id='${SUB6}'`,
  id: P1,
  mac_address: 'fa:16:3e:11:22:33',
  name: 'vm1-port',
  network_id: NET,
  project_id: PROJECT,
  security_group_ids: '6a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  status: 'ACTIVE',
};

// `openstack port list --network private -f json` (6.x: Fixed IP Addresses as a list).
const portList = [
  { ID: DHCP, Name: '', 'MAC Address': 'fa:16:3e:aa:bb:cc', 'Fixed IP Addresses': [{ subnet_id: SUB4, ip_address: '10.0.0.2' }], Status: 'ACTIVE' },
  {
    ID: P1,
    Name: 'vm1-port',
    'MAC Address': 'fa:16:3e:11:22:33',
    'Fixed IP Addresses': [
      { subnet_id: SUB4, ip_address: '10.0.0.5' },
      { subnet_id: SUB6, ip_address: 'fd00:1::5' },
    ],
    Status: 'ACTIVE',
  },
];

// `openstack port list --long -f json` from python-openstackclient < 4.0.
const portListOldLong = [
  {
    ID: DHCP,
    Name: '',
    'MAC Address': 'fa:16:3e:aa:bb:cc',
    'Fixed IP Addresses': `ip_address='10.0.0.2', subnet_id='${SUB4}'`,
    Status: 'ACTIVE',
    'Security Groups': '',
    'Device Owner': 'network:dhcp',
    Tags: '',
  },
  {
    ID: P1,
    Name: 'vm1-port',
    'MAC Address': 'fa:16:3e:11:22:33',
    'Fixed IP Addresses': `ip_address='10.0.0.5', subnet_id='${SUB4}'\nip_address='fd00:1::5', subnet_id='${SUB6}'`,
    Status: 'ACTIVE',
    'Security Groups': '6a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    'Device Owner': 'compute:nova',
    Tags: '',
  },
];


describe('subnetFromNeutronJson', () => {
  it('reads `openstack subnet show -f json`', () => {
    assert.deepEqual(subnetFromNeutronJson(subnetShowV4), { value: expectedSubnetV4, issues: [] });
  });

  it('reads the string forms of openstackclient < 4.0 (pools, routes with gateway=, "a, b" nameservers)', () => {
    const { value, issues } = subnetFromNeutronJson(subnetShowV4Old);
    assert.deepEqual(issues, []);
    assert.deepEqual(value, {
      ...expectedSubnetV4,
      dnsNameservers: ['8.8.4.4', '8.8.8.8'],
      hostRoutes: [
        { destination: '192.168.0.0/16', nexthop: '10.0.0.254' },
        { destination: '172.16.0.0/12', nexthop: '10.0.0.253' },
      ],
      allocationPools: [
        { start: '10.0.0.2', end: '10.0.0.99' },
        { start: '10.0.0.110', end: '10.0.0.254' },
      ],
    });
  });

  it('unwraps the API {"subnet": …} and reads IPv6 modes', () => {
    const { value, issues } = subnetFromNeutronJson(subnetApiV6);
    assert.deepEqual(issues, []);
    assert.equal(value?.ipVersion, 6);
    assert.equal(value?.name, '');
    assert.equal(value?.ipv6AddressMode, 'dhcpv6-stateful');
    assert.equal(value?.ipv6RaMode, 'dhcpv6-stateful');
  });

  it("fills neutron's defaults for missing optional fields", () => {
    assert.deepEqual(subnetFromNeutronJson({ id: 'sub-1', cidr: 'fd00::/64' }).value, {
      id: 'sub-1',
      cidr: 'fd00::/64',
      ipVersion: 6,
      gatewayIp: null,
      enableDhcp: true,
      dnsNameservers: [],
      hostRoutes: [],
      allocationPools: [],
      ipv6AddressMode: null,
      ipv6RaMode: null,
    });
    // ip_version comes from the address even when the host bits are set (validation refuses those later).
    assert.equal(subnetFromNeutronJson({ id: 'sub-1', cidr: '10.0.0.5/24' }).value?.ipVersion, 4);
    // The SDK's attribute name.
    assert.equal(subnetFromNeutronJson({ id: 'sub-1', cidr: '10.0.0.0/24', is_dhcp_enabled: false }).value?.enableDhcp, false);
  });

  it('reports wrong types with snake_case paths, and gives no value', () => {
    const { value, issues } = subnetFromNeutronJson({
      id: 7,
      cidr: '10.0.0.0/24',
      ip_version: '4',
      enable_dhcp: 'true',
      gateway_ip: 1,
      dns_nameservers: 5,
      host_routes: [{ destination: '10.1.0.0/16' }],
      allocation_pools: 'garbage',
      ipv6_address_mode: 'dhcp',
    });
    assert.equal(value, undefined);
    assert.deepEqual(issues, [
      { path: 'id', value: 7, allowed: 'a string' },
      { path: 'ip_version', value: '4', allowed: '4 or 6 (a number)' },
      { path: 'gateway_ip', value: 1, allowed: 'a string or null' },
      { path: 'enable_dhcp', value: 'true', allowed: 'true or false' },
      { path: 'dns_nameservers', value: 5, allowed: "a list of address strings, as a JSON list or in openstackclient's string form" },
      { path: 'host_routes[0].nexthop', value: undefined, allowed: 'a string' },
      { path: 'allocation_pools', value: 'garbage', allowed: "a list of {start, end}, as a JSON list or in openstackclient's string form" },
      { path: 'ipv6_address_mode', value: 'dhcp', allowed: 'null or one of slaac, dhcpv6-stateful, dhcpv6-stateless' },
    ]);
  });

  it('needs ip_version when the cidr does not show it', () => {
    assert.deepEqual(subnetFromNeutronJson({ id: 's', cidr: 'somewhere' }).issues, [
      { path: 'ip_version', value: undefined, allowed: '4 or 6 (needed when cidr does not show the version)' },
    ]);
    assert.deepEqual(subnetFromNeutronJson([]).issues.map((i) => i.path), ['(root)']);
  });
});

describe('portFromNeutronJson', () => {
  it('reads `openstack port show -f json` and the API {"port": …}', () => {
    assert.deepEqual(portFromNeutronJson(portShow), { value: expectedPort, issues: [] });
    assert.deepEqual(portFromNeutronJson({ port: portShow }), { value: expectedPort, issues: [] });
  });

  it('reads the string forms of openstackclient < 4.0 to the same port', () => {
    assert.deepEqual(portFromNeutronJson(portShowOld), { value: expectedPort, issues: [] });
  });

  it("fills neutron's defaults: device_owner '', extra option ip_version 4, no dns_assignment", () => {
    const { value, issues } = portFromNeutronJson({
      id: P1,
      mac_address: 'fa:16:3e:11:22:33',
      fixed_ips: [],
      device_owner: null,
      extra_dhcp_opts: [{ opt_name: 'mtu', opt_value: '1400' }],
      dns_assignment: null,
    });
    assert.deepEqual(issues, []);
    assert.deepEqual(value, {
      id: P1,
      macAddress: 'fa:16:3e:11:22:33',
      fixedIps: [],
      deviceOwner: '',
      extraDhcpOpts: [{ optName: 'mtu', optValue: '1400', ipVersion: 4 }],
    });
    assert.ok(!('dnsAssignment' in value));
    assert.deepEqual(portFromNeutronJson({ id: P1, mac_address: 'fa:16:3e:11:22:33' }).value?.fixedIps, []);
  });

  it('reads a row of `openstack port list -f json`', () => {
    assert.deepEqual(portFromNeutronJson(portList[1]).value, {
      id: P1,
      macAddress: 'fa:16:3e:11:22:33',
      fixedIps: expectedPort.fixedIps,
      deviceOwner: '',
      extraDhcpOpts: [],
    });
  });

  it('reports wrong types with JSON paths, quoting Title Case keys', () => {
    const { value, issues } = portFromNeutronJson({ ID: P1, 'MAC Address': 42, 'Fixed IP Addresses': [{ subnet_id: SUB4 }] });
    assert.equal(value, undefined);
    assert.deepEqual(issues, [
      { path: '["MAC Address"]', value: 42, allowed: 'a string' },
      { path: '["Fixed IP Addresses"][0].ip_address', value: undefined, allowed: 'a string' },
    ]);
  });

  it('is strict about extra option and DNS assignment types', () => {
    const { issues } = portFromNeutronJson({
      ...portShow,
      extra_dhcp_opts: [{ opt_name: 'mtu', opt_value: null, ip_version: '4' }],
      dns_assignment: [{ hostname: 'vm1', ip_address: '10.0.0.5' }],
      fixed_ips: '10.0.0.5',
    });
    assert.deepEqual(issues, [
      { path: 'fixed_ips', value: '10.0.0.5', allowed: "a list of {subnet_id, ip_address}, as a JSON list or in openstackclient's string form" },
      { path: 'extra_dhcp_opts[0].opt_value', value: null, allowed: 'a string' },
      { path: 'extra_dhcp_opts[0].ip_version', value: '4', allowed: '4 or 6 (a number)' },
      { path: 'dns_assignment[0].fqdn', value: undefined, allowed: 'a string' },
    ]);
  });
});

describe('portsFromNeutronJson', () => {
  it('reads `openstack port list -f json`, new and old (with --long)', () => {
    const fresh = portsFromNeutronJson(portList);
    assert.deepEqual(fresh.issues, []);
    assert.deepEqual(fresh.value?.map((p) => [p.id, p.macAddress, p.fixedIps.length, p.deviceOwner]), [
      [DHCP, 'fa:16:3e:aa:bb:cc', 1, ''],
      [P1, 'fa:16:3e:11:22:33', 2, ''],
    ]);
    const old = portsFromNeutronJson(portListOldLong);
    assert.deepEqual(old.issues, []);
    assert.deepEqual(old.value?.[1], { id: P1, macAddress: 'fa:16:3e:11:22:33', fixedIps: expectedPort.fixedIps, deviceOwner: 'compute:nova', extraDhcpOpts: [] });
    assert.equal(old.value?.[0].deviceOwner, 'network:dhcp');
  });

  it('reads the API {"ports": [...]} and mixed shapes, with indexed paths', () => {
    const { value, issues } = portsFromNeutronJson({ ports: [portShow, portList[0]] });
    assert.deepEqual(issues, []);
    assert.deepEqual(value?.map((p) => p.id), [P1, DHCP]);
    assert.deepEqual(portsFromNeutronJson([portShow, { id: 'x' }]).issues, [{ path: '[1].mac_address', value: undefined, allowed: 'a string' }]);
    assert.deepEqual(portsFromNeutronJson('ports').issues, [{ path: '(root)', value: 'ports', allowed: 'a JSON list of ports (or {"ports": [...]})' }]);
  });
});

describe('networkFromNeutronJson', () => {
  const renderInput = {
    id: NET,
    name: 'private',
    mtu: 1450,
    dns_domain: 'example.org.',
    subnets: [subnetShowV4, subnetApiV6.subnet],
    ports: [portList[0], portShow],
  };

  it('reads the render input into a network that validates', () => {
    const { value, issues } = networkFromNeutronJson(renderInput);
    assert.deepEqual(issues, []);
    assert.equal(value?.id, NET);
    assert.equal(value?.mtu, 1450);
    assert.equal(value?.dnsDomain, 'example.org.');
    assert.deepEqual(value?.subnets[0], expectedSubnetV4);
    assert.deepEqual(value?.ports[1], expectedPort);
    assert.deepEqual(validateNetwork(value), []);
  });

  it('accepts {"network": …}, absent lists and null fields', () => {
    const { value, issues } = networkFromNeutronJson({ network: { id: NET, name: null, mtu: null, dns_domain: null } });
    assert.deepEqual(issues, []);
    assert.deepEqual(value, { id: NET, subnets: [], ports: [] });
  });

  it('points a network whose subnets are ids to networkFromOpenstackCli', () => {
    const { value, issues } = networkFromNeutronJson(networkShow);
    assert.equal(value, undefined);
    assert.deepEqual(issues.map((i) => [i.path, i.value]), [
      ['subnets[0]', SUB4],
      ['subnets[1]', SUB6],
    ]);
    assert.match(issues[0].allowed, /use networkFromOpenstackCli/);
  });

  it('reports nested problems with snake_case paths', () => {
    const { issues } = networkFromNeutronJson({ ...renderInput, mtu: '1450', ports: [{ ...portShow, fixed_ips: [{ subnet_id: SUB4, ip_address: 5 }] }] });
    assert.deepEqual(issues.map((i) => i.path), ['mtu', 'ports[0].fixed_ips[0].ip_address']);
    assert.deepEqual(networkFromNeutronJson(null).issues.map((i) => i.path), ['(root)']);
  });
});

describe('networkFromOpenstackCli', () => {
  it('assembles network show + subnet show + port list, in the order of the network subnet list', () => {
    const { value, issues } = networkFromOpenstackCli(networkShow, [subnetApiV6, subnetShowV4], portList);
    assert.deepEqual(issues, []);
    assert.deepEqual(value?.subnets.map((s) => s.id), [SUB4, SUB6]);
    assert.deepEqual(value?.ports.map((p) => p.id), [DHCP, P1]);
    assert.equal(value?.name, 'private');
    assert.deepEqual(validateNetwork(value), []);
  });

  it('reads the "a, b" subnets string of openstackclient < 4.0', () => {
    const { value, issues } = networkFromOpenstackCli({ ...networkShow, subnets: `${SUB4}, ${SUB6}` }, [subnetShowV4Old, subnetApiV6], portListOldLong);
    assert.deepEqual(issues, []);
    assert.deepEqual(value?.subnets.map((s) => s.id), [SUB4, SUB6]);
  });

  it('takes every given subnet when the network lists none', () => {
    const { value, issues } = networkFromOpenstackCli({ ...networkShow, subnets: [] }, { subnets: [subnetShowV4] }, { ports: [] });
    assert.deepEqual(issues, []);
    assert.deepEqual(value?.subnets.map((s) => s.id), [SUB4]);
  });

  it('reports missing subnet details, foreign subnets and ports of another network', () => {
    const other = { ...subnetShowV4, id: 'sub-x', network_id: 'net-x' };
    const { value, issues } = networkFromOpenstackCli(networkShow, [subnetShowV4, other], [{ ...portShow, network_id: 'net-x' }]);
    assert.equal(value, undefined);
    assert.deepEqual(issues.map((i) => [i.path, i.value]), [
      ['subnets[1].network_id', 'net-x'],
      ['network.subnets[1]', SUB6],
      ['subnets[1].id', 'sub-x'],
      ['ports[0].network_id', 'net-x'],
    ]);
    assert.match(issues[1].allowed, new RegExp(`the id of a subnet whose details are given \\(got ${SUB4}, sub-x\\)`));
    assert.match(issues[3].allowed, new RegExp(`"${NET}", the id of the network shown`));
  });

  it('reports a bad network document under "network"', () => {
    assert.deepEqual(networkFromOpenstackCli({ name: 'x' }, [], []).issues, [{ path: 'network.id', value: undefined, allowed: 'a string' }]);
    assert.deepEqual(networkFromOpenstackCli('x', 'y', []).issues.map((i) => i.path), ['network', 'subnets']);
  });
});

describe('openstackclient string forms', () => {
  it('parseOscDict reads key=\'value\' pairs, None as key=, values with ", " inside', () => {
    assert.deepEqual(parseOscDict("a='1', b=, c='x, y'"), { a: '1', b: null, c: 'x, y' });
    assert.deepEqual(parseOscDict(''), {});
    assert.equal(parseOscDict('a=1'), undefined);
    assert.equal(parseOscDict("a='1'x"), undefined);
    // Ambiguous by construction (a value may hold "'"): read as one value, as format_dict could have written it.
    assert.deepEqual(parseOscDict("a='1' b='2'"), { a: "1' b='2" });
  });

  it('parseOscListOfDicts and parseOscPools', () => {
    assert.deepEqual(parseOscListOfDicts("a='1'\nb='2'\n"), [{ a: '1' }, { b: '2' }]);
    assert.deepEqual(parseOscPools('fd00::2-fd00::ff'), [{ start: 'fd00::2', end: 'fd00::ff' }]);
    assert.equal(parseOscPools('10.0.0.2'), undefined);
  });
});
