import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dhcpServerDnsOptLines, formatOption, optLinesForPort, renderOpts, subnetOptLines } from '../../src/dnsmasq/index';
import {
  C, D, E,
  ctx, dhcpPortA, dhcpPortB, dualNetwork, opt, port, port1, port2, port3, routerPort, routerPort2,
  subnet, v4Subnet, v4Subnet2, v4SubnetNoDhcp, v6NoMode, v6Port, v6Slaac, v6Stateful, v6Stateless,
} from './dnsmasq-fixtures';

const SD = `tag:subnet-${D}`;
const SC = `tag:subnet-${C}`;
const SE = `tag:subnet-${E}`;
const SF = 'tag:subnet-ffffffff-ffff-ffff-ffff-ffffffffffff';
const P1 = 'tag:port-eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee';
const P2 = 'tag:port-ffffffff-ffff-ffff-ffff-ffffffffffff';
const PH = 'tag:port-hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh';
const join = (...ls: string[]) => ls.join('\n');

test('dual stack: dns-server, routes with metadata via gateway and default route last, router; IPv6 option6 + domain-search', () => {
  // neutron test_output_opts_file
  assert.equal(
    renderOpts(ctx(dualNetwork())),
    join(
      `${SD},option:dns-server,8.8.8.8`,
      `${SD},option:classless-static-route,20.0.0.1/24,20.0.0.1,169.254.169.254/32,192.168.0.1,0.0.0.0/0,192.168.0.1`,
      `${SD},249,20.0.0.1/24,20.0.0.1,169.254.169.254/32,192.168.0.1,0.0.0.0/0,192.168.0.1`,
      `${SD},option:router,192.168.0.1`,
      `${SF},option6:dns-server,[2001:0200:feed:7ac0::1]`,
      `${SF},option6:domain-search,openstacklocal`,
    ),
  );
});

test('IPv4 single subnet, no host routes: metadata and default routes only', () => {
  const s = subnet({ ...v4Subnet, hostRoutes: [] });
  assert.deepEqual(subnetOptLines(ctx({ id: 'n', subnets: [s], ports: [port1(), routerPort()] })), [
    `${SD},option:dns-server,8.8.8.8`,
    `${SD},option:classless-static-route,169.254.169.254/32,192.168.0.1,0.0.0.0/0,192.168.0.1`,
    `${SD},249,169.254.169.254/32,192.168.0.1,0.0.0.0/0,192.168.0.1`,
    `${SD},option:router,192.168.0.1`,
  ]);
});

test('a 0.0.0.0/0 host route is dropped when the subnet has a gateway', () => {
  // neutron test_output_opts_file_gateway_route
  const s = subnet({ ...v4Subnet, hostRoutes: [{ destination: '0.0.0.0/0', nexthop: '10.0.0.1' }] });
  const net = { id: C, subnets: [s, v6Stateful], ports: [port1(), port2(), port3(), routerPort()] };
  assert.equal(
    renderOpts(ctx(net)),
    join(
      `${SD},option:dns-server,8.8.8.8`,
      `${SD},option:classless-static-route,169.254.169.254/32,192.168.0.1,0.0.0.0/0,192.168.0.1`,
      `${SD},249,169.254.169.254/32,192.168.0.1,0.0.0.0/0,192.168.0.1`,
      `${SD},option:router,192.168.0.1`,
      `${SF},option6:dns-server,[2001:0200:feed:7ac0::1]`,
      `${SF},option6:domain-search,openstacklocal`,
    ),
  );
});

test('no gateway: a 0.0.0.0/0 host route becomes the router and the last route', () => {
  const s = subnet({
    id: E,
    cidr: '192.168.1.0/24',
    hostRoutes: [
      { destination: '0.0.0.0/0', nexthop: '192.168.1.254' },
      { destination: '10.10.0.0/16', nexthop: '192.168.1.253' },
      { destination: '0.0.0.0/0', nexthop: '192.168.1.252' },
    ],
  });
  assert.deepEqual(subnetOptLines(ctx({ id: 'n', subnets: [s], ports: [] })), [
    `${SE},option:classless-static-route,10.10.0.0/16,192.168.1.253,0.0.0.0/0,192.168.1.254`,
    `${SE},249,10.10.0.0/16,192.168.1.253,0.0.0.0/0,192.168.1.254`,
    `${SE},option:router,192.168.1.254`,
  ]);
});

