/**
 * Agent options from JSON written with neutron's `dhcp_agent.ini` names (snake_case), and
 * defaults for TypeScript callers.
 */
import type { ValidationIssue } from './errors';
import { DEFAULT_AGENT_OPTIONS, type AgentOptions } from './types';
import { toSnakeCasePath, validateAgentOptions } from './validate';

type Kind = 'string' | 'integer' | 'boolean' | 'ipList';

/**
 * One agent option, every name it has in one row: neutron's `dhcp_agent.ini` name (also the key
 * in options JSON, `agentOptionsFromJson`), the model field, and — for options a network sets —
 * the Terraform attribute of `dhcpagent_network` and the `DhcpNetwork` prop. The default is
 * `DEFAULT_AGENT_OPTIONS[field]`.
 */
export interface AgentOptionRow {
  /** neutron's option name (`dhcp_agent.ini`, options JSON). */
  readonly neutron: string;
  /** The `AgentOptions` field. */
  readonly field: keyof AgentOptions;
  readonly kind: Kind;
  /** The `dhcpagent_network` attribute, when a network sets the option. */
  readonly attribute?: string;
  /** The `DhcpNetwork` prop (the attribute in camelCase), when a network sets the option. */
  readonly prop?: string;
  /** The `dhcpagent_network` attribute's description (and docs); says the default as `Default: \`…\``. */
  readonly description?: string;
}

const OPTIONS = [
  {
    neutron: 'dns_domain',
    field: 'dnsDomain',
    kind: 'string',
    attribute: 'dns_domain',
    prop: 'dnsDomain',
    description: 'Domain of the clients\' names (`--domain`, FQDNs in the host file). Default: `openstacklocal`; `""` for none.',
  },
  {
    neutron: 'dhcp_lease_duration',
    field: 'dhcpLeaseDuration',
    kind: 'integer',
    attribute: 'lease_duration_seconds',
    prop: 'leaseDurationSeconds',
    description: 'DHCP lease time; `-1` for infinite. Default: `86400`.',
  },
  { neutron: 'dnsmasq_lease_max', field: 'dnsmasqLeaseMax', kind: 'integer', attribute: 'lease_max', prop: 'leaseMax', description: 'Cap of `--dhcp-lease-max`. Default: `16777216`.' },
  {
    neutron: 'dnsmasq_dns_servers',
    field: 'dnsmasqDnsServers',
    kind: 'ipList',
    attribute: 'dns_servers',
    prop: 'dnsServers',
    description: 'Upstream servers dnsmasq forwards queries to (`--server`).',
  },
  {
    neutron: 'dnsmasq_local_resolv',
    field: 'dnsmasqLocalResolv',
    kind: 'boolean',
    attribute: 'local_resolv',
    prop: 'localResolv',
    description: 'Let dnsmasq use the node\'s resolv.conf. Default: `false`.',
  },
  {
    neutron: 'enable_isolated_metadata',
    field: 'enableIsolatedMetadata',
    kind: 'boolean',
    attribute: 'enable_isolated_metadata',
    prop: 'enableIsolatedMetadata',
    description: 'Route 169.254.169.254 to the DHCP server on isolated subnets (neutron\'s option). Default: `false`.',
  },
  {
    neutron: 'force_metadata',
    field: 'forceMetadata',
    kind: 'boolean',
    attribute: 'force_metadata',
    prop: 'forceMetadata',
    description: 'Always route 169.254.169.254 to the DHCP server. Default: `false`.',
  },
  {
    neutron: 'dhcp_broadcast_reply',
    field: 'dhcpBroadcastReply',
    kind: 'boolean',
    attribute: 'broadcast_reply',
    prop: 'broadcastReply',
    description: 'Broadcast DHCP replies (`--dhcp-broadcast`). Default: `false`.',
  },
  {
    neutron: 'dhcp_renewal_time',
    field: 'dhcpRenewalTime',
    kind: 'integer',
    attribute: 'renewal_time_seconds',
    prop: 'renewalTimeSeconds',
    description: 'DHCP T1 sent to clients; `0` or unset: not sent.',
  },
  {
    neutron: 'dhcp_rebinding_time',
    field: 'dhcpRebindingTime',
    kind: 'integer',
    attribute: 'rebinding_time_seconds',
    prop: 'rebindingTimeSeconds',
    description: 'DHCP T2 sent to clients; `0` or unset: not sent.',
  },
  {
    neutron: 'dnsmasq_base_log_dir',
    field: 'dnsmasqBaseLogDir',
    kind: 'string',
    attribute: 'log_dir',
    prop: 'logDir',
    description:
      'Directory under which dnsmasq logs DHCP and DNS to `<log_dir>/<network id>/dhcp_dns_log` (`--log-queries --log-dhcp --log-facility`); the process monitor rotates the file past 10 MiB, keeping one old copy (`dhcp_dns_log.1`); unset or `""`: no log.',
  },
  {
    neutron: 'dnsmasq_enable_addr6_list',
    field: 'dnsmasqEnableAddr6List',
    kind: 'boolean',
    attribute: 'enable_addr6_list',
    prop: 'enableAddr6List',
    description:
      'A port\'s `dhcpv6-stateful` addresses in one subnet go on one host line (`[a],[b]`), so dnsmasq hands out whichever is free, as neutron\'s `dnsmasq_enable_addr6_list`. Default: `false`: one line per address.',
  },
  // Set through the node (`node.state_path`), and derived from the DHCP port id.
  { neutron: 'state_path', field: 'statePath', kind: 'string' },
  { neutron: 'interface_name', field: 'interfaceName', kind: 'string' },
] as const satisfies readonly AgentOptionRow[];

