import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { WeeklyWindow } from '../../../router/config/compiled.ts';
import {
  addBusinessTime,
  type BusinessHours,
  businessTimeBetween,
  isBusinessTime,
  nextBusinessTime,
} from '../../../router/sla/business-clock.ts';

const t = Date.parse;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const MON_FRI = [1, 2, 3, 4, 5];
const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];

const window = (days: number[], fromH: number, toH: number): WeeklyWindow => ({ days, from: fromH * 60, to: toH * 60 });
function hours(timezone: string, windows: WeeklyWindow[], holidays: string[] = []): BusinessHours {
  return { timezone, windows, holidays };
}
/** Mon-Fri 08:00-18:00 Berlin with Christmas and New Year as holidays. */
const berlin = hours('Europe/Berlin', [window(MON_FRI, 8, 18)], ['2026-12-25', '2027-01-01']);
/** A night desk: every night 22:00-06:00 Berlin. */
const nightDesk = hours('Europe/Berlin', [window(EVERY_DAY, 22, 6)]);
const sydney = hours('Australia/Sydney', [window(MON_FRI, 9, 17)]);
const newYork = hours('America/New_York', [window(MON_FRI, 9, 17)]);

describe('addBusinessTime', () => {
  const cases: { name: string; start: string; duration: number; hours: BusinessHours | null; expected: string }[] = [
    // The seed's case: 30 min on Friday, 3.5h on Monday.
    {
      name: 'Friday 17:30 + 4h',
      start: '2026-03-06T17:30+01:00',
      duration: 4 * HOUR,
      hours: berlin,
      expected: '2026-03-09T11:30+01:00',
    },
    // The same across the spring-forward weekend: due 11:30 local, now CEST.
    {
      name: 'across the spring DST weekend',
      start: '2026-03-27T17:30+01:00',
      duration: 4 * HOUR,
      hours: berlin,
      expected: '2026-03-30T11:30+02:00',
    },
    // And across the fall-back weekend: CEST -> CET.
    {
      name: 'across the autumn DST weekend',
      start: '2026-10-23T17:30+02:00',
      duration: 4 * HOUR,
      hours: berlin,
      expected: '2026-10-26T11:30+01:00',
    },
    // 2h on Christmas Eve, Christmas Friday is a holiday, 2h on Monday.
    {
      name: 'across a holiday',
      start: '2026-12-24T16:00+01:00',
      duration: 4 * HOUR,
      hours: berlin,
      expected: '2026-12-28T10:00+01:00',
    },
    // Starting at the opening instant counts from there.
    {
      name: 'start exactly at the opening',
      start: '2026-03-09T08:00+01:00',
      duration: HOUR,
      hours: berlin,
      expected: '2026-03-09T09:00+01:00',
    },
    // Starting at the closing instant waits for the next opening.
    {
      name: 'start exactly at the closing',
      start: '2026-03-06T18:00+01:00',
      duration: HOUR,
      hours: berlin,
      expected: '2026-03-09T09:00+01:00',
    },
    // Used up exactly at the close: due at the close, not at the next opening.
    {
      name: 'ends exactly at the closing',
      start: '2026-03-06T14:00+01:00',
      duration: 4 * HOUR,
      hours: berlin,
      expected: '2026-03-06T18:00+01:00',
    },
    // Zero duration is due at once, even outside business hours.
    {
      name: 'zero duration outside hours',
      start: '2026-03-07T12:00+01:00',
      duration: 0,
      hours: berlin,
      expected: '2026-03-07T12:00+01:00',
    },
    // A sub-minute remainder lands to the millisecond.
    {
      name: 'odd duration',
      start: '2026-03-09T17:59+01:00',
      duration: MINUTE + 1_500,
      hours: berlin,
      expected: '2026-03-10T08:00:01.500+01:00',
    },
    // Ten full 50h weeks from Monday 08:00 end on the tenth Friday at 18:00.
    {
      name: 'ten weeks',
      start: '2026-01-05T08:00+01:00',
      duration: 500 * HOUR,
      hours: berlin,
      expected: '2026-03-13T18:00+01:00',
    },
    // Four weeks across the spring change (and Good Friday, which is not a holiday here).
    {
      name: 'four weeks across DST',
      start: '2026-03-16T08:00+01:00',
      duration: 200 * HOUR,
      hours: berlin,
      expected: '2026-04-10T18:00+02:00',
    },
    // A year of business time, Christmas and New Year skipped: 52 weeks + 2 days.
    {
      name: 'a year',
      start: '2026-01-05T08:00+01:00',
      duration: 52 * 50 * HOUR,
      hours: berlin,
      expected: '2027-01-05T18:00+01:00',
    },
    // Night desk: Monday 23:00 + 4h is Tuesday 03:00, inside the window that crossed midnight.
    {
      name: 'window across midnight',
      start: '2026-03-02T23:00+01:00',
      duration: 4 * HOUR,
      hours: nightDesk,
      expected: '2026-03-03T03:00+01:00',
    },
    // Night desk from Tuesday 05:00: 1h left that night, 1h from Tuesday 22:00.
    {
      name: 'window across midnight, continued next night',
      start: '2026-03-03T05:00+01:00',
      duration: 2 * HOUR,
      hours: nightDesk,
      expected: '2026-03-03T23:00+01:00',
    },
    // The spring-forward night has 7 real hours: 8h run into the next night.
    {
      name: 'night window across the spring change',
      start: '2026-03-28T22:00+01:00',
      duration: 8 * HOUR,
      hours: nightDesk,
      expected: '2026-03-29T23:00+02:00',
    },
    // The fall-back night has 9 real hours: 9h fit into it exactly.
    {
      name: 'night window across the autumn change',
      start: '2026-10-24T22:00+02:00',
      duration: 9 * HOUR,
      hours: nightDesk,
      expected: '2026-10-25T06:00+01:00',
    },
    // Sydney falls back 2026-04-05 (southern autumn); Friday 16:00 + 2h = Monday 10:00 AEST.
    {
      name: 'Sydney across its autumn change',
      start: '2026-04-03T16:00+11:00',
      duration: 2 * HOUR,
      hours: sydney,
      expected: '2026-04-06T10:00+10:00',
    },
    // Sydney springs forward 2026-10-04.
    {
      name: 'Sydney across its spring change',
      start: '2026-10-02T16:00+10:00',
      duration: 2 * HOUR,
      hours: sydney,
      expected: '2026-10-05T10:00+11:00',
    },
    // New York falls back 2026-11-01.
    {
      name: 'New York across its autumn change',
      start: '2026-10-30T16:30-04:00',
      duration: HOUR,
      hours: newYork,
      expected: '2026-11-02T09:30-05:00',
    },
    // 24x7: wall time, 4 real hours across the spring-forward (the clock shows 5h later).
    {
      name: '24x7 is wall time',
      start: '2026-03-28T23:00+01:00',
      duration: 4 * HOUR,
      hours: null,
      expected: '2026-03-29T04:00+02:00',
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(iso(addBusinessTime(t(c.start), c.duration, c.hours)), iso(t(c.expected))));
  }

  it('refuses hours that never open instead of looping', () => {
    assert.throws(() => addBusinessTime(t('2026-03-06T17:30+01:00'), HOUR, hours('Europe/Berlin', [])), {
      name: 'RangeError',
      message: /no window on any day/,
    });
    assert.throws(
      () => addBusinessTime(t('2026-03-06T17:30+01:00'), HOUR, hours('Europe/Berlin', [window([], 8, 18)])),
      {
        name: 'RangeError',
      },
    );
  });

  it('gives up after 3 years without business time', () => {
    // Monday-only hours where every Monday for four years is a holiday: windows exist but never open.
    const mondays: string[] = [];
    for (let d = t('2026-03-09T00:00Z'); d < t('2030-03-09T00:00Z'); d += 7 * DAY) mondays.push(iso(d).slice(0, 10));
    const never = hours('Europe/Berlin', [window([1], 8, 18)], mondays);
    assert.throws(() => addBusinessTime(t('2026-03-06T12:00+01:00'), HOUR, never), {
      name: 'RangeError',
      message: /no business time within 3 years/,
    });
    assert.throws(() => nextBusinessTime(t('2026-03-06T12:00+01:00'), never), { name: 'RangeError' });
  });

  it('refuses a negative duration', () => {
    assert.throws(() => addBusinessTime(t('2026-03-06T12:00+01:00'), -1, berlin), { name: 'RangeError' });
  });
});

