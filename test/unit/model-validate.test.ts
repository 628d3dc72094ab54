import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { DHCPV4_OPTIONS, DHCPV6_OPTIONS, lookupDhcpOption } from '../../src/model/dhcp-options';
import { ValidationError, type ValidationIssue } from '../../src/model/errors';
import type { AgentOptions, ExtraDhcpOpt, Network, Port, Subnet } from '../../src/model/types';
import { DEFAULT_AGENT_OPTIONS } from '../../src/model/types';
import {
  assertValidAgentOptions,
  assertValidNetwork,
  assertValidPort,
  checkCidr,
  checkClientIdValue,
  checkDhcpOptName,
  checkDhcpOptValue,
  checkDomain,
  checkFqdn,
  checkHostname,
  checkId,
  checkIp,
  checkMac,
  checkSafeText,
  toSnakeCasePath,
  validateAgentOptions,
  validateNetwork,
  validatePort,
  validateSubnet,
} from '../../src/model/validate';

const NET = '5a2f0d8e-3c41-4b6f-9e0a-7d1c2b3a4f50';
const SUB4 = 'b7e3a9c2-1d4f-4e8a-9b6c-0f2e3d4c5b61';
const SUB6 = 'c8f4b0d3-2e5a-4f9b-8c7d-1a3f4e5d6c72';
const P1 = 'd9a5c1e4-3f6b-4a0c-9d8e-2b4a5f6e7d83';
const DHCP = 'f1c7e3a6-5b8d-4c2e-9f0a-4d6c7b8a9f05';

function subnet4(over: Partial<Subnet> = {}): Subnet {
  return {
    id: SUB4,
    name: 'private',
    cidr: '10.0.0.0/24',
    ipVersion: 4,
    gatewayIp: '10.0.0.1',
    enableDhcp: true,
    dnsNameservers: ['8.8.8.8'],
    hostRoutes: [{ destination: '192.168.0.0/16', nexthop: '10.0.0.254' }],
    allocationPools: [{ start: '10.0.0.2', end: '10.0.0.254' }],
    ipv6AddressMode: null,
    ipv6RaMode: null,
    ...over,
  };
}

function subnet6(over: Partial<Subnet> = {}): Subnet {
  return {
    id: SUB6,
    cidr: 'fd00:1::/64',
    ipVersion: 6,
    gatewayIp: 'fd00:1::1',
    enableDhcp: true,
    dnsNameservers: ['fd00:1::53'],
    hostRoutes: [],
    allocationPools: [{ start: 'fd00:1::2', end: 'fd00:1::ffff' }],
    ipv6AddressMode: 'dhcpv6-stateful',
    ipv6RaMode: 'dhcpv6-stateful',
    ...over,
  };
}

function port(over: Partial<Port> = {}): Port {
  return {
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
      { optName: 'bootfile-url', optValue: 'http://[fd00:1::9]/boot.efi', ipVersion: 6 },
    ],
    dnsAssignment: [
      { hostname: 'vm1', ipAddress: '10.0.0.5', fqdn: 'vm1.example.org.' },
      { hostname: 'vm1', ipAddress: 'fd00:1::5', fqdn: 'vm1.example.org.' },
    ],
    ...over,
  };
}

const dhcpPort: Port = {
  id: DHCP,
  macAddress: 'fa:16:3e:aa:bb:cc',
  fixedIps: [{ subnetId: SUB4, ipAddress: '10.0.0.2' }],
  deviceOwner: 'network:dhcp',
  extraDhcpOpts: [],
};

function network(over: Partial<Network> = {}): Network {
  return {
    id: NET,
    name: 'net1',
    mtu: 1450,
    dnsDomain: 'example.org.',
    subnets: [subnet4(), subnet6()],
    ports: [dhcpPort, port()],
    ...over,
  };
}

/** Exactly one issue, at `path`, for `value`, whose allowed text matches `allowed`. */
function one(issues: readonly ValidationIssue[], path: string, value: unknown, allowed: RegExp): void {
  assert.deepEqual(
    issues.map((i) => i.path),
    [path],
    `expected one issue at ${path}, got ${JSON.stringify(issues)}`,
  );
  assert.deepEqual(issues[0].value, value);
  assert.match(issues[0].allowed, allowed);
}

const withPort = (over: Partial<Port>) => validateNetwork(network({ ports: [dhcpPort, port(over)] }));
const withSubnet4 = (over: Partial<Subnet>) => validateNetwork(network({ subnets: [subnet4(over), subnet6()] }));
const withOpt = (opt: ExtraDhcpOpt) => withPort({ extraDhcpOpts: [opt] });

describe('validateNetwork: a valid network', () => {
  it('has no issues and assertValidNetwork does not throw', () => {
    assert.deepEqual(validateNetwork(network()), []);
    assertValidNetwork(network());
  });

  it('accepts short ids, no name/mtu/domain, an empty network', () => {
    assert.deepEqual(validateNetwork({ id: 'net-1', subnets: [], ports: [] }), []);
    assert.deepEqual(validateNetwork(network({ mtu: 0, dnsDomain: '' })), []);
  });
});

