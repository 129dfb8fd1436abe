import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ScheduleConfig, ScheduleLayerConfig, WeeklyWindow } from '../../../router/config/compiled.ts';
import { OVERRIDE_LAYER, onCallAt, type Shift, shifts } from '../../../router/oncall/schedule.ts';
import { calendarDays, parseDuration } from '../../../router/time/duration.ts';
import { parseResourceTime, parseTimeOfDay } from '../../../router/time/zoned.ts';

const t = Date.parse;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];
const MON_FRI = [1, 2, 3, 4, 5];

function minutes(hhmm: string): number {
  const m = parseTimeOfDay(hhmm);
  assert.ok(m !== null, hhmm);
  return m;
}
const restriction = (days: number[], from: string, to: string): WeeklyWindow => ({
  days,
  from: minutes(from),
  to: minutes(to),
});

interface LayerSpec {
  name: string;
  /** Local to the schedule's zone, as in the resource (`2026-03-02T09:00`). */
  start: string;
  every: string;
  members: string[];
  handoff?: string;
  restrictions?: WeeklyWindow[];
}
/** A ScheduleConfig as the compiler would produce it from resource-like values. */
function schedule(
  timezone: string,
  layers: LayerSpec[],
  overrides: { responder: string; start: string; end: string }[] = [],
): ScheduleConfig {
  const instant = (text: string) => {
    const ms = parseResourceTime(text, timezone);
    assert.ok(ms !== null, text);
    return ms;
  };
  return {
    key: 'acme/primary',
    name: 'primary',
    namespace: 'acme',
    timezone,
    layers: layers.map(
      (l): ScheduleLayerConfig => ({
        name: l.name,
        start: instant(l.start),
        rotation: { every: l.every, everyMs: parseDuration(l.every), calendarDays: calendarDays(l.every) },
        handoff: l.handoff === undefined ? null : minutes(l.handoff),
        members: l.members,
        restrictions: l.restrictions ?? [],
      }),
    ),
    overrides: overrides.map((o) => ({ responder: o.responder, start: instant(o.start), end: instant(o.end) })),
  };
}

type Expected = [responder: string, layer: string, start: string, end: string];
/** Shifts as [responder, layer, startISO, endISO] (UTC) for readable diffs. */
const listed = (list: Shift[]) => list.map((s) => [s.responder, s.layer, iso(s.start), iso(s.end)]);
const expectedList = (list: Expected[]) => list.map(([r, l, a, b]) => [r, l, iso(t(a)), iso(t(b))]);

