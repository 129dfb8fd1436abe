// The keyed work queue: duplicates merge, a key re-added while processing runs once more, failures
// back off exponentially per key, shutdown releases waiting workers. Time is a fake scheduler.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, type Scheduler, WorkQueue } from '../../../operator/kube/work-queue.ts';

/** A scheduler that runs nothing until advance(ms). */
function fakeScheduler() {
  let now = 0;
  const timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  const schedule: Scheduler = (fn, ms) => {
    const t = { at: now + ms, fn, cancelled: false };
    timers.push(t);
    return () => {
      t.cancelled = true;
    };
  };
  return {
    schedule,
    delays: () => timers.filter((t) => !t.cancelled).map((t) => t.at - now),
    advance(ms: number) {
      now += ms;
      for (const t of timers.splice(0)) {
        if (t.cancelled) continue;
        if (t.at <= now) t.fn();
        else timers.push(t);
      }
    },
  };
}

describe('WorkQueue', () => {
  it('merges a key added while it waits into one entry, in first-added order', async () => {
    const q = new WorkQueue();
    for (const k of ['a', 'b', 'a', 'c', 'b', 'a']) q.add(k);
    assert.equal(q.length, 3);
    assert.deepEqual([await q.get(), await q.get(), await q.get()], ['a', 'b', 'c']);
  });

  it('processes a key added while it is being processed once more, after done()', async () => {
    const q = new WorkQueue();
    q.add('config');
    const k = await q.get();
    q.add('config');
    q.add('config');
    // Not handed out twice at the same time.
    assert.equal(q.length, 0);
    q.done(k as string);
    assert.equal(q.length, 1);
    assert.equal(await q.get(), 'config');
  });

  it('hands a key straight to a waiting worker', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add('x');
    assert.equal(await waiting, 'x');
    // It is processing now: another add waits for done().
    q.add('x');
    assert.equal(q.length, 0);
    q.done('x');
    assert.equal(q.length, 1);
  });

  it('retries failures with exponential backoff per key, capped, and forgets them after a success', () => {
    const s = fakeScheduler();
    const q = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1_000, schedule: s.schedule });
    const delays = [1, 2, 3, 4, 5, 6].map(() => {
      const ms = q.addRateLimited('k');
      s.advance(ms);
      return ms;
    });
    assert.deepEqual(delays, [100, 200, 400, 800, 1_000, 1_000]);
    assert.equal(q.retries('k'), 6);
    // Another key has its own count.
    assert.equal(q.addRateLimited('other'), 100);
    q.forget('k');
    assert.equal(q.retries('k'), 0);
    assert.equal(q.addRateLimited('k'), 100);
  });

  it('addAfter adds only when due, and a second delayed add of the same key keeps the first', () => {
    const s = fakeScheduler();
    const q = new WorkQueue({ schedule: s.schedule });
    q.addAfter('k', 500);
    q.addAfter('k', 100);
    assert.deepEqual(s.delays(), [500]);
    s.advance(499);
    assert.equal(q.length, 0);
    s.advance(1);
    assert.equal(q.length, 1);
  });

  it('run(): a failing handler is retried with backoff until it succeeds', async () => {
    const q = new WorkQueue({
      baseDelayMs: 1,
      maxDelayMs: 5,
      schedule: (fn, ms) => {
        const t = setTimeout(fn, ms);
        return () => clearTimeout(t);
      },
    });
    let calls = 0;
    const errors: number[] = [];
    const done = new Promise<void>((resolve) => {
      void q.run(
        async () => {
          calls++;
          if (calls < 3) throw new Error('conflict');
          resolve();
        },
        2,
        (_k, _e, ms) => errors.push(ms),
      );
    });
    q.add('config');
    await done;
    await new Promise((r) => setImmediate(r));
    assert.equal(calls, 3);
    assert.deepEqual(errors, [1, 2]);
    assert.equal(q.retries('config'), 0, 'forgotten after the success');
    q.shutDown();
  });

  it('shutDown() releases waiting workers and drops delayed keys', async () => {
    const s = fakeScheduler();
    const q = new WorkQueue({ schedule: s.schedule });
    const waiting = q.get();
    q.addAfter('late', 100);
    q.shutDown();
    assert.equal(await waiting, null);
    s.advance(1_000);
    assert.equal(q.length, 0);
    assert.equal(await q.get(), null);
    q.add('after-shutdown');
    assert.equal(q.length, 0);
  });

  it('backoffDelay doubles from the base and stops at the cap', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 10, 100].map((n) => backoffDelay(n, 200, 30_000)),
      [0, 200, 400, 800, 30_000, 30_000],
    );
  });
});
