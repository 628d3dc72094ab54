import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsRestart, networkPaths, renderArgv } from '../../src/dnsmasq/index';
import { C, ctx, dualNetwork, subnet, v4Subnet, v6NoMode, v6Slaac, v6Stateless, v6Stateful } from './dnsmasq-fixtures';

const paths = networkPaths('/', C);
const head = [
  'dnsmasq',
  '--no-hosts',
  '--no-resolv',
  `--pid-file=/dhcp/${C}/pid`,
  `--dhcp-hostsfile=/dhcp/${C}/host`,
  `--addn-hosts=/dhcp/${C}/addn_hosts`,
  `--dhcp-optsfile=/dhcp/${C}/opts`,
  `--dhcp-leasefile=/dhcp/${C}/leases`,
  '--dhcp-match=set:ipxe,175',
  '--dhcp-userclass=set:ipxe6,iPXE',
  '--local-service',
  '--bind-dynamic',
];
const v4Range = '--dhcp-range=set:subnet-dddddddd-dddd-dddd-dddd-dddddddddddd,192.168.0.0,static,255.255.255.0,86400s';

test('neutron file layout under <state_path>/dhcp/<network-id>', () => {
  assert.deepEqual(networkPaths('/var/lib/neutron/', 'net-1'), {
    confDir: '/var/lib/neutron/dhcp/net-1',
    pidFile: '/var/lib/neutron/dhcp/net-1/pid',
    host: '/var/lib/neutron/dhcp/net-1/host',
    addnHosts: '/var/lib/neutron/dhcp/net-1/addn_hosts',
    opts: '/var/lib/neutron/dhcp/net-1/opts',
    leases: '/var/lib/neutron/dhcp/net-1/leases',
    interface: '/var/lib/neutron/dhcp/net-1/interface',
  });
});

test('dual stack: IPv4 and IPv6 static ranges, lease cap, /dev/null conf, domain', () => {
  // neutron test_spawn
  assert.deepEqual(renderArgv(ctx(dualNetwork()), paths, 'ns-x'), [
    ...head,
    v4Range,
    '--dhcp-range=set:subnet-ffffffff-ffff-ffff-ffff-ffffffffffff,fdca:3ba5:a17a:4ba3::,static,64,86400s',
    '--dhcp-lease-max=16777216',
    '--conf-file=/dev/null',
    '--domain=openstacklocal',
  ]);
});

test('IPv4 single subnet: lease max is the subnet size when below the cap; MTU when known', () => {
  // neutron test_spawn_max_leases_is_smaller_than_cap / test_spawn_cfg_advertise_mtu
  const net = { id: C, mtu: 1500, subnets: [v4Subnet], ports: [] };
  assert.deepEqual(renderArgv(ctx(net, { dnsmasqLeaseMax: 256 }), paths, 'ns-x').slice(head.length), [
    v4Range,
    '--dhcp-option-force=option:mtu,1500',
    '--dhcp-lease-max=256',
    '--conf-file=/dev/null',
    '--domain=openstacklocal',
  ]);
  assert.ok(renderArgv(ctx({ ...net, dnsDomain: 'x' }), paths, 'ns-x').includes('--dhcp-lease-max=256'));
  assert.ok(!renderArgv(ctx({ ...net, mtu: 0 }), paths, 'ns-x').some((a) => a.includes('option:mtu')));
});

test('infinite lease, T1/T2, upstream servers, broadcast, no domain', () => {
  // neutron test_spawn_infinite_lease_duration, …_with_dhcp_timers, …_multiple_dns_server, …_broadcast, …_no_dns_domain
  const net = { id: C, subnets: [v4Subnet], ports: [] };
  const argv = renderArgv(
    ctx(net, { dhcpLeaseDuration: -1, dhcpRenewalTime: 30, dhcpRebindingTime: 100, dnsmasqDnsServers: ['8.8.8.8', '9.9.9.9'], dhcpBroadcastReply: true, dnsDomain: '' }),
    paths,
    'ns-x',
  );
  assert.deepEqual(argv.slice(head.length), [
    '--dhcp-range=set:subnet-dddddddd-dddd-dddd-dddd-dddddddddddd,192.168.0.0,static,255.255.255.0,infinite',
    '--dhcp-lease-max=256',
    '--dhcp-option-force=option:T1,30s',
    '--dhcp-option-force=option:T2,100s',
    '--conf-file=/dev/null',
    '--server=8.8.8.8',
    '--server=9.9.9.9',
    '--dhcp-broadcast',
  ]);
});