// Weekly Monday 09:00 Berlin handoff, the Grafana OnCall #3261/#5247 case.
const berlinWeekly = schedule('Europe/Berlin', [
  { name: 'weekly', start: '2026-03-02T09:00', every: '1w', members: ['alice', 'bob', 'carol'] },
]);
// Daily 02:30 handoff in New York: 02:30 does not exist on 2026-03-08.
const newYorkDaily = schedule('America/New_York', [
  { name: 'daily', start: '2026-03-01T02:30', every: '1d', members: ['ann', 'ben'] },
]);
// Daily 01:30 handoff in New York: 01:30 happens twice on 2026-11-01.
const newYorkDailyOverlap = schedule('America/New_York', [
  { name: 'daily', start: '2026-10-25T01:30', every: '1d', members: ['ann', 'ben'] },
]);
// 12h rotation at 08:00/20:00 in Sydney.
const sydneyHalfDays = schedule('Australia/Sydney', [
  { name: 'halves', start: '2026-04-01T08:00', every: '12h', members: ['amy', 'bo'] },
]);
// A day layer with a night layer above it whose restriction crosses midnight.
const dayAndNight = schedule('Europe/Berlin', [
  { name: 'day', start: '2026-03-02T08:00', every: '1w', members: ['dan'] },
  {
    name: 'night',
    start: '2026-03-02T22:00',
    every: '1d',
    members: ['nia', 'nico'],
    restrictions: [restriction(EVERY_DAY, '22:00', '06:00')],
  },
]);
// Weekly layer with overrides, the last two overlapping.
const withOverrides = schedule(
  'Europe/Berlin',
  [{ name: 'weekly', start: '2026-03-02T09:00', every: '1w', members: ['alice', 'bob', 'carol'] }],
  [
    { responder: 'oscar', start: '2026-03-10T12:00', end: '2026-03-10T14:00' },
    { responder: 'olga', start: '2026-03-10T13:00', end: '2026-03-10T15:00' },
    { responder: 'early', start: '2026-03-01T10:00', end: '2026-03-01T11:00' },
  ],
);
// A weekend layer above a base layer; and the same layers in the other order.
const baseLayer: LayerSpec = { name: 'base', start: '2026-03-02T09:00', every: '1w', members: ['alice', 'bob'] };
const weekendLayer: LayerSpec = {
  name: 'weekend',
  start: '2026-03-02T00:00',
  every: '1w',
  members: ['wendy'],
  restrictions: [restriction([6, 7], '00:00', '24:00')],
};
const weekendOnTop = schedule('Europe/Berlin', [baseLayer, weekendLayer]);
const weekendBelow = schedule('Europe/Berlin', [weekendLayer, baseLayer]);
// Office hours only: gaps at night and at weekends.
const officeOnly = schedule('Europe/Berlin', [
  {
    name: 'office',
    start: '2026-03-02T09:00',
    every: '1d',
    members: ['olive'],
    restrictions: [restriction(MON_FRI, '09:00', '17:00')],
  },
]);
// Follow-the-sun in UTC: three regions, each a daily two-person rotation for its third of the day.
const followTheSun = schedule(
  'Etc/UTC',
  [
    {
      name: 'apac',
      start: '2026-03-02T00:00',
      every: '1d',
      members: ['aki', 'ari'],
      restrictions: [restriction(EVERY_DAY, '00:00', '08:00')],
    },
    {
      name: 'emea',
      start: '2026-03-02T00:00',
      every: '1d',
      members: ['eva', 'emil'],
      restrictions: [restriction(EVERY_DAY, '08:00', '16:00')],
    },
    {
      name: 'amer',
      start: '2026-03-02T00:00',
      every: '1d',
      members: ['ada', 'abe'],
      restrictions: [restriction(EVERY_DAY, '16:00', '24:00')],
    },
  ],
  [{ responder: 'olivia', start: '2026-03-04T10:00', end: '2026-03-04T12:00' }],
);

