/**
 * Semantic validation of the network model and the agent options.
 *
 * Every function collects all problems (never stops at the first) as `ValidationIssue`s with
 * camelCase paths relative to the validated value (`subnets[0].cidr`,
 * `ports[2].fixedIps[0].ipAddress`); `toSnakeCasePath` turns them into the JSON names users
 * wrote. The `assert…` variants throw one `ValidationError` carrying every issue.
 *
 * Besides neutron's own API rules, values are checked against how dnsmasq 2.90 reads the
 * files this project writes (dhcp-hostsfile, dhcp-optsfile): dnsmasq reads them a line at a
 * time into a 1025-byte buffer, removes `"` (quoting), turns whitespace into spaces, strips
 * leading/trailing spaces, starts a comment at a `#` that follows whitespace, maps other
 * control bytes to unrelated characters, and in a hostsfile takes a bare number (`600`,
 * `10m`), `infinite`, `ignore` or a dotted quad in the name field as a lease time, a flag or
 * an address. Anything that would be read differently from what was meant is refused here,
 * rather than silently changed later.
 */
import { ValidationError, showValue, type ValidationIssue } from '../errors';
import { lookupDhcpOption } from '../dhcp-options';
import { canonicalIp, cidrContains, ipToBigInt, ipVersionOf, isIpv4NetworkOrBroadcast, parseCidr, type Cidr } from '../ip';
import {
  IPV6_MODES,
  type AgentOptions,
  type DnsAssignment,
  type ExtraDhcpOpt,
  type FixedIp,
  type IpVersion,
  type Network,
  type Port,
  type Subnet,
} from '../types';

/** A reusable single-value check: an issue, or `null` when the value is fine. */
export type Check = (value: unknown, path: string) => ValidationIssue | null;

// ---------------------------------------------------------------------------------------------
// Paths

/** `base.key` (or `key` at the root). */
export function pathJoin(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

/** `base[index]`. */
export function pathIndex(base: string, index: number): string {
  return `${base}[${index}]`;
}

/**
 * `fixedIps[0].ipAddress` → `fixed_ips[0].ip_address`: the names users wrote in neutron JSON.
 * Bracketed parts (indices, quoted keys) are left alone.
 */
export function toSnakeCasePath(path: string): string {
  return path
    .split(/(\[[^\]]*\])/)
    .map((part) => (part.startsWith('[') ? part : part.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)))
    .join('');
}

function issue(path: string, value: unknown, allowed: string): ValidationIssue {
  return { path, value, allowed };
}

function push(out: ValidationIssue[], found: ValidationIssue | null): void {
  if (found) out.push(found);
}

/** Throws a `ValidationError` with every issue, if there are any. */
export function assertNoIssues(issues: readonly ValidationIssue[]): void {
  if (issues.length > 0) throw new ValidationError(issues);
}

// ---------------------------------------------------------------------------------------------
// Text safety

/** What `checkSafeText` refuses, in the words used by every message below. */
export const SAFE_TEXT_RULE =
  'no control characters (U+0000–U+001F such as newline, tab and NUL; U+007F–U+009F), no line separators U+2028/U+2029 and no unpaired surrogates';

function codePoint(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The first character that must never reach a dnsmasq file, a shell or a log line, described
 * for a message; `null` when the text is clean.
 */
export function findUnsafeChar(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) {
      return `${codePoint(c)} at index ${i}`;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `unpaired surrogate ${codePoint(c)} at index ${i}`;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return `unpaired surrogate ${codePoint(c)} at index ${i}`;
  }
  return null;
}

export interface SafeTextOptions {
  /** Refuse `,` as well (names and tags in dnsmasq's comma-separated lines). @default true */
  readonly allowComma?: boolean;
  /** @default true */
  readonly allowEmpty?: boolean;
}

/**
 * Text that may reach a dnsmasq file, a shell command or a log: no control characters
 * (incl. DEL, C1 controls such as U+0085) and no Unicode line separators; optionally no commas.
 */
