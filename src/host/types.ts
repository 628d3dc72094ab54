/** A machine the agent acts on. Every remote action of the project goes through this. */
export interface Host {
  /** Label for messages, e.g. `root@192.0.2.10:22` or `local`. */
  readonly label: string;
  /**
   * Runs a POSIX `sh` script as root (through `sudo -n` when the host is configured with
   * `become: 'sudo'`). The script travels on the channel's stdin, so its size is not limited by
   * the kernel's argument limits. A non-zero exit is a result, not an exception; a transport
   * failure or a timeout throws {@link HostError}.
   */
  run(script: string, opts?: RunOptions): Promise<ExecResult>;
  /** Writes a file atomically: temporary file in the same directory, mode set, then rename. */
  writeFile(path: string, content: string | Uint8Array, opts?: WriteFileOptions): Promise<void>;
  /** Reads a file; `null` when it does not exist. */
  readFile(path: string, opts?: TimeoutOptions): Promise<Buffer | null>;
  /** Releases connections; the host may be used again afterwards (it reconnects). */
  close(): Promise<void>;
}

export interface TimeoutOptions {
  /** @default 60000 */
  readonly timeoutMs?: number;
}

export type RunOptions = TimeoutOptions;

export interface WriteFileOptions extends TimeoutOptions {
  /** @default 0o644 */
  readonly mode?: number;
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Transport-level failure: could not connect, authentication, host key refused, timeout. */
export class HostError extends Error {
  constructor(
    readonly host: string,
    message: string,
    readonly kind: 'connect' | 'auth' | 'host-key' | 'timeout' | 'channel' | 'other' = 'other',
    options?: { cause?: unknown },
  ) {
    super(`${host}: ${message}`, options);
    this.name = 'HostError';
  }
}
