/**
 * A counting semaphore: at most `limit` holders at a time, the others wait in FIFO order.
 * Used to keep the number of open SSH channels on one connection below sshd's MaxSessions.
 */
import { abortReason } from './abort';
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`semaphore limit: got ${limit}; a whole number >= 1 is allowed`);
    }
  }

  /** Number of current holders. */
  get inUse(): number {
    return this.active;
  }

  /** Number of callers waiting for a slot. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Waits for a slot and returns the function that gives it back (call it exactly once; later
   * calls do nothing). When `signal` aborts while waiting, the promise rejects with the
   * signal's reason and no slot is taken.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve(this.releaser());
      };
      const onAbort = (): void => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        if (signal) reject(abortReason(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(grant);
    });
  }

  /** Runs `fn` while holding a slot. */
  async use<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      const next = this.waiters.shift();
      if (next) next();
    };
  }
}
