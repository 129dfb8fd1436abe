import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { WeeklyWindow } from '../../../router/config/compiled.ts';
import {
  activeWindowAt,
  type Interval,
  nextWindowStart,
  occurrences,
  wallClockInstant,
  wallReading,
} from '../../../router/time/weekly.ts';
import { parseTimeOfDay } from '../../../router/time/zoned.ts';

const t = Date.parse;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** An interval written with offsets, normalised to UTC ISO strings for readable diffs. */
const span = (start: string, end: string) => ({ start: iso(t(start)), end: iso(t(end)) });
const spans = (list: Interval[]) => list.map((i) => ({ start: iso(i.start), end: iso(i.end) }));

const MON_FRI = [1, 2, 3, 4, 5];
const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];
/** `w([1,2], '22:00', '06:00')` */
function w(days: number[], from: string, to: string): WeeklyWindow {
  const f = parseTimeOfDay(from);
  const e = parseTimeOfDay(to);
  assert.ok(f !== null && e !== null);
  return { days, from: f, to: e };
}
const office = [w(MON_FRI, '08:00', '18:00')];

describe('activeWindowAt', () => {
  const cases: {
    name: string;
    windows: WeeklyWindow[];
    tz: string;
    at: string;
    holidays?: string[];
    expected: ReturnType<typeof span> | null;
  }[] = [
    // Plain weekday window, instant in the middle.
    {
      name: 'inside an office window',
      windows: office,
      tz: 'Europe/Berlin',
      at: '2026-03-04T12:00+01:00',
      expected: span('2026-03-04T08:00+01:00', '2026-03-04T18:00+01:00'),
    },
    // Half-open: the opening instant is inside.
    {
      name: 'exactly at the opening',
      windows: office,
      tz: 'Europe/Berlin',
      at: '2026-03-04T08:00+01:00',
      expected: span('2026-03-04T08:00+01:00', '2026-03-04T18:00+01:00'),
    },
    // Half-open: the closing instant is outside.
    {
      name: 'exactly at the closing',
      windows: office,
      tz: 'Europe/Berlin',
      at: '2026-03-04T18:00+01:00',
      expected: null,
    },
    // Saturday has no window.
    { name: 'weekend', windows: office, tz: 'Europe/Berlin', at: '2026-03-07T12:00+01:00', expected: null },
    // A window that opened on Monday evening still covers Tuesday morning.
    {
      name: 'opened the previous day, crosses midnight',
      windows: [w([1], '22:00', '06:00')],
      tz: 'Europe/Berlin',
      at: '2026-03-03T05:59+01:00',
      expected: span('2026-03-02T22:00+01:00', '2026-03-03T06:00+01:00'),
    },
    // ...and ends at 06:00 sharp.
    {
      name: 'midnight-crossing window at its end',
      windows: [w([1], '22:00', '06:00')],
      tz: 'Europe/Berlin',
      at: '2026-03-03T06:00+01:00',
      expected: null,
    },
    // Tuesday is not among the days; the window belongs to the day it opens on.
    {
      name: 'midnight-crossing window on a day it does not open',
      windows: [w([1], '22:00', '06:00')],
      tz: 'Europe/Berlin',
      at: '2026-03-03T23:00+01:00',
      expected: null,
    },
    // Spring forward (Berlin 2026-03-29 02:00 -> 03:00) inside the night: opened in CET, closes in CEST.
    {
      name: 'night window across the Berlin spring-forward',
      windows: [w([6], '22:00', '06:00')],
      tz: 'Europe/Berlin',
      at: '2026-03-29T04:00+02:00',
      expected: span('2026-03-28T22:00+01:00', '2026-03-29T06:00+02:00'),
    },
    // `24:00` is the midnight ending the opening day.
    {
      name: 'window ending at 24:00',
      windows: [w([7], '20:00', '24:00')],
      tz: 'America/New_York',
      at: '2026-03-08T23:59-04:00',
      expected: span('2026-03-08T20:00-04:00', '2026-03-09T00:00-04:00'),
    },
    // A holiday removes the window opening on it.
    {
      name: 'holiday',
      windows: office,
      tz: 'Europe/Berlin',
      at: '2026-12-25T10:00+01:00',
      holidays: ['2026-12-25'],
      expected: null,
    },
    // A holiday does not cut a window that opened the evening before.
    {
      name: 'window opened before a holiday runs into it',
      windows: [w(MON_FRI, '22:00', '06:00')],
      tz: 'Europe/Berlin',
      at: '2026-12-25T03:00+01:00',
      holidays: ['2026-12-25'],
      expected: span('2026-12-24T22:00+01:00', '2026-12-25T06:00+01:00'),
    },
    // Overlapping windows: the one closing last is reported.
    {
      name: 'overlapping windows',
      windows: [w([3], '08:00', '12:00'), w([3], '10:00', '14:00')],
      tz: 'Europe/Berlin',
      at: '2026-03-04T11:00+01:00',
      expected: span('2026-03-04T10:00+01:00', '2026-03-04T14:00+01:00'),
    },
    // Southern hemisphere: Sydney is on AEDT (+11) in March.
    {
      name: 'Sydney office hours',
      windows: office,
      tz: 'Australia/Sydney',
      at: '2026-03-02T09:00+11:00',
      expected: span('2026-03-02T08:00+11:00', '2026-03-02T18:00+11:00'),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = activeWindowAt(c.windows, c.tz, t(c.at), c.holidays);
      assert.deepEqual(got && spans([got])[0], c.expected);
    });
  }
});

