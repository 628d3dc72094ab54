/**
 * The connection machinery behind `SshHost`: one SSH connection per pool entry, opened lazily,
 * shared by every call, re-opened with backoff when it dropped, with a cap on concurrent
 * channels (opening a connection: ssh-connect.ts). Commands run here are complete shell command
 * lines built by the caller.
 */
import { constants as osConstants } from 'node:os';
import type { Client, ClientChannel } from 'ssh2';
import { abortReason } from './abort';
import { errorMessage, isError, toError } from '../model/errors';
import { HostError } from './types';
import { Semaphore } from './semaphore';
import { DEFAULT_CONNECT_RETRY_DELAYS_MS, sshLabel, type ResolvedSshHostConfig } from './ssh-config';
import { connectSsh } from './ssh-connect';

/** Waits before retrying a channel open that the server refused (e.g. MaxSessions reached). */
const REFUSED_OPEN_DELAYS_MS = [20, 50, 100, 200, 400, 800];

/** ssh2 sets a numeric `reason` when the server answered a channel open with a failure. */
function refusedByServer(err: unknown): boolean {
  return typeof (err as { reason?: unknown } | null)?.reason === 'number';
}

/** Waits before the 2nd, 3rd and 4th connection attempt after a retryable failure (the default). */
export const RECONNECT_DELAYS_MS: readonly number[] = DEFAULT_CONNECT_RETRY_DELAYS_MS;

/** What a finished remote command produced. */
export interface ExecOutput {
  readonly code: number;
  /** Signal name (e.g. `SIGKILL`) when the command was killed by one; `code` is then 128 + its number. */
  readonly signal?: string;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

/** One established, authenticated SSH connection. */
export class SshConnection {
  private active = 0;
  private retired = false;
  private alive = true;
  /** Set once `sudo -n true` succeeded on this connection. */
  sudoChecked: Promise<void> | undefined;
  /** Resolves when the connection is closed, whatever closed it. */
  readonly closed: Promise<void>;

  constructor(private readonly client: Client) {
    let markClosed!: () => void;
    this.closed = new Promise((resolve) => (markClosed = resolve));
    // Errors after the handshake (keepalive timeout, reset) are followed by 'close'; the
    // listener keeps them from becoming uncaught exceptions.
    client.on('error', () => {
      this.alive = false;
    });
    client.on('end', () => {
      this.alive = false;
    });
    client.on('close', () => {
      this.alive = false;
      markClosed();
    });
  }

  /** Whether new channels may be opened here. */
  get usable(): boolean {
    return this.alive && !this.retired;
  }

  /** Channels currently open (or being opened). */
  get openChannels(): number {
    return this.active;
  }

  /**
   * Opens a session channel running `command`. A channel that opens after `signal` aborted is
   * closed at once.
   */
  open(command: string, signal: AbortSignal): Promise<ClientChannel> {
    if (!this.usable) return Promise.reject(new Error('connection is closed'));
    this.active++;
    return new Promise((resolve, reject) => {
      const fail = (err: unknown): void => {
        this.active--;
        this.endIfRetiredAndIdle();
        reject(toError(err));
      };
      try {
        this.client.exec(command, (err, channel) => {
          if (err) return fail(err);
          channel.once('close', () => {
            this.active--;
            this.endIfRetiredAndIdle();
          });
          if (signal.aborted) {
            channel.close();
            reject(abortReason(signal));
            return;
          }
          resolve(channel);
        });
      } catch (err) {
        fail(err);
      }
    });
  }

  /** No new channels; the connection ends once the open ones have finished. */
  retire(): Promise<void> {
    this.retired = true;
    this.endIfRetiredAndIdle();
    return this.closed;
  }

  /** Ends the connection now, cutting any open channel. */
  destroy(): Promise<void> {
    this.retired = true;
    this.alive = false;
    this.client.destroy();
    return this.closed;
  }

  private endIfRetiredAndIdle(): void {
    if (this.retired && this.active === 0) this.client.end();
  }
}

/** Runs commands on one (host, port, user, trust, credentials) over one shared connection. */
export class SshPoolEntry {
  readonly label: string;
  private readonly semaphore: Semaphore;
  private current: SshConnection | undefined;
  private connecting: Promise<SshConnection> | undefined;
  private connectCount = 0;

  constructor(readonly config: ResolvedSshHostConfig) {
    this.label = sshLabel(config);
    this.semaphore = new Semaphore(config.maxChannels);
  }

  /** Number of SSH connections established so far (a reconnect adds one). */
  get connects(): number {
    return this.connectCount;
  }

  /** Whether a usable connection is open right now. */
  get connected(): boolean {
    return this.current?.usable ?? false;
  }

