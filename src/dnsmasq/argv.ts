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
  let possibleLeases = 0n;
  for (const subnet of network.subnets) {
    if (!subnet.enableDhcp) continue;
    const mode = rangeMode(subnet);
    const cidr = parseCidr(subnet.cidr);
    if (!mode || !cidr) continue;
    const tag = `set:${SUBNET_TAG_PREFIX}${subnet.id}`;
    if (subnet.ipVersion === 4) {
      argv.push(`--dhcp-range=${tag},${cidr.network},${mode},${cidr.netmask},${lease}`);
    } else {
      // dnsmasq cannot serve DHCPv6 ranges on prefixes shorter than /64.
      if (cidr.prefixLength < 64) continue;
      argv.push(`--dhcp-range=${tag},${cidr.network},${mode},${cidr.prefixLength},${lease}`);
    }
    possibleLeases += cidr.size;
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
  return argv;
}

/** The file dnsmasq logs DHCP and DNS to (`dnsmasq_base_log_dir`), or `''` when the option is off. */
export function dnsLogFile(baseLogDir: string, networkId: string): string {
  return baseLogDir ? `${baseLogDir}/${networkId}/dhcp_dns_log` : '';
}

/**
 * True when a running dnsmasq started with `oldArgv` must be restarted to run with `newArgv`
 * (ranges, MTU, domain, servers… live only on the command line); false when rewriting the
 * files and sending SIGHUP is enough. The rule is plain argv inequality.
 */
export function needsRestart(oldArgv: readonly string[], newArgv: readonly string[]): boolean {
  return oldArgv.length !== newArgv.length || oldArgv.some((arg, i) => arg !== newArgv[i]);
}
