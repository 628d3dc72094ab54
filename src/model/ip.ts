/**
 * Address and CIDR arithmetic, all through `ip-address` (no hand-written bit twiddling).
 * Functions return `null` for input they cannot parse; validation turns that into messages.
 */
import { Address4, Address6 } from 'ip-address';
import type { IpVersion } from './types';

type Addr = Address4 | Address6;

function parse(text: string): Addr | null {
  if (typeof text !== 'string' || text.trim() !== text || text === '') return null;
  if (Address4.isValid(text)) return new Address4(text);
  // Zone ids (`fe80::1%eth0`) have no meaning in a subnet or a dnsmasq file.
  if (!text.includes('%') && Address6.isValid(text)) return new Address6(text);
  return null;
}

/** A single address (no `/prefix`). */
function parseAddress(text: string): Addr | null {
  if (typeof text !== 'string' || text.includes('/')) return null;
  return parse(text);
}

export function ipVersionOf(ip: string): IpVersion | null {
  const a = parseAddress(ip);
  if (!a) return null;
  return a instanceof Address4 ? 4 : 6;
}

export function isIp(ip: string): boolean {
  return parseAddress(ip) !== null;
}

/** Canonical text of an address: dotted quad, or RFC 5952 compressed lower-case IPv6. */
export function canonicalIp(ip: string): string | null {
  const a = parseAddress(ip);
  if (!a) return null;
  return a instanceof Address4 ? a.correctForm() : a.correctForm();
}

export interface Cidr {
  readonly version: IpVersion;
  /** Network address (host bits cleared), canonical text. */
  readonly network: string;
  readonly prefixLength: number;
  /** Dotted netmask for IPv4 (`255.255.255.0`); for IPv6, the prefix length as text. */
  readonly netmask: string;
  /** Number of addresses in the block. */
  readonly size: bigint;
  /** `network/prefixLength`. */
  readonly text: string;
  /** Last address of the block (IPv4 broadcast). */
  readonly last: string;
}

/** Parses `a.b.c.d/n` or `x::/n`. Host bits must be zero (`10.0.0.5/24` is refused). */
export function parseCidr(text: string): Cidr | null {
  if (typeof text !== 'string' || !/^[^/]+\/\d{1,3}$/.test(text)) return null;
  const a = parse(text);
  if (!a) return null;
  const start = a.startAddress();
  const given = text.slice(0, text.indexOf('/'));
  const givenAddr = parseAddress(given);
  if (!givenAddr || givenAddr.correctForm() !== start.correctForm()) return null;
  const version: IpVersion = a instanceof Address4 ? 4 : 6;
  const bits = version === 4 ? 32 : 128;
  const prefixLength = a.subnetMask;
  const network = start.correctForm();
  const netmask = a instanceof Address4 ? Address4.fromBigInt(maskBigInt(prefixLength, 32)).correctForm() : String(prefixLength);
  return {
    version,
    network,
    prefixLength,
    netmask,
    size: 1n << BigInt(bits - prefixLength),
    text: `${network}/${prefixLength}`,
    last: a.endAddress().correctForm(),
  };
}

function maskBigInt(prefix: number, bits: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefix)) - 1n);
}

/** True when `ip` lies inside `cidr` (both of the same family). */
export function cidrContains(cidr: string, ip: string): boolean {
  const net = parse(cidr);
  const a = parseAddress(ip);
  if (!net || !a || net.constructor !== a.constructor) return false;
  return (a as Address4).isInSubnet(net);
}

/** Numeric value of an address, for ordering and ranges. */
export function ipToBigInt(ip: string): bigint | null {
  const a = parseAddress(ip);
  return a ? a.bigInt() : null;
}

/** The address `offset` places after the network address of `cidr`. */
export function addressAt(cidr: string, offset: bigint): string | null {
  const c = parseCidr(cidr);
  if (!c || offset < 0n || offset >= c.size) return null;
  const base = ipToBigInt(c.network)!;
  return c.version === 4
    ? Address4.fromBigInt(base + offset).correctForm()
    : Address6.fromBigInt(base + offset).correctForm();
}

/** IPv4 network or broadcast address of `cidr` (never true for IPv6 or /31, /32). */
export function isIpv4NetworkOrBroadcast(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const canon = canonicalIp(ip);
  if (!c || c.version !== 4 || c.prefixLength >= 31 || !canon) return false;
  return canon === c.network || canon === c.last;
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/**
 * The SLAAC address a host with `mac` forms in the /64 `cidr`: the modified EUI-64 interface
 * identifier (RFC 4291 appendix A: `ff:fe` between the MAC's halves, the universal/local bit
 * inverted), as neutron's `ipv6_utils.get_ipv6_addr_by_EUI64`. `null` for anything but an IPv6
 * /64 or a colon-separated MAC.
 */
export function eui64Address(cidr: string, mac: string): string | null {
  const c = parseCidr(cidr);
  if (!c || c.version !== 6 || c.prefixLength !== 64 || typeof mac !== 'string' || !MAC_RE.test(mac)) return null;
  const bytes = mac.split(':').map((h) => parseInt(h, 16));
  bytes[0] ^= 0x02;
  const iid = [...bytes.slice(0, 3), 0xff, 0xfe, ...bytes.slice(3)].reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  return addressAt(c.text, iid);
}
