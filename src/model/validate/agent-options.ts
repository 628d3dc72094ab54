/** The agent options (neutron's DHCP agent configuration) and the node fields they share checks with. */
import type { ValidationIssue } from '../errors';
import { ipVersionOf } from '../ip';
import type { AgentOptions } from '../types';
import { checkIp } from './addresses';
import { eachOf, issue, pathJoin, push } from './issues';
import { checkDomain } from './names';
import { INT32_MAX, UINT32_MAX, checkInteger, checkLeaseDuration } from './numbers';

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
  for (const key of ['dnsmasqLocalResolv', 'enableIsolatedMetadata', 'forceMetadata', 'dhcpBroadcastReply', 'dnsmasqEnableAddr6List'] as const) {
    if (typeof o[key] !== 'boolean') out.push(issue(at(key), o[key], 'true or false'));
  }
  for (const key of ['dhcpRenewalTime', 'dhcpRebindingTime'] as const) {
    push(out, checkInteger(o[key], at(key), 0, UINT32_MAX, 'a number of seconds: 0 (not sent) or an integer up to 4294967295'));
  }
  push(out, checkStatePath(o.statePath, at('statePath')));
  if (o.dnsmasqBaseLogDir !== '') {
    // It reaches dnsmasq's argv and the node's shell: the same safe characters as the state path.
    const bad = checkStatePath(o.dnsmasqBaseLogDir, at('dnsmasqBaseLogDir'));
    if (bad) out.push({ ...bad, allowed: `"" (no per-network log) or ${bad.allowed}` });
  }
  if (o.interfaceName !== undefined) push(out, checkInterfaceName(o.interfaceName, at('interfaceName')));
  return out;
}
