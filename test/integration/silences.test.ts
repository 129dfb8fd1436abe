// The silences API against a real nats-server: create, list, get, expire; tenant scoping; validation;
// silences survive a restart of their store (a new KV handle on a new connection) and expired ones stay.
// The router runs as in production (startTestRouter); the silences router is mounted on its own express
// app sharing the router's context, as the pipeline wiring will mount it on the router's app.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { pino } from 'pino';
import { errorHandler } from '../../router/api/middleware.ts';
import { silencesRouter } from '../../router/api/silences.ts';
import { type Bus, connectBus } from '../../router/bus/connection.ts';
import type { RunningRouter } from '../../router/main.ts';
import { SilenceMuter } from '../../router/mute/silence.ts';
import { openSilencesBucket, SilenceStore } from '../../router/mute/silence-store.ts';
import { NatsServer } from '../harness/nats.ts';
import { ADMIN_TOKEN, api, RESPONDER_TOKENS, startTestRouter, TOKENS } from '../harness/router.ts';

const log = pino({ level: 'silent' });
const HOUR = 3_600_000;

let nats: NatsServer;
let router: RunningRouter;
let store: SilenceStore;
let server: Server;
let admin: ReturnType<typeof api>;
let acme: ReturnType<typeof api>;
let globex: ReturnType<typeof api>;

async function serve(s: SilenceStore): Promise<Server> {
  const app = express();
  app.use(silencesRouter(router.ctx, s));
  app.use(errorHandler(router.ctx));
  const srv = app.listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  return srv;
}

let base = '';
before(async () => {
  nats = await NatsServer.start();
  router = await startTestRouter(nats.url);
  store = new SilenceStore(await openSilencesBucket(router.ctx.bus.nc), log);
  await store.start();
  server = await serve(store);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  admin = api(base, ADMIN_TOKEN);
  // Silences are managed with a tenant's responder token (its ingest token only sends alerts).
  acme = api(base, RESPONDER_TOKENS.acme);
  globex = api(base, RESPONDER_TOKENS.globex);
});
after(async () => {
  store?.stop();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await router?.stop();
  await nats?.close();
});

const iso = (ms: number) => new Date(ms).toISOString();
const body = (over: Record<string, unknown> = {}) => ({
  matchers: ['alertname="DiskFull"', 'instance=~"db0[1-3]"'],
  endsAt: iso(Date.now() + 2 * HOUR),
  createdBy: 'jane',
  comment: 'replacing disks in the db cluster',
  ...over,
});

