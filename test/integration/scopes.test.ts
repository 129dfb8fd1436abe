// Token scopes end to end on a real router and nats-server (docs/api.md#token-scopes): what the ingest,
// viewer, responder and admin tokens may do, and what a tenant's tokens see of an incident.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, RESPONDER_TOKENS, startTestRouter, TOKENS, VIEWER_TOKEN } from '../harness/router.ts';

let nats: NatsServer;
let router: RunningRouter;
let admin: ReturnType<typeof api>;
let ingest: ReturnType<typeof api>;
let responder: ReturnType<typeof api>;
let viewer: ReturnType<typeof api>;
let incidentId = '';

before(async () => {
  nats = await NatsServer.start();
  router = await startTestRouter(nats.url);
  admin = api(router.url, ADMIN_TOKEN);
  ingest = api(router.url, TOKENS.acme);
  responder = api(router.url, RESPONDER_TOKENS.acme);
  viewer = api(router.url, VIEWER_TOKEN);
  const sent = await ingest.post('/api/v1/alerts', [
    { fingerprint: 'scope-1', summary: 'disk full', labels: { alertname: 'ScopeDisk', instance: 'db1' } },
  ]);
  assert.equal(sent.status, 202);
  incidentId = await waitFor('the incident', async () => {
    const r = await admin.get('/api/v1/incidents?tenant=acme&limit=500');
    const i = (r.body.incidents as { id: string; title?: string; groupLabels: Record<string, string> }[]).find(
      (x) => x.groupLabels['alertname'] === 'ScopeDisk',
    );
    return i?.id ?? false;
  });
});
after(async () => {
  await router?.stop();
  await nats?.close();
});

const week = 'from=2026-01-01&to=2026-01-08';
const silence = { matchers: ['alertname="ScopeDisk"'], endsAt: '2099-01-01T00:00:00Z', createdBy: 'x', comment: 'c' };

describe('token scopes', () => {
  it('the ingest token sends alerts and nothing else: 403 naming the token kind needed', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/v1/incidents'],
      ['GET', `/api/v1/incidents/${incidentId}`],
      ['POST', `/api/v1/incidents/${incidentId}/acknowledge`, {}],
      ['POST', `/api/v1/incidents/${incidentId}/notes`, { text: 'hi' }],
      ['GET', '/api/v1/silences'],
      ['POST', '/api/v1/silences', silence],
      ['GET', `/api/v1/reports/sla?${week}`],
    ] as const) {
      const r = await ingest.call(method, path, body);
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.match(String(r.body.error), /needs an? (responder|viewer) token/, `${method} ${path}`);
      assert.match(String(r.body.error), /this is an ingest token/);
    }
    assert.equal((await ingest.get('/api/v1/status/acme')).status, 404);
  });

  it('the viewer token reads the status page and SLA reports only', async () => {
    assert.equal((await viewer.get('/api/v1/status/acme')).status, 200);
    assert.equal((await viewer.get(`/api/v1/reports/sla?${week}`)).status, 200);
    assert.equal((await viewer.get(`/api/v1/reports/sla?${week}&tenant=globex`)).status, 403);
    const r = await viewer.get(`/api/v1/incidents/${incidentId}`);
    assert.equal(r.status, 403);
    assert.match(String(r.body.error), /needs a responder token/);
    assert.equal((await viewer.post('/api/v1/alerts', [{ summary: 'x', labels: { alertname: 'X' } }])).status, 403);
  });

  it('the responder token reads and acts on its incidents and silences, not on alerts or other tenants', async () => {
    assert.equal((await responder.get(`/api/v1/incidents/${incidentId}`)).status, 200);
    assert.equal((await api(router.url, RESPONDER_TOKENS.globex).get(`/api/v1/incidents/${incidentId}`)).status, 404);
    const created = await responder.post('/api/v1/silences', silence);
    assert.equal(created.status, 201);
    assert.equal(created.body.createdBy, 'tenant:acme:responder');
    assert.equal((await responder.call('DELETE', `/api/v1/silences/${created.body.id}`)).status, 200);
    assert.equal((await responder.post('/api/v1/alerts', [{ summary: 'x', labels: { alertname: 'X' } }])).status, 403);
    assert.equal((await responder.post('/api/v1/heartbeats/watchdog')).status, 403);
  });

  it('records the principal, not the body, as who acted; staff stay the MSP for the tenant', async () => {
    // A tenant cannot pose as MSP staff: its `by` is ignored.
    const acked = await responder.post(`/api/v1/incidents/${incidentId}/acknowledge`, { by: 'tom (MSP)' });
    assert.equal(acked.status, 200);
    assert.equal(acked.body.acknowledgedBy, 'tenant:acme:responder');
    const note = await admin.post(`/api/v1/incidents/${incidentId}/notes`, {
      text: 'root password is in the vault, ask tom',
      by: 'tom',
    });
    assert.equal(note.status, 201);
    assert.equal(note.body.by, 'tom');
    assert.equal(note.body.principal, 'admin');
    // A failed page, as the escalation runner records it, with the provider's error.
    await router.ctx.events.append([
      {
        type: 'notification.failed',
        at: new Date().toISOString(),
        tenant: 'acme',
        incidentId,
        key: `${incidentId}/responder/test/alice/0`,
        repeat: 0,
        step: 0,
        target: 'responder/test/alice',
        rule: 'sms@0',
        destination: 'sms',
        viaSchedule: { key: 'test/nights', layer: 'weekdays' },
        error: 'Twilio 21211: invalid To number +4915112345678',
      },
    ]);
    const full = await waitFor('both events on the admin timeline', async () => {
      const r = await admin.get(`/api/v1/incidents/${incidentId}`);
      const types = (r.body.timeline as { type: string }[]).map((e) => e.type);
      return types.includes('notification.failed') && types.includes('incident.note') && JSON.stringify(r.body);
    });
    assert.ok(full.includes('root password') && full.includes('Twilio 21211') && full.includes('"by":"tom"'));
    const own = await responder.get(`/api/v1/incidents/${incidentId}`);
    assert.equal(own.status, 200);
    const text = JSON.stringify(own.body);
    for (const secret of ['root password', 'Twilio', 'alice', 'nights', '"tom"', '"policy"']) {
      assert.ok(!text.includes(secret), `${secret} leaked to the tenant: ${text}`);
    }
    const acks = (own.body.timeline as { type: string; by?: string }[]).filter(
      (e) => e.type === 'incident.acknowledged',
    );
    assert.deepEqual(
      acks.map((e) => e.by),
      ['tenant:acme:responder'],
    );
    const pm = await responder.get(`/api/v1/incidents/${incidentId}/postmortem`);
    assert.equal(pm.status, 200);
    for (const secret of ['root password', 'Twilio', 'alice', 'tom'])
      assert.ok(!String(pm.body).includes(secret), String(pm.body));
    const adminPm = await admin.get(`/api/v1/incidents/${incidentId}/postmortem`);
    assert.ok(String(adminPm.body).includes('Twilio 21211'));
  });
});
