// Tokens in URLs never reach the log (security review M3, issue #17 point 6): the router runs as its own
// process at debug level, so every request is logged, and its whole output is searched for each credential
// sent in a path or query — for 2xx, 4xx and 5xx answers. Path-key ingest takes only a tenant ingest token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, RouterProcess, SHARED_TOKEN, TOKENS } from '../harness/router.ts';

const ALERT = { summary: 'Disk full', labels: { alertname: 'DiskFull', instance: 'web1' }, severity: 'critical' };
const FORGED_ACK = 'eyJpIjoieCJ9.c2VjcmV0LWFjay1zaWduYXR1cmUtdmFsdWU';

describe('tokens in URLs are not logged', () => {
  let nats: NatsServer;
  let router: RouterProcess;
  before(async () => {
    nats = await NatsServer.start();
    router = await RouterProcess.start(nats.url, undefined, [], { SWITCHBOARD_LOG_LEVEL: 'debug' });
  });
  after(async () => {
    await router?.stop();
    await nats?.close();
  });

  const post = (path: string, body: unknown = ALERT) =>
    fetch(`${router.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** Waits until the router logged `count` more request lines, then returns its output. */
  const loggedRequests = () => router.output.split('\n').filter((l) => l.includes('"msg":"request"')).length;

  it('2xx and 4xx: path-key ingest, status page ?token=, ack links', async () => {
    const before = loggedRequests();
    assert.equal((await post(`/api/v1/alerts/generic/${TOKENS.acme}`)).status, 202);
    assert.equal((await post(`/api/v1/alerts/nosuch/${TOKENS.acme}`)).status, 400);
    assert.equal((await post(`/api/v1/alerts/generic/${TOKENS.globex}`, { nope: 1 })).status, 400);
    assert.equal((await post('/api/v1/alerts/prtg/not-a-known-token-4711')).status, 401);
    assert.equal((await fetch(`${router.url}/status/acme?token=${TOKENS.acme}`)).status < 500, true);
    assert.equal((await fetch(`${router.url}/api/v1/status/acme?token=not-a-known-token-4711`)).status, 401);
    assert.equal((await fetch(`${router.url}/ack/${FORGED_ACK}`)).status, 400);
    assert.equal((await fetch(`${router.url}/ack/${FORGED_ACK}`, { method: 'POST' })).status, 400);
    await waitFor('request lines', async () => loggedRequests() >= before + 8, 10_000);
    for (const secret of [TOKENS.acme, TOKENS.globex, 'not-a-known-token-4711', FORGED_ACK, 'c2VjcmV0LWFjay1z']) {
      assert.ok(!router.output.includes(secret), `${secret} in the log:\n${router.output}`);
    }
    assert.match(router.output, /\/api\/v1\/alerts\/generic\/\[redacted\]/);
    assert.match(router.output, /\/ack\/\[redacted\]/);
  });

  it('admin, shared and viewer tokens are refused in a URL (only a tenant ingest token belongs there)', async () => {
    for (const token of [ADMIN_TOKEN, SHARED_TOKEN, 'acme-viewer-token']) {
      const res = await post(`/api/v1/alerts/generic/${token}`);
      assert.equal(res.status, 403, token);
      assert.match(((await res.json()) as { error: string }).error, /ingest token/);
    }
    assert.ok(!router.output.includes(ADMIN_TOKEN) && !router.output.includes(SHARED_TOKEN));
  });

  it('5xx: NATS away, path-key ingest answers 503 and logs no token', async () => {
    await nats.stop();
    try {
      await waitFor(
        'a 5xx answer',
        async () => (await post(`/api/v1/alerts/generic/${TOKENS.acme}`)).status >= 500,
        20_000,
      );
      await waitFor('an error line', async () => /"level":(40|50)/.test(router.output), 10_000);
    } finally {
      await nats.restart();
    }
    assert.ok(!router.output.includes(TOKENS.acme), router.output);
  });
});
