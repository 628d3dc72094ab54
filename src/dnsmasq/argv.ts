/**
 * The dnsmasq command line, as neutron's `Dnsmasq._build_cmdline_callback`.
 */
import type { Subnet } from '../model/types';
import { parseCidr } from '../model/ip';
import { SUBNET_TAG_PREFIX, type RenderContext } from './render-context';
import type { DnsmasqPaths } from './paths';

/**
 * neutron serves a subnet from a `static` range when it is IPv4, DHCPv6 (stateful or
 * stateless), or IPv6 without any mode; SLAAC and RA-only subnets get no range.
 */
function rangeMode(subnet: Subnet): 'static' | null {
  if (subnet.ipVersion === 4) return 'static';
  const addr = subnet.ipv6AddressMode;
  const ra = subnet.ipv6RaMode;
  if (addr === 'dhcpv6-stateful' || addr === 'dhcpv6-stateless' || (!addr && !ra)) return 'static';
  return null;
}

/**
 * The `--dhcp-range` mode of a DHCP-enabled IPv6 subnet when the network sends router
 * advertisements (`ipv6RouterAdvertisements`, not neutron's): `ra-only` where neutron serves no
 * DHCPv6 (SLAAC: RA with the A flag), `ra-stateless` for DHCPv6-stateless (A and O flags, the
 * stateless DHCPv6 service kept), and neutron's `static` otherwise (with `--enable-ra`: M and O
 * flags, the prefix on-link but not for SLAAC).
 */
function raRangeMode(subnet: Subnet): 'ra-only' | 'ra-stateless' | 'static' {
  if (rangeMode(subnet) === null) return 'ra-only';
  return subnet.ipv6AddressMode === 'dhcpv6-stateless' ? 'ra-stateless' : 'static';
}

/**
 * The router advertisement arguments, last on the command line so that without them the argv
 * is neutron's: `--enable-ra`, and router lifetime 0 (`--ra-param=<iface>,0,0`, default
 * interval) because the DHCP namespace routes nothing — clients learn the prefix and their
 * address from it, and keep the default route a real router gives them.
 */
function raArgs(interfaceName: string): string[] {
  return ['--enable-ra', `--ra-param=${interfaceName},0,0`];
}

/**
 * The dnsmasq argv for a network (`argv[0] === 'dnsmasq'`). Like neutron, the second element
 * is `''` when `dnsmasqLocalResolv` is set and no upstream servers are given (dnsmasq ignores
 * an empty argument). `interfaceName` is only used when `ctx.bridged === false`.
 */
export function renderArgv(ctx: RenderContext, paths: DnsmasqPaths, interfaceName: string): string[] {
  const { options, network } = ctx;
  // Ignore the node's resolv.conf when upstream servers are given or local resolution is off.
  const noResolv = options.dnsmasqDnsServers.length > 0 || !options.dnsmasqLocalResolv ? '--no-resolv' : '';
  const argv = [
    'dnsmasq',
    '--no-hosts',
    noResolv,
    `--pid-file=${paths.pidFile}`,
    `--dhcp-hostsfile=${paths.host}`,
    `--addn-hosts=${paths.addnHosts}`,
    `--dhcp-optsfile=${paths.opts}`,
    `--dhcp-leasefile=${paths.leases}`,
    '--dhcp-match=set:ipxe,175',
    '--dhcp-userclass=set:ipxe6,iPXE',
    '--local-service',
    '--bind-dynamic',
  ];
  if (ctx.bridged === false) argv.push(`--bridge-interface=${interfaceName},tap*`);

  const lease = options.dhcpLeaseDuration === -1 ? 'infinite' : `${options.dhcpLeaseDuration}s`;
  const advertise = network.ipv6RouterAdvertisements === true;
  let possibleLeases = 0n;
  for (const subnet of network.subnets) {
    if (!subnet.enableDhcp) continue;
    const mode = rangeMode(subnet);
    const cidr = parseCidr(subnet.cidr);
    if (!cidr || (!mode && !(advertise && subnet.ipVersion === 6))) continue;
    const tag = `set:${SUBNET_TAG_PREFIX}${subnet.id}`;
    if (subnet.ipVersion === 4) {
      argv.push(`--dhcp-range=${tag},${cidr.network},${mode},${cidr.netmask},${lease}`);
    } else {
      // dnsmasq cannot serve DHCPv6 ranges on prefixes shorter than /64.
      if (cidr.prefixLength < 64) continue;
      argv.push(`--dhcp-range=${tag},${cidr.network},${advertise ? raRangeMode(subnet) : mode},${cidr.prefixLength},${lease}`);
    }
    // An RA-only range hands out no lease.
    if (mode) possibleLeases += cidr.size;
  }

  const mtu = Math.trunc(network.mtu ?? 0);
  // An unknown MTU (0) is not advertised.
  if (mtu > 0) argv.push(`--dhcp-option-force=option:mtu,${mtu}`);

  // Many subnets would inflate the cap; bound it by the configured maximum.
  const cap = BigInt(Math.trunc(options.dnsmasqLeaseMax));
  argv.push(`--dhcp-lease-max=${possibleLeases < cap ? possibleLeases : cap}`);

  if (options.dhcpRenewalTime > 0) argv.push(`--dhcp-option-force=option:T1,${Math.trunc(options.dhcpRenewalTime)}s`);
  if (options.dhcpRebindingTime > 0) argv.push(`--dhcp-option-force=option:T2,${Math.trunc(options.dhcpRebindingTime)}s`);

  // neutron's dnsmasq_config_file defaults to '' → /dev/null (no site-wide dnsmasq.conf).
  argv.push('--conf-file=/dev/null');
  for (const server of options.dnsmasqDnsServers) argv.push(`--server=${server}`);
  if (options.dnsDomain) argv.push(`--domain=${options.dnsDomain}`);
  if (options.dhcpBroadcastReply) argv.push('--dhcp-broadcast');
  const logFile = dnsLogFile(options.dnsmasqBaseLogDir, network.id);
  // neutron's order; the agent creates the directory before dnsmasq starts (network-lib.sh).
  if (logFile) argv.push('--log-queries', '--log-dhcp', `--log-facility=${logFile}`);
  if (advertise && network.subnets.some((s) => s.enableDhcp && s.ipVersion === 6)) argv.push(...raArgs(interfaceName));
  return argv;
}

/** The file dnsmasq logs DHCP and DNS to (`dnsmasq_base_log_dir`), or `''` when the option is off. */
export function dnsLogFile(baseLogDir: string, networkId: string): string {
  return baseLogDir ? `${baseLogDir}/${networkId}/dhcp_dns_log` : '';
}

/**
 * True when a running dnsmasq started with `oldArgv` must be restarted to run with `newArgv`
 * (ranges, MTU, domain, servers, router advertisements… live only on the command line; SIGHUP
 * rereads the files only); false when rewriting the files and sending SIGHUP is enough. The
 * rule is plain argv inequality.
 */
export function needsRestart(oldArgv: readonly string[], newArgv: readonly string[]): boolean {
  return oldArgv.length !== newArgv.length || oldArgv.some((arg, i) => arg !== newArgv[i]);
}
