import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertStatus } from '../../../router/alert.ts';
import {
  FlappingMuter,
  type FlapSettings,
  type FlapState,
  isFlapping,
  recordChange,
  stableAt,
} from '../../../router/mute/flapping.ts';
import { firing, MINUTE, tenantConfig } from './helpers.ts';

const T0 = Date.parse('2026-03-09T10:00:00Z');
const at = (minute: number) => T0 + minute * MINUTE;
const iso = (minute: number) => new Date(at(minute)).toISOString();
// acme's settings in examples/msp: 4 changes within 20m, stable after 15m.
const acme: FlapSettings = { changes: 4, windowMs: 20 * MINUTE, stableForMs: 15 * MINUTE };

/** Firing at even entries, resolved at odd ones, starting with firing. */
function alternating(minutes: number[], settings = acme, from: FlapState | null = null): FlapState | null {
  let s = from;
  minutes.forEach((m, i) => {
    const status: AlertStatus = i % 2 === 0 ? 'firing' : 'resolved';
    s = recordChange(s, { at: at(m), status }, settings);
  });
  return s;
}

describe('recordChange / isFlapping', () => {
  const cases: { name: string; minutes: number[]; now: number; flapping: boolean; since?: number }[] = [
    { name: 'three changes: not yet', minutes: [0, 2, 4], now: 5, flapping: false },
    { name: 'the fourth change within 20m marks it', minutes: [0, 2, 4, 6], now: 7, flapping: true, since: 6 },
    {
      name: 'four changes spread over more than the window: not flapping',
      minutes: [0, 7, 14, 21],
      now: 22,
      flapping: false,
    },
    {
      name: 'exactly 20m between first and fourth: outside the window',
      minutes: [0, 5, 10, 20],
      now: 21,
      flapping: false,
    },
    { name: 'old changes fall out, new ones count', minutes: [0, 30, 32, 34, 36], now: 37, flapping: true, since: 36 },
    { name: 'stable for 15m after the last change: over', minutes: [0, 2, 4, 6], now: 21, flapping: false },
    { name: 'one minute short of stable: still flapping', minutes: [0, 2, 4, 6], now: 20, flapping: true, since: 6 },
    { name: 'a change while flapping extends it', minutes: [0, 2, 4, 6, 18], now: 32, flapping: true, since: 6 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = alternating(c.minutes);
      assert.equal(isFlapping(s, at(c.now), acme), c.flapping);
      if (c.since !== undefined) assert.equal(s?.flappingSince, at(c.since));
    });
  }

  it('after a stable period a new episode needs the full count again', () => {
    const episode1 = alternating([0, 2, 4, 6]);
    assert.equal(episode1?.flappingSince, at(6));
    // 15m later the alert fires once more: the old changes no longer count.
    const after = recordChange(episode1, { at: at(21), status: 'firing' }, acme);
    assert.equal(after.flappingSince, null);
    assert.deepEqual(after.changes, [at(21)]);
    const episode2 = alternating([22, 23, 24], acme, after);
    assert.equal(episode2?.flappingSince, at(24));
  });

  it('recording the same change twice (a redelivery) changes nothing', () => {
    const s = alternating([0, 2, 4]) as FlapState;
    assert.equal(recordChange(s, { at: at(4), status: 'firing' }, acme), s);
  });

  it('keeps at most `changes` timestamps, as plain JSON', () => {
    const s = alternating([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) as FlapState;
    assert.equal(s.changes.length, acme.changes);
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
    assert.equal(stableAt(s, acme), at(9) + acme.stableForMs);
  });
});

describe('FlappingMuter: pages once, then quiet until stable', () => {
  const tenants = { acme: tenantConfig({ flapping: acme }), globex: tenantConfig({ name: 'globex' }) };
  const verdict = (state: FlapState | null, startedAtMinute: number, now: number, tenant = 'acme') =>
    new FlappingMuter(tenants, () => state).mutes(firing({ tenant, startsAt: iso(startedAtMinute) }), at(now));

  it('the first firing after it became flapping pages, the next ones do not', () => {
    const s = alternating([0, 2, 4, 6, 8]); // flapping at 6 (a resolve), fires at 8
    assert.equal(s?.pagedFiringAt, at(8));
    assert.equal(verdict(s, 8, 8), null, 'the one page');
    const later = alternating([10, 12], acme, s); // resolved at 10, fires at 12
    const v = verdict(later, 12, 12);
    assert.equal(v?.reason, 'flapping');
    assert.equal(v?.until, at(12 + 15));
    assert.match(v?.detail ?? '', /4 state changes within 20m.*stable for 15m/);
  });

  it('when the change that makes it flapping is a firing, that firing is the one page', () => {
    // resolved 0, firing 1, resolved 2, firing 3: the fourth change is a firing.
    let s: FlapState | null = null;
    for (const [m, status] of [
      [0, 'resolved'],
      [1, 'firing'],
      [2, 'resolved'],
      [3, 'firing'],
    ] as const) {
      s = recordChange(s, { at: at(m), status }, acme);
    }
    assert.equal(s?.flappingSince, at(3));
    assert.equal(s?.pagedFiringAt, at(3));
    assert.equal(verdict(s, 3, 3), null, 'the one page');
    const resolved = recordChange(s, { at: at(4), status: 'resolved' }, acme);
    const firesAgain = recordChange(resolved, { at: at(5), status: 'firing' }, acme);
    assert.equal(verdict(firesAgain, 5, 5)?.reason, 'flapping');
  });

  it('still firing once stable: the re-check at `until` pages', () => {
    const s = alternating([0, 2, 4, 6, 8, 10, 12]); // fires at 12, last change
    assert.equal(verdict(s, 12, 12)?.until, at(27));
    assert.equal(verdict(s, 12, 26)?.reason, 'flapping');
    assert.equal(verdict(s, 12, 27), null);
  });

  it('an alert that never changed, or another tenant with its own settings', () => {
    assert.equal(verdict(null, 0, 1), null);
    // globex uses the defaults (6 in 30m): four changes are not flapping there.
    const four = alternating([0, 2, 4, 6], tenants.globex.flapping);
    assert.equal(four?.flappingSince, null);
    assert.equal(verdict(four, 8, 8, 'globex'), null);
  });
});
