// Kill the router mid-send: no double page. The notification log claims each notification with a lease
// (SWITCHBOARD_NOTIFY_LEASE_MS, shortened here to a few seconds) before sending and settles it after.
//   (a) the receiver has not accepted the page when the router dies (it answers 503 and the router is
//       between retries): after a restart the page is delivered exactly once, after the lease expired.
//   (b) the receiver has the page (it holds the request open, unanswered) when the router dies: the one
//       documented at-least-once window. After the restart and the lease expiry it is sent once more,
//       with the same X-Switchboard-Delivery id, so a receiver deduplicating by that id has one page.
// Against a real nats-server, with the router as its own process killed by SIGKILL.
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

const LEASE_MS = 6_000;
const ENV = {
  SWITCHBOARD_SIGNING_KEY: 'notify-crash-test-signing-key-0123456789abcdef',
  SWITCHBOARD_NOTIFY_LEASE_MS: String(LEASE_MS),
  // Short enough that the router is still waiting for the held request when it is killed, and that a
  // retry fits in the shortened lease (the send deadline is 3/4 of it).
  SWITCHBOARD_NOTIFY_TIMEOUT_MS: '1500',
};
const RUN = Date.now().toString(36);

let nats: NatsServer;
let router: RouterProcess;

/** One request as the receiver saw it: when, which delivery, for which alert, and what it answered. */
interface Hit {
  at: number;
  delivery: string;
  summary: string;
  incident: string;
  answered: number | 'held';
}

/** A webhook receiver whose answer the test switches; `hits` records every request with a body. */
function receiver() {
  const hits: Hit[] = [];
  const state = { answer: 200 as number | 'held', onHit: (_h: Hit) => {} };
  let server: FakeServer | undefined;
  return {
    hits,
    state,
    get url() {
      return server?.url ?? '';
    },
    async start() {
      server = await fakeServer((r: Recorded) => {
        const body = JSON.parse(r.body) as { incident: { id: string; summary: string } };
        const hit: Hit = {
          at: Date.now(),
          delivery: String(r.headers['x-switchboard-delivery']),
          summary: body.incident.summary,
          incident: body.incident.id,
          answered: state.answer,
        };
        hits.push(hit);
        state.onHit(hit);
        return state.answer === 'held' ? { hang: true } : { status: state.answer, body: { ok: true } };
      });
    },
    close: () => server?.close(),
    /** This alert's requests; `accepted` only those answered 2xx (what the receiver took as a page). */
    of(name: string) {
      const all = hits.filter((h) => h.summary === summary(name));
      return {
        all,
        accepted: all.filter((h) => typeof h.answered === 'number' && h.answered < 300),
        deliveries: new Set(all.map((h) => h.delivery)),
      };
    },
    /** Resolves with the next request's hit. */
    next(): Promise<Hit> {
      return new Promise((resolve) => {
        state.onHit = (h) => {
          state.onHit = () => {};
          resolve(h);
        };
      });
    },
  };
}

const refuse = receiver();
const hold = receiver();

const summary = (name: string) => `${name}: disk /var 95% full`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  nats = await NatsServer.start();
  await Promise.all([refuse.start(), hold.start()]);
  const configDir = mkdtempSync(join(tmpdir(), 'sb-notify-crash-'));
  const text = readFileSync(join(ROOT, 'test/fixtures/notify-crash/config.yaml'), 'utf8')
    .replaceAll('HOOK_REFUSE_URL', `${refuse.url}/refuse`)
    .replaceAll('HOOK_HOLD_URL', `${hold.url}/hold`);
  writeFileSync(join(configDir, 'config.yaml'), text);
  router = await RouterProcess.start(nats.url, configDir, [], ENV);
});

after(async () => {
  await router?.kill();
  await Promise.all([refuse.close(), hold.close()]);
  await nats?.close();
});

async function fire(name: string, labels: Record<string, string> = {}): Promise<void> {
  const res = await api(router.url, 'acme-token').post('/api/v1/alerts', [
    {
      fingerprint: `${RUN}-${name}`,
      summary: summary(name),
      severity: 'critical',
      labels: { alertname: name, ...labels },
    },
  ]);
  assert.equal(res.status, 202, JSON.stringify(res.body));
}

