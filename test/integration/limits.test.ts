// Ingest limits end to end (docs/api.md "Limits", docs/suppression.md "Rate limit and storm mode"), against a
// real nats-server and the router as its own process, pages observed on a local webhook receiver:
// - H4: one request with twice a tenant's limits.alertsPerMinute is accepted (it was 429 on every retry),
//   every alert is stored, the ones over the limit are counted and fold into one storm incident that pages once;
// - H3: alerts of ~1 MiB are accepted and stored cut to the caps with a visible marker; the router's memory
//   per alert (switchboard_alert_state_max_bytes) stays under the cap, also for a state an older version
//   stored over the caps, once a restarted router loads it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { INCIDENTS_BUCKET } from '../../router/bus/subjects.ts';
import { MAX_CAPPED_BYTES } from '../../router/ingest/caps.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, RouterProcess } from '../harness/router.ts';
import { ROOT } from '../harness/tools.ts';
import { type FakeServer, fakeServer } from '../unit/notify/fake-server.ts';

const RUN = Date.now().toString(36);
const LIMIT = 20;

let nats: NatsServer;
let router: RouterProcess;
let hook: FakeServer;

before(async () => {
  nats = await NatsServer.start();
  hook = await fakeServer(() => ({ status: 200, body: { ok: true } }));
  const dir = mkdtempSync(join(tmpdir(), 'sb-limits-'));
  const text = readFileSync(join(ROOT, 'test/fixtures/limits/config.yaml'), 'utf8').replaceAll(
    'HOOK_A_URL',
    `${hook.url}/a`,
  );
  writeFileSync(join(dir, 'config.yaml'), text);
  router = await RouterProcess.start(nats.url, dir);
});

after(async () => {
  await router?.kill();
  await hook?.close();
  await nats?.close();
});

