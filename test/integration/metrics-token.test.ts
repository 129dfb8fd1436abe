// /metrics carries per-tenant series (tenant names, open incidents, alert rates; security review M9):
// with SWITCHBOARD_METRICS_TOKEN set, a real router answers them only to a scraper with that bearer token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { type RunningRouter, startRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { ADMIN_TOKEN, copyConfig, SHARED_TOKEN, startTestRouter, TOKENS } from '../harness/router.ts';

const METRICS_TOKEN = 'scrape-token-0123456789';

describe('/metrics behind SWITCHBOARD_METRICS_TOKEN', () => {
  let nats: NatsServer;
  let router: RunningRouter;
  before(async () => {
    nats = await NatsServer.start();
    router = await startRouter({
      configDir: copyConfig(),
      natsUrl: nats.url,
      listen: { host: '127.0.0.1', port: 0 },
      env: {
        SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
        SWITCHBOARD_SHARED_INGEST_TOKEN: SHARED_TOKEN,
        SWITCHBOARD_METRICS_TOKEN: METRICS_TOKEN,
      },
      log: pino({ level: 'silent' }),
    });
  });
  after(async () => {
    await router?.stop();
    await nats?.close();
  });

  const scrape = (authorization?: string) =>
    fetch(`${router.url}/metrics`, authorization ? { headers: { authorization } } : {});

  it('without a token, or with any other token (even the admin one), answers 401 and no series', async () => {
    for (const auth of [undefined, 'Bearer wrong', `Bearer ${ADMIN_TOKEN}`, `Bearer ${TOKENS.acme}`, METRICS_TOKEN]) {
      const res = await scrape(auth);
      assert.equal(res.status, 401, String(auth));
      const body = await res.text();
      assert.doesNotMatch(body, /switchboard_/, String(auth));
      assert.match(body, /SWITCHBOARD_METRICS_TOKEN|metrics token/);
    }
  });

  it('with the token, serves the Prometheus text with per-tenant series', async () => {
    const res = await scrape(`Bearer ${METRICS_TOKEN}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await res.text(), /switchboard_config_revision/);
  });

  it('health probes stay open', async () => {
    assert.equal((await fetch(`${router.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${router.url}/readyz`)).status, 200);
  });
});

describe('/metrics without SWITCHBOARD_METRICS_TOKEN', () => {
  it('stays open, as before (a NetworkPolicy or --listen on a private address protects it)', async () => {
    const nats = await NatsServer.start();
    const router = await startTestRouter(nats.url);
    try {
      const res = await fetch(`${router.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /switchboard_config_revision/);
    } finally {
      await router.stop();
      await nats.close();
    }
  });
});