  /**
   * Runs a command line, writing `input` on its stdin. The timeout covers waiting for a
   * channel slot, connecting, and the command itself; on expiry the channel is closed and a
   * `HostError('timeout')` is thrown. A channel that cannot be opened is retried once on a
   * fresh connection. With `sudo`, passwordless sudo is checked once per connection first.
   */
  async exec(command: string, input: Buffer, opts: { timeoutMs: number; what: string; sudo: boolean }): Promise<ExecOutput> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new HostError(this.label, `${opts.what} timed out after ${opts.timeoutMs} ms`, 'timeout')),
      opts.timeoutMs,
    );
    const signal = controller.signal;
    try {
      const release = await this.semaphore.acquire(signal);
      try {
        for (let attempt = 0; ; attempt++) {
          const conn = await abortable(this.connection(), signal);
          let channel: ClientChannel;
          try {
            if (opts.sudo) await abortable(this.checkSudo(conn), signal);
            channel = await abortable(conn.open(command, signal), signal);
          } catch (err) {
            if (signal.aborted) {
              // A server that does not even answer a channel open is likely gone without a
              // FIN: do not hand this connection to the next caller.
              void conn.retire();
              if (this.current === conn) this.current = undefined;
              throw signal.reason;
            }
            if (isError(err, HostError)) throw err;
            if (refusedByServer(err) && attempt < REFUSED_OPEN_DELAYS_MS.length) {
              // The server answered, so the connection works: sshd still counts sessions whose
              // channels we already saw close (MaxSessions). Wait for it to catch up.
              await abortable(sleep(REFUSED_OPEN_DELAYS_MS[attempt]), signal);
              continue;
            }
            if (attempt === 0) {
              // The connection may be half-dead (peer gone, MaxSessions reached): leave it to
              // finish its other channels and try once more on a new one.
              void conn.retire();
              if (this.current === conn) this.current = undefined;
              continue;
            }
            throw new HostError(this.label, `cannot open an SSH channel for ${opts.what}: ${errorMessage(err)}`, 'channel', { cause: err });
          }
          return await collect(channel, input, signal, this.label, opts.what);
        }
      } finally {
        release();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the connection once its running commands have finished; the next call reconnects. */
  async close(): Promise<void> {
    const conn = this.current;
    this.current = undefined;
    if (conn) await conn.retire();
  }

  /** Ends the connection now, including one still being opened. */
  async destroy(): Promise<void> {
    const conn = this.current;
    this.current = undefined;
    if (conn) await conn.destroy();
    const pending = this.connecting;
    if (pending) {
      const late = await pending.catch(() => undefined);
      if (late) {
        if (this.current === late) this.current = undefined;
        await late.destroy();
      }
    }
  }

  /** The shared connection, opened (or re-opened after a drop) on first need. */
  private connection(): Promise<SshConnection> {
    if (this.current?.usable) return Promise.resolve(this.current);
    if (!this.connecting) {
      const attempt = connectSsh(this.config, this.label, (client) => new SshConnection(client)).then(
        (conn) => {
          this.connecting = undefined;
          this.current = conn;
          this.connectCount++;
          return conn;
        },
        (err: unknown) => {
          this.connecting = undefined;
          throw err;
        },
      );
      // A caller that timed out no longer awaits this; the next caller will.
      attempt.catch(() => undefined);
      this.connecting = attempt;
    }
    return this.connecting;
  }

  private checkSudo(conn: SshConnection): Promise<void> {
    if (!conn.sudoChecked) {
      // Shared by every caller on this connection, so it has its own time limit rather than
      // the first caller's.
      const timeoutMs = this.config.connectTimeoutMs;
      const controller = new AbortController();
      const timer = setTimeout(
        () => controller.abort(new HostError(this.label, `sudo check timed out after ${timeoutMs} ms`, 'timeout')),
        timeoutMs,
      );
      const check = (async () => {
        const channel = await abortable(conn.open('sudo -n true', controller.signal), controller.signal);
        const out = await collect(channel, Buffer.alloc(0), controller.signal, this.label, 'sudo check');
        if (out.code !== 0) {
          const said = out.stderr.toString('utf8').trim() || `exit code ${out.code}`;
          throw new HostError(
            this.label,
            `become: 'sudo' needs passwordless sudo for user ${this.config.user} (a NOPASSWD rule); \`sudo -n true\` said: ${said}`,
            'auth',
          );
        }
      })().finally(() => clearTimeout(timer));
      conn.sudoChecked = check;
      // Only success is remembered: a failed check is tried again by the next call.
      check.catch(() => {
        if (conn.sudoChecked === check) conn.sudoChecked = undefined;
      });
    }
    return conn.sudoChecked;
  }
}

/** Writes `input`, collects both outputs and the exit status of an open channel. */
function collect(channel: ClientChannel, input: Buffer, signal: AbortSignal, label: string, what: string): Promise<ExecOutput> {
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let code: number | undefined;
    let signalName: string | undefined;
    const onAbort = (): void => {
      // An SSH "signal" request cannot help here: ssh2 only sends it before stdin's EOF, and
      // sshd would signal the login shell only. The caller's command line bounds the remote
      // run itself (see SshHost).
      channel.close();
      reject(abortReason(signal));
    };
    channel.on('data', (d: Buffer) => stdout.push(d));
    channel.stderr.on('data', (d: Buffer) => stderr.push(d));
    channel.on('exit', (exitCode: number | null, sig?: string) => {
      if (typeof exitCode === 'number') code = exitCode;
      else if (sig) signalName = sig.startsWith('SIG') ? sig : `SIG${sig}`;
    });
    // A channel write that fails (remote gone) surfaces again as 'close' without exit status.
    channel.on('error', () => undefined);
    channel.once('close', () => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) return reject(abortReason(signal));
      if (code === undefined && signalName === undefined) {
        return reject(new HostError(label, `${what}: the connection was lost before the command finished`, 'channel'));
      }
      const status = code ?? 128 + signalNumber(signalName ?? '');
      resolve({ code: status, signal: signalName, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) });
    });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    channel.end(input);
  });
}

/** Number of a signal named `TERM` (as RFC 4254 sends it) or `SIGTERM`; 0 when unknown. */
function signalNumber(name: string): number {
  const key = (name.startsWith('SIG') ? name : `SIG${name}`) as keyof typeof osConstants.signals;
  return osConstants.signals[key] ?? 0;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(toError(e));
      },
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
