/**
 * `dhcpagent_network`: one network served by one node — namespace `qdhcp-<network-id>`, veth
 * pair, bridge attachment, addresses, CHECKSUM rule, dnsmasq files and process.
 */
import type { NetworkSpec } from '../../agent/spec';
import { AgentStepError, ExistsError } from '../../agent/errors';
import { PrerequisiteError } from '../../agent/node';
import { HostError } from '../../host/types';
import { deriveNetwork } from '../../agent/network-script';
import { deleteNetwork, type NetworkState } from '../../agent/network';
import { applyNetworkWithPorts, readNetworkWithPorts } from '../../agent/inline-ports';
import { effectivePort } from '../../agent/effective-port';
import type { PortSpec } from '../../agent/spec';
import { discoverNetwork } from '../../agent/discover';
import { dhcpAddressIssues, ownPortIdIssue, validateNetworkSpec, validatePortSpec } from '../../agent/validate-spec';
import { readContext } from '../../agent/stored-network';
import { ValidationError, isError, type ValidationIssue } from '../../model/errors';
import { NETWORK_AGENT_OPTIONS, withDefaults, type AgentOptionRow } from '../../model/agent-options';
import { addressAt, cidrContains, ipVersionOf, parseCidr } from '../../model/ip';
import { checkMetadataBackendSocket, checkMetadataBackendUrl } from '../../model/validate';
import { dhcpPortId, dhcpPortMac, uuidV5 } from '../../model/naming';
import { DEFAULT_AGENT_OPTIONS, DEVICE_OWNER_DHCP, type AgentOptions, type IpVersion, type Ipv6Mode, type Port, type Subnet } from '../../model/types';
import { UNKNOWN, isUnknown, t, type JsonValue, type ObjectValue, type Value } from '../cty';
import { errorDiagnostic, hasErrors } from '../diagnostics';
import type { ResourceType } from '../resource';
import type { Schema } from '../schema';
import { renamesOf, schemaOf, type PathRenames, type Row, type Table } from '../table';
import { connectionFromValue, connectionToValue, hostFor, nodeLabel, nodeRow, normaliseNode, validateNode, type NodeConnection } from './connection';
import { forgottenWarning, goneError, isGone, keepWhenUnreachable, onNode, planDiagnostics, reachedPrivate } from './reachability';
import { DRIFT_DESCRIPTION, planWithDrift, operationLabel } from './drift-plan';
import { attributePathFor, diagnosticsFor, importHint } from './errors';
import { PORT_ID_DESCRIPTION, PORT_RENAMES, normalisePortFields, portFieldRows, portSpecFromValue } from './port';
import { parseImportId } from './import-id';
import { readOptions, writing } from './gathered';
import { bool, known, list, num, obj, str, strings } from './values';

const OBSERVED = ['dnsmasq_pid', 'port_count'];
const DERIVED = ['id', 'namespace', 'interface_name', 'tap_name', 'bridge_name', 'addresses'];

const CTY_OF_KIND = { string: t.string, integer: t.number, boolean: t.bool, ipList: t.list(t.string) } as const;

/** The row of an agent option a network sets (`AGENT_OPTIONS`: names, type, description; the handler applies the default). */
function optionRow(field: keyof AgentOptions): Row {
  const o = NETWORK_AGENT_OPTIONS.find((x) => x.field === field)!;
  return { name: o.attribute, type: CTY_OF_KIND[o.kind], presence: 'optional', default: DEFAULT_AGENT_OPTIONS[field] as JsonValue, spec: [`options.${o.field}`], description: o.description };
}

const IPV6_MODES_DOC = '`slaac`, `dhcpv6-stateful` or `dhcpv6-stateless` (IPv6 only).';