describe('onCallAt', () => {
  const cases: { name: string; schedule: ScheduleConfig; at: string; expected: [string, string] | null }[] = [
    // Before the first layer starts nobody is on call.
    { name: 'before the start', schedule: berlinWeekly, at: '2026-03-02T08:59+01:00', expected: null },
    // The first member from the start.
    { name: 'at the start', schedule: berlinWeekly, at: '2026-03-02T09:00+01:00', expected: ['alice', 'weekly'] },
    // Fourth week (alice again) ends Monday 09:00 CEST after the spring change: 08:59 local is still alice...
    {
      name: 'Berlin Monday after spring change, 08:59',
      schedule: berlinWeekly,
      at: '2026-03-30T08:59+02:00',
      expected: ['alice', 'weekly'],
    },
    // ...and 09:00 local (07:00Z, one real hour earlier than a 168h week) is bob.
    {
      name: 'Berlin Monday after spring change, 09:00',
      schedule: berlinWeekly,
      at: '2026-03-30T09:00+02:00',
      expected: ['bob', 'weekly'],
    },
    // After the autumn change (week 34, bob's) 08:59 CET is still week 33's alice.
    {
      name: 'Berlin Monday after autumn change, 08:59',
      schedule: berlinWeekly,
      at: '2026-10-26T08:59+01:00',
      expected: ['alice', 'weekly'],
    },
    // 09:00 CET, one real hour later than a 168h week, is bob.
    {
      name: 'Berlin Monday after autumn change, 09:00',
      schedule: berlinWeekly,
      at: '2026-10-26T09:00+01:00',
      expected: ['bob', 'weekly'],
    },
    // Ten years on (522 weeks, 522 % 3 = 0), still Monday 09:00 local, computed without walking shifts.
    {
      name: 'ten years later, 09:00',
      schedule: berlinWeekly,
      at: '2036-03-03T09:00+01:00',
      expected: ['alice', 'weekly'],
    },
    // ...and the week before is carol's.
    {
      name: 'ten years later, 08:59',
      schedule: berlinWeekly,
      at: '2036-03-03T08:59+01:00',
      expected: ['carol', 'weekly'],
    },
    // 02:30 does not exist in New York on 2026-03-08: day 7 (ben) starts when the gap ends, 03:00 EDT.
    {
      name: 'New York handoff in the spring gap, 03:00',
      schedule: newYorkDaily,
      at: '2026-03-08T03:00-04:00',
      expected: ['ben', 'daily'],
    },
    // 01:59 EST, just before the gap, is still day 6 (ann).
    {
      name: 'New York handoff in the spring gap, 01:59',
      schedule: newYorkDaily,
      at: '2026-03-08T01:59-05:00',
      expected: ['ann', 'daily'],
    },
    // 01:30 happens twice on 2026-11-01: the handoff is at the first (EDT); the first 01:15 is still ann.
    {
      name: 'New York handoff in the autumn overlap, first 01:15',
      schedule: newYorkDailyOverlap,
      at: '2026-11-01T01:15-04:00',
      expected: ['ann', 'daily'],
    },
    // The second 01:15 (EST) comes after the handoff: ben.
    {
      name: 'New York handoff in the autumn overlap, second 01:15',
      schedule: newYorkDailyOverlap,
      at: '2026-11-01T01:15-05:00',
      expected: ['ben', 'daily'],
    },
    // Night layer above the day layer at 23:00.
    {
      name: 'night restriction, evening',
      schedule: dayAndNight,
      at: '2026-03-03T23:00+01:00',
      expected: ['nico', 'night'],
    },
    // 05:59 is still the night that began the evening before (nico's, handed over at 22:00).
    {
      name: 'night restriction after midnight',
      schedule: dayAndNight,
      at: '2026-03-04T05:59+01:00',
      expected: ['nico', 'night'],
    },
    // At 06:00 the restriction ends and the day layer shows through.
    { name: 'night restriction end', schedule: dayAndNight, at: '2026-03-04T06:00+01:00', expected: ['dan', 'day'] },
    // An override wins over the layer.
    { name: 'override', schedule: withOverrides, at: '2026-03-10T12:30+01:00', expected: ['oscar', OVERRIDE_LAYER] },
    // Of two overlapping overrides the one listed later wins.
    {
      name: 'overlapping overrides',
      schedule: withOverrides,
      at: '2026-03-10T13:30+01:00',
      expected: ['olga', OVERRIDE_LAYER],
    },
    // Override end is exclusive.
    { name: 'after the overrides', schedule: withOverrides, at: '2026-03-10T15:00+01:00', expected: ['bob', 'weekly'] },
    // An override applies even before the layers start.
    {
      name: 'override before the layers start',
      schedule: withOverrides,
      at: '2026-03-01T10:30+01:00',
      expected: ['early', OVERRIDE_LAYER],
    },
    // A later layer wins where it has someone (Saturday).
    { name: 'later layer wins', schedule: weekendOnTop, at: '2026-03-07T12:00+01:00', expected: ['wendy', 'weekend'] },
    // Where it has nobody (Friday) the earlier layer shows through.
    {
      name: 'earlier layer shows through',
      schedule: weekendOnTop,
      at: '2026-03-06T12:00+01:00',
      expected: ['alice', 'base'],
    },
    // Listed the other way round, the always-on base layer hides the weekend layer.
    { name: 'order decides', schedule: weekendBelow, at: '2026-03-07T12:00+01:00', expected: ['alice', 'base'] },
    // Saturday with an office-hours-only layer: nobody.
    { name: 'gap at the weekend', schedule: officeOnly, at: '2026-03-07T12:00+01:00', expected: null },
    // Follow-the-sun: 03:00 UTC on day 2 (index 2 % 2 = 0) is APAC's first member.
    { name: 'follow-the-sun APAC', schedule: followTheSun, at: '2026-03-04T03:00Z', expected: ['aki', 'apac'] },
    // 20:00 UTC is AMER.
    { name: 'follow-the-sun AMER', schedule: followTheSun, at: '2026-03-04T20:00Z', expected: ['ada', 'amer'] },
    // The override inside EMEA's hours.
    {
      name: 'follow-the-sun override',
      schedule: followTheSun,
      at: '2026-03-04T11:00Z',
      expected: ['olivia', OVERRIDE_LAYER],
    },
    // The next day the rotation hands each region to its second member.
    { name: 'follow-the-sun next day', schedule: followTheSun, at: '2026-03-05T09:00Z', expected: ['emil', 'emea'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = onCallAt(c.schedule, t(c.at));
      assert.deepEqual(got && [got.responder, got.layer], c.expected);
    });
  }
});

