// The incident lifecycle through the API, against a real nats-server: grouping, dedupe, resolve,
// re-fire, manual ack/resolve, notes, listing with paging, tenant scoping, metrics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, RESPONDER_TOKENS, startTestRouter, TOKENS } from '../harness/router.ts';

let nats: NatsServer;
let router: RunningRouter;
let admin: ReturnType<typeof api>;
/** acme's ingest token sends its alerts; its responder token reads and acts on its incidents. */
let acme: ReturnType<typeof api>;
let responder: ReturnType<typeof api>;

before(async () => {
  nats = await NatsServer.start();
  router = await startTestRouter(nats.url);
  admin = api(router.url, ADMIN_TOKEN);
  acme = api(router.url, TOKENS.acme);
  responder = api(router.url, RESPONDER_TOKENS.acme);
});
after(async () => {
  await router?.stop();
  await nats?.close();
});

const alert = (fp: string, labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  fingerprint: fp,
  summary: `${labels['alertname']} on ${labels['instance']}`,
  labels,
  ...extra,
});

async function incidentsOf(alertname: string) {
  const r = await admin.get('/api/v1/incidents?tenant=acme&limit=500');
  assert.equal(r.status, 200);
  return (r.body.incidents as { groupLabels: Record<string, string> }[]).filter(
    (i) => i.groupLabels['alertname'] === alertname,
  );
}