test('no gateway, no routes: bare option:router only', () => {
  const s = subnet({ id: E, cidr: '192.168.1.0/24' });
  assert.deepEqual(subnetOptLines(ctx({ id: 'n', subnets: [s], ports: [port1()] })), [`${SE},option:router`]);
});

test('isolated subnet + enable_isolated_metadata: metadata route via this agent\'s DHCP address', () => {
  // neutron test_output_opts_file_no_gateway and …_no_neutron_router_on_subnet
  const noGw = subnet({ id: E, cidr: '192.168.1.0/24' });
  const self = port({ id: 'dhcp-self', macAddress: 'fa:16:3e:00:00:aa', deviceOwner: 'network:dhcp', fixedIps: [{ ipAddress: '192.168.1.1', subnetId: E }] });
  const net = { id: C, subnets: [noGw], ports: [port1(), self] };
  assert.equal(
    renderOpts(ctx(net, { enableIsolatedMetadata: true }, { selfDhcpPortId: 'dhcp-self' })),
    join(`${SE},option:classless-static-route,169.254.169.254/32,192.168.1.1`, `${SE},249,169.254.169.254/32,192.168.1.1`, `${SE},option:router`),
  );
  // without enable_isolated_metadata an isolated subnet gets no metadata route
  assert.equal(renderOpts(ctx(net, {}, { selfDhcpPortId: 'dhcp-self' })), `${SE},option:router`);

  const noRouter = subnet({ id: E, cidr: '192.168.1.0/24', gatewayIp: '192.168.1.1' });
  const self2 = { ...self, fixedIps: [{ ipAddress: '192.168.1.2', subnetId: E }] };
  assert.equal(
    renderOpts(ctx({ id: C, subnets: [noRouter], ports: [port1(), self2] }, { enableIsolatedMetadata: true }, { selfDhcpPortId: 'dhcp-self' })),
    join(
      `${SE},option:classless-static-route,169.254.169.254/32,192.168.1.2,0.0.0.0/0,192.168.1.1`,
      `${SE},249,169.254.169.254/32,192.168.1.2,0.0.0.0/0,192.168.1.1`,
      `${SE},option:router,192.168.1.1`,
    ),
  );
});

test('force_metadata: metadata via the DHCP address even when a router holds the gateway; none without one', () => {
  const s = subnet({ ...v4Subnet, hostRoutes: [] });
  const net = { id: 'n', subnets: [s], ports: [port1(), routerPort(), dhcpPortB()] };
  const c = ctx(net, { forceMetadata: true }, { selfDhcpPortId: dhcpPortB().id });
  assert.deepEqual(subnetOptLines(c).slice(1, 3), [
    `${SD},option:classless-static-route,169.254.169.254/32,192.168.0.6,0.0.0.0/0,192.168.0.1`,
    `${SD},249,169.254.169.254/32,192.168.0.6,0.0.0.0/0,192.168.0.1`,
  ]);
  // no interface address on the subnet: no metadata route (neutron does not fall back to the gateway)
  assert.deepEqual(subnetOptLines(ctx(net, { forceMetadata: true })), [`${SD},option:dns-server,8.8.8.8`, `${SD},option:router,192.168.0.1`]);
});

test('a distributed (DVR) router interface also makes a subnet non-isolated', () => {
  // neutron test_output_opts_file_dist_neutron_router_on_subnet
  const dvr = { ...routerPort(), deviceOwner: 'network:router_interface_distributed' };
  const lines = subnetOptLines(ctx({ id: C, subnets: [v4Subnet], ports: [port1(), dvr] }, { enableIsolatedMetadata: true }));
  assert.equal(lines[1], `${SD},option:classless-static-route,20.0.0.1/24,20.0.0.1,169.254.169.254/32,192.168.0.1,0.0.0.0/0,192.168.0.1`);
});

