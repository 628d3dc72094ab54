/**
 * Property: whatever strings a network holds, a rendered dnsmasq file never gains a line that
 * one entity (a port or a subnet) did not produce.
 *
 * Networks are generated as neutron JSON: valid-but-unusual ones, valid ones with exactly one
 * string changed, and ones with many fields spoiled, the strings drawn from adversarial
 * alphabets (line breaks, NUL and other controls, DEL, U+0085, U+2028/2029, quotes, commas,
 * `#`, `=`, brackets, unicode, very long strings, words dnsmasq reads as lease times or flags).
 * Each goes through the real entry point, `renderCommand` (JSON → converter → validation →
 * renderers). Either conversion or validation reports issues and the CLI refuses (exit code 2,
 * each issue named, nothing rendered), or every line of every file is matched, field by field,
 * against what an oracle written from neutron's rules expects of exactly one entity, each field
 * has the shape dnsmasq needs to read it as that one field, no line exceeds the 1024 bytes
 * dnsmasq reads, and the line counts agree. A deterministic sweep puts one adversarial character
 * at several places of every field of a rich network; further properties show conversion and
 * validation are total (issues, never exceptions). Failures print the seed and the shrunk input;
 * FC_NUM_RUNS raises the number of runs.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { renderCommand } from '../../src/cli/render';
import { networkPaths, renderNetwork } from '../../src/dnsmasq/index';
import { CliError, EXIT_INVALID } from '../../src/cli/io';
import { agentOptionsFromJson } from '../../src/model/agent-options';
import { addressAt, parseCidr } from '../../src/model/ip';
import { networkFromNeutronJson } from '../../src/model/neutron-json';
import { formatIssue, type ValidationIssue } from '../../src/model/errors';
import { DEVICE_OWNER_DHCP, type AgentOptions, type Network } from '../../src/model/types';
import { toSnakeCasePath, validateAgentOptions, validateNetwork } from '../../src/model/validate';

// ---------------------------------------------------------------------------------------------
// The neutron JSON the generator writes (only the fields the renderers read)

type Mode = 'slaac' | 'dhcpv6-stateful' | 'dhcpv6-stateless';

interface JSubnet {
  id: string;
  name?: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  dns_nameservers: string[];
  host_routes: { destination: string; nexthop: string }[];
  allocation_pools: { start: string; end: string }[];
  ipv6_address_mode: Mode | null;
  ipv6_ra_mode: Mode | null;
}

interface JPort {
  id: string;
  mac_address: string;
  device_owner: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  extra_dhcp_opts: { opt_name: string; opt_value: string; ip_version: 4 | 6 }[];
  dns_assignment?: { hostname: string; ip_address: string; fqdn: string }[];
}

interface JNetwork {
  id: string;
  name?: string;
  mtu?: number;
  dns_domain?: string;
  subnets: JSubnet[];
  ports: JPort[];
}

type JOptions = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Adversarial text

const NASTY = [
  '\n', '\r', '\r\n', '\0', '\x01', '\x08', '\t', '\x0b', '\x0c', '\x1b', '\x1f', '\x7f', '\u0080', '\u0085', '\u009f',
  '\u00a0', '\u2028', '\u2029', '\ufeff', '\ud800', '\udc00', ',', '"', "'", '\\', '#', ' #', ' ', '=', ':', '[', ']',
  '*', '/', '.', '-', '$', '`', ';', 'é', 'ß', '中', '😀', 'e\u0301',
];

/** Lines that would pass for another entity's line if a value could smuggle a line break in. */
const INJECTIONS = [
  '\nfa:16:3e:66:66:66,evil,10.0.0.66',
  '\ntag:subnet-s0,option:router,6.6.6.6',
  '\r\n10.0.0.66\tevil evil',
  '\n0 fa:16:3e:66:66:66 10.0.0.66 * *',
  '\u2028tag:port-p0,option:tftp-server,6.6.6.6',
  '\u0085x',
  ',set:port-p0',
  ' #comment',
  '"',
];

/** Whole values that dnsmasq's readers take for another kind of field (lease time, flag, address, tag, id). */
const KEYWORDS = ['600', '10m', '2h', 'infinite', 'ignore', '10.0.0.9', 'fd00::9', 'id:*', '*', 'set:port-x', 'tag:x', 'tag:dhcpv6', '0', '-1', 'fa:16:3e:66:66:66', 'network:dhcp', 'client-id', 'slaac'];

const nastyUnit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.constantFrom('a', 'Z', '0', '9', '-', '.', '_') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

const longText = fc
  .tuple(fc.constantFrom('a', 'x1-', '\\', '#', ',', 'é', '😀', 'ab.'), fc.integer({ min: 64, max: 1100 }))
  .map(([s, n]) => s.repeat(Math.ceil(n / s.length)).slice(0, n));

const nastyText = fc.oneof(
  { weight: 6, arbitrary: fc.array(nastyUnit, { maxLength: 16 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: longText },
);

/** A valid value with adversarial text inserted or appended, or adversarial text alone. */
function spoiled(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    nastyText,
    fc.tuple(valid, nastyText, fc.nat()).map(([v, n, k]) => {
      const i = k % (v.length + 1);
      return v.slice(0, i) + n + v.slice(i);
    }),
    fc.tuple(valid, fc.constantFrom(...INJECTIONS)).map(([v, inj]) => v + inj),
  );
}

/**
 * How hostile a generated input is: 0 spoils nothing (only values that are valid, if unusual),
 * higher levels spoil more fields and break more rules.
 */
type Hostility = number;

/** A valid value, or with weight `odds * h` against 40 a spoiled one. */
function field<T extends string>(h: Hostility, valid: fc.Arbitrary<T>, odds = 1): fc.Arbitrary<string> {
  return h * odds === 0 ? valid : fc.oneof({ weight: 40, arbitrary: valid }, { weight: h * odds, arbitrary: spoiled(valid) });
}

/** `true` with weight `h` against 40 (never at h = 0): whether to break a structural rule. */
function rare(h: Hostility): fc.Arbitrary<boolean> {
  return h === 0 ? fc.constant(false) : fc.oneof({ weight: 40, arbitrary: fc.constant(false) }, { weight: h, arbitrary: fc.constant(true) });
}

/** One of `valid`, or with weight `h` one of `invalid`. */
function pick<T>(h: Hostility, valid: readonly T[], invalid: readonly T[]): fc.Arbitrary<T> {
  return h === 0 ? fc.constantFrom(...valid) : fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...valid) }, { weight: h, arbitrary: fc.constantFrom(...invalid) });
}

// ---------------------------------------------------------------------------------------------
// Valid building blocks

const hex2 = fc.integer({ min: 0, max: 255 }).map((b) => b.toString(16).padStart(2, '0'));
// Short ids that are prefixes of each other ("a", "a-1") test that attribution matches whole tags.
const idArb = fc.oneof(fc.uuid(), fc.uuid().map((u) => u.toUpperCase()), fc.stringMatching(/^[a-z0-9-]{1,12}$/), fc.constantFrom('a', 'a-b', 'ab', 'p0', 's0'));
const macArb = fc
  .tuple(fc.integer({ min: 0, max: 127 }), fc.array(hex2, { minLength: 5, maxLength: 5 }), fc.boolean())
  .map(([first, rest, upper]) => {
    const mac = [(first * 2).toString(16).padStart(2, '0'), ...rest].join(':');
    return upper ? mac.toUpperCase() : mac;
  });
const label = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(63), 'A1', '7up', 'vm-1') },
);
/** 188 characters: with a 63-character hostname the fqdn is 253 characters, the most DNS allows. */
const LONG_DOMAIN = `${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(60)}`;
/** 253 characters: the longest agent dns_domain. */
const LONGEST_DOMAIN = `${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(63)}.${'g'.repeat(61)}`;
const domainArb = fc.oneof(
  { weight: 6, arbitrary: fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.')) },
  { weight: 2, arbitrary: fc.constant(LONG_DOMAIN) },
);
/** Option values: printable text that validation has to let through, commas and all. */
const toughValue = fc
  .array(fc.constantFrom('a', '1', '.', '/', ':', '=', ',', '[', ']', '\\', '#', 'é', '中', '😀', '-', '_', '~', '%', '$', '`', ';', "'", 'b a'), {
    minLength: 1,
    maxLength: 30,
  })
  .map((a) => a.join(''));
const urlValue = fc.constantFrom('http://10.0.0.9/boot.ipxe', 'tftp://[fd00::9]/grub.efi', 'pxelinux.0', 'http://a/b?c=d,e#f');
const clientIdArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(hex2, { minLength: 1, maxLength: 8 }).map((a) => a.join(':')) },
  { weight: 2, arbitrary: fc.array(hex2, { minLength: 150, maxLength: 255 }).map((a) => a.join(':')) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9._@!-]{1,40}$/) },
);

