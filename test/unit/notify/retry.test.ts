// Which failures are retried, and how long the runner waits between attempts.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { backoffDelay, DEFAULT_BACKOFF, withRetry } from '../../../router/notify/retry.ts';
import { webhookAdapter } from '../../../router/notify/webhook.ts';
import { type FakeServer, fakeServer } from './fake-server.ts';
import { message } from './message.ts';

describe('backoff with full jitter', () => {
  it('grows exponentially up to the cap, scaled by the random number', () => {
    const p = { maxAttempts: 10, baseMs: 1_000, capMs: 30_000 };
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, p, 0.999999)),
      [999, 1999, 3999, 7999, 15999, 29999, 29999],
    );
    assert.equal(backoffDelay(3, p, 0), 0);
    assert.equal(backoffDelay(3, p, 0.5), 4_000);
  });
});

describe('retry classification against a live server', () => {
  const servers: FakeServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  /** A server answering `statuses` in turn (then 200). */
  const sequence = async (statuses: (number | 'hang')[], headers: Record<string, string> = {}) => {
    let i = 0;
    const s = await fakeServer(() => {
      const next = statuses[i++];
      if (next === 'hang') return { hang: true };
      return { status: next ?? 200, headers };
    });
    servers.push(s);
    return s;
  };
  const fakeTime = () => {
    let now = 1_000_000;
    const sleeps: number[] = [];
    return {
      sleeps,
      deps: {
        clock: () => now,
        sleep: async (ms: number) => {
          sleeps.push(ms);
          now += ms;
        },
        random: () => 0.5,
      },
    };
  };
  const run = async (url: string, time: ReturnType<typeof fakeTime>, timeoutMs = 2_000) => {
    const adapter = webhookAdapter({ timeoutMs });
    return withRetry(
      () => adapter.send(message({ type: 'webhook', url, signingKey: null })),
      { deadline: 1_000_000 + 100_000, attemptTimeoutMs: timeoutMs },
      time.deps,
    );
  };

  for (const status of [429, 500, 502, 503]) {
    it(`${status} is retried with backoff until it succeeds`, async () => {
      const s = await sequence([status, status]);
      const time = fakeTime();
      const out = await run(s.url, time);
      assert.deepEqual(out.result, { ok: true });
      assert.equal(out.attempts, 3);
      assert.equal(s.requests.length, 3);
      assert.deepEqual(time.sleeps, [500, 1_000]);
    });
  }
  for (const status of [400, 401, 403, 404, 410]) {
    it(`${status} is not retried`, async () => {
      const s = await sequence([status]);
      const time = fakeTime();
      const out = await run(s.url, time);
      assert.equal(out.result.ok, false);
      assert.equal(out.attempts, 1);
      assert.equal(s.requests.length, 1);
      assert.deepEqual(time.sleeps, []);
    });
  }
  it('a timeout is retried', async () => {
    const s = await sequence(['hang']);
    const time = fakeTime();
    const out = await run(s.url, time, 300);
    assert.deepEqual(out.result, { ok: true });
    assert.equal(out.attempts, 2);
    assert.match(out.retried[0] ?? '', /no answer within 300 ms/);
  });
  it('Retry-After is a lower bound for the wait', async () => {
    const s = await sequence([429], { 'Retry-After': '7' });
    const time = fakeTime();
    await run(s.url, time);
    assert.deepEqual(time.sleeps, [7_000]);
  });
  it('gives up after maxAttempts', async () => {
    const s = await sequence(Array(DEFAULT_BACKOFF.maxAttempts + 2).fill(503));
    const out = await run(s.url, fakeTime());
    assert.equal(out.result.ok, false);
    assert.equal(out.attempts, DEFAULT_BACKOFF.maxAttempts);
    assert.equal(s.requests.length, DEFAULT_BACKOFF.maxAttempts);
  });
  it('does not start an attempt that could outlast the deadline (the claim lease)', async () => {
    const s = await sequence([429, 429], { 'Retry-After': '99' });
    const out = await run(s.url, fakeTime());
    assert.equal(out.attempts, 1);
    assert.match(out.result.ok ? '' : out.result.error, /gave up/);
  });
});
