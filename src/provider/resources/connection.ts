/**
 * The `node` attribute every dhcpagent resource carries: how to reach the node over SSH and
 * where the agent keeps its files there. Kept in each resource's state so that destroy works
 * from state alone, even after the node left the configuration. Key material is never an
 * attribute: private keys are named by path, or come from ssh-agent.
 */
import type { Host } from '../../host/types';
import { sshLabel, type SshHostConfig } from '../../host/ssh-config';
import { DEFAULT_AGENT_OPTIONS } from '../../model/types';
import { SSH_CONNECTION_FIELDS, renderDoc } from '../../host/ssh-connection';
import { isUnknown, t } from '../cty';
import type { ObjectValue, Value } from '../cty';
import { rowIssues, withRowDefaults, type Row } from '../table';
import { bool, num, obj, str } from './values';
import { errorDiagnostic, type Diagnostic } from '../diagnostics';
import { KEY_MATERIAL_SHOWN_AS, PRIVATE_KEY_PATH_RULE, keyMaterialIn } from '../../model/secrets';
import { formatIssue } from '../../model/errors';
import { checkStatePath } from '../../model/validate';

/** Where a resource's spec keeps the state path (validation reports it there). */
type StatePathSpec = 'statePath' | 'options.statePath';

/** The SSH fields' Terraform flags; names, types, defaults, checks and descriptions are `SSH_CONNECTION_FIELDS`'. */
const SSH_ROW_EXTRAS: Readonly<Record<string, Partial<Row>>> = {
  host: { replace: true },
  port: { presence: 'optional+computed', replace: true },
  user: { presence: 'optional+computed' },
  // A path is no secret, but a key pasted here by mistake (file(...)) must not be shown.
  private_key_path: { sensitive: true },
};

const CTY = { string: t.string, number: t.number, boolean: t.bool } as const;

/** The rows of the `node` attribute: the SSH connection fields, then the state path. */
function nodeRows(statePathSpec: StatePathSpec): Row[] {
  return [
    ...SSH_CONNECTION_FIELDS.map(
      (f): Row => ({
        name: f.attribute,
        type: CTY[f.type],
        presence: f.required ? 'required' : 'optional',
        ...(f.default !== undefined ? { default: f.default } : {}),
        // Numbers arrive as PreciseNumber when they do not fit a double.
        ...(f.check ? { validate: (x, p) => f.check!(f.type === 'number' ? (num(x as Value) ?? x) : x, p) } : {}),
        description: renderDoc(f.description, 'terraform'),
        ...SSH_ROW_EXTRAS[f.attribute],
      }),
    ),
    {
      name: 'state_path',
      type: t.string,
      presence: 'optional+computed',
      default: DEFAULT_AGENT_OPTIONS.statePath,
      replace: true,
      validate: checkStatePath,
      spec: [statePathSpec],
      description: 'Directory of the agent\'s files on the node (neutron layout `dhcp/<network-id>/`). Default: `/var/lib/dhcp-agent`.',
    },
  ];
}

/** The field names of {@link NodeConnection} by attribute (the SSH fields' table, and the state path). */
const FIELD_OF: Readonly<Record<string, keyof NodeConnection>> = Object.fromEntries<keyof NodeConnection>([
  ...SSH_CONNECTION_FIELDS.map((f): [string, keyof NodeConnection] => [f.attribute, f.field as keyof NodeConnection]),
  ['state_path', 'statePath'],
]);

/** The `node` attribute's table row, for a resource whose spec keeps the state path at `statePathSpec`. */
export function nodeRow(statePathSpec: StatePathSpec): Row {
  return {
    name: 'node',
    presence: 'required',
    description:
      'How to reach the node over SSH, and where the agent keeps its files there. Private keys are given by path (or come from ssh-agent) and are never stored in state.',
    nested: { nesting: 'single', rows: nodeRows(statePathSpec) },
  };
}

/** Every row is the same whichever resource carries it, but for where its spec keeps the state path. */
const ROWS = nodeRows('statePath');

export interface NodeConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKeyPath?: string;
  readonly hostKeySha256?: string;
  readonly knownHostsPath?: string;
  readonly insecureIgnoreHostKey?: boolean;
  readonly become?: 'sudo';
  readonly statePath: string;
}

