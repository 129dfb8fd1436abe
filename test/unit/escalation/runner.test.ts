// The escalation runner end to end: real nats-server (notification log), local HTTP receivers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { RouterConfig } from '../../../router/config/compiled.ts';
import type { NotificationEvent } from '../../../router/escalation/events.ts';
import { LEASE_MS, NotificationLog } from '../../../router/escalation/log.ts';
import { EscalationRunner } from '../../../router/escalation/runner.ts';
import type { Incident } from '../../../router/incidents/model.ts';
import { AckLinks } from '../../../router/notify/ack-link.ts';
import { createDispatcher, type Dispatcher } from '../../../router/notify/dispatch.ts';
import { createNotifyMetrics, type NotifyMetrics } from '../../../router/notify/metrics.ts';
import { notifySettingsFromEnv } from '../../../router/notify/settings.ts';
import { NatsServer } from '../../harness/nats.ts';
import { type FakeServer, fakeServer } from '../notify/fake-server.ts';
import { channel, MIN, policy, responder, restriction, routerConfig, schedule } from './fixtures.ts';

const OPEN = Date.parse('2026-03-04T10:00:00Z');
const SATURDAY = Date.parse('2026-03-07T12:00:00Z');

describe('escalation runner', () => {
  let nats: NatsServer;
  const conns: NatsConnection[] = [];
  let hooks: FakeServer;
  let sn: FakeServer;
  let config: RouterConfig;
  let seq = 0;

  before(async () => {
    nats = await NatsServer.start();
    hooks = await fakeServer(() => ({ status: 204 }));
    sn = await fakeServer((r) =>
      r.method === 'POST'
        ? { status: 201, body: { result: { sys_id: 'sys123' } } }
        : { status: 200, body: { result: {} } },
    );
    const office = schedule('office', 'Etc/UTC', {
      start: '2026-03-02T09:00',
      every: '1w',
      members: ['anna'],
      restrictions: [restriction([1, 2, 3, 4, 5], '09:00', '17:00')],
    });
    const anna = { ...responder('anna', [['0m', 'webhook']]), contact: { webhookUrl: `${hooks.url}/anna` } };
    config = routerConfig({
      policies: [
        policy([
          { after: '0m', notify: [{ kind: 'schedule', ref: 'msp/office' }] },
          { after: '15m', notify: [{ kind: 'channel', ref: 'msp/noc' }] },
          { after: '30m', notify: [{ kind: 'channel', ref: 'msp/sn' }] },
        ]),
      ],
      schedules: [office],
      responders: [anna],
      channels: [
        channel('noc', 'webhook', { settings: { url: `${hooks.url}/noc` } }),
        channel('sn', 'servicenow', {
          settings: { instanceUrl: sn.url, table: 'incident' },
          secrets: { 'servicenow.credentialsSecretRef': { username: 'u', password: 'p' } },
        }),
      ],
    });
    config.tenants['acme'] = {
      name: 'acme',
      displayName: 'ACME',
      timezone: 'Europe/Berlin',
    } as RouterConfig['tenants'][string];
  });
  after(async () => {
    for (const c of conns) await c.close();
    await hooks.close();
    await sn.close();
    await nats.close();
  });

  // Asserted, not annotated: the fields the runner reads, whatever else the model carries.
  const incident = (over: Partial<Incident> = {}): Incident =>
    ({
      id: `inc${++seq}`,
      tenant: 'acme',
      groupKey: 'g',
      groupLabels: {},
      title: 'db01 down',
      severity: 'critical',
      status: 'triggered',
      policy: 'msp/p',
      openedAt: new Date(OPEN).toISOString(),
      startsAt: new Date(OPEN).toISOString(),
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedBy: null,
      updatedAt: new Date(OPEN).toISOString(),
      ...over,
    }) as Incident;

  /** A replica: its own NATS connection, clock, metrics and timeline. */
  async function replica(name: string, clock: { now: number }, dispatcher?: Dispatcher) {
    const nc = await connect({ servers: nats.url });
    conns.push(nc);
    const settings = {
      ...notifySettingsFromEnv({}),
      signingKey: 'k'.repeat(40),
      publicUrl: 'https://switchboard.test',
      requestTimeoutMs: 2_000,
    };
    const events: NotificationEvent[] = [];
    const metrics: NotifyMetrics = createNotifyMetrics(new Registry());
    const runner = new EscalationRunner({
      log: await NotificationLog.open(nc),
      dispatcher: dispatcher ?? createDispatcher(settings),
      config: () => config,
      settings,
      ackLinks: new AckLinks(settings.publicUrl, settings.signingKey, 86_400_000),
      metrics,
      clock: () => clock.now,
      owner: name,
      appendEvent: async (e) => {
        if (e.type !== 'sla.breached') events.push(e as NotificationEvent);
      },
      logger: pino({ level: 'silent' }),
      retry: { deps: { sleep: async () => {}, clock: () => clock.now, random: () => 0 } },
    });
    return { runner, events, metrics };
  }
  const deliveries = (id: string) =>
    hooks.requests.filter((r) => String(r.headers['x-switchboard-delivery']).includes(`.${id}.`)).map((r) => r.path);

  it('two replicas running the same incident at once send every notification once', async () => {
    const clock = { now: OPEN + 16 * MIN };
    const [a, b] = await Promise.all([replica('a', clock), replica('b', clock)]);
    const i = incident();
    const [ra, rb] = await Promise.all([a.runner.run(i, { respondBy: null }), b.runner.run(i, { respondBy: null })]);
    assert.deepEqual(deliveries(i.id).sort(), ['/anna', '/noc']);
    assert.equal(ra.sent + rb.sent, 2);
    // A replica that lost a race for a notification sees the winner's claim busy and is told to look again
    // when that claim expires (in case the winner died), or sees it settled; otherwise its next moment is
    // the next real step at minute 30. When each won one of the two, both look again at a lease's end.
    for (const r of [ra, rb]) {
      assert.ok(
        r.nextAt === OPEN + 30 * MIN || r.nextAt === clock.now + LEASE_MS,
        `next at +${((r.nextAt ?? 0) - OPEN) / MIN} min: the next step, or when a lost claim expires`,
      );
    }
  });

  it('a router killed between step 1 and step 2: the next one sends step 2 once, not step 1 again', async () => {
    const clock = { now: OPEN + MIN };
    const first = await replica('first', clock);
    const i = incident();
    const r1 = await first.runner.run(i, { respondBy: null });
    assert.equal(r1.nextAt, OPEN + 15 * MIN);
    // "kill -9": the first runner is gone with its memory; a new one starts late.
    clock.now = OPEN + 15 * MIN + 3_000;
    const second = await replica('second', clock);
    const r2 = await second.runner.run(i, { respondBy: null });
    assert.equal(r2.sent, 1);
    assert.deepEqual(deliveries(i.id), ['/anna', '/noc']);
    // Run again: nothing new.
    assert.equal((await second.runner.run(i, { respondBy: null })).sent, 0);
    assert.deepEqual(deliveries(i.id), ['/anna', '/noc']);
  });

  it('killed mid-send: no second page within the lease; after it at most one re-send (the documented window)', async () => {
    const clock = { now: OPEN + MIN };
    const real = createDispatcher({ ...notifySettingsFromEnv({}), requestTimeoutMs: 2_000 });
    // The provider accepts, then the process dies before markSent.
    const dying: Dispatcher = {
      send: async (m) => {
        await real.send(m);
        throw new Error('SIGKILL');
      },
      close: () => {},
    };
    const doomed = await replica('doomed', clock, dying);
    const i = incident();
    await assert.rejects(doomed.runner.run(i, { respondBy: null }), /SIGKILL/);
    assert.deepEqual(deliveries(i.id), ['/anna']);

    const survivor = await replica('survivor', clock);
    const r = await survivor.runner.run(i, { respondBy: null });
    assert.equal(r.sent, 0);
    assert.equal(r.nextAt, OPEN + MIN + LEASE_MS, 'wake up when the dead claim expires');
    assert.deepEqual(deliveries(i.id), ['/anna']);

    clock.now = OPEN + MIN + LEASE_MS;
    assert.equal((await survivor.runner.run(i, { respondBy: null })).sent, 1);
    clock.now += 60_000;
    assert.equal((await survivor.runner.run(i, { respondBy: null })).sent, 0);
    // Same delivery id both times, so a receiver can drop the duplicate.
    const ids = hooks.requests.filter((x) => String(x.headers['x-switchboard-delivery']).includes(`.${i.id}.`));
    assert.equal(ids.length, 2);
    assert.equal(ids[0]?.headers['x-switchboard-delivery'], ids[1]?.headers['x-switchboard-delivery']);
  });

  it('a replica whose clock is behind the one that opened the incident sends its first step at once', async () => {
    // Opened (and stamped) by a replica whose clock runs 3 s ahead; run here a moment later by this clock.
    const clock = { now: OPEN - 3_000 };
    const behind = await replica('behind', clock);
    const i = incident();
    const r = await behind.runner.run(i, { respondBy: null });
    assert.equal(r.sent, 1);
    assert.deepEqual(deliveries(i.id), ['/anna']);
    assert.equal(r.nextAt, OPEN + 15 * MIN, 'later steps keep their offsets');
  });

  it('nobody on call: reported once on the timeline, counted, and the next step pages at once', async () => {
    const clock = { now: SATURDAY };
    const a = await replica('a', clock);
    const i = incident({ openedAt: new Date(SATURDAY).toISOString() });
    const r = await a.runner.run(i, { respondBy: null });
    assert.deepEqual(deliveries(i.id), ['/noc']);
    assert.equal(r.nextAt, SATURDAY + 30 * MIN);
    await a.runner.run(i, { respondBy: null });
    const problems = a.events.filter((e) => e.type === 'escalation.problem');
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.target, 'schedule/msp/office');
    assert.match(problems[0]?.error ?? '', /nobody is on call/);
    const counted = await a.metrics.notifications.get();
    assert.ok(counted.values.some((v) => v.labels.outcome === 'nobody_on_call' && v.value === 1));
  });

  it('one ticket per incident, updated once when acknowledged', async () => {
    const clock = { now: OPEN + 31 * MIN };
    const a = await replica('a', clock);
    const i = incident();
    await a.runner.run(i, { respondBy: OPEN + 15 * MIN });
    const created = sn.requests.filter((r) => r.method === 'POST');
    assert.equal(created.length, 1);
    assert.match(JSON.parse(created[0]?.body ?? '{}').description, /SLA respond by: 2026-03-04 11:15 CET/);
    const acked = {
      ...i,
      status: 'acknowledged' as const,
      acknowledgedAt: new Date(OPEN + 32 * MIN).toISOString(),
      acknowledgedBy: 'Anna',
    };
    clock.now = OPEN + 33 * MIN;
    const r = await a.runner.run(acked, { respondBy: null });
    assert.equal(r.stopped, 'acknowledged');
    assert.equal(r.nextAt, null);
    await a.runner.run(acked, { respondBy: null });
    const patches = sn.requests.filter((x) => x.method === 'PATCH');
    assert.equal(patches.length, 1);
    assert.equal(patches[0]?.path, '/api/now/table/incident/sys123');
    assert.deepEqual(JSON.parse(patches[0]?.body ?? '{}'), {
      state: '2',
      work_notes: 'Acknowledged by Anna in Switchboard.',
    });
    const pages = await a.metrics.pages.get();
    assert.deepEqual(
      pages.values.map((v) => [v.labels.responder, v.value]),
      [['msp/anna', 1]],
    );
  });
});
