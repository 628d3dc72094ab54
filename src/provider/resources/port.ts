/**
 * `dhcpagent_port`: a MAC/IP reservation (neutron port) on a network served by one node. Its
 * lines join the network's host, addn_hosts and opts files; dnsmasq is reloaded (SIGHUP), never
 * restarted, and ports applied together share one reload.
 */
import { applyPort, deletePort, readPort } from '../../agent/port';
import type { PortSpec } from '../../agent/spec';
import { readContext } from '../../agent/stored-network';
import { validatePortSpec } from '../../agent/validate-spec';
import { ValidationError, type ValidationIssue } from '../../model/errors';
import { checkIp, validatePort } from '../../model/validate';
import type { ExtraDhcpOpt, IpVersion, Port, PortMetadata } from '../../model/types';
import { UNKNOWN, t, type ObjectValue, type Value } from '../cty';
import { errorDiagnostic, hasErrors } from '../diagnostics';
import type { ResourceType } from '../resource';
import type { Schema } from '../schema';
import { renamesOf, rowNamed, schemaOf, type PathRenames, type Row, type Table } from '../table';
import { connectionFromValue, connectionToValue, hostFor, nodeLabel, nodeRow, normaliseNode, validateNode } from './connection';
import { DRIFT_DESCRIPTION, planWithDrift, operationLabel } from './drift-plan';
import { forgottenWarning, goneError, isGone, keepWhenUnreachable, onNode, planDiagnostics, reachedPrivate } from './reachability';
import { diagnosticsFor, importHint } from './errors';
import { parseImportId } from './import-id';
import { readOptions, writing } from './gathered';
import { known, list, num, obj, str } from './values';

export const PORT_ID_DESCRIPTION = 'The port\'s id (a UUID, or `[a-z0-9-]{1,36}`).';

/** A port's own fields: the attributes of `dhcpagent_port`, and of each element of `dhcpagent_network.ports` (ports inline). */
export const portFieldRows: readonly Row[] = [
  { name: 'mac_address', type: t.string, presence: 'required', spec: ['port.macAddress'], description: 'The client\'s MAC, `xx:xx:xx:xx:xx:xx`.' },
  {
    name: 'fixed_ips',
    presence: 'required',
    spec: ['port.fixedIps'],
    description: 'The client\'s addresses, one per subnet at most.',
    nested: {
      nesting: 'list',
      rows: [
        { name: 'ip_address', type: t.string, presence: 'required' },
        { name: 'subnet_id', type: t.string, presence: 'optional+computed', description: 'Default: the network\'s subnet that holds `ip_address`.' },
      ],
    },
  },
  {
    name: 'hostname',
    type: t.string,
    presence: 'optional',
    // The spec's hostname becomes the port's dns_assignment; validation may name either.
    spec: ['hostname', 'port.dnsAssignment'],
    description: 'The client\'s host name (a DNS label). Default: `host-<ip with dashes>`, as neutron names it.',
  },
  {
    name: 'device_owner',
    type: t.string,
    presence: 'optional',
    spec: ['port.deviceOwner'],
    description: 'neutron\'s device owner, e.g. `compute:nova`. Ports owned by `network:dhcp` or floating IPs get no host entry, as in neutron.',
  },
  {
    name: 'extra_dhcp_opts',
    presence: 'optional',
    spec: ['port.extraDhcpOpts'],
    description: 'Per-port DHCP options: dnsmasq option names (`tftp-server`, `bootfile-name`), numbers (`66`), with optional `tag:<tag>,` prefixes.',
    nested: {
      nesting: 'list',
      rows: [
        { name: 'opt_name', type: t.string, presence: 'required' },
        { name: 'opt_value', type: t.string, presence: 'required' },
        { name: 'ip_version', type: t.number, presence: 'optional+computed', default: 4, description: '`4` or `6`. Default: `4`.' },
      ],
    },
  },
  {
    name: 'metadata',
    presence: 'optional',
    spec: ['metadata'],
    description:
      'What the built-in metadata service (the network\'s `metadata_builtin = true`) serves this port\'s client at http://169.254.169.254, in the EC2 (`/latest/meta-data/…`) and OpenStack (`/openstack/latest/meta_data.json`) layouts cloud-init reads. Unset: the port\'s addresses get 404. Changes rewrite this port\'s files only; they never restart dnsmasq.',
    nested: {
      nesting: 'single',
      rows: [
        { name: 'instance_id', type: t.string, presence: 'optional', spec: ['metadata.instanceId'], description: 'The instance id (EC2 `instance-id`, OpenStack `uuid`). Default: the port id.' },
        { name: 'hostname', type: t.string, presence: 'optional', spec: ['metadata.hostname'], description: 'The host name cloud-init sets. Default: the port\'s `hostname`, else `host-<ip with dashes>`.' },
        { name: 'user_data', type: t.string, presence: 'optional', sensitive: true, spec: ['metadata.userData'], description: 'User-data (a cloud-config, a script…), at most 65535 bytes. Sensitive: hidden in plan output and messages; on the node readable only by the metadata server\'s user.' },
        { name: 'public_keys', type: t.list(t.string), presence: 'optional', spec: ['metadata.publicKeys'], description: 'OpenSSH public keys (one line each, as in a `.pub` file).' },
        { name: 'network_config', type: t.string, presence: 'optional', spec: ['metadata.networkConfig'], description: 'OpenStack `network_data.json`, as JSON text (`jsonencode({ links = [...], networks = [...], services = [...] })`).' },
      ],
    },
  },
];

