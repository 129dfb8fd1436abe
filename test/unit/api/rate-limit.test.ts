import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admit, backPressure, MAX_RETRY_S, TenantRateLimiter } from '../../../router/api/rate-limit.ts';

const T0 = 1_800_000_000_000;

describe('admit (limits.alertsPerMinute)', () => {
  it('admits everything, counting what is over the limit instead of refusing it (H4)', () => {
    const a = admit(null, 60, 120, T0);
    assert.deepEqual({ within: a.within, over: a.over }, { within: 60, over: 60 });
    assert.equal(a.bucket.tokens, 0);
  });

  it('refills at the per-minute rate, up to the limit', () => {
    const empty = admit(null, 60, 60, T0).bucket;
    assert.deepEqual((({ within, over }) => ({ within, over }))(admit(empty, 60, 10, T0 + 5_000)), {
      within: 5,
      over: 5,
    });
    assert.equal(admit(empty, 60, 0, T0 + 3_600_000).bucket.tokens, 60, 'never more than the limit');
  });

  it('a clock stepping back mints no tokens', () => {
    const empty = admit(null, 60, 60, T0).bucket;
    assert.equal(admit(empty, 60, 10, T0 - 60_000).within, 0);
  });
});

describe('TenantRateLimiter', () => {
  it('takes every tenant of a request together and reports only what is over a limit', () => {
    const limiter = new TenantRateLimiter();
    const perMinute = (t: string) => (t === 'acme' ? 10 : null);
    assert.deepEqual(
      [
        ...limiter.take(
          new Map([
            ['acme', 8],
            ['globex', 500],
          ]),
          perMinute,
          T0,
        ),
      ],
      [],
    );
    assert.deepEqual([...limiter.take(new Map([['acme', 5]]), perMinute, T0)], [['acme', 3]]);
    assert.deepEqual([...limiter.take(new Map([['acme', 1]]), perMinute, T0 + 6_000)], [], 'one token refilled');
  });
});

describe('backPressure', () => {
  it('accepts while the backlog is within the bound', () => {
    assert.equal(backPressure({ pending: 100, drainPerSecond: 0 }, 100), 0);
  });
  it('asks to wait as long as draining back to the bound takes', () => {
    assert.equal(backPressure({ pending: 1_500, drainPerSecond: 100 }, 1_000), 5);
    assert.equal(backPressure({ pending: 1_001, drainPerSecond: 1_000 }, 1_000), 1, 'at least a second');
  });
  it('a stalled drain waits the longest', () => {
    assert.equal(backPressure({ pending: 1_001, drainPerSecond: 0 }, 1_000), MAX_RETRY_S);
  });
});
