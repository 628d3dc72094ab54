import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leaseFilePreamble, leaseLinesForPort, renderLeases } from '../../src/dnsmasq/index';
import { ctx, dualNetwork, lines, port, subnet, v4Subnet, v4SubnetNoDhcp, v6Slaac, v6Stateless, D, E } from './dnsmasq-fixtures';

const NOW = 1_700_000_000;

test('initial leases: IPv4 addresses on DHCP subnets, timestamp 0 (infinite) whatever the lease duration', () => {
  // neutron test_output_init_lease_file (neutron >= 28.0.0)
  const expected = lines('0 00:00:80:aa:bb:cc 192.168.0.2 * *', '0 00:00:0f:aa:bb:cc 192.168.0.3 * *', '0 00:00:0f:rr:rr:rr 192.168.0.1 * *');
  assert.equal(renderLeases(ctx(dualNetwork(), { dhcpLeaseDuration: 500 }), NOW), expected);
  assert.equal(renderLeases(ctx(dualNetwork(), { dhcpLeaseDuration: -1 }), NOW), expected);
});

test('expiry timestamps (neutron <= 27): now + duration, 0 for an infinite lease', () => {
  const c = ctx(dualNetwork(), { dhcpLeaseDuration: 500 }, { leaseTimestamps: 'expiry' });
  assert.equal(leaseLinesForPort(dualNetwork().ports[0], c, NOW + 0.9), `${NOW + 500} 00:00:80:aa:bb:cc 192.168.0.2 * *\n`);
  const inf = ctx(dualNetwork(), { dhcpLeaseDuration: -1 }, { leaseTimestamps: 'expiry' });
  assert.equal(leaseLinesForPort(dualNetwork().ports[0], inf, NOW), '0 00:00:80:aa:bb:cc 192.168.0.2 * *\n');
});

test('no leases for DHCP-disabled subnets, SLAAC/stateless addresses or ports dnsmasq does not configure', () => {
  const p = port({
    id: 'p',
    macAddress: 'fa:16:3e:00:00:01',
    fixedIps: [
      { ipAddress: '192.168.1.5', subnetId: E },
      { ipAddress: '192.168.0.5', subnetId: D },
    ],
  });
  const c = ctx({ id: 'n', subnets: [v4Subnet, v4SubnetNoDhcp], ports: [p] });
  assert.equal(leaseLinesForPort(p, c, NOW), '0 fa:16:3e:00:00:01 192.168.0.5 * *\n');
  assert.equal(leaseLinesForPort({ ...p, deviceOwner: 'network:dhcp' }, c, NOW), '');
  for (const s of [v6Slaac, v6Stateless]) {
    const p6 = port({ id: 'q', macAddress: 'fa:16:3e:00:00:02', fixedIps: [{ ipAddress: s.cidr.replace('::/64', '::5'), subnetId: s.id }] });
    assert.equal(leaseLinesForPort(p6, ctx({ id: 'n', subnets: [s], ports: [p6] }), NOW), '');
  }
});

test('an existing leases file: duid kept first, IPv6 leases kept for addresses still served over DHCPv6', () => {
  // neutron test_output_init_lease_file_existing
  const duid = 'duid 00:01:00:01:27:da:58:97:fa:16:3e:6c:ad:c1';
  const v6Lease = '1623083263 755752236 fdca:3ba5:a17a:4ba3::2 host-fdca-3ba5-a17a-4ba3--2 00:01:00:01:28:50:e8:31:5a:42:2d:0b:dd:2c';
  const existing = [
    '1623162161 00:00:80:aa:bb:cc 192.168.0.2 host-192-168-0-2 *',
    '1623147425 00:00:0f:aa:bb:cc 192.168.0.3 host-192-168-0-3 ff:b5:5e:67:ff:00:02:00:00:ab:11:43:e5:86:52:f3:d7:2c:97',
    '1623138717 00:00:0f:rr:rr:rr 192.168.0.1 host-192-168-0-1 ff:b5:5e:67:ff:00:02:00:00:ab:11:f6:f2:aa:cb:94:c1:b4:86',
    duid,
    v6Lease,
    '1623143299 3042863103 2001:db8::45 host-2001-db8--45 00:02:00:00:ab:11:fa:c9:0e:0f:3d:90:73:f0',
    '1623134168 3042863103 2001:db8::12 host-2001-db8--12 00:02:00:00:ab:11:f6:f2:aa:cb:94:c1:b4:86',
  ].join('\n');
  const c = ctx(dualNetwork(), { dhcpLeaseDuration: 500 }, { existingLeases: existing });
  assert.equal(leaseFilePreamble(c), `${duid}\n`);
  assert.equal(
    renderLeases(c, NOW),
    lines(duid, '0 00:00:80:aa:bb:cc 192.168.0.2 * *', v6Lease, '0 00:00:0f:aa:bb:cc 192.168.0.3 * *', '0 00:00:0f:rr:rr:rr 192.168.0.1 * *'),
  );
});

test('existing IPv6 leases match by address value, not text', () => {
  const s = subnet({ ...v4Subnet, id: 'six', cidr: 'fd00::/64', ipVersion: 6, gatewayIp: null, ipv6AddressMode: 'dhcpv6-stateful', hostRoutes: [], dnsNameservers: [] });
  const p = port({ id: 'p', macAddress: 'fa:16:3e:00:00:01', fixedIps: [{ ipAddress: 'fd00::5', subnetId: 'six' }] });
  const c = ctx({ id: 'n', subnets: [s], ports: [p] }, {}, { existingLeases: '100 7 fd00:0:0::0005 * 00:01\r\njunk\n' });
  assert.equal(renderLeases(c, NOW), '100 7 fd00:0:0::0005 * 00:01\n');
});
