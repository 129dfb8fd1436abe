import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drainRate } from '../../../router/api/backlog.ts';

describe('drainRate', () => {
  it('is what was published less what the backlog grew by, per second', () => {
    // 300 published in 2 s, backlog grew by 100: 200 applied, 100/s
    assert.equal(drainRate({ at: 0, pending: 50, lastSeq: 1_000 }, { at: 2_000, pending: 150, lastSeq: 1_300 }), 100);
  });
  it('counts a shrinking backlog as applied', () => {
    assert.equal(drainRate({ at: 0, pending: 500, lastSeq: 10 }, { at: 1_000, pending: 0, lastSeq: 10 }), 500);
  });
  it('is 0, never negative, when nothing can be told', () => {
    assert.equal(drainRate({ at: 0, pending: 0, lastSeq: 0 }, { at: 0, pending: 9, lastSeq: 9 }), 0);
    assert.equal(drainRate({ at: 0, pending: 0, lastSeq: 0 }, { at: 1_000, pending: 50, lastSeq: 10 }), 0);
  });
});
