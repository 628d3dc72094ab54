import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addnHostsLinesForPort, hostLinesForPort, renderAddnHosts, renderHostFile } from '../../src/dnsmasq/index';
import {
  D, E, F,
  ctx, dhcpPortA, dualNetwork, lines, opt, port, port1, port2, port3, port4, routerPort,
  subnet, v4Subnet, v4SubnetNoDhcp, v6Port, v6Slaac, v6Stateful, v6Stateless,
} from './dnsmasq-fixtures';

test('dual stack: IPv4 plain, IPv6 bracketed with tag:dhcpv6, dns_assignment fqdn, HA/DHCP ports left out', () => {
  // neutron _test_reload_allocation_data(tag=HOST_DHCPV6_TAG)
  assert.equal(
    renderHostFile(ctx(dualNetwork())),
    lines(
      '00:00:80:aa:bb:cc,host-192-168-0-2.openstacklocal.,192.168.0.2',
      '00:00:f3:aa:bb:cc,tag:dhcpv6,host-fdca-3ba5-a17a-4ba3--2.openstacklocal.,[fdca:3ba5:a17a:4ba3::2]',
      '00:00:0f:aa:bb:cc,host-192-168-0-3.openstacklocal.,192.168.0.3',
      '00:00:0f:aa:bb:cc,tag:dhcpv6,host-fdca-3ba5-a17a-4ba3--3.openstacklocal.,[fdca:3ba5:a17a:4ba3::3]',
      '00:00:0f:rr:rr:rr,host-192-168-0-1.openstacklocal.,192.168.0.1',
    ),
  );
});

test('without dnsmasq host-tag support there is no tag:dhcpv6', () => {
  const host = renderHostFile(ctx(dualNetwork(), {}, { dnsmasqHostTagSupport: false }));
  assert.match(host, /^00:00:f3:aa:bb:cc,host-fdca-3ba5-a17a-4ba3--2\.openstacklocal\.,\[fdca:3ba5:a17a:4ba3::2\]$/m);
  assert.doesNotMatch(host, /tag:/);
});

test('no dns_domain and no dns_assignment: bare host-<ip> names', () => {
  // neutron _test_no_dns_domain_alloc_data, here without dns_assignment at all
  const net = dualNetwork('');
  const bare = { ...net, ports: net.ports.map((p) => ({ ...p, dnsAssignment: undefined })) };
  const c = ctx(bare, { dnsDomain: '' });
  assert.equal(
    renderHostFile(c),
    lines(
      '00:00:80:aa:bb:cc,host-192-168-0-2,192.168.0.2',
      '00:00:f3:aa:bb:cc,tag:dhcpv6,host-fdca-3ba5-a17a-4ba3--2,[fdca:3ba5:a17a:4ba3::2]',
      '00:00:0f:aa:bb:cc,host-192-168-0-3,192.168.0.3',
      '00:00:0f:aa:bb:cc,tag:dhcpv6,host-fdca-3ba5-a17a-4ba3--3,[fdca:3ba5:a17a:4ba3::3]',
      '00:00:0f:rr:rr:rr,host-192-168-0-1,192.168.0.1',
    ),
  );
  assert.equal(
    renderAddnHosts(c),
    lines(
      '192.168.0.2\thost-192-168-0-2 host-192-168-0-2',
      'fdca:3ba5:a17a:4ba3::2\thost-fdca-3ba5-a17a-4ba3--2 host-fdca-3ba5-a17a-4ba3--2',
      '192.168.0.3\thost-192-168-0-3 host-192-168-0-3',
      'fdca:3ba5:a17a:4ba3::3\thost-fdca-3ba5-a17a-4ba3--3 host-fdca-3ba5-a17a-4ba3--3',
      '192.168.0.1\thost-192-168-0-1 host-192-168-0-1',
    ),
  );
});

test('the agent dns_domain is appended verbatim (a trailing dot stays)', () => {
  const p = port({ id: 'p', macAddress: 'fa:16:3e:00:00:01', fixedIps: [{ subnetId: D, ipAddress: '192.168.0.9' }] });
  const c = ctx({ id: 'n', subnets: [v4Subnet], ports: [p] }, { dnsDomain: 'example.org.' });
  assert.equal(hostLinesForPort(p, c), 'fa:16:3e:00:00:01,host-192-168-0-9.example.org.,192.168.0.9\n');
  assert.equal(addnHostsLinesForPort(p, c), '192.168.0.9\thost-192-168-0-9.example.org. host-192-168-0-9\n');
});