describe('shifts', () => {
  const cases: { name: string; schedule: ScheduleConfig; from: string; to: string; expected: Expected[] }[] = [
    // Berlin spring DST week: alice's week is 167 real hours, the handoffs stay Monday 09:00 local.
    {
      name: 'Berlin weekly across the spring change',
      schedule: berlinWeekly,
      from: '2026-03-23T00:00+01:00',
      to: '2026-04-07T00:00+02:00',
      expected: [
        ['carol', 'weekly', '2026-03-23T00:00+01:00', '2026-03-23T09:00+01:00'],
        ['alice', 'weekly', '2026-03-23T09:00+01:00', '2026-03-30T09:00+02:00'],
        ['bob', 'weekly', '2026-03-30T09:00+02:00', '2026-04-06T09:00+02:00'],
        ['carol', 'weekly', '2026-04-06T09:00+02:00', '2026-04-07T00:00+02:00'],
      ],
    },
    // Berlin autumn DST week: alice's week 33 is 169 real hours.
    {
      name: 'Berlin weekly across the autumn change',
      schedule: berlinWeekly,
      from: '2026-10-19T09:00+02:00',
      to: '2026-11-02T09:00+01:00',
      expected: [
        ['alice', 'weekly', '2026-10-19T09:00+02:00', '2026-10-26T09:00+01:00'],
        ['bob', 'weekly', '2026-10-26T09:00+01:00', '2026-11-02T09:00+01:00'],
      ],
    },
    // Sydney falls back 2026-04-05: the 20:00-08:00 shift is 13h, handoffs stay 08:00/20:00.
    {
      name: 'Sydney 12h across the autumn change',
      schedule: sydneyHalfDays,
      from: '2026-04-04T20:00+11:00',
      to: '2026-04-05T20:00+10:00',
      expected: [
        ['bo', 'halves', '2026-04-04T20:00+11:00', '2026-04-05T08:00+10:00'],
        ['amy', 'halves', '2026-04-05T08:00+10:00', '2026-04-05T20:00+10:00'],
      ],
    },
    // Sydney springs forward 2026-10-04: that night shift is 11h.
    {
      name: 'Sydney 12h across the spring change',
      schedule: sydneyHalfDays,
      from: '2026-10-03T20:00+10:00',
      to: '2026-10-04T20:00+11:00',
      expected: [
        ['bo', 'halves', '2026-10-03T20:00+10:00', '2026-10-04T08:00+11:00'],
        ['amy', 'halves', '2026-10-04T08:00+11:00', '2026-10-04T20:00+11:00'],
      ],
    },
    // New York: the 02:30 handoff on 2026-03-08 happens at 03:00 EDT, the next day at 02:30 again.
    {
      name: 'New York daily across the spring change',
      schedule: newYorkDaily,
      from: '2026-03-07T02:30-05:00',
      to: '2026-03-09T02:30-04:00',
      expected: [
        ['ann', 'daily', '2026-03-07T02:30-05:00', '2026-03-08T03:00-04:00'],
        ['ben', 'daily', '2026-03-08T03:00-04:00', '2026-03-09T02:30-04:00'],
      ],
    },
    // New York falls back 2026-11-01: the 01:30 handoff is at the first 01:30, that day is 25h.
    {
      name: 'New York daily across the autumn change',
      schedule: newYorkDailyOverlap,
      from: '2026-10-31T01:30-04:00',
      to: '2026-11-02T01:30-05:00',
      expected: [
        ['ann', 'daily', '2026-10-31T01:30-04:00', '2026-11-01T01:30-04:00'],
        ['ben', 'daily', '2026-11-01T01:30-04:00', '2026-11-02T01:30-05:00'],
      ],
    },
    // The night layer over the fall-back night: 22:00 CEST -> 06:00 CET is 9 real hours.
    {
      name: 'midnight-crossing restriction across the Berlin autumn change',
      schedule: dayAndNight,
      from: '2026-10-24T12:00+02:00',
      to: '2026-10-25T12:00+01:00',
      expected: [
        ['dan', 'day', '2026-10-24T12:00+02:00', '2026-10-24T22:00+02:00'],
        ['nia', 'night', '2026-10-24T22:00+02:00', '2026-10-25T06:00+01:00'],
        ['dan', 'day', '2026-10-25T06:00+01:00', '2026-10-25T12:00+01:00'],
      ],
    },
    // Overrides cut the layer's shift; the layer's pieces either side stay bob's.
    {
      name: 'overrides over a layer',
      schedule: withOverrides,
      from: '2026-03-10T00:00+01:00',
      to: '2026-03-11T00:00+01:00',
      expected: [
        ['bob', 'weekly', '2026-03-10T00:00+01:00', '2026-03-10T12:00+01:00'],
        ['oscar', OVERRIDE_LAYER, '2026-03-10T12:00+01:00', '2026-03-10T13:00+01:00'],
        ['olga', OVERRIDE_LAYER, '2026-03-10T13:00+01:00', '2026-03-10T15:00+01:00'],
        ['bob', 'weekly', '2026-03-10T15:00+01:00', '2026-03-11T00:00+01:00'],
      ],
    },
    // Before the layers start only the override covers anything.
    {
      name: 'override before the layers start',
      schedule: withOverrides,
      from: '2026-03-01T00:00+01:00',
      to: '2026-03-02T10:00+01:00',
      expected: [
        ['early', OVERRIDE_LAYER, '2026-03-01T10:00+01:00', '2026-03-01T11:00+01:00'],
        ['alice', 'weekly', '2026-03-02T09:00+01:00', '2026-03-02T10:00+01:00'],
      ],
    },
    // Weekend layer on top of the base layer, Friday noon to Monday noon.
    {
      name: 'later layer over an earlier one',
      schedule: weekendOnTop,
      from: '2026-03-06T12:00+01:00',
      to: '2026-03-09T12:00+01:00',
      expected: [
        ['alice', 'base', '2026-03-06T12:00+01:00', '2026-03-07T00:00+01:00'],
        ['wendy', 'weekend', '2026-03-07T00:00+01:00', '2026-03-09T00:00+01:00'],
        ['alice', 'base', '2026-03-09T00:00+01:00', '2026-03-09T09:00+01:00'],
        ['bob', 'base', '2026-03-09T09:00+01:00', '2026-03-09T12:00+01:00'],
      ],
    },
    // Office-only layer: the night and the weekend are gaps (absent), Friday to Monday.
    {
      name: 'gaps',
      schedule: officeOnly,
      from: '2026-03-06T00:00+01:00',
      to: '2026-03-10T00:00+01:00',
      expected: [
        ['olive', 'office', '2026-03-06T09:00+01:00', '2026-03-06T17:00+01:00'],
        ['olive', 'office', '2026-03-09T09:00+01:00', '2026-03-09T17:00+01:00'],
      ],
    },
    // Follow-the-sun over a day with an override in EMEA's hours; the next day the second members.
    {
      name: 'follow-the-sun',
      schedule: followTheSun,
      from: '2026-03-04T00:00Z',
      to: '2026-03-05T12:00Z',
      expected: [
        ['aki', 'apac', '2026-03-04T00:00Z', '2026-03-04T08:00Z'],
        ['eva', 'emea', '2026-03-04T08:00Z', '2026-03-04T10:00Z'],
        ['olivia', OVERRIDE_LAYER, '2026-03-04T10:00Z', '2026-03-04T12:00Z'],
        ['eva', 'emea', '2026-03-04T12:00Z', '2026-03-04T16:00Z'],
        ['ada', 'amer', '2026-03-04T16:00Z', '2026-03-05T00:00Z'],
        ['ari', 'apac', '2026-03-05T00:00Z', '2026-03-05T08:00Z'],
        ['emil', 'emea', '2026-03-05T08:00Z', '2026-03-05T12:00Z'],
      ],
    },
    // One member in a daily rotation: the daily pieces merge into one shift.
    {
      name: 'contiguous pieces merge',
      schedule: schedule('Europe/Berlin', [{ name: 'solo', start: '2026-03-02T09:00', every: '1d', members: ['sam'] }]),
      from: '2026-03-03T00:00+01:00',
      to: '2026-03-06T00:00+01:00',
      expected: [['sam', 'solo', '2026-03-03T00:00+01:00', '2026-03-06T00:00+01:00']],
    },
    // A handoff time later than the start's: the first shift runs only to the first handoff.
    {
      name: 'handoff later in the day than the start',
      schedule: schedule('Europe/Berlin', [
        {
          name: 'weekly',
          start: '2026-03-02T00:00',
          every: '1w',
          handoff: '09:00',
          members: ['alice', 'bob', 'carol'],
        },
      ]),
      from: '2026-03-01T00:00+01:00',
      to: '2026-03-17T00:00+01:00',
      expected: [
        ['alice', 'weekly', '2026-03-02T00:00+01:00', '2026-03-02T09:00+01:00'],
        ['bob', 'weekly', '2026-03-02T09:00+01:00', '2026-03-09T09:00+01:00'],
        ['carol', 'weekly', '2026-03-09T09:00+01:00', '2026-03-16T09:00+01:00'],
        ['alice', 'weekly', '2026-03-16T09:00+01:00', '2026-03-17T00:00+01:00'],
      ],
    },
    // A handoff time earlier than the start's: the first shift runs to the handoff a period later.
    {
      name: 'handoff earlier in the day than the start',
      schedule: schedule('Europe/Berlin', [
        { name: 'weekly', start: '2026-03-02T12:00', every: '1w', handoff: '09:00', members: ['alice', 'bob'] },
      ]),
      from: '2026-03-02T00:00+01:00',
      to: '2026-03-16T12:00+01:00',
      expected: [
        ['alice', 'weekly', '2026-03-02T12:00+01:00', '2026-03-09T09:00+01:00'],
        ['bob', 'weekly', '2026-03-09T09:00+01:00', '2026-03-16T09:00+01:00'],
        ['alice', 'weekly', '2026-03-16T09:00+01:00', '2026-03-16T12:00+01:00'],
      ],
    },
    // 36h is no whole day and does not divide one: real elapsed time, so the local handoff moves 08:00 -> 21:00 CEST.
    {
      name: 'elapsed-time rotation across the Berlin spring change',
      schedule: schedule('Europe/Berlin', [
        { name: 'long', start: '2026-03-28T08:00', every: '36h', members: ['xia', 'yan'] },
      ]),
      from: '2026-03-28T08:00+01:00',
      to: '2026-03-31T09:00+02:00',
      expected: [
        ['xia', 'long', '2026-03-28T08:00+01:00', '2026-03-29T21:00+02:00'],
        ['yan', 'long', '2026-03-29T21:00+02:00', '2026-03-31T09:00+02:00'],
      ],
    },
    // A 1h wall-clock rotation: the 02:00 slot the clock skips is empty (m2's turn), 03:00 is slot 3 (m0), 04:00 slot 4 (m1).
    {
      name: 'hourly rotation skips the slot the clock skips',
      schedule: schedule('Europe/Berlin', [
        { name: 'hourly', start: '2026-03-29T00:00', every: '1h', members: ['m0', 'm1', 'm2'] },
      ]),
      from: '2026-03-29T00:00+01:00',
      to: '2026-03-29T05:00+02:00',
      expected: [
        ['m0', 'hourly', '2026-03-29T00:00+01:00', '2026-03-29T01:00+01:00'],
        ['m1', 'hourly', '2026-03-29T01:00+01:00', '2026-03-29T03:00+02:00'],
        ['m0', 'hourly', '2026-03-29T03:00+02:00', '2026-03-29T04:00+02:00'],
        ['m1', 'hourly', '2026-03-29T04:00+02:00', '2026-03-29T05:00+02:00'],
      ],
    },
    // Sub-hour rotations step in real time: every 30 real minutes, straight through the gap.
    {
      name: 'sub-hour rotation in real time',
      schedule: schedule('Europe/Berlin', [
        { name: 'short', start: '2026-03-29T01:00', every: '30m', members: ['p', 'q', 'r'] },
      ]),
      from: '2026-03-29T01:00+01:00',
      to: '2026-03-29T04:00+02:00',
      expected: [
        ['p', 'short', '2026-03-29T01:00+01:00', '2026-03-29T01:30+01:00'],
        ['q', 'short', '2026-03-29T01:30+01:00', '2026-03-29T03:00+02:00'],
        ['r', 'short', '2026-03-29T03:00+02:00', '2026-03-29T03:30+02:00'],
        ['p', 'short', '2026-03-29T03:30+02:00', '2026-03-29T04:00+02:00'],
      ],
    },
    // A layer without members has nobody.
    {
      name: 'no members',
      schedule: schedule('Europe/Berlin', [{ name: 'empty', start: '2026-03-02T09:00', every: '1w', members: [] }]),
      from: '2026-03-02T00:00+01:00',
      to: '2026-03-20T00:00+01:00',
      expected: [],
    },
    // An empty range.
    {
      name: 'empty range',
      schedule: berlinWeekly,
      from: '2026-03-10T00:00+01:00',
      to: '2026-03-10T00:00+01:00',
      expected: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(listed(shifts(c.schedule, t(c.from), t(c.to))), expectedList(c.expected)));
  }
});