describe('occurrences: real lengths across DST', () => {
  const cases: { name: string; windows: WeeklyWindow[]; tz: string; from: string; to: string; expected: Interval[] }[] =
    [
      // Berlin spring-forward Sunday: the whole local day has 23 hours.
      {
        name: 'Berlin 2026-03-29 00:00-24:00 is 23h',
        windows: [w([7], '00:00', '24:00')],
        tz: 'Europe/Berlin',
        from: '2026-03-28T00:00Z',
        to: '2026-03-31T00:00Z',
        expected: [{ start: t('2026-03-28T23:00Z'), end: t('2026-03-29T22:00Z') }],
      },
      // The clocks change at 02:00, before this window opens: it keeps all of its 10 hours.
      {
        name: 'Berlin 2026-03-29 08:00-18:00 is 10h',
        windows: [w([7], '08:00', '18:00')],
        tz: 'Europe/Berlin',
        from: '2026-03-28T00:00Z',
        to: '2026-03-31T00:00Z',
        expected: [{ start: t('2026-03-29T06:00Z'), end: t('2026-03-29T16:00Z') }],
      },
      // A night window across the spring-forward loses the skipped hour: 7h.
      {
        name: 'Berlin Sat 2026-03-28 22:00-06:00 is 7h',
        windows: [w([6], '22:00', '06:00')],
        tz: 'Europe/Berlin',
        from: '2026-03-27T00:00Z',
        to: '2026-03-31T00:00Z',
        expected: [{ start: t('2026-03-28T21:00Z'), end: t('2026-03-29T04:00Z') }],
      },
      // Across the fall-back night (03:00 CEST -> 02:00 CET) it gains one: 9h.
      {
        name: 'Berlin Sat 2026-10-24 22:00-06:00 is 9h',
        windows: [w([6], '22:00', '06:00')],
        tz: 'Europe/Berlin',
        from: '2026-10-23T00:00Z',
        to: '2026-10-27T00:00Z',
        expected: [{ start: t('2026-10-24T20:00Z'), end: t('2026-10-25T05:00Z') }],
      },
      // The fall-back Sunday has 25 hours.
      {
        name: 'Berlin 2026-10-25 00:00-24:00 is 25h',
        windows: [w([7], '00:00', '24:00')],
        tz: 'Europe/Berlin',
        from: '2026-10-24T00:00Z',
        to: '2026-10-27T00:00Z',
        expected: [{ start: t('2026-10-24T22:00Z'), end: t('2026-10-25T23:00Z') }],
      },
      // New York springs forward 2026-03-08 02:00 EST -> 03:00 EDT: 7h night.
      {
        name: 'New York Sat 2026-03-07 22:00-06:00 is 7h',
        windows: [w([6], '22:00', '06:00')],
        tz: 'America/New_York',
        from: '2026-03-06T00:00Z',
        to: '2026-03-10T00:00Z',
        expected: [{ start: t('2026-03-08T03:00Z'), end: t('2026-03-08T10:00Z') }],
      },
      // New York falls back 2026-11-01 02:00 EDT -> 01:00 EST: 9h night.
      {
        name: 'New York Sat 2026-10-31 22:00-06:00 is 9h',
        windows: [w([6], '22:00', '06:00')],
        tz: 'America/New_York',
        from: '2026-10-30T00:00Z',
        to: '2026-11-03T00:00Z',
        expected: [{ start: t('2026-11-01T02:00Z'), end: t('2026-11-01T11:00Z') }],
      },
      // Sydney falls back 2026-04-05 03:00 AEDT -> 02:00 AEST (southern autumn): 9h night.
      {
        name: 'Sydney Sat 2026-04-04 22:00-06:00 is 9h',
        windows: [w([6], '22:00', '06:00')],
        tz: 'Australia/Sydney',
        from: '2026-04-03T00:00Z',
        to: '2026-04-06T00:00Z',
        expected: [{ start: t('2026-04-04T11:00Z'), end: t('2026-04-04T20:00Z') }],
      },
      // Sydney springs forward 2026-10-04 02:00 AEST -> 03:00 AEDT (southern spring): 7h night.
      {
        name: 'Sydney Sat 2026-10-03 22:00-06:00 is 7h',
        windows: [w([6], '22:00', '06:00')],
        tz: 'Australia/Sydney',
        from: '2026-10-02T00:00Z',
        to: '2026-10-05T00:00Z',
        expected: [{ start: t('2026-10-03T12:00Z'), end: t('2026-10-03T19:00Z') }],
      },
      // Opening at 02:30, a time Berlin skips on 2026-03-29: it opens when the gap ends, 03:00 CEST.
      {
        name: 'window opening inside the spring-forward gap',
        windows: [w([7], '02:30', '04:00')],
        tz: 'Europe/Berlin',
        from: '2026-03-28T00:00Z',
        to: '2026-03-30T00:00Z',
        expected: [{ start: t('2026-03-29T01:00Z'), end: t('2026-03-29T02:00Z') }],
      },
      // Entirely inside the gap: that Sunday it does not exist; a week earlier it does.
      {
        name: 'window wholly inside the spring-forward gap',
        windows: [w([7], '02:15', '02:45')],
        tz: 'Europe/Berlin',
        from: '2026-03-21T00:00Z',
        to: '2026-03-30T00:00Z',
        expected: [{ start: t('2026-03-22T01:15Z'), end: t('2026-03-22T01:45Z') }],
      },
      // 02:30-03:30 on the fall-back day: opens at the first 02:30 (CEST), closes at 03:30 CET: 2h.
      {
        name: 'window opening inside the fall-back overlap',
        windows: [w([7], '02:30', '03:30')],
        tz: 'Europe/Berlin',
        from: '2026-10-24T00:00Z',
        to: '2026-10-26T00:00Z',
        expected: [{ start: t('2026-10-25T00:30Z'), end: t('2026-10-25T02:30Z') }],
      },
    ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(spans(occurrences(c.windows, c.tz, t(c.from), t(c.to))), spans(c.expected));
    });
  }
});