/** Extra DHCP option names with a value generator each, as neutron users write them. */
const OPT_DEFS: [string, 4 | 6, fc.Arbitrary<string>][] = [
  ['tftp-server', 4, fc.constantFrom('10.0.0.9', '10.0.0.9,10.0.0.10')],
  ['TFTP-SERVER', 4, fc.constantFrom('10.0.0.9')],
  ['bootfile-name', 4, fc.oneof(urlValue, toughValue)],
  ['tag:ipxe,bootfile-name', 4, urlValue],
  ['tag:!ipxe,tag:efi-x86_64,67', 4, fc.oneof(urlValue, toughValue)],
  ['66', 4, fc.constantFrom('10.0.0.9')],
  ['150', 4, fc.constantFrom('10.0.0.9')],
  ['server-ip-address', 4, fc.constantFrom('10.0.0.9')],
  ['T1', 4, fc.constantFrom('600', '1000s')],
  ['domain-search', 4, fc.constantFrom('example.org,example.com')],
  ['client-id', 4, clientIdArb],
  ['61', 4, clientIdArb],
  ['client-id', 6, clientIdArb],
  ['dns-server', 6, fc.constantFrom('[fd00::53]', '[fd00::53],[fd00::54]')],
  ['bootfile-url', 6, fc.oneof(urlValue, toughValue)],
  ['tag:ipxe6,bootfile-url', 6, urlValue],
  ['59', 6, urlValue],
  ['bootfile-param', 6, fc.oneof(toughValue, longText.filter((t) => !t.startsWith(' ')))],
];
/** Names validation must refuse. */
const BAD_OPT_NAMES = ['option:tftp-server', 'Client-ID', '255', '0', '066', ' 66', 'tag:a b,66', 'tag:,66', 'tag:x', '', 'tag:ipxe,client-id', 'hostname'];

function optsArb(h: Hostility): fc.Arbitrary<JPort['extra_dhcp_opts']> {
  const one = fc
    .record({ def: fc.integer({ min: 0, max: OPT_DEFS.length - 1 }), bad: rare(h), badName: fc.constantFrom(...BAD_OPT_NAMES) })
    .chain(({ def, bad, badName }) => {
      const [name, ipVersion, value] = OPT_DEFS[def];
      return fc.record({ opt_name: bad ? fc.constant(badName) : field(h, fc.constant(name)), opt_value: field(h, value, 3), ip_version: fc.constant(ipVersion) });
    });
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant<JPort['extra_dhcp_opts']>([]) },
    { weight: 3, arbitrary: fc.uniqueArray(one, { minLength: 1, maxLength: 4, selector: (o) => `${o.ip_version}/${o.opt_name.toLowerCase()}` }) },
  );
}

// ---------------------------------------------------------------------------------------------
// Networks

const CIDRS_V4 = ['10.0.0.0/24', '10.0.1.0/24', '192.168.5.0/28', '172.16.0.0/16', '100.64.0.0/30'];
const CIDRS_V6 = ['fd00:1::/64', 'fd00:2::/64', '2001:db8:0:3::/64', 'fd00:4::/56', 'fd00:5::/126'];
/** CIDRs overlapping the ones above (only hostile inputs use them). */
const OVERLAPPING = ['10.0.0.0/23', 'fd00:1::/120'];
const MODES: (Mode | null)[] = [null, 'slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'];
const OWNERS = [
  '', 'compute:nova', 'compute:nova', 'baremetal:none', 'network:dhcp', 'network:router_interface', 'network:router_ha_interface',
  'network:floatingip', 'network:distributed', 'network:router_interface_distributed',
];
const DNS_V4 = ['8.8.8.8', '0.0.0.0', '10.0.0.53', '1.1.1.1'];
const DNS_V6 = ['2001:db8::53', '::', 'fd00::35'];
const DEST_V4 = ['0.0.0.0/0', '20.0.0.0/24', '192.168.100.0/22', '169.254.169.254/32'];
const DEST_V6 = ['::/0', '2001:db8:feed::/64'];

function subnetSpecArb(h: Hostility) {
  return fc.record({
    cidr: fc.constantFrom(...CIDRS_V4, ...CIDRS_V6),
    overlapping: rare(h),
    id: field(h, idArb),
    sameIdAsPrevious: rare(h),
    name: fc.option(field(h, fc.constantFrom('private', 'Net A', 'tenant-中'), 2), { nil: undefined }),
    gateway: fc.constantFrom('first', 'first', 'none'),
    gatewayOutside: rare(h),
    dhcp: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    dns: fc.array(fc.nat(), { maxLength: 3 }),
    routes: fc.array(fc.record({ dest: fc.nat(), hop: fc.nat() }), { maxLength: 3 }),
    // Long lists make long option lines (dnsmasq reads at most 1024 bytes of a line).
    manyRoutes: fc.oneof({ weight: 15, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 15, max: 45 }) }),
    manyDns: fc.oneof({ weight: 15, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 10, max: 70 }) }),
    mode: fc.constantFrom(...MODES),
    badMode: rare(h),
  });
}
type SubnetSpec = ReturnType<typeof subnetSpecArb> extends fc.Arbitrary<infer T> ? T : never;

function fixedIpArb(h: Hostility) {
  return fc.record({ subnet: fc.nat(), offset: fc.nat(), upper: fc.boolean(), outside: rare(h), taken: rare(h), badSubnetId: rare(h) });
}

function portSpecArb(h: Hostility) {
  return fc.record({
    id: field(h, idArb),
    sameIdAsPrevious: rare(h),
    mac: field(h, macArb),
    sameMacAsPrevious: rare(h),
    owner: field(h, fc.constantFrom(...OWNERS)),
    fixedIps: fc.array(fixedIpArb(h), { maxLength: 3 }),
    opts: optsArb(h),
    dns: fc.option(
      fc.array(
        fc.record({
          hostname: field(h, label),
          domain: domainArb,
          trailingDot: fc.boolean(),
          fqdn: fc.oneof({ weight: 20, arbitrary: fc.constant(null) }, { weight: h, arbitrary: fc.constantFrom('600', 'infinite', '10.0.0.1', `${'x'.repeat(63)}.${LONGEST_DOMAIN}`) }),
          otherText: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
        }),
        { maxLength: 3 },
      ),
      { nil: null },
    ),
  });
}
type PortSpec = ReturnType<typeof portSpecArb> extends fc.Arbitrary<infer T> ? T : never;

function usableSize(cidr: string): number {
  const c = parseCidr(cidr)!;
  return c.size > 300n ? 300 : Number(c.size) - 2;
}

function addressIn(cidr: string, offset: number): string {
  return addressAt(cidr, BigInt(1 + (offset % usableSize(cidr))))!;
}

/** `n` distinct addresses outside every generated subnet. */
function manyAddresses(v: 4 | 6, n: number): string[] {
  return Array.from({ length: n }, (_, k) => (v === 6 ? `2001:db8:ffff::${(k + 1).toString(16)}` : `198.51.${100 + (k >> 8)}.${k & 255}`));
}

