import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Semaphore } from '../../src/host/semaphore';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Semaphore', () => {
  it('never lets more than `limit` holders run', async () => {
    const sem = new Semaphore(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        sem.use(async () => {
          running++;
          peak = Math.max(peak, running);
          await tick();
          running--;
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.equal(sem.inUse, 0);
  });

  it('serves waiters in order and ignores a second release', async () => {
    const sem = new Semaphore(1);
    const order: number[] = [];
    const first = await sem.acquire();
    const waiting = [1, 2, 3].map((n) => sem.acquire().then((release) => (order.push(n), release)));
    assert.equal(sem.waiting, 3);
    first();
    first();
    assert.equal(sem.inUse, 1);
    for (const w of waiting) (await w)();
    assert.deepEqual(order, [1, 2, 3]);
    assert.equal(sem.inUse, 0);
  });

  it('drops a waiter whose signal aborts, without taking a slot', async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    const ac = new AbortController();
    const waiter = sem.acquire(ac.signal);
    ac.abort(new Error('gave up'));
    await assert.rejects(waiter, /gave up/);
    assert.equal(sem.waiting, 0);
    release();
    assert.equal(sem.inUse, 0);
    await assert.rejects(sem.acquire(ac.signal), /gave up/);
  });

  it('refuses a limit below 1', () => {
    assert.throws(() => new Semaphore(0), RangeError);
  });
});
