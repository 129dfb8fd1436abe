// Poison messages (security review H2), against a real nats-server and the router in-process: a tenant
// whose alerts cannot be applied must not stop the other tenants of its partition. globex and hooli hash to
// the same partition of 8 (FNV-1a, as nats-server's partition() transform; asserted below from the stream).
//  1. The H2 recipe (a silence with a long comment and long matchers, and an alert just under NATS
//     max_payload that it mutes) no longer blocks anything: the stored mute detail is capped.
//  2. A deterministic failure through a real path (the incidents bucket's largest value made tiny) is
//     retried a few times, then dead-lettered: hooli's critical alert pages a local webhook within seconds,
//     the dead letter shows in the API and the metric, and retrying it after the cause is fixed applies it.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ALERTS_STREAM } from '../../router/bus/subjects.ts';
import type { RunningRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, startTestRouter } from '../harness/router.ts';
import { type FakeServer, fakeServer } from '../unit/notify/fake-server.ts';

const POISONER = 'globex';
const BYSTANDER = 'hooli';

function config(hookUrl: string): string {
  const tenant = (name: string, policy: string) => `---
apiVersion: switchboard.dev/v1alpha1
kind: Tenant
metadata: {name: ${name}, namespace: poison}
spec:
  displayName: ${name}
  serviceLevel: gold
  escalationPolicy: ${policy}
  timezone: Etc/UTC
  ingestTokenSecretRef: {name: tokens, key: ${name}}
  responderTokenSecretRef: {name: tokens, key: ${name}-responder}
  groupBy: [alertname, host]
`;
  return `apiVersion: v1
kind: Secret
metadata: {name: tokens, namespace: poison}
stringData:
  ${POISONER}: ${POISONER}-token
  ${BYSTANDER}: ${BYSTANDER}-token
  ${POISONER}-responder: ${POISONER}-responder-token
  ${BYSTANDER}-responder: ${BYSTANDER}-responder-token
${tenant(POISONER, 'later')}${tenant(BYSTANDER, 'pages')}---
apiVersion: switchboard.dev/v1alpha1
kind: ServiceLevel
metadata: {name: gold, namespace: poison}
spec:
  targets:
    critical: {respond: 15m, resolve: 4h}
    warning: {respond: 4h, resolve: 3d}
---
apiVersion: switchboard.dev/v1alpha1
kind: EscalationPolicy
metadata: {name: pages, namespace: poison}
spec:
  steps:
    - after: 0s
      notify: [{channel: hook}]
  repeat: 0
---
apiVersion: switchboard.dev/v1alpha1
kind: EscalationPolicy
metadata: {name: later, namespace: poison}
spec:
  steps:
    - after: 1d
      notify: [{channel: hook}]
---
apiVersion: switchboard.dev/v1alpha1
kind: Channel
metadata: {name: hook, namespace: poison}
spec:
  type: webhook
  webhook: {url: ${hookUrl}}
`;
}

let nats: NatsServer;
let router: RunningRouter;
let hook: FakeServer;

before(async () => {
  nats = await NatsServer.start();
  hook = await fakeServer(() => ({ status: 200, body: { ok: true } }));
  const dir = mkdtempSync(join(tmpdir(), 'sb-poison-'));
  writeFileSync(join(dir, 'config.yaml'), config(`${hook.url}/hook`));
  router = await startTestRouter(nats.url, { configDir: dir });
});