test('other IPv4 subnets are on-link routes, prepended (the last subnet comes first), DHCP or not', () => {
  // neutron test_output_opts_file_single_dhcp and test_output_opts_file_dual_dhcp_rfc3442
  assert.equal(
    renderOpts(ctx({ id: C, subnets: [v4Subnet, v4SubnetNoDhcp], ports: [port1(), port2(), port3(), routerPort()] })),
    join(
      `${SD},option:dns-server,8.8.8.8`,
      `${SD},option:classless-static-route,192.168.1.0/24,0.0.0.0,20.0.0.1/24,20.0.0.1,169.254.169.254/32,192.168.0.1,0.0.0.0/0,192.168.0.1`,
      `${SD},249,192.168.1.0/24,0.0.0.0,20.0.0.1/24,20.0.0.1,169.254.169.254/32,192.168.0.1,0.0.0.0/0,192.168.0.1`,
      `${SD},option:router,192.168.0.1`,
    ),
  );
  assert.equal(
    renderOpts(ctx({ id: C, subnets: [v4Subnet, v4Subnet2], ports: [port1(), routerPort(), routerPort2()] })),
    join(
      `${SD},option:dns-server,8.8.8.8`,
      `${SD},option:classless-static-route,192.168.1.0/24,0.0.0.0,20.0.0.1/24,20.0.0.1,169.254.169.254/32,192.168.0.1,0.0.0.0/0,192.168.0.1`,
      `${SD},249,192.168.1.0/24,0.0.0.0,20.0.0.1/24,20.0.0.1,169.254.169.254/32,192.168.0.1,0.0.0.0/0,192.168.0.1`,
      `${SD},option:router,192.168.0.1`,
      `${SC},option:dns-server,8.8.8.8`,
      `${SC},option:classless-static-route,192.168.0.0/24,0.0.0.0,169.254.169.254/32,192.168.1.1,0.0.0.0/0,192.168.1.1`,
      `${SC},249,192.168.0.0/24,0.0.0.0,169.254.169.254/32,192.168.1.1,0.0.0.0/0,192.168.1.1`,
      `${SC},option:router,192.168.1.1`,
    ),
  );
  const third = subnet({ id: 'x', cidr: '10.0.0.0/8', enableDhcp: false });
  assert.match(subnetOptLines(ctx({ id: 'n', subnets: [v4Subnet, v4Subnet2, third], ports: [] }))[1], /,option:classless-static-route,10\.0\.0\.0\/8,0\.0\.0\.0,192\.168\.1\.0\/24,0\.0\.0\.0,20\.0\.0\.1\/24,/);
});

test('dns-server: list kept in order; the any-address alone means a bare option (no DNS announced)', () => {
  // neutron test_output_opts_file_agent_with_many_dns_provided / _with_no_dns_provided
  const many = subnet({ ...v4Subnet, hostRoutes: [], dnsNameservers: ['2.2.2.2', '9.9.9.9', '1.1.1.1', '3.3.3.3'] });
  assert.equal(subnetOptLines(ctx({ id: 'n', subnets: [many], ports: [] }))[0], `${SD},option:dns-server,2.2.2.2,9.9.9.9,1.1.1.1,3.3.3.3`);
  const none = subnet({ ...v4Subnet, hostRoutes: [], dnsNameservers: ['0.0.0.0'] });
  assert.equal(subnetOptLines(ctx({ id: 'n', subnets: [none], ports: [] }))[0], `${SD},option:dns-server`);
  const none6 = subnet({ ...v6Stateless, dnsNameservers: ['::'] });
  assert.deepEqual(subnetOptLines(ctx({ id: 'n', subnets: [none6], ports: [] })), [`${SE},option6:dns-server`, `${SE},option6:domain-search,openstacklocal`]);
  // '0.0.0.0' is not the any-address of an IPv6 subnet, and the rule needs a single server
  const odd = subnet({ ...v6Stateless, dnsNameservers: ['0.0.0.0'] });
  assert.equal(subnetOptLines(ctx({ id: 'n', subnets: [odd], ports: [] }))[0], `${SE},option6:dns-server,[0.0.0.0]`);
  const two = subnet({ ...v4Subnet, hostRoutes: [], dnsNameservers: ['0.0.0.0', '8.8.8.8'] });
  assert.equal(subnetOptLines(ctx({ id: 'n', subnets: [two], ports: [] }))[0], `${SD},option:dns-server,0.0.0.0,8.8.8.8`);
});

test('IPv6: SLAAC and DHCP-disabled subnets get nothing; no domain-search without dns_domain; no routes/router', () => {
  assert.deepEqual(subnetOptLines(ctx({ id: 'n', subnets: [v6Slaac, subnet({ ...v4SubnetNoDhcp })], ports: [] })), []);
  assert.deepEqual(subnetOptLines(ctx({ id: 'n', subnets: [v6NoMode], ports: [] }, { dnsDomain: '' })), [`${SF},option6:dns-server,[2001:0200:feed:7ac0::1]`]);
  // neutron test_output_opts_file_ipv6_address_force_metadata: nothing IPv4-ish for IPv6
  assert.deepEqual(subnetOptLines(ctx({ id: 'n', subnets: [v6NoMode], ports: [port2()] }, { forceMetadata: true })), [
    `${SF},option6:dns-server,[2001:0200:feed:7ac0::1]`,
    `${SF},option6:domain-search,openstacklocal`,
  ]);
});