function buildSubnet(s: SubnetSpec, i: number, earlier: readonly JSubnet[]): JSubnet {
  let cidr = s.cidr;
  if (s.overlapping) cidr = OVERLAPPING[i % OVERLAPPING.length];
  const v = cidr.includes(':') ? 6 : 4;
  let id = s.id;
  if (s.sameIdAsPrevious && earlier.length > 0) id = earlier[earlier.length - 1].id;
  // Ids that are prefixes of others ("a", "a-1") are kept: attribution must match whole tags.
  else if (earlier.some((e) => e.id === id)) id = `${id}-${i}`;
  let mode = v === 6 ? s.mode : null;
  // neutron allows SLAAC and DHCPv6-stateless on /64 only.
  if (!s.badMode && parseCidr(cidr)!.prefixLength !== 64 && (mode === 'slaac' || mode === 'dhcpv6-stateless')) mode = 'dhcpv6-stateful';
  const dnsPool = v === 6 ? DNS_V6 : DNS_V4;
  const destPool = v === 6 ? DEST_V6 : DEST_V4;
  return {
    id,
    ...(s.name !== undefined ? { name: s.name } : {}),
    cidr,
    ip_version: v,
    gateway_ip: s.gatewayOutside ? (v === 6 ? 'fd99::1' : '10.99.0.1') : s.gateway === 'first' ? addressIn(cidr, 0) : null,
    enable_dhcp: mode !== null ? true : s.dhcp,
    dns_nameservers: [...new Set(s.dns.map((k) => dnsPool[k % dnsPool.length])), ...manyAddresses(v, s.manyDns)],
    host_routes: [
      ...s.routes.map((r) => ({ destination: destPool[r.dest % destPool.length], nexthop: addressIn(cidr, 10 + r.hop) })),
      ...manyAddresses(v, s.manyRoutes).map((a, k) => ({ destination: v === 6 ? `${a}/128` : `${a}/32`, nexthop: addressIn(cidr, 10 + k) })),
    ],
    allocation_pools: [],
    ipv6_address_mode: mode,
    ipv6_ra_mode: s.badMode && v === 6 ? MODES[(MODES.indexOf(mode) + 1) % MODES.length] : mode,
  };
}

function buildPort(p: PortSpec, i: number, earlier: readonly JPort[], subnets: readonly JSubnet[], used: Set<string>): JPort {
  const previous = earlier[earlier.length - 1];
  let id = p.id;
  if (p.sameIdAsPrevious && previous) id = previous.id;
  else if (earlier.some((e) => e.id === id)) id = `${id}-${i}`;
  const mac = p.sameMacAsPrevious && previous ? previous.mac_address.toUpperCase() : p.mac;
  const fixed: JPort['fixed_ips'] = [];
  const ownSubnets = new Set<string>();
  for (const f of p.fixedIps) {
    // At most one address per subnet and port (validation refuses a second one): the next subnet this port has none on.
    const free = subnets.filter((c) => !ownSubnets.has(c.id));
    if (free.length === 0) continue;
    const s = free[f.subnet % free.length];
    ownSubnets.add(s.id);
    let ip: string | undefined;
    if (f.outside) ip = s.ip_version === 6 ? 'fd77::7' : '10.77.0.7';
    else if (f.taken && used.size > 0) ip = [...used][f.offset % used.size];
    else {
      // The first free address from the drawn offset on (none left: no address on this subnet).
      const size = usableSize(s.cidr);
      for (let k = 0; k < size && ip === undefined; k++) {
        const candidate = addressIn(s.cidr, f.offset + k);
        if (!used.has(candidate)) ip = candidate;
      }
      if (ip === undefined) continue;
    }
    used.add(ip);
    fixed.push({ subnet_id: f.badSubnetId ? 'no-such-subnet' : s.id, ip_address: f.upper ? ip.toUpperCase() : ip });
  }
  const dns =
    p.dns === null
      ? undefined
      : p.dns.slice(0, fixed.length).map((d, k) => {
          const ip = fixed[k].ip_address;
          // Another spelling of the same address: neutron matches dns_assignment by text, so the default name applies.
          const other = ip.toLowerCase() !== ip ? ip.toLowerCase() : ip.includes(':') ? ip.toUpperCase() : ip;
          return { hostname: d.hostname, ip_address: d.otherText ? other : ip, fqdn: d.fqdn ?? `${d.hostname}.${d.domain}${d.trailingDot ? '.' : ''}` };
        });
  return { id, mac_address: mac, device_owner: p.owner, fixed_ips: fixed, extra_dhcp_opts: p.opts, ...(dns !== undefined ? { dns_assignment: dns } : {}) };
}

function networkArb(h: Hostility): fc.Arbitrary<JNetwork> {
  return fc
    .record({
      id: field(h, idArb),
      name: fc.option(field(h, fc.constantFrom('net', 'my network'), 2), { nil: undefined }),
      mtu: fc.option(pick(h, [0, 1500, 9000, 1450], [67, 65536, 1500.5]), { nil: undefined }),
      dnsDomain: fc.option(field(h, domainArb), { nil: undefined }),
      subnets: fc.uniqueArray(subnetSpecArb(h), { minLength: 1, maxLength: 4, selector: (s) => s.cidr }),
      ports: fc.array(portSpecArb(h), { maxLength: 6 }),
      routerOnGateway: fc.boolean(),
    })
    .map((n) => {
      const subnets: JSubnet[] = [];
      n.subnets.forEach((s, i) => subnets.push(buildSubnet(s, i, subnets)));
      const used = new Set(subnets.flatMap((s) => (s.gateway_ip ? [s.gateway_ip] : [])));
      const ports: JPort[] = [];
      // A router port on a gateway makes its subnet non-isolated (metadata route via the gateway).
      if (n.routerOnGateway && subnets[0].gateway_ip) {
        ports.push({
          id: 'router-0',
          mac_address: 'fa:16:3e:0f:0f:0f',
          device_owner: 'network:router_interface',
          fixed_ips: [{ subnet_id: subnets[0].id, ip_address: subnets[0].gateway_ip }],
          extra_dhcp_opts: [],
        });
      }
      n.ports.forEach((p, i) => ports.push(buildPort(p, i, ports, subnets, used)));
      return {
        id: n.id,
        ...(n.name !== undefined ? { name: n.name } : {}),
        ...(n.mtu !== undefined ? { mtu: n.mtu } : {}),
        ...(n.dnsDomain !== undefined ? { dns_domain: n.dnsDomain } : {}),
        subnets,
        ports,
      };
    });
}

function optionsArb(h: Hostility): fc.Arbitrary<JOptions | null> {
  return fc.option(
    fc.record(
      {
        dns_domain: field(h, fc.oneof(fc.constantFrom('', 'openstacklocal', 'example.org.', LONGEST_DOMAIN), domainArb), 2),
        dhcp_lease_duration: pick(h, [-1, 120, 86400, 4294967295], [119, 0, 1.5, 4294967296, '600']),
        dnsmasq_lease_max: pick(h, [1, 100, 16777216], [0, -1]),
        dnsmasq_dns_servers: fc.array(field(h, fc.constantFrom('8.8.8.8', '2001:db8::53', '10.0.0.1'), 2), { maxLength: 2 }),
        dnsmasq_local_resolv: fc.boolean(),
        enable_isolated_metadata: fc.boolean(),
        force_metadata: fc.boolean(),
        dhcp_broadcast_reply: fc.boolean(),
        dhcp_renewal_time: fc.constantFrom(0, 600),
        dhcp_rebinding_time: fc.constantFrom(0, 1050),
        state_path: field(h, fc.constantFrom('/var/lib/dhcp-agent', '/srv/dhcp_agent.2'), 2),
        interface_name: field(h, fc.constantFrom('ns-abc', 'tap0', 'eth0.100'), 2),
      },
      { requiredKeys: [] },
    ),
    { nil: null },
  );
}

/** A string somewhere in the input: `holder[key]`, found under the JSON name `name`. */
interface Slot {
  readonly holder: Record<string, unknown> | unknown[];
  readonly key: string | number;
  readonly name: string;
}

function stringSlots(value: unknown, name = '', out: Slot[] = []): Slot[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => (typeof v === 'string' ? out.push({ holder: value, key: i, name }) : stringSlots(v, name, out)));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string') out.push({ holder: value as Record<string, unknown>, key: k, name: k });
      else stringSlots(v, k, out);
    }
  }
  return out;
}

type Defect = (value: string, slot: Slot, all: readonly Slot[]) => string;

/** One change to one string: each tests one rule, or one way a value may be odd and still valid. */
const defectArb: fc.Arbitrary<Defect> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...NASTY), fc.nat()).map(([c, k]): Defect => (v) => v.slice(0, k % (v.length + 1)) + c + v.slice(k % (v.length + 1))) },
  { weight: 1, arbitrary: fc.constantFrom(...INJECTIONS).map((inj): Defect => (v) => v + inj) },
  { weight: 1, arbitrary: nastyText.map((t): Defect => () => t) },
  { weight: 2, arbitrary: fc.constantFrom(...KEYWORDS).map((k): Defect => () => k) },
  { weight: 1, arbitrary: fc.constantFrom<Defect>((v) => v.toUpperCase(), (v) => v.toLowerCase(), () => '', (v) => ` ${v}`, (v) => `${v} `, (v) => v.repeat(20)) },
  // Another entity's value of the same field: duplicate ids, MACs, addresses; crossed references.
  {
    weight: 3,
    arbitrary: fc.nat().map((k): Defect => (v, slot, all) => {
      const same = all.filter((x) => x.name === slot.name && x !== slot);
      return same.length === 0 ? v : String((same[k % same.length].holder as Record<string | number, unknown>)[same[k % same.length].key]);
    }),
  },
);