export const portTable: Table = {
  version: 0,
  description:
    'A port (MAC/IP reservation) on a network served by one node: the client with `mac_address` gets `fixed_ips` by DHCP, with `hostname` and `extra_dhcp_opts`. Changes reload dnsmasq (SIGHUP); they never restart it. For big networks, the network can hold its ports instead (`dhcpagent_network.ports`).',
  rows: [
    { name: 'id', type: t.string, presence: 'computed', description: '`<host>:<port>/<network_id>/<port_id>`.' },
    nodeRow('statePath'),
    {
      name: 'network_id',
      type: t.string,
      presence: 'required',
      replace: true,
      spec: ['networkId'],
      description: 'The network the port is on (a `dhcpagent_network` on the same node).',
    },
    { name: 'port_id', type: t.string, presence: 'required', replace: true, spec: ['port.id'], description: PORT_ID_DESCRIPTION },
    ...portFieldRows,
    { name: 'drift', type: t.list(t.string), presence: 'computed', description: DRIFT_DESCRIPTION },
  ],
};

export const portSchema: Schema = schemaOf(portTable);

/** Spec paths of a port (validatePortSpec's) → attribute paths of `dhcpagent_port`. */
export const PORT_RENAMES: PathRenames = renamesOf(portTable.rows);
const RENAMES = PORT_RENAMES;
const OPT_IP_VERSION_DEFAULT = rowNamed(rowNamed(portFieldRows, 'extra_dhcp_opts').nested!.rows, 'ip_version').default as IpVersion;

function optsFrom(v: Value | undefined): ExtraDhcpOpt[] {
  return list(v).map((o) => ({ optName: str(obj(o).opt_name) ?? '', optValue: str(obj(o).opt_value) ?? '', ipVersion: (num(obj(o).ip_version) as IpVersion | undefined) ?? OPT_IP_VERSION_DEFAULT }));
}

export function portSpecFromValue(v: ObjectValue): PortSpec {
  const c = connectionFromValue(v.node);
  const port: Port = {
    id: str(v.port_id) ?? '',
    macAddress: (str(v.mac_address) ?? '').toLowerCase(),
    fixedIps: list(v.fixed_ips).map((f) => ({ ipAddress: str(obj(f).ip_address) ?? '', subnetId: str(obj(f).subnet_id) ?? '' })),
    deviceOwner: str(v.device_owner) ?? '',
    extraDhcpOpts: optsFrom(v.extra_dhcp_opts),
  };
  const hostname = str(v.hostname);
  const metadata = metadataFrom(v.metadata);
  return { networkId: str(v.network_id) ?? '', statePath: c.statePath, port, ...(hostname !== undefined ? { hostname } : {}), ...(metadata ? { metadata } : {}) };
}