export const networkTable: Table = {
  version: 0,
  description:
    'A network served by one node, the way neutron\'s DHCP agent serves it: namespace `qdhcp-<network_id>`, a veth pair (`tap…` on the bridge, `ns-…` inside), the DHCP port\'s addresses, the iptables CHECKSUM rule, the dnsmasq files (host, addn_hosts, opts, leases) and one dnsmasq. Client ports are `dhcpagent_port` resources. `terraform plan` reads the node and shows any drift (dead dnsmasq, missing namespace, edited files) as an in-place update that `apply` repairs.',
  rows: [
    { name: 'id', type: t.string, presence: 'computed', description: '`<host>:<port>/<network_id>`.' },
    nodeRow('options.statePath'),
    {
      name: 'network_id',
      type: t.string,
      presence: 'required',
      replace: true,
      spec: ['network.id'],
      description: 'The network\'s id (a UUID, or `[a-z0-9-]{1,36}`); names the namespace `qdhcp-<network_id>`.',
    },
    { name: 'name', type: t.string, presence: 'optional', spec: ['network.name'], description: 'A name, for people.' },
    {
      name: 'mtu',
      type: t.number,
      presence: 'optional',
      spec: ['network.mtu'],
      description: 'MTU of the network, advertised to clients (`option:mtu`) and set on the veth pair. `0` or unset: not advertised.',
    },
    optionRow('dnsDomain'),
    {
      name: 'subnets',
      presence: 'required',
      spec: ['network.subnets'],
      description: 'The network\'s subnets.',
      nested: {
        nesting: 'list',
        rows: [
          { name: 'id', type: t.string, presence: 'optional+computed', description: 'Subnet id. Default: a UUID derived from the network id and the CIDR.' },
          { name: 'cidr', type: t.string, presence: 'required', description: 'e.g. `172.16.0.0/24` or `fd00:1::/64`.' },
          { name: 'ip_version', type: t.number, presence: 'optional+computed', description: '`4` or `6`. Default: from `cidr`.' },
          { name: 'gateway_ip', type: t.string, presence: 'optional', description: 'The router clients get (`option:router`). Unset: none.' },
          // Filled in by the plan (normalise), with the other subnet defaults.
          { name: 'enable_dhcp', type: t.bool, presence: 'optional+computed', default: true, description: 'Serve DHCP on this subnet. Default: `true`.' },
          {
            name: 'dns_nameservers',
            type: t.list(t.string),
            presence: 'optional',
            description: 'DNS servers for clients. Unset: the DHCP servers themselves when there are several; `["0.0.0.0"]`: none at all.',
          },
          {
            name: 'host_routes',
            presence: 'optional',
            description: 'Extra routes for clients (classless static routes, options 121 and 249).',
            nested: {
              nesting: 'list',
              rows: [
                { name: 'destination', type: t.string, presence: 'required' },
                { name: 'nexthop', type: t.string, presence: 'required' },
              ],
            },
          },
          {
            name: 'allocation_pools',
            presence: 'optional',
            description: 'Ranges addresses are allocated from (only used to pick the DHCP port address).',
            nested: {
              nesting: 'list',
              rows: [
                { name: 'start', type: t.string, presence: 'required' },
                { name: 'end', type: t.string, presence: 'required' },
              ],
            },
          },
          { name: 'ipv6_address_mode', type: t.string, presence: 'optional', description: IPV6_MODES_DOC },
          { name: 'ipv6_ra_mode', type: t.string, presence: 'optional', description: IPV6_MODES_DOC },
        ],
      },
    },
    {
      name: 'ipv6_router_advertisements',
      type: t.bool,
      presence: 'optional',
      default: false,
      spec: ['network.ipv6RouterAdvertisements'],
      description:
        'Not neutron\'s: dnsmasq also sends IPv6 router advertisements (`--enable-ra`), for a network with no router to send them. `slaac` subnets are advertised for SLAAC only (`ra-only`), `dhcpv6-stateless` for SLAAC plus DHCPv6 options (`ra-stateless`), `dhcpv6-stateful` and mode-less ones as DHCPv6-managed (M flag); router lifetime 0 (`--ra-param=<interface>,0,0`): no default route through the DHCP server. Changing it restarts dnsmasq. Default: `false`: no RAs, as neutron.',
    },
    // network.ports[0] is this node's DHCP port (specFromValue); inAttributeTerms maps the rest of network.ports.
    {
      name: 'dhcp_port_id',
      type: t.string,
      presence: 'optional+computed',
      spec: ['network.ports[0].id', 'dhcpPortId'],
      description: 'This node\'s DHCP port. Default: a UUID derived from the node host and the network id.',
    },
    {
      name: 'dhcp_mac_address',
      type: t.string,
      presence: 'optional+computed',
      spec: ['network.ports[0].macAddress'],
      description: 'MAC of the `ns-…` device. Default: `fa:16:3e:…` derived from the node host and the network id.',
    },
    {
      name: 'dhcp_ip_addresses',
      type: t.list(t.string),
      presence: 'optional+computed',
      spec: ['network.ports'],
      description:
        'This node\'s DHCP server address on each DHCP-enabled subnet. Default: the first address of the subnet\'s first allocation pool, or the first host address that is not the gateway.',
    },
    {
      name: 'peer_dhcp_ports',
      presence: 'optional',
      description:
        'DHCP ports of the other nodes serving this network (high availability): with several DHCP servers and no `dns_nameservers`, clients get all of them as DNS servers, as in neutron.',
      nested: {
        nesting: 'list',
        rows: [
          { name: 'id', type: t.string, presence: 'required' },
          { name: 'mac_address', type: t.string, presence: 'required' },
          { name: 'ip_addresses', type: t.list(t.string), presence: 'required' },
        ],
      },
    },
    {
      name: 'bridge',
      type: t.string,
      presence: 'optional',
      spec: ['attachment.bridge'],
      description: 'An existing Linux bridge on the node to attach the network to. Exactly one of `bridge` and `physical_interface`.',
    },
    {
      name: 'physical_interface',
      type: t.string,
      presence: 'optional',
      spec: ['attachment.physicalInterface'],
      description:
        'An interface the agent enslaves to a bridge it creates, `brq<network_id[:11]>` (as neutron\'s linuxbridge agent did; an id longer than 11 characters that is not a UUID gets a hash instead of the cut). Refused when it has global addresses or another master, unless `take_over_physical_interface`.',
    },
    {
      name: 'take_over_physical_interface',
      type: t.bool,
      presence: 'optional',
      default: false,
      spec: ['attachment.takeOver'],
      description:
        'Enslave `physical_interface` even when it has global addresses or another master (what it carries is cut off, perhaps the node\'s own SSH address). Default: `false`: refused, naming what was found.',
    },
    {
      name: 'vlan_id',
      type: t.number,
      presence: 'optional',
      spec: ['attachment.vlanId'],
      description: 'With `physical_interface`: enslave the VLAN sub-interface `<physical_interface>.<vlan_id>` instead.',
    },
    ...NETWORK_AGENT_OPTIONS.filter((o) => o.field !== 'dnsDomain').map((o) => optionRow(o.field)),
    {
      name: 'metadata_backend_url',
      type: t.string,
      presence: 'optional',
      validate: checkMetadataBackendUrl,
      spec: ['metadata.backendUrl'],
      description:
        'Metadata for the network\'s instances at `169.254.169.254` (neutron\'s isolated metadata proxy): the agent runs haproxy in the namespace, forwarding to this metadata service, `http://<host>:<port>` as reached from inside the namespace (on the network, or through its gateway), with `X-Forwarded-For` and `X-Neutron-Network-ID` added and client-sent `X-Neutron-*` headers dropped. Needs `enable_isolated_metadata` or `force_metadata` (the address and the route). At most one of `metadata_backend_url` and `metadata_backend_socket`. Unset: no proxy.',
    },
    {
      name: 'metadata_backend_socket',
      type: t.string,
      presence: 'optional',
      validate: checkMetadataBackendSocket,
      spec: ['metadata.backendSocket'],
      description:
        'Like `metadata_backend_url`, the metadata service as a unix socket on the node (neutron\'s `metadata_proxy_socket`, where its metadata agent listens); haproxy connects to it as user `haproxy`. Unset: no proxy.',
    },
    {
      name: 'metadata_builtin',
      type: t.bool,
      presence: 'optional',
      spec: ['metadata.builtin'],
      description:
        '`true`: the agent\'s own metadata server (nginx, in the namespace, on `169.254.169.254:80`) answers each client with its port\'s `metadata` (`dhcpagent_port`), in the EC2 and OpenStack layouts cloud-init reads; an address that is no port\'s gets 404. Needs `enable_isolated_metadata` or `force_metadata`. Not with `metadata_backend_url` / `metadata_backend_socket`. Unset: no built-in server.',
    },
    {
      name: 'ports',
      presence: 'optional',
      description:
        'Ports inline, for big networks: the network\'s client ports held by this resource instead of one `dhcpagent_port` each (one resource per network per node). The network then owns every client port of its directory on the node: apply writes these and removes any other, `plan` names a changed or drifted port by its `id`. The node holds byte for byte what the same `dhcpagent_port`s would make, and a change to ports reloads dnsmasq (SIGHUP), never restarts it. Unset: the ports are `dhcpagent_port` resources, and the network leaves them alone (moving between the two modes: see the README, "Ports inline").',
      nested: {
        nesting: 'list',
        rows: [{ name: 'id', type: t.string, presence: 'required', description: PORT_ID_DESCRIPTION }, ...portFieldRows],
      },
    },
    { name: 'namespace', type: t.string, presence: 'computed', description: '`qdhcp-<network_id>`.' },
    { name: 'interface_name', type: t.string, presence: 'computed', description: 'The DHCP device inside the namespace (`ns-…`).' },
    { name: 'tap_name', type: t.string, presence: 'computed', description: 'The veth end on the bridge (`tap…`).' },
    { name: 'bridge_name', type: t.string, presence: 'computed', description: 'The bridge the tap is attached to.' },
    { name: 'addresses', type: t.list(t.string), presence: 'computed', description: 'Addresses on the DHCP device, CIDR form.' },
    { name: 'dnsmasq_pid', type: t.number, presence: 'computed', description: 'Observed dnsmasq process id (never a reason for a change on its own).' },
    { name: 'port_count', type: t.number, presence: 'computed', description: 'Observed number of client ports kept on the node.' },
    { name: 'drift', type: t.list(t.string), presence: 'computed', description: DRIFT_DESCRIPTION },
  ],
};