/** A valid input with exactly one string changed: a refusal then tests exactly one rule. */
const oneDefectArb: fc.Arbitrary<[JNetwork, JOptions | null]> = fc
  .tuple(networkArb(0), optionsArb(0), fc.nat(), defectArb)
  .map(([net, options, at, defect]) => {
    const input = structuredClone({ net, options });
    const slots = stringSlots(input);
    // Each field name as likely as any other, however many times it occurs.
    const names = [...new Set(slots.map((x) => x.name))];
    if (slots.length > 0) {
      const named = slots.filter((x) => x.name === names[at % names.length]);
      const slot = named[Math.floor(at / names.length) % named.length];
      const holder = slot.holder as Record<string | number, unknown>;
      holder[slot.key] = defect(holder[slot.key] as string, slot, slots);
    }
    return [input.net, input.options];
  });

/** Inputs: valid-but-unusual ones, ones with exactly one defect, and ones with many. */
const inputArb: fc.Arbitrary<[JNetwork, JOptions | null]> = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(networkArb(0), optionsArb(0)) },
  { weight: 4, arbitrary: oneDefectArb },
  { weight: 1, arbitrary: fc.tuple(networkArb(1), optionsArb(1)) },
  { weight: 1, arbitrary: fc.tuple(networkArb(4), optionsArb(4)) },
);

// ---------------------------------------------------------------------------------------------
// The oracle: what neutron's rules make each entity write, computed from the JSON input

interface EffectiveOptions {
  readonly dnsDomain: string;
  readonly dnsServers: readonly string[];
  readonly leaseDuration: number;
  readonly enableIsolatedMetadata: boolean;
  readonly forceMetadata: boolean;
}

const NO_DHCP_CONFIG_OWNERS = ['network:router_ha_interface', 'network:floatingip', 'network:dhcp', 'network:distributed'];
const ROUTER_OWNERS = ['network:router_interface', 'network:ha_router_replicated_interface', 'network:router_interface_distributed'];

const needsDhcpConfig = (p: JPort): boolean => !NO_DHCP_CONFIG_OWNERS.includes(p.device_owner);
const subnetOf = (net: JNetwork, id: string): JSubnet => net.subnets.find((s) => s.id === id)!;
const isClientId = (name: string): boolean => name === 'client-id' || name === '61';

/**
 * One field of an expected line: its text, and the shape dnsmasq needs to read it as one field
 * (stated here independently of the validation under test). `rest` marks a last field that may
 * itself hold commas (option values: "commas separate list items").
 */
interface Field {
  readonly text: string;
  readonly shape: RegExp;
  readonly rest?: boolean;
}
type Line = readonly Field[];

