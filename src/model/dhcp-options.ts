/**
 * DHCP option names dnsmasq knows, as printed by `dnsmasq --help dhcp` and
 * `dnsmasq --help dhcp6` (dnsmasq 2.90). These are the names usable as `option:<name>` /
 * `option6:<name>` in a dhcp-optsfile; dnsmasq's internal options (`hostname`, `client-id`,
 * `lease-time`, …) are absent because dnsmasq refuses them there ("bad dhcp-option").
 */
import type { IpVersion } from './types';

/** The dnsmasq release the tables below were taken from. */
export const DHCP_OPTIONS_DNSMASQ_VERSION = '2.90';

/** `dnsmasq --help dhcp`: DHCPv4 option name → option code. */
export const DHCPV4_OPTIONS: Readonly<Record<string, number>> = Object.freeze({
  'netmask': 1,
  'time-offset': 2,
  'router': 3,
  'dns-server': 6,
  'log-server': 7,
  'lpr-server': 9,
  'boot-file-size': 13,
  'domain-name': 15,
  'swap-server': 16,
  'root-path': 17,
  'extension-path': 18,
  'ip-forward-enable': 19,
  'non-local-source-routing': 20,
  'policy-filter': 21,
  'max-datagram-reassembly': 22,
  'default-ttl': 23,
  'mtu': 26,
  'all-subnets-local': 27,
  'router-discovery': 31,
  'router-solicitation': 32,
  'static-route': 33,
  'trailer-encapsulation': 34,
  'arp-timeout': 35,
  'ethernet-encap': 36,
  'tcp-ttl': 37,
  'tcp-keepalive': 38,
  'nis-domain': 40,
  'nis-server': 41,
  'ntp-server': 42,
  'netbios-ns': 44,
  'netbios-dd': 45,
  'netbios-nodetype': 46,
  'netbios-scope': 47,
  'x-windows-fs': 48,
  'x-windows-dm': 49,
  'T1': 58,
  'T2': 59,
  'vendor-class': 60,
  'nis+-domain': 64,
  'nis+-server': 65,
  'tftp-server': 66,
  'bootfile-name': 67,
  'mobile-ip-home': 68,
  'smtp-server': 69,
  'pop3-server': 70,
  'nntp-server': 71,
  'irc-server': 74,
  'user-class': 77,
  'rapid-commit': 80,
  'client-arch': 93,
  'client-interface-id': 94,
  'client-machine-id': 97,
  'posix-timezone': 100,
  'tzdb-timezone': 101,
  'ipv6-only': 108,
  'domain-search': 119,
  'sip-server': 120,
  'classless-static-route': 121,
  'vendor-id-encap': 125,
  'tftp-server-address': 150,
  // Not a real option: dnsmasq uses it to set the BOOTP `siaddr` (next server) field.
  'server-ip-address': 255,
});

/** `dnsmasq --help dhcp6`: DHCPv6 option name → option code. */
export const DHCPV6_OPTIONS: Readonly<Record<string, number>> = Object.freeze({
  'sip-server-domain': 21,
  'sip-server': 22,
  'dns-server': 23,
  'domain-search': 24,
  'nis-server': 27,
  'nis+-server': 28,
  'nis-domain': 29,
  'nis+-domain': 30,
  'sntp-server': 31,
  'information-refresh-time': 32,
  'posix-timezone': 41,
  'tzdb-timezone': 42,
  'ntp-server': 56,
  'bootfile-url': 59,
  'bootfile-param': 60,
});

function lowerCaseIndex(table: Readonly<Record<string, number>>): ReadonlyMap<string, number> {
  return new Map(Object.entries(table).map(([name, code]) => [name.toLowerCase(), code]));
}

const V4_INDEX = lowerCaseIndex(DHCPV4_OPTIONS);
const V6_INDEX = lowerCaseIndex(DHCPV6_OPTIONS);

/**
 * The option code dnsmasq assigns to `name` for the given IP version, or `undefined` when
 * dnsmasq does not know the name there. Case-insensitive, as dnsmasq's own lookup
 * (`strcasecmp`): `t1` and `T1` are the same option.
 */
export function lookupDhcpOption(name: string, ipVersion: IpVersion): number | undefined {
  if (typeof name !== 'string') return undefined;
  return (ipVersion === 6 ? V6_INDEX : V4_INDEX).get(name.toLowerCase());
}