export function checkSafeText(value: unknown, path: string, options: SafeTextOptions = {}): ValidationIssue | null {
  const allowComma = options.allowComma ?? true;
  const allowEmpty = options.allowEmpty ?? true;
  const rule = `${allowEmpty ? 'text' : 'non-empty text'} with ${SAFE_TEXT_RULE}${allowComma ? '' : ' and no commas'}`;
  if (typeof value !== 'string') return issue(path, value, `a string: ${rule}`);
  if (!allowEmpty && value === '') return issue(path, value, rule);
  const bad = findUnsafeChar(value);
  if (bad) return issue(path, value, `${rule}; found ${bad}`);
  if (!allowComma && value.includes(',')) return issue(path, value, `${rule}; found "," at index ${value.indexOf(',')}`);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Identifiers, MACs, names

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const SHORT_ID_RE = /^[a-z0-9-]{1,36}$/;

/** Resource ids (network, subnet, port): a UUID, or 1–36 of `a-z 0-9 -`. */
export function checkId(value: unknown, path: string): ValidationIssue | null {
  if (typeof value === 'string' && (UUID_RE.test(value) || SHORT_ID_RE.test(value))) return null;
  return issue(path, value, 'an id: a UUID (8-4-4-4-12 hex digits) or 1–36 characters of a–z, 0–9 and "-"');
}

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** `xx:xx:xx:xx:xx:xx` in hex, unicast (multicast bit clear), not all zero. */
export function checkMac(value: unknown, path: string): ValidationIssue | null {
  const form = 'a MAC address written as six colon-separated pairs of hex digits, e.g. fa:16:3e:12:34:56';
  if (typeof value !== 'string' || !MAC_RE.test(value)) return issue(path, value, form);
  if (parseInt(value.slice(0, 2), 16) & 1) {
    return issue(path, value, `${form}, unicast: the lowest bit of the first octet (multicast) must be 0`);
  }
  if (/^(00:){5}00$/.test(value)) return issue(path, value, `${form}, other than 00:00:00:00:00:00`);
  return null;
}

const LABEL_RE = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const LABEL_RULE = '1–63 letters, digits or "-", not starting or ending with "-"';
const DOMAIN_RULE = `a DNS name of at most 253 characters: labels of ${LABEL_RULE}, separated by "." and optionally ending with "."`;

/** A hostname (neutron's `dns_assignment.hostname`): one DNS label. */
export function checkHostname(value: unknown, path: string): ValidationIssue | null {
  if (typeof value === 'string' && LABEL_RE.test(value)) return null;
  return issue(path, value, `a hostname: one DNS label of ${LABEL_RULE}`);
}

function isDnsName(value: string): boolean {
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  return name.length >= 1 && name.length <= 253 && name.split('.').every((label) => LABEL_RE.test(label));
}

/** A DNS domain (`dns_domain`): DNS name rules, optional trailing dot. */
export function checkDomain(value: unknown, path: string): ValidationIssue | null {
  if (typeof value === 'string' && isDnsName(value)) return null;
  return issue(path, value, DOMAIN_RULE);
}

// dnsmasq's dhcp-host parser reads these in the name field as something else (see file header).
const HOSTSFILE_MISREAD_RE = /^(\d+[smhdwSMHDW]?|infinite|ignore|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

/**
 * A fully qualified name as written in the dnsmasq hostsfile (`dns_assignment.fqdn`): DNS name
 * rules, and not a word dnsmasq's dhcp-host parser takes for something else.
 */
export function checkFqdn(value: unknown, path: string): ValidationIssue | null {
  if (typeof value !== 'string' || !isDnsName(value)) return issue(path, value, DOMAIN_RULE);
  const bare = value.endsWith('.') ? value.slice(0, -1) : value;
  if (HOSTSFILE_MISREAD_RE.test(bare)) {
    return issue(
      path,
      value,
      `${DOMAIN_RULE}, other than a number with an optional s/m/h/d/w suffix, "infinite", "ignore" or a dotted quad: dnsmasq reads those in a dhcp-hostsfile as a lease time, a flag or an address`,
    );
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Addresses

function family(version: IpVersion | undefined): string {
  return version === 4 ? 'IPv4 ' : version === 6 ? 'IPv6 ' : 'IPv4 or IPv6 ';
}

/** An IP address (no prefix, no zone id), of the given version when one is given. */
export function checkIp(value: unknown, path: string, ipVersion?: IpVersion): ValidationIssue | null {
  const example = ipVersion === 6 ? 'fd00::5' : ipVersion === 4 ? '10.0.0.5' : '10.0.0.5 or fd00::5';
  const allowed = `an ${family(ipVersion)}address such as ${example}`;
  if (typeof value !== 'string') return issue(path, value, allowed);
  const v = ipVersionOf(value);
  if (v === null || (ipVersion !== undefined && v !== ipVersion)) return issue(path, value, allowed);
  return null;
}

/** A network in CIDR form with all host bits zero (`10.0.0.0/24`, not `10.0.0.5/24`). */
export function checkCidr(value: unknown, path: string, ipVersion?: IpVersion): ValidationIssue | null {
  const example = ipVersion === 6 ? 'fd00::/64' : ipVersion === 4 ? '10.0.0.0/24' : '10.0.0.0/24 or fd00::/64';
  const allowed = `an ${family(ipVersion)}network in CIDR form such as ${example}, with all host bits zero`;
  if (typeof value !== 'string') return issue(path, value, allowed);
  const c = parseCidr(value);
  if (!c || (ipVersion !== undefined && c.version !== ipVersion)) return issue(path, value, allowed);
  return null;
}

// ---------------------------------------------------------------------------------------------
// DHCP options

const TAG_RE = /^tag:!?[A-Za-z0-9_.-]+$/;
const DECIMAL_RE = /^[1-9][0-9]*$/;

/** neutron's special option: its value goes to the hostsfile as `id:<value>`, not to the optsfile. */
export const CLIENT_ID_OPT_NAMES: readonly string[] = ['client-id', '61'];

/** True for the option names neutron treats as the client identifier (exact match, as neutron). */
export function isClientIdOpt(optName: string): boolean {
  return CLIENT_ID_OPT_NAMES.includes(optName);
}

function maxOptionCode(ipVersion: IpVersion): number {
  return ipVersion === 6 ? 65535 : 254;
}

function optNameRule(ipVersion: IpVersion): string {
  const list = ipVersion === 6 ? 'dnsmasq --help dhcp6' : 'dnsmasq --help dhcp';
  return (
    `a DHCPv${ipVersion} option name known to dnsmasq (as listed by \`${list}\`, e.g. ${ipVersion === 6 ? '"bootfile-url"' : '"tftp-server"'}), ` +
    `"client-id", or an option number 1–${maxOptionCode(ipVersion)} without leading zeros; ` +
    'optionally preceded by "tag:<tag>," prefixes, <tag> being letters, digits, "_", "." or "-" with an optional leading "!"; ' +
    'no "option:" prefix, spaces or other characters'
  );
}

/**
 * An extra DHCP option name in neutron's format: `[tag:<tag>,]…<name|number>`, the name known to
 * dnsmasq for that IP version (see `dhcp-options.ts`), or neutron's `client-id`.
 */
export function checkDhcpOptName(value: unknown, path: string, ipVersion: IpVersion = 4): ValidationIssue | null {
  const rule = optNameRule(ipVersion);
  if (typeof value !== 'string') return issue(path, value, rule);
  const unsafe = findUnsafeChar(value);
  if (unsafe) return issue(path, value, `${rule}; found ${unsafe}`);
  if (isClientIdOpt(value)) return null;
  const parts = value.split(',');
  const name = parts.pop() as string;
  const badTag = parts.find((p) => !TAG_RE.test(p));
  if (badTag !== undefined) return issue(path, value, `${rule}; found prefix ${JSON.stringify(badTag)}`);
  if (DECIMAL_RE.test(name)) {
    return Number(name) <= maxOptionCode(ipVersion) ? null : issue(path, value, rule);
  }
  if (lookupDhcpOption(name, ipVersion) === undefined) return issue(path, value, rule);
  return null;
}

const OPT_VALUE_RULE =
  `a non-empty option value with ${SAFE_TEXT_RULE}, without double quotes (dnsmasq removes them), ` +
  'without leading or trailing spaces (dnsmasq strips them) and without "#" after a space (dnsmasq starts a comment there); ' +
  'commas separate list items';

/** An extra DHCP option value as it will stand in a dnsmasq dhcp-optsfile line. */
export function checkDhcpOptValue(value: unknown, path: string): ValidationIssue | null {
  if (typeof value !== 'string' || value === '') return issue(path, value, OPT_VALUE_RULE);
  const found = findUnsafeChar(value) ?? findOptsfileHazard(value);
  return found ? issue(path, value, `${OPT_VALUE_RULE}; found ${found}`) : null;
}

function findOptsfileHazard(value: string): string | null {
  const quote = value.indexOf('"');
  if (quote >= 0) return `'"' at index ${quote}`;
  if (value.startsWith(' ')) return 'a leading space';
  if (value.endsWith(' ')) return 'a trailing space';
  const comment = value.indexOf(' #');
  if (comment >= 0) return `" #" at index ${comment}`;
  return null;
}

/** dnsmasq reads option files with `fgets` into a 1025-byte buffer: longer lines are cut in two. */
export const DNSMASQ_MAX_LINE_BYTES = 1024;

/**
 * The longest client-id text that keeps a dhcp-hostsfile line
 * `<mac>,tag:dhcpv6,id:<client-id>,<fqdn>,[<ip>],set:port-<id>` within `DNSMASQ_MAX_LINE_BYTES`
 * whatever the rest holds: MAC 17, port id 36, address 45 (bracketed 47), and an fqdn of at most
 * 305 (`host-<address>.` and a 254-character agent `dns_domain`; validation of the network does
 * not know the domain). 592 characters: hex client ids of up to 197 bytes.
 */
export const MAX_CLIENT_ID_CHARS =
  DNSMASQ_MAX_LINE_BYTES -
  ('xx:xx:xx:xx:xx:xx,'.length + 'tag:dhcpv6,'.length + 'id:'.length + ','.length + ('host-'.length + 45 + '.'.length + 254) + ','.length + (45 + 2) + ',set:port-'.length + 36);

const CLIENT_ID_RULE =
  `a client identifier of at most ${MAX_CLIENT_ID_CHARS} characters (longer ones could push its dhcp-hostsfile line past the ${DNSMASQ_MAX_LINE_BYTES} bytes dnsmasq reads): ` +
  'hex bytes separated by ":" (e.g. 01:fa:16:3e:12:34:56), or up to 255 characters of printable text ' +
  'without ":", ",", spaces, double quotes or "#" that does not start with "*"';
const HEX_CLIENT_ID_RE = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2})*$/;

function isPlainClientId(value: string): boolean {
  if (value === '' || value.length > 255 || value.startsWith('*')) return false;
  for (const ch of value) {
    const c = ch.charCodeAt(0);
    if (ch.length > 1 || c < 0x21 || c > 0x7e || '":,#'.includes(ch)) return false;
  }
  return true;
}

/**
 * The value of a `client-id` option, written by neutron into the dhcp-hostsfile as
 * `id:<value>`: dnsmasq parses it as hex when it contains `:` (refusing the whole line if it is
 * not hex), takes `*` as "ignore the client id", and splits the line at commas.
 */
export function checkClientIdValue(value: unknown, path: string): ValidationIssue | null {
  if (typeof value !== 'string') return issue(path, value, CLIENT_ID_RULE);
  if (HEX_CLIENT_ID_RE.test(value) && value.length <= MAX_CLIENT_ID_CHARS && value.split(':').length <= 255) return null;
  if (isPlainClientId(value)) return null;
  return issue(path, value, CLIENT_ID_RULE);
}

/** The dhcp-optsfile line neutron writes for one extra option of a port (`_format_option`). */
function neutronOptsLine(portId: string, opt: ExtraDhcpOpt): string {
  const comma = opt.optName.lastIndexOf(',');
  const tags = comma >= 0 ? `${opt.optName.slice(0, comma)},` : '';
  const name = opt.optName.slice(comma + 1);
  const option = opt.ipVersion === 6 ? `option6:${name}` : DECIMAL_RE.test(name) ? name : `option:${name}`;
  return `tag:port-${portId},${tags}${option},${opt.optValue}`;
}

// ---------------------------------------------------------------------------------------------
// Numbers

function checkInteger(value: unknown, path: string, min: number, max: number, allowed: string): ValidationIssue | null {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return null;
  return issue(path, value, allowed);
}

/** Network MTU: unknown (0 or absent) or 68–65535. */
export function checkMtu(value: unknown, path: string): ValidationIssue | null {
  if (value === undefined || value === 0) return null;
  return checkInteger(value, path, 68, 65535, 'an MTU: 0 (unknown, not advertised) or an integer from 68 to 65535');
}

const UINT32_MAX = 2 ** 32 - 1;
const INT32_MAX = 2 ** 31 - 1;

/**
 * Lease duration in seconds. dnsmasq silently raises anything below 120 s to 120 s, and reads
 * 4294967295 s as "infinite" (as -1 here); larger values wrap around.
 */
export function checkLeaseDuration(value: unknown, path: string): ValidationIssue | null {
  if (value === -1) return null;
  return checkInteger(
    value,
    path,
    120,
    UINT32_MAX,
    'a lease time in seconds: -1 (infinite) or an integer from 120 (dnsmasq raises shorter leases to 120 s) to 4294967295 (2^32-1, which dnsmasq also treats as infinite)',
  );
}

// ---------------------------------------------------------------------------------------------
// Subnets

// A network's uniqueness checks compare every address with every other one: parse each text
// once (parsing dominates; 1000 ports took 24 s without this). Bounded, as the process may live long.
const canonicalIps = new Map<string, string | null>();

function canonicalOf(ip: string): string | null {
  let canonical = canonicalIps.get(ip);
  if (canonical === undefined) {
    if (canonicalIps.size >= 65536) canonicalIps.clear();
    canonical = canonicalIp(ip);
    canonicalIps.set(ip, canonical);
  }
  return canonical;
}

function sameIp(a: string, b: string): boolean {
  return canonicalOf(a) === canonicalOf(b);
}

function describeCidr(c: Cidr): string {
  return c.version === 4 && c.prefixLength < 31
    ? `${c.text} other than its network address ${c.network} and broadcast address ${c.last}`
    : c.text;
}

/** One subnet on its own (ids, CIDR, gateway, pools, routes, nameservers, IPv6 modes). */
export function validateSubnet(subnet: Subnet, path = ''): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const at = (key: string) => pathJoin(path, key);
  push(out, checkId(subnet.id, at('id')));
  if (subnet.name !== undefined) push(out, checkSafeText(subnet.name, at('name')));

  const cidr = typeof subnet.cidr === 'string' ? parseCidr(subnet.cidr) : null;
  if (!cidr) push(out, checkCidr(subnet.cidr, at('cidr')));
  const versionOk = subnet.ipVersion === 4 || subnet.ipVersion === 6;
  if (!versionOk) out.push(issue(at('ipVersion'), subnet.ipVersion, '4 or 6'));
  else if (cidr && cidr.version !== subnet.ipVersion) {
    out.push(issue(at('ipVersion'), subnet.ipVersion, `${cidr.version}, the IP version of cidr ${cidr.text}`));
  }
  const version: IpVersion | undefined = cidr?.version ?? (versionOk ? subnet.ipVersion : undefined);

  if (subnet.gatewayIp !== null) {
    const gwPath = at('gatewayIp');
    const bad = checkIp(subnet.gatewayIp, gwPath, version);
    if (bad) out.push({ ...bad, allowed: `null (no gateway) or ${bad.allowed}` });
    else if (cidr && !cidrContains(cidr.text, subnet.gatewayIp)) {
      out.push(issue(gwPath, subnet.gatewayIp, `null (no gateway) or an address inside ${cidr.text}`));
    } else if (cidr && isIpv4NetworkOrBroadcast(cidr.text, subnet.gatewayIp)) {
      out.push(issue(gwPath, subnet.gatewayIp, `null (no gateway) or an address of ${describeCidr(cidr)}`));
    }
  }

  if (typeof subnet.enableDhcp !== 'boolean') out.push(issue(at('enableDhcp'), subnet.enableDhcp, 'true or false'));

  eachOf(out, subnet.dnsNameservers, at('dnsNameservers'), 'a list of DNS server addresses', (ns, p) =>
    push(out, checkIp(ns, p, version)),
  );

  eachOf(out, subnet.hostRoutes, at('hostRoutes'), 'a list of {destination, nexthop} routes', (route, p) => {
    if (!isRecord(route)) return out.push(issue(p, route, 'a route {destination, nexthop}'));
    push(out, checkCidr(route.destination, pathJoin(p, 'destination'), version));
    push(out, checkIp(route.nexthop, pathJoin(p, 'nexthop'), version));
  });

  eachOf(out, subnet.allocationPools, at('allocationPools'), 'a list of {start, end} pools', (pool, p) => {
    if (!isRecord(pool)) return out.push(issue(p, pool, 'a pool {start, end}'));
    const ends = ['start', 'end'] as const;
    let ok = true;
    for (const end of ends) {
      const bad = checkIp(pool[end], pathJoin(p, end), version);
      if (bad) {
        out.push(bad);
        ok = false;
      } else if (cidr && !cidrContains(cidr.text, pool[end] as string)) {
        out.push(issue(pathJoin(p, end), pool[end], `an address inside ${cidr.text}`));
        ok = false;
      }
    }
    if (ok && ipToBigInt(pool.start as string)! > ipToBigInt(pool.end as string)!) {
      out.push(issue(pathJoin(p, 'end'), pool.end, `an address not below start ${pool.start as string}`));
    }
  });

  out.push(...ipv6ModeIssues(subnet, path, version, cidr));

  // neutron refuses DHCP on subnets too small to hold a server and a client.
  if (subnet.enableDhcp === true && cidr && cidr.prefixLength > (cidr.version === 4 ? 30 : 126)) {
    out.push(
      issue(at('cidr'), subnet.cidr, `a prefix of /${cidr.version === 4 ? 30 : 126} or shorter while enableDhcp is true (neutron's rule)`),
    );
  }
  return out;
}

function ipv6ModeIssues(subnet: Subnet, path: string, version: IpVersion | undefined, cidr: Cidr | null): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const modes = ['ipv6AddressMode', 'ipv6RaMode'] as const;
  let allKnown = true;
  for (const key of modes) {
    const mode = subnet[key];
    if (mode === null || mode === undefined) continue;
    if (version === 4) {
      out.push(issue(pathJoin(path, key), mode, 'null: IPv6 modes apply to IPv6 subnets only'));
      allKnown = false;
    } else if (!IPV6_MODES.includes(mode)) {
      out.push(issue(pathJoin(path, key), mode, `null or one of ${IPV6_MODES.join(', ')}`));
      allKnown = false;
    }
  }
  const address = subnet.ipv6AddressMode ?? null;
  const ra = subnet.ipv6RaMode ?? null;
  if (!allKnown || version !== 6 || (address === null && ra === null)) return out;
  if (address !== null && ra !== null && address !== ra) {
    out.push(
      issue(pathJoin(path, 'ipv6RaMode'), ra, `null or "${address}", the same as ipv6AddressMode: neutron requires both modes to be equal when both are set`),
    );
  }
  if (subnet.enableDhcp === false) {
    out.push(issue(pathJoin(path, 'enableDhcp'), false, 'true while ipv6AddressMode or ipv6RaMode is set (neutron\'s rule)'));
  }
  const auto = (m: string | null) => m === 'slaac' || m === 'dhcpv6-stateless';
  if (cidr && (auto(address) || auto(ra)) && cidr.prefixLength !== 64) {
    out.push(
      issue(pathJoin(path, 'cidr'), subnet.cidr, 'a /64 prefix: SLAAC and DHCPv6-stateless addresses are EUI-64 (neutron\'s rule)'),
    );
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function eachOf<T>(
  out: ValidationIssue[],
  list: readonly T[] | undefined,
  path: string,
  what: string,
  visit: (item: T, path: string, index: number) => unknown,
): void {
  if (!Array.isArray(list)) {
    out.push(issue(path, list, what));
    return;
  }
  list.forEach((item, i) => visit(item, pathIndex(path, i), i));
}

// ---------------------------------------------------------------------------------------------
// Ports

/** Extra DHCP options one port may carry: more than a DHCP reply can hold, far below what would slow a plan. */
export const MAX_EXTRA_DHCP_OPTS = 100;

interface PortContext {
  readonly subnets: readonly Subnet[];
  /** Ports this one must not share an IP, MAC or id with. */
  readonly others: readonly Port[];
}

function listIds(subnets: readonly Subnet[]): string {
  if (subnets.length === 0) return '(the network has no subnets)';
  // Ids of wrongly typed input are shown, never converted (String() can throw on odd objects).
  const ids = subnets.slice(0, 10).map((s) => (typeof s.id === 'string' ? s.id : showValue(s.id)));
  return ids.join(', ') + (subnets.length > 10 ? `, … (${subnets.length} in all)` : '');
}

function portIssues(port: Port, ctx: PortContext, path: string): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const at = (key: string) => pathJoin(path, key);
  push(out, checkId(port.id, at('id')));

  const macBad = checkMac(port.macAddress, at('macAddress'));
  if (macBad) out.push(macBad);
  else {
    const twin = ctx.others.find((o) => typeof o.macAddress === 'string' && o.macAddress.toLowerCase() === port.macAddress.toLowerCase());
    if (twin) {
      out.push(issue(at('macAddress'), port.macAddress, `a MAC address not used by another port of the network (port ${twin.id} has it)`));
    }
  }

  push(out, checkSafeText(port.deviceOwner, at('deviceOwner')));

  eachOf(out, port.fixedIps, at('fixedIps'), 'a list of {subnetId, ipAddress}', (fip, p, i) => {
    out.push(...fixedIpIssues(fip, p, ctx, port.fixedIps.slice(0, i)));
  });

  const versions = new Map<string, string>();
  if (Array.isArray(port.extraDhcpOpts) && port.extraDhcpOpts.length > MAX_EXTRA_DHCP_OPTS) {
    // Refused as a whole, before thousands of items are checked one by one.
    out.push(issue(at('extraDhcpOpts'), `(a list of ${port.extraDhcpOpts.length} options)`, `at most ${MAX_EXTRA_DHCP_OPTS} extra DHCP options per port`));
    return out;
  }
  eachOf(out, port.extraDhcpOpts, at('extraDhcpOpts'), 'a list of {optName, optValue, ipVersion}', (opt, p) => {
    const before = out.length;
    out.push(...extraOptIssues(opt, p, port.id));
    if (out.length !== before || !isRecord(opt)) return;
    const key = `${opt.ipVersion}/${opt.optName.toLowerCase()}`;
    const first = versions.get(key);
    if (first) {
      out.push(issue(pathJoin(p, 'optName'), opt.optName, `an option not already set on this port for IPv${opt.ipVersion} (${first} sets it)`));
    } else versions.set(key, p);
  });

  if (port.dnsAssignment !== undefined) {
    eachOf(out, port.dnsAssignment, at('dnsAssignment'), 'a list of {hostname, ipAddress, fqdn}', (entry, p) => {
      out.push(...dnsAssignmentIssues(entry, p));
    });
  }
  return out;
}

function fixedIpIssues(fip: FixedIp, path: string, ctx: PortContext, ownEarlier: readonly FixedIp[]): ValidationIssue[] {
  if (!isRecord(fip)) return [issue(path, fip, 'a fixed IP {subnetId, ipAddress}')];
  const out: ValidationIssue[] = [];
  const subnet = ctx.subnets.find((s) => s.id === fip.subnetId);
  if (!subnet) {
    out.push(issue(pathJoin(path, 'subnetId'), fip.subnetId, `the id of one of the network's subnets: ${listIds(ctx.subnets)}`));
  }
  const cidr = subnet && typeof subnet.cidr === 'string' ? parseCidr(subnet.cidr) : null;
  const ipPath = pathJoin(path, 'ipAddress');
  const bad = checkIp(fip.ipAddress, ipPath, cidr?.version);
  if (bad) return [...out, bad];
  if (cidr && !cidrContains(cidr.text, fip.ipAddress)) {
    out.push(issue(ipPath, fip.ipAddress, `an address inside ${cidr.text}, the cidr of subnet ${subnet!.id}`));
  } else if (cidr && isIpv4NetworkOrBroadcast(cidr.text, fip.ipAddress)) {
    out.push(issue(ipPath, fip.ipAddress, `an address of ${describeCidr(cidr)}`));
  }
  const sameSubnet = subnet ? ownEarlier.findIndex((f) => isRecord(f) && f.subnetId === subnet.id) : -1;
  if (ownEarlier.some((f) => typeof f.ipAddress === 'string' && sameIp(f.ipAddress, fip.ipAddress))) {
    out.push(issue(ipPath, fip.ipAddress, 'an address not already listed in this port\'s fixedIps'));
  } else if (sameSubnet >= 0) {
    // dnsmasq serves one address per MAC and subnet (one dhcp-host line each): the second would never be handed out.
    out.push(issue(ipPath, fip.ipAddress, `an address on another subnet: a port has at most one address per subnet (fixedIps[${sameSubnet}] is on subnet ${subnet!.id})`));
  } else {
    const holds = (o: Port) =>
      Array.isArray(o.fixedIps) && o.fixedIps.some((f) => isRecord(f) && typeof f.ipAddress === 'string' && sameIp(f.ipAddress, fip.ipAddress));
    const twin = ctx.others.find(holds);
    if (twin) out.push(issue(ipPath, fip.ipAddress, `an address not used by another port of the network (port ${twin.id} has it)`));
  }
  return out;
}

function extraOptIssues(opt: ExtraDhcpOpt, path: string, portId: string): ValidationIssue[] {
  if (!isRecord(opt)) return [issue(path, opt, 'an extra DHCP option {optName, optValue, ipVersion}')];
  const out: ValidationIssue[] = [];
  const versionOk = opt.ipVersion === 4 || opt.ipVersion === 6;
  if (!versionOk) out.push(issue(pathJoin(path, 'ipVersion'), opt.ipVersion, '4 or 6'));
  const nameBad = checkDhcpOptName(opt.optName, pathJoin(path, 'optName'), versionOk ? opt.ipVersion : 4);
  push(out, nameBad);
  const clientId = typeof opt.optName === 'string' && isClientIdOpt(opt.optName);
  const valueBad = clientId
    ? checkClientIdValue(opt.optValue, pathJoin(path, 'optValue'))
    : checkDhcpOptValue(opt.optValue, pathJoin(path, 'optValue'));
  push(out, valueBad);
  if (out.length === 0 && !clientId && typeof portId === 'string') {
    const bytes = Buffer.byteLength(neutronOptsLine(portId, opt), 'utf8');
    if (bytes > DNSMASQ_MAX_LINE_BYTES) {
      out.push(
        issue(
          pathJoin(path, 'optValue'),
          opt.optValue,
          `a value short enough for the dhcp-optsfile line "tag:port-<id>,<option>,<value>" to stay within ${DNSMASQ_MAX_LINE_BYTES} bytes (dnsmasq cuts longer lines in two); this line would be ${bytes} bytes`,
        ),
      );
    }
  }
  return out;
}

function dnsAssignmentIssues(entry: DnsAssignment, path: string): ValidationIssue[] {
  if (!isRecord(entry)) return [issue(path, entry, 'a DNS assignment {hostname, ipAddress, fqdn}')];
  const out: ValidationIssue[] = [];
  push(out, checkHostname(entry.hostname, pathJoin(path, 'hostname')));
  push(out, checkIp(entry.ipAddress, pathJoin(path, 'ipAddress')));
  push(out, checkFqdn(entry.fqdn, pathJoin(path, 'fqdn')));
  return out;
}

/**
 * One port against a network: its own fields, its fixed IPs against the network's subnets,
 * and IP/MAC uniqueness against the network's other ports (a port with the same id is this
 * port's earlier version and is skipped).
 */
export function validatePort(port: Port, network: Network, path = ''): ValidationIssue[] {
  const subnets = Array.isArray(network.subnets) ? network.subnets : [];
  const ports = Array.isArray(network.ports) ? network.ports : [];
  return portIssues(port, { subnets, others: ports.filter((p) => p.id !== port.id) }, path);
}

// ---------------------------------------------------------------------------------------------
// Networks

const WORST_METADATA_ROUTE = '169.254.169.254/32,255.255.255.255';

function optsLineIssue(path: string, value: unknown, what: string, line: string): ValidationIssue | null {
  const bytes = Buffer.byteLength(line, 'utf8');
  if (bytes <= DNSMASQ_MAX_LINE_BYTES) return null;
  return issue(path, value, `${what} short enough for the dhcp-optsfile line ${JSON.stringify(`${line.slice(0, line.indexOf(',', line.indexOf(',') + 1))},…`)} to stay within ${DNSMASQ_MAX_LINE_BYTES} bytes (dnsmasq cuts longer lines in two); it could be ${bytes} bytes`);
}

/**
 * The per-subnet dhcp-optsfile lines neutron writes whose length grows with the input
 * (`_generate_opts_per_subnet`): dns-server with every nameserver and, for IPv4,
 * classless-static-route with the network's other IPv4 subnets as on-link routes, the host
 * routes, a metadata route (counted always: whether neutron adds one depends on agent options
 * and routers) and the default route.
 */
function subnetOptsLineIssues(subnet: Subnet, path: string, all: readonly Subnet[]): ValidationIssue[] {
  if (!subnet.enableDhcp) return [];
  const out: ValidationIssue[] = [];
  const tag = `tag:subnet-${subnet.id}`;
  if (subnet.ipVersion === 6) {
    const servers = subnet.dnsNameservers.map((a) => `[${a}]`).join(',');
    push(out, optsLineIssue(pathJoin(path, 'dnsNameservers'), subnet.dnsNameservers, 'a list of DNS servers', `${tag},option6:dns-server,${servers}`));
    return out;
  }
  push(out, optsLineIssue(pathJoin(path, 'dnsNameservers'), subnet.dnsNameservers, 'a list of DNS servers', `${tag},option:dns-server,${subnet.dnsNameservers.join(',')}`));
  let gateway = subnet.gatewayIp;
  const routes: string[] = [];
  for (const other of all) {
    if (other !== subnet && other.ipVersion === 4 && other.cidr !== subnet.cidr && typeof other.cidr === 'string') routes.push(`${other.cidr},0.0.0.0`);
  }
  for (const hr of subnet.hostRoutes) {
    if (hr.destination === '0.0.0.0/0') gateway = gateway || hr.nexthop;
    else routes.push(`${hr.destination},${hr.nexthop}`);
  }
  routes.push(WORST_METADATA_ROUTE);
  if (gateway) routes.push(`0.0.0.0/0,${gateway}`);
  const line = `${tag},option:classless-static-route,${routes.join(',')}`;
  push(out, optsLineIssue(pathJoin(path, 'hostRoutes'), subnet.hostRoutes, "a list of host routes (with the network's other IPv4 subnets as on-link routes)", line));
  return out;
}

/** Network fields, every subnet, every port, and per-network uniqueness of ids, IPs and MACs. */
export function validateNetwork(network: Network): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  push(out, checkId(network.id, 'id'));
  if (network.name !== undefined) push(out, checkSafeText(network.name, 'name'));
  push(out, checkMtu(network.mtu, 'mtu'));
  if (network.dnsDomain !== undefined && network.dnsDomain !== '') push(out, checkDomain(network.dnsDomain, 'dnsDomain'));

  const subnets: Subnet[] = [];
  const clean: { subnet: Subnet; path: string }[] = [];
  eachOf(out, network.subnets, 'subnets', 'a list of subnets', (subnet, p) => {
    if (!isRecord(subnet)) return out.push(issue(p, subnet, 'a subnet object'));
    const own = validateSubnet(subnet, p);
    out.push(...own);
    if (own.length === 0) clean.push({ subnet, path: p });
    const twin = subnets.find((s) => s.id === subnet.id);
    if (twin) out.push(issue(pathJoin(p, 'id'), subnet.id, `an id not used by another subnet (subnets[${network.subnets.indexOf(twin)}] has it)`));
    const mine = typeof subnet.cidr === 'string' ? parseCidr(subnet.cidr) : null;
    const overlap = mine
      ? subnets.find((s) => {
          const theirs = typeof s.cidr === 'string' ? parseCidr(s.cidr) : null;
          return theirs !== null && theirs.version === mine.version && (cidrContains(theirs.text, mine.network) || cidrContains(mine.text, theirs.network));
        })
      : undefined;
    if (overlap) {
      out.push(
        issue(pathJoin(p, 'cidr'), subnet.cidr, `a CIDR not overlapping subnets[${network.subnets.indexOf(overlap)}] (${overlap.cidr}) of the same network`),
      );
    }
    subnets.push(subnet);
  });
  for (const { subnet, path } of clean) out.push(...subnetOptsLineIssues(subnet, path, subnets));

  const ports: Port[] = [];
  eachOf(out, network.ports, 'ports', 'a list of ports', (port, p) => {
    if (!isRecord(port)) return out.push(issue(p, port, 'a port object'));
    const twin = ports.find((o) => o.id === port.id);
    if (twin) out.push(issue(pathJoin(p, 'id'), port.id, `an id not used by another port (ports[${network.ports.indexOf(twin)}] has it)`));
    // Duplicates are reported on the later port only.
    out.push(...portIssues(port, { subnets, others: ports.filter((o) => o.id !== port.id) }, p));
    ports.push(port);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Agent options

const STATE_PATH_RE = /^\/[A-Za-z0-9._/-]*$/;
// A leading "-" would read as a command-line option to `ip`.
const IFNAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;

/** `state_path`: an absolute path of safe characters (it appears in dnsmasq's argv and in shell commands). */
export function checkStatePath(value: unknown, path: string): ValidationIssue | null {
  const allowed =
    'an absolute path of at most 4095 characters made of letters, digits, ".", "_", "-" and "/", below "/" (not "/" itself), without empty, "." or ".." segments';
  if (typeof value !== 'string' || !STATE_PATH_RE.test(value) || value.length > 4095) return issue(path, value, allowed);
  // "/" would make the agent's teardown and the monitor work on the node's root; "a//b", "a/./b"
  // and a trailing "/" name one directory in several ways (lock files, queue keys, ownership).
  const segments = value.slice(1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return issue(path, value, allowed);
  return null;
}

const UNIX_USER_RE = /^[a-z_][a-z0-9_.-]{0,31}\$?$/;

/** A Unix user name as useradd accepts it by default. */
export function checkUnixUser(value: unknown, path: string): ValidationIssue | null {
  return typeof value === 'string' && UNIX_USER_RE.test(value) ? null : issue(path, value, 'a Unix user name');
}

/** A node address: an IPv4/IPv6 address or a DNS host name. */
export function checkNodeHost(value: unknown, path: string): ValidationIssue | null {
  if (typeof value === 'string' && (ipVersionOf(value) !== null || !checkDomain(value, path))) return null;
  return issue(path, value, 'an IPv4/IPv6 address or a host name');
}

/** A Linux interface name: 1–15 of letters, digits, `_ . -`, starting with a letter or digit. */
export function checkInterfaceName(value: unknown, path: string): ValidationIssue | null {
  if (typeof value === 'string' && IFNAME_RE.test(value)) return null;
  return issue(path, value, 'a Linux interface name: 1–15 letters, digits, "_", "." or "-", starting with a letter or digit');
}

/** Agent options (camelCase paths: `dhcpLeaseDuration`, `dnsmasqDnsServers[1]`). */
export function validateAgentOptions(o: AgentOptions, path = ''): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const at = (key: string) => pathJoin(path, key);
  if (o.dnsDomain !== '') {
    const bad = checkDomain(o.dnsDomain, at('dnsDomain'));
    if (bad) out.push({ ...bad, allowed: `"" (no domain) or ${bad.allowed}` });
  }
  push(out, checkLeaseDuration(o.dhcpLeaseDuration, at('dhcpLeaseDuration')));
  push(out, checkInteger(o.dnsmasqLeaseMax, at('dnsmasqLeaseMax'), 1, INT32_MAX, 'a positive integer (at most 2147483647)'));
  eachOf(out, o.dnsmasqDnsServers, at('dnsmasqDnsServers'), 'a list of DNS server addresses', (ip, p) => push(out, checkIp(ip, p)));
  for (const key of ['dnsmasqLocalResolv', 'enableIsolatedMetadata', 'forceMetadata', 'dhcpBroadcastReply'] as const) {
    if (typeof o[key] !== 'boolean') out.push(issue(at(key), o[key], 'true or false'));
  }
  for (const key of ['dhcpRenewalTime', 'dhcpRebindingTime'] as const) {
    push(out, checkInteger(o[key], at(key), 0, UINT32_MAX, 'a number of seconds: 0 (not sent) or an integer up to 4294967295'));
  }
  push(out, checkStatePath(o.statePath, at('statePath')));
  if (o.interfaceName !== undefined) push(out, checkInterfaceName(o.interfaceName, at('interfaceName')));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Assertions

/** Throws `ValidationError` with every issue of `validateNetwork`. */
export function assertValidNetwork(network: Network): void {
  assertNoIssues(validateNetwork(network));
}

/** Throws `ValidationError` with every issue of `validateSubnet`. */
export function assertValidSubnet(subnet: Subnet, path = ''): void {
  assertNoIssues(validateSubnet(subnet, path));
}

/** Throws `ValidationError` with every issue of `validatePort`. */
export function assertValidPort(port: Port, network: Network, path = ''): void {
  assertNoIssues(validatePort(port, network, path));
}

/** Throws `ValidationError` with every issue of `validateAgentOptions`. */
export function assertValidAgentOptions(o: AgentOptions, path = ''): void {
  assertNoIssues(validateAgentOptions(o, path));
}