test('several DHCP ports and no dns_nameservers: all their addresses as DNS servers, after port options', () => {
  // neutron test_output_opts_file_multiple_agents_without_dns_provided
  const s = subnet({ ...v4Subnet, dnsNameservers: [], hostRoutes: [] });
  const ports = [port1('openstacklocal', [opt('tftp-server', '192.168.0.3')]), port2(), port3(), routerPort(), dhcpPortA(), dhcpPortB()];
  assert.equal(
    renderOpts(ctx({ id: 'n', subnets: [s], ports })),
    join(
      `${SD},option:classless-static-route,169.254.169.254/32,192.168.0.1,0.0.0.0/0,192.168.0.1`,
      `${SD},249,169.254.169.254/32,192.168.0.1,0.0.0.0/0,192.168.0.1`,
      `${SD},option:router,192.168.0.1`,
      `${P1},option:tftp-server,192.168.0.3`,
      `${SD},option:dns-server,192.168.0.5,192.168.0.6`,
    ),
  );
  // one DHCP port: nothing (dnsmasq announces itself)
  assert.deepEqual(dhcpServerDnsOptLines(ctx({ id: 'n', subnets: [s], ports: [port1(), dhcpPortA()] })), []);
  // nameservers given: nothing
  assert.deepEqual(dhcpServerDnsOptLines(ctx({ id: 'n', subnets: [v4Subnet], ports: [dhcpPortA(), dhcpPortB()] })), []);
  // IPv6 servers bracketed
  const s6 = subnet({ ...v6Stateful, dnsNameservers: [] });
  const d6 = (id: string, ip: string) => port({ id, macAddress: 'fa:16:3e:00:00:01', deviceOwner: 'network:dhcp', fixedIps: [{ ipAddress: ip, subnetId: s6.id }] });
  assert.deepEqual(dhcpServerDnsOptLines(ctx({ id: 'n', subnets: [s6], ports: [d6('a', 'fdca:3ba5:a17a:4ba3::a'), d6('b', 'fdca:3ba5:a17a:4ba3::b')] })), [
    `${SF},option6:dns-server,[fdca:3ba5:a17a:4ba3::a],[fdca:3ba5:a17a:4ba3::b]`,
  ]);
});

test('PXE options per port: names get option:, numeric codes stay bare, port order kept', () => {
  // neutron test_output_opts_file_pxe_2port_1net and test_output_opts_file_pxe_port
  const pxe = (tftp: string) => [opt('tftp-server', tftp), opt('server-ip-address', '192.168.0.2'), opt('bootfile-name', 'pxelinux.0')];
  assert.deepEqual(
    [port1('openstacklocal', pxe('192.168.0.3')), port2(pxe('192.168.0.5'))].flatMap((p) => optLinesForPort(p, ctx(dualNetwork()))),
    [
      `${P1},option:tftp-server,192.168.0.3`,
      `${P1},option:server-ip-address,192.168.0.2`,
      `${P1},option:bootfile-name,pxelinux.0`,
      `${P2},option:tftp-server,192.168.0.5`,
      `${P2},option:server-ip-address,192.168.0.2`,
      `${P2},option:bootfile-name,pxelinux.0`,
    ],
  );
  const p = port1('openstacklocal', [opt('tftp-server', '192.168.0.3'), opt('nd98', 'option-nondigit-98'), opt('99', 'option-99'), opt('66', '192.168.0.3'), opt('67', 'pxelinux.0')]);
  assert.deepEqual(optLinesForPort(p, ctx(dualNetwork())), [
    `${P1},option:tftp-server,192.168.0.3`,
    `${P1},option:nd98,option-nondigit-98`,
    `${P1},99,option-99`,
    `${P1},66,192.168.0.3`,
    `${P1},67,pxelinux.0`,
  ]);
});

