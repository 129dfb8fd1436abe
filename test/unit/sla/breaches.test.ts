import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { slaStatus } from '../../../router/sla/breaches.ts';
import { at, HOUR, incident, iso, level, MIN } from './fixtures.ts';

const berlin = (local: string) => iso(at(local));

describe('slaStatus: deadlines and breaches', () => {
  const cases: {
    name: string;
    i: ReturnType<typeof incident>;
    now: string;
    respondBy: string | null;
    resolveBy: string | null;
    respond: string;
    resolve: string;
    breaches: { kind: string; overrunMs: number; ongoing: boolean }[];
    responseMs?: number | null;
  }[] = [
    {
      name: 'Friday 17:30 Berlin + 4h business time is Monday 11:30; unacknowledged at 12:00: ongoing respond breach of 30m',
      i: incident('w1', 'warning', '2026-03-06T17:30+01:00'),
      now: '2026-03-09T12:00+01:00',
      respondBy: berlin('2026-03-09T11:30+01:00'),
      resolveBy: berlin('2026-03-09T15:30+01:00'), // 8h: 30m Friday, 7h30 Monday
      respond: 'breached',
      resolve: 'pending',
      breaches: [{ kind: 'respond', overrunMs: 30 * MIN, ongoing: true }],
    },
    {
      name: 'across the DST weekend: due Monday 11:30 CEST; acknowledged 11:00 CEST took 3h30 of business time',
      i: incident('w2', 'warning', '2026-03-27T17:30+01:00', {
        ack: at('2026-03-30T11:00+02:00') / 1000 - at('2026-03-27T17:30+01:00') / 1000,
      }),
      now: '2026-03-30T11:00+02:00',
      respondBy: berlin('2026-03-30T11:30+02:00'),
      resolveBy: berlin('2026-03-30T15:30+02:00'),
      respond: 'met',
      resolve: 'pending',
      breaches: [],
      responseMs: 3.5 * HOUR,
    },
    {
      name: 'across the DST weekend, acknowledged 12:00 CEST: a respond breach of 30m, not ongoing',
      i: incident('w3', 'warning', '2026-03-27T17:30+01:00', {
        ack: (at('2026-03-30T12:00+02:00') - at('2026-03-27T17:30+01:00')) / 1000,
      }),
      now: '2026-03-30T13:00+02:00',
      respondBy: berlin('2026-03-30T11:30+02:00'),
      resolveBy: berlin('2026-03-30T15:30+02:00'),
      respond: 'breached',
      resolve: 'pending',
      breaches: [{ kind: 'respond', overrunMs: 30 * MIN, ongoing: false }],
      responseMs: 4.5 * HOUR,
    },
    {
      name: 'a target used up at the 18:00 close, acknowledged at 19:00: no business time overrun, so met',
      i: incident('w4', 'warning', '2026-03-06T14:00+01:00', { ack: 5 * 3600 }),
      now: '2026-03-06T19:00+01:00',
      respondBy: berlin('2026-03-06T18:00+01:00'),
      resolveBy: berlin('2026-03-09T12:00+01:00'),
      respond: 'met',
      resolve: 'pending',
      breaches: [],
      responseMs: 4 * HOUR,
    },
    {
      name: '24x7 critical on a Saturday night: acknowledged after 20m (5m over), resolved after 5h (1h over)',
      i: incident('c1', 'critical', '2026-03-07T02:00:00Z', { detect: 120, ack: 20 * 60, resolve: 5 * 3600 }),
      now: '2026-03-07T12:00:00Z',
      respondBy: '2026-03-07T02:15:00.000Z',
      resolveBy: '2026-03-07T06:00:00.000Z',
      respond: 'breached',
      resolve: 'breached',
      breaches: [
        { kind: 'respond', overrunMs: 5 * MIN, ongoing: false },
        { kind: 'resolve', overrunMs: HOUR, ongoing: false },
      ],
      responseMs: 20 * MIN,
    },
    {
      name: 'acknowledged exactly at the deadline: met',
      i: incident('c2', 'critical', '2026-03-07T02:00:00Z', { ack: 15 * 60, resolve: 4 * 3600 }),
      now: '2026-03-07T12:00:00Z',
      respondBy: '2026-03-07T02:15:00.000Z',
      resolveBy: '2026-03-07T06:00:00.000Z',
      respond: 'met',
      resolve: 'met',
      breaches: [],
    },
    {
      name: 'a severity without a target: no deadlines, no breaches',
      i: incident('i1', 'info', '2026-03-07T02:00:00Z'),
      now: '2026-04-07T02:00:00Z',
      respondBy: null,
      resolveBy: null,
      respond: 'no_target',
      resolve: 'no_target',
      breaches: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = slaStatus(c.i, level, at(c.now));
      assert.equal(s.respondBy, c.respondBy);
      assert.equal(s.resolveBy, c.resolveBy);
      assert.equal(s.respond, c.respond);
      assert.equal(s.resolve, c.resolve);
      assert.deepEqual(
        s.breaches.map(({ kind, overrunMs, ongoing }) => ({ kind, overrunMs, ongoing })),
        c.breaches,
      );
      for (const b of s.breaches) assert.equal(b.deadline, b.kind === 'respond' ? c.respondBy : c.resolveBy);
      if (c.responseMs !== undefined) assert.equal(s.responseMs, c.responseMs);
    });
  }

  it('detection counts wall time for 24x7 targets and business time for businessHours ones', () => {
    assert.equal(
      slaStatus(incident('c', 'critical', '2026-03-07T02:00:00Z', { detect: 120 }), level, 0).detectionMs,
      120_000,
    );
    // Started Friday 17:50, opened Monday 08:10 Berlin: 10 business minutes on Friday, 10 on Monday.
    const w = incident('w', 'warning', '2026-03-09T08:10+01:00', {
      detect: (at('2026-03-09T08:10+01:00') - at('2026-03-06T17:50+01:00')) / 1000,
    });
    assert.equal(slaStatus(w, level, at('2026-03-09T09:00+01:00')).detectionMs, 20 * MIN);
  });

  it('without a service level: measures only', () => {
    const s = slaStatus(incident('x', 'critical', '2026-03-07T02:00:00Z', { ack: 60 }), undefined, 0);
    assert.equal(s.responseMs, 60_000);
    assert.equal(s.respond, 'no_target');
    assert.deepEqual(s.breaches, []);
  });
});