const MAC = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;
const DNS_NAME = /^[A-Za-z0-9.-]+$/;
/** A name in a dhcp-host line that dnsmasq reads as a name, not as a lease time, a flag or an address. */
const HOST_NAME_FIELD = /^(?!\d+[smhdw]?$)(?!infinite$)(?!ignore$)(?!\d{1,3}(\.\d{1,3}){3}$)[A-Za-z0-9.-]+$/i;
const HOSTNAME = /^[A-Za-z0-9-]+$/;
const IP = /^[0-9A-Fa-f:.]+$/;
const BRACKETED_IP = /^\[[0-9A-Fa-f:.]+\]$/;
const ENTITY_TAG = /^(tag|set):(port|subnet)-[A-Za-z0-9-]+$/;
/** A client id as dnsmasq's dhcp-host reads it: no comma, whitespace, quote or comment; a leading "*" means "ignore the id". */
const CLIENT_ID_FIELD = /^id:(?!\*)[^,\s"#]+$/;
/** An option value dnsmasq reads as written: no quotes, no comment, no outer spaces. */
const OPT_VALUE = /^(?! )(?!.* $)(?!.*\s#)[^"]+$/s;
const EMBEDDED_TAG = /^tag:!?[A-Za-z0-9_.-]+$/;
const OPTION = /^(option6?:)?[A-Za-z0-9+-]+$/;

const f = (text: string, shape: RegExp, rest = false): Field => ({ text, shape, rest });

/** neutron: the port's dns_assignment entry for this exact address text (the last one wins, as in a dict), else host-<ip>. */
function names(p: JPort, ip: string, domain: string): { hostname: string; fqdn: string } {
  const d = [...(p.dns_assignment ?? [])].reverse().find((a) => a.ip_address === ip);
  if (d) return { hostname: d.hostname, fqdn: d.fqdn };
  const hostname = `host-${ip.replace(/[.:]/g, '-')}`;
  return { hostname, fqdn: domain ? `${hostname}.${domain}` : hostname };
}

/** Expected host-file lines of one port: `mac,[tag:dhcpv6,][id:<client-id>,]fqdn,ip[,set:port-<id>]`. */
function expectedHostLines(net: JNetwork, p: JPort, o: EffectiveOptions): Line[] {
  if (!needsDhcpConfig(p)) return [];
  const clientId = p.extra_dhcp_opts.find((x) => isClientId(x.opt_name))?.opt_value;
  const n = p.extra_dhcp_opts.length;
  const mac = f(p.mac_address, MAC);
  const portTag = f(`set:port-${p.id}`, ENTITY_TAG);
  const out: Line[] = [];
  for (const fip of p.fixed_ips) {
    const s = subnetOf(net, fip.subnet_id);
    const v6 = s.ip_version === 6;
    const tag = v6 ? [f('tag:dhcpv6', /^tag:dhcpv6$/)] : [];
    if (v6 && s.ipv6_address_mode === 'slaac') continue;
    if (v6 && s.ipv6_address_mode === 'dhcpv6-stateless') {
      if (n > 0) out.push([mac, ...tag, portTag]);
      continue;
    }
    if (!s.enable_dhcp) continue;
    const ip = v6 ? f(`[${fip.ip_address}]`, BRACKETED_IP) : f(fip.ip_address, IP);
    const id = clientId !== undefined ? [f(`id:${clientId}`, CLIENT_ID_FIELD)] : [];
    const setTag = n > 0 && !(clientId !== undefined && n === 1) ? [portTag] : [];
    out.push([mac, ...tag, ...id, f(names(p, fip.ip_address, o.dnsDomain).fqdn, HOST_NAME_FIELD), ip, ...setTag]);
  }
  return out;
}

/** Expected addn_hosts lines of one port: `ip<TAB>fqdn hostname`. */
function expectedAddnHostsLines(p: JPort, o: EffectiveOptions): Line[] {
  if (!needsDhcpConfig(p)) return [];
  return p.fixed_ips.map((fip) => {
    const { hostname, fqdn } = names(p, fip.ip_address, o.dnsDomain);
    return [f(fip.ip_address, IP), f(fqdn, DNS_NAME), f(hostname, HOSTNAME)];
  });
}

/** Expected initial leases of one port: `0 mac ip * *` per address on a DHCP-enabled IPv4 subnet. */
function expectedLeaseLines(net: JNetwork, p: JPort): Line[] {
  if (!needsDhcpConfig(p)) return [];
  return p.fixed_ips
    .filter((fip) => {
      const s = subnetOf(net, fip.subnet_id);
      return s.ip_version === 4 && s.enable_dhcp;
    })
    .map((fip) => [f('0', /^0$/), f(p.mac_address, MAC), f(fip.ip_address, IP), f('*', /^\*$/), f('*', /^\*$/)]);
}

/** Subnets that get options at all: DHCP enabled, SLAAC excepted. */
const optionSubnets = (net: JNetwork): JSubnet[] => net.subnets.filter((s) => s.enable_dhcp && !(s.ip_version === 6 && s.ipv6_address_mode === 'slaac'));

/** An opts line: `tag:<entity>,[embedded tags,]<option>[,<value>]`. */
function optLine(tag: string, embeddedTags: readonly string[], option: string, value?: string): Line {
  return [f(tag, ENTITY_TAG), ...embeddedTags.map((t) => f(t, EMBEDDED_TAG)), f(option, OPTION), ...(value === undefined ? [] : [f(value, OPT_VALUE, true)])];
}

function expectedSubnetOptLines(net: JNetwork, s: JSubnet, o: EffectiveOptions): Line[] {
  if (!optionSubnets(net).includes(s)) return [];
  const v6 = s.ip_version === 6;
  const tag = `tag:subnet-${s.id}`;
  const opt = v6 ? 'option6:' : 'option:';
  const lit = (ip: string) => (v6 ? `[${ip}]` : ip);
  const out: Line[] = [];
  const ns = s.dns_nameservers;
  if (ns.length === 1 && ns[0] === (v6 ? '::' : '0.0.0.0')) out.push(optLine(tag, [], `${opt}dns-server`));
  else if (ns.length > 0) out.push(optLine(tag, [], `${opt}dns-server`, ns.map(lit).join(',')));
  // Several DHCP ports on a subnet without nameservers: all of them are announced.
  if (ns.length === 0) {
    const dhcpIps = net.ports.filter((p) => p.device_owner === 'network:dhcp').flatMap((p) => p.fixed_ips.filter((fip) => fip.subnet_id === s.id).map((fip) => fip.ip_address));
    if (dhcpIps.length > 1) out.push(optLine(tag, [], `${opt}dns-server`, dhcpIps.map(lit).join(',')));
  }
  if (v6) {
    if (o.dnsDomain) out.push(optLine(tag, [], 'option6:domain-search', o.dnsDomain));
    return out;
  }
  let gateway = s.gateway_ip;
  const routes: string[] = [];
  for (const r of s.host_routes) {
    if (r.destination === '0.0.0.0/0') gateway = gateway || r.nexthop;
    else routes.push(`${r.destination},${r.nexthop}`);
  }
  const isolated = !net.ports.some((p) => ROUTER_OWNERS.includes(p.device_owner) && p.fixed_ips.some((fip) => fip.subnet_id === s.id && fip.ip_address === s.gateway_ip));
  const selfDhcp = net.ports.find((p) => p.device_owner === 'network:dhcp');
  const selfIp = selfDhcp?.fixed_ips.filter((fip) => fip.subnet_id === s.id).pop()?.ip_address;
  const metadataVia = o.forceMetadata || (isolated && o.enableIsolatedMetadata) ? selfIp : !isolated && gateway ? gateway : undefined;
  if (metadataVia) routes.push(`169.254.169.254/32,${metadataVia}`);
  const onLink = net.subnets.filter((x) => x.ip_version === 4 && x.cidr !== s.cidr).reverse().map((x) => `${x.cidr},0.0.0.0`);
  const all = [...onLink, ...routes];
  if (all.length > 0) {
    if (gateway) all.push(`0.0.0.0/0,${gateway}`);
    out.push(optLine(tag, [], 'option:classless-static-route', all.join(',')), optLine(tag, [], '249', all.join(',')));
  }
  out.push(gateway ? optLine(tag, [], 'option:router', gateway) : optLine(tag, [], 'option:router'));
  return out;
}

function expectedPortOptLines(net: JNetwork, p: JPort): Line[] {
  const families = new Set(p.fixed_ips.map((fip) => subnetOf(net, fip.subnet_id).ip_version));
  return p.extra_dhcp_opts
    .filter((x) => !isClientId(x.opt_name) && families.has(x.ip_version))
    .map((x) => {
      const parts = x.opt_name.split(',');
      const name = parts.pop()!;
      const option = x.ip_version === 6 ? `option6:${name}` : /^[0-9]+$/.test(name) ? name : `option:${name}`;
      return optLine(`tag:port-${p.id}`, parts, option, x.opt_value);
    });
}

// ---------------------------------------------------------------------------------------------
// Line checks

// C0, DEL, C1 (incl. U+0085), the Unicode line/paragraph separators, and lone surrogates.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|\p{Cs}/u;
const DNSMASQ_MAX_LINE_BYTES = 1024;

/** Lines of a file whose every line ends in "\n" (or that is empty). */
function terminatedLines(text: string, file: string): string[] {
  if (text === '') return [];
  assert.ok(text.endsWith('\n'), `${file}: ends with a newline`);
  return text.slice(0, -1).split('\n');
}

/** Lines of a file joined with "\n", no trailing newline (the opts file). */
function joinedLines(text: string): string[] {
  return text === '' ? [] : text.split('\n');
}

function assertClean(line: string, file: string): void {
  assert.ok(!CONTROL.test(line), `${file}: control character in line ${JSON.stringify(line)}`);
  assert.ok(line !== '', `${file}: empty line`);
}

/** Whether `line` is `expected`, field by field when split at `sep` (a `rest` field takes the remainder). */
function lineMatches(line: string, expected: Line, sep: string | RegExp): boolean {
  const texts = expected.map((x) => x.text);
  const restAt = expected.findIndex((x) => x.rest);
  const fields = line.split(sep);
  if (restAt < 0) return fields.length === texts.length && fields.every((x, i) => x === texts[i]);
  return line === texts.join(',') && texts.slice(0, restAt).every((x, i) => fields[i] === x);
}

/**
 * Every line is claimed by exactly one entity (`owns`), equals field by field one of the lines
 * that entity is expected to write, and each field has the shape dnsmasq needs; afterwards
 * nothing expected is left over.
 */
function attribute<E>(
  file: string,
  lines: readonly string[],
  entities: readonly E[],
  owns: (e: E, line: string) => boolean,
  expected: (e: E) => Line[],
  name: (e: E) => string,
  sep: string | RegExp,
): void {
  const left = new Map(entities.map((e) => [e, expected(e)] as const));
  for (const line of lines) {
    const owners = entities.filter((e) => owns(e, line));
    assert.equal(owners.length, 1, `${file}: line ${JSON.stringify(line)} claimed by ${owners.length} entities (${owners.map(name).join(', ')})`);
    const todo = left.get(owners[0])!;
    const at = todo.findIndex((x) => lineMatches(line, x, sep));
    assert.ok(at >= 0, `${file}: line ${JSON.stringify(line)} is not one ${name(owners[0])} should write; expected one of ${JSON.stringify(todo.map((x) => x.map((y) => y.text)))}`);
    for (const x of todo[at]) assert.match(x.text, x.shape, `${file}: field ${JSON.stringify(x.text)} of ${JSON.stringify(line)}`);
    todo.splice(at, 1);
  }
  for (const [e, todo] of left) assert.deepEqual(todo.map((x) => x.map((y) => y.text)), [], `${file}: lines ${name(e)} should have written`);
}

interface Rendered {
  host: string;
  addn_hosts: string;
  opts: string;
  leases: string;
  argv: string[];
}

function checkRendered(net: JNetwork, o: EffectiveOptions, r: Rendered): void {
  const portName = (p: JPort) => `port ${p.id}`;
  const hostLines = terminatedLines(r.host, 'host');
  const addnLines = terminatedLines(r.addn_hosts, 'addn_hosts');
  const leaseLines = terminatedLines(r.leases, 'leases');
  const optLines = joinedLines(r.opts);

  for (const line of hostLines) assertClean(line, 'host');
  for (const line of leaseLines) assertClean(line, 'leases');
  for (const line of optLines) assertClean(line, 'opts');
  for (const line of addnLines) {
    const parts = line.split('\t');
    assert.equal(parts.length, 2, `addn_hosts: one tab in ${JSON.stringify(line)}`);
    parts.forEach((part) => assertClean(part, 'addn_hosts'));
  }
  // dnsmasq reads these files with fgets into a 1025-byte buffer: a longer line becomes two.
  for (const [file, lines] of [['host', hostLines], ['opts', optLines]] as const) {
    for (const line of lines) {
      assert.ok(Buffer.byteLength(line) <= DNSMASQ_MAX_LINE_BYTES, `${file}: line of ${Buffer.byteLength(line)} bytes: ${JSON.stringify(line.slice(0, 80))}…`);
    }
  }

  attribute('host', hostLines, net.ports, (p, line) => line.startsWith(`${p.mac_address},`), (p) => expectedHostLines(net, p, o), portName, ',');
  attribute('addn_hosts', addnLines, net.ports, (p, line) => p.fixed_ips.some((fip) => line.startsWith(`${fip.ip_address}\t`)), (p) => expectedAddnHostsLines(p, o), portName, /[\t ]/);
  attribute('leases', leaseLines, net.ports, (p, line) => line.split(' ')[1] === p.mac_address, (p) => expectedLeaseLines(net, p), portName, ' ');

  type OptOwner = { kind: 'subnet'; s: JSubnet } | { kind: 'port'; p: JPort };
  const optOwners: OptOwner[] = [...net.subnets.map((s) => ({ kind: 'subnet' as const, s })), ...net.ports.map((p) => ({ kind: 'port' as const, p }))];
  attribute(
    'opts',
    optLines,
    optOwners,
    (e, line) => line.startsWith(e.kind === 'subnet' ? `tag:subnet-${e.s.id},` : `tag:port-${e.p.id},`),
    (e) => (e.kind === 'subnet' ? expectedSubnetOptLines(net, e.s, o) : expectedPortOptLines(net, e.p)),
    (e) => (e.kind === 'subnet' ? `subnet ${e.s.id}` : `port ${e.p.id}`),
    ',',
  );

  for (const arg of r.argv) assert.ok(!CONTROL.test(arg), `argv: control character in ${JSON.stringify(arg)}`);
  const ranged = net.subnets.filter((s) => {
    if (!s.enable_dhcp) return false;
    if (s.ip_version === 4) return true;
    const m = s.ipv6_address_mode;
    const ranges = m === 'dhcpv6-stateful' || m === 'dhcpv6-stateless' || (m === null && s.ipv6_ra_mode === null);
    return ranges && parseCidr(s.cidr)!.prefixLength >= 64;
  });
  assert.deepEqual(
    r.argv.filter((a) => a.startsWith('--dhcp-range=')).map((a) => a.split(',')[0]),
    ranged.map((s) => `--dhcp-range=set:subnet-${s.id}`),
  );
  assert.deepEqual(r.argv.filter((a) => a.startsWith('--domain=')), o.dnsDomain ? [`--domain=${o.dnsDomain}`] : []);
  assert.deepEqual(r.argv.filter((a) => a.startsWith('--server=')), o.dnsServers.map((x) => `--server=${x}`));
  assert.deepEqual(r.argv.filter((a) => a.startsWith('--dhcp-option-force=option:mtu,')), net.mtu ? [`--dhcp-option-force=option:mtu,${net.mtu}`] : []);
  const lease = o.leaseDuration === -1 ? 'infinite' : `${o.leaseDuration}s`;
  for (const a of r.argv.filter((x) => x.startsWith('--dhcp-range='))) assert.ok(a.endsWith(`,${lease}`), `${a} ends with the lease time ${lease}`);
}

// ---------------------------------------------------------------------------------------------

/** Characters only adversarial or tough values hold: an accepted network with one went through the hard cases. */
const SPECIAL = /[\\#é中😀;`~%$]/u;

/** 400 runs take about 2 s; FC_NUM_RUNS=20000 for a deeper search. */
const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 400);

const dir = mkdtempSync(join(tmpdir(), 'render-property-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI's render, in process: its output object, or the CliError that refused the input. */
function render(net: JNetwork, options: JOptions | null): Rendered | CliError {
  const networkFile = join(dir, 'network.json');
  writeFileSync(networkFile, JSON.stringify(net));
  let optionsFile: string | undefined;
  if (options !== null) {
    optionsFile = join(dir, 'options.json');
    writeFileSync(optionsFile, JSON.stringify(options));
  }
  try {
    return JSON.parse(renderCommand({ networkFile, optionsFile })) as Rendered;
  } catch (e) {
    if (e instanceof CliError) return e;
    throw e;
  }
}

function effective(o: AgentOptions): EffectiveOptions {
  return { dnsDomain: o.dnsDomain, dnsServers: o.dnsmasqDnsServers, leaseDuration: o.dhcpLeaseDuration, enableIsolatedMetadata: o.enableIsolatedMetadata, forceMetadata: o.forceMetadata };
}

/**
 * The contract for one input, through the CLI: when conversion or validation reports issues,
 * `render` refuses (exit code 2, every issue's path named, nothing rendered) and this returns
 * null; otherwise every rendered line is attributed and the output returned.
 */
function checkInput(net: JNetwork, options: JOptions | null): Rendered | null {
  const converted = networkFromNeutronJson(JSON.parse(JSON.stringify(net)));
  const agent = agentOptionsFromJson(options ?? {});
  const issues = [...converted.issues, ...(converted.value ? validateNetwork(converted.value) : []), ...agent.issues];
  const out = render(net, options);
  if (issues.length > 0) {
    assert.ok(out instanceof CliError, `refused input must not render; issues: ${issues.map((i) => i.path).join(', ')}`);
    assert.equal(out.exitCode, EXIT_INVALID);
    for (const i of issues) assert.ok(out.message.includes(toSnakeCasePath(i.path)), `the refusal names ${i.path}`);
    return null;
  }
  assert.ok(!(out instanceof CliError), `valid input renders; got: ${out instanceof CliError ? out.message : ''}`);
  checkRendered(net, effective(agent.options), out);
  return out;
}

/** The same through the library (validation, then the renderers as the CLI calls them): faster, for sweeps. */
function checkInputInLibrary(net: JNetwork, options: JOptions | null): boolean {
  const converted = networkFromNeutronJson(structuredClone(net));
  const agent = agentOptionsFromJson(options ?? {});
  if (!converted.value || converted.issues.length > 0 || agent.issues.length > 0 || validateNetwork(converted.value).length > 0) return false;
  const network = converted.value;
  const self = network.ports.find((p) => p.deviceOwner === DEVICE_OWNER_DHCP)?.id;
  const r = renderNetwork({ network, options: agent.options, selfDhcpPortId: self }, networkPaths(agent.options.statePath, network.id), agent.options.interfaceName ?? 'ns-dhcp', 0);
  checkRendered(net, effective(agent.options), { host: r.host, addn_hosts: r.addnHosts, opts: r.opts, leases: r.leases, argv: r.argv });
  return true;
}

/** Inputs that once broke the property (dnsmasq would have cut their lines in two); run first, every time. */
function regressions(): [JNetwork, JOptions | null][] {
  const subnet: JSubnet = { id: 's0', cidr: '10.0.0.0/24', ip_version: 4, gateway_ip: '10.0.0.1', enable_dhcp: true, dns_nameservers: [], host_routes: [], allocation_pools: [], ipv6_address_mode: null, ipv6_ra_mode: null };
  const hexId = (bytes: number) => Array.from({ length: bytes }, () => 'ab').join(':');
  const port = (clientId: string): JPort => ({
    id: 'p0',
    mac_address: 'fa:16:3e:00:00:01',
    device_owner: 'compute:nova',
    fixed_ips: [{ subnet_id: 's0', ip_address: '10.0.0.55' }],
    extra_dhcp_opts: [{ opt_name: 'client-id', opt_value: clientId, ip_version: 4 }, { opt_name: 'tftp-server', opt_value: '10.0.0.9', ip_version: 4 }],
  });
  const routes = Array.from({ length: 28 }, (_, k) => ({ destination: `198.51.100.${k}/32`, nexthop: '10.0.0.254' }));
  return [
    // A 255-byte client id and a 253-character dns_domain: a 1075-byte host line.
    [{ id: 'n0', subnets: [subnet], ports: [port(hexId(255))] }, { dns_domain: LONGEST_DOMAIN }],
    [{ id: 'n0', subnets: [subnet], ports: [port(hexId(198))] }, { dns_domain: LONGEST_DOMAIN }],
    // The longest client id allowed, with the longest domain: stays within 1024 bytes.
    [{ id: 'n0', subnets: [subnet], ports: [port(hexId(197))] }, { dns_domain: LONGEST_DOMAIN }],
    // 28 host routes: a 1031-byte classless-static-route line.
    [{ id: 'n0', subnets: [{ ...subnet, host_routes: routes }], ports: [] }, null],
    [{ id: 'n0', subnets: [{ ...subnet, host_routes: routes.slice(0, 20) }], ports: [] }, null],
  ];
}

describe('render: every line comes from exactly one entity', () => {
  it('refuses what validation refuses, and attributes every rendered line to one port or subnet', () => {
    const seen = { accepted: 0, refused: 0, hostLines: 0, optLines: 0, spoiledAccepted: 0 };
    fc.assert(
      fc.property(inputArb, ([net, options]) => {
        const out = checkInput(net, options);
        if (out === null) return void seen.refused++;
        seen.accepted++;
        if (SPECIAL.test(JSON.stringify(net))) seen.spoiledAccepted++;
        seen.hostLines += terminatedLines(out.host, 'host').length;
        seen.optLines += joinedLines(out.opts).length;
      }),
      { numRuns: NUM_RUNS, includeErrorInReport: true, examples: regressions().map((input) => [input]) },
    );
    if (process.env.SHOW_STATS) console.log(seen);
    // The property says nothing if the generator only ever produced one kind of network.
    assert.ok(seen.accepted >= 80 && seen.refused >= 80, `accepted ${seen.accepted}, refused ${seen.refused}`);
    assert.ok(seen.spoiledAccepted >= 40, `accepted networks holding special characters: ${seen.spoiledAccepted}`);
    assert.ok(seen.hostLines >= 120 && seen.optLines >= 300, `host lines ${seen.hostLines}, opts lines ${seen.optLines}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Sweep: every adversarial character in every field of one rich network

/** Dual-stack, every IPv6 mode, DHCP and router ports, client ids, tagged options, DNS names. */
const RICH_NETWORK: JNetwork = {
  id: '8165bc3d-400a-48a0-9186-bf59f7f94b05',
  name: 'rich',
  mtu: 1450,
  dns_domain: 'example.org.',
  subnets: [
    { id: 's4a', name: 'v4-a', cidr: '10.0.0.0/24', ip_version: 4, gateway_ip: '10.0.0.1', enable_dhcp: true, dns_nameservers: ['10.0.0.53', '8.8.8.8'], host_routes: [{ destination: '20.0.0.0/24', nexthop: '10.0.0.254' }], allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.254' }], ipv6_address_mode: null, ipv6_ra_mode: null },
    { id: 's4b', cidr: '10.0.1.0/24', ip_version: 4, gateway_ip: null, enable_dhcp: true, dns_nameservers: [], host_routes: [{ destination: '0.0.0.0/0', nexthop: '10.0.1.254' }], allocation_pools: [], ipv6_address_mode: null, ipv6_ra_mode: null },
    { id: 's6a', cidr: 'fd00:1::/64', ip_version: 6, gateway_ip: 'fd00:1::1', enable_dhcp: true, dns_nameservers: ['fd00:1::53'], host_routes: [], allocation_pools: [], ipv6_address_mode: 'dhcpv6-stateful', ipv6_ra_mode: 'dhcpv6-stateful' },
    { id: 's6b', cidr: 'fd00:2::/64', ip_version: 6, gateway_ip: 'fd00:2::1', enable_dhcp: true, dns_nameservers: [], host_routes: [], allocation_pools: [], ipv6_address_mode: 'dhcpv6-stateless', ipv6_ra_mode: null },
    { id: 's6c', cidr: 'fd00:3::/64', ip_version: 6, gateway_ip: 'fd00:3::1', enable_dhcp: true, dns_nameservers: [], host_routes: [], allocation_pools: [], ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' },
  ],
  ports: [
    { id: 'dhcp-1', mac_address: 'fa:16:3e:00:00:02', device_owner: 'network:dhcp', fixed_ips: [{ subnet_id: 's4a', ip_address: '10.0.0.2' }, { subnet_id: 's4b', ip_address: '10.0.1.2' }, { subnet_id: 's6a', ip_address: 'fd00:1::2' }], extra_dhcp_opts: [] },
    { id: 'router-1', mac_address: 'fa:16:3e:00:00:01', device_owner: 'network:router_interface', fixed_ips: [{ subnet_id: 's4a', ip_address: '10.0.0.1' }], extra_dhcp_opts: [] },
    {
      id: 'a1b2c3d4-0000-4000-8000-000000000001',
      mac_address: 'fa:16:3e:11:11:11',
      device_owner: 'compute:nova',
      fixed_ips: [{ subnet_id: 's4a', ip_address: '10.0.0.10' }, { subnet_id: 's6a', ip_address: 'fd00:1::10' }, { subnet_id: 's6b', ip_address: 'fd00:2::10' }, { subnet_id: 's6c', ip_address: 'fd00:3::10' }],
      extra_dhcp_opts: [
        { opt_name: 'client-id', opt_value: '01:fa:16:3e:11:11:11', ip_version: 4 },
        { opt_name: 'tftp-server', opt_value: '10.0.0.5', ip_version: 4 },
        { opt_name: 'tag:ipxe,bootfile-name', opt_value: 'http://10.0.0.5/boot.ipxe', ip_version: 4 },
        { opt_name: 'bootfile-url', opt_value: 'tftp://[fd00:1::5]/grub.efi', ip_version: 6 },
      ],
      dns_assignment: [{ hostname: 'vm1', ip_address: '10.0.0.10', fqdn: 'vm1.example.org.' }, { hostname: 'vm1', ip_address: 'fd00:1::10', fqdn: 'vm1.example.org.' }],
    },
    { id: 'vm2', mac_address: 'FA:16:3E:22:22:22', device_owner: 'baremetal:none', fixed_ips: [{ subnet_id: 's4b', ip_address: '10.0.1.20' }], extra_dhcp_opts: [{ opt_name: 'client-id', opt_value: 'vm2-client', ip_version: 4 }] },
    { id: 'vm3', mac_address: 'fa:16:3e:33:33:33', device_owner: '', fixed_ips: [{ subnet_id: 's4a', ip_address: '10.0.0.30' }], extra_dhcp_opts: [{ opt_name: '67', opt_value: 'pxelinux.0', ip_version: 4 }, { opt_name: 'tag:!ipxe,66', opt_value: '10.0.0.5', ip_version: 4 }] },
  ],
};
const RICH_OPTIONS: JOptions = { dns_domain: 'example.org', enable_isolated_metadata: true, dnsmasq_dns_servers: ['8.8.8.8'], state_path: '/var/lib/dhcp-agent', interface_name: 'ns-dhcp-1' };

/** One of each kind of character a reader treats specially: line breaks, controls, separators, quoting, comments. */
const SWEEP_CHARS = ['\n', '\r', '\0', '\t', '\x7f', '\u0085', '\u2028', '\ud800', '\u00a0', ',', '"', "'", '#', ' #', ' ', '\\', '=', ':', '[', ']', '*', 'é', '😀'];

describe('render: one adversarial character in any field', () => {
  it('is refused, or every line still comes from exactly one entity', () => {
    const base = { net: RICH_NETWORK, options: RICH_OPTIONS };
    // One slot per field name, and per option name and value: the rest repeat the same rules.
    const slots = stringSlots(structuredClone(base));
    const kinds = new Map<string, number>();
    slots.forEach((slot, i) => {
      const holder = slot.holder as Record<string | number, unknown>;
      const kind = slot.name === 'opt_value' || slot.name === 'opt_name' ? `${slot.name}=${String(holder[slot.key])}` : slot.name;
      if (!kinds.has(kind)) kinds.set(kind, i);
    });
    let accepted = 0;
    let refused = 0;
    const attempt = (at: number, change: (v: string) => string) => {
      const input = structuredClone(base);
      const slot = stringSlots(input)[at];
      const holder = slot.holder as Record<string | number, string>;
      holder[slot.key] = change(holder[slot.key]);
      if (checkInputInLibrary(input.net, input.options)) accepted++;
      else refused++;
    };
    for (const at of kinds.values()) {
      const v = (slots[at].holder as Record<string | number, string>)[slots[at].key];
      // Both ends, the middle, and after the first ":" and "," (inside tags, MACs, addresses).
      const positions = new Set([0, v.length >> 1, v.length, v.indexOf(':') + 1, v.indexOf(',') + 1]);
      for (const c of SWEEP_CHARS) for (const i of positions) attempt(at, (x) => x.slice(0, i) + c + x.slice(i));
      for (const k of KEYWORDS) attempt(at, () => k);
    }
    if (process.env.SHOW_STATS) console.log({ slots: kinds.size, accepted, refused });
    assert.ok(accepted > 100 && refused > 100, `accepted ${accepted}, refused ${refused}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Totality: conversion and validation answer with issues, never with an exception

/** Keys of every neutron shape the converters read, Title Case rows, wrappers and prototype names. */
const KEYS = [
  'id', 'name', 'mtu', 'dns_domain', 'subnets', 'ports', 'cidr', 'ip_version', 'gateway_ip', 'enable_dhcp', 'is_dhcp_enabled',
  'dns_nameservers', 'host_routes', 'destination', 'nexthop', 'gateway', 'allocation_pools', 'start', 'end', 'ipv6_address_mode',
  'ipv6_ra_mode', 'mac_address', 'fixed_ips', 'subnet_id', 'ip_address', 'device_owner', 'extra_dhcp_opts', 'opt_name', 'opt_value',
  'dns_assignment', 'hostname', 'fqdn', 'ID', 'MAC Address', 'Fixed IP Addresses', 'Device Owner', 'network', 'port', 'subnet',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'length', '',
];
/** The same fields as the model names them (camelCase), for validateNetwork called without the converter. */
const MODEL_KEYS = [
  'id', 'name', 'mtu', 'dnsDomain', 'subnets', 'ports', 'cidr', 'ipVersion', 'gatewayIp', 'enableDhcp', 'dnsNameservers', 'hostRoutes',
  'destination', 'nexthop', 'allocationPools', 'start', 'end', 'ipv6AddressMode', 'ipv6RaMode', 'macAddress', 'fixedIps', 'subnetId',
  'ipAddress', 'deviceOwner', 'extraDhcpOpts', 'optName', 'optValue', 'dnsAssignment', 'hostname', 'fqdn', '__proto__', 'toString', 'length',
];
const PLAUSIBLE = [
  '10.0.0.0/24', 'fd00::/64', '10.0.0.5', 'fd00::5', '0.0.0.0/0', 'fa:16:3e:00:00:01', 'client-id', '61', 'tftp-server', 'tag:x,66',
  'slaac', 'dhcpv6-stateful', 'dhcpv6-stateless', 'network:dhcp', 'network:router_interface', 's0', 'p0', "ip_address='10.0.0.5', subnet_id='s0'",
  '10.0.0.2-10.0.0.9', 'a, b', '4', '6', '',
];

function jsonish(keys: readonly string[]): fc.Arbitrary<unknown> {
  const scalar = fc.oneof(
    fc.constantFrom(...PLAUSIBLE),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.constantFrom(4, 6, 0, -1, 1500, 1.5, 1e308, true, false, null),
    fc.integer(),
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('object')),
    list: fc.array(tie('value'), { maxLength: 4 }),
    object: fc.dictionary(fc.constantFrom(...keys), tie('value'), { maxKeys: 6 }),
  }));
  // Through JSON, as a file would arrive (own "__proto__" keys included).
  return value.map((v) => JSON.parse(JSON.stringify(v) ?? 'null') as unknown);
}

/** Network-shaped input: the keys a network has, each holding a plausible or an arbitrary value. */
function networkShaped(keys: readonly string[], item: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const entry = fc.oneof(item, fc.dictionary(fc.constantFrom(...keys), item, { maxKeys: 12 }));
  return fc
    .record({ id: fc.oneof(fc.constant('n0'), item), subnets: fc.oneof(fc.array(entry, { maxLength: 3 }), item), ports: fc.oneof(fc.array(entry, { maxLength: 3 }), item) }, { requiredKeys: [] })
    .map((v) => JSON.parse(JSON.stringify(v)) as unknown);
}

const IPV6_MODES_JSON = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless', 'SLAAC', ''];

/**
 * neutron JSON with the right types in most fields (so the converter lets it through) and
 * arbitrary text and numbers in them: what validateNetwork sees from real files.
 */
function typedNeutronJson(): fc.Arbitrary<unknown> {
  const junk = jsonish(KEYS);
  const typed = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 40, arbitrary: a }, { weight: 1, arbitrary: junk });
  const str = fc.oneof(fc.constantFrom(...PLAUSIBLE), fc.string({ unit: 'binary', maxLength: 20 }));
  const strOrNull = fc.oneof(str, fc.constant(null));
  const version = fc.constantFrom(4, 6, null);
  const subnet = fc.record(
    {
      id: typed(str),
      cidr: typed(str),
      ip_version: typed(version),
      gateway_ip: typed(strOrNull),
      enable_dhcp: typed(fc.boolean()),
      dns_nameservers: typed(fc.array(str, { maxLength: 3 })),
      host_routes: typed(fc.array(fc.record({ destination: str, nexthop: str }), { maxLength: 3 })),
      allocation_pools: typed(fc.array(fc.record({ start: str, end: str }), { maxLength: 2 })),
      ipv6_address_mode: typed(fc.constantFrom(null, ...IPV6_MODES_JSON)),
      ipv6_ra_mode: typed(fc.constantFrom(null, ...IPV6_MODES_JSON)),
      name: typed(str),
    },
    { requiredKeys: ['id', 'cidr'] },
  );
  const port = fc.record(
    {
      id: typed(str),
      mac_address: typed(str),
      device_owner: typed(strOrNull),
      fixed_ips: typed(fc.array(fc.record({ subnet_id: str, ip_address: str }), { maxLength: 3 })),
      extra_dhcp_opts: typed(fc.array(fc.record({ opt_name: str, opt_value: str, ip_version: version }), { maxLength: 3 })),
      dns_assignment: typed(fc.array(fc.record({ hostname: str, ip_address: str, fqdn: str }), { maxLength: 2 })),
    },
    { requiredKeys: ['id', 'mac_address'] },
  );
  return fc
    .record({ id: typed(str), mtu: typed(fc.oneof(fc.integer(), fc.double())), dns_domain: typed(str), subnets: typed(fc.array(subnet, { maxLength: 3 })), ports: typed(fc.array(port, { maxLength: 4 })) }, { requiredKeys: ['id'] })
    .map((v) => JSON.parse(JSON.stringify(v)) as unknown);
}

function assertIssues(issues: unknown): asserts issues is ValidationIssue[] {
  assert.ok(Array.isArray(issues));
  for (const i of issues as ValidationIssue[]) {
    assert.equal(typeof i.path, 'string');
    assert.equal(typeof i.allowed, 'string');
    assert.equal(typeof formatIssue(i), 'string');
    assert.equal(typeof toSnakeCasePath(i.path), 'string');
  }
}

describe('validation is total', () => {
  it('networkFromNeutronJson then validateNetwork never throw on arbitrary JSON', () => {
    let validated = 0;
    fc.assert(
      fc.property(fc.oneof(jsonish(KEYS), networkShaped(KEYS, jsonish(KEYS)), typedNeutronJson(), typedNeutronJson()), (json) => {
        const converted = networkFromNeutronJson(json);
        assertIssues(converted.issues);
        assert.equal(converted.value === undefined, converted.issues.length > 0, 'a value exactly when there are no issues');
        if (converted.value === undefined) return;
        validated++;
        assertIssues(validateNetwork(converted.value));
      }),
      { numRuns: NUM_RUNS, includeErrorInReport: true },
    );
    if (process.env.SHOW_STATS) console.log({ validated });
    assert.ok(validated >= NUM_RUNS / 10, `networks that reached validateNetwork: ${validated}`);
  });

  it('validateNetwork never throws on network-shaped objects of any field types', () => {
    fc.assert(
      fc.property(networkShaped(MODEL_KEYS, jsonish(MODEL_KEYS)), (model) => {
        assertIssues(validateNetwork(model as Network));
      }),
      {
        numRuns: NUM_RUNS,
        includeErrorInReport: true,
        // Found at 3,000 runs: an id object whose toString is a string made String() throw.
        examples: [[{ subnets: [{ id: { toString: '10.0.0.0/24' } }], ports: [{ fixedIps: [{}] }] }]],
      },
    );
  });

  it('agentOptionsFromJson and validateAgentOptions never throw on arbitrary JSON', () => {
    const optionKeys = ['dns_domain', 'dhcp_lease_duration', 'dnsmasq_lease_max', 'dnsmasq_dns_servers', 'state_path', 'interface_name', 'force_metadata', 'dnsDomain', '__proto__'];
    fc.assert(
      fc.property(fc.oneof(jsonish(optionKeys), fc.dictionary(fc.constantFrom(...optionKeys), jsonish(optionKeys))), (json) => {
        const { options, issues } = agentOptionsFromJson(json);
        assertIssues(issues);
        assertIssues(validateAgentOptions(options));
      }),
      { numRuns: NUM_RUNS, includeErrorInReport: true },
    );
  });
});
