/**
 * `SshHost`: the {@link Host} of a Linux machine reached over SSH (the `ssh2` package), with
 * host-key checking, optional `sudo`, and connections shared through an {@link SshPool}.
 */
import { shq } from './quote';
import { HostError, type ExecResult, type Host, type RunOptions, type TimeoutOptions, type WriteFileOptions } from './types';
import { READ_MISSING_EXIT, readFileScript, writeFileScript } from './file-scripts';
import { poolKey, resolveSshHostConfig, sshLabel, type ResolvedSshHostConfig, type SshHostConfig } from './ssh-config';
import { SshPoolEntry, type ExecOutput } from './ssh-pool';

export type { SshHostConfig, ResolvedSshHostConfig } from './ssh-config';

const DEFAULT_TIMEOUT_MS = 60_000;

/** A host reached over SSH. Cheap to create: the connection is opened on first use and shared. */
export class SshHost implements Host {
  readonly label: string;
  readonly config: ResolvedSshHostConfig;
  private readonly entry: SshPoolEntry;

  /** @throws {ValidationError} when the config is invalid (every problem is listed). */
  constructor(config: SshHostConfig, pool: SshPool = defaultSshPool) {
    this.config = resolveSshHostConfig(config);
    this.label = sshLabel(this.config);
    this.entry = pool.entryFor(this.config);
  }

  async run(script: string, opts?: RunOptions): Promise<ExecResult> {
    const out = await this.exec('sh -s', Buffer.from(script, 'utf8'), opts, 'run');
    return { code: out.code, stdout: out.stdout.toString('utf8'), stderr: out.stderr.toString('utf8') };
  }

  async writeFile(path: string, content: string | Uint8Array, opts?: WriteFileOptions): Promise<void> {
    const script = writeFileScript(path, opts?.mode ?? 0o644);
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    const out = await this.exec(`sh -c ${shq(script)}`, data, opts, `writeFile ${path}`);
    if (out.code !== 0) {
      throw new HostError(this.label, `writeFile ${path}: exit code ${out.code}: ${out.stderr.toString('utf8').trim()}`, 'other');
    }
  }

  async readFile(path: string, opts?: TimeoutOptions): Promise<Buffer | null> {
    const out = await this.exec(`sh -c ${shq(readFileScript(path))}`, Buffer.alloc(0), opts, `readFile ${path}`);
    if (out.code === READ_MISSING_EXIT && out.stdout.length === 0) return null;
    if (out.code !== 0) {
      throw new HostError(this.label, `readFile ${path}: exit code ${out.code}: ${out.stderr.toString('utf8').trim()}`, 'other');
    }
    return out.stdout;
  }

  /** Ends the shared connection once running commands finished; later calls reconnect. */
  close(): Promise<void> {
    return this.entry.close();
  }

  /** Number of SSH connections this host's pool entry has established (reconnects included). */
  get connects(): number {
    return this.entry.connects;
  }

  private exec(command: string, input: Buffer, opts: TimeoutOptions | undefined, what: string): Promise<ExecOutput> {
    const timeoutMs = opts?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new RangeError(`timeoutMs: got ${timeoutMs}; a positive number of milliseconds is allowed`);
    }
    const sudo = this.config.become === 'sudo';
    return this.entry.exec(remoteCommand(command, timeoutMs, sudo), input, { timeoutMs, what, sudo });
  }
}

/**
 * The command line sent to the server for `command` (`sh -s` or `sh -c '…'`). Closing a
 * channel does not stop what runs in it, so the remote side bounds the run too: coreutils or
 * busybox `timeout` kills the command's whole process group with SIGKILL shortly after the
 * caller gave up (daemons that detached into their own session are not affected). Hosts
 * without `timeout` run the command unbounded.
 */
export function remoteCommand(command: string, timeoutMs: number, sudo: boolean): string {
  const seconds = Math.ceil(timeoutMs / 1000) + REMOTE_GRACE_S;
  const bounded = `if command -v timeout >/dev/null 2>&1; then exec timeout -s KILL ${seconds} ${command}; else exec ${command}; fi`;
  return sudo ? `sudo -n -- sh -c ${shq(bounded)}` : bounded;
}

/** Extra seconds the remote side waits past the caller's timeout before killing the run. */
const REMOTE_GRACE_S = 2;

/**
 * Shares one SSH connection per (host, port, user) among all hosts made from it (as long as
 * they trust the host key and authenticate the same way). Connections stay open until
 * {@link SshPool.closeAll} (or {@link SshHost.close}); a process that is done with SSH calls it,
 * or the open connections keep it alive.
 */
export class SshPool {
  private readonly entries = new Map<string, SshPoolEntry>();

  /** A host using this pool. @throws {ValidationError} when the config is invalid. */
  get(config: SshHostConfig): SshHost {
    return new SshHost(config, this);
  }

  /** @internal The entry for a resolved config, created on first use. */
  entryFor(config: ResolvedSshHostConfig): SshPoolEntry {
    const key = poolKey(config);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = new SshPoolEntry(config);
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** What the pool holds: one line per entry. */
  stats(): Array<{ label: string; connected: boolean; connects: number }> {
    return [...this.entries.values()].map((e) => ({ label: e.label, connected: e.connected, connects: e.connects }));
  }

  /** Closes every connection now (running commands fail); the pool may be used again. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.destroy()));
  }
}

/** The pool `new SshHost(config)` uses unless given another. */
export const defaultSshPool = new SshPool();
