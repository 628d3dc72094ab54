/**
 * A DHCP prober: a lab VM that does full DHCP exchanges (DISCOVER/REQUEST every time, since
 * dnsmasq never grants a lease under 120 s, so renewals would prove nothing) in a bounded loop
 * while something else happens, and counts what failed. It is how the tests show that a change
 * to a port, a network or a node does not interrupt DHCP for clients it does not concern.
 */
import type { DhcpLease } from './types';
import type { LabVm } from './vm';

export interface ProberOptions {
  /** Budget of one exchange; a client that has no lease by then counts as a failure. @default 3000 */
  readonly exchangeTimeoutMs?: number;
  /** Pause between two exchanges. @default 100 */
  readonly pauseMs?: number;
  /**
   * The address the VM must be given; a lease for another address counts as a failure.
   * @default any address
   */
  readonly expectIp?: string;
  /** The loop stops by itself after this long, whether or not `stop` was called. @default 600000 */
  readonly maxRunMs?: number;
}

/** One exchange as the prober saw it. */
export interface ProbeAttempt {
  /** ms since the prober started. */
  readonly startMs: number;
  readonly durationMs: number;
  readonly ok: boolean;
  readonly ip?: string;
  readonly serverId?: string;
  readonly error?: string;
}

export interface ProbeReport {
  readonly attempts: number;
  readonly failures: number;
  /** Longest time from the end of one successful exchange to the end of the next (or to the stop). */
  readonly longestGapMs: number;
  /** DHCP servers that answered, by server identifier. */
  readonly servers: readonly string[];
  readonly log: readonly ProbeAttempt[];
}

/** A running prober; `stop()` ends the loop after the exchange in flight and reports. */
export class DhcpProber {
  private stopping = false;
  private readonly started = Date.now();
  private readonly log: ProbeAttempt[] = [];
  private readonly done: Promise<void>;

  private constructor(
    readonly vm: LabVm,
    private readonly opts: Required<Omit<ProberOptions, 'expectIp'>> & Pick<ProberOptions, 'expectIp'>,
  ) {
    this.done = this.loop();
  }

  /** Starts probing from `vm`. */
  static start(vm: LabVm, opts: ProberOptions = {}): DhcpProber {
    return new DhcpProber(vm, {
      exchangeTimeoutMs: opts.exchangeTimeoutMs ?? 3000,
      pauseMs: opts.pauseMs ?? 100,
      maxRunMs: opts.maxRunMs ?? 600_000,
      ...(opts.expectIp !== undefined ? { expectIp: opts.expectIp } : {}),
    });
  }

  /** Exchanges done so far (successful or not). */
  get attempts(): number {
    return this.log.length;
  }

  /** Resolves once `n` more exchanges (counted from now) have completed. */
  async waitForAttempts(n: number, timeoutMs = 60_000): Promise<void> {
    const target = this.log.length + n;
    const deadline = Date.now() + timeoutMs;
    while (this.log.length < target) {
      if (this.stopping || Date.now() > deadline) throw new Error(`prober ${this.vm.name}: ${target - this.log.length} of ${n} exchanges still missing`);
      await sleep(50);
    }
  }

  async stop(): Promise<ProbeReport> {
    this.stopping = true;
    await this.done;
    return summarise(this.log, Date.now() - this.started);
  }

  private async loop(): Promise<void> {
    while (!this.stopping && Date.now() - this.started < this.opts.maxRunMs) {
      const t0 = Date.now();
      let attempt: ProbeAttempt;
      try {
        const lease: DhcpLease = await this.vm.dhcp({ timeoutMs: this.opts.exchangeTimeoutMs });
        const wrong = this.opts.expectIp !== undefined && lease.ip !== this.opts.expectIp;
        attempt = {
          startMs: t0 - this.started,
          durationMs: Date.now() - t0,
          ok: !wrong,
          ip: lease.ip,
          ...(lease.serverId ? { serverId: lease.serverId } : {}),
          ...(wrong ? { error: `got ${lease.ip}, expected ${this.opts.expectIp}` } : {}),
        };
      } catch (err) {
        attempt = { startMs: t0 - this.started, durationMs: Date.now() - t0, ok: false, error: (err as Error).message };
      }
      this.log.push(attempt);
      if (!this.stopping) await sleep(this.opts.pauseMs);
    }
  }
}

/** Counts and the longest gap between successes; pure, so unit-testable. */
export function summarise(log: readonly ProbeAttempt[], elapsedMs: number): ProbeReport {
  let lastOkEnd = 0;
  let longest = 0;
  for (const a of log) {
    if (!a.ok) continue;
    const end = a.startMs + a.durationMs;
    longest = Math.max(longest, end - lastOkEnd);
    lastOkEnd = end;
  }
  longest = Math.max(longest, elapsedMs - lastOkEnd);
  return {
    attempts: log.length,
    failures: log.filter((a) => !a.ok).length,
    longestGapMs: longest,
    servers: [...new Set(log.map((a) => a.serverId).filter((s): s is string => s !== undefined))].sort(),
    log,
  };
}

/** One line for a test's output: `attempts 42, failures 0, longest gap 310 ms, servers 10.0.0.2`. */
export function formatReport(r: ProbeReport): string {
  const failed = r.log.filter((a) => !a.ok).map((a) => `${a.startMs} ms: ${a.error}`);
  return `attempts ${r.attempts}, failures ${r.failures}, longest gap ${r.longestGapMs} ms, servers ${r.servers.join(' ') || '-'}` +
    (failed.length ? `; failed: ${failed.slice(0, 5).join(' | ')}` : '');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
