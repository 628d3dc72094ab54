import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dhcpAddressIssues, ownPortIdIssue, validateNetworkSpec } from '../../src/agent/validate-spec';
import { dhcpAddressIssue } from '../../src/model/dhcp-address';
import type { Port, Subnet } from '../../src/model/types';
import { networkResource, networkSchema } from '../../src/provider/resources/network';
import type { ObjectValue } from '../../src/provider/cty';
import { networkSpec } from '../support/specs';
import { subnet as fixtureSubnet } from './dnsmasq-fixtures';

const subnet = (cidr: string, more: Partial<Subnet> = {}): Subnet => fixtureSubnet({ id: `sub-${cidr}`, cidr, ...more });

const client: Port = { id: 'vm1', macAddress: 'fa:16:3e:00:00:10', fixedIps: [{ subnetId: 'sub-10.0.0.0/24', ipAddress: '10.0.0.10' }], deviceOwner: 'compute:nova', extraDhcpOpts: [] };
const subnets = [subnet('10.0.0.0/24', { gatewayIp: '10.0.0.1' }), subnet('fd00:1::/64', { gatewayIp: 'fd00:1::1' }), subnet('10.9.0.0/24', { enableDhcp: false })];

describe('dhcpAddressIssue: where a DHCP server address may be', () => {
  const allowed = (ip: unknown) => dhcpAddressIssue(ip, 'x', subnets, [client])?.allowed ?? null;

  it('accepts host addresses of DHCP-enabled subnets that nobody else holds', () => {
    for (const ip of ['10.0.0.2', '10.0.0.254', 'fd00:1::2', 'fd00:1::ffff']) assert.equal(allowed(ip), null, ip);
  });

  it('refuses, in words naming the rule', () => {
    const inside = "an address inside one of the network's DHCP-enabled subnets (10.0.0.0/24, fd00:1::/64)";
    assert.equal(allowed('192.168.0.5'), inside);
    assert.equal(allowed('10.9.0.5'), inside, 'a subnet without DHCP');
    assert.equal(allowed('10.0.0.0'), 'an address of 10.0.0.0/24 other than its network address 10.0.0.0');
    assert.equal(allowed('10.0.0.255'), 'an address of 10.0.0.0/24 other than its broadcast address 10.0.0.255');
    assert.equal(allowed('10.0.0.1'), 'an address of 10.0.0.0/24 other than its gateway 10.0.0.1');
    assert.equal(allowed('fd00:1:0::1'), 'an address of fd00:1::/64 other than its gateway fd00:1::1', 'compared canonically');
    assert.equal(allowed('fd00:1::'), 'an address of fd00:1::/64 other than its subnet-router anycast address fd00:1::');
    assert.equal(allowed('10.0.0.10'), 'an address no client port of the network holds (port vm1 has it)');
    assert.equal(allowed('10.0.0.5/24'), `an IPv4 or IPv6 address: ${inside}`);
    assert.equal(allowed(42), `an IPv4 or IPv6 address: ${inside}`);
  });

  it('has no network or broadcast address to refuse on /31 and /32', () => {
    const p2p = [subnet('10.0.0.0/31')];
    assert.equal(dhcpAddressIssue('10.0.0.0', 'x', p2p), null);
    assert.equal(dhcpAddressIssue('10.0.0.1', 'x', p2p), null);
  });
});

describe('validateNetworkSpec: the DHCP port of the spec', () => {
  const node = { name: 'n1', bridge: 'br0', statePath: '/var/lib/dhcp-agent' };

  it('a DHCP address outside the subnet is one issue on its ipAddress, not an empty subnet id', () => {
    const spec = networkSpec(node, { networkId: 'net1', dhcpIp: '10.9.9.9' });
    const bad = structuredClone(spec);
    (bad.network.ports[0].fixedIps[0] as { subnetId: string }).subnetId = '';
    const issues = validateNetworkSpec(bad);
    assert.deepEqual(issues, [
      { path: 'network.ports[0].fixedIps[0].ipAddress', value: '10.9.9.9', allowed: "an address inside one of the network's DHCP-enabled subnets (172.16.0.0/24)" },
    ]);
  });

  it('the gateway is refused; a client port kept on the node is refused by dhcpAddressIssues', () => {
    assert.deepEqual(
      validateNetworkSpec(networkSpec(node, { networkId: 'net1', dhcpIp: '172.16.0.1' })).map((i) => i.allowed),
      ['an address of 172.16.0.0/24 other than its gateway 172.16.0.1'],
    );
    const spec = networkSpec(node, { networkId: 'net1', dhcpIp: '172.16.0.10' });
    assert.deepEqual(validateNetworkSpec(spec), []);
    const onNode: Port = { ...client, fixedIps: [{ subnetId: spec.network.subnets[0].id, ipAddress: '172.16.0.10' }] };
    assert.deepEqual(dhcpAddressIssues(spec.network, [onNode]), [
      { path: 'network.ports[0].fixedIps[0].ipAddress', value: '172.16.0.10', allowed: 'an address no client port of the network holds (port vm1 has it)' },
    ]);
  });
});

