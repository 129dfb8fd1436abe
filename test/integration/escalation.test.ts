// Escalation end to end, against a real nats-server and the router as its own process: an alert opens an
// incident, webhook A is paged at once and webhook B 3 seconds later (test/fixtures/escalation); the
// acknowledge link stops it; a router killed with kill -9 between the steps still pages B once after a
// restart; a flaky receiver is retried and paged once; two replicas page once between them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, RouterProcess } from '../harness/router.ts';
import { ROOT } from '../harness/tools.ts';
import { type FakeServer, fakeServer, type Recorded } from '../unit/notify/fake-server.ts';

const SIGNING_KEY = 'escalation-test-signing-key-0123456789abcdef';
const ENV = { SWITCHBOARD_SIGNING_KEY: SIGNING_KEY };
const RUN = Date.now().toString(36);
/** The second step's offset in the fixture. */
const STEP_2_MS = 3_000;

interface Page {
  at: number;
  delivery: string;
  body: {
    event: string;
    deliveryId: string;
    incident: { id: string; summary: string; severity: string; respondBy: string; respondByIso: string };
    tenant: { name: string; displayName: string };
    ackUrl: string;
    escalation: { round: number; step: number };
  };
}

let nats: NatsServer;
let router: RouterProcess;
let configDir: string;
/** Webhooks A and B answer 200; C answers 500 to the first two attempts of each delivery. */
let hookA: FakeServer;
let hookB: FakeServer;
let hookC: FakeServer;
/** Arrival time of each request, by the request object. */
const arrivals = new WeakMap<Recorded, number>();

async function receiver(answer: (r: Recorded) => number = () => 200): Promise<FakeServer> {
  return fakeServer((r) => {
    arrivals.set(r, Date.now());
    return { status: answer(r), body: { ok: true } };
  });
}

before(async () => {
  nats = await NatsServer.start();
  hookA = await receiver();
  hookB = await receiver();
  const attempts = new Map<string, number>();
  hookC = await receiver((r) => {
    const d = String(r.headers['x-switchboard-delivery']);
    const n = (attempts.get(d) ?? 0) + 1;
    attempts.set(d, n);
    return n <= 2 ? 500 : 200;
  });
  configDir = mkdtempSync(join(tmpdir(), 'sb-escalation-'));
  const text = readFileSync(join(ROOT, 'test/fixtures/escalation/config.yaml'), 'utf8')
    .replaceAll('HOOK_A_URL', `${hookA.url}/a`)
    .replaceAll('HOOK_B_URL', `${hookB.url}/b`)
    .replaceAll('HOOK_C_URL', `${hookC.url}/c`);
  writeFileSync(join(configDir, 'config.yaml'), text);
  router = await RouterProcess.start(nats.url, configDir, [], ENV);
});

after(async () => {
  await router?.kill();
  await Promise.all([hookA, hookB, hookC].map((h) => h?.close()));
  await nats?.close();
});

/** Sends one firing alert to the router; returns when it was accepted. */
async function fire(base: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const acme = api(base, 'acme-token');
  const res = await acme.post('/api/v1/alerts', [
    {
      fingerprint: `${RUN}-${name}`,
      summary: `${name}: disk /var 95% full`,
      severity: 'critical',
      labels: { alertname: name, ...labels },
    },
  ]);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return Date.now();
}

/** The pages a receiver got for the alert `name` (by the summary it carries). */
function pages(server: FakeServer, name: string): Page[] {
  return server.requests
    .filter((r) => r.method === 'POST')
    .map((r) => ({
      at: arrivals.get(r) ?? 0,
      delivery: String(r.headers['x-switchboard-delivery']),
      body: JSON.parse(r.body),
    }))
    .filter((p) => p.body.incident.summary === `${name}: disk /var 95% full`);
}