describe('silences API', () => {
  let acmeId: string;
  let globexId: string;

  it('a tenant token creates a silence for its own tenant', async () => {
    const r = await acme.post('/api/v1/silences', body());
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.tenant, 'acme');
    assert.equal(r.body.state, 'active');
    assert.deepEqual(r.body.matchers, ['alertname="DiskFull"', 'instance=~"db0[1-3]"']);
    assert.equal(r.body.expiredBy, null);
    // The author is the token, not the body's createdBy (only the admin token names a person).
    assert.equal(r.body.createdBy, 'tenant:acme:responder');
    acmeId = r.body.id;
  });

  it("a tenant's ingest token cannot manage silences: 403 naming the responder token", async () => {
    const r = await api(base, TOKENS.acme).post('/api/v1/silences', body());
    assert.equal(r.status, 403);
    assert.match(r.body.error, /needs a responder token/);
  });

  it('a tenant token cannot silence another tenant; the admin can', async () => {
    const denied = await acme.post('/api/v1/silences', body({ tenant: 'globex' }));
    assert.equal(denied.status, 403);
    const r = await admin.post('/api/v1/silences', body({ tenant: 'globex', startsAt: iso(Date.now() + HOUR) }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'pending');
    globexId = r.body.id;
  });

  const invalid: { name: string; body: Record<string, unknown>; field: string }[] = [
    { name: 'a matcher that does not parse', body: body({ matchers: ['alertname=="x"'] }), field: 'matchers[0]' },
    { name: 'no matchers', body: body({ matchers: [] }), field: 'matchers' },
    { name: 'matchers that match everything', body: body({ matchers: ['env=~".*"'] }), field: 'matchers' },
    { name: 'no end', body: body({ endsAt: undefined }), field: 'endsAt' },
    { name: 'an end in the past', body: body({ endsAt: iso(Date.now() - HOUR) }), field: 'endsAt' },
    { name: 'a start that is no time', body: body({ startsAt: 'tomorrow' }), field: 'startsAt' },
    { name: 'no author', body: body({ createdBy: '' }), field: 'createdBy' },
    { name: 'no comment', body: body({ comment: undefined }), field: 'comment' },
    { name: 'an unknown tenant (admin)', body: body({ tenant: 'nobody' }), field: 'tenant' },
  ];
  for (const c of invalid) {
    it(`rejects ${c.name} with 400 naming ${c.field}`, async () => {
      const r = await admin.post('/api/v1/silences', {
        tenant: 'acme',
        ...c.body,
      });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.details.field, c.field);
    });
  }

  it('lists by tenant: a tenant token sees its own only', async () => {
    const mine = await acme.get('/api/v1/silences');
    assert.equal(mine.status, 200);
    assert.deepEqual(
      mine.body.silences.map((s: { id: string }) => s.id),
      [acmeId],
    );
    assert.equal((await acme.get('/api/v1/silences?tenant=globex')).status, 403);
    const all = await admin.get('/api/v1/silences');
    assert.deepEqual(new Set(all.body.silences.map((s: { id: string }) => s.id)), new Set([acmeId, globexId]));
    const onlyGlobex = await admin.get('/api/v1/silences?tenant=globex&state=pending');
    assert.deepEqual(
      onlyGlobex.body.silences.map((s: { id: string }) => s.id),
      [globexId],
    );
    assert.equal((await admin.get('/api/v1/silences?state=sleeping')).body.details.field, 'state');
  });

  it("another tenant's silence is not found, to read or to expire", async () => {
    assert.equal((await acme.get(`/api/v1/silences/${globexId}`)).status, 404);
    assert.equal((await acme.call('DELETE', `/api/v1/silences/${globexId}`)).status, 404);
    assert.equal((await globex.get(`/api/v1/silences/${globexId}`)).status, 200);
    assert.equal((await admin.get('/api/v1/silences/no-such-id')).status, 404);
  });

  it('expiring keeps the record, ended now, and is repeatable', async () => {
    const r = await acme.call('DELETE', `/api/v1/silences/${acmeId}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.state, 'expired');
    assert.equal(r.body.expiredBy, 'tenant:acme:responder');
    assert.ok(Date.parse(r.body.endsAt) <= Date.now());
    const again = await acme.call('DELETE', `/api/v1/silences/${acmeId}`);
    assert.equal(again.status, 200);
    assert.equal(again.body.endsAt, r.body.endsAt);
    const expired = await acme.get('/api/v1/silences?state=expired');
    assert.deepEqual(
      expired.body.silences.map((s: { id: string }) => s.id),
      [acmeId],
    );
    assert.deepEqual((await acme.get('/api/v1/silences?state=active')).body.silences, []);
  });

  it('silences survive a restart of the store and are shared through the bucket', async () => {
    // A second replica: its own connection, KV handle and cache.
    const bus: Bus = await connectBus(nats.url, log, 'second-replica');
    try {
      const reopened = new SilenceStore(await openSilencesBucket(bus.nc), log);
      await reopened.start();
      const expired = reopened.get(acmeId);
      assert.equal(expired?.expiredBy, 'tenant:acme:responder', 'the expired silence is kept');
      assert.equal(reopened.get(globexId)?.tenant, 'globex');

      // What the pipeline does with the snapshot: the pending globex silence mutes once it starts.
      const muter = new SilenceMuter(reopened.all());
      const alert = {
        tenant: 'globex',
        fingerprint: 'f',
        severity: 'warning' as const,
        summary: 's',
        startsAt: iso(Date.now()),
        labels: { alertname: 'DiskFull', instance: 'db02' },
      };
      assert.equal(muter.mutes(alert, Date.now()), null, 'still pending');
      assert.equal(muter.mutes(alert, Date.now() + 1.5 * HOUR)?.reason, 'silence');
      assert.equal(muter.mutes({ ...alert, tenant: 'acme' }, Date.now() + 1.5 * HOUR), null);

      // A change made through one store reaches the other through the watch.
      const changed = new Promise<string>((resolve) => reopened.onChange((s) => resolve(s.id)));
      const created = await acme.post('/api/v1/silences', body({ comment: 'seen by the other replica' }));
      assert.equal(await changed, created.body.id);
      reopened.stop();
    } finally {
      await bus.close();
    }
  });
});