describe('businessTimeBetween', () => {
  const cases: { name: string; a: string; b: string; hours: BusinessHours | null; expected: number }[] = [
    // Friday 17:30 -> Monday 11:30: 30 min + 3.5h.
    {
      name: 'over a weekend',
      a: '2026-03-06T17:30+01:00',
      b: '2026-03-09T11:30+01:00',
      hours: berlin,
      expected: 4 * HOUR,
    },
    // Christmas Eve 16:00 -> Monday 10:00: the holiday counts nothing.
    {
      name: 'over a holiday',
      a: '2026-12-24T16:00+01:00',
      b: '2026-12-28T10:00+01:00',
      hours: berlin,
      expected: 4 * HOUR,
    },
    // A full week containing the spring change at 02:00 Sunday: office windows are untouched.
    {
      name: 'DST week, office hours',
      a: '2026-03-23T00:00+01:00',
      b: '2026-03-30T00:00+02:00',
      hours: berlin,
      expected: 50 * HOUR,
    },
    // A full week of nights containing the spring change: one night is 7h.
    {
      name: 'DST week, night desk',
      a: '2026-03-23T00:00+01:00',
      b: '2026-03-30T00:00+02:00',
      hours: nightDesk,
      expected: 55 * HOUR,
    },
    // Inside one window.
    {
      name: 'inside a window',
      a: '2026-03-04T09:00+01:00',
      b: '2026-03-04T09:45+01:00',
      hours: berlin,
      expected: 45 * MINUTE,
    },
    // Both outside, nothing between.
    {
      name: 'outside, nothing between',
      a: '2026-03-07T09:00+01:00',
      b: '2026-03-08T09:00+01:00',
      hours: berlin,
      expected: 0,
    },
    // Reversed order is negative.
    { name: 'reversed', a: '2026-03-09T11:30+01:00', b: '2026-03-06T17:30+01:00', hours: berlin, expected: -4 * HOUR },
    // 24x7: real elapsed time (23h on the spring-forward Sunday).
    { name: '24x7', a: '2026-03-29T00:00+01:00', b: '2026-03-30T00:00+02:00', hours: null, expected: 23 * HOUR },
    // No windows: business time never passes.
    {
      name: 'no windows',
      a: '2026-03-04T09:00+01:00',
      b: '2026-03-05T09:00+01:00',
      hours: hours('Europe/Berlin', []),
      expected: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(businessTimeBetween(t(c.a), t(c.b), c.hours), c.expected));
  }
});

