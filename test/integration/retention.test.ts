// Retention of resolved incidents on a real nats-server: a resolved incident past the retention leaves the
// bucket with its memberships and alert states (so memory stays bounded over months), an open one and a
// recently resolved one stay, the alert can fire again into a new incident, and its history is still in
// the events stream (the SLA report counts it).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { IncidentRetention } from '../../router/incidents/retention.ts';
import type { RunningRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, startTestRouter, TOKENS } from '../harness/router.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T09:00:00Z');
let now = T0;
let nats: NatsServer;
let router: RunningRouter;

before(async () => {
  nats = await NatsServer.start();
  router = await startTestRouter(nats.url, { clock: () => now });
});
after(async () => {
  await router?.stop();
  await nats?.close();
});

const admin = () => api(router.url, ADMIN_TOKEN);
async function fire(fingerprint: string, status: 'firing' | 'resolved' = 'firing') {
  const r = await api(router.url, TOKENS.acme).post('/api/v1/alerts', {
    fingerprint,
    status,
    summary: `${fingerprint} down`,
    severity: 'warning',
    labels: { alertname: fingerprint, instance: 'x' },
  });
  assert.equal(r.status, 202);
}
async function incidentOf(fingerprint: string, status: string): Promise<string> {
  return waitFor(`${fingerprint} ${status}`, async () => {
    const l = await admin().get('/api/v1/incidents?tenant=acme&limit=500');
    return (l.body.incidents as { id: string; title: string; status: string }[]).find(
      (i) => i.title.startsWith(fingerprint) && i.status === status,
    )?.id;
  });
}

describe('retention of resolved incidents', () => {
  it('prunes only resolved incidents past the retention, with their memberships and alert states', async () => {
    await fire('Old');
    const old = await incidentOf('Old', 'triggered');
    await fire('Old', 'resolved');
    await incidentOf('Old', 'resolved');
    await fire('Open');
    const open = await incidentOf('Open', 'triggered');
    now = T0 + 50 * DAY;
    await fire('Recent');
    await fire('Recent', 'resolved');
    const recent = await incidentOf('Recent', 'resolved');

    const store = router.ctx.store;
    assert.equal(store.membersOf(old).size, 1);
    const retention = new IncidentRetention(store, null, () => now, pino({ level: 'silent' }), {
      retentionMs: 30 * DAY,
    });
    assert.equal(await retention.prune(), 1);
    assert.equal((await admin().get(`/api/v1/incidents/${old}`)).status, 404);
    assert.equal(store.membersOf(old).size, 0);
    assert.equal(store.cached('a.acme.' + 'Old'), null, 'the alert state went with it');
    for (const id of [open, recent]) assert.equal((await admin().get(`/api/v1/incidents/${id}`)).status, 200);
    assert.equal(await retention.prune(), 0, 'nothing more to prune');

    // The alert fires again: a new incident.
    await fire('Old');
    const again = await incidentOf('Old', 'triggered');
    assert.notEqual(again, old);

    // Its history is still in the audit trail: the SLA report over its period counts it.
    const r = await admin().get('/api/v1/reports/sla?tenant=acme&from=2026-03-01&to=2026-03-03');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(JSON.stringify(r.body).includes(old), 'the pruned incident is in the report');
  });

  it('another router on the same NATS does not load what was pruned', async () => {
    const second = await startTestRouter(nats.url, { clock: () => now });
    try {
      const l = await api(second.url, ADMIN_TOKEN).get('/api/v1/incidents?tenant=acme&limit=500');
      const titles = (l.body.incidents as { title: string; status: string }[]).map((i) => `${i.title}/${i.status}`);
      assert.ok(!titles.includes('Old down/resolved'), titles.join(', '));
      assert.ok(titles.includes('Open down/triggered'));
    } finally {
      await second.stop();
    }
  });
});
