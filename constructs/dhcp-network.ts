import { Lazy, type TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import { NETWORK_AGENT_OPTIONS, withDefaults, type AgentOptionProp } from '../src/model/agent-options';
import { ValidationError, isError, type ValidationIssue } from '../src/model/errors';
import { dhcpAddressIssue } from '../src/model/dhcp-address';
import { canonicalIp, cidrContains, parseCidr } from '../src/model/ip';
import { bridgeName, dhcpPortId, dhcpPortMac, namespaceName, tapDeviceName, uuidV5 } from '../src/model/naming';
import { DEVICE_OWNER_DHCP, type AgentOptions, type Port, type Subnet } from '../src/model/types';
import { checkId, checkInterfaceName, checkIp, checkMac, checkSafeText, validateAgentOptions, validateMetadata, validateNetwork } from '../src/model/validate';
import { allocateDhcpAddresses } from './dhcp-addresses';
import type { DhcpAgentNode } from './dhcp-agent-node';
import type { IDhcpNetwork } from './dhcp-network-base';
import { neutronNetworkProps, type DhcpNetworkFromNeutronOptions } from './dhcp-network-from-neutron';
import type { DhcpNetworkProps } from './dhcp-network-props';
import { DhcpPort } from './dhcp-port';
import { NetworkResource, type NetworkResourceConfig } from './l1/resources';
import { toTerraformAttributes } from './l1/attributes';
import { createCarrier } from './carrier';
import { checkUnlessToken, invalidAt, throwIfInvalid, unresolved } from './validation';

export type { DhcpNetworkFromNeutronOptions } from './dhcp-network-from-neutron';
export type { DhcpAllocationPool, DhcpHostRoute, DhcpNetworkProps, DhcpServerPort, DhcpSubnetProps } from './dhcp-network-props';

/** Agent option fields → the props that set them (for messages). */
const OPTION_PROPS: Readonly<Record<string, string>> = Object.fromEntries(NETWORK_AGENT_OPTIONS.map((o) => [o.field, o.prop]));

/** The agent option props as given: the network resource's attributes of the same names. */
function optionProps(props: DhcpNetworkProps): Pick<DhcpNetworkProps, AgentOptionProp> {
  return Object.fromEntries(NETWORK_AGENT_OPTIONS.map((o) => [o.prop, props[o.prop]]));
}

/** An agent's own port on the network, ids and MAC filled in; `fixed`: the addresses given in `dhcpPorts`. */
interface ServerPort {
  readonly id: string;
  readonly macAddress: string;
  readonly fixed?: readonly string[];
}

/**
 * A network served by one or more {@link DhcpAgentNode}s, the way neutron's DHCP agent serves
 * it: per agent a namespace `qdhcp-<network-id>`, a veth pair on the bridge, the agent's own
 * port (neutron's "DHCP port", see `DhcpServerPort`) with its addresses, the iptables
 * CHECKSUM rule and one dnsmasq. Clients are {@link DhcpPort}s. Escape hatches: `resources`
 * and `resourceFor()` (the `dhcpagent_network` L1 resources), `elements` (with carriers in
 * provisioner mode).
 *
 * @example
 * const net = new DhcpNetwork(stack, 'tenant-a', {
 *   agents: [node],
 *   bridge: 'br-lab',
 *   subnets: [{ cidr: '172.16.0.0/24', gatewayIp: '172.16.0.1', dnsNameservers: ['172.16.0.1'] }],
 *   mtu: 1500,
 * });
 */
export class DhcpNetwork extends Construct implements IDhcpNetwork {
  /**
   * Builds a network and its client ports from `openstack … -f json` output (or neutron API
   * JSON): `networkJson` from `openstack network show -f json` (with `subnetsJson`) or one
   * object with embedded subnets; `portsJson` from `openstack port list --long -f json` or
   * `port show`. neutron's DHCP ports become the agents' DHCP ports, in order, so clients keep
   * their DHCP server address. The conversion is in dhcp-network-from-neutron.ts.
   *
   * @example
   * const net = DhcpNetwork.fromNeutron(stack, 'tenant-a', networkJson, portsJson, { agents: [node], bridge: 'br-lab' });
   */
  static fromNeutron(scope: Construct, id: string, networkJson: unknown, portsJson: unknown, options: DhcpNetworkFromNeutronOptions): DhcpNetwork {
    const converted = neutronNetworkProps(scope.node.path, id, networkJson, portsJson, options);
    const net = new DhcpNetwork(scope, id, converted.network);
    for (const port of converted.ports) new DhcpPort(net, port.id, { network: net, ...port.props });
    return net;
  }

  /** The network id; the namespace on every agent is `qdhcp-<networkId>`. */
  readonly networkId: string;
  /** The namespace on every agent. */
  readonly namespace: string;
  /** The nodes that serve the network, in the order of the `agents` prop. */
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
  /** Whether the network's resources hold its ports (`portsInline`). */
  readonly portsInline: boolean;
  private readonly _ports: DhcpPort[] = [];
  /** The agents' own ports (neutron's DHCP ports), in the order of `agents`. */
  private readonly dhcpServerPorts: readonly ServerPort[];
  /** Whether DHCP addresses can be allocated at synth time (no token among what allocation reads). */
  private readonly allocatable: boolean;

  constructor(scope: Construct, id: string, props: DhcpNetworkProps) {
    super(scope, id);
    const issues: ValidationIssue[] = [];
    const agents = props.agents ?? [];
    checkAgents(agents, issues);
    this.networkId = props.networkId ?? uuidV5(`network/${this.node.path}`);
    checkUnlessToken(issues, this.networkId, (v) => checkId(v, 'networkId'));
    checkAttachment(props, issues);
    this.subnets = this.configureSubnets(props, issues);
    this.options = configureOptions(props, issues);
    if (!unresolved([props.metadata, this.options.enableIsolatedMetadata, this.options.forceMetadata, this.subnets.map((s) => [s.enableDhcp, s.ipVersion])])) {
      issues.push(...validateMetadata(props.metadata, this.options, { subnets: this.subnets }, 'metadata'));
    }
    const dhcpPorts = props.dhcpPorts ?? [];
    // Allocation reads these at synth time; with a token among them the given addresses are used as they are.
    this.allocatable = !unresolved([this.subnets.map((s) => [s.cidr, s.enableDhcp, s.gatewayIp, s.allocationPools]), dhcpPorts.map((p) => p.ipAddresses)]);
    this.dhcpServerPorts = this.configureDhcpServerPorts(agents, props, issues);
    if (issues.length === 0) issues.push(...claimNodeNames(this, agents, this.networkId, this.dhcpServerPorts.map((p) => p.id), props.physicalInterface !== undefined));
    throwIfInvalid('dhcp network', this, issues);

    this.agents = agents;
    this.namespace = namespaceName(this.networkId);
    this.portsInline = props.portsInline === true;
    this.elements = agents.map((agent, i) =>
      agent.mode === 'provider'
        ? new NetworkResource(this, `on-${agent.node.id}`, { ...this.renderAttributes(props, i), provider: agent.provider, dependsOn: [agent.element] })
        : createCarrier(this, `on-${agent.node.id}`, {
            kind: 'network',
            type: agent.carrierType,
            dependsOn: [agent.element],
            payload: () => toTerraformAttributes(this.renderAttributes(props, i, this.dhcpAddresses())) as Record<string, unknown>,
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
      if (isError(err, ValidationError)) throw invalidAt('dhcp network', this.node.id, this.node.path, err.issues);
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

  /** The subnets with ids and defaults filled in; checks their count and, through the model, each subnet and the name and MTU. */
  private configureSubnets(props: DhcpNetworkProps, issues: ValidationIssue[]): Subnet[] {
    const subnets = (props.subnets ?? []).map((s) => ({
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
    if (subnets.length === 0) issues.push({ path: 'subnets', value: [], allowed: 'at least one subnet' });
    else if (!subnets.some((s) => s.enableDhcp)) issues.push({ path: 'subnets', value: subnets.map((s) => s.cidr), allowed: 'at least one subnet with enableDhcp' });
    if (!unresolved(props.subnets)) {
      const name = unresolved(props.name) ? undefined : props.name;
      const ipv6RouterAdvertisements = unresolved(props.ipv6RouterAdvertisements) ? undefined : props.ipv6RouterAdvertisements;
      issues.push(...validateNetwork({ id: this.networkId, name, mtu: unresolved(props.mtu) ? undefined : props.mtu, subnets, ports: [], ipv6RouterAdvertisements }).filter((i) => i.path !== 'id'));
    } else checkUnlessToken(issues, props.name, (n) => (n === undefined ? null : checkSafeText(n, 'name')));
    return subnets;
  }

  /**
   * Each agent's own port: given in `dhcpPorts` (checked: id, MAC and addresses, each used by one
   * agent only) or derived from the agent's host and the network id.
   */
  private configureDhcpServerPorts(agents: readonly DhcpAgentNode[], props: DhcpNetworkProps, issues: ValidationIssue[]): ServerPort[] {
    const dhcpPorts = props.dhcpPorts ?? [];
    if (dhcpPorts.length > agents.length) {
      issues.push({ path: 'dhcpPorts', value: dhcpPorts, allowed: `at most one entry per agent, in the order of agents (${agents.length} agent(s))` });
    }
    const givenIps = new Map<string, string>();
    const givenMacs = new Map<string, string>();
    return agents.map((agent, i) => {
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
  }

  /**
   * Attributes of agent i's network, as the provider takes them. `addresses` given: concrete
   * values (portable mode's payload); else synth-time Lazy values (provider mode).
   */
  private renderAttributes(props: DhcpNetworkProps, i: number, addresses?: string[][]): NetworkResourceConfig {
    const self = this.dhcpServerPorts[i];
    return {
      node: this.agents[i].connection,
      networkId: this.networkId,
      name: props.name,
      mtu: props.mtu,
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
        this.agents.length < 2
          ? undefined
          : addresses
            ? this.dhcpServerPorts.flatMap((p, j) => (j === i ? [] : [{ id: p.id, macAddress: p.macAddress, ipAddresses: addresses[j] }]))
            : Lazy.anyValue({
                // Resolved after attribute conversion: written in Terraform's snake_case already.
                produce: () => {
                  const all = this.dhcpAddresses();
                  return this.dhcpServerPorts.flatMap((p, j) => (j === i ? [] : [{ id: p.id, mac_address: p.macAddress, ip_addresses: all[j] }]));
                },
              }),
      bridge: props.bridge,
      physicalInterface: props.physicalInterface,
      vlanId: props.vlanId,
      takeOverPhysicalInterface: props.takeOverPhysicalInterface,
      ipv6RouterAdvertisements: props.ipv6RouterAdvertisements,
      metadataBackendUrl: props.metadata?.backendUrl,
      metadataBackendSocket: props.metadata?.backendSocket,
      metadataBuiltin: props.metadata?.builtin,
      ...optionProps(props),
      ports: this.inlinePorts(addresses !== undefined),
    };
  }

  /**
   * The inline `ports` attribute: the ports declared by synthesis (concrete for a portable
   * mode payload, a synth-time Lazy otherwise); unset when the ports are resources of their own.
   */
  private inlinePorts(concrete: boolean): NetworkResourceConfig['ports'] {
    if (!this.portsInline) return undefined;
    if (concrete) return this._ports.map((p) => p.inlineAttributes());
    // Resolved after attribute conversion: written in Terraform's snake_case already.
    return Lazy.anyValue({ produce: () => this._ports.map((p) => toTerraformAttributes(p.inlineAttributes())) });
  }
}

/** At least one agent, each once, none declared goneForGood. */
function checkAgents(agents: readonly DhcpAgentNode[], issues: ValidationIssue[]): void {
  if (agents.length === 0) issues.push({ path: 'agents', value: agents.length, allowed: 'at least one DhcpAgentNode to serve the network' });
  if (new Set(agents).size !== agents.length) issues.push({ path: 'agents', value: agents.map((a) => a.node.path), allowed: 'each agent once' });
  agents.forEach((a, i) => {
    if (a.goneForGood) issues.push({ path: `agents[${i}]`, value: a.node.path, allowed: 'a node that is not declared goneForGood (take a gone node out of agents)' });
  });
}

/** Where the network attaches on each node: exactly one of bridge and physicalInterface, with the VLAN and take-over options that go with the latter. */
function checkAttachment(props: DhcpNetworkProps, issues: ValidationIssue[]): void {
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
}

/** The agent options of the network (props → neutron's names, defaults filled in), checked; issues name the prop that set the option. */
function configureOptions(props: DhcpNetworkProps, issues: ValidationIssue[]): AgentOptions {
  const options = withDefaults(Object.fromEntries(NETWORK_AGENT_OPTIONS.map((o) => [o.field, props[o.prop]])));
  if (!unresolved(options)) {
    for (const i of validateAgentOptions(options)) {
      const [head, ...rest] = i.path.split('.');
      issues.push({ ...i, path: [OPTION_PROPS[head.replace(/\[.*$/, '')] ?? head, ...rest].join('.') + (head.includes('[') ? head.slice(head.indexOf('[')) : '') });
    }
  }
  return options;
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