export function connectionFromValue(value: Value | undefined): NodeConnection {
  const v = obj(value);
  const out: Record<string, unknown> = {};
  for (const r of ROWS) {
    const x = v[r.name];
    const read = r.type === t.bool ? bool(x) : r.type === t.number ? num(x) : str(x);
    out[FIELD_OF[r.name]] = read ?? r.default ?? (r.presence === 'required' ? '' : undefined);
  }
  return out as unknown as NodeConnection;
}

/**
 * ValidateResourceConfig's check of the `node` attribute: key material given as
 * `private_key_path` (e.g. `file("~/.ssh/id_ed25519")`) is refused before any plan or state
 * holds it, and the diagnostic says what was found without repeating it; then each known value
 * against its row's validator.
 */
export function validateNode(config: ObjectValue): Diagnostic[] {
  const node = config.node;
  if (node === null || node === undefined || isUnknown(node)) return [];
  const v = obj(node);
  const keyPath = v.private_key_path;
  const found = typeof keyPath === 'string' ? keyMaterialIn(keyPath) : null;
  if (found) {
    return [errorDiagnostic('Invalid node.private_key_path', `node.private_key_path: got ${KEY_MATERIAL_SHOWN_AS}; ${PRIVATE_KEY_PATH_RULE}; found ${found}`, ['node', 'private_key_path'])];
  }
  // Known values only (a value from another resource is checked at apply).
  return rowIssues(ROWS, v, 'node.').map((bad) => errorDiagnostic(`Invalid ${bad.path}`, formatIssue(bad), bad.path.split('.')));
}

/** The `node` value for a connection (for import: only what was given is set). */
export function connectionToValue(c: Partial<NodeConnection> & { host: string }): ObjectValue {
  return Object.fromEntries(ROWS.map((r) => [r.name, (c[FIELD_OF[r.name]] as Value | undefined) ?? null]));
}

/**
 * The `node` value with its defaults filled in (port, user, state_path are optional+computed),
 * so that an unset port and an explicit 22 are the same node. Unknown values stay unknown.
 */
export function normaliseNode(value: Value | undefined): Value {
  if (value === null || value === undefined || isUnknown(value)) return value ?? null;
  return withRowDefaults(ROWS, obj(value));
}

/** The `node` attributes an import id carries as query keys: all but the address (`user@host:port`). */
export const IMPORT_QUERY_KEYS: readonly string[] = ROWS.map((r) => r.name).filter((n) => n !== 'host' && n !== 'port' && n !== 'user');

/** The query of an import id for `c`: its settings that are set, in table order. */
export function importQuery(c: NodeConnection): [string, string][] {
  return IMPORT_QUERY_KEYS.flatMap((name): [string, string][] => {
    const value = c[FIELD_OF[name]];
    return value ? [[name, String(value)]] : [];
  });
}

/** `user@host:port`, as messages name a node (the same label the SSH host uses). */
export function nodeLabel(c: NodeConnection): string {
  return sshLabel(c);
}

/**
 * How the provider connects to a node: each attempt may take 5 s (TCP connect, SSH handshake,
 * authentication), retries wait 250 ms then 750 ms, and everything ends 5 s after the first
 * attempt began. A node that refuses connections is given up on after ~1 s (3 attempts), one
 * that does not answer at all (link down, powered off) after 5 s.
 */
export const PROVIDER_CONNECT = { connectTimeoutMs: 5000, connectDeadlineMs: 5000, connectRetryDelaysMs: [250, 750] } as const;

/**
 * The SSH host for a connection. One pool per provider process: every resource on a node
 * shares one connection. ssh2 is loaded on first use, so plan-only provider starts stay fast.
 */
// async although nothing is awaited: a failure to load ssh2 or a refused config rejects, as callers expect.
// eslint-disable-next-line @typescript-eslint/require-await
export async function hostFor(c: NodeConnection): Promise<Host> {
  // Loaded on first use (require, not import: the bundle then evaluates ssh2 lazily).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { defaultSshPool } = require('../../host/ssh') as typeof import('../../host/ssh');
  const config: SshHostConfig = {
    host: c.host,
    port: c.port,
    user: c.user,
    ...(c.privateKeyPath ? { privateKeyPath: c.privateKeyPath } : {}),
    ...(c.hostKeySha256 ? { hostKeySha256: c.hostKeySha256 } : {}),
    ...(c.knownHostsPath ? { knownHostsPath: c.knownHostsPath } : {}),
    ...(c.insecureIgnoreHostKey ? { insecureIgnoreHostKey: true } : {}),
    ...(c.become ? { become: c.become } : {}),
    ...PROVIDER_CONNECT,
  };
  return defaultSshPool.get(config);
}