describe('validateNetwork: network fields', () => {
  it('refuses a bad id', () => {
    one(validateNetwork(network({ id: 'Net_1' })), 'id', 'Net_1', /UUID .* or 1–36 characters of a–z, 0–9 and "-"/);
    one(validateNetwork(network({ id: 'a'.repeat(37) })), 'id', 'a'.repeat(37), /1–36/);
  });

  it('refuses control characters in the name', () => {
    one(validateNetwork(network({ name: 'net\n1' })), 'name', 'net\n1', /no control characters.*found U\+000A at index 3/);
  });

  it('refuses an MTU outside 68..65535', () => {
    for (const mtu of [67, 65536, 1500.5, -1]) {
      one(validateNetwork(network({ mtu })), 'mtu', mtu, /0 \(unknown, not advertised\) or an integer from 68 to 65535/);
    }
    assert.deepEqual(validateNetwork(network({ mtu: 68 })), []);
    assert.deepEqual(validateNetwork(network({ mtu: 65535 })), []);
  });

  it('ipv6RouterAdvertisements: true, false or unset; with it on, an RA mode asking for DHCPv6 needs the same address mode', () => {
    one(validateNetwork(network({ ipv6RouterAdvertisements: 'yes' as unknown as boolean })), 'ipv6RouterAdvertisements', 'yes', /^true or false$/);
    for (const ra of [true, false, undefined]) assert.deepEqual(validateNetwork(network({ ipv6RouterAdvertisements: ra })), [], String(ra));
    for (const mode of ['dhcpv6-stateful', 'dhcpv6-stateless'] as const) {
      const subnets = [subnet4(), subnet6({ ipv6AddressMode: null, ipv6RaMode: mode })];
      one(
        validateNetwork(network({ subnets, ipv6RouterAdvertisements: true })),
        'subnets[1].ipv6AddressMode',
        null,
        new RegExp(`^"${mode}" \\(the same as ipv6RaMode\\) while the network's ipv6RouterAdvertisements is true: .*; or set ipv6RaMode to "slaac" or null$`),
      );
      // Off, neutron's rules alone: accepted.
      assert.deepEqual(validateNetwork(network({ subnets })), []);
    }
    assert.deepEqual(validateNetwork(network({ subnets: [subnet4(), subnet6({ ipv6AddressMode: null, ipv6RaMode: 'slaac', allocationPools: [] })], ipv6RouterAdvertisements: true })), []);
  });

  it('refuses a bad dns domain', () => {
    one(validateNetwork(network({ dnsDomain: 'exa mple.org' })), 'dnsDomain', 'exa mple.org', /DNS name of at most 253 characters/);
  });
});

describe('validateNetwork: dnsmasq_enable_addr6_list', () => {
  const two = (mode: Subnet['ipv6AddressMode'], extra: Partial<Port> = {}) =>
    network({
      subnets: [subnet4(), subnet6({ ipv6AddressMode: mode, ipv6RaMode: mode, allocationPools: [] })],
      ports: [dhcpPort, port({ fixedIps: [{ subnetId: SUB6, ipAddress: 'fd00:1::5' }, { subnetId: SUB6, ipAddress: 'fd00:1::6' }], ...extra })],
    });

  it('off (neutron\'s default): a second address on one subnet is refused, saying the option allows it on dhcpv6-stateful subnets', () => {
    one(validateNetwork(two('dhcpv6-stateful')), 'ports[1].fixedIps[1].ipAddress', 'fd00:1::6', /at most one address per subnet unless enableAddr6List \(dnsmasq_enable_addr6_list\) is on \(fixedIps\[0\]/);
  });

  it('on: several addresses on one dhcpv6-stateful subnet are fine; elsewhere still one per subnet', () => {
    assert.deepEqual(validateNetwork(two('dhcpv6-stateful'), { addr6List: true }), []);
    one(validateNetwork(two('dhcpv6-stateless'), { addr6List: true }), 'ports[1].fixedIps[1].ipAddress', 'fd00:1::6', /at most one address per subnet \(fixedIps\[0\]/);
    const v4 = network({ ports: [dhcpPort, port({ fixedIps: [{ subnetId: SUB4, ipAddress: '10.0.0.5' }, { subnetId: SUB4, ipAddress: '10.0.0.6' }] })] });
    one(validateNetwork(v4, { addr6List: true }), 'ports[1].fixedIps[1].ipAddress', '10.0.0.6', /at most one address per subnet \(/);
  });

  it('on: the merged host line must stay within the 1,024 bytes dnsmasq reads', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ subnetId: SUB6, ipAddress: `fd00:1::1:${(i + 1).toString(16)}` }));
    const issues = validateNetwork(network({ subnets: [subnet4(), subnet6({ allocationPools: [] })], ports: [dhcpPort, port({ fixedIps: many })] }), { addr6List: true });
    assert.ok(issues.length > 0);
    assert.match(issues[0].path, /^ports\[1\]\.fixedIps\[\d+\]\.ipAddress$/);
    assert.match(issues[0].allowed, /^fewer addresses on subnet c8f4b0d3-.*: with enableAddr6List they share one dhcp-hostsfile line, which could be \d+ bytes, past the 1024 dnsmasq reads$/);
    // Up to where it fits, accepted.
    const first = Number(/fixedIps\[(\d+)\]/.exec(issues[0].path)![1]);
    assert.deepEqual(validateNetwork(network({ subnets: [subnet4(), subnet6({ allocationPools: [] })], ports: [dhcpPort, port({ fixedIps: many.slice(0, first) })] }), { addr6List: true }), []);
  });
});