export const networkSchema: Schema = schemaOf(networkTable);

/** Spec paths (camelCase, from validation) → attribute paths. */
const RENAMES: PathRenames = renamesOf(networkTable.rows);

/** The agent options of a (fully known) network value, defaults where unset. */
function optionsFromValue(v: ObjectValue, statePath: string): AgentOptions {
  const read = (kind: AgentOptionRow['kind'], x: Value | undefined): unknown => {
    switch (kind) {
      case 'string':
        return str(x);
      case 'integer':
        return num(x);
      case 'boolean':
        return bool(x);
      case 'ipList':
        return x === null || x === undefined ? undefined : strings(x);
    }
  };
  return withDefaults({ statePath, ...Object.fromEntries(NETWORK_AGENT_OPTIONS.map((o) => [o.field, read(o.kind, v[o.attribute])])) });
}

/** The option attributes of a spec's options: null where the option has its default. */
function optionsToValue(o: AgentOptions): ObjectValue {
  const d = withDefaults();
  return Object.fromEntries(NETWORK_AGENT_OPTIONS.map((r) => [r.attribute, JSON.stringify(o[r.field]) === JSON.stringify(d[r.field]) ? null : (structuredClone(o[r.field]) as Value)]));
}

/**
 * A ValidationError about the spec's DHCP ports (`network.ports[k]…`, this node's first, then
 * the peers) as the attributes the user wrote: `dhcp_ip_addresses[i]`,
 * `peer_dhcp_ports[j].ip_addresses[i]`, `dhcp_mac_address`… Other errors pass unchanged.
 */
