// Status pages against a real nats-server: component states from firing alerts, customer notes only,
// viewer token by header and by ?token=, and isolation between tenants (another tenant's token gets 404).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, copyConfig, RESPONDER_TOKENS, startTestRouter, TOKENS } from '../harness/router.ts';
import { ROOT } from '../harness/tools.ts';

const VIEWER = 'acme-viewer-token';
let nats: NatsServer;
let router: RunningRouter;
let acme: ReturnType<typeof api>;

before(async () => {
  nats = await NatsServer.start();
  router = await startTestRouter(nats.url, { configDir: copyConfig(join(ROOT, 'test/fixtures/status')) });
  acme = api(router.url, TOKENS.acme);
});
after(async () => {
  await router?.stop();
  await nats?.close();
});

describe('status page', () => {
  let id = '';
  it('an outage on web: web outage, mail operational', async () => {
    const r = await acme.post('/api/v1/alerts', {
      fingerprint: 'web-down',
      summary: 'Web shop down',
      severity: 'critical',
      labels: { alertname: 'WebDown', instance: 'lb1', service: 'web' },
    });
    assert.equal(r.status, 202);
    id = await waitFor('incident', async () => {
      const l = await api(router.url, RESPONDER_TOKENS.acme).get('/api/v1/incidents?tenant=acme');
      return (l.body.incidents as { id: string }[])[0]?.id;
    });
    await waitFor(
      'firing',
      async () =>
        (await api(router.url, RESPONDER_TOKENS.acme).get(`/api/v1/incidents/${id}`)).body.alerts?.length === 1,
    );
    const p = await api(router.url, VIEWER).get('/api/v1/status/acme');
    assert.equal(p.status, 200, JSON.stringify(p.body));
    const state = Object.fromEntries(
      (p.body.components as { name: string; state: string }[]).map((c) => [c.name, c.state]),
    );
    assert.deepEqual(state, { web: 'outage', mail: 'operational' });
    assert.equal(p.body.overall, 'outage');
    assert.equal(p.body.components[0].days.length, 90);
  });

  it('shows customer notes, never internal ones', async () => {
    const n1 = await api(router.url, RESPONDER_TOKENS.acme).post(`/api/v1/incidents/${id}/notes`, {
      text: 'We are restoring the shop',
      visibility: 'customer',
      status: 'identified',
    });
    assert.equal(n1.status, 201, JSON.stringify(n1.body));
    const n2 = await api(router.url, RESPONDER_TOKENS.acme).post(`/api/v1/incidents/${id}/notes`, {
      text: 'lb1 ssh key rotated',
      visibility: 'internal',
    });
    assert.equal(n2.status, 201);
    const p = await api(router.url, VIEWER).get('/api/v1/status/acme');
    const [inc] = p.body.incidents;
    assert.equal(inc.id, id);
    assert.equal(inc.status, 'identified');
    assert.deepEqual(inc.components, ['web']);
    assert.deepEqual(
      inc.updates.map((u: { text: string }) => u.text),
      ['We are restoring the shop'],
    );
    assert.ok(!JSON.stringify(p.body).includes('ssh key'));
  });

  it('HTML by viewer token in the header and in ?token=, self-contained', async () => {
    const byHeader = await api(router.url, VIEWER).get('/status/acme');
    assert.equal(byHeader.status, 200);
    const byQuery = await api(router.url, '').get(`/status/acme?token=${VIEWER}`);
    assert.equal(byQuery.status, 200);
    assert.match(byQuery.headers.get('content-type') ?? '', /text\/html/);
    const html = String(byQuery.body);
    for (const s of ['Web Shop', 'Mail Service', 'We are restoring the shop']) assert.ok(html.includes(s), s);
    assert.ok(!html.includes('ssh key'));
    assert.ok(!/https?:\/\//i.test(html), 'no external URLs');
    assert.ok(!/<(script|link|img)\b/i.test(html));
    assert.equal((await api(router.url, ADMIN_TOKEN).get('/status/acme')).status, 200);
    assert.equal((await api(router.url, VIEWER).get(`/api/v1/status/acme?token=${VIEWER}`)).status, 200);
  });

  it("another tenant's token gets 404, no token 401, no enabled page 404", async () => {
    const globex = api(router.url, TOKENS.globex);
    for (const path of ['/api/v1/status/acme', '/status/acme', `/status/acme?token=${TOKENS.globex}`]) {
      const r = await (path.includes('token=') ? api(router.url, '') : globex).get(path);
      assert.equal(r.status, 404, path);
      assert.ok(!JSON.stringify(r.body).includes('restoring'));
    }
    assert.equal((await api(router.url, '').get('/status/acme')).status, 401);
    assert.equal((await api(router.url, 'nope').get('/status/acme')).status, 401);
    assert.equal((await globex.get('/api/v1/status/globex')).status, 404);
    // The ingest token sends alerts only: it does not open the status page either.
    assert.equal((await api(router.url, TOKENS.acme).get('/api/v1/status/acme')).status, 404);
    // The viewer token reads the status page and reports, not incidents: 403 naming the responder token.
    assert.equal((await api(router.url, VIEWER).get(`/api/v1/incidents/${id}`)).status, 403);
  });
});