test('dnsmasq_base_log_dir: --log-queries --log-dhcp --log-facility=<dir>/<network-id>/dhcp_dns_log last, in neutron\'s order', () => {
  // neutron Dnsmasq._build_cmdline_callback (the option appends after --dhcp-broadcast)
  const net = { id: C, subnets: [v4Subnet], ports: [] };
  const off = renderArgv(ctx(net), paths, 'ns-x');
  const on = renderArgv(ctx(net, { dnsmasqBaseLogDir: '/var/log/neutron/dnsmasq', dhcpBroadcastReply: true }), paths, 'ns-x');
  assert.deepEqual(on.slice(head.length), [
    v4Range,
    '--dhcp-lease-max=256',
    '--conf-file=/dev/null',
    '--domain=openstacklocal',
    '--dhcp-broadcast',
    '--log-queries',
    '--log-dhcp',
    `--log-facility=/var/log/neutron/dnsmasq/${C}/dhcp_dns_log`,
  ]);
  // Off (the default): nothing logged, the argv exactly as before the option existed.
  assert.deepEqual(off.slice(head.length), [v4Range, '--dhcp-lease-max=256', '--conf-file=/dev/null', '--domain=openstacklocal']);
  assert.ok(!off.some((a) => a.startsWith('--log')));
  // Setting or changing it changes the argv, so dnsmasq restarts.
  assert.equal(needsRestart(off, on), true);
  const other = renderArgv(ctx(net, { dnsmasqBaseLogDir: '/srv/log', dhcpBroadcastReply: true }), paths, 'ns-x');
  assert.equal(needsRestart(on, other), true);
});

test('--no-resolv unless local resolution is on and no upstream servers are set (then an empty argument, like neutron)', () => {
  const net = { id: C, subnets: [v4Subnet], ports: [] };
  assert.equal(renderArgv(ctx(net, { dnsmasqLocalResolv: true }), paths, 'ns-x')[2], '');
  assert.equal(renderArgv(ctx(net, { dnsmasqLocalResolv: true, dnsmasqDnsServers: ['8.8.8.8'] }), paths, 'ns-x')[2], '--no-resolv');
});

test('IPv6: stateless gets a static range, SLAAC and RA-only none, prefixes shorter than /64 skipped', () => {
  // neutron test_spawn_no_dhcp_range / test_spawn_no_dhcp_range_bad_prefix_length
  const only = (...subnets: (typeof v4Subnet)[]) => renderArgv(ctx({ id: C, subnets, ports: [] }), paths, 'ns-x').slice(head.length);
  assert.deepEqual(only(v6Slaac), ['--dhcp-lease-max=0', '--conf-file=/dev/null', '--domain=openstacklocal']);
  assert.deepEqual(only(subnet({ ...v6Stateless, cidr: 'ffeb:3ba5:a17a:4b00::/56' })), ['--dhcp-lease-max=0', '--conf-file=/dev/null', '--domain=openstacklocal']);
  assert.equal(only(v6Stateless)[0], '--dhcp-range=set:subnet-eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee,ffea:3ba5:a17a:4ba3::,static,64,86400s');
  assert.equal(only(subnet({ ...v6Stateful, ipv6AddressMode: null, ipv6RaMode: 'slaac' }))[0], '--dhcp-lease-max=0');
  assert.equal(only(subnet({ ...v6Stateful, cidr: 'fd00:0:0:1:2::/80' }))[0], '--dhcp-range=set:subnet-ffffffff-ffff-ffff-ffff-ffffffffffff,fd00:0:0:1:2::,static,80,86400s');
  assert.equal(only(subnet({ ...v4Subnet, enableDhcp: false }))[0], '--dhcp-lease-max=0');
});

test('not bridged: --bridge-interface=<iface>,tap*', () => {
  // neutron test_spawn_not_bridged
  const argv = renderArgv(ctx(dualNetwork(), {}, { bridged: false }), paths, 'tap0');
  assert.equal(argv[head.length], '--bridge-interface=tap0,tap*');
});

