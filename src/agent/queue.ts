/**
 * Per-network serialisation inside one process, with coalescing: operations on the same key
 * run one after another; consecutive batchable operations that share a runner are handed to
 * it together, so that ports applied concurrently by Terraform share one round trip, one
 * rewrite of the files and one SIGHUP.
 */

export type Outcome<R> = { ok: R } | { error: unknown };

type Item =
  | { kind: 'exclusive'; run: () => Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void }
  | {
      kind: 'batch';
      group: string;
      op: unknown;
      runner: (ops: unknown[]) => Promise<Outcome<unknown>[]>;
      resolve: (v: unknown) => void;
      reject: (e: unknown) => void;
    };

export class KeyedQueue {
  private readonly queues = new Map<string, Item[]>();

  /** @param gatherMs how long a batch waits for companions before it starts */
  constructor(private readonly gatherMs = 5) {}

  exclusive<T>(key: string, run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.push(key, { kind: 'exclusive', run, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  /**
   * Queues `op`; consecutive ops of the same `group` run as one batch, through the runner of
   * the first of them, which receives every op and returns one outcome per op, in order.
   */
  batched<Op, R>(key: string, group: string, op: Op, runner: (ops: Op[]) => Promise<Outcome<R>[]>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.push(key, {
        kind: 'batch',
        group,
        op,
        runner: runner as (ops: unknown[]) => Promise<Outcome<unknown>[]>,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
    });
  }

  private push(key: string, item: Item): void {
    const q = this.queues.get(key);
    if (q) {
      q.push(item);
      return;
    }
    this.queues.set(key, [item]);
    void this.drain(key);
  }

  private async drain(key: string): Promise<void> {
    const q = this.queues.get(key)!;
    while (q.length > 0) {
      const head = q[0];
      if (head.kind === 'exclusive') {
        q.shift();
        try {
          head.resolve(await head.run());
        } catch (e) {
          head.reject(e);
        }
        continue;
      }
      if (this.gatherMs > 0) await new Promise((r) => setTimeout(r, this.gatherMs));
      const batch: Extract<Item, { kind: 'batch' }>[] = [];
      while (q.length > 0 && q[0].kind === 'batch' && q[0].group === head.group) batch.push(q.shift() as (typeof batch)[number]);
      try {
        const outcomes = await head.runner(batch.map((b) => b.op));
        batch.forEach((b, i) => {
          const o = outcomes[i];
          if (o && 'ok' in o) b.resolve(o.ok);
          else b.reject(o ? o.error : new Error('batch runner returned no outcome for this operation'));
        });
      } catch (e) {
        batch.forEach((b) => b.reject(e));
      }
    }
    this.queues.delete(key);
  }
}

/** The queue every handler of this process shares. */
export const networkQueue = new KeyedQueue();