function metadataFrom(v: Value | undefined): PortMetadata | undefined {
  if (v === null || v === undefined) return undefined;
  const o = obj(v);
  const keys = o.public_keys === null || o.public_keys === undefined ? undefined : list(o.public_keys).map((k) => str(k) ?? '');
  const fields: [keyof PortMetadata, unknown][] = [
    ['instanceId', str(o.instance_id)],
    ['hostname', str(o.hostname)],
    ['userData', str(o.user_data)],
    ['publicKeys', keys],
    ['networkConfig', str(o.network_config)],
  ];
  return Object.fromEntries(fields.filter(([, x]) => x !== undefined));
}

/**
 * What can be refused before the network is known (it lives on the node): ids, MAC, host name,
 * state path, address syntax, options. Only known values are checked.
 */
function planTimeIssues(v: ObjectValue): ValidationIssue[] {
  const parts: [string, Value | undefined][] = [['network_id', v.network_id], ['port_id', v.port_id], ['mac_address', v.mac_address], ['hostname', v.hostname], ['metadata', v.metadata], ['node', v.node]];
  if (parts.some(([, x]) => !known(x))) return [];
  const spec = portSpecFromValue(v);
  const issues = validatePortSpec(spec);
  if (known(v.fixed_ips)) spec.port.fixedIps.forEach((f, i) => {
    const bad = checkIp(f.ipAddress, `port.fixedIps[${i}].ipAddress`);
    if (bad) issues.push(bad);
  });
  if (known(v.extra_dhcp_opts) && known(v.device_owner)) {
    // The port's own fields, against a network without subnets: subnet issues are left to apply.
    const own = validatePort({ ...spec.port, fixedIps: [] }, { id: spec.networkId, subnets: [], ports: [] }, 'port');
    issues.push(...own.filter((i) => i.path !== 'port.id' && i.path !== 'port.macAddress'));
  }
  return issues;
}

function normalise(v: ObjectValue, prior: ObjectValue | null): ObjectValue {
  const c = connectionFromValue(v.node);
  return {
    ...normalisePortFields(v, prior),
    id: known(obj(v.node).host) && known(obj(v.node).port) && known(v.network_id) && known(v.port_id) ? `${c.host}:${c.port}/${str(v.network_id)}/${str(v.port_id)}` : UNKNOWN,
  };
}

/**
 * A port's own fields with their plan-time defaults: the subnet of each address as found last
 * time (else unknown until apply finds it), each option's IP version.
 */
export function normalisePortFields(v: ObjectValue, prior: ObjectValue | null): ObjectValue {
  const priorIps = list(prior?.fixed_ips).map(obj);
  return {
    ...v,
    fixed_ips: known(v.fixed_ips)
      ? list(v.fixed_ips).map((f) => {
          const o = obj(f);
          if (o.subnet_id !== null && o.subnet_id !== undefined) return o;
          // Keep the subnet found for this address last time; otherwise apply finds it.
          const same = priorIps.find((p) => p.ip_address === o.ip_address && typeof p.subnet_id === 'string');
          return { ...o, subnet_id: same ? same.subnet_id : UNKNOWN };
        })
      : v.fixed_ips,
    extra_dhcp_opts: known(v.extra_dhcp_opts) && v.extra_dhcp_opts !== null ? list(v.extra_dhcp_opts).map((o) => ({ ...obj(o), ip_version: num(obj(o).ip_version) ?? OPT_IP_VERSION_DEFAULT })) : v.extra_dhcp_opts,
  };
}