async function metrics(): Promise<string> {
  return (await fetch(`${router.url}/metrics`)).text();
}

/** The incident's notification events on its timeline, as "type destination". */
async function timeline(incident: string): Promise<string[]> {
  const res = await api(router.url, ADMIN_TOKEN).get(`/api/v1/incidents/${incident}`);
  assert.equal(res.status, 200);
  return (res.body.timeline as { type: string; destination?: string }[])
    .filter((e) => e.type.startsWith('notification.'))
    .map((e) => `${e.type} ${e.destination}`);
}

describe('kill -9 mid-send', () => {
  it('(a) killed while retrying a receiver that answers 503: after the restart, delivered exactly once', async () => {
    refuse.state.answer = 503;
    const firstAttempt = refuse.next();
    const firedAt = Date.now();
    await fire('Refused');
    const hit = await firstAttempt;
    await router.kill();
    const killedAt = Date.now();
    refuse.state.answer = 200;
    const before = refuse.of('Refused');
    assert.ok(before.all.length >= 1 && before.accepted.length === 0, 'only refused attempts before the kill');

    await router.spawn();
    const restartedAt = Date.now();
    const delivered = await waitFor(
      'the page after the restart',
      async () => refuse.of('Refused').accepted[0],
      LEASE_MS + 15_000,
    );
    console.log(
      `(a) first attempt ${hit.at - firedAt} ms after the alert, killed after ${before.all.length} refused attempt(s); ` +
        `restarted ${restartedAt - killedAt} ms later; delivered ${delivered.at - hit.at} ms after the first attempt ` +
        `(lease ${LEASE_MS} ms), ${delivered.at - restartedAt} ms after the restart`,
    );
    assert.ok(delivered.at - hit.at >= LEASE_MS - 1_000, 'not before the dead claim expired');

    // No further send, even well after another lease.
    await sleep(LEASE_MS + 2_000);
    const done = refuse.of('Refused');
    assert.equal(done.accepted.length, 1, 'delivered exactly once');
    assert.equal(done.deliveries.size, 1, 'every attempt carried the same delivery id');
    assert.equal(done.all.length, before.all.length + 1, 'one request after the restart');

    const text = await metrics();
    assert.match(text, /switchboard_notifications_total\{type="webhook",outcome="sent"\} 1\b/);
    assert.doesNotMatch(text, /switchboard_notifications_total\{type="webhook",outcome="failed"\}/);
    assert.deepEqual(await timeline(delivered.incident), ['notification.sent webhook']);
  });

  it('(b) killed while the receiver holds the page open: re-sent once with the same delivery id, one page after dedup', async () => {
    hold.state.answer = 'held';
    const firstRequest = hold.next();
    await fire('Held', { receiver: 'hold' });
    const held = await firstRequest;
    await router.kill();
    const killedAt = Date.now();
    hold.state.answer = 200;
    assert.equal(hold.of('Held').all.length, 1, 'the receiver had the page when the router died');

    await router.spawn();
    const restartedAt = Date.now();
    const resent = await waitFor('the re-send after the lease', async () => hold.of('Held').all[1], LEASE_MS + 15_000);
    console.log(
      `(b) router killed ${killedAt - held.at} ms after the receiver had the page; restarted ${restartedAt - killedAt} ms ` +
        `later; re-sent ${resent.at - held.at} ms after the first send (lease ${LEASE_MS} ms)`,
    );
    assert.ok(resent.at - held.at >= LEASE_MS - 1_000, 'not before the dead claim expired');
    assert.equal(resent.delivery, held.delivery, 'the re-send carries the same X-Switchboard-Delivery');

    await sleep(LEASE_MS + 2_000);
    const done = hold.of('Held');
    assert.ok(done.all.length <= 2, `raw requests: ${done.all.length}`);
    assert.equal(done.all.length, 2, 'the documented window: one re-send');
    assert.equal(done.deliveries.size, 1, 'deduplicated by delivery id: exactly one page');

    const text = await metrics();
    assert.match(text, /switchboard_notifications_total\{type="webhook",outcome="sent"\} 1\b/);
    assert.doesNotMatch(text, /switchboard_notifications_total\{type="webhook",outcome="failed"\}/);
    assert.deepEqual(await timeline(held.incident), ['notification.sent webhook']);
  });
});