export function inAttributeTerms(err: unknown): unknown {
  if (!isError(err, ValidationError)) return err;
  return new ValidationError(
    err.issues.map((i) => {
      const m = /^network\.ports\[(\d+)\]\.(?:fixedIps\[(\d+)\](?:\.(?:ipAddress|subnetId))?|(macAddress|id))$/.exec(i.path);
      if (!m) return i;
      const k = Number(m[1]);
      const field = m[2] !== undefined ? (k === 0 ? `dhcp_ip_addresses[${m[2]}]` : `ip_addresses[${m[2]}]`) : m[3] === 'id' ? (k === 0 ? 'dhcp_port_id' : 'id') : k === 0 ? 'dhcp_mac_address' : 'mac_address';
      return { ...i, path: k === 0 ? field : `peer_dhcp_ports[${k - 1}].${field}` };
    }),
  );
}

/** The address a DHCP port takes on a subnet when none is given. */
export function defaultDhcpAddress(s: { cidr: string; gatewayIp: string | null; allocationPools: readonly { start: string }[] }): string | null {
  if (s.allocationPools.length) return s.allocationPools[0].start;
  const first = addressAt(s.cidr, 1n);
  return first && first === s.gatewayIp ? addressAt(s.cidr, 2n) : first;
}

function subnetFromValue(v: Value, networkId: string): Subnet {
  const o = obj(v);
  const cidr = str(o.cidr) ?? '';
  const version = (num(o.ip_version) ?? parseCidr(cidr)?.version ?? 4) as IpVersion;
  return {
    id: str(o.id) ?? uuidV5(`subnet/${networkId}/${cidr}`),
    cidr,
    ipVersion: version,
    gatewayIp: str(o.gateway_ip) ?? null,
    enableDhcp: bool(o.enable_dhcp) ?? true,
    dnsNameservers: strings(o.dns_nameservers),
    hostRoutes: list(o.host_routes).map((r) => ({ destination: str(obj(r).destination) ?? '', nexthop: str(obj(r).nexthop) ?? '' })),
    allocationPools: list(o.allocation_pools).map((r) => ({ start: str(obj(r).start) ?? '', end: str(obj(r).end) ?? '' })),
    ipv6AddressMode: (str(o.ipv6_address_mode) as Ipv6Mode | undefined) ?? null,
    ipv6RaMode: (str(o.ipv6_ra_mode) as Ipv6Mode | undefined) ?? null,
  };
}