/** Checks that `list` is a valid final-shift list for [from, to) and agrees with onCallAt at `probes`. */
function assertConsistent(s: ScheduleConfig, from: number, to: number, probes: number[]): Shift[] {
  const list = shifts(s, from, to);
  for (const [i, shift] of list.entries()) {
    assert.ok(from <= shift.start && shift.start < shift.end && shift.end <= to, `shift ${i} inside [from, to)`);
    const next = list[i + 1];
    if (!next) continue;
    assert.ok(shift.end <= next.start, `shift ${i} does not overlap the next`);
    const touching = shift.end === next.start;
    assert.ok(!(touching && shift.responder === next.responder && shift.layer === next.layer), `shift ${i} merged`);
  }
  for (const p of probes) {
    const covering = list.find((x) => x.start <= p && p < x.end);
    const now = onCallAt(s, p);
    assert.deepEqual(now, covering ? { responder: covering.responder, layer: covering.layer } : null, iso(p));
  }
  return list;
}

describe('schedule properties', () => {
  const fixtures = [
    berlinWeekly,
    newYorkDaily,
    sydneyHalfDays,
    dayAndNight,
    withOverrides,
    weekendOnTop,
    officeOnly,
    followTheSun,
  ];

  it('shifts() are ordered, disjoint, merged and agree with onCallAt at random instants', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.integer({ min: t('2026-02-20T00:00Z'), max: t('2026-12-31T00:00Z') }),
        fc.integer({ min: 1, max: 10 * DAY }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (s, from, length, fractions) => {
          const to = from + length;
          assertConsistent(
            s,
            from,
            to,
            fractions.map((f) => from + Math.floor(f * length)),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a single unrestricted layer covers every instant after its start, whatever its rotation', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom('30m', '1h', '5h', '8h', '12h', '24h', '36h', '1d', '2d', '1w', '2w'),
        fc.option(fc.integer({ min: 0, max: 1439 }), { nil: null }),
        fc.integer({ min: t('2026-01-01T00:00Z') / 60_000, max: t('2026-12-01T00:00Z') / 60_000 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (tz, every, handoff, startMinute, memberCount, fractions) => {
          const start = startMinute * 60_000;
          const s: ScheduleConfig = {
            key: 'p/p',
            name: 'p',
            namespace: 'p',
            timezone: tz,
            layers: [
              {
                name: 'only',
                start,
                rotation: { every, everyMs: parseDuration(every), calendarDays: calendarDays(every) },
                handoff,
                members: ['a', 'b', 'c', 'd'].slice(0, memberCount),
                restrictions: [],
              },
            ],
            overrides: [],
          };
          const from = start - HOUR;
          const to = start + 20 * DAY;
          const list = assertConsistent(
            s,
            from,
            to,
            fractions.map((f) => from + Math.floor(f * (to - from))),
          );
          // No gaps from the start on.
          assert.equal(list[0]?.start, start);
          assert.equal(list[list.length - 1]?.end, to);
          for (const [i, shift] of list.entries()) if (i > 0) assert.equal(list[i - 1]?.end, shift.start);
        },
      ),
      { numRuns: 150 },
    );
  });
});
