/**
 * Configuration of an SSH host: the fields a user writes, their validation and the resolved
 * form the transport works with.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { ValidationError, type ValidationIssue } from '../model/errors';
import { normalizeFingerprint } from './known-hosts';
import { KEY_MATERIAL_SHOWN_AS, PRIVATE_KEY_PATH_RULE, keyMaterialIn } from '../model/secrets';

export { KEY_MATERIAL_SHOWN_AS, keyMaterialIn };

/** How to reach and trust one SSH host. */
export interface SshHostConfig {
  /** Address or host name of the node. */
  readonly host: string;
  /** SSH port. Default: `22`. @default 22 */
  readonly port?: number;
  /** Login user. Default: `root`; other users need `become: 'sudo'`. @default 'root' */
  readonly user?: string;
  /**
   * Path of a private key file on the machine running Terraform (`~` expands). Default: the keys of
   * the ssh-agent at `SSH_AUTH_SOCK`.
   *
   * The key is read at each connect and kept only in memory for that connection.
   */
  readonly privateKeyPath?: string;
  /**
   * The node's host key fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`). Exactly one of
   * `hostKeySha256`, `knownHostsPath` and `insecureIgnoreHostKey: true` must be set (the
   * `DhcpAgentNode` construct and import ids use `knownHostsPath: '~/.ssh/known_hosts'` when none
   * is).
   *
   * The client prefers ed25519 host keys, so pin the ed25519 key when the server has one.
   */
  readonly hostKeySha256?: string;
  /**
   * A known_hosts file that lists the node's host key (`~` expands).
   *
   * Read at each connect.
   */
  readonly knownHostsPath?: string;
  /** Accept any host key. Only for throw-away test nodes. */
  readonly insecureIgnoreHostKey?: boolean;
  /** Set to `sudo` to run as root through passwordless `sudo -n` when `user` is not root. */
  readonly become?: 'sudo';
  /** Time allowed for TCP connect + SSH handshake + authentication. @default 15000 */
  readonly connectTimeoutMs?: number;
  /**
   * Time allowed for connecting, retries included: each attempt gets what is left of it (at
   * most `connectTimeoutMs`), and no retry starts once it has passed.
   * @default - no overall limit: every attempt gets `connectTimeoutMs`
   */
  readonly connectDeadlineMs?: number;
  /**
   * Waits before the 2nd, 3rd, … connection attempt after a failure that may pass (refused,
   * reset, timed out); one more attempt than waits.
   * @default [200, 800, 1600] (4 attempts)
   */
  readonly connectRetryDelaysMs?: readonly number[];
  /** Interval of SSH keepalive probes on an established connection. @default 15000 */
  readonly keepaliveIntervalMs?: number;
  /** Concurrent channels on one connection (sshd's MaxSessions defaults to 10). @default 8 */
  readonly maxChannels?: number;
}

/** A validated {@link SshHostConfig} with defaults applied and paths expanded. */
export interface ResolvedSshHostConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKeyPath?: string;
  readonly trust:
    | { readonly kind: 'pin'; readonly fingerprint: string }
    | { readonly kind: 'known-hosts'; readonly path: string }
    | { readonly kind: 'insecure' };
  readonly become?: 'sudo';
  readonly connectTimeoutMs: number;
  readonly connectDeadlineMs?: number;
  readonly connectRetryDelaysMs: readonly number[];
  readonly keepaliveIntervalMs: number;
  readonly maxChannels: number;
}

/** Expands a leading `~` or `~/` to the current user's home directory. */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

/** Waits before the 2nd, 3rd and 4th connection attempt after a retryable failure. */
export const DEFAULT_CONNECT_RETRY_DELAYS_MS: readonly number[] = [200, 800, 1600];

const USER_RE = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;
const HOST_RE = /^[A-Za-z0-9._:-]+$/;

/**
 * Checks a config and applies defaults; every problem found is reported at once.
 * @throws {ValidationError}
 */