function fixedIpsFor(ips: readonly string[], subnets: readonly Subnet[]) {
  return ips.map((ip) => ({ subnetId: subnets.find((s) => ipVersionOf(ip) === s.ipVersion && cidrContains(s.cidr, ip))?.id ?? '', ipAddress: ip }));
}

/** The handler spec of a (fully known) planned or stored network. */
export function specFromValue(v: ObjectValue): NetworkSpec {
  const c = connectionFromValue(v.node);
  const networkId = str(v.network_id) ?? '';
  const subnets = list(v.subnets).map((s) => subnetFromValue(s, networkId));
  const dhcpId = str(v.dhcp_port_id) ?? dhcpPortId(c.host, networkId);
  const dhcpIps = v.dhcp_ip_addresses === null || v.dhcp_ip_addresses === undefined ? defaultDhcpIps(subnets) : strings(v.dhcp_ip_addresses);
  const self: Port = {
    id: dhcpId,
    macAddress: str(v.dhcp_mac_address) ?? dhcpPortMac(c.host, networkId),
    fixedIps: fixedIpsFor(dhcpIps, subnets),
    deviceOwner: DEVICE_OWNER_DHCP,
    extraDhcpOpts: [],
  };
  const peers: Port[] = list(v.peer_dhcp_ports).map((p) => {
    const o = obj(p);
    return { id: str(o.id) ?? '', macAddress: str(o.mac_address) ?? '', fixedIps: fixedIpsFor(strings(o.ip_addresses), subnets), deviceOwner: DEVICE_OWNER_DHCP, extraDhcpOpts: [] };
  });
  const physical = str(v.physical_interface);
  const vlanId = num(v.vlan_id);
  const backendUrl = str(v.metadata_backend_url);
  const backendSocket = str(v.metadata_backend_socket);
  const builtin = bool(v.metadata_builtin);
  return {
    network: {
      id: networkId,
      ...(str(v.name) !== undefined ? { name: str(v.name) } : {}),
      mtu: num(v.mtu) ?? 0,
      subnets,
      ports: [self, ...peers],
      // Only when on, so that a network without it keeps the network.json it had.
      ...(bool(v.ipv6_router_advertisements) === true ? { ipv6RouterAdvertisements: true } : {}),
    },
    dhcpPortId: dhcpId,
    attachment:
      physical !== undefined
        ? { physicalInterface: physical, ...(vlanId !== undefined ? { vlanId } : {}), ...(bool(v.take_over_physical_interface) ? { takeOver: true } : {}) }
        : { bridge: str(v.bridge) ?? '' },
    options: optionsFromValue(v, c.statePath),
    ...(backendUrl !== undefined || backendSocket !== undefined || builtin !== undefined
      ? { metadata: { ...(backendUrl !== undefined ? { backendUrl } : {}), ...(backendSocket !== undefined ? { backendSocket } : {}), ...(builtin !== undefined ? { builtin } : {}) } }
      : {}),
  };
}

function defaultDhcpIps(subnets: readonly Subnet[]): string[] {
  return subnets.filter((s) => s.enableDhcp).flatMap((s) => defaultDhcpAddress(s) ?? []);
}

/** The port handler specs of a (fully known) network value's inline ports; `null` when it has none (its ports are `dhcpagent_port`s). */
export function inlinePortsFromValue(v: ObjectValue): PortSpec[] | null {
  if (v.ports === null || v.ports === undefined) return null;
  return list(v.ports).map((p) => portSpecFromValue({ ...obj(p), port_id: obj(p).id, network_id: v.network_id, node: v.node }));
}

/** Inline ports with their plan-time defaults: each address's subnet, found in this network's subnets; each option's IP version. */
function normaliseInlinePorts(v: ObjectValue, prior: ObjectValue | null): Value {
  if (v.ports === null || v.ports === undefined || !known(v.ports)) return v.ports ?? null;
  const subnets = known(v.subnets) && known(v.network_id) ? list(v.subnets).map((s) => subnetFromValue(s, str(v.network_id) ?? '')) : null;
  const priorPorts = new Map(list(prior?.ports ?? null).map((p) => [str(obj(p).id), obj(p)]));
  return list(v.ports).map((p) => {
    const o = normalisePortFields(obj(p), priorPorts.get(str(obj(p).id)) ?? null);
    if (!subnets || !list(o.fixed_ips).every((f) => known(obj(f).ip_address))) return o;
    const fixedIps = list(o.fixed_ips).map((f) => {
      const ip = str(obj(f).ip_address) ?? '';
      const found = subnets.find((s) => ipVersionOf(ip) === s.ipVersion && cidrContains(s.cidr, ip));
      return isUnknown(obj(f).subnet_id) && found ? { ...obj(f), subnet_id: found.id } : obj(f);
    });
    return { ...o, fixed_ips: fixedIps };
  });
}