/** The agent options, in neutron's order. */
export const AGENT_OPTIONS: readonly AgentOptionRow[] = OPTIONS;

/** The `DhcpNetwork` props that set agent options (each also a `dhcpagent_network` attribute, snake_cased). */
export type AgentOptionProp = Extract<(typeof OPTIONS)[number], { prop: string }>['prop'];

/** The option rows a network sets (a `dhcpagent_network` attribute and a `DhcpNetwork` prop each). */
export const NETWORK_AGENT_OPTIONS = AGENT_OPTIONS.filter(
  (o): o is AgentOptionRow & { attribute: string; prop: AgentOptionProp; description: string } => o.attribute !== undefined,
);

interface OptionSpec {
  readonly field: keyof AgentOptions;
  readonly kind: Kind;
}

/** neutron option name → model field and JSON type. */
export const AGENT_OPTION_JSON_KEYS: Readonly<Record<string, OptionSpec>> = Object.freeze(
  Object.fromEntries(AGENT_OPTIONS.map((o) => [o.neutron, { field: o.field, kind: o.kind }])),
);

const KNOWN_KEYS = Object.keys(AGENT_OPTION_JSON_KEYS);

/** `DEFAULT_AGENT_OPTIONS` with the given fields on top; `undefined` fields keep their default. */
export function withDefaults(partial: Partial<AgentOptions> = {}): AgentOptions {
  const merged: Record<string, unknown> = { ...DEFAULT_AGENT_OPTIONS };
  for (const [key, value] of Object.entries(partial)) {
    if (value !== undefined) merged[key] = value;
  }
  return merged as unknown as AgentOptions;
}

function typeRule(kind: Kind): string {
  switch (kind) {
    case 'string':
      return 'a string';
    case 'integer':
      return 'an integer';
    case 'boolean':
      return 'true or false';
    case 'ipList':
      return 'a list of IP address strings, or one string of comma-separated addresses (as in dhcp_agent.ini)';
  }
}

/** The JSON value converted to the field's type, or `undefined` when its type is wrong. */
function convert(kind: Kind, value: unknown): unknown {
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'ipList':
      if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? [...value] : undefined;
  }
}

function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Reads agent options given with neutron's option names (`{"dns_domain": "example.org",
 * "dhcp_lease_duration": -1}`) on top of `DEFAULT_AGENT_OPTIONS`. `null`/`undefined` means
 * "all defaults"; `interface_name: null` means "derive it". Unknown keys and wrong types are
 * issues (the default stays in place); the issues also include `validateAgentOptions`'s
 * findings, with snake_case paths.
 */
export function agentOptionsFromJson(json: unknown): { options: AgentOptions; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  if (json === null || json === undefined) return { options: withDefaults(), issues };
  if (typeof json !== 'object' || Array.isArray(json)) {
    issues.push({ path: '(root)', value: json, allowed: `a JSON object with some of the keys ${KNOWN_KEYS.join(', ')}` });
    return { options: withDefaults(), issues };
  }
  const partial: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const spec = AGENT_OPTION_JSON_KEYS[key];
    if (!spec || !Object.prototype.hasOwnProperty.call(AGENT_OPTION_JSON_KEYS, key)) {
      const snake = camelToSnake(key);
      const hint = snake !== key && KNOWN_KEYS.includes(snake) ? ` (did you mean "${snake}"?)` : '';
      issues.push({ path: key, value, allowed: `one of the known options ${KNOWN_KEYS.join(', ')}${hint}` });
      continue;
    }
    if (spec.field === 'interfaceName' && value === null) continue;
    const converted = convert(spec.kind, value);
    if (converted === undefined) {
      issues.push({ path: key, value, allowed: typeRule(spec.kind) });
      continue;
    }
    partial[spec.field] = converted;
    given.add(spec.field);
  }
  const options = withDefaults(partial);
  for (const found of validateAgentOptions(options)) {
    const field = found.path.split(/[.[]/)[0];
    if (given.has(field)) issues.push({ ...found, path: toSnakeCasePath(found.path) });
  }
  return { options, issues };
}
