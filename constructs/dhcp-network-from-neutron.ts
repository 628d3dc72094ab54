/**
 * `DhcpNetwork.fromNeutron`'s conversion: `openstack … -f json` output (or neutron API JSON) to
 * the props of a network and of its client ports. Data only: the static in dhcp-network.ts makes
 * the constructs, so this file imports neither construct class.
 */
import { networkFromNeutronJson, networkFromOpenstackCli, portsFromNeutronJson } from '../src/model/neutron-json';
import { DEVICE_OWNER_DHCP } from '../src/model/types';
import { portRequiresDhcpConfiguration } from '../src/dnsmasq';
import type { DhcpNetworkProps } from './dhcp-network-props';
import type { DhcpPortProps } from './dhcp-port';
import { invalidAt } from './validation';

/** Options of `DhcpNetwork.fromNeutron`. */
export interface DhcpNetworkFromNeutronOptions extends Omit<DhcpNetworkProps, 'subnets' | 'networkId' | 'dhcpPorts'> {
  /**
   * Subnets as `openstack subnet show -f json` prints them, when `networkJson` lists subnet ids
   * only (as `openstack network show -f json` does).
   * @default - the subnets embedded in `networkJson`
   */
  readonly subnetsJson?: unknown[];
}

/** A client port of the converted network: its construct id and props (without the network). */
export interface NeutronClientPort {
  readonly id: string;
  readonly props: Omit<DhcpPortProps, 'network'>;
}

/**
 * The network's props and its client ports. neutron's DHCP ports (device owner `network:dhcp`)
 * become the agents' `dhcpPorts`, in order, so clients keep their DHCP server address; ports
 * that need no DHCP configuration are left out as neutron's agent leaves them out.
 *
 * @throws ValidationError naming `networkJson`, `subnetsJson` or `portsJson` and the path in it
 */
export function neutronNetworkProps(
  scopePath: string,
  id: string,
  networkJson: unknown,
  portsJson: unknown,
  options: DhcpNetworkFromNeutronOptions,
): { readonly network: DhcpNetworkProps; readonly ports: NeutronClientPort[] } {
  // The API wraps a network as {"network": {...}}.
  const shown = isObject(networkJson) && !('id' in networkJson) && isObject(networkJson.network) ? networkJson.network : networkJson;
  const embedded = isObject(shown) && Array.isArray(shown.subnets) && isObject(shown.subnets[0] ?? {});
  const fromCli = options.subnetsJson !== undefined || !embedded;
  const converted = fromCli
    ? networkFromOpenstackCli(networkJson, options.subnetsJson ?? [], portsJson)
    : networkFromNeutronJson({ ...(shown as object), ports: [] });
  const ports = fromCli ? { value: converted.value?.ports ?? [], issues: [] } : portsFromNeutronJson(portsJson);
  // Issue paths name the argument the value came from.
  const issues = [
    ...converted.issues.map((i) => ({
      ...i,
      path: fromCli ? i.path.replace(/^network/, 'networkJson').replace(/^subnets/, 'subnetsJson').replace(/^ports/, 'portsJson') : under('networkJson', i.path),
      allowed:
        fromCli && !options.subnetsJson && i.path.startsWith('network.subnets[')
          ? `${i.allowed}; networkJson lists subnet ids only: pass the subnets' \`openstack subnet show -f json\` output as the subnetsJson option`
          : i.allowed,
    })),
    ...ports.issues.map((i) => ({ ...i, path: under('portsJson', i.path) })),
  ];
  if (!converted.value || issues.length) throw invalidAt('dhcp network', id, scopePath ? `${scopePath}/${id}` : id, issues);
  const neutron = converted.value;
  const { subnetsJson: _s, ...props } = options;
  const dhcpPorts = (ports.value ?? []).filter((p) => p.deviceOwner === DEVICE_OWNER_DHCP);
  const network: DhcpNetworkProps = {
    ...props,
    networkId: neutron.id,
    name: props.name ?? neutron.name,
    mtu: props.mtu ?? (neutron.mtu || undefined),
    subnets: neutron.subnets.map((s) => ({
      id: s.id,
      cidr: s.cidr,
      gatewayIp: s.gatewayIp ?? undefined,
      enableDhcp: s.enableDhcp,
      dnsNameservers: [...s.dnsNameservers],
      hostRoutes: s.hostRoutes.map((r) => ({ ...r })),
      allocationPools: s.allocationPools.map((p) => ({ ...p })),
      ipv6AddressMode: s.ipv6AddressMode ?? undefined,
      ipv6RaMode: s.ipv6RaMode ?? undefined,
    })),
    dhcpPorts: props.agents.map((_, i) =>
      dhcpPorts[i] ? { id: dhcpPorts[i].id, macAddress: dhcpPorts[i].macAddress, ipAddresses: dhcpPorts[i].fixedIps.map((f) => f.ipAddress) } : {},
    ),
  };
  const clients: NeutronClientPort[] = [];
  for (const port of ports.value ?? []) {
    if (port.deviceOwner === DEVICE_OWNER_DHCP || !portRequiresDhcpConfiguration(port)) continue;
    const names = new Set((port.dnsAssignment ?? []).map((d) => d.hostname));
    clients.push({
      id: `port-${port.id}`,
      props: {
        portId: port.id,
        macAddress: port.macAddress,
        fixedIps: port.fixedIps.map((f) => ({ ipAddress: f.ipAddress, subnetId: f.subnetId })),
        hostname: names.size === 1 ? [...names][0] : undefined,
        deviceOwner: port.deviceOwner || undefined,
        // None at all stays unset, as for a port declared by hand (and as an imported port reads).
        extraDhcpOpts: port.extraDhcpOpts.length ? port.extraDhcpOpts.map((o) => ({ optName: o.optName, optValue: o.optValue, ipVersion: o.ipVersion })) : undefined,
      },
    });
  }
  return { network, ports: clients };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A converter's issue path (`(root)`, `[0].id`, `subnets[1].cidr`) under the argument it came from. */
function under(argument: string, path: string): string {
  if (path === '(root)') return argument;
  return path.startsWith('[') ? `${argument}${path}` : `${argument}.${path}`;
}
