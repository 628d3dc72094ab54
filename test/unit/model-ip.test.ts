import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addressAt, canonicalIp, cidrContains, eui64Address, ipToBigInt, ipVersionOf, isIp, isIpv4NetworkOrBroadcast, parseCidr } from '../../src/model/ip';

describe('addresses', () => {
  it('accepts plain IPv4 and IPv6 addresses', () => {
    for (const [ip, v] of [['10.0.0.1', 4], ['0.0.0.0', 4], ['::1', 6], ['FD00::1', 6], ['fd00:0:0:0:0:0:0:1', 6], ['::ffff:1.2.3.4', 6]] as const) {
      assert.equal(isIp(ip), true, ip);
      assert.equal(ipVersionOf(ip), v, ip);
    }
  });

  it('refuses what dnsmasq or a resolver would read differently', () => {
    // Leading zeros are octal to inet_aton and refused by inet_pton; zone ids mean nothing in a subnet.
    for (const ip of ['010.0.0.1', '10.0.0.01', '1.2.3', '1.2.3.4.5', '256.1.1.1', ' 10.0.0.1', '10.0.0.1 ', '10.0.0.1\n', '10.0.0.1/24', 'fe80::1%eth0', '0x1.2.3.4', '', 'fd00::1::2']) {
      assert.equal(isIp(ip), false, JSON.stringify(ip));
      assert.equal(ipVersionOf(ip), null, JSON.stringify(ip));
      assert.equal(canonicalIp(ip), null, JSON.stringify(ip));
    }
    assert.equal(isIp(42 as unknown as string), false);
  });

  it('canonicalIp: dotted quad, RFC 5952 lower-case compressed IPv6', () => {
    assert.equal(canonicalIp('10.0.0.1'), '10.0.0.1');
    assert.equal(canonicalIp('FD00:0:0:0:0:0:0:1'), 'fd00::1');
    assert.equal(canonicalIp('fd00:0:0:1:0:0:0:1'), 'fd00:0:0:1::1');
  });

  it('ipToBigInt orders addresses', () => {
    assert.equal(ipToBigInt('10.0.0.1'), 0x0a000001n);
    assert.equal(ipToBigInt('::1'), 1n);
    assert.equal(ipToBigInt('nope'), null);
  });
});

describe('CIDRs', () => {
  it('parses IPv4 and IPv6 networks', () => {
    assert.deepEqual(parseCidr('10.0.0.0/24'), {
      version: 4,
      network: '10.0.0.0',
      prefixLength: 24,
      netmask: '255.255.255.0',
      size: 256n,
      text: '10.0.0.0/24',
      last: '10.0.0.255',
    });
    assert.deepEqual(parseCidr('FD00:1::/64'), {
      version: 6,
      network: 'fd00:1::',
      prefixLength: 64,
      netmask: '64',
      size: 2n ** 64n,
      text: 'fd00:1::/64',
      last: 'fd00:1::ffff:ffff:ffff:ffff',
    });
    assert.equal(parseCidr('0.0.0.0/0')?.size, 2n ** 32n);
    assert.equal(parseCidr('10.0.0.0/32')?.last, '10.0.0.0');
  });

  it('refuses host bits, bad prefixes and junk', () => {
    for (const c of ['10.0.0.5/24', 'fd00::1/64', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/024', '10.0.0.0/', '10.0.0.0', '10.0.0.0/8/8', '010.0.0.0/8', '10.0.0.0/-1', ' 10.0.0.0/24']) {
      assert.equal(parseCidr(c), null, c);
    }
  });

  it('cidrContains: same family only, edges included', () => {
    assert.equal(cidrContains('10.0.0.0/24', '10.0.0.0'), true);
    assert.equal(cidrContains('10.0.0.0/24', '10.0.0.255'), true);
    assert.equal(cidrContains('10.0.0.0/24', '10.0.1.0'), false);
    assert.equal(cidrContains('fd00::/64', 'fd00::ffff:ffff:ffff:ffff'), true);
    assert.equal(cidrContains('10.0.0.0/24', 'fd00::1'), false);
    assert.equal(cidrContains('::/0', '10.0.0.1'), false);
  });

  it('isIpv4NetworkOrBroadcast: IPv4 only, not for /31 and /32', () => {
    assert.equal(isIpv4NetworkOrBroadcast('10.0.0.0/24', '10.0.0.0'), true);
    assert.equal(isIpv4NetworkOrBroadcast('10.0.0.0/24', '10.0.0.255'), true);
    assert.equal(isIpv4NetworkOrBroadcast('10.0.0.0/24', '10.0.0.1'), false);
    assert.equal(isIpv4NetworkOrBroadcast('10.0.0.0/31', '10.0.0.0'), false);
    assert.equal(isIpv4NetworkOrBroadcast('fd00::/64', 'fd00::'), false);
  });

  it('addressAt: offset from the network address, inside the block', () => {
    assert.equal(addressAt('10.0.0.0/24', 5n), '10.0.0.5');
    assert.equal(addressAt('10.0.0.0/24', 255n), '10.0.0.255');
    assert.equal(addressAt('10.0.0.0/24', 256n), null);
    assert.equal(addressAt('10.0.0.0/24', -1n), null);
    assert.equal(addressAt('fd00::/64', 0x10n), 'fd00::10');
  });
});

describe('eui64Address (the SLAAC address of a MAC)', () => {
  it('puts ff:fe in the middle of the MAC and inverts the universal/local bit (RFC 4291 appendix A)', () => {
    // RFC 4291's example MAC 00:16:3e:… → 0216:3eff:fe…; neutron's DHCP ports are fa:16:3e:… → f816:3eff:fe….
    assert.equal(eui64Address('2001:db8::/64', '00:16:3e:33:44:55'), '2001:db8::216:3eff:fe33:4455');
    assert.equal(eui64Address('fd00:ab::/64', 'fa:16:3e:aa:bb:cc'), 'fd00:ab::f816:3eff:feaa:bbcc');
    assert.equal(eui64Address('fd00:ab::/64', 'FA:16:3E:AA:BB:CC'), 'fd00:ab::f816:3eff:feaa:bbcc');
    // A locally administered bit already set is cleared.
    assert.equal(eui64Address('fd00::/64', '02:00:00:00:00:01'), 'fd00::ff:fe00:1');
  });

  it('is null for anything but an IPv6 /64 and a colon-separated MAC', () => {
    for (const [cidr, mac] of [['fd00::/56', '00:16:3e:33:44:55'], ['10.0.0.0/24', '00:16:3e:33:44:55'], ['fd00::/64', '00-16-3e-33-44-55'], ['fd00::/64', '00:16:3e:33:44'], ['fd00::1/64', '00:16:3e:33:44:55']]) {
      assert.equal(eui64Address(cidr, mac), null, `${cidr} ${mac}`);
    }
  });
});