test('addn_hosts: fqdn before hostname, IPv6 unbracketed, no-DHCP subnets included', () => {
  // neutron _test_reload_allocation_data
  assert.equal(
    renderAddnHosts(ctx(dualNetwork())),
    lines(
      '192.168.0.2\thost-192-168-0-2.openstacklocal. host-192-168-0-2',
      'fdca:3ba5:a17a:4ba3::2\thost-fdca-3ba5-a17a-4ba3--2.openstacklocal. host-fdca-3ba5-a17a-4ba3--2',
      '192.168.0.3\thost-192-168-0-3.openstacklocal. host-192-168-0-3',
      'fdca:3ba5:a17a:4ba3::3\thost-fdca-3ba5-a17a-4ba3--3.openstacklocal. host-fdca-3ba5-a17a-4ba3--3',
      '192.168.0.1\thost-192-168-0-1.openstacklocal. host-192-168-0-1',
    ),
  );
  const c = ctx({ id: 'n', subnets: [v4Subnet, v4SubnetNoDhcp], ports: [port3()] });
  assert.equal(addnHostsLinesForPort(port3(), c), lines('192.168.0.4\thost-192-168-0-4.openstacklocal. host-192-168-0-4', '192.168.1.2\thost-192-168-1-2.openstacklocal. host-192-168-1-2'));
});

test('addresses on DHCP-disabled subnets get no host entry', () => {
  // neutron test_only_populates_dhcp_enabled_subnet_on_a_network
  const net = { id: 'n', subnets: [v4Subnet, v4SubnetNoDhcp], ports: [port1(), port2(), port3(), routerPort()] };
  assert.equal(
    renderHostFile(ctx(net)),
    lines(
      '00:00:80:aa:bb:cc,host-192-168-0-2.openstacklocal.,192.168.0.2',
      '00:00:f3:aa:bb:cc,host-192-168-0-3.openstacklocal.,192.168.0.3',
      '00:00:0f:aa:bb:cc,host-192-168-0-4.openstacklocal.,192.168.0.4',
      '00:00:0f:rr:rr:rr,host-192-168-0-1.openstacklocal.,192.168.0.1',
    ),
  );
});

test('SLAAC addresses get no host entry, MAC case kept', () => {
  // neutron test_only_populates_dhcp_enabled_subnets
  const net = { id: E, subnets: [v4Subnet, v6Slaac], ports: [port1(), port4(), routerPort()] };
  assert.equal(
    renderHostFile(ctx(net)),
    lines(
      '00:00:80:aa:bb:cc,host-192-168-0-2.openstacklocal.,192.168.0.2',
      '00:16:3E:C2:77:1D,host-192-168-0-4.openstacklocal.,192.168.0.4',
      '00:00:0f:rr:rr:rr,host-192-168-0-1.openstacklocal.,192.168.0.1',
    ),
  );
  // …but SLAAC addresses are still resolvable
  assert.match(renderAddnHosts(ctx(net)), /^ffda:3ba5:a17a:4ba3:0216:3eff:fec2:771d\thost-ffda-3ba5-a17a-4ba3-0216-3eff-fec2-771d\.openstacklocal\. /m);
});

test('ports with extra options get set:port-<id>; SLAAC addresses still nothing', () => {
  // neutron test_host_file_on_net_with_v6_slaac_and_v4
  const pxe = [opt('tag:ipxe,bootfile-name', 'pxelinux.0')];
  const net = { id: E, subnets: [v4Subnet, v6Slaac], ports: [port1('openstacklocal', pxe), port4(pxe), routerPort('openstacklocal', pxe)] };
  assert.equal(
    renderHostFile(ctx(net)),
    lines(
      '00:00:80:aa:bb:cc,host-192-168-0-2.openstacklocal.,192.168.0.2,set:port-eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee',
      '00:16:3E:C2:77:1D,host-192-168-0-4.openstacklocal.,192.168.0.4,set:port-gggggggg-gggg-gggg-gggg-gggggggggggg',
      '00:00:0f:rr:rr:rr,host-192-168-0-1.openstacklocal.,192.168.0.1,set:port-rrrrrrrr-rrrr-rrrr-rrrr-rrrrrrrrrrrr',
    ),
  );
});