describe('incident lifecycle', () => {
  it('groups alerts by the tenant groupBy and dedupes repeats', async () => {
    const a = alert('g-1', { alertname: 'Grouping', instance: 'web01', path: '/a' }, { severity: 'warning' });
    const b = alert('g-2', { alertname: 'Grouping', instance: 'web01', path: '/b' }, { severity: 'critical' });
    const c = alert('g-3', { alertname: 'Grouping', instance: 'web02' });
    assert.equal((await acme.post('/api/v1/alerts', [a, b, c])).status, 202);
    assert.equal((await acme.post('/api/v1/alerts', [a, a])).status, 202); // repeats
    const list = await waitFor('two incidents', async () => {
      const l = await incidentsOf('Grouping');
      return (
        l.length === 2 && l.reduce((n, i) => n + (i as unknown as { alertCount: number }).alertCount, 0) === 3 && l
      );
    });
    // web01 holds two alerts and takes the highest severity.
    const web01 = list.find((i) => i.groupLabels['instance'] === 'web01') as unknown as {
      alertCount: number;
      severity: string;
      id: string;
    };
    assert.equal(web01.alertCount, 2);
    assert.equal(web01.severity, 'critical');
    const detail = await responder.get(`/api/v1/incidents/${web01.id}`);
    assert.equal(detail.body.alerts.length, 2);
    assert.deepEqual(
      detail.body.timeline.map((e: { type: string }) => e.type),
      ['incident.opened', 'alert.firing', 'alert.firing', 'incident.severity_changed'],
    );
    const metrics = await (await fetch(`${router.url}/metrics`)).text();
    assert.match(metrics, /switchboard_alerts_deduplicated_total\{tenant="acme"\} [1-9]/);
  });

  it('resolves the incident when all its alerts resolved, and opens a new one when it fires again', async () => {
    const x = alert('r-1', { alertname: 'Resolving', instance: 'db01' });
    const y = alert('r-2', { alertname: 'Resolving', instance: 'db01', disk: 'sdb' });
    await acme.post('/api/v1/alerts', [x, y]);
    const [first] = await waitFor('incident', async () => {
      const l = await incidentsOf('Resolving');
      return l.length === 1 && l;
    });
    const id = (first as unknown as { id: string }).id;
    await acme.post('/api/v1/alerts', [{ ...x, status: 'resolved' }]);
    await waitFor(
      'one alert resolved',
      async () => (await responder.get(`/api/v1/incidents/${id}`)).body.firingCount === 1,
    );
    assert.equal((await responder.get(`/api/v1/incidents/${id}`)).body.status, 'triggered');
    await acme.post('/api/v1/alerts', [{ ...y, status: 'resolved' }]);
    const resolved = await waitFor('resolved', async () => {
      const d = await responder.get(`/api/v1/incidents/${id}`);
      return d.body.status === 'resolved' && d.body;
    });
    assert.match(resolved.resolvedBy, /all alerts resolved/);
    // Fires again later: a new incident, the old one stays resolved.
    await acme.post('/api/v1/alerts', [{ ...x, startsAt: new Date(Date.now() + 1000).toISOString() }]);
    const both = await waitFor('second incident', async () => {
      const l = await incidentsOf('Resolving');
      return l.length === 2 && l;
    });
    assert.deepEqual(both.map((i) => (i as unknown as { status: string }).status).sort(), ['resolved', 'triggered']);
  });

  it('acknowledges, takes notes and resolves by hand; a resolved incident refuses further changes', async () => {
    await acme.post('/api/v1/alerts', [alert('m-1', { alertname: 'Manual', instance: 'fw01' }, { severity: 'high' })]);
    const [inc] = await waitFor('incident', async () => {
      const l = await incidentsOf('Manual');
      return l.length === 1 && l;
    });
    const id = (inc as unknown as { id: string }).id;
    // A tenant token acts as itself: its `by` is not taken as a name (it could pose as MSP staff).
    const ack = await responder.post(`/api/v1/incidents/${id}/acknowledge`, { by: 'alice' });
    assert.equal(ack.status, 200);
    assert.equal(ack.body.status, 'acknowledged');
    assert.equal(ack.body.acknowledgedBy, 'tenant:acme:responder');
    const note = await responder.post(`/api/v1/incidents/${id}/notes`, {
      text: 'Investigating the firewall',
      visibility: 'customer',
      status: 'investigating',
    });
    assert.equal(note.status, 201);
    const badNote = await responder.post(`/api/v1/incidents/${id}/notes`, { text: 'x', visibility: 'public' });
    assert.equal(badNote.status, 400);
    assert.equal(badNote.body.details.field, 'visibility');
    const res = await admin.post(`/api/v1/incidents/${id}/resolve`, { by: 'bob' });
    assert.equal(res.body.status, 'resolved');
    assert.equal(res.body.resolvedBy, 'bob');
    const again = await admin.post(`/api/v1/incidents/${id}/acknowledge`, { by: 'carol' });
    assert.equal(again.status, 409);
    const d = await admin.get(`/api/v1/incidents/${id}`);
    assert.deepEqual(
      d.body.timeline.map((e: { type: string }) => e.type),
      ['incident.opened', 'alert.firing', 'incident.acknowledged', 'incident.note', 'incident.resolved'],
    );
    assert.equal(d.body.timeline[3].visibility, 'customer');
    assert.equal(d.body.timeline[3].publicStatus, 'investigating');
  });

  it('routes: a matching route replaces the severity', async () => {
    await acme.post('/api/v1/alerts', [
      alert('route-1', { alertname: 'Routed', instance: 'dev01', env: 'dev' }, { severity: 'critical' }),
    ]);
    const [inc] = await waitFor('incident', async () => {
      const l = await incidentsOf('Routed');
      return l.length === 1 && l;
    });
    assert.equal((inc as unknown as { severity: string }).severity, 'info');
  });

  it('lists with filters and cursor paging, newest first', async () => {
    const many = Array.from({ length: 7 }, (_, k) => alert(`p-${k}`, { alertname: 'Paging', instance: `h${k}` }));
    await acme.post('/api/v1/alerts', many);
    await waitFor('seven', async () => (await incidentsOf('Paging')).length === 7);
    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 10; page++) {
      const r = await responder.get(`/api/v1/incidents?status=triggered&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      seen.push(...r.body.incidents.map((i: { id: string }) => i.id));
      if (!r.body.nextCursor) break;
      cursor = r.body.nextCursor;
    }
    assert.equal(new Set(seen).size, seen.length, 'no incident on two pages');
    assert.deepEqual([...seen].sort().reverse(), seen, 'newest first');
    assert.ok(seen.length >= 7);
    assert.equal((await responder.get('/api/v1/incidents?status=bogus')).status, 400);
    assert.equal((await responder.get('/api/v1/incidents?limit=0')).status, 400);
  });

  it("scopes every read to the token's tenant", async () => {
    const globex = api(router.url, TOKENS.globex);
    await globex.post('/api/v1/alerts', [alert('gx-1', { alertname: 'GlobexOnly', instance: 'g1' })]);
    await waitFor(
      'globex incident',
      async () => (await admin.get('/api/v1/incidents?tenant=globex')).body.incidents.length > 0,
    );
    const mine = await responder.get('/api/v1/incidents?limit=500');
    assert.ok(mine.body.incidents.every((i: { tenant: string }) => i.tenant === 'acme'));
    const theirs = (await admin.get('/api/v1/incidents?tenant=globex')).body.incidents[0];
    assert.equal((await responder.get(`/api/v1/incidents/${theirs.id}`)).status, 404);
    assert.equal((await responder.post(`/api/v1/incidents/${theirs.id}/acknowledge`, {})).status, 404);
    assert.equal((await responder.get('/api/v1/incidents?tenant=globex')).status, 403);
  });

  it('reports readiness and SPEC metrics', async () => {
    const ready = await fetch(`${router.url}/readyz`);
    assert.equal(ready.status, 200);
    const m = await (await fetch(`${router.url}/metrics`)).text();
    for (const name of [
      'switchboard_alerts_received_total{tenant="acme",source="generic"}',
      'switchboard_incidents_total{tenant="acme",severity="warning"}',
      'switchboard_incidents_open{tenant="acme"',
      'switchboard_ingest_duration_seconds_bucket',
      'switchboard_config_revision 1',
    ]) {
      assert.ok(m.includes(name), `metrics lack ${name}`);
    }
  });
});