export function resolveSshHostConfig(config: SshHostConfig, path = 'ssh'): ResolvedSshHostConfig {
  const issues: ValidationIssue[] = [];
  const issue = (field: string, value: unknown, allowed: string): void => {
    issues.push({ path: `${path}.${field}`, value, allowed });
  };

  if (typeof config.host !== 'string' || !HOST_RE.test(config.host)) {
    issue('host', config.host, 'a host name, IPv4 or IPv6 address (letters, digits, ".", "-", ":")');
  }
  const port = config.port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) issue('port', config.port, 'a TCP port 1..65535');
  const user = config.user ?? 'root';
  if (typeof user !== 'string' || !USER_RE.test(user)) {
    issue('user', config.user, 'a user name of letters, digits, ".", "_", "-" (not starting with "-")');
  }
  if (config.privateKeyPath !== undefined && (typeof config.privateKeyPath !== 'string' || config.privateKeyPath === '')) {
    issue('privateKeyPath', config.privateKeyPath, 'a path to a private key file, or unset to use ssh-agent');
  } else if (config.privateKeyPath !== undefined && keyMaterialIn(config.privateKeyPath)) {
    issue('privateKeyPath', KEY_MATERIAL_SHOWN_AS, `${PRIVATE_KEY_PATH_RULE}; found ${keyMaterialIn(config.privateKeyPath)}`);
  }

  const trustFields = (['hostKeySha256', 'knownHostsPath', 'insecureIgnoreHostKey'] as const).filter((f) =>
    f === 'insecureIgnoreHostKey' ? config[f] === true : config[f] !== undefined,
  );
  let trust: ResolvedSshHostConfig['trust'] = { kind: 'insecure' };
  if (trustFields.length !== 1) {
    issue(
      'hostKeySha256/knownHostsPath/insecureIgnoreHostKey',
      trustFields.length === 0 ? 'none set' : trustFields.join(' and '),
      'exactly one of hostKeySha256 (SHA256:… as `ssh-keygen -lf` prints it), knownHostsPath, insecureIgnoreHostKey: true',
    );
  } else if (trustFields[0] === 'hostKeySha256') {
    const fp = typeof config.hostKeySha256 === 'string' ? normalizeFingerprint(config.hostKeySha256) : undefined;
    if (fp === undefined) issue('hostKeySha256', config.hostKeySha256, 'SHA256: followed by 43 base64 characters');
    else trust = { kind: 'pin', fingerprint: fp };
  } else if (trustFields[0] === 'knownHostsPath') {
    if (typeof config.knownHostsPath !== 'string' || config.knownHostsPath === '') {
      issue('knownHostsPath', config.knownHostsPath, 'a path to an OpenSSH known_hosts file');
    } else {
      trust = { kind: 'known-hosts', path: expandHome(config.knownHostsPath) };
    }
  }
  if (config.insecureIgnoreHostKey !== undefined && typeof config.insecureIgnoreHostKey !== 'boolean') {
    issue('insecureIgnoreHostKey', config.insecureIgnoreHostKey, 'true or false');
  }

  if (config.become !== undefined && config.become !== 'sudo') issue('become', config.become, "'sudo' or unset");
  const connectTimeoutMs = config.connectTimeoutMs ?? 15000;
  if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1) {
    issue('connectTimeoutMs', config.connectTimeoutMs, 'a whole number of milliseconds >= 1');
  }
  if (config.connectDeadlineMs !== undefined && (!Number.isInteger(config.connectDeadlineMs) || config.connectDeadlineMs < 1)) {
    issue('connectDeadlineMs', config.connectDeadlineMs, 'a whole number of milliseconds >= 1, or unset');
  }
  const connectRetryDelaysMs = config.connectRetryDelaysMs ?? DEFAULT_CONNECT_RETRY_DELAYS_MS;
  if (!Array.isArray(connectRetryDelaysMs) || connectRetryDelaysMs.length > 10 || connectRetryDelaysMs.some((d) => !Number.isInteger(d) || d < 0)) {
    issue('connectRetryDelaysMs', config.connectRetryDelaysMs, 'a list of at most 10 whole numbers of milliseconds >= 0');
  }
  const keepaliveIntervalMs = config.keepaliveIntervalMs ?? 15000;
  if (!Number.isInteger(keepaliveIntervalMs) || keepaliveIntervalMs < 0) {
    issue('keepaliveIntervalMs', config.keepaliveIntervalMs, 'a whole number of milliseconds >= 0 (0 turns keepalive off)');
  }
  const maxChannels = config.maxChannels ?? 8;
  if (!Number.isInteger(maxChannels) || maxChannels < 1 || maxChannels > 64) {
    issue('maxChannels', config.maxChannels, "a whole number 1..64, below the server's MaxSessions (default 10)");
  }
  if (issues.length > 0) throw new ValidationError(issues);

  const keyPath = config.privateKeyPath === undefined ? undefined : expandHome(config.privateKeyPath);
  return {
    host: config.host,
    port,
    user,
    privateKeyPath: keyPath,
    trust,
    become: config.become,
    connectTimeoutMs,
    ...(config.connectDeadlineMs !== undefined ? { connectDeadlineMs: config.connectDeadlineMs } : {}),
    connectRetryDelaysMs,
    keepaliveIntervalMs,
    maxChannels,
  };
}

/** `user@host:port`, with IPv6 addresses in brackets. */
export function sshLabel(c: Pick<ResolvedSshHostConfig, 'host' | 'port' | 'user'>): string {
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  return `${c.user}@${host}:${c.port}`;
}

/**
 * The pool key: connections are shared per (host, port, user), and only between configs that
 * trust the host and authenticate the same way, so a connection verified against one pin is
 * never handed to a config that pins another key.
 */
export function poolKey(c: ResolvedSshHostConfig): string {
  const trust = c.trust.kind === 'pin' ? `pin:${c.trust.fingerprint}` : c.trust.kind === 'known-hosts' ? `kh:${c.trust.path}` : 'insecure';
  const auth = c.privateKeyPath !== undefined ? `key:${isAbsolute(c.privateKeyPath) ? c.privateKeyPath : join(process.cwd(), c.privateKeyPath)}` : 'agent';
  return JSON.stringify([c.user, c.host, c.port, trust, auth]);
}