test('DHCPv6-stateless: mac,[tag:dhcpv6,]set:port-<id> first, only for ports with extra options', () => {
  // neutron test_host_and_opts_file_on_net_with_V6_stateless_and_V4_subnets
  const dual = port({
    id: 'hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh',
    macAddress: '00:16:3e:c2:77:1d',
    fixedIps: [
      { ipAddress: '192.168.0.3', subnetId: D },
      { ipAddress: 'ffea:3ba5:a17a:4ba3:0216:3eff:fec2:771d', subnetId: E },
    ],
    extraDhcpOpts: [opt('dns-server', 'ffea:3ba5:a17a:4ba3::100', 6)],
  });
  const net = { id: 'n', subnets: [v6Stateless, v4Subnet], ports: [dual, routerPort()] };
  const expected = (tag: string) =>
    lines(
      `00:16:3e:c2:77:1d,${tag}set:port-hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh`,
      '00:16:3e:c2:77:1d,host-192-168-0-3.openstacklocal,192.168.0.3,set:port-hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh',
      '00:00:0f:rr:rr:rr,host-192-168-0-1.openstacklocal.,192.168.0.1',
    );
  assert.equal(renderHostFile(ctx(net, {}, { dnsmasqHostTagSupport: false })), expected(''));
  assert.equal(renderHostFile(ctx(net)), expected('tag:dhcpv6,'));
  // without extra options a stateless address has no host entry at all
  const plain = { ...dual, extraDhcpOpts: [] };
  assert.equal(hostLinesForPort(plain, ctx(net)), '00:16:3e:c2:77:1d,host-192-168-0-3.openstacklocal,192.168.0.3\n');
});

test('client-id: id:<cid>, set:port-<id> only when other options exist; 61 works too', () => {
  // neutron test_only_populates_dhcp_client_id
  const p5 = port({ id: 'eeeeeeee-eeee-eeee-eeee-eeeeeeeeeee', macAddress: '00:00:0f:aa:bb:55', fixedIps: [{ ipAddress: '192.168.0.5', subnetId: D }], extraDhcpOpts: [opt('client-id', 'test5')] });
  const p6 = port({ id: 'ccccccccc-cccc-cccc-cccc-ccccccccc', macAddress: '00:00:0f:aa:bb:66', fixedIps: [{ ipAddress: '192.168.0.6', subnetId: D }], extraDhcpOpts: [opt('client-id', 'test6'), opt('dns-server', '123.123.123.45')] });
  const p7 = port({ id: 'p7', macAddress: '00:00:0f:aa:bb:77', fixedIps: [{ ipAddress: 'fdca:3ba5:a17a:4ba3::7', subnetId: F }], extraDhcpOpts: [opt('61', 'cid7')] });
  const net = { id: 'n', subnets: [v4Subnet, v6Stateful], ports: [port1(), p5, p6, p7] };
  assert.equal(
    renderHostFile(ctx(net, { dnsDomain: 'openstacklocal' })),
    lines(
      '00:00:80:aa:bb:cc,host-192-168-0-2.openstacklocal.,192.168.0.2',
      '00:00:0f:aa:bb:55,id:test5,host-192-168-0-5.openstacklocal,192.168.0.5',
      '00:00:0f:aa:bb:66,id:test6,host-192-168-0-6.openstacklocal,192.168.0.6,set:port-ccccccccc-cccc-cccc-cccc-ccccccccc',
      '00:00:0f:aa:bb:77,tag:dhcpv6,id:cid7,host-fdca-3ba5-a17a-4ba3--7.openstacklocal,[fdca:3ba5:a17a:4ba3::7]',
    ),
  );
});

