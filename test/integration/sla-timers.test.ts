// Live SLA duties against a real nats-server, with an injected clock and a fast sweep: a missed respond,
// update and resolve deadline is each recorded once (timeline event and switchboard_sla_breaches_total), a
// customer-update reminder goes to the on-call responder (and after the ack, to whoever acknowledged) before
// each update is due, and a router restarted on the same NATS records and sends nothing again.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, copyConfig, RESPONDER_TOKENS, startTestRouter, TOKENS } from '../harness/router.ts';

const MIN = 60_000;
const T0 = Date.parse('2026-03-02T09:00:00Z');
let now = T0;
let nats: NatsServer;
let router: RunningRouter;
let hooks: Server;
const received: { event: string; delivery: string; text: string }[] = [];
let configDir = '';

async function start() {
  router = await startTestRouter(nats.url, { configDir, clock: () => now, escalationSweepMs: 150 });
}

before(async () => {
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const b = JSON.parse(body) as { event: string; text: string };
      received.push({ event: b.event, text: b.text, delivery: String(req.headers['x-switchboard-delivery']) });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/alice`;
  configDir = copyConfig();
  const file = join(configDir, 'config.yaml');
  let yaml = readFileSync(file, 'utf8');
  const replace = (a: string, b: string) => {
    assert.ok(yaml.includes(a), a);
    yaml = yaml.replace(a, b);
  };
  replace(
    'critical: {respond: 15m, resolve: 4h}',
    'critical: {respond: 15m, resolve: 4h, firstUpdate: 30m, updateEvery: 1h}',
  );
  replace('contact: {email: alice@example.com}', `contact: {email: alice@example.com, webhookUrl: "${hookUrl}"}`);
  replace('rules: [{after: 0m, via: email}]', 'rules: [{after: 0m, via: webhook}]');
  writeFileSync(file, yaml);
  nats = await NatsServer.start();
  await start();
});
after(async () => {
  await router?.stop();
  await nats?.close();
  hooks?.close();
});

const admin = () => api(router.url, ADMIN_TOKEN);
const acme = () => api(router.url, RESPONDER_TOKENS.acme);

async function breachMetric(kind: string): Promise<number> {
  const text = await (await fetch(`${router.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`switchboard_sla_breaches_total{tenant="acme",severity="critical",kind="${kind}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function breaches(id: string): Promise<{ kind: string; deadline: string }[]> {
  const r = await admin().get(`/api/v1/incidents/${id}`);
  return (r.body.timeline as { type: string; kind: string; deadline: string }[])
    .filter((e) => e.type === 'sla.breached')
    .map(({ kind, deadline }) => ({ kind, deadline }));
}

const reminders = () => received.filter((r) => r.event === 'update_due');
const iso = (m: number) => new Date(T0 + m * MIN).toISOString();

describe('SLA timers', () => {
  let id = '';

  it('opens a critical incident', async () => {
    const r = await api(router.url, TOKENS.acme).post('/api/v1/alerts', {
      fingerprint: 'db-down',
      summary: 'Database down',
      severity: 'critical',
      labels: { alertname: 'DbDown', instance: 'db01' },
    });
    assert.equal(r.status, 202);
    id = await waitFor('incident', async () => {
      const l = await admin().get('/api/v1/incidents?tenant=acme');
      return (l.body.incidents as { id: string }[])[0]?.id;
    });
    assert.deepEqual(await breaches(id), []);
  });

  it('records the respond breach once and reminds the on-call responder before the first update is due', async () => {
    now = T0 + 23 * MIN; // respond deadline 09:15 passed; first update due 09:30, reminded from 09:22:30
    await waitFor(
      'respond breach and reminder',
      async () => (await breaches(id)).length === 1 && reminders().length === 1,
    );
    assert.deepEqual(await breaches(id), [{ kind: 'respond', deadline: iso(15) }]);
    assert.equal(await breachMetric('respond'), 1);
    assert.match(reminders()[0]?.text ?? '', /Customer update due by 2026-03-02 10:30 CET/);
  });

  it('a customer note meets the update; the next reminder comes 10 minutes before the next one is due', async () => {
    now = T0 + 25 * MIN;
    const n = await acme().post(`/api/v1/incidents/${id}/notes`, {
      text: 'We are investigating a database outage.',
      visibility: 'customer',
    });
    assert.equal(n.status, 201);
    now = T0 + 70 * MIN; // next update due 10:25 (09:25 + 1h), reminder at 10:15
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(reminders().length, 1, 'not reminded early');
    now = T0 + 76 * MIN;
    await waitFor('second reminder', async () => reminders().length === 2);
  });

  it('a missed update is a breach of kind update; the reminder after the ack goes to whoever acknowledged', async () => {
    now = T0 + 86 * MIN;
    await waitFor('update breach', async () => (await breaches(id)).some((b) => b.kind === 'update'));
    assert.deepEqual(await breaches(id), [
      { kind: 'respond', deadline: iso(15) },
      { kind: 'update', deadline: iso(85) },
    ]);
    assert.equal(await breachMetric('update'), 1);
    now = T0 + 90 * MIN;
    // MSP staff acknowledge with the admin token, naming themselves.
    const a = await admin().post(`/api/v1/incidents/${id}/acknowledge`, { by: 'alice' });
    assert.equal(a.status, 200);
    now = T0 + 95 * MIN;
    const n = await acme().post(`/api/v1/incidents/${id}/notes`, { text: 'Failover started.', visibility: 'customer' });
    assert.equal(n.status, 201);
    now = T0 + 146 * MIN; // due 10:35 +1h = 11:35 (T0+155m), reminded at T0+145m
    await waitFor('third reminder', async () => reminders().length === 3);
  });

  it('records the resolve breach once; a restarted router records and sends nothing again', async () => {
    now = T0 + 155 * MIN - 30_000;
    const n = await acme().post(`/api/v1/incidents/${id}/notes`, {
      text: 'Database restored, monitoring.',
      visibility: 'customer',
    });
    assert.equal(n.status, 201);
    now = T0 + 241 * MIN; // resolve deadline 13:00 passed; the update due at 12:34:30 missed as well
    await waitFor('resolve breach', async () => (await breaches(id)).some((b) => b.kind === 'resolve'));
    await waitFor(
      'second update breach',
      async () => (await breaches(id)).filter((b) => b.kind === 'update').length === 2,
    );
    const before = await breaches(id);
    assert.equal(await breachMetric('resolve'), 1);
    const sent = received.length;
    const deliveries = new Set(received.map((r) => r.delivery));
    assert.equal(deliveries.size, received.length, 'every delivery id once');

    await router.stop();
    await start();
    await new Promise((r) => setTimeout(r, 1_500)); // several sweeps
    assert.deepEqual(await breaches(id), before);
    assert.equal(received.length, sent, 'nothing sent again after the restart');
    assert.equal(await breachMetric('resolve'), 0, 'the new process recorded nothing again');
    assert.equal(await breachMetric('respond'), 0);
  });
});
