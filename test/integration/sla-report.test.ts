// SLA report, histograms and postmortem against a real nats-server, with an injected clock: incidents opened,
// acknowledged and resolved at chosen instants through the API, then the report read in JSON, CSV and HTML.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, RESPONDER_TOKENS, startTestRouter, TOKENS, VIEWER_TOKEN } from '../harness/router.ts';

const B = Date.parse('2026-03-02T09:00:00Z');
const MIN = 60_000;
let now = B - 6 * 60 * MIN;
let nats: NatsServer;
let router: RunningRouter;
let admin: ReturnType<typeof api>;
/** acme's ingest token sends alerts; its viewer token reads reports; MSP staff (admin, by: alice) act. */
let acme: ReturnType<typeof api>;
let viewer: ReturnType<typeof api>;

before(async () => {
  nats = await NatsServer.start();
  router = await startTestRouter(nats.url, { clock: () => now });
  admin = api(router.url, ADMIN_TOKEN);
  acme = api(router.url, TOKENS.acme);
  viewer = api(router.url, VIEWER_TOKEN);
});
after(async () => {
  await router?.stop();
  await nats?.close();
});

/** Fires an alert at the current clock (detected `detectS` seconds earlier) and returns its incident id. */
async function open(name: string, severity: string, detectS: number): Promise<string> {
  const startsAt = new Date(now - detectS * 1000).toISOString();
  const r = await acme.post('/api/v1/alerts', {
    fingerprint: name,
    summary: `${name} down`,
    severity,
    startsAt,
    labels: { alertname: name, instance: 'x' },
  });
  assert.equal(r.status, 202);
  return waitFor(`incident ${name}`, async () => {
    const l = await admin.get('/api/v1/incidents?tenant=acme');
    return (l.body.incidents as { id: string; title: string }[]).find((i) => i.title.startsWith(name))?.id;
  });
}
async function act(id: string, kind: 'acknowledge' | 'resolve', at: number) {
  now = at;
  const r = await admin.post(`/api/v1/incidents/${id}/${kind}`, { by: 'alice' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

describe('SLA report over the API', () => {
  let a = '';
  let c = '';
  it('records incidents at chosen times', async () => {
    // Previous period: critical, acknowledged after 5m, resolved after 30m, detected 60s before.
    const p = await open('Prev', 'critical', 60);
    await act(p, 'acknowledge', now + 5 * MIN);
    await act(p, 'resolve', B - 5.5 * 60 * MIN);
    // Current period: critical A (ack 10m, resolve 1h, detect 60s) and high C (ack 45m: 15m over, resolve 1h).
    now = B;
    a = await open('Alpha', 'critical', 60);
    await act(a, 'acknowledge', B + 10 * MIN);
    await act(a, 'resolve', B + 60 * MIN);
    c = await open('Charlie', 'high', 30);
    await act(c, 'acknowledge', B + 105 * MIN);
    await act(c, 'resolve', B + 120 * MIN);
    now = B + 180 * MIN;
  });

  const query = `tenant=acme&from=${new Date(B).toISOString()}&to=${new Date(B + 12 * 60 * MIN).toISOString()}`;

  it('JSON: figures, breach and the change against the previous period', async () => {
    const r = await viewer.get(`/api/v1/reports/sla?${query}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const cur = r.body.current;
    assert.equal(cur.incidents, 2);
    assert.deepEqual(cur.bySeverity, { critical: 1, high: 1, warning: 0, info: 0 });
    assert.deepEqual(cur.mtta, { count: 2, meanSeconds: 1650, p90Seconds: 2700 });
    assert.deepEqual(cur.mttr, { count: 2, meanSeconds: 3600, p90Seconds: 3600 });
    assert.deepEqual(cur.mttd, { count: 2, meanSeconds: 45, p90Seconds: 60 });
    assert.equal(cur.respondWithinTarget.percent, 50);
    assert.equal(cur.resolveWithinTarget.percent, 100);
    assert.deepEqual(
      cur.breaches.map((b: { kind: string; incidentId: string; overrunSeconds: number }) => [
        b.kind,
        b.incidentId,
        b.overrunSeconds,
      ]),
      [['respond', c, 900]],
    );
    assert.equal(r.body.previous.incidents, 1);
    assert.deepEqual(r.body.previous.mtta, { count: 1, meanSeconds: 300, p90Seconds: 300 });
    assert.equal(r.body.change.incidents, 1);
    assert.equal(r.body.change.mttaMeanSeconds, 1350);
    assert.equal(r.body.change.respondWithinTargetPercent, -50);
  });

  it('CSV and HTML', async () => {
    const csv = await viewer.get(`/api/v1/reports/sla?${query}&format=csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = (csv.body as string).split('\r\n');
    assert.ok(lines[1]?.startsWith(`"${a}","critical",`));
    assert.ok(lines[2]?.startsWith(`"${c}","high",`) && lines[2].includes(',"breached","met",900,,'), lines[2]);
    assert.ok(lines.includes('"mtta_mean_seconds",1650,300,1350'));
    const html = await viewer.get(`/api/v1/reports/sla?${query}&format=html`);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(html.body, /Executive summary[\s\S]*<svg[\s\S]*Technical detail/);
    assert.match(html.body, /50%/);
  });

  it('tenant viewer and responder tokens read their own tenant only; the ingest token none', async () => {
    assert.equal((await viewer.get(`/api/v1/reports/sla?${query.replace('acme', 'globex')}`)).status, 403);
    assert.equal((await api(router.url, TOKENS.globex).get(`/api/v1/reports/sla?${query}`)).status, 403);
    assert.equal((await api(router.url, RESPONDER_TOKENS.acme).get(`/api/v1/reports/sla?${query}`)).status, 200);
    const byIngest = await acme.get(`/api/v1/reports/sla?${query}`);
    assert.equal(byIngest.status, 403);
    assert.match(byIngest.body.error, /needs a viewer token/);
    assert.equal((await api(router.url, 'nope').get(`/api/v1/reports/sla?${query}`)).status, 401);
    assert.equal((await admin.get(`/api/v1/reports/sla?${query}&format=pdf`)).status, 400);
    assert.equal((await admin.get(`/api/v1/reports/sla?${query}`)).body.current.incidents, 2);
    assert.equal((await api(router.url, RESPONDER_TOKENS.globex).get(`/api/v1/incidents/${a}/postmortem`)).status, 404);
  });

  it('histograms and the postmortem draft', async () => {
    const text = await (await fetch(`${router.url}/metrics`)).text();
    assert.match(text, /switchboard_time_to_acknowledge_seconds_sum\{tenant="acme",severity="high"\} 2700\n/);
    assert.match(text, /switchboard_time_to_acknowledge_seconds_count\{tenant="acme",severity="critical"\} 2\n/);
    assert.match(text, /switchboard_time_to_resolve_seconds_sum\{tenant="acme",severity="critical"\} 5400\n/);
    const pm = await admin.get(`/api/v1/incidents/${c}/postmortem`);
    assert.equal(pm.status, 200);
    assert.match(pm.headers.get('content-type') ?? '', /^text\/markdown/);
    assert.match(pm.body, /## Timeline/);
    assert.match(pm.body, /\| 2026-03-02T10:45:00.000Z \| Acknowledged by alice \|/);
    assert.match(pm.body, /SLA respond target \| missed/);
    assert.match(pm.body, /## Action items/);
    // The customer's responder gets the same draft without the staff member's name.
    const own = await api(router.url, RESPONDER_TOKENS.acme).get(`/api/v1/incidents/${c}/postmortem`);
    assert.match(own.body, /\| 2026-03-02T10:45:00.000Z \| Acknowledged by MSP \|/);
    assert.ok(!own.body.includes('alice'));
  });
});