test('needsRestart is argv inequality', () => {
  const a = renderArgv(ctx(dualNetwork()), paths, 'ns-x');
  assert.equal(needsRestart(a, [...a]), false);
  assert.equal(needsRestart(a, renderArgv(ctx({ ...dualNetwork(), mtu: 1400 }), paths, 'ns-x')), true);
  assert.equal(needsRestart(a, a.slice(0, -1)), true);
  // port changes do not touch the argv
  assert.equal(needsRestart(a, renderArgv(ctx({ ...dualNetwork(), ports: [] }), paths, 'ns-x')), false);
});

test('ipv6RouterAdvertisements: RA range modes per address mode, --enable-ra and router lifetime 0 last; IPv4 ranges and the lease cap unchanged', () => {
  const slaacNet = (ra?: boolean) => ({ id: C, subnets: [v4Subnet, v6Slaac], ports: [], ...(ra === undefined ? {} : { ipv6RouterAdvertisements: ra }) });
  const tail = (net: Parameters<typeof ctx>[0]) => renderArgv(ctx(net, { dnsmasqLeaseMax: 1000 }), paths, 'ns-x').slice(head.length);
  // SLAAC: neutron renders no range; with RAs an RA-only one (A flag, no DHCPv6), no leases counted.
  assert.deepEqual(tail(slaacNet(true)), [
    v4Range,
    '--dhcp-range=set:subnet-eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee,ffda:3ba5:a17a:4ba3::,ra-only,64,86400s',
    '--dhcp-lease-max=256',
    '--conf-file=/dev/null',
    '--domain=openstacklocal',
    '--enable-ra',
    '--ra-param=ns-x,0,0',
  ]);
  // Off, false or unset: exactly neutron's argv.
  assert.deepEqual(tail(slaacNet(false)), tail(slaacNet()));
  assert.deepEqual(tail(slaacNet()), [v4Range, '--dhcp-lease-max=256', '--conf-file=/dev/null', '--domain=openstacklocal']);
  // DHCPv6-stateless: ra-stateless (A and O flags, stateless DHCPv6 kept); stateful and mode-less: neutron's static range (M flag with --enable-ra).
  const rangeOf = (s: typeof v4Subnet) => tail({ id: C, subnets: [s], ports: [], ipv6RouterAdvertisements: true })[0];
  assert.equal(rangeOf(v6Stateless), '--dhcp-range=set:subnet-eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee,ffea:3ba5:a17a:4ba3::,ra-stateless,64,86400s');
  assert.equal(rangeOf(v6Stateful), '--dhcp-range=set:subnet-ffffffff-ffff-ffff-ffff-ffffffffffff,fdca:3ba5:a17a:4ba3::,static,64,86400s');
  assert.equal(rangeOf(v6NoMode), '--dhcp-range=set:subnet-ffffffff-ffff-ffff-ffff-ffffffffffff,fdca:3ba5:a17a:4ba3::,static,64,86400s');
  assert.equal(rangeOf(subnet({ ...v6Stateful, ipv6AddressMode: null, ipv6RaMode: 'slaac' })), '--dhcp-range=set:subnet-ffffffff-ffff-ffff-ffff-ffffffffffff,fdca:3ba5:a17a:4ba3::,ra-only,64,86400s');
  // The lease time is the advertised prefix's valid lifetime.
  assert.equal(renderArgv(ctx(slaacNet(true), { dhcpLeaseDuration: -1 }), paths, 'ns-x')[head.length + 1], '--dhcp-range=set:subnet-eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee,ffda:3ba5:a17a:4ba3::,ra-only,64,infinite');
  // Nothing to advertise: no IPv6 subnet, or only DHCP-disabled or shorter-than-/64 ones.
  assert.ok(!tail({ id: C, subnets: [v4Subnet], ports: [], ipv6RouterAdvertisements: true }).includes('--enable-ra'));
  assert.ok(!tail({ id: C, subnets: [v4Subnet, subnet({ ...v6Slaac, enableDhcp: false })], ports: [], ipv6RouterAdvertisements: true }).includes('--enable-ra'));
  // The interface is dnsmasq's own (the ns- device in the namespace).
  assert.ok(renderArgv(ctx(slaacNet(true)), paths, 'ns-1234abcd-56').includes('--ra-param=ns-1234abcd-56,0,0'));
  // Turning it on or off restarts dnsmasq: ranges and --enable-ra are read only at start.
  assert.equal(needsRestart(tail(slaacNet(false)), tail(slaacNet(true))), true);
  assert.equal(needsRestart(tail(slaacNet(true)), tail(slaacNet(false))), true);
});