/** A path of validatePortSpec's as the attribute of inline port `i`: `ports[i].mac_address`, `ports[i].fixed_ips[0].ip_address`. */
function inlinePortPath(i: number, specPath: string): string {
  const steps = attributePathFor(specPath, PORT_RENAMES).map((s) => (s === 'port_id' ? 'id' : s));
  return `ports[${i}]${steps.map((s) => (typeof s === 'number' ? `[${s}]` : typeof s === 'string' ? `.${s}` : `[${JSON.stringify(s.key)}]`)).join('')}`;
}

/**
 * What the port handler would refuse of the inline ports, checked against this network and
 * each other (as apply writes them), with paths in attribute terms.
 */
function inlinePortIssues(spec: NetworkSpec, ports: readonly PortSpec[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const effective = ports.map((p) => effectivePort(p, spec));
  const firstOf = new Map<string, number>();
  ports.forEach((p, i) => {
    const twin = firstOf.get(p.port.id);
    if (twin !== undefined) {
      issues.push({ path: `ports[${i}].id`, value: p.port.id, allowed: `an id no other of the network's ports has (ports[${twin}] has it)` });
      return;
    }
    firstOf.set(p.port.id, i);
    const own = ownPortIdIssue(spec.network, p.port.id, `ports[${i}].id`);
    if (own) issues.push(own);
    const network = { ...spec.network, ports: [...spec.network.ports, ...effective.filter((_, j) => j !== i)] };
    for (const issue of validatePortSpec({ ...p, port: effective[i] }, network, spec.options)) issues.push({ ...issue, path: inlinePortPath(i, issue.path) });
  });
  return issues;
}

/** Fills optional+computed inputs with their defaults and derives the computed outputs. */
function normalise(v: ObjectValue, prior: ObjectValue | null = null): ObjectValue {
  const out: ObjectValue = { ...v, ports: normaliseInlinePorts(v, prior) };
  const networkId = str(v.network_id);
  const c = connectionFromValue(v.node);
  if (known(v.subnets) && networkId !== undefined) {
    out.subnets = list(v.subnets).map((s) => {
      const sub = subnetFromValue(s, networkId);
      return { ...obj(s), id: sub.id, ip_version: sub.ipVersion, enable_dhcp: sub.enableDhcp };
    });
  }
  const hostKnown = known(obj(v.node).host);
  if ((v.dhcp_port_id === null || v.dhcp_port_id === undefined) && networkId !== undefined && hostKnown) out.dhcp_port_id = dhcpPortId(c.host, networkId);
  if ((v.dhcp_mac_address === null || v.dhcp_mac_address === undefined) && networkId !== undefined && hostKnown) out.dhcp_mac_address = dhcpPortMac(c.host, networkId);
  if ((v.dhcp_ip_addresses === null || v.dhcp_ip_addresses === undefined) && known(v.subnets) && networkId !== undefined) {
    out.dhcp_ip_addresses = defaultDhcpIps(list(out.subnets).map((s) => subnetFromValue(s, networkId)));
  }
  for (const k of ['dhcp_port_id', 'dhcp_mac_address', 'dhcp_ip_addresses']) if (out[k] === null || out[k] === undefined) out[k] = UNKNOWN;
  if (!known(out)) {
    for (const k of DERIVED) out[k] = UNKNOWN;
    return out;
  }
  const d = deriveNetwork(specFromValue(out));
  return {
    ...out,
    id: `${c.host}:${c.port}/${networkId}`,
    namespace: d.namespace,
    interface_name: d.interfaceName,
    tap_name: d.tapName,
    bridge_name: d.bridge,
    addresses: [...d.addresses],
  };
}

/**
 * When an update moves the DHCP addresses: the problems with them against the client ports
 * kept on the node (the ports of this network that Terraform may manage elsewhere, or that
 * another tool put there). A node that cannot be read now is left to apply, which checks again.
 */
async function dhcpAddressesTakenOnNode(prior: ObjectValue | null, proposed: ObjectValue) {
  if (!prior || JSON.stringify(prior.dhcp_ip_addresses) === JSON.stringify(proposed.dhcp_ip_addresses)) return [];
  const spec = specFromValue(proposed);
  try {
    const ctx = await readContext(await hostFor(connectionFromValue(proposed.node)), spec.options.statePath, spec.network.id);
    return dhcpAddressIssues(spec.network, [...ctx.ports.values()]);
  } catch {
    return [];
  }
}

function withObservation(planned: ObjectValue, st: NetworkState): ObjectValue {
  return { ...planned, dnsmasq_pid: st.dnsmasqPid, port_count: st.portCount, drift: [...st.drift] };
}

/** A spec's values as attributes (for import). */
function valueFromSpec(spec: NetworkSpec, c: NodeConnection): ObjectValue {
  const self = spec.network.ports.find((p) => p.id === spec.dhcpPortId)!;
  const peers = spec.network.ports.filter((p) => p.id !== spec.dhcpPortId && p.deviceOwner === DEVICE_OWNER_DHCP);
  const a = spec.attachment;
  return {
    node: connectionToValue(c),
    network_id: spec.network.id,
    name: spec.network.name ?? null,
    mtu: spec.network.mtu || null,
    subnets: spec.network.subnets.map((s) => ({
      id: s.id,
      cidr: s.cidr,
      ip_version: s.ipVersion,
      gateway_ip: s.gatewayIp,
      enable_dhcp: s.enableDhcp,
      dns_nameservers: s.dnsNameservers.length ? [...s.dnsNameservers] : null,
      host_routes: s.hostRoutes.length ? s.hostRoutes.map((r) => ({ destination: r.destination, nexthop: r.nexthop })) : null,
      allocation_pools: s.allocationPools.length ? s.allocationPools.map((r) => ({ start: r.start, end: r.end })) : null,
      ipv6_address_mode: s.ipv6AddressMode,
      ipv6_ra_mode: s.ipv6RaMode,
    })),
    dhcp_port_id: self.id,
    dhcp_mac_address: self.macAddress,
    dhcp_ip_addresses: self.fixedIps.map((f) => f.ipAddress),
    peer_dhcp_ports: peers.length ? peers.map((p) => ({ id: p.id, mac_address: p.macAddress, ip_addresses: p.fixedIps.map((f) => f.ipAddress) })) : null,
    bridge: 'bridge' in a ? a.bridge : null,
    physical_interface: 'physicalInterface' in a ? a.physicalInterface : null,
    vlan_id: 'physicalInterface' in a ? (a.vlanId ?? null) : null,
    take_over_physical_interface: 'physicalInterface' in a && a.takeOver ? true : null,
    ipv6_router_advertisements: spec.network.ipv6RouterAdvertisements === true ? true : null,
    ...optionsToValue(spec.options),
    metadata_backend_url: spec.metadata?.backendUrl ?? null,
    metadata_backend_socket: spec.metadata?.backendSocket ?? null,
    metadata_builtin: spec.metadata?.builtin ?? null,
    // Imported with its ports left to dhcpagent_port resources (import each, or list them here).
    ports: null,
  };
}

export const networkResource: ResourceType = {
  typeName: 'dhcpagent_network',
  schema: networkSchema,

  validate(config) {
    const secrets = validateNode(config);
    if (secrets.length) return secrets;
    const hasBridge = config.bridge !== null && config.bridge !== undefined;
    const hasPhysical = config.physical_interface !== null && config.physical_interface !== undefined;
    if (hasBridge === hasPhysical && !isUnknown(config.bridge) && !isUnknown(config.physical_interface)) {
      return [errorDiagnostic('Exactly one of bridge and physical_interface', hasBridge ? 'both are set' : 'neither is set; give the bridge to attach to, or an interface for a bridge the agent creates', ['bridge'])];
    }
    if (config.take_over_physical_interface === true && !hasPhysical) {
      return [errorDiagnostic('take_over_physical_interface needs physical_interface', 'it allows enslaving physical_interface when that carries addresses or has another master', ['take_over_physical_interface'])];
    }
    if (config.vlan_id !== null && config.vlan_id !== undefined && !hasPhysical) {
      return [errorDiagnostic('vlan_id needs physical_interface', 'the VLAN sub-interface is made on physical_interface', ['vlan_id'])];
    }
    return [];
  },

  async plan(req, ctx) {
    if (!req.proposed) {
      const c = connectionFromValue(req.prior!.node);
      const subject = `dhcpagent_network ${str(req.prior!.network_id)} on ${nodeLabel(c)}`;
      return { planned: null, diagnostics: planDiagnostics(ctx.provider, c, subject, true, req.priorPrivate) };
    }
    const proposed = normalise({ ...req.proposed, node: normaliseNode(req.proposed.node) }, req.prior);
    if (known(proposed)) {
      const spec = specFromValue(proposed);
      const issues = validateNetworkSpec(spec);
      const inline = inlinePortsFromValue(proposed);
      // Inline, the network owns the node's ports of it: those it lists are all there will be.
      if (!issues.length) issues.push(...(inline ? inlinePortIssues(spec, inline) : await dhcpAddressesTakenOnNode(req.prior, proposed)));
      if (issues.length) {
        return { planned: null, diagnostics: diagnosticsFor('Plan of dhcpagent_network', inAttributeTerms(new ValidationError(issues)), RENAMES) };
      }
    }
    const result = planWithDrift(networkSchema, req.prior, proposed, OBSERVED);
    if (result.planned === req.prior || !known(proposed.node)) return result;
    const c = connectionFromValue(proposed.node);
    const subject = `dhcpagent_network ${str(proposed.network_id)} on ${nodeLabel(c)}`;
    const diagnostics = planDiagnostics(ctx.provider, c, subject, false, req.priorPrivate);
    return hasErrors(diagnostics) ? { planned: null, diagnostics } : { ...result, diagnostics: [...(result.diagnostics ?? []), ...diagnostics] };
  },

  async apply(req, ctx) {
    const state = req.action === 'delete' ? req.prior! : req.planned!;
    const c = connectionFromValue(state.node);
    const subject = `dhcpagent_network ${str(state.network_id)} on ${nodeLabel(c)}`;
    const what = operationLabel(req.action, 'dhcpagent_network', `${str(state.network_id)} on ${nodeLabel(c)}`);
    if (isGone(ctx.provider, c)) {
      return req.action === 'delete' ? { newState: null, diagnostics: [forgottenWarning(c, subject)] } : { newState: req.prior, diagnostics: [goneError(c, subject)] };
    }
    try {
      if (req.action === 'delete') {
        await onNode(c, writing(ctx.provider, c, (host) => deleteNetwork(host, specFromValue(state))));
        return { newState: null };
      }
      const st = await onNode(c, writing(ctx.provider, c, (host) => applyNetworkWithPorts(host, specFromValue(state), inlinePortsFromValue(state), { create: req.action === 'create' })));
      if (st.drift.length) {
        return { newState: withObservation(state, st), diagnostics: [errorDiagnostic(`${what}: the node did not converge`, st.drift.join('\n'))] };
      }
      return { newState: withObservation(state, st) };
    } catch (err) {
      // A failed create may have left part of the network behind: keep it in state (Terraform
      // marks it tainted and replaces it) unless nothing reached the node.
      const partial = req.action === 'create' && !isInputError(err) ? { ...state, dnsmasq_pid: null, port_count: null, drift: ['create failed; see the error'] } : req.prior;
      return { newState: partial, diagnostics: diagnosticsFor(what, err, RENAMES, importHint(c, str(state.network_id) ?? '')) };
    }
  },

  async read(req, ctx) {
    const c = connectionFromValue(req.current.node);
    const subject = `dhcpagent_network ${str(req.current.network_id)} on ${nodeLabel(c)}`;
    // Never contacted: its plan (a delete, as the node left the network's agents) says so.
    if (isGone(ctx.provider, c)) return { newState: req.current };
    try {
      const st = await onNode(c, (host) => readNetworkWithPorts(host, specFromValue(req.current), inlinePortsFromValue(req.current), readOptions(ctx.provider)));
      return { newState: st ? withObservation(req.current, st) : null, private: reachedPrivate() };
    } catch (err) {
      return keepWhenUnreachable(req.current, req.private, c, subject, err) ?? { newState: req.current, diagnostics: diagnosticsFor(`Read of ${subject}`, err, RENAMES) };
    }
  },

  async importState(req) {
    const id = parseImportId(req.id, 1);
    const networkId = id.path[0];
    const host = await hostFor(id.connection);
    const found = await discoverNetwork(host, networkId, id.connection.statePath, id.neutronStatePath);
    if (!found) {
      return {
        diagnostics: [
          errorDiagnostic(
            `Cannot import network ${networkId}`,
            `${nodeLabel(id.connection)} has no network ${networkId} under ${id.connection.statePath}/dhcp nor ${id.neutronStatePath}/dhcp`,
          ),
        ],
      };
    }
    const state = normalise(valueFromSpec(found.spec, id.connection));
    return { imported: [{ state: { ...state, dnsmasq_pid: null, port_count: null, drift: [] } }] };
  },
};

function isInputError(err: unknown): boolean {
  // A refusal of the preflight step (another network's device, a busy physical interface) changed nothing either.
  if (isError(err, AgentStepError) && err.step === 'preflight') return true;
  return isError(err, ValidationError) || isError(err, PrerequisiteError) || isError(err, HostError) || isError(err, ExistsError);
}

