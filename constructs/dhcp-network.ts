import { Lazy, type TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import { withDefaults } from '../src/model/agent-options';
import { ValidationError, type ValidationIssue } from '../src/model/errors';
import { dhcpAddressIssue } from '../src/model/dhcp-address';
import { canonicalIp, cidrContains, parseCidr } from '../src/model/ip';
import { bridgeName, dhcpPortId, dhcpPortMac, namespaceName, tapDeviceName, uuidV5 } from '../src/model/naming';
import { networkFromNeutronJson, networkFromOpenstackCli, portsFromNeutronJson } from '../src/model/neutron-json';
import { DEVICE_OWNER_DHCP, type AgentOptions, type Ipv6Mode, type Port, type Subnet } from '../src/model/types';
import { checkId, checkInterfaceName, checkIp, checkMac, checkSafeText, validateAgentOptions, validateNetwork } from '../src/model/validate';
import { portRequiresDhcpConfiguration } from '../src/dnsmasq';
import { allocateDhcpAddresses } from './dhcp-addresses';
import type { DhcpAgentNode } from './dhcp-agent-node';
import { DhcpPort } from './dhcp-port';
import { NetworkResource, type NetworkResourceConfig } from './l1/resources';
import { toTerraformAttributes } from './l1/attributes';
import { createCarrier } from './carrier';
import { checkUnlessToken, invalidAt, throwIfInvalid, unresolved } from './validation';

/** A route clients get in addition to the default route (classless static routes). */
export interface DhcpHostRoute {
  /** Destination network, CIDR form. */
  readonly destination: string;
  /** Next hop address. */
  readonly nexthop: string;
}

/** A range addresses are allocated from. */
export interface DhcpAllocationPool {
  /** First address. */
  readonly start: string;
  /** Last address. */
  readonly end: string;
}

/** A subnet of a {@link DhcpNetwork}. */
export interface DhcpSubnetProps {
  /** The subnet, CIDR form with host bits zero: `172.16.0.0/24`, `fd00:1::/64`. */
  readonly cidr: string;
  /**
   * Subnet id (neutron's, when migrating).
   * @default - a UUID derived from the network id and the CIDR
   */
  readonly id?: string;
  /**
   * The router clients get.
   * @default - none (`option:router` without a value)
   */
  readonly gatewayIp?: string;
  /**
   * Serve DHCP on this subnet.
   * @default true
   */
  readonly enableDhcp?: boolean;
  /**
   * DNS servers for clients; `['0.0.0.0']` (IPv4) or `['::']` (IPv6) announces none.
   * @default - none, or every DHCP server of the network when there are several agents
   */
  readonly dnsNameservers?: string[];
  /**
   * Extra routes for clients (options 121 and 249).
   * @default - none
   */
  readonly hostRoutes?: DhcpHostRoute[];
  /**
   * Ranges the DHCP ports' addresses are taken from.
   * @default - the whole subnet
   */
  readonly allocationPools?: DhcpAllocationPool[];
  /**
   * IPv6 address mode.
   * @default - none (DHCPv6 stateful behaviour, as neutron without modes)
   */
  readonly ipv6AddressMode?: Ipv6Mode;
  /**
   * IPv6 router advertisement mode.
   * @default - none
   */
  readonly ipv6RaMode?: Ipv6Mode;
}

/** The DHCP port of one agent: its id, MAC and addresses. */
export interface DhcpServerPort {
  /**
   * Port id; names the devices (`ns-`/`tap` + 11 characters).
   * @default - a UUID derived from the agent's host and the network id
   */
  readonly id?: string;
  /**
   * MAC of the `ns-…` device.
   * @default - `fa:16:3e:…` derived from the agent's host and the network id
   */
  readonly macAddress?: string;
  /**
   * The DHCP server's address on each DHCP-enabled subnet.
   * @default - allocated at synth time from the allocation pools, avoiding the gateway and every port address of the network
   */
  readonly ipAddresses?: string[];
}

/** Properties of a {@link DhcpNetwork}. */
export interface DhcpNetworkProps {
  /** The nodes that serve the network; more than one for high availability. */
  readonly agents: DhcpAgentNode[];
  /**
   * Network id (neutron's, when migrating); names the namespace `qdhcp-<id>`.
   * @default - a stable UUID derived from the construct path
   */
  readonly networkId?: string;
  /**
   * A name, for people.
   * @default - none
   */
  readonly name?: string;
  /**
   * An existing Linux bridge on every agent node to attach the network to. Exactly one of
   * `bridge` and `physicalInterface`.
   * @default - none
   */
  readonly bridge?: string;
  /**
   * An interface the agent enslaves to a bridge it creates, `brq<network-id[:11]>` (what
   * neutron's linuxbridge agent did; a longer id that is not a UUID gets a hash instead of the
   * cut). An interface with global addresses or another master is refused on the node (see
   * `takeOverPhysicalInterface`).
   * @default - none
   */
  readonly physicalInterface?: string;
  /**
   * Enslave `physicalInterface` (or its VLAN sub-interface) even when it has global addresses or
   * is another bridge's or bond's member: what it carries is cut off, perhaps the node's own SSH
   * address. Without it such an interface is refused, naming what was found.
   * @default false
   */
  readonly takeOverPhysicalInterface?: boolean;
  /**
   * With `physicalInterface`: enslave the VLAN sub-interface `<physicalInterface>.<vlanId>`.
   * @default - untagged
   */
  readonly vlanId?: number;
  /** The network's subnets; at least one with DHCP enabled. */
  readonly subnets: DhcpSubnetProps[];
  /**
   * Domain of the clients' names.
   * @default 'openstacklocal'
   */
  readonly dnsDomain?: string;
  /**
   * Lease time in seconds; -1 for infinite.
   * @default 86400
   */
  readonly leaseDurationSeconds?: number;
  /**
   * MTU advertised to clients and set on the DHCP devices.
   * @default - not advertised
   */
  readonly mtu?: number;
  /**
   * Upstream DNS servers dnsmasq forwards to.
   * @default - none
   */
  readonly dnsServers?: string[];
  /**
   * Route 169.254.169.254 to the DHCP server on isolated subnets.
   * @default false
   */
  readonly enableIsolatedMetadata?: boolean;
  /**
   * Always route 169.254.169.254 to the DHCP server.
   * @default false
   */
  readonly forceMetadata?: boolean;
  /**
   * Broadcast DHCP replies.
   * @default false
   */
  readonly broadcastReply?: boolean;
  /**
   * Cap of dnsmasq's lease count.
   * @default 16777216
   */
  readonly leaseMax?: number;
  /**
   * DHCP renewal time (T1) sent to clients.
   * @default - not sent
   */
  readonly renewalTimeSeconds?: number;
  /**
   * DHCP rebinding time (T2) sent to clients.
   * @default - not sent
   */
  readonly rebindingTimeSeconds?: number;
  /**
   * Let dnsmasq use the node's resolv.conf.
   * @default false
   */
  readonly localResolv?: boolean;
  /**
   * The agents' DHCP ports, in the order of `agents` (e.g. neutron's, when migrating).
   * @default - derived ids and MACs, addresses allocated at synth time
   */
  readonly dhcpPorts?: DhcpServerPort[];
}

/** Options of {@link DhcpNetwork.fromNeutron}. */
export interface DhcpNetworkFromNeutronOptions extends Omit<DhcpNetworkProps, 'subnets' | 'networkId' | 'dhcpPorts'> {
  /**
   * Subnets as `openstack subnet show -f json` prints them, when `networkJson` lists subnet ids
   * only (as `openstack network show -f json` does).
   * @default - the subnets embedded in `networkJson`
   */
  readonly subnetsJson?: unknown[];
}

/** Agent option names → the props that set them (for messages). */
const OPTION_PROPS: Record<string, string> = {
  dnsDomain: 'dnsDomain',
  dhcpLeaseDuration: 'leaseDurationSeconds',
  dnsmasqLeaseMax: 'leaseMax',
  dnsmasqDnsServers: 'dnsServers',
  dhcpRenewalTime: 'renewalTimeSeconds',
  dhcpRebindingTime: 'rebindingTimeSeconds',
};

/**
 * A network served by one or more {@link DhcpAgentNode}s, the way neutron's DHCP agent serves
 * it: per agent a namespace `qdhcp-<network-id>`, a veth pair on the bridge, the DHCP port's
 * addresses, the iptables CHECKSUM rule and one dnsmasq. Clients are {@link DhcpPort}s.
 *
 * @example
 * const net = new DhcpNetwork(stack, 'tenant-a', {
 *   agents: [node],
 *   bridge: 'br-lab',
 *   subnets: [{ cidr: '172.16.0.0/24', gatewayIp: '172.16.0.1', dnsNameservers: ['172.16.0.1'] }],
 *   mtu: 1500,
 * });
 */
export class DhcpNetwork extends Construct {
  /**
   * Builds a network and its client ports from `openstack … -f json` output (or neutron API
   * JSON): `networkJson` from `openstack network show -f json` (with `subnetsJson`) or one
   * object with embedded subnets; `portsJson` from `openstack port list --long -f json` or
   * `port show`. neutron's DHCP ports become the agents' DHCP ports, in order, so clients keep
   * their DHCP server address.
   *
   * @example
   * const net = DhcpNetwork.fromNeutron(stack, 'tenant-a', networkJson, portsJson, { agents: [node], bridge: 'br-lab' });
   */
  static fromNeutron(scope: Construct, id: string, networkJson: unknown, portsJson: unknown, options: DhcpNetworkFromNeutronOptions): DhcpNetwork {
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
    if (!converted.value || issues.length) throw invalidAt('dhcp network', id, scope.node.path ? `${scope.node.path}/${id}` : id, issues);
    const neutron = converted.value;
    const { subnetsJson: _s, ...props } = options;
    const dhcpPorts = (ports.value ?? []).filter((p) => p.deviceOwner === DEVICE_OWNER_DHCP);
    const net = new DhcpNetwork(scope, id, {
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
    });
    for (const port of ports.value ?? []) {
      if (port.deviceOwner === DEVICE_OWNER_DHCP || !portRequiresDhcpConfiguration(port)) continue;
      const names = new Set((port.dnsAssignment ?? []).map((d) => d.hostname));
      new DhcpPort(net, `port-${port.id}`, {
        network: net,
        portId: port.id,
        macAddress: port.macAddress,
        fixedIps: port.fixedIps.map((f) => ({ ipAddress: f.ipAddress, subnetId: f.subnetId })),
        hostname: names.size === 1 ? [...names][0] : undefined,
        deviceOwner: port.deviceOwner || undefined,
        // None at all stays unset, as for a port declared by hand (and as an imported port reads).
        extraDhcpOpts: port.extraDhcpOpts.length ? port.extraDhcpOpts.map((o) => ({ optName: o.optName, optValue: o.optValue, ipVersion: o.ipVersion })) : undefined,
      });
    }
    return net;
  }

  /** The network id; the namespace on every agent is `qdhcp-<networkId>`. */
  readonly networkId: string;
  /** The namespace on every agent. */
  readonly namespace: string;
  readonly agents: readonly DhcpAgentNode[];
  /** The subnets, with ids and defaults filled in. */
  readonly subnets: readonly Subnet[];
  /** The agent options the network is served with (neutron names, camelCase). */
  readonly options: AgentOptions;
  /** One `dhcpagent_network` per provider-mode agent, in the order of `agents` (escape hatch). */
  readonly resources: readonly NetworkResource[];
  /**
   * Per agent, in the order of `agents`: its `dhcpagent_network`, or in provisioner mode the
   * carrier that runs the network handler (escape hatch; ports depend on these).
   */
  readonly elements: readonly TerraformResource[];
  private readonly _ports: DhcpPort[] = [];
  private readonly dhcpServerPorts: { id: string; macAddress: string; fixed?: readonly string[] }[];
  private readonly allocatable: boolean;

  constructor(scope: Construct, id: string, props: DhcpNetworkProps) {
    super(scope, id);
    const issues: ValidationIssue[] = [];
    const agents = props.agents ?? [];
    if (agents.length === 0) issues.push({ path: 'agents', value: agents.length, allowed: 'at least one DhcpAgentNode to serve the network' });
    if (new Set(agents).size !== agents.length) issues.push({ path: 'agents', value: agents.map((a) => a.node.path), allowed: 'each agent once' });
    agents.forEach((a, i) => {
      if (a.goneForGood) issues.push({ path: `agents[${i}]`, value: a.node.path, allowed: 'a node that is not declared goneForGood (take a gone node out of agents)' });
    });
    this.networkId = props.networkId ?? uuidV5(`network/${this.node.path}`);
    checkUnlessToken(issues, this.networkId, (v) => checkId(v, 'networkId'));
    const hasBridge = props.bridge !== undefined;
    const hasPhysical = props.physicalInterface !== undefined;
    if (hasBridge === hasPhysical) {
      issues.push({ path: hasBridge ? 'physicalInterface' : 'bridge', value: hasBridge ? props.physicalInterface : props.bridge, allowed: 'exactly one of bridge and physicalInterface' });
    }
    checkUnlessToken(issues, props.bridge, (b) => (b === undefined ? null : checkInterfaceName(b, 'bridge')));
    checkUnlessToken(issues, props.physicalInterface, (b) => (b === undefined ? null : checkInterfaceName(b, 'physicalInterface')));
    checkUnlessToken(issues, props.takeOverPhysicalInterface, (v) =>
      v === undefined || (typeof v === 'boolean' && (hasPhysical || !v)) ? null : { path: 'takeOverPhysicalInterface', value: v, allowed: 'true or false, and true only with physicalInterface' },
    );
    checkUnlessToken(issues, props.vlanId, (v) =>
      v === undefined
        ? null
        : !hasPhysical
          ? { path: 'vlanId', value: v, allowed: 'unset, unless physicalInterface is set' }
          : !(Number.isInteger(v) && v >= 1 && v <= 4094)
            ? { path: 'vlanId', value: v, allowed: 'a VLAN id from 1 to 4094' }
            : typeof props.physicalInterface === 'string' && !unresolved(props.physicalInterface) && `${props.physicalInterface}.${v}`.length > 15
              ? { path: 'vlanId', value: v, allowed: `a VLAN id short enough that "${props.physicalInterface}.<vlan>" fits Linux's 15-character interface names` }
              : null,
    );

    this.subnets = (props.subnets ?? []).map((s) => ({
      id: s.id ?? uuidV5(`subnet/${this.networkId}/${s.cidr}`),
      cidr: s.cidr,
      ipVersion: parseCidr(s.cidr)?.version ?? (s.cidr?.includes(':') ? 6 : 4),
      gatewayIp: s.gatewayIp ?? null,
      enableDhcp: s.enableDhcp ?? true,
      dnsNameservers: s.dnsNameservers ?? [],
      hostRoutes: s.hostRoutes ?? [],
      allocationPools: s.allocationPools ?? [],
      ipv6AddressMode: s.ipv6AddressMode ?? null,
      ipv6RaMode: s.ipv6RaMode ?? null,
    }));
    if (this.subnets.length === 0) issues.push({ path: 'subnets', value: [], allowed: 'at least one subnet' });
    else if (!this.subnets.some((s) => s.enableDhcp)) issues.push({ path: 'subnets', value: this.subnets.map((s) => s.cidr), allowed: 'at least one subnet with enableDhcp' });
    if (!unresolved(props.subnets)) {
      const name = unresolved(props.name) ? undefined : props.name;
      issues.push(...validateNetwork({ id: this.networkId, name, mtu: unresolved(props.mtu) ? undefined : props.mtu, subnets: this.subnets, ports: [] }).filter((i) => i.path !== 'id'));
    } else checkUnlessToken(issues, props.name, (n) => (n === undefined ? null : checkSafeText(n, 'name')));

    this.options = withDefaults({
      dnsDomain: props.dnsDomain,
      dhcpLeaseDuration: props.leaseDurationSeconds,
      dnsmasqLeaseMax: props.leaseMax,
      dnsmasqDnsServers: props.dnsServers,
      dnsmasqLocalResolv: props.localResolv,
      enableIsolatedMetadata: props.enableIsolatedMetadata,
      forceMetadata: props.forceMetadata,
      dhcpBroadcastReply: props.broadcastReply,
      dhcpRenewalTime: props.renewalTimeSeconds,
      dhcpRebindingTime: props.rebindingTimeSeconds,
    });
    if (!unresolved(this.options)) {
      for (const i of validateAgentOptions(this.options)) {
        const [head, ...rest] = i.path.split('.');
        issues.push({ ...i, path: [OPTION_PROPS[head.replace(/\[.*$/, '')] ?? head, ...rest].join('.') + (head.includes('[') ? head.slice(head.indexOf('[')) : '') });
      }
    }

    const dhcpPorts = props.dhcpPorts ?? [];
    if (dhcpPorts.length > agents.length) {
      issues.push({ path: 'dhcpPorts', value: dhcpPorts, allowed: `at most one entry per agent, in the order of agents (${agents.length} agent(s))` });
    }
    // Allocation reads these at synth time; with a token among them the given addresses are used as they are.
    this.allocatable = !unresolved([this.subnets.map((s) => [s.cidr, s.enableDhcp, s.gatewayIp, s.allocationPools]), dhcpPorts.map((p) => p.ipAddresses)]);
    const givenIps = new Map<string, string>();
    const givenMacs = new Map<string, string>();
    this.dhcpServerPorts = agents.map((agent, i) => {
      const given = dhcpPorts[i] ?? {};
      const at = `dhcpPorts[${i}]`;
      checkUnlessToken(issues, given.id, (v) => (v === undefined ? null : checkId(v, `${at}.id`)));
      checkUnlessToken(issues, given.macAddress, (v) =>
        v === undefined ? null : (checkMac(v, `${at}.macAddress`) ?? firstUse(givenMacs, v.toLowerCase(), `${at}.macAddress`, v, "a MAC address not given to another agent's DHCP port")),
      );
      const ownSubnets = new Map<string, string>();
      (given.ipAddresses ?? []).forEach((ip, j) =>
        checkUnlessToken(issues, ip, (v) => {
          const path = `${at}.ipAddresses[${j}]`;
          return checkIp(v, path) ?? (this.allocatable ? checkDhcpServerAddress(v, path, this.subnets, ownSubnets, givenIps) : null);
        }),
      );
      if (!this.allocatable && agents.length > 1 && given.ipAddresses === undefined) {
        issues.push({
          path: `${at}.ipAddresses`,
          value: undefined,
          allowed:
            "the agent's DHCP server address on each DHCP-enabled subnet, in subnet order: a subnet's cidr, gatewayIp, enableDhcp or allocationPools, " +
            'or a DHCP address given in dhcpPorts, is a token, so distinct addresses for several agents cannot be chosen at synth time',
        });
      }
      return {
        id: given.id ?? dhcpPortId(agent.host, this.networkId),
        macAddress: given.macAddress ?? dhcpPortMac(agent.host, this.networkId),
        fixed: given.ipAddresses,
      };
    });
    if (issues.length === 0) issues.push(...claimNodeNames(this, agents, this.networkId, this.dhcpServerPorts.map((p) => p.id), hasPhysical));
    throwIfInvalid('dhcp network', this, issues);

    this.agents = agents;
    this.namespace = namespaceName(this.networkId);
    // Attributes of agent i's network, as the provider takes them. `addresses` given: concrete
    // values (portable mode's payload); else synth-time Lazy values (provider mode).
    const attributes = (i: number, addresses?: string[][]): NetworkResourceConfig => {
      const self = this.dhcpServerPorts[i];
      return {
        node: agents[i].connection,
        networkId: this.networkId,
        name: props.name,
        mtu: props.mtu,
        dnsDomain: props.dnsDomain,
        subnets: this.subnets.map((s) => ({
          id: s.id,
          cidr: s.cidr,
          ipVersion: s.ipVersion,
          gatewayIp: s.gatewayIp ?? undefined,
          enableDhcp: s.enableDhcp,
          dnsNameservers: s.dnsNameservers.length ? [...s.dnsNameservers] : undefined,
          hostRoutes: s.hostRoutes.length ? s.hostRoutes.map((r) => ({ ...r })) : undefined,
          allocationPools: s.allocationPools.length ? s.allocationPools.map((p) => ({ ...p })) : undefined,
          ipv6AddressMode: s.ipv6AddressMode ?? undefined,
          ipv6RaMode: s.ipv6RaMode ?? undefined,
        })),
        dhcpPortId: self.id,
        dhcpMacAddress: self.macAddress,
        // Empty only when nothing can be chosen at synth time: then the provider picks the address.
        dhcpIpAddresses: addresses
          ? addresses[i].length
            ? addresses[i]
            : undefined
          : Lazy.listValue({ produce: () => this.dhcpAddresses()[i] }, { omitEmpty: true }),
        peerDhcpPorts:
          agents.length < 2
            ? undefined
            : addresses
              ? this.dhcpServerPorts.flatMap((p, j) => (j === i ? [] : [{ id: p.id, macAddress: p.macAddress, ipAddresses: addresses[j] }]))
              : (Lazy.anyValue({
                  // Resolved after attribute conversion: written in Terraform's snake_case already.
                  produce: () => {
                    const all = this.dhcpAddresses();
                    return this.dhcpServerPorts.flatMap((p, j) => (j === i ? [] : [{ id: p.id, mac_address: p.macAddress, ip_addresses: all[j] }]));
                  },
                }) as unknown as { id: string; macAddress: string; ipAddresses: string[] }[]),
        bridge: props.bridge,
        physicalInterface: props.physicalInterface,
        vlanId: props.vlanId,
        takeOverPhysicalInterface: props.takeOverPhysicalInterface,
        leaseDurationSeconds: props.leaseDurationSeconds,
        leaseMax: props.leaseMax,
        dnsServers: props.dnsServers,
        localResolv: props.localResolv,
        enableIsolatedMetadata: props.enableIsolatedMetadata,
        forceMetadata: props.forceMetadata,
        broadcastReply: props.broadcastReply,
        renewalTimeSeconds: props.renewalTimeSeconds,
        rebindingTimeSeconds: props.rebindingTimeSeconds,
      };
    };
    this.elements = agents.map((agent, i) =>
      agent.mode === 'provider'
        ? new NetworkResource(this, `on-${agent.node.id}`, { ...attributes(i), provider: agent.provider, dependsOn: [agent.element] })
        : createCarrier(this, `on-${agent.node.id}`, {
            kind: 'network',
            type: agent.carrierType,
            dependsOn: [agent.element],
            payload: () => toTerraformAttributes(attributes(i, this.dhcpAddresses())) as Record<string, unknown>,
          }),
    );
    this.resources = this.elements.filter((e): e is NetworkResource => e instanceof NetworkResource);
  }

  /** The client ports declared on this network so far. */
  get ports(): readonly DhcpPort[] {
    return this._ports;
  }

  /** @internal Called by DhcpPort. */
  _addPort(port: DhcpPort): void {
    this._ports.push(port);
  }

  /** The DHCP ports of the agents as ports of the network (for validation of client ports). */
  dhcpServerPortModels(): Port[] {
    return this.dhcpServerPorts.map((p) => ({
      id: p.id,
      macAddress: p.macAddress,
      fixedIps: (p.fixed ?? []).map((ip) => ({ subnetId: this.subnets.find((s) => cidrContains(s.cidr, ip))?.id ?? '', ipAddress: ip })),
      deviceOwner: DEVICE_OWNER_DHCP,
      extraDhcpOpts: [],
    }));
  }

  /**
   * Each agent's DHCP server address on each DHCP-enabled subnet, in the order of `agents`:
   * given in `dhcpPorts`, or allocated from the allocation pools avoiding the gateway and every
   * port address declared on the network (addresses given as tokens cannot be avoided). Call
   * after all ports are declared (synthesis does). When a subnet's cidr, gatewayIp, enableDhcp
   * or allocationPools, or an address given in `dhcpPorts`, is a token: the addresses given in
   * `dhcpPorts`, as they are (a single agent without them gets the provider's default address).
   *
   * @throws ValidationError when a subnet has no free address left for an agent
   */
  dhcpAddresses(): string[][] {
    if (!this.allocatable) return this.dhcpServerPorts.map((p) => [...(p.fixed ?? [])]);
    const taken = this._ports.flatMap((p) => p.fixedIps.map((f) => f.ipAddress));
    try {
      return allocateDhcpAddresses(this.subnets, this.agents.length, this.dhcpServerPorts.map((p) => p.fixed), taken);
    } catch (err) {
      if (err instanceof ValidationError) throw invalidAt('dhcp network', this.node.id, this.node.path, err.issues);
      throw err;
    }
  }

  /** The `dhcpagent_network` of `agent`. */
  resourceFor(agent: DhcpAgentNode): NetworkResource {
    const i = this.agents.indexOf(agent);
    if (i < 0) throw new Error(`dhcp network '${this.node.id}' (${this.node.path}): resourceFor: got agent ${agent.node.path}; one of the network's agents (${this.agents.map((a) => a.node.path).join(', ')})`);
    const element = this.elements[i];
    if (!(element instanceof NetworkResource)) {
      throw new Error(`dhcp network '${this.node.id}' (${this.node.path}): resourceFor: got agent ${agent.node.path}, which is in provisioner mode; its carrier is elements[${i}]`);
    }
    return element;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A converter's issue path (`(root)`, `[0].id`, `subnets[1].cidr`) under the argument it came from. */
function under(argument: string, path: string): string {
  if (path === '(root)') return argument;
  return path.startsWith('[') ? `${argument}${path}` : `${argument}.${path}`;
}

/** `value` seen first at `path`, or an issue naming where it was seen before. */
function firstUse(seen: Map<string, string>, key: string, path: string, value: unknown, allowed: string): ValidationIssue | null {
  const before = seen.get(key);
  if (before !== undefined) return { path, value, allowed: `${allowed} (${before} has it)` };
  seen.set(key, path);
  return null;
}

/**
 * A DHCP server address given in `dhcpPorts`: where a DHCP address may be (model/dhcp-address;
 * client ports are checked against it by DhcpPort), one per subnet, each used once.
 */
function checkDhcpServerAddress(ip: string, path: string, subnets: readonly Subnet[], ownSubnets: Map<string, string>, givenIps: Map<string, string>): ValidationIssue | null {
  const bad = dhcpAddressIssue(ip, path, subnets);
  if (bad) return bad;
  const subnet = subnets.find((s) => s.enableDhcp && cidrContains(s.cidr, ip))!;
  const twin = ownSubnets.get(subnet.id);
  if (twin !== undefined) return { path, value: ip, allowed: `one address per subnet (${twin} is on ${subnet.cidr} already)` };
  ownSubnets.set(subnet.id, path);
  return firstUse(givenIps, canonicalIp(ip) ?? ip, path, ip, "an address not given to another agent's DHCP port");
}

/** What each agent node already serves in this app: network ids and device names, by owner. */
const nodeNames = new WeakMap<DhcpAgentNode, Map<string, string>>();

/**
 * One network id per node, and device names (tap of the DHCP port, agent-made bridge) that no
 * other network on the node derives: neutron's names keep 11 characters of a UUID, so two ids
 * can share one. Refused at synth with both names; the node refuses it as well.
 */
function claimNodeNames(net: Construct, agents: readonly DhcpAgentNode[], networkId: string, dhcpPortIds: readonly string[], ownBridge: boolean): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (unresolved([networkId, dhcpPortIds])) return issues;
  const me = `network ${net.node.path} (id ${networkId})`;
  agents.forEach((agent, i) => {
    const names = nodeNames.get(agent) ?? new Map<string, string>();
    nodeNames.set(agent, names);
    const claims: [string, string, string, unknown][] = [
      [`network id ${networkId}`, 'networkId', 'a network id no other network on this node has', networkId],
      [`device ${tapDeviceName(dhcpPortIds[i])}`, `dhcpPorts[${i}].id`, `a DHCP port id whose device name (${tapDeviceName(dhcpPortIds[i])}) no other network on node ${agent.node.path} derives`, dhcpPortIds[i]],
    ];
    if (ownBridge) claims.push([`device ${bridgeName(networkId)}`, 'networkId', `a network id whose bridge name (${bridgeName(networkId)}) no other network on node ${agent.node.path} derives`, networkId]);
    for (const [key, path, allowed, value] of claims) {
      const owner = names.get(key);
      if (owner) issues.push({ path, value, allowed: `${allowed}; ${owner} has ${key.startsWith('device') ? `that ${key}` : 'it'}` });
    }
    if (issues.length === 0) for (const [key] of claims) names.set(key, me);
  });
  return issues;
}