const waitForPages = (server: FakeServer, name: string, n: number, timeoutMs = 15_000) =>
  waitFor(
    `${n} page(s) for ${name}`,
    async () => (pages(server, name).length >= n ? pages(server, name) : undefined),
    timeoutMs,
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('escalation', () => {
  let first: Page;

  it('(a) an alert opens an incident: A is paged once within 2 s, with tenant, severity, summary, deadline and ack link', async () => {
    const sent = await fire(router.url, 'StepOne');
    [first] = (await waitForPages(hookA, 'StepOne', 1, 5_000)) as [Page];
    const latency = first.at - sent;
    console.log(`step 1 paged ${latency} ms after the alert was accepted`);
    assert.ok(latency < 2_000, `paged after ${latency} ms`);
    const b = first.body;
    assert.equal(b.event, 'page');
    assert.deepEqual(b.tenant, { name: 'acme', displayName: 'Acme GmbH' });
    assert.equal(b.incident.severity, 'critical');
    assert.equal(b.incident.summary, 'StepOne: disk /var 95% full');
    assert.match(b.incident.respondBy, /^\d{4}-\d\d-\d\d \d\d:\d\d /, 'respond deadline in the tenant time zone');
    const respondIn = Date.parse(b.incident.respondByIso) - sent;
    assert.ok(Math.abs(respondIn - 15 * 60_000) < 5_000, `respond deadline ${respondIn} ms away, not 15 min`);
    assert.ok(b.ackUrl.startsWith(`${router.url}/ack/`), b.ackUrl);
    assert.deepEqual(b.escalation, { round: 1, step: 1 });
    assert.equal(first.delivery, b.deliveryId);
  });

  it('(b) nobody acknowledges: B is paged once, 3 s after the opening; nothing more', async () => {
    const [second] = (await waitForPages(hookB, 'StepOne', 1, 10_000)) as [Page];
    const gap = second.at - first.at;
    console.log(`step 2 paged ${gap} ms after step 1`);
    assert.ok(gap >= STEP_2_MS - 1_100 && gap < STEP_2_MS + 2_000, `step 2 came ${gap} ms after step 1`);
    assert.deepEqual(second.body.escalation, { round: 1, step: 2 });
    await sleep(1_500);
    assert.equal(pages(hookA, 'StepOne').length, 1);
    assert.equal(pages(hookB, 'StepOne').length, 1);
  });

  it('(c) the ack link: GET shows a page, POST acknowledges, and no further step fires', async () => {
    await fire(router.url, 'AckMe');
    const [page] = (await waitForPages(hookA, 'AckMe', 1, 5_000)) as [Page];
    const shown = await fetch(page.body.ackUrl);
    assert.equal(shown.status, 200);
    assert.match(await shown.text(), /Acknowledge this incident\?/);
    const incident = await api(router.url, ADMIN_TOKEN).get(`/api/v1/incidents/${page.body.incident.id}`);
    assert.equal(incident.body.status, 'triggered', 'GET changes nothing');

    const done = await fetch(page.body.ackUrl, { method: 'POST' });
    assert.equal(done.status, 200);
    assert.match(await done.text(), /Acknowledged/);
    const acked = await api(router.url, ADMIN_TOKEN).get(`/api/v1/incidents/${page.body.incident.id}`);
    assert.equal(acked.body.status, 'acknowledged');
    assert.equal(acked.body.acknowledgedBy, 'acknowledge link');

    await sleep(STEP_2_MS + 1_500);
    assert.equal(pages(hookB, 'AckMe').length, 0, 'step 2 did not fire after the acknowledgement');
    assert.equal(pages(hookA, 'AckMe').length, 1);
    const timeline = (await api(router.url, ADMIN_TOKEN).get(`/api/v1/incidents/${page.body.incident.id}`)).body
      .timeline as { type: string; destination?: string }[];
    assert.deepEqual(
      timeline.filter((e) => e.type.startsWith('notification.')).map((e) => `${e.type} ${e.destination}`),
      ['notification.sent webhook'],
    );
  });

  it('(d) kill -9 between step 1 and step 2, restart: step 2 fires once, a few seconds late at most', async () => {
    await fire(router.url, 'Crash');
    const [one] = (await waitForPages(hookA, 'Crash', 1, 5_000)) as [Page];
    await router.kill();
    const dueAt = Date.parse(one.body.incident.respondByIso) - 15 * 60_000 + STEP_2_MS;
    // Down while step 2 falls due.
    await sleep(Math.max(0, dueAt - Date.now()) + 1_000);
    assert.equal(pages(hookB, 'Crash').length, 0, 'nothing paged while the router was down');
    await router.spawn();
    const restartedAt = Date.now();
    const [two] = (await waitForPages(hookB, 'Crash', 1, 10_000)) as [Page];
    console.log(
      `step 2 paged ${two.at - dueAt} ms after it was due (router down until ${restartedAt - dueAt} ms after), ` +
        `${two.at - restartedAt} ms after the restart`,
    );
    assert.ok(two.at - restartedAt < 3_000, `step 2 came ${two.at - restartedAt} ms after the restart`);
    await sleep(2_000);
    assert.equal(pages(hookA, 'Crash').length, 1, 'step 1 was not repeated');
    assert.equal(pages(hookB, 'Crash').length, 1, 'step 2 fired once');
  });

  it('(e) a receiver failing twice with 500 is retried and paged once; the metrics count it', async () => {
    await fire(router.url, 'Flaky', { receiver: 'flaky' });
    const requests = await waitFor('the third attempt', async () => {
      const p = pages(hookC, 'Flaky');
      return p.length >= 3 ? p : undefined;
    });
    await sleep(1_000);
    const all = pages(hookC, 'Flaky');
    assert.equal(all.length, 3, 'two failures and one success');
    assert.equal(new Set(all.map((p) => p.delivery)).size, 1, 'one notification, three attempts');
    console.log(`attempts at +${requests.map((p) => p.at - (requests[0]?.at ?? 0)).join(' ms, +')} ms`);
    const metrics = await waitFor('the outcome counted', async () => {
      const text = await (await fetch(`${router.url}/metrics`)).text();
      return /switchboard_notifications_total\{type="webhook",outcome="sent"\} [1-9]/.test(text) ? text : undefined;
    });
    assert.match(metrics, /switchboard_notifications_total\{type="webhook",outcome="retried"\} 2\b/);
    assert.doesNotMatch(metrics, /switchboard_notifications_total\{type="webhook",outcome="failed"\}/);
  });

  it('(f) two replicas on one NATS: each page is delivered exactly once', async () => {
    const second = await RouterProcess.start(nats.url, configDir, [], ENV);
    try {
      const names = ['Twin1', 'Twin2', 'Twin3', 'Twin4', 'Twin5', 'Twin6'];
      await Promise.all(names.map((n, i) => fire(i % 2 === 0 ? router.url : second.url, n)));
      for (const n of names) {
        await waitForPages(hookA, n, 1, 5_000);
        await waitForPages(hookB, n, 1, 10_000);
      }
      await sleep(1_500);
      for (const n of names) {
        assert.equal(pages(hookA, n).length, 1, `${n}: step 1 once`);
        assert.equal(pages(hookB, n).length, 1, `${n}: step 2 once`);
      }
    } finally {
      await second.kill();
    }
  });
});
