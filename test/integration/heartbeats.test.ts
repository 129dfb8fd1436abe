// Dead man's switches against a real nats-server: pings keep them quiet, a missed interval opens a
// critical incident, the next ping resolves it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, copyConfig, startTestRouter, TOKENS } from '../harness/router.ts';
import { ROOT } from '../harness/tools.ts';

let nats: NatsServer;
let router: RunningRouter;

before(async () => {
  nats = await NatsServer.start();
  router = await startTestRouter(nats.url, { configDir: copyConfig(join(ROOT, 'test/fixtures/heartbeat')) });
});
after(async () => {
  await router?.stop();
  await nats?.close();
});

const heartbeatIncidents = async () =>
  (
    (await api(router.url, ADMIN_TOKEN).get('/api/v1/incidents?tenant=globex')).body.incidents as {
      groupLabels: Record<string, string>;
      status: string;
      severity: string;
      id: string;
    }[]
  ).filter((i) => i.groupLabels['alertname'] === 'HeartbeatMissed');

describe('heartbeats', () => {
  it('answers pings with the next due time, and refuses what is not declared', async () => {
    const globex = api(router.url, TOKENS.globex);
    const r = await globex.post('/api/v1/heartbeats/watchdog', { anything: 'Alertmanager may send' });
    assert.equal(r.status, 202);
    assert.equal(r.body.tenant, 'globex');
    assert.ok(Date.parse(r.body.nextDueAt) > Date.now());
    assert.equal((await globex.post('/api/v1/heartbeats/nope')).status, 404);
    assert.equal((await api(router.url, TOKENS.acme).post('/api/v1/heartbeats/watchdog')).status, 404);
    assert.equal((await api(router.url, ADMIN_TOKEN).post('/api/v1/heartbeats/watchdog')).status, 400);
    assert.equal((await api(router.url, ADMIN_TOKEN).post('/api/v1/heartbeats/watchdog?tenant=globex')).status, 202);
  });

  it('opens a critical incident when an interval passes without a ping, and the next ping resolves it', async () => {
    const globex = api(router.url, TOKENS.globex);
    await globex.post('/api/v1/heartbeats/watchdog');
    // Keep pinging for a while: nothing opens.
    for (let k = 0; k < 3; k++) {
      await new Promise((r) => setTimeout(r, 1000));
      await globex.post('/api/v1/heartbeats/watchdog');
    }
    assert.equal((await heartbeatIncidents()).length, 0);
    // Stop pinging: within the interval plus a check it opens.
    const [open] = await waitFor(
      'missed heartbeat incident',
      async () => {
        const l = await heartbeatIncidents();
        return l.length === 1 && l;
      },
      10_000,
    );
    assert.equal(open?.severity, 'critical');
    assert.equal(open?.status, 'triggered');
    await globex.post('/api/v1/heartbeats/watchdog');
    await waitFor('resolved by the ping', async () => (await heartbeatIncidents())[0]?.status === 'resolved', 10_000);
    assert.equal((await heartbeatIncidents()).length, 1, 'raised once, however many replicas or checks');
  });
});