describe('isBusinessTime and nextBusinessTime', () => {
  const cases: { name: string; at: string; hours: BusinessHours | null; inside: boolean; next: string }[] = [
    // Opening instant is inside.
    {
      name: 'at the opening',
      at: '2026-03-09T08:00+01:00',
      hours: berlin,
      inside: true,
      next: '2026-03-09T08:00+01:00',
    },
    // A millisecond before it is not.
    {
      name: 'just before the opening',
      at: '2026-03-09T07:59:59.999+01:00',
      hours: berlin,
      inside: false,
      next: '2026-03-09T08:00+01:00',
    },
    // Closing instant is outside; next is Monday.
    {
      name: 'at the Friday closing',
      at: '2026-03-06T18:00+01:00',
      hours: berlin,
      inside: false,
      next: '2026-03-09T08:00+01:00',
    },
    // Christmas Day is a holiday; the next business morning is Monday the 28th.
    {
      name: 'on a holiday',
      at: '2026-12-25T10:00+01:00',
      hours: berlin,
      inside: false,
      next: '2026-12-28T08:00+01:00',
    },
    // Night desk at 03:00, inside the window opened the evening before.
    {
      name: 'night window after midnight',
      at: '2026-03-03T03:00+01:00',
      hours: nightDesk,
      inside: true,
      next: '2026-03-03T03:00+01:00',
    },
    // 24x7: always.
    { name: '24x7', at: '2026-03-07T03:00+01:00', hours: null, inside: true, next: '2026-03-07T03:00+01:00' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(isBusinessTime(t(c.at), c.hours), c.inside);
      assert.equal(iso(nextBusinessTime(t(c.at), c.hours)), iso(t(c.next)));
    });
  }

  it('nextBusinessTime refuses hours that never open', () => {
    assert.throws(() => nextBusinessTime(t('2026-03-06T17:30+01:00'), hours('Europe/Berlin', [])), {
      name: 'RangeError',
    });
  });
});

describe('business clock properties', () => {
  const configs = [berlin, nightDesk, sydney, newYork];
  const year2026 = fc.integer({ min: t('2026-01-01T00:00Z'), max: t('2027-01-01T00:00Z') });

  it('businessTimeBetween(a, addBusinessTime(a, d)) === d, and the due instant is the earliest', () => {
    fc.assert(
      fc.property(fc.constantFrom(...configs), year2026, fc.integer({ min: 0, max: 6 * 7 * DAY }), (h, a, d) => {
        const due = addBusinessTime(a, d, h);
        assert.equal(businessTimeBetween(a, due, h), d);
        // One millisecond earlier not all of it had elapsed.
        if (d > 0) assert.equal(businessTimeBetween(a, due - 1, h), d - 1);
      }),
      { numRuns: 150 },
    );
  });

  it('isBusinessTime(t) exactly when the millisecond [t, t+1) is business time', () => {
    fc.assert(
      fc.property(fc.constantFrom(...configs), year2026, (h, at) => {
        assert.equal(isBusinessTime(at, h), businessTimeBetween(at, at + 1, h) === 1);
      }),
      { numRuns: 300 },
    );
  });
});
