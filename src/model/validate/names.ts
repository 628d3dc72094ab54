/** Identifiers, MAC addresses and DNS names, as neutron allows them and dnsmasq reads them. */
import type { ValidationIssue } from '../errors';
import { issue } from './issues';

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