after(async () => {
  await router?.stop();
  await hook?.close();
  await nats?.close();
});

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${router.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** Sends hooli's critical alert; resolves with how long until the webhook was paged for it. */
async function bystanderPages(summary: string): Promise<number> {
  const sent = Date.now();
  const r = await api(router.url, `${BYSTANDER}-token`).post('/api/v1/alerts', {
    summary,
    severity: 'critical',
    fingerprint: summary.replaceAll(' ', '-'),
    labels: { alertname: 'DatabaseDown', host: summary.replaceAll(' ', '-') },
  });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  await waitFor(
    `${BYSTANDER} paged for "${summary}"`,
    async () => hook.requests.some((q) => q.body.includes(summary)),
    10_000,
  );
  return Date.now() - sent;
}

/** An alert whose request body is `bytes` long: 64 annotations of up to 16,380 characters. */
function bigAlert(fingerprint: string, host: string, bytes: number): Record<string, unknown> {
  const alert: Record<string, unknown> = {
    summary: `poison ${fingerprint}`,
    severity: 'warning',
    fingerprint,
    labels: { alertname: 'Poison', host },
    annotations: {},
  };
  const annotations = alert['annotations'] as Record<string, string>;
  for (let i = 0; i < 64; i++) {
    const room = bytes - Buffer.byteLength(JSON.stringify(alert)) - `,"a${i}":""`.length;
    if (room <= 0) break;
    annotations[`a${i}`] = 'x'.repeat(Math.min(16_380, room));
  }
  return alert;
}

describe('a tenant whose alerts cannot be applied', () => {
  it('hashes to the same partition as the bystander (as the review found)', async () => {
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      for (const t of [POISONER, BYSTANDER]) {
        const r = await api(router.url, `${t}-token`).post('/api/v1/alerts', {
          summary: `hello from ${t}`,
          fingerprint: `hello-${t}`,
          labels: { alertname: 'Hello', host: t },
        });
        assert.equal(r.status, 202);
      }
      const info = await jsm.streams.info(ALERTS_STREAM, { subjects_filter: '>' });
      const partition = (t: string) =>
        Object.keys(info.state.subjects ?? {})
          .find((s) => s.endsWith(`.${t}`))
          ?.split('.')[3];
      assert.ok(partition(POISONER));
      assert.equal(partition(POISONER), partition(BYSTANDER));
    } finally {
      await nc.close();
    }
  });

  it('the H2 recipe (long silence, alert just under max_payload) no longer blocks the partition', async (t) => {
    const poisoner = api(router.url, `${POISONER}-token`);
    const long = 'A'.repeat(4_000);
    // The silence with the tenant's responder token (silences are the responder's scope).
    const s = await api(router.url, `${POISONER}-responder-token`).post('/api/v1/silences', {
      matchers: ['host="poison"', ...[0, 1, 2, 3, 4].map((i) => `z${i}!="${long}"`)],
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: 'customer',
      comment: 'C'.repeat(10_000),
    });
    assert.equal(s.status, 201, JSON.stringify(s.body));
    const before = await metric('switchboard_alerts_processed_total', { tenant: POISONER });
    const r = await poisoner.post('/api/v1/alerts', bigAlert('h2-poison', 'poison', 1_047_300));
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const took = await bystanderPages('hooli h2 database down');
    t.diagnostic(`${BYSTANDER} paged ${took} ms after sending`);
    assert.ok(took < 5_000, `paged after ${took} ms`);
    // And the poisoner's alert itself was applied (muted), not dead-lettered.
    await waitFor(
      'the H2 alert applied',
      async () => (await metric('switchboard_alerts_processed_total', { tenant: POISONER })) > before,
    );
    assert.equal(await metric('switchboard_alerts_dead_lettered_total', { tenant: POISONER }), 0);
  });

  it('is dead-lettered after a few attempts, the partition moves on, and a retry after the fix applies it', async (t) => {
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    const bucket = 'KV_sb-incidents';
    try {
      // The cause: the incidents bucket takes no value over 4 KiB (an alert state with 8 KiB of annotations, what ingest keeps of 20 KB).
      const cfg = (await jsm.streams.info(bucket)).config;
      await jsm.streams.update(bucket, { ...cfg, max_msg_size: 4_096 });
      const poisoner = api(router.url, `${POISONER}-token`);
      const processedBefore = await metric('switchboard_alerts_processed_total', { tenant: POISONER });
      const r = await poisoner.post('/api/v1/alerts', bigAlert('too-big', 'big', 20_000));
      assert.equal(r.status, 202, JSON.stringify(r.body));

      const took = await bystanderPages('hooli production database down');
      t.diagnostic(`${BYSTANDER} paged ${took} ms after sending`);
      assert.ok(took < 8_000, `paged after ${took} ms`);

      const admin = api(router.url, ADMIN_TOKEN);
      const listed = await waitFor('the dead letter', async () => {
        const l = await admin.get(`/api/v1/deadletters?tenant=${POISONER}`);
        return l.body.deadLetters?.length === 1 ? l.body.deadLetters[0] : undefined;
      });
      assert.equal(listed.tenant, POISONER);
      assert.equal(listed.reason, 'too_large');
      assert.equal(listed.alerts, 1);
      assert.ok(listed.original.seq > 0);
      assert.ok(Date.parse(listed.time) > Date.now() - 60_000);
      assert.match(listed.error, /size|payload/i);
      assert.deepEqual((await admin.get(`/api/v1/deadletters?tenant=${BYSTANDER}`)).body, { deadLetters: [] });
      assert.equal(
        await metric('switchboard_alerts_dead_lettered_total', { tenant: POISONER, reason: 'too_large' }),
        1,
      );
      // Tenants' tokens may not see them; bad input is a 400 naming the field.
      assert.equal((await poisoner.get('/api/v1/deadletters')).status, 403);
      const bad = await admin.post('/api/v1/deadletters/abc/retry');
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.body), /seq/);
      assert.equal((await admin.post('/api/v1/deadletters/999999/retry')).status, 404);
      assert.equal((await admin.get('/api/v1/deadletters?tenant=a.b')).status, 400);
      assert.equal(await metric('switchboard_alerts_processed_total', { tenant: POISONER }), processedBefore);

      // Fixed: the bucket takes large values again; the retried alert is applied.
      await jsm.streams.update(bucket, { ...cfg, max_msg_size: -1 });
      const retried = await admin.post(`/api/v1/deadletters/${listed.seq}/retry`);
      assert.equal(retried.status, 202, JSON.stringify(retried.body));
      await waitFor(
        'the retried alert applied',
        async () => (await metric('switchboard_alerts_processed_total', { tenant: POISONER })) > processedBefore,
      );
      assert.deepEqual((await admin.get('/api/v1/deadletters')).body, { deadLetters: [] });
      assert.equal((await admin.call('DELETE', `/api/v1/deadletters/${listed.seq}`)).status, 404);

      // A message that is not an alert batch (something else published to the alerts stream) is kept as
      // a dead letter of the tenant its subject names, and can be discarded.
      await nc.request(`sb.alerts.${POISONER}`, new TextEncoder().encode('{"not":"a batch"'));
      const invalid = await waitFor('the invalid message dead-lettered', async () => {
        const l = await admin.get(`/api/v1/deadletters?tenant=${POISONER}`);
        return l.body.deadLetters?.[0];
      });
      assert.equal(invalid.reason, 'invalid');
      await bystanderPages('hooli after an invalid message');
      const discarded = await admin.call('DELETE', `/api/v1/deadletters/${invalid.seq}`);
      assert.equal(discarded.status, 200);
      assert.equal(discarded.body.discarded.reason, 'invalid');
      assert.deepEqual((await admin.get('/api/v1/deadletters')).body, { deadLetters: [] });
    } finally {
      await nc.close();
    }
  });
});
