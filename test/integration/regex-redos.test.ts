// Security review H1 (ReDoS) against a real nats-server and the router as its own process: a silence with a
// catastrophically backtracking pattern, `alertname=~"(a+)+"`, and an alert whose alertname is 4,000 a's and a
// '!'. On a backtracking engine the silence check never returns and the event loop stalls; on RE2 the alert is
// processed (recorded as an incident) and /healthz answers quickly, also after a restart that reloads the
// silence from NATS. The silence is created with the admin token: the attack is the regex, not the token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, RouterProcess, TOKENS } from '../harness/router.ts';

const RUN = Date.now().toString(36);
const EVIL_NAME = `${'a'.repeat(4000)}!`;

let nats: NatsServer;
let router: RouterProcess;

before(async () => {
  nats = await NatsServer.start();
  router = await RouterProcess.start(nats.url);
});
after(async () => {
  await router?.kill();
  await nats?.close();
});

/** /healthz's answer time; fails (rather than hangs) after 5 s. */
async function healthzMs(): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(`${router.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(r.status, 200);
  return performance.now() - t0;
}

async function sendEvil(fingerprint: string, summary: string): Promise<void> {
  const res = await api(router.url, TOKENS.acme).post('/api/v1/alerts', [
    {
      fingerprint,
      summary,
      severity: 'critical',
      status: 'firing',
      labels: { alertname: EVIL_NAME, instance: fingerprint },
    },
  ]);
  assert.equal(res.status, 202, JSON.stringify(res.body));
}

async function incidentTitled(summary: string): Promise<void> {
  await waitFor(
    `incident ${summary}`,
    async () => {
      const r = await api(router.url, ADMIN_TOKEN).get('/api/v1/incidents?limit=500');
      return (r.body.incidents as { title: string }[] | undefined)?.some((i) => i.title === summary) || undefined;
    },
    10_000,
  );
}

describe('ReDoS (H1)', () => {
  it('a silence with (a+)+ does not stall the router on a long non-matching alertname', async () => {
    const created = await api(router.url, ADMIN_TOKEN).post('/api/v1/silences', {
      tenant: 'acme',
      matchers: ['alertname=~"(a+)+"'],
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: 'attacker',
      comment: 'catastrophic backtracking',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const summary = `${RUN} evil before restart`;
    await sendEvil(`${RUN}-1`, summary);
    await incidentTitled(summary);
    const ms = await healthzMs();
    console.log(`healthz after the evil alert: ${ms.toFixed(1)} ms`);
    assert.ok(ms < 500, `healthz took ${ms} ms`);
  });

  it('and after a restart that reloads the silence from NATS', async () => {
    await router.kill();
    await router.spawn();
    const summary = `${RUN} evil after restart`;
    await sendEvil(`${RUN}-2`, summary);
    await incidentTitled(summary);
    const ms = await healthzMs();
    console.log(`healthz after restart: ${ms.toFixed(1)} ms`);
    assert.ok(ms < 500, `healthz took ${ms} ms`);
  });

  it('a silence with a non-RE2 pattern is refused with 400 naming the matcher', async () => {
    const r = await api(router.url, ADMIN_TOKEN).post('/api/v1/silences', {
      tenant: 'acme',
      matchers: ['severity="critical"', 'alertname=~"(a)\\\\1"'],
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: 'jane',
      comment: 'backreference',
    });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.details.field, 'matchers[1]');
    assert.match(JSON.stringify(r.body), /backreferences/);
  });
});