describe('occurrences: merging, clipping, holidays', () => {
  const tz = 'Europe/Berlin';
  const cases: {
    name: string;
    windows: WeeklyWindow[];
    from: string;
    to: string;
    holidays?: string[];
    expected: ReturnType<typeof span>[];
  }[] = [
    // All of Monday touching Tuesday morning is one stretch.
    {
      name: 'adjacent windows merge',
      windows: [w([1], '00:00', '24:00'), w([2], '00:00', '12:00')],
      from: '2026-03-02T00:00+01:00',
      to: '2026-03-04T00:00+01:00',
      expected: [span('2026-03-02T00:00+01:00', '2026-03-03T12:00+01:00')],
    },
    // Overlaps count once.
    {
      name: 'overlapping windows merge',
      windows: [w([1], '08:00', '12:00'), w([1], '10:00', '14:00')],
      from: '2026-03-02T00:00+01:00',
      to: '2026-03-03T00:00+01:00',
      expected: [span('2026-03-02T08:00+01:00', '2026-03-02T14:00+01:00')],
    },
    // A night window runs into the next morning's window.
    {
      name: 'midnight-crossing window merges with the next day',
      windows: [w([1], '22:00', '06:00'), w([2], '05:00', '09:00')],
      from: '2026-03-02T00:00+01:00',
      to: '2026-03-04T00:00+01:00',
      expected: [span('2026-03-02T22:00+01:00', '2026-03-03T09:00+01:00')],
    },
    // The range cuts the first and last occurrence.
    {
      name: 'clipped to [from, to)',
      windows: office,
      from: '2026-03-04T12:00+01:00',
      to: '2026-03-05T10:00+01:00',
      expected: [
        span('2026-03-04T12:00+01:00', '2026-03-04T18:00+01:00'),
        span('2026-03-05T08:00+01:00', '2026-03-05T10:00+01:00'),
      ],
    },
    // Christmas week with the 25th (a Friday) as holiday: four office days.
    {
      name: 'holiday week',
      windows: office,
      from: '2026-12-21T00:00+01:00',
      to: '2026-12-28T00:00+01:00',
      holidays: ['2026-12-25'],
      expected: [
        span('2026-12-21T08:00+01:00', '2026-12-21T18:00+01:00'),
        span('2026-12-22T08:00+01:00', '2026-12-22T18:00+01:00'),
        span('2026-12-23T08:00+01:00', '2026-12-23T18:00+01:00'),
        span('2026-12-24T08:00+01:00', '2026-12-24T18:00+01:00'),
      ],
    },
    // from === to is empty, not 24 hours (the compiler rejects it; hand-built configs get nothing).
    {
      name: 'from equal to to',
      windows: [w([1], '09:00', '09:00')],
      from: '2026-03-02T00:00+01:00',
      to: '2026-03-04T00:00+01:00',
      expected: [],
    },
    // No windows, nothing to list.
    { name: 'no windows', windows: [], from: '2026-03-02T00:00+01:00', to: '2026-04-02T00:00+01:00', expected: [] },
    // An empty range.
    {
      name: 'to before from',
      windows: office,
      from: '2026-03-05T00:00+01:00',
      to: '2026-03-02T00:00+01:00',
      expected: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(spans(occurrences(c.windows, tz, t(c.from), t(c.to), c.holidays)), c.expected);
    });
  }
});