test('dnsmasq_enable_addr6_list: stateful IPv6 addresses of a subnet in one entry, after the others', () => {
  // neutron test_host_and_opts_file_on_stateful_dhcpv6_same_subnet_fixedips, plus an IPv4 address
  const p = port({
    id: 'h',
    macAddress: '00:00:f3:aa:bb:cc',
    fixedIps: [
      { ipAddress: 'fdca:3ba5:a17a:4ba3::2', subnetId: F },
      { ipAddress: '192.168.0.7', subnetId: D },
      { ipAddress: 'fdca:3ba5:a17a:4ba3::4', subnetId: F },
    ],
    dnsAssignment: [{ hostname: 'vm', ipAddress: 'fdca:3ba5:a17a:4ba3::2', fqdn: 'vm.openstacklocal.' }],
  });
  const net = { id: 'n', subnets: [v4Subnet, v6Stateful], ports: [p] };
  assert.equal(
    renderHostFile(ctx(net, { dnsmasqEnableAddr6List: true })),
    lines('00:00:f3:aa:bb:cc,host-192-168-0-7.openstacklocal,192.168.0.7', '00:00:f3:aa:bb:cc,tag:dhcpv6,vm.openstacklocal.,[fdca:3ba5:a17a:4ba3::2],[fdca:3ba5:a17a:4ba3::4]'),
  );
  // default: one entry per address, in fixed-IP order; addn_hosts never merges
  assert.equal(
    renderHostFile(ctx(net)),
    lines(
      '00:00:f3:aa:bb:cc,tag:dhcpv6,vm.openstacklocal.,[fdca:3ba5:a17a:4ba3::2]',
      '00:00:f3:aa:bb:cc,host-192-168-0-7.openstacklocal,192.168.0.7',
      '00:00:f3:aa:bb:cc,tag:dhcpv6,host-fdca-3ba5-a17a-4ba3--4.openstacklocal,[fdca:3ba5:a17a:4ba3::4]',
    ),
  );
  assert.equal(renderAddnHosts(ctx(net, { dnsmasqEnableAddr6List: true })).split('\n').length, 4);
});

test('ports excluded by port_requires_dhcp_configuration render nothing; ports without owner are kept', () => {
  const c = ctx({ id: 'n', subnets: [v4Subnet], ports: [] });
  assert.equal(hostLinesForPort(dhcpPortA(), c), '');
  assert.equal(addnHostsLinesForPort(dhcpPortA(), c), '');
  for (const owner of ['network:floatingip', 'network:router_ha_interface', 'network:distributed']) {
    assert.equal(hostLinesForPort({ ...port1(), deviceOwner: owner }, c), '', owner);
  }
  assert.notEqual(hostLinesForPort({ ...port1(), deviceOwner: '' }, c), '');
  assert.notEqual(hostLinesForPort({ ...port1(), deviceOwner: 'network:router_gateway' }, c), '');
});

test('a port with no fixed IPs, or with IPs on unknown subnets, renders no host line', () => {
  const c = ctx({ id: 'n', subnets: [v4Subnet], ports: [] });
  assert.equal(hostLinesForPort(port({ id: 'x', macAddress: 'fa:16:3e:00:00:09', fixedIps: [] }), c), '');
  const stray = port({ id: 'y', macAddress: 'fa:16:3e:00:00:0a', fixedIps: [{ ipAddress: '10.9.9.9', subnetId: 'gone' }] });
  assert.equal(hostLinesForPort(stray, c), '');
  assert.equal(addnHostsLinesForPort(stray, c), '10.9.9.9\thost-10-9-9-9.openstacklocal host-10-9-9-9\n');
});

test('DHCPv6-stateless subnet, port without extra options: empty host file', () => {
  const s = subnet({ ...v6Stateless, dnsNameservers: ['::'] });
  const p = { ...v6Port(), fixedIps: [{ ipAddress: 'ffea:3ba5:a17a:4ba3::2', subnetId: E }] };
  assert.equal(renderHostFile(ctx({ id: 'n', subnets: [s], ports: [p] })), '');
  assert.equal(renderAddnHosts(ctx({ id: 'n', subnets: [s], ports: [p] })), 'ffea:3ba5:a17a:4ba3::2\thost-ffea-3ba5-a17a-4ba3--2.openstacklocal host-ffea-3ba5-a17a-4ba3--2\n');
});
