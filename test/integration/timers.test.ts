// Durable escalation wake-ups (router/escalation/timers.ts) on a real nats-server 2.12: scheduled messages
// fire at their time, a newer schedule replaces the pending one, a trigger runs at once, runs of one
// incident do not overlap, and the sweep runs what no wake-up asked for.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { DEFAULT_BUS_SETTINGS } from '../../router/bus/settings.ts';
import { setupBus } from '../../router/bus/setup.ts';
import { EscalationTimers } from '../../router/escalation/timers.ts';
import type { Incident } from '../../router/incidents/model.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';

let nats: NatsServer;
let nc: NatsConnection;

before(async () => {
  nats = await NatsServer.start();
  nc = await connect({ servers: nats.url });
  await setupBus(nc, DEFAULT_BUS_SETTINGS);
});
after(async () => {
  await nc?.close();
  await nats?.close();
});

function incident(id: string, extra: Partial<Incident> = {}): Incident {
  const now = new Date().toISOString();
  return {
    id,
    tenant: 'acme',
    groupKey: id,
    groupLabels: {},
    title: id,
    severity: 'critical',
    status: 'triggered',
    policy: 'p',
    openedAt: now,
    startsAt: now,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    updatedAt: now,
    ...extra,
  };
}

/** Timers over a fake store and a runner that records its runs and answers `next(id)` as nextAt. */
function setup(incidents: Incident[], next: (id: string, run: number) => number | null, runMs = 0) {
  const byId = new Map(incidents.map((i) => [i.id, i]));
  const runs: { id: string; at: number }[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const timers = new EscalationTimers({
    js: jetstream(nc),
    store: {
      read: async <T>(key: string) => {
        const i = byId.get(key.slice(key.lastIndexOf('.') + 1));
        return i ? { value: i as T, revision: 1 } : null;
      },
      incidents: () => byId.values(),
      incident: (id: string) => byId.get(id),
    },
    runner: {
      run: async (i) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        runs.push({ id: i.id, at: Date.now() });
        if (runMs) await new Promise((r) => setTimeout(r, runMs));
        concurrent--;
        const n = runs.filter((r) => r.id === i.id).length;
        return { nextAt: next(i.id, n), stopped: null, sent: 0, failed: 0 };
      },
    },
    times: () => ({ respondBy: null }),
    clock: Date.now,
    log: pino({ level: 'silent' }),
    sweepMs: 60_000,
  });
  return { timers, runs, runsOf: (id: string) => runs.filter((r) => r.id === id), maxConcurrent: () => maxConcurrent };
}

describe('escalation timers', () => {
  it('a wake-up runs the incident at its time; the run schedules its next one; a newer wake-up replaces the pending one', async () => {
    const t0 = Date.now();
    // The sweep's first pass runs it at once (never run here); that run asks for t0+2s, the second for t0+3s.
    const { timers, runsOf } = setup([incident('w1'), incident('w2')], (id, n) =>
      id === 'w2' ? null : n === 1 ? t0 + 2_000 : n === 2 ? t0 + 3_000 : null,
    );
    timers.start();
    try {
      await waitFor('three runs', async () => runsOf('w1').length >= 3, 10_000);
      const at = runsOf('w1').map((r) => r.at - t0);
      console.log(`runs at +${at.join(' ms, +')} ms`);
      assert.ok(at[0]! < 1_000, 'the sweep ran it at once');
      assert.ok(at[1]! >= 1_900 && at[1]! < 3_000, `second run at ${at[1]}`);
      assert.ok(at[2]! >= 2_900 && at[2]! < 4_000, `third run at ${at[2]}`);
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(runsOf('w1').length, 3, 'nothing more: the last run had no next moment');

      // Replacement: schedule +1.5s, then replace it with +2.5s: one run, at the later time.
      assert.equal(runsOf('w2').length, 1, 'w2 was run once by the first sweep');
      const s = Date.now();
      await timers.wake(incident('w2'), s + 1_500);
      await timers.wake(incident('w2'), s + 2_500);
      await waitFor('the replaced wake-up', async () => runsOf('w2').length >= 2, 6_000);
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(runsOf('w2').length, 2, 'one run: the earlier schedule was replaced');
      const late = runsOf('w2')[1]!.at - s;
      console.log(`replaced wake-up ran ${late} ms after scheduling (+1.5 s replaced by +2.5 s)`);
      assert.ok(late >= 2_400, `ran ${late} ms after scheduling`);
    } finally {
      await timers.stop();
    }
  });

  it('a trigger runs at once; triggers during a run make one more run, never two at a time', async () => {
    const i = incident('c1', { updatedAt: '2000-01-01T00:00:00.000Z' });
    const { timers, runsOf, maxConcurrent } = setup([i], () => null, 300);
    timers.start();
    try {
      await waitFor('the first sweep', async () => runsOf('c1').length >= 1, 3_000);
      await new Promise((r) => setTimeout(r, 400));
      const t0 = Date.now();
      await timers.trigger(i);
      await waitFor('the triggered run', async () => runsOf('c1').length >= 2, 3_000);
      assert.ok(runsOf('c1')[1]!.at - t0 < 500, `ran ${runsOf('c1')[1]!.at - t0} ms after the trigger`);
      // Three more triggers while it runs: one more run (or two, if the first ended meanwhile), never overlapping.
      await Promise.all([timers.trigger(i), timers.trigger(i), timers.trigger(i)]);
      await new Promise((r) => setTimeout(r, 1_500));
      const n = runsOf('c1').length;
      assert.ok(n >= 3 && n <= 5, `${n} runs`);
      assert.equal(maxConcurrent(), 1, 'runs of one incident never overlap');
    } finally {
      await timers.stop();
    }
  });

  it('the sweep runs incidents nothing woke, and ones whose planned moment passed (a lost wake-up)', async () => {
    // Not started: no consumer takes the wake-ups, as if they were lost.
    const { timers, runsOf } = setup([incident('s1'), incident('s2', { status: 'acknowledged' })], (id, n) =>
      id === 's1' && n === 1 ? Date.now() - 6_000 : null,
    );
    await timers.sweep();
    assert.equal(runsOf('s1').length, 1, 'never run here: run');
    assert.equal(runsOf('s2').length, 1, 'an acknowledged incident is run once too (ticket updates)');
    await timers.sweep();
    assert.equal(runsOf('s1').length, 2, 'its planned moment passed more than the grace ago: run again');
    assert.equal(runsOf('s2').length, 1, 'known and unchanged: not run again');
    await timers.sweep();
    assert.equal(runsOf('s1').length, 2, 'nothing more planned: not run again');
  });
});