describe("ownPortIdIssue: a client port may not take the id of one of the network's own ports", () => {
  const spec = networkSpec({ name: 'n1', bridge: 'br0', statePath: '/var/lib/dhcp-agent' }, { networkId: 'net1', dhcpIp: '172.16.0.10' });
  const dhcpPort = spec.network.ports[0].id;

  it("names the field, the id and that it is the network's DHCP port", () => {
    assert.deepEqual(ownPortIdIssue(spec.network, dhcpPort, 'ports[3].id'), {
      path: 'ports[3].id',
      value: dhcpPort,
      allowed: `an id not used by the network's own ports (${dhcpPort} is a DHCP port)`,
    });
  });

  it('has nothing to say about any other id', () => {
    assert.equal(ownPortIdIssue(spec.network, 'vm1', 'port.id'), undefined);
  });
});

describe('dhcpagent_network plan: refused DHCP addresses name the attribute and the value', () => {
  function proposed(dhcpIps: string[], peers?: string[]): ObjectValue {
    const v: ObjectValue = Object.fromEntries(Object.keys(networkSchema.attributes).map((k) => [k, null]));
    return {
      ...v,
      node: { host: '192.0.2.10', port: null, user: null, private_key_path: null, host_key_sha256: null, known_hosts_path: null, insecure_ignore_host_key: true, become: null, state_path: null },
      network_id: 'net1',
      bridge: 'br0',
      subnets: [{ id: null, cidr: '172.16.0.0/24', ip_version: null, gateway_ip: '172.16.0.1', enable_dhcp: null, dns_nameservers: null, host_routes: null, allocation_pools: null, ipv6_address_mode: null, ipv6_ra_mode: null }],
      dhcp_ip_addresses: dhcpIps,
      peer_dhcp_ports: peers ? [{ id: 'peer1', mac_address: 'fa:16:3e:00:00:99', ip_addresses: peers }] : null,
    };
  }
  const plan = async (dhcpIps: string[], peers?: string[]) => {
    const r = await networkResource.plan!({ action: 'create', prior: null, proposed: proposed(dhcpIps, peers), config: proposed(dhcpIps, peers) } as never, {} as never);
    return (r.diagnostics ?? []).map((d) => ({ summary: d.summary, detail: d.detail, path: d.attribute }));
  };

  it('outside the subnet: dhcp_ip_addresses[0], not a subnet id', async () => {
    const d = await plan(['10.9.9.9']);
    assert.equal(d.length, 1, JSON.stringify(d));
    assert.equal(d[0].summary, 'Invalid dhcp_ip_addresses[0]');
    assert.equal(d[0].detail, 'dhcp_ip_addresses[0]: got "10.9.9.9"; an address inside one of the network\'s DHCP-enabled subnets (172.16.0.0/24)');
    assert.deepEqual(d[0].path, ['dhcp_ip_addresses', 0]);
  });

  it('the gateway, the broadcast address, a peer on the gateway', async () => {
    assert.equal((await plan(['172.16.0.1']))[0].detail, 'dhcp_ip_addresses[0]: got "172.16.0.1"; an address of 172.16.0.0/24 other than its gateway 172.16.0.1');
    assert.equal((await plan(['172.16.0.255']))[0].detail, 'dhcp_ip_addresses[0]: got "172.16.0.255"; an address of 172.16.0.0/24 other than its broadcast address 172.16.0.255');
    const peer = await plan(['172.16.0.2'], ['172.16.0.1']);
    assert.equal(peer[0].detail, 'peer_dhcp_ports[0].ip_addresses[0]: got "172.16.0.1"; an address of 172.16.0.0/24 other than its gateway 172.16.0.1');
    assert.deepEqual(peer[0].path, ['peer_dhcp_ports', 0, 'ip_addresses', 0]);
  });

  it('a good address plans', async () => {
    assert.deepEqual(await plan(['172.16.0.3']), []);
  });
});
