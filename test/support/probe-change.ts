/** A change made while a lab VM does full DHCP exchanges, with the exchanges split at the change. */
import { DhcpProber, type LabVm, type ProbeAttempt, type ProbeReport } from '../../src/lab';

export interface ProbedChange<T> {
  readonly result: T;
  readonly report: ProbeReport;
  /** How long the change took, ms. */
  readonly changeMs: number;
  /** Exchanges that overlapped the change. */
  readonly during: readonly ProbeAttempt[];
  /** Exchanges that started after the change had completed. */
  readonly after: readonly ProbeAttempt[];
}

/**
 * Starts a prober on `vm`, waits for `before` exchanges, runs `change`, waits until `after`
 * exchanges have started after it, and stops the prober (also when the change throws).
 */
export async function probeDuring<T>(
  vm: LabVm,
  expectIp: string,
  change: () => Promise<T>,
  counts: { readonly before?: number; readonly after?: number } = {},
): Promise<ProbedChange<T>> {
  const origin = Date.now();
  const prober = DhcpProber.start(vm, { expectIp });
  const stop = prober.stop.bind(prober);
  let result: T;
  let from: number;
  let to: number;
  try {
    await prober.waitForAttempts(counts.before ?? 3);
    from = Date.now() - origin;
    result = await change();
    to = Date.now() - origin;
    // One more: the exchange in flight when the change ended started before it.
    await prober.waitForAttempts((counts.after ?? 5) + 1);
  } catch (err) {
    await stop();
    throw err;
  }
  const report = await stop();
  return {
    result,
    report,
    changeMs: to - from,
    during: report.log.filter((a) => a.startMs < to && a.startMs + a.durationMs > from),
    after: report.log.filter((a) => a.startMs >= to),
  };
}