export const portResource: ResourceType = {
  typeName: 'dhcpagent_port',
  schema: portSchema,

  validate(config) {
    return validateNode(config);
  },

  plan(req, ctx) {
    if (!req.proposed) {
      const c = connectionFromValue(req.prior!.node);
      const subject = `dhcpagent_port ${str(req.prior!.port_id)} on ${nodeLabel(c)}`;
      return { planned: null, diagnostics: planDiagnostics(ctx.provider, c, subject, true, req.priorPrivate) };
    }
    const proposed = normalise({ ...req.proposed, node: normaliseNode(req.proposed.node) }, req.prior);
    const issues = planTimeIssues(proposed);
    if (issues.length) return { planned: null, diagnostics: diagnosticsFor('Plan of dhcpagent_port', new ValidationError(issues), RENAMES) };
    const result = planWithDrift(portSchema, req.prior, proposed, []);
    if (result.planned === req.prior || !known(proposed.node)) return result;
    const c = connectionFromValue(proposed.node);
    const subject = `dhcpagent_port ${str(proposed.port_id)} on ${nodeLabel(c)}`;
    const diagnostics = planDiagnostics(ctx.provider, c, subject, false, req.priorPrivate);
    return hasErrors(diagnostics) ? { planned: null, diagnostics } : { ...result, diagnostics: [...(result.diagnostics ?? []), ...diagnostics] };
  },

  async apply(req, ctx) {
    const state = req.action === 'delete' ? req.prior! : req.planned!;
    const c = connectionFromValue(state.node);
    const subject = `dhcpagent_port ${str(state.port_id)} on ${nodeLabel(c)}`;
    const what = operationLabel(req.action, 'dhcpagent_port', `${str(state.port_id)} on ${nodeLabel(c)}`);
    if (isGone(ctx.provider, c)) {
      return req.action === 'delete' ? { newState: null, diagnostics: [forgottenWarning(c, subject)] } : { newState: req.prior, diagnostics: [goneError(c, subject)] };
    }
    try {
      if (req.action === 'delete') {
        await onNode(c, writing(ctx.provider, c, (host) => deletePort(host, portSpecFromValue(state))));
        return { newState: null };
      }
      const st = await onNode(c, writing(ctx.provider, c, (host) => applyPort(host, portSpecFromValue(state), { create: req.action === 'create' })));
      const kept = st.port!.fixedIps;
      return { newState: { ...state, fixed_ips: list(state.fixed_ips).map((f, i) => ({ ...obj(f), subnet_id: kept[i]?.subnetId ?? null })), drift: [...st.drift] } };
    } catch (err) {
      return { newState: req.prior, diagnostics: diagnosticsFor(what, err, RENAMES, importHint(c, `${str(state.network_id)}/${str(state.port_id)}`)) };
    }
  },

  async read(req, ctx) {
    const c = connectionFromValue(req.current.node);
    const subject = `dhcpagent_port ${str(req.current.port_id)} on ${nodeLabel(c)}`;
    // Never contacted: its plan (a delete, as the node left the network's agents) says so.
    if (isGone(ctx.provider, c)) return { newState: req.current };
    try {
      const st = await onNode(c, (host) => readPort(host, portSpecFromValue(req.current), readOptions(ctx.provider)));
      return { newState: st ? { ...req.current, drift: [...st.drift] } : null, private: reachedPrivate() };
    } catch (err) {
      return keepWhenUnreachable(req.current, req.private, c, subject, err) ?? { newState: req.current, diagnostics: diagnosticsFor(`Read of ${subject}`, err, RENAMES) };
    }
  },

  async importState(req) {
    const id = parseImportId(req.id, 2);
    const [networkId, portId] = id.path;
    const ctx = await readContext(await hostFor(id.connection), id.connection.statePath, networkId);
    const port = ctx.ports.get(portId);
    if (!port) {
      return { diagnostics: [errorDiagnostic(`Cannot import port ${portId}`, `${nodeLabel(id.connection)} keeps no port ${portId} for network ${networkId} under ${id.connection.statePath}/dhcp`)] };
    }
    const hostnames = new Set((port.dnsAssignment ?? []).map((d) => d.hostname));
    const state: ObjectValue = {
      node: connectionToValue(id.connection),
      network_id: networkId,
      port_id: port.id,
      mac_address: port.macAddress,
      fixed_ips: port.fixedIps.map((f) => ({ ip_address: f.ipAddress, subnet_id: f.subnetId })),
      hostname: hostnames.size === 1 ? [...hostnames][0] : null,
      device_owner: port.deviceOwner || null,
      extra_dhcp_opts: port.extraDhcpOpts.length ? port.extraDhcpOpts.map((o) => ({ opt_name: o.optName, opt_value: o.optValue, ip_version: o.ipVersion })) : null,
      // Not read back from the node: user-data is a secret the provider never reads out.
      metadata: null,
      drift: [],
    };
    return { imported: [{ state: normalise(state, null) }] };
  },
};