describe('nextWindowStart', () => {
  const tz = 'Europe/Berlin';
  const cases: { name: string; windows: WeeklyWindow[]; at: string; holidays?: string[]; expected: string | null }[] = [
    // Friday evening -> Monday morning.
    { name: 'over the weekend', windows: office, at: '2026-03-06T19:00+01:00', expected: '2026-03-09T08:00+01:00' },
    // Monday is a holiday -> Tuesday.
    {
      name: 'over a holiday',
      windows: office,
      at: '2026-03-06T19:00+01:00',
      holidays: ['2026-03-09'],
      expected: '2026-03-10T08:00+01:00',
    },
    // An opening exactly at `at` counts.
    {
      name: 'exactly at an opening',
      windows: office,
      at: '2026-03-04T08:00+01:00',
      expected: '2026-03-04T08:00+01:00',
    },
    // Inside a window: the next one, not the current one.
    { name: 'inside a window', windows: office, at: '2026-03-04T12:00+01:00', expected: '2026-03-05T08:00+01:00' },
    // Tuesday 00:00 continues Monday's stretch, so it is not a start; next Monday is.
    {
      name: 'inside a stretch of touching windows',
      windows: [w([1], '00:00', '24:00'), w([2], '00:00', '12:00')],
      at: '2026-03-02T10:00+01:00',
      expected: '2026-03-09T00:00+01:00',
    },
    // Over the spring-forward weekend the Monday opening is in CEST.
    { name: 'across DST', windows: office, at: '2026-03-27T18:00+01:00', expected: '2026-03-30T08:00+02:00' },
    // Nothing ever opens.
    { name: 'no windows', windows: [], at: '2026-03-04T12:00+01:00', expected: null },
    // Inside a window that never closes: there is no next start (bounded search, no endless loop).
    { name: 'always open', windows: [w(EVERY_DAY, '00:00', '24:00')], at: '2026-03-04T12:00+01:00', expected: null },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = nextWindowStart(c.windows, tz, t(c.at), c.holidays);
      assert.equal(got === null ? null : iso(got), c.expected === null ? null : iso(t(c.expected)));
    });
  }
});