describe('validateNetwork: subnets', () => {
  it('refuses a bad subnet id and duplicate subnet ids', () => {
    one(validateSubnet(subnet4({ id: 'SUB 1' }), 'subnets[0]'), 'subnets[0].id', 'SUB 1', /UUID/);
    const dup = validateNetwork(network({ subnets: [subnet4(), subnet6({ id: SUB4 })], ports: [] }));
    one(dup, 'subnets[1].id', SUB4, /an id not used by another subnet \(subnets\[0\] has it\)/);
  });

  it('refuses a CIDR with host bits set or unparseable', () => {
    const issues = validateSubnet(subnet4({ cidr: '10.0.0.5/24', gatewayIp: null, allocationPools: [] }));
    one(issues, 'cidr', '10.0.0.5/24', /network in CIDR form such as 10\.0\.0\.0\/24 or fd00::\/64, with all host bits zero/);
    one(validateSubnet(subnet4({ cidr: 'ten/8', gatewayIp: null, allocationPools: [], hostRoutes: [], dnsNameservers: [] })), 'cidr', 'ten/8', /CIDR form/);
  });

  it('refuses an ipVersion that does not match the CIDR, or is not 4/6', () => {
    one(withSubnet4({ ipVersion: 6 }), 'subnets[0].ipVersion', 6, /^4, the IP version of cidr 10\.0\.0\.0\/24$/);
    one(withSubnet4({ ipVersion: 5 as 4 }), 'subnets[0].ipVersion', 5, /^4 or 6$/);
  });

  it('refuses overlapping subnets in one network', () => {
    const overlap = subnet4({ id: 'sub-b', cidr: '10.0.0.128/25', gatewayIp: null, allocationPools: [], hostRoutes: [] });
    one(
      validateNetwork(network({ subnets: [subnet4(), overlap], ports: [] })),
      'subnets[1].cidr',
      '10.0.0.128/25',
      /not overlapping subnets\[0\] \(10\.0\.0\.0\/24\)/,
    );
  });

  it('gateway: inside the subnet, not its network or broadcast address, of the right family; null is fine', () => {
    one(withSubnet4({ gatewayIp: '10.0.1.1' }), 'subnets[0].gatewayIp', '10.0.1.1', /null \(no gateway\) or an address inside 10\.0\.0\.0\/24/);
    one(withSubnet4({ gatewayIp: '10.0.0.0' }), 'subnets[0].gatewayIp', '10.0.0.0', /other than its network address 10\.0\.0\.0 and broadcast address 10\.0\.0\.255/);
    one(withSubnet4({ gatewayIp: '10.0.0.255' }), 'subnets[0].gatewayIp', '10.0.0.255', /broadcast address/);
    one(withSubnet4({ gatewayIp: 'fd00:1::1' }), 'subnets[0].gatewayIp', 'fd00:1::1', /null \(no gateway\) or an IPv4 address/);
    assert.deepEqual(withSubnet4({ gatewayIp: null }), []);
    // IPv6 has no broadcast: the last address is a usable gateway.
    assert.deepEqual(validateSubnet(subnet6({ gatewayIp: 'fd00:1::ffff:ffff:ffff:ffff' })), []);
  });

  it('enableDhcp must be a boolean', () => {
    one(withSubnet4({ enableDhcp: 'yes' as unknown as boolean }), 'subnets[0].enableDhcp', 'yes', /^true or false$/);
  });

  it('dns nameservers are addresses of the subnet family', () => {
    one(withSubnet4({ dnsNameservers: ['8.8.8.8', 'fd00::53'] }), 'subnets[0].dnsNameservers[1]', 'fd00::53', /an IPv4 address/);
    one(withSubnet4({ dnsNameservers: ['dns.example.org'] }), 'subnets[0].dnsNameservers[0]', 'dns.example.org', /an IPv4 address/);
  });

  it('host routes: destination a CIDR, nexthop an address, both of the subnet family', () => {
    one(withSubnet4({ hostRoutes: [{ destination: '192.168.1.1/16', nexthop: '10.0.0.254' }] }), 'subnets[0].hostRoutes[0].destination', '192.168.1.1/16', /IPv4 network in CIDR form/);
    one(withSubnet4({ hostRoutes: [{ destination: '192.168.0.0/16', nexthop: 'fd00::1' }] }), 'subnets[0].hostRoutes[0].nexthop', 'fd00::1', /an IPv4 address/);
    one(withSubnet4({ hostRoutes: [{ destination: 'fd00:9::/64', nexthop: '10.0.0.254' }] }), 'subnets[0].hostRoutes[0].destination', 'fd00:9::/64', /IPv4 network/);
  });

  it('allocation pools: inside the subnet, same family, start ≤ end', () => {
    one(withSubnet4({ allocationPools: [{ start: '10.0.0.2', end: '10.0.1.9' }] }), 'subnets[0].allocationPools[0].end', '10.0.1.9', /an address inside 10\.0\.0\.0\/24/);
    one(withSubnet4({ allocationPools: [{ start: '10.0.0.200', end: '10.0.0.100' }] }), 'subnets[0].allocationPools[0].end', '10.0.0.100', /not below start 10\.0\.0\.200/);
    one(withSubnet4({ allocationPools: [{ start: 'fd00:1::2', end: '10.0.0.9' }] }), 'subnets[0].allocationPools[0].start', 'fd00:1::2', /an IPv4 address/);
  });

  it('IPv6 modes: IPv6 subnets only, known values, equal when both set, DHCP on, /64 for SLAAC', () => {
    one(withSubnet4({ ipv6AddressMode: 'slaac' }), 'subnets[0].ipv6AddressMode', 'slaac', /null: IPv6 modes apply to IPv6 subnets only/);
    one(validateSubnet(subnet6({ ipv6RaMode: 'dhcp' as 'slaac' })), 'ipv6RaMode', 'dhcp', /null or one of slaac, dhcpv6-stateful, dhcpv6-stateless/);
    one(
      validateSubnet(subnet6({ ipv6AddressMode: 'slaac', ipv6RaMode: 'dhcpv6-stateful' })),
      'ipv6RaMode',
      'dhcpv6-stateful',
      /null or "slaac", the same as ipv6AddressMode/,
    );
    one(validateSubnet(subnet6({ enableDhcp: false })), 'enableDhcp', false, /true while ipv6AddressMode or ipv6RaMode is set/);
    one(
      validateSubnet(subnet6({ cidr: 'fd00:1::/80', ipv6AddressMode: 'slaac', ipv6RaMode: null, allocationPools: [] })),
      'cidr',
      'fd00:1::/80',
      /a \/64 prefix: SLAAC and DHCPv6-stateless/,
    );
    assert.deepEqual(validateSubnet(subnet6({ ipv6AddressMode: 'slaac', ipv6RaMode: null })), []);
    assert.deepEqual(validateSubnet(subnet6({ ipv6AddressMode: null, ipv6RaMode: 'dhcpv6-stateless' })), []);
    assert.deepEqual(validateSubnet(subnet6({ ipv6AddressMode: null, ipv6RaMode: null, enableDhcp: false })), []);
  });

  it('refuses DHCP on subnets smaller than neutron allows', () => {
    const tiny = subnet4({ cidr: '10.0.0.0/31', gatewayIp: null, allocationPools: [], hostRoutes: [] });
    one(validateSubnet(tiny), 'cidr', '10.0.0.0/31', /\/30 or shorter while enableDhcp is true/);
    assert.deepEqual(validateSubnet({ ...tiny, enableDhcp: false }), []);
  });
});