async function metric(name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${router.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

interface Incident {
  id: string;
  tenant: string;
  title: string;
  stormIncidentId?: string | null;
}

async function incidentsOf(tenant: string): Promise<Incident[]> {
  const r = await api(router.url, ADMIN_TOKEN).get(`/api/v1/incidents?limit=500&tenant=${tenant}`);
  return ((r.body.incidents as Incident[] | undefined) ?? []).filter((i) => i.tenant === tenant);
}

const pagesOf = (tenant: string) =>
  hook.requests.filter((r) => r.method === 'POST' && JSON.parse(r.body).tenant?.name === tenant);

describe('limits.alertsPerMinute (H4)', () => {
  it('a request of twice the limit is 202, pages one storm incident once, and loses no alert', async () => {
    const TOTAL = 2 * LIMIT;
    const alerts = Array.from({ length: TOTAL }, (_, k) => ({
      fingerprint: `${RUN}-h${k}`,
      summary: `${RUN} HostDown on h${k}`,
      severity: 'critical',
      labels: { alertname: 'HostDown', instance: `h${k}` },
    }));
    const r = await api(router.url, 'stormy-token').post('/api/v1/alerts', alerts);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.accepted, TOTAL);
    assert.deepEqual(r.body.overLimit, [{ tenant: 'stormy', alerts: LIMIT }]);
    assert.equal(await metric('switchboard_alerts_over_limit_total', '{tenant="stormy"}'), LIMIT);

    // Every alert is stored and on an incident: the first LIMIT open their own, the rest attach to the storm.
    const all = await waitFor(
      'every alert on an incident',
      async () => {
        const list = (await incidentsOf('stormy')).filter((i) => i.title.startsWith(RUN));
        return list.length === TOTAL ? list : undefined;
      },
      30_000,
    );
    await waitFor(
      'the storm page',
      async () =>
        pagesOf('stormy').some((p) => JSON.parse(p.body).incident.summary.startsWith('Alert storm')) ? true : undefined,
      15_000,
    );
    await new Promise((r) => setTimeout(r, 1_500));
    const titles = pagesOf('stormy').map((p) => JSON.parse(p.body).incident.summary as string);
    const stormPages = pagesOf('stormy').filter((p) => JSON.parse(p.body).incident.summary.startsWith('Alert storm'));
    assert.equal(stormPages.length, 1, titles.join('\n'));
    const stormId = JSON.parse(stormPages[0]?.body ?? '{}').incident.id as string;
    // Attached as the storm incident's id is written to them, a moment after they opened.
    const attachedCount = async () =>
      (await incidentsOf('stormy')).filter((i) => i.title.startsWith(RUN) && i.stormIncidentId === stormId).length;
    await waitFor(
      'the alerts over the limit attached',
      async () => ((await attachedCount()) >= TOTAL - LIMIT ? true : undefined),
      15_000,
    ).catch(() => undefined);
    assert.equal(all.length, TOTAL);
    assert.equal(await attachedCount(), TOTAL - LIMIT, 'the alerts over the limit are attached to the storm incident');
    assert.equal(titles.filter((t) => !t.startsWith('Alert storm')).length, LIMIT, 'the alerts within the limit page');
  });

  it('another request while over the limit is still 202 (the limit clears nothing by refusing)', async () => {
    const r = await api(router.url, 'stormy-token').post('/api/v1/alerts', [
      { fingerprint: `${RUN}-late`, summary: `${RUN} late`, labels: { alertname: 'Late', instance: 'x' } },
    ]);
    assert.equal(r.status, 202, JSON.stringify(r.body));
  });
});

describe('stored sizes (H3)', () => {
  const MIB = 1024 * 1024;

  it('accepts alerts of ~1 MiB, stores them cut with the marker, and holds at most the cap per alert', async () => {
    const big = (k: number) => ({
      fingerprint: `${RUN}-big-${k}`,
      summary: `${RUN} big ${k} ${'s'.repeat(5_000)}`,
      labels: { alertname: 'Big', instance: `b${k}`, blob: `${k}-${'v'.repeat(200_000)}` },
      annotations: { description: 'd'.repeat(MIB - 300_000), runbook_url: 'https://runbooks.example/big' },
    });
    for (let k = 0; k < 3; k++) {
      const r = await api(router.url, 'big-token').post('/api/v1/alerts', big(k));
      assert.equal(r.status, 202, JSON.stringify(r.body));
    }
    await waitFor(
      '3 big alerts applied',
      async () => ((await incidentsOf('big')).length >= 3 ? true : undefined),
      15_000,
    );
    assert.ok((await metric('switchboard_alert_fields_truncated_total', '{tenant="big",field="summary"}')) >= 3);
    assert.ok((await metric('switchboard_alert_fields_truncated_total', '{tenant="big",field="labels"}')) >= 3);

    const nc = await connect({ servers: nats.url });
    try {
      const kv = await new Kvm(nc).open(INCIDENTS_BUCKET);
      const keys: string[] = [];
      for await (const k of await kv.keys('a.big.>')) keys.push(k);
      assert.equal(keys.length, 3);
      for (const key of keys) {
        const e = await kv.get(key);
        const text = new TextDecoder().decode(e?.value);
        assert.ok(text.length < MAX_CAPPED_BYTES, `${key} is ${text.length} characters`);
        const state = JSON.parse(text) as {
          summary: string;
          labels: Record<string, string>;
          annotations: Record<string, string>;
        };
        assert.match(state.summary, /… \[truncated \d+ bytes\]$/);
        assert.match(state.labels['blob'] ?? '', /… \[truncated \d+ bytes, sha256 [0-9a-f]{16}\]$/);
        assert.match(state.annotations['description'] ?? '', /… \[truncated \d+ bytes\]$/);
        assert.equal(state.annotations['runbook_url'], 'https://runbooks.example/big');
      }
      const held = await metric('switchboard_alert_state_max_bytes');
      console.log(`largest alert state held: ${held} characters (cap ${MAX_CAPPED_BYTES})`);
      assert.ok(held > 0 && held < MAX_CAPPED_BYTES, `held ${held}`);

      // A state an older version stored over the caps: a restarted router loads it cut.
      const old = { ...JSON.parse(new TextDecoder().decode((await kv.get(keys[0] as string))?.value)) };
      old.annotations = { description: 'o'.repeat(900_000) };
      await kv.put(keys[0] as string, JSON.stringify(old));
      await router.kill();
      await router.spawn();
      const after = await metric('switchboard_alert_state_max_bytes');
      console.log(`after a restart with a 900 KB state in the bucket: ${after} characters held at most`);
      assert.ok(after > 0 && after < MAX_CAPPED_BYTES, `held ${after}`);
    } finally {
      await nc.close();
    }
  });
});
