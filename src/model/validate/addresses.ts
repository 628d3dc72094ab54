/** IP addresses and CIDRs, and the address comparisons the uniqueness checks share. */
import type { ValidationIssue } from '../errors';
import { canonicalIp, ipVersionOf, parseCidr, type Cidr } from '../ip';
import type { IpVersion } from '../types';
import { issue } from './issues';

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

export function sameIp(a: string, b: string): boolean {
  return canonicalOf(a) === canonicalOf(b);
}

export function describeCidr(c: Cidr): string {
  return c.version === 4 && c.prefixLength < 31
    ? `${c.text} other than its network address ${c.network} and broadcast address ${c.last}`
    : c.text;
}