describe('wallClockInstant', () => {
  const naive = (s: string) => t(`${s}Z`);
  const cases: { name: string; tz: string; wall: string; expected: string }[] = [
    // An ordinary wall time.
    { name: 'ordinary', tz: 'Europe/Berlin', wall: '2026-03-04T09:00', expected: '2026-03-04T08:00Z' },
    // Skipped 02:30 (Berlin spring-forward) -> end of the gap, 03:00 CEST; fromLocal would say 03:30.
    { name: 'Berlin gap', tz: 'Europe/Berlin', wall: '2026-03-29T02:30', expected: '2026-03-29T01:00Z' },
    // Skipped 02:30 in New York -> 03:00 EDT.
    { name: 'New York gap', tz: 'America/New_York', wall: '2026-03-08T02:30', expected: '2026-03-08T07:00Z' },
    // Skipped 02:30 in Sydney (southern spring) -> 03:00 AEDT.
    { name: 'Sydney gap', tz: 'Australia/Sydney', wall: '2026-10-04T02:30', expected: '2026-10-03T16:00Z' },
    // Repeated 02:30 (Berlin fall-back) -> the first, in CEST.
    { name: 'Berlin overlap', tz: 'Europe/Berlin', wall: '2026-10-25T02:30', expected: '2026-10-25T00:30Z' },
    // Repeated 01:30 in New York -> the first, in EDT.
    { name: 'New York overlap', tz: 'America/New_York', wall: '2026-11-01T01:30', expected: '2026-11-01T05:30Z' },
    // Repeated 02:30 in Sydney (southern autumn) -> the first, in AEDT.
    { name: 'Sydney overlap', tz: 'Australia/Sydney', wall: '2026-04-05T02:30', expected: '2026-04-04T15:30Z' },
    // Milliseconds survive.
    {
      name: 'milliseconds',
      tz: 'Europe/Berlin',
      wall: '2026-03-04T09:00:00.250',
      expected: '2026-03-04T08:00:00.250Z',
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(iso(wallClockInstant(naive(c.wall), c.tz)), iso(t(c.expected))));
  }

  it('is the first instant whose wall reading is at or after the given one, and so never reorders', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe', 'Etc/UTC'];
    const year2026 = fc.integer({ min: t('2026-01-01T00:00Z'), max: t('2027-01-01T00:00Z') });
    // Naive wall times of 2026's DST changes in these zones, +-2h, so that gaps and overlaps are really hit.
    const changes = ['2026-03-08T02:00', '2026-03-29T02:00', '2026-04-05T02:00', '2026-10-04T02:00', '2026-10-25T02:00']
      .concat(['2026-11-01T01:00'])
      .map((s) => t(`${s}Z`));
    const nearChange = fc
      .tuple(fc.constantFrom(...changes), fc.integer({ min: -2 * HOUR, max: 2 * HOUR }))
      .map(([c, d]) => c + d);
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.oneof(year2026, nearChange),
        fc.integer({ min: 0, max: 3 * HOUR }),
        (tz, a, delta) => {
          const r = wallClockInstant(a, tz);
          assert.ok(wallReading(r, tz) >= a, 'reads at or after');
          assert.ok(wallReading(r - 1, tz) < a, 'the instant before reads earlier');
          assert.ok(wallClockInstant(a + delta, tz) >= r, 'monotone');
        },
      ),
      { numRuns: 300 },
    );
  });
});