describe('validateNetwork: ports', () => {
  it('refuses a bad port id and duplicate port ids', () => {
    one(withPort({ id: 'P1' }), 'ports[1].id', 'P1', /UUID/);
    const issues = validateNetwork(network({ ports: [dhcpPort, { ...dhcpPort, macAddress: 'fa:16:3e:aa:bb:cd', fixedIps: [] }] }));
    one(issues, 'ports[1].id', DHCP, /an id not used by another port \(ports\[0\] has it\)/);
  });

  it('MAC: well-formed hex pairs, unicast, not all zero', () => {
    for (const mac of ['fa:16:3e:11:22', 'fa-16-3e-11-22-33', 'fa:16:3e:11:22:3g', 'fa163e112233', ' fa:16:3e:11:22:33']) {
      one(withPort({ macAddress: mac }), 'ports[1].macAddress', mac, /six colon-separated pairs of hex digits/);
    }
    one(withPort({ macAddress: '01:00:5e:00:00:01' }), 'ports[1].macAddress', '01:00:5e:00:00:01', /unicast: the lowest bit of the first octet \(multicast\) must be 0/);
    one(withPort({ macAddress: 'ff:ff:ff:ff:ff:ff' }), 'ports[1].macAddress', 'ff:ff:ff:ff:ff:ff', /unicast/);
    one(withPort({ macAddress: '00:00:00:00:00:00' }), 'ports[1].macAddress', '00:00:00:00:00:00', /other than 00:00:00:00:00:00/);
    assert.deepEqual(withPort({ macAddress: 'FA:16:3E:11:22:33' }), []);
  });

  it('a MAC is used once per network (case-insensitive), reported on the later port', () => {
    one(withPort({ macAddress: 'FA:16:3E:AA:BB:CC' }), 'ports[1].macAddress', 'FA:16:3E:AA:BB:CC', new RegExp(`not used by another port of the network \\(port ${DHCP} has it\\)`));
  });

  it('fixed IPs reference a subnet of the network', () => {
    one(
      withPort({ fixedIps: [{ subnetId: 'nope', ipAddress: '10.0.0.5' }] }),
      'ports[1].fixedIps[0].subnetId',
      'nope',
      new RegExp(`the id of one of the network's subnets: ${SUB4}, ${SUB6}`),
    );
  });

  it('a fixed IP lies inside its subnet, is not its network/broadcast address, and has its family', () => {
    one(withPort({ fixedIps: [{ subnetId: SUB4, ipAddress: '10.0.1.5' }] }), 'ports[1].fixedIps[0].ipAddress', '10.0.1.5', new RegExp(`inside 10\\.0\\.0\\.0/24, the cidr of subnet ${SUB4}`));
    one(withPort({ fixedIps: [{ subnetId: SUB4, ipAddress: '10.0.0.255' }] }), 'ports[1].fixedIps[0].ipAddress', '10.0.0.255', /other than its network address 10\.0\.0\.0 and broadcast address 10\.0\.0\.255/);
    one(withPort({ fixedIps: [{ subnetId: SUB4, ipAddress: '10.0.0.0' }] }), 'ports[1].fixedIps[0].ipAddress', '10.0.0.0', /network address/);
    one(withPort({ fixedIps: [{ subnetId: SUB6, ipAddress: '10.0.0.7' }] }), 'ports[1].fixedIps[0].ipAddress', '10.0.0.7', /an IPv6 address/);
    one(withPort({ fixedIps: [{ subnetId: SUB4, ipAddress: '10.0.0.5/24' }] }), 'ports[1].fixedIps[0].ipAddress', '10.0.0.5/24', /an IPv4 address such as 10\.0\.0\.5/);
  });

  it('an IP is used once per network, compared in canonical form', () => {
    one(withPort({ fixedIps: [{ subnetId: SUB4, ipAddress: '10.0.0.2' }] }), 'ports[1].fixedIps[0].ipAddress', '10.0.0.2', new RegExp(`port ${DHCP} has it`));
    const dhcp6: Port = { ...dhcpPort, fixedIps: [{ subnetId: SUB6, ipAddress: 'fd00:1::5' }] };
    const issues = validateNetwork(network({ ports: [dhcp6, port({ fixedIps: [{ subnetId: SUB6, ipAddress: 'FD00:1:0::5' }] })] }));
    one(issues, 'ports[1].fixedIps[0].ipAddress', 'FD00:1:0::5', /not used by another port/);
    one(
      withPort({ fixedIps: [{ subnetId: SUB4, ipAddress: '10.0.0.5' }, { subnetId: SUB4, ipAddress: '10.0.0.5' }] }),
      'ports[1].fixedIps[1].ipAddress',
      '10.0.0.5',
      /not already listed in this port's fixedIps/,
    );
  });

  it('device owner is safe text', () => {
    one(withPort({ deviceOwner: 'compute:\u0085nova' }), 'ports[1].deviceOwner', 'compute:\u0085nova', /found U\+0085 at index 8/);
  });
});

