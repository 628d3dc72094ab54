/**
 * Agent options from JSON written with neutron's `dhcp_agent.ini` names (snake_case), and
 * defaults for TypeScript callers.
 */
import type { ValidationIssue } from './errors';
import { DEFAULT_AGENT_OPTIONS, type AgentOptions } from './types';
import { toSnakeCasePath, validateAgentOptions } from './validate';

type Kind = 'string' | 'integer' | 'boolean' | 'ipList';

interface OptionSpec {
  readonly field: keyof AgentOptions;
  readonly kind: Kind;
}

/** neutron option name → model field and JSON type. */
export const AGENT_OPTION_JSON_KEYS: Readonly<Record<string, OptionSpec>> = Object.freeze({
  dns_domain: { field: 'dnsDomain', kind: 'string' },
  dhcp_lease_duration: { field: 'dhcpLeaseDuration', kind: 'integer' },
  dnsmasq_lease_max: { field: 'dnsmasqLeaseMax', kind: 'integer' },
  dnsmasq_dns_servers: { field: 'dnsmasqDnsServers', kind: 'ipList' },
  dnsmasq_local_resolv: { field: 'dnsmasqLocalResolv', kind: 'boolean' },
  enable_isolated_metadata: { field: 'enableIsolatedMetadata', kind: 'boolean' },
  force_metadata: { field: 'forceMetadata', kind: 'boolean' },
  dhcp_broadcast_reply: { field: 'dhcpBroadcastReply', kind: 'boolean' },
  dhcp_renewal_time: { field: 'dhcpRenewalTime', kind: 'integer' },
  dhcp_rebinding_time: { field: 'dhcpRebindingTime', kind: 'integer' },
  state_path: { field: 'statePath', kind: 'string' },
  interface_name: { field: 'interfaceName', kind: 'string' },
});

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
