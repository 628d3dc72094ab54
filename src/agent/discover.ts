/**
 * Finds a network already on a node, for `terraform import`: one this agent keeps
 * (`<statePath>/dhcp/<id>/network.json`), or one neutron's DHCP agent set up
 * (`<neutronStatePath>/dhcp/<id>/`), whose spec is read back from dnsmasq's command line, the
 * opts file and the devices. Changes nothing.
 */
import { Address4 } from 'ip-address';
import type { Host } from '../host/types';
import { sh } from '../host/quote';
import { withDefaults } from '../model/agent-options';
import { cidrContains, parseCidr } from '../model/ip';
import { namespaceName } from '../model/naming';
import { DEVICE_OWNER_DHCP, type AgentOptions, type HostRoute, type Subnet } from '../model/types';
import { checkResult } from './errors';
import { networkDir } from './stored-network';
import { Script } from './script';
import { parseSections, sectionText } from './sections';
import type { NetworkSpec } from './spec';

export interface DiscoveredNetwork {
  readonly spec: NetworkSpec;
  /** `agent`: kept by this agent; `neutron`: adopted from neutron-dhcp-agent's files. */
  readonly source: 'agent' | 'neutron';
}

const METADATA = '169.254.169.254/32';

export async function discoverNetwork(host: Host, networkId: string, statePath: string, neutronStatePath = '/var/lib/neutron'): Promise<DiscoveredNetwork | null> {
  const ours = networkDir(statePath, networkId);
  const theirs = `${neutronStatePath}/dhcp/${networkId}`;
  const ns = namespaceName(networkId);
  const script = new Script().step('discover network').add(
    sh`echo @@network; cat ${ours}/network.json 2>/dev/null || true; echo`,
    sh`echo @@interface; cat ${theirs}/interface 2>/dev/null || true; echo`,
    sh`echo @@opts; cat ${theirs}/opts 2>/dev/null || true; echo`,
    sh`echo @@cmdline; p=$(cat ${theirs}/pid 2>/dev/null || true); if [ -n "$p" ] && [ -r "/proc/$p/cmdline" ]; then tr '\0' '\n' < "/proc/$p/cmdline"; fi`,
    sh`echo @@link; i=$(cat ${theirs}/interface 2>/dev/null || true); if [ -n "$i" ]; then ip -j -n ${ns} addr show dev "$i" 2>/dev/null || true; fi; echo`,
    sh`echo @@tap; i=$(cat ${theirs}/interface 2>/dev/null || true); if [ -n "$i" ]; then ip -j link show dev "tap$(printf %s "$i" | cut -c4-)" 2>/dev/null || true; fi; echo`,
    'echo @@end',
  );
  const out = checkResult(host.label, `network ${networkId}`, await host.run(script.toString()), 'discover network');
  const sec = parseSections(out.stdout);
  const kept = sectionText(sec, 'network');
  if (kept) return { spec: JSON.parse(kept) as NetworkSpec, source: 'agent' };
  const iface = sectionText(sec, 'interface');
  const argv = (sec.get('cmdline') ?? []).filter(Boolean);
  if (!iface || argv.length === 0) return null;
  return { spec: fromNeutron(networkId, iface, argv, sec.get('opts') ?? [], sectionText(sec, 'link'), sectionText(sec, 'tap'), statePath), source: 'neutron' };
}

function flag(argv: readonly string[], name: string): string[] {
  return argv.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
}

function prefixFromMask(mask: string): number {
  return new Address4(mask).binaryZeroPad().replace(/0/g, '').length;
}

/** Reads a neutron-made network back: ranges and options from dnsmasq's argv, routes and DNS from opts. */
export function fromNeutron(networkId: string, iface: string, argv: readonly string[], opts: readonly string[], linkJson: string, tapJson: string, statePath: string): NetworkSpec {
  let lease = 86400;
  const subnets: Subnet[] = flag(argv, 'dhcp-range').map((range) => {
    const [tag, net, , maskOrLen, leaseText] = range.split(',');
    lease = leaseText === 'infinite' ? -1 : parseInt(leaseText, 10);
    const id = tag.replace(/^set:subnet-/, '');
    const v6 = net.includes(':');
    const cidr = parseCidr(`${net}/${v6 ? maskOrLen : prefixFromMask(maskOrLen)}`)!.text;
    const tagPrefix = `tag:subnet-${id},`;
    const mine = opts.filter((l) => l.startsWith(tagPrefix)).map((l) => l.slice(tagPrefix.length));
    const value = (name: string) => mine.find((l) => l === `option${v6 ? '6' : ''}:${name}` || l.startsWith(`option${v6 ? '6' : ''}:${name},`));
    const router = value('router')?.split(',')[1] ?? null;
    const dns = value('dns-server')?.split(',').slice(1).map((a) => a.replace(/^\[|\]$/g, '')) ?? [];
    const routes: HostRoute[] = [];
    const csr = value('classless-static-route')?.split(',').slice(1) ?? [];
    for (let i = 0; i + 1 < csr.length; i += 2) {
      const [destination, nexthop] = [csr[i], csr[i + 1]];
      if (nexthop === '0.0.0.0' || destination === '0.0.0.0/0' || destination === METADATA) continue;
      routes.push({ destination, nexthop });
    }
    return {
      id,
      cidr,
      ipVersion: v6 ? 6 : 4,
      gatewayIp: router,
      enableDhcp: true,
      dnsNameservers: dns.length === 1 && (dns[0] === '' || dns[0] === undefined) ? [] : dns,
      hostRoutes: routes,
      allocationPools: [],
      ipv6AddressMode: v6 ? 'dhcpv6-stateful' : null,
      ipv6RaMode: null,
    };
  });
  const link = (JSON.parse(linkJson || '[]') as { address?: string; addr_info?: { local: string; prefixlen: number; scope: string }[] }[])[0] ?? {};
  const tap = (JSON.parse(tapJson || '[]') as { master?: string }[])[0] ?? {};
  const mtuFlag = flag(argv, 'dhcp-option-force').find((o) => o.startsWith('option:mtu,'));
  const options: AgentOptions = withDefaults({
    statePath,
    dhcpLeaseDuration: lease,
    dnsDomain: flag(argv, 'domain')[0] ?? '',
    dnsmasqDnsServers: flag(argv, 'server'),
    dhcpBroadcastReply: argv.includes('--dhcp-broadcast'),
  });
  const portId = iface.replace(/^ns-/, '');
  const ips = (link.addr_info ?? []).filter((a) => a.scope === 'global' && `${a.local}/${a.prefixlen}` !== METADATA).map((a) => a.local);
  return {
    network: {
      id: networkId,
      mtu: mtuFlag ? Number(mtuFlag.split(',')[1]) : 0,
      subnets,
      ports: [
        {
          id: portId,
          macAddress: link.address ?? '',
          fixedIps: ips.map((ip) => ({ subnetId: subnets.find((s) => cidrContains(s.cidr, ip))?.id ?? '', ipAddress: ip })),
          deviceOwner: DEVICE_OWNER_DHCP,
          extraDhcpOpts: [],
        },
      ],
    },
    dhcpPortId: portId,
    attachment: { bridge: tap.master ?? '' },
    options,
  };
}