describe('validateNetwork: DNS assignments', () => {
  const dns = (hostname: string, fqdn: string, ipAddress = '10.0.0.5') => withPort({ dnsAssignment: [{ hostname, ipAddress, fqdn }] });

  it('hostname: one DNS label', () => {
    for (const h of ['-vm', 'vm-', 'vm_1', 'vm.1', '', 'a'.repeat(64), 'vm 1']) {
      one(dns(h, 'vm.example.org.'), 'ports[1].dnsAssignment[0].hostname', h, /one DNS label of 1–63 letters, digits or "-", not starting or ending with "-"/);
    }
    assert.deepEqual(dns('a'.repeat(63), 'vm.example.org.'), []);
    assert.deepEqual(dns('VM-1', 'vm.example.org.'), []);
  });

  it('fqdn: a DNS name of at most 253 characters, optional trailing dot', () => {
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`; // 254
    for (const f of ['vm..example.org', '.vm', 'vm.-x.org', long, 'vm.example.org..', 'vm,x.org']) {
      one(dns('vm', f), 'ports[1].dnsAssignment[0].fqdn', f, /a DNS name of at most 253 characters/);
    }
    assert.deepEqual(dns('vm', long.slice(1)), []);
    assert.deepEqual(dns('vm', `${long.slice(1)}.`), []);
  });

  it('fqdn: refuses names dnsmasq reads as lease times, flags or addresses in a dhcp-hostsfile', () => {
    for (const f of ['600', '10m', '2H', 'infinite', 'ignore', 'ignore.', '1.2.3.4']) {
      one(dns('vm', f), 'ports[1].dnsAssignment[0].fqdn', f, /other than a number with an optional s\/m\/h\/d\/w suffix, "infinite", "ignore" or a dotted quad/);
    }
    assert.deepEqual(dns('ignore', 'ignore.example.org'), []);
    assert.deepEqual(dns('10m', '10m.example.org.'), []);
  });

  it('ipAddress is an address', () => {
    one(dns('vm', 'vm.example.org', '10.0.0'), 'ports[1].dnsAssignment[0].ipAddress', '10.0.0', /IPv4 or IPv6 address/);
  });
});

describe('validateNetwork: extra DHCP options', () => {
  const opt = (optName: string, optValue: string, ipVersion: 4 | 6 = 4): ExtraDhcpOpt => ({ optName, optValue, ipVersion });

  it('ipVersion is 4 or 6', () => {
    one(withOpt({ optName: 'mtu', optValue: '1400', ipVersion: 5 as 4 }), 'ports[1].extraDhcpOpts[0].ipVersion', 5, /^4 or 6$/);
  });

  it('accepts dnsmasq names (any case), numbers, tag prefixes, client-id', () => {
    for (const o of [
      opt('tftp-server', '10.0.0.9'),
      opt('T1', '600'),
      opt('t2', '900'),
      opt('Bootfile-Name', 'pxelinux.0'),
      opt('66', '10.0.0.9'),
      opt('254', 'x'),
      opt('tag:ipxe,bootfile-name', 'http://10.0.0.9/boot.ipxe'),
      opt('tag:a,tag:!b,67', 'x'),
      opt('server-ip-address', '10.0.0.9'),
      opt('client-id', '01:fa:16:3e:11:22:33'),
      opt('61', 'abc'),
      opt('bootfile-url', 'http://[fd00:1::9]/x', 6),
      opt('65535', 'x', 6),
      opt('client-id', 'abc', 6),
    ]) {
      assert.deepEqual(withOpt(o), [], JSON.stringify(o));
    }
  });

  it('refuses names dnsmasq does not know for that IP version, bad numbers, bad prefixes', () => {
    const v4 = /a DHCPv4 option name known to dnsmasq.*"client-id", or an option number 1–254 without leading zeros; optionally preceded by "tag:<tag>," prefixes/;
    for (const name of ['bootfile-url', 'hostname', 'lease-time', 'no-such-option', '0', '255', '066', 'option:router', 'foo,bootfile-name', 'tag:a b,mtu', 'tag:,mtu', 'tag:x,client-id', 'Client-Id', 'mtu ', '']) {
      one(withOpt(opt(name, '1')), 'ports[1].extraDhcpOpts[0].optName', name, v4);
    }
    const v6 = /a DHCPv6 option name known to dnsmasq .*dnsmasq --help dhcp6.*option number 1–65535/;
    for (const name of ['tftp-server', '65536', 'client-id,x']) {
      one(withOpt(opt(name, '1', 6)), 'ports[1].extraDhcpOpts[0].optName', name, v6);
    }
    one(withOpt(opt('tag:x\n,mtu', '1')), 'ports[1].extraDhcpOpts[0].optName', 'tag:x\n,mtu', /found U\+000A at index 5/);
  });

  it('values: no control characters, quotes, edge spaces or " #"; commas, "#", "\\" and UTF-8 are fine', () => {
    const bad: [string, RegExp][] = [
      ['a\nb', /found U\+000A at index 1/],
      ['a\u0000b', /found U\+0000/],
      ['a\tb', /found U\+0009/],
      ['a\rb', /found U\+000D/],
      ['a\u007fb', /found U\+007F/],
      ['a\u0085b', /found U\+0085/],
      ['a\u2028b', /found U\+2028/],
      ['a\u2029b', /found U\+2029/],
      ['a\ud800b', /found unpaired surrogate U\+D800/],
      ['"quoted"', /found '"' at index 0/],
      [' lead', /found a leading space/],
      ['trail ', /found a trailing space/],
      ['a #comment', /found " #" at index 1/],
      ['', /^a non-empty option value/],
    ];
    for (const [value, found] of bad) {
      const issues = withOpt(opt('bootfile-name', value));
      one(issues, 'ports[1].extraDhcpOpts[0].optValue', value, found);
      assert.match(issues[0].allowed, /without double quotes \(dnsmasq removes them\), without leading or trailing spaces \(dnsmasq strips them\) and without "#" after a space/);
    }
    for (const value of ['10.0.0.1,10.0.0.2', 'a#b', '#start', 'C:\\boot\\x', 'a  b', 'é💡', 'x,,y']) {
      assert.deepEqual(withOpt(opt('bootfile-name', value)), [], JSON.stringify(value));
    }
  });

  it('refuses a value whose dhcp-optsfile line would exceed 1024 bytes', () => {
    const prefix = `tag:port-${P1},option6:bootfile-url,`;
    const fits = 'x'.repeat(1024 - prefix.length);
    assert.deepEqual(withOpt(opt('bootfile-url', fits, 6)), []);
    one(withOpt(opt('bootfile-url', `${fits}x`, 6)), 'ports[1].extraDhcpOpts[0].optValue', `${fits}x`, /within 1024 bytes \(dnsmasq cuts longer lines in two\); this line would be 1025 bytes/);
    // Bytes, not characters: "é" is two bytes in the file.
    one(withOpt(opt('bootfile-url', `${fits.slice(1)}é`, 6)), 'ports[1].extraDhcpOpts[0].optValue', `${fits.slice(1)}é`, /1025 bytes/);
  });

  it('client-id values: hex bytes or plain text that the hostsfile id: field reads back unchanged', () => {
    for (const v of ['zz:11', 'a,b', '*', '*abc', 'a b', 'a"b', 'a#b', 'x'.repeat(256), '']) {
      one(withOpt(opt('client-id', v)), 'ports[1].extraDhcpOpts[0].optValue', v, /hex bytes separated by ":".*does not start with "\*"/);
    }
    for (const v of ['01:fa:16:3e:11:22:33', 'ff:00:00:00:00:00:02:00:00:02:c9:00:00:02:c9:03:00:0a:0b:0c', 'my-client.1']) {
      assert.deepEqual(withOpt(opt('client-id', v)), [], v);
    }
  });

  it('an option is set once per port and IP version', () => {
    const issues = withPort({ extraDhcpOpts: [opt('mtu', '1400'), opt('MTU', '1300'), opt('dns-server', '[fd00::1]', 6), opt('dns-server', '8.8.8.8')] });
    one(issues, 'ports[1].extraDhcpOpts[1].optName', 'MTU', /not already set on this port for IPv4 \(ports\[1\]\.extraDhcpOpts\[0\] sets it\)/);
  });
});

describe('validatePort', () => {
  it('checks one port against the network, skipping the port with the same id', () => {
    const net = network();
    assert.deepEqual(validatePort(port(), net), []);
    assert.deepEqual(validatePort(port({ macAddress: 'fa:16:3e:99:99:99' }), net), []);
  });

  it('finds conflicts with the other ports, with paths under the given prefix', () => {
    const newPort = port({ id: 'new-port', macAddress: 'fa:16:3e:11:22:33', fixedIps: [{ subnetId: SUB4, ipAddress: '10.0.0.2' }] });
    const issues = validatePort(newPort, network(), 'port');
    assert.deepEqual(
      issues.map((i) => [i.path, i.value]),
      [
        ['port.macAddress', 'fa:16:3e:11:22:33'],
        ['port.fixedIps[0].ipAddress', '10.0.0.2'],
      ],
    );
    assert.match(issues[0].allowed, new RegExp(`port ${P1} has it`));
    assert.match(issues[1].allowed, new RegExp(`port ${DHCP} has it`));
    assert.throws(() => assertValidPort(newPort, network()), (e: unknown) => e instanceof ValidationError && e.issues.length === 2);
  });
});

describe('small checks', () => {
  it('checkId', () => {
    assert.equal(checkId('5A2F0D8E-3C41-4B6F-9E0A-7D1C2B3A4F50', 'id'), null);
    assert.equal(checkId('net-1', 'id'), null);
    assert.equal(checkId('a'.repeat(36), 'id'), null);
    assert.ok(checkId('a'.repeat(37), 'id'));
    assert.ok(checkId('NET-1', 'id'));
    assert.ok(checkId(42, 'id'));
    assert.ok(checkId('', 'id'));
  });

  it('checkMac / checkHostname / checkDomain / checkFqdn', () => {
    assert.equal(checkMac('fa:16:3e:00:00:01', 'm'), null);
    assert.deepEqual(checkMac('03:00:00:00:00:01', 'm')?.path, 'm');
    assert.equal(checkHostname('host-10-0-0-5', 'h'), null);
    assert.ok(checkHostname('host.example', 'h'));
    assert.equal(checkDomain('openstacklocal', 'd'), null);
    assert.equal(checkDomain('example.org.', 'd'), null);
    assert.ok(checkDomain('', 'd'));
    assert.ok(checkDomain('.', 'd'));
    assert.ok(checkDomain('exa_mple.org', 'd'));
    assert.equal(checkFqdn('host-10-0-0-5.openstacklocal.', 'f'), null);
    assert.ok(checkFqdn('1.2.3.4.', 'f'));
  });

  it('checkIp / checkCidr with and without a version', () => {
    assert.equal(checkIp('10.0.0.1', 'ip'), null);
    assert.equal(checkIp('fd00::1', 'ip', 6), null);
    assert.match(checkIp('fd00::1', 'ip', 4)!.allowed, /^an IPv4 address such as 10\.0\.0\.5$/);
    assert.ok(checkIp('fe80::1%eth0', 'ip'));
    assert.ok(checkIp('010.0.0.1', 'ip'));
    assert.equal(checkCidr('fd00::/64', 'c', 6), null);
    assert.match(checkCidr('10.0.0.0/24', 'c', 6)!.allowed, /^an IPv6 network in CIDR form such as fd00::\/64, with all host bits zero$/);
  });

  it('checkDhcpOptName / checkDhcpOptValue / checkClientIdValue', () => {
    assert.equal(checkDhcpOptName('dns-server', 'n', 6), null);
    assert.ok(checkDhcpOptName('router', 'n', 6));
    assert.equal(checkDhcpOptName('router', 'n'), null);
    assert.equal(checkDhcpOptValue('8.8.8.8,8.8.4.4', 'v'), null);
    assert.ok(checkDhcpOptValue(42, 'v'));
    assert.equal(checkClientIdValue('01:02', 'v'), null);
  });

  it('checkSafeText: control characters always, commas on request', () => {
    assert.equal(checkSafeText('a, b', 't'), null);
    assert.equal(checkSafeText('💡 ok', 't'), null);
    assert.match(checkSafeText('a,b', 't', { allowComma: false })!.allowed, /and no commas; found "," at index 1/);
    assert.match(checkSafeText('', 't', { allowEmpty: false })!.allowed, /^non-empty text/);
    assert.match(checkSafeText('a\udc00', 't')!.allowed, /unpaired surrogate U\+DC00 at index 1/);
    assert.match(checkSafeText(7, 't')!.allowed, /^a string/);
  });
});

describe('validateAgentOptions', () => {
  const opts = (over: Partial<Record<keyof AgentOptions, unknown>>) => validateAgentOptions({ ...DEFAULT_AGENT_OPTIONS, ...over } as AgentOptions);

  it('accepts the defaults and the edges', () => {
    assert.deepEqual(opts({}), []);
    assert.deepEqual(opts({ dnsDomain: '', dhcpLeaseDuration: -1, interfaceName: 'ns-1234567890a' }), []);
    assert.deepEqual(opts({ dhcpLeaseDuration: 120 }), []);
    assert.deepEqual(opts({ dhcpLeaseDuration: 2 ** 32 - 1, dhcpRenewalTime: 2 ** 32 - 1 }), []);
  });

  it('refuses each bad field with its rule', () => {
    one(opts({ dnsDomain: 'a..b' }), 'dnsDomain', 'a..b', /^"" \(no domain\) or a DNS name/);
    for (const v of [119, 0, -2, 2 ** 32, 3600.5]) {
      one(opts({ dhcpLeaseDuration: v }), 'dhcpLeaseDuration', v, /-1 \(infinite\) or an integer from 120 \(dnsmasq raises shorter leases to 120 s\) to 4294967295/);
    }
    one(opts({ dnsmasqLeaseMax: 0 }), 'dnsmasqLeaseMax', 0, /positive integer/);
    one(opts({ dnsmasqDnsServers: ['8.8.8.8', '8.8.8.8#53'] }), 'dnsmasqDnsServers[1]', '8.8.8.8#53', /IPv4 or IPv6 address/);
    one(opts({ forceMetadata: 'true' }), 'forceMetadata', 'true', /^true or false$/);
    one(opts({ dhcpRebindingTime: -5 }), 'dhcpRebindingTime', -5, /0 \(not sent\)/);
    for (const p of ['/', '//', '/var/lib/', '/var//lib', '/var/./lib', 'var/lib/x', '/var/lib/../etc', '/var/lib/x y', '/var/lib/x,y', "/var/lib/x'", '/var/lib/$x']) {
      one(opts({ statePath: p }), 'statePath', p, /an absolute path .* letters, digits, "\.", "_", "-" and "\/", below "\/" \(not "\/" itself\), without empty, "\." or "\.\." segments/);
    }
    for (const n of ['ns-1234567890abc', '', 'ns 1', 'ns/1', '..', '-ns1', '.ns']) {
      one(opts({ interfaceName: n }), 'interfaceName', n, /Linux interface name: 1–15 letters, digits, "_", "." or "-", starting with a letter or digit/);
    }
    assert.throws(() => assertValidAgentOptions({ ...DEFAULT_AGENT_OPTIONS, statePath: 'x' }), ValidationError);
  });
});

describe('paths and assertions', () => {
  it('toSnakeCasePath turns camelCase segments into neutron JSON names', () => {
    assert.equal(toSnakeCasePath('ports[2].fixedIps[0].ipAddress'), 'ports[2].fixed_ips[0].ip_address');
    assert.equal(toSnakeCasePath('subnets[0].ipv6AddressMode'), 'subnets[0].ipv6_address_mode');
    assert.equal(toSnakeCasePath('ports[1].extraDhcpOpts[0].optName'), 'ports[1].extra_dhcp_opts[0].opt_name');
    assert.equal(toSnakeCasePath('dhcpLeaseDuration'), 'dhcp_lease_duration');
    assert.equal(toSnakeCasePath('[0]["MAC Address"]'), '[0]["MAC Address"]');
    assert.equal(toSnakeCasePath('id'), 'id');
  });

  it('assertValidNetwork throws one ValidationError with every issue', () => {
    const bad = network({ id: 'X', mtu: 1, ports: [dhcpPort, port({ macAddress: 'nope' })] });
    assert.throws(
      () => assertValidNetwork(bad),
      (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        assert.deepEqual(e.issues.map((i) => i.path), ['id', 'mtu', 'ports[1].macAddress']);
        assert.match(e.message, /^id: got "X"; an id/m);
        assert.match(e.message, /^ports\[1\]\.macAddress: got "nope"; a MAC address/m);
        return true;
      },
    );
  });
});

describe('dhcp-options', () => {
  it('lookupDhcpOption: per IP version, case-insensitive like dnsmasq', () => {
    assert.equal(lookupDhcpOption('tftp-server', 4), 66);
    assert.equal(lookupDhcpOption('t1', 4), 58);
    assert.equal(lookupDhcpOption('DNS-Server', 6), 23);
    assert.equal(lookupDhcpOption('dns-server', 4), 6);
    assert.equal(lookupDhcpOption('bootfile-url', 4), undefined);
    assert.equal(lookupDhcpOption('client-id', 4), undefined);
    assert.equal(lookupDhcpOption('toString', 4), undefined);
  });

  const help = (topic: string) => spawnSync('dnsmasq', ['--help', topic], { encoding: 'utf8' });
  const installed = !help('dhcp').error;
  it('matches `dnsmasq --help dhcp` and `--help dhcp6` of the installed dnsmasq', { skip: installed ? false : 'needs dnsmasq on PATH' }, () => {
    const parse = (text: string) =>
      Object.fromEntries(
        text
          .split('\n')
          .map((l) => /^\s*(\d+) (\S+)$/.exec(l))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => [m[2], Number(m[1])]),
      );
    assert.deepEqual(parse(help('dhcp').stdout), DHCPV4_OPTIONS);
    assert.deepEqual(parse(help('dhcp6').stdout), DHCPV6_OPTIONS);
  });
});
