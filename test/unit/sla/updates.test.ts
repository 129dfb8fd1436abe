import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reminderLead, updateCadence } from '../../../router/sla/updates.ts';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const MIN = 60_000;
const target = { firstUpdateMs: 30 * MIN, updateEveryMs: 60 * MIN };
const at = (m: number) => T0 + m * MIN;

describe('customer-update cadence', () => {
  it('is empty without firstUpdate', () => {
    const c = updateCadence({ startedAt: T0, resolvedAt: null, customerNotes: [], target: undefined, now: at(500) });
    assert.deepEqual(c, { dues: [], breaches: [], next: null });
  });

  it('the first update is due firstUpdate after the start, reminded a quarter before', () => {
    const c = updateCadence({ startedAt: T0, resolvedAt: null, customerNotes: [], target, now: at(10) });
    assert.deepEqual(c.next, { n: 0, due: at(30), remindAt: at(30) - 7.5 * MIN, metAt: null });
    assert.equal(c.breaches.length, 0);
  });

  it('each note restarts the interval; notes in between count from the latest', () => {
    const c = updateCadence({
      startedAt: T0,
      resolvedAt: null,
      customerNotes: [at(20), at(50), at(25)],
      target,
      now: at(60),
    });
    assert.equal(c.dues[0]?.metAt, at(20));
    assert.deepEqual(c.next, { n: 1, due: at(110), remindAt: at(100), metAt: null });
    assert.equal(c.breaches.length, 0);
  });

  it('a missed update is one breach until the next note, then the cadence restarts from that note', () => {
    const c = updateCadence({
      startedAt: T0,
      resolvedAt: null,
      customerNotes: [at(20), at(200)],
      target,
      now: at(230),
    });
    assert.deepEqual(c.breaches, [{ n: 1, due: at(80), overrunMs: 120 * MIN, ongoing: false }]);
    assert.equal(c.next?.due, at(260));
  });

  it('an ongoing silence is one growing breach', () => {
    const c = updateCadence({ startedAt: T0, resolvedAt: null, customerNotes: [], target, now: at(200) });
    assert.deepEqual(c.breaches, [{ n: 0, due: at(30), overrunMs: 170 * MIN, ongoing: true }]);
    assert.equal(c.next, null);
  });

  it('the resolution ends the cadence and fixes an open breach', () => {
    const c = updateCadence({ startedAt: T0, resolvedAt: at(45), customerNotes: [], target, now: at(300) });
    assert.deepEqual(c.breaches, [{ n: 0, due: at(30), overrunMs: 15 * MIN, ongoing: false }]);
    const met = updateCadence({ startedAt: T0, resolvedAt: at(70), customerNotes: [at(10)], target, now: at(300) });
    assert.deepEqual(met.breaches, []);
    assert.equal(met.next, null);
  });

  it('without updateEvery only the first update counts', () => {
    const c = updateCadence({
      startedAt: T0,
      resolvedAt: null,
      customerNotes: [at(5)],
      target: { firstUpdateMs: 30 * MIN, updateEveryMs: null },
      now: at(600),
    });
    assert.equal(c.dues.length, 1);
    assert.deepEqual(c.breaches, []);
    assert.equal(c.next, null);
  });

  it('reminder lead is a quarter of the interval, at most 10 minutes', () => {
    assert.equal(reminderLead(8 * MIN), 2 * MIN);
    assert.equal(reminderLead(4 * 60 * MIN), 10 * MIN);
  });
});
