/**
 * The `node` attribute every dhcpagent resource carries: how to reach the node over SSH and
 * where the agent keeps its files there. Kept in each resource's state so that destroy works
 * from state alone, even after the node left the configuration. Key material is never an
 * attribute: private keys are named by path, or come from ssh-agent.
 */
import type { Host } from '../../host/types';
import { sshLabel, type SshHostConfig } from '../../host/ssh-config';
import { DEFAULT_AGENT_OPTIONS } from '../../model/types';
import { isUnknown, t } from '../cty';
import type { ObjectValue, Value } from '../cty';
import type { NestedAttribute } from '../schema';
import { bool, num, obj, str } from './values';
import { errorDiagnostic, type Diagnostic } from '../diagnostics';
import { KEY_MATERIAL_SHOWN_AS, PRIVATE_KEY_PATH_RULE, keyMaterialIn } from '../../model/secrets';
import { formatIssue, type ValidationIssue } from '../../model/errors';
import { checkNodeHost, checkStatePath, checkUnixUser } from '../../model/validate';

export const nodeAttribute: NestedAttribute = {
  required: true,
  description:
    'How to reach the node over SSH, and where the agent keeps its files there. Private keys are given by path (or come from ssh-agent) and are never stored in state.',
  nested: {
    nesting: 'single',
    attributes: {
      host: { type: t.string, required: true, requiresReplace: true, description: 'Address or host name of the node.' },
      port: { type: t.number, optional: true, computed: true, requiresReplace: true, description: 'SSH port. Default: `22`.' },
      user: { type: t.string, optional: true, computed: true, description: 'Login user. Default: `root`; other users need `become = "sudo"`.' },
      private_key_path: {
        type: t.string,
        optional: true,
        // A path is no secret, but a key pasted here by mistake (file(...)) must not be shown.
        sensitive: true,
        description: 'Path of a private key file on the machine running Terraform (`~` expands). Default: the keys of the ssh-agent at `SSH_AUTH_SOCK`.',
      },
      host_key_sha256: {
        type: t.string,
        optional: true,
        description: 'The node\'s host key fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`). Exactly one of `host_key_sha256`, `known_hosts_path` and `insecure_ignore_host_key` is required.',
      },
      known_hosts_path: { type: t.string, optional: true, description: 'A known_hosts file that lists the node\'s host key.' },
      insecure_ignore_host_key: { type: t.bool, optional: true, description: 'Accept any host key. Only for throw-away test nodes.' },
      become: { type: t.string, optional: true, description: 'Set to `sudo` to run as root through passwordless `sudo -n` when `user` is not root.' },
      state_path: {
        type: t.string,
        optional: true,
        computed: true,
        requiresReplace: true,
        description: 'Directory of the agent\'s files on the node (neutron layout `dhcp/<network-id>/`). Default: `/var/lib/dhcp-agent`.',
      },
    },
  },
};

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
  const become = str(v.become);
  return {
    host: str(v.host) ?? '',
    port: num(v.port) ?? 22,
    user: str(v.user) ?? 'root',
    privateKeyPath: str(v.private_key_path),
    hostKeySha256: str(v.host_key_sha256),
    knownHostsPath: str(v.known_hosts_path),
    insecureIgnoreHostKey: bool(v.insecure_ignore_host_key) ?? undefined,
    become: become as 'sudo' | undefined,
    statePath: str(v.state_path) ?? DEFAULT_AGENT_OPTIONS.statePath,
  };
}

/**
 * ValidateResourceConfig's check of the `node` attribute: key material given as
 * `private_key_path` (e.g. `file("~/.ssh/id_ed25519")`) is refused before any plan or state
 * holds it, and the diagnostic says what was found without repeating it.
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
  const checks: [string, (x: unknown, p: string) => ValidationIssue | null][] = [
    ['host', checkNodeHost],
    ['user', checkUnixUser],
    ['state_path', checkStatePath],
    ['port', (x, p) => {
      const n = num(x as Value);
      return n !== undefined && Number.isInteger(n) && n >= 1 && n <= 65535 ? null : { path: p, value: n ?? x, allowed: 'a TCP port from 1 to 65535' };
    }],
    ['host_key_sha256', (x, p) => (typeof x === 'string' && /^SHA256:[A-Za-z0-9+/]{43}=?$/.test(x) ? null : { path: p, value: x, allowed: 'a fingerprint as ssh-keygen -lf prints it: SHA256: followed by 43 base64 characters' })],
    ['become', (x, p) => (x === 'sudo' ? null : { path: p, value: x, allowed: '"sudo" (or unset)' })],
  ];
  const out: Diagnostic[] = [];
  for (const [key, check] of checks) {
    const x = v[key];
    if (x === null || x === undefined || isUnknown(x)) continue;
    const bad = check(x, `node.${key}`);
    if (bad) out.push(errorDiagnostic(`Invalid node.${key}`, formatIssue(bad), ['node', key]));
  }
  return out;
}

/** The `node` value for a connection (for import: only what was given is set). */
export function connectionToValue(c: Partial<NodeConnection> & { host: string }): ObjectValue {
  return {
    host: c.host,
    port: c.port ?? null,
    user: c.user ?? null,
    private_key_path: c.privateKeyPath ?? null,
    host_key_sha256: c.hostKeySha256 ?? null,
    known_hosts_path: c.knownHostsPath ?? null,
    insecure_ignore_host_key: c.insecureIgnoreHostKey ?? null,
    become: c.become ?? null,
    state_path: c.statePath ?? null,
  };
}

/**
 * The `node` value with its defaults filled in (port, user, state_path are optional+computed),
 * so that an unset port and an explicit 22 are the same node. Unknown values stay unknown.
 */
export function normaliseNode(value: Value | undefined): Value {
  const v = obj(value);
  if (value === null || value === undefined || isUnknown(value)) return value ?? null;
  return {
    ...v,
    port: v.port === null || v.port === undefined ? 22 : v.port,
    user: v.user === null || v.user === undefined ? 'root' : v.user,
    state_path: v.state_path === null || v.state_path === undefined ? DEFAULT_AGENT_OPTIONS.statePath : v.state_path,
  };
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