test('embedded tags in option names: tag:port-<id>,tag:ipxe,option:…', () => {
  // neutron test_output_opts_file_multiple_tags
  const p = port1('openstacklocal', [opt('tag:ipxe,bootfile-name', 'pxelinux.0'), opt('tag:ipxe6,tag:efi,59', 'http://boot/x.efi', 6), opt('tag:!ipxe,67', 'undionly.kpxe')]);
  const dual = { ...p, fixedIps: [...p.fixedIps, { ipAddress: 'fdca:3ba5:a17a:4ba3::9', subnetId: v6Stateful.id }] };
  assert.deepEqual(optLinesForPort(dual, ctx(dualNetwork())), [
    `${P1},tag:ipxe,option:bootfile-name,pxelinux.0`,
    `${P1},tag:ipxe6,tag:efi,option6:59,http://boot/x.efi`,
    `${P1},tag:!ipxe,67,undionly.kpxe`,
  ]);
});

test('IPv6 port options use option6: for names and codes; options of a family the port lacks are dropped', () => {
  // neutron test_output_opts_file_pxe_ipv6_port_with_ipv6_opt / _with_ipv4_opt
  const p = v6Port('openstacklocal', [opt('tftp-server', '2001:192:168::1', 6), opt('nd98', 'option-nondigit-98', 6), opt('99', 'option-99', 6), opt('tftp-server', '192.168.0.7', 4), opt('bootfile-name', 'pxelinux.0', 6)]);
  assert.equal(
    renderOpts(ctx({ id: D, subnets: [v6Stateful], ports: [p] })),
    join(
      `${SF},option6:dns-server,[2001:0200:feed:7ac0::1]`,
      `${SF},option6:domain-search,openstacklocal`,
      `${PH},option6:tftp-server,2001:192:168::1`,
      `${PH},option6:nd98,option-nondigit-98`,
      `${PH},option6:99,option-99`,
      `${PH},option6:bootfile-name,pxelinux.0`,
    ),
  );
});

test('only the first line of option names and values is used', () => {
  // neutron test_host_and_opts_file_on_stateless_dhcpv6_network
  const p = port({
    id: 'hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh',
    macAddress: '00:16:3e:c2:77:1d',
    fixedIps: [{ ipAddress: 'ffea:3ba5:a17a:4ba3:0216:3eff:fec2:771d', subnetId: E }],
    extraDhcpOpts: [opt('dns-server', 'ffea:3ba5:a17a:4ba3::100', 6), opt('malicious-option\nwith-new-line', 'aaa\nbbb.ccc\n', 6)],
  });
  assert.equal(
    renderOpts(ctx({ id: 'n', subnets: [v6Stateless], ports: [p] })),
    join(`${SE},option6:domain-search,openstacklocal`, `${PH},option6:dns-server,ffea:3ba5:a17a:4ba3::100`, `${PH},option6:malicious-option,aaa`),
  );
});

test('client-id is not an option line; blank values (router, classless-static-route) end in a comma', () => {
  const p = port1('openstacklocal', [opt('client-id', 'abc'), opt('61', 'def'), opt('router', ''), opt('classless-static-route', '')]);
  assert.deepEqual(optLinesForPort(p, ctx(dualNetwork())), [`${P1},option:router,`, `${P1},option:classless-static-route,`]);
});

test('extra options of ports without DHCP host entries (DHCP, HA ports) still reach the opts file', () => {
  const dhcp = { ...dhcpPortA(), extraDhcpOpts: [opt('mtu', '1400')] };
  assert.deepEqual(optLinesForPort(dhcp, ctx(dualNetwork())), ['tag:port-rrrrrrrr-rrrr-rrrr-rrrr-rrrrrrrrrrrr,option:mtu,1400']);
});

test('formatOption quirks follow neutron: greedy tag split, option: prefix for non-digits', () => {
  assert.equal(formatOption(4, 't', 'tag:a,tag:b,opt', 'v'), 'tag:t,tag:a,tag:b,option:opt,v');
  assert.equal(formatOption(4, 't', 'tag:', 'v'), 'tag:t,option:tag:,v');
  assert.equal(formatOption(4, 't', 249, 'r'), 'tag:t,249,r');
  assert.equal(formatOption(6, 't', 23), 'tag:t,option6:23');
  assert.equal(formatOption(4, 't', 'dns-server', 'a', 'b\nc'), 'tag:t,option:dns-server,a,b');
});

test('opts file: no trailing newline; empty when nothing applies', () => {
  assert.ok(!renderOpts(ctx(dualNetwork())).endsWith('\n'));
  assert.equal(renderOpts(ctx({ id: 'n', subnets: [v6Slaac], ports: [v6Port()] })), '');
});
