/** Extra DHCP options (neutron's `extra_dhcp_opts`): names, values and client ids as dnsmasq reads them. */
import type { ValidationIssue } from '../errors';
import { lookupDhcpOption } from '../dhcp-options';
import type { IpVersion } from '../types';
import { issue } from './issues';
import { SAFE_TEXT_RULE, findUnsafeChar } from './text';

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
