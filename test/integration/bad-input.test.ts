// Bad input against one running router (body limit 128 KiB): every case gets its status code and a
// JSON error that names the problem (and the field, where there is one); nothing is a 5xx, and the
// router keeps serving afterwards.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { INGEST_LIMITS } from '../../router/ingest/limits.ts';
import type { RunningRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, RESPONDER_TOKENS, SHARED_TOKEN, startTestRouter, TOKENS } from '../harness/router.ts';

const MAX_BODY = 128 * 1024;
const MAX_ALERTS = INGEST_LIMITS.maxAlertsPerRequest;
const VIEWER_TOKEN = 'acme-viewer-token';
const JSON_TYPE = { 'content-type': 'application/json' };
const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' };

let nats: NatsServer;
let router: RunningRouter;
/** An incident of globex, for the cross-tenant cases. */
let globexIncident: string;
/** Every status the router answered in this file. */
const statuses: { name: string; status: number }[] = [];

interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: API JSON
  body: any;
}

/** One request; a string body is sent as is, anything else as JSON. `token: null` sends no Authorization. */
async function call(
  name: string,
  method: string,
  path: string,
  o: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const token = o.token === undefined ? TOKENS.acme : o.token;
  const body = o.body === undefined || typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  const headers = { ...(typeof o.body === 'string' || o.body === undefined ? {} : JSON_TYPE), ...o.headers };
  const r = await api(router.url, token ?? '').call(method, path, body, headers);
  statuses.push({ name, status: r.status });
  return r;
}

const alertmanagerFixture = () =>
  JSON.parse(readFileSync(new URL('../fixtures/alertmanager-0.25-webhook.json', import.meta.url), 'utf8'));

interface Case {
  name: string;
  send: (name: string) => Promise<Answer>;
  status: number;
  /** What `error` must say. */
  error: RegExp;
  /** `details.field`, when the error is about one. */
  field?: string;
  check?: (r: Answer) => void;
}

const post = (path: string, o: Parameters<typeof call>[3]) => (name: string) => call(name, 'POST', path, o);

const CASES: Case[] = [
  {
    name: 'malformed JSON',
    send: post('/api/v1/alerts', { body: '{"summary": "disk full", ', headers: JSON_TYPE }),
    status: 400,
    error: /not valid JSON/,
    field: 'body',
  },
  {
    name: 'JSON that is not an object or array (strict)',
    send: post('/api/v1/alerts', { body: '"just a string"', headers: JSON_TYPE }),
    status: 400,
    error: /not valid JSON/,
    field: 'body',
  },
  {
    name: 'generic: labels of the wrong type',
    send: post('/api/v1/alerts', { body: { summary: 'Disk full', labels: 5 } }),
    status: 400,
    error: /^labels: must be an object of strings, got a number/,
    field: 'labels',
  },
  {
    name: 'generic: a label value of the wrong type, in the second alert',
    send: post('/api/v1/alerts', { body: [{ summary: 'a' }, { summary: 'b', labels: { host: 42 } }] }),
    status: 400,
    error: /must be a string, got a number/,
    field: '[1].labels.host',
  },
  {
    name: 'generic: unknown severity',
    send: post('/api/v1/alerts', { body: { summary: 'Disk full', severity: 'urgent' } }),
    status: 400,
    error: /severity: must be one of "critical", "high", "warning", "info", got "urgent"/,
    field: 'severity',
  },
  {
    name: 'generic: missing summary',
    send: post('/api/v1/alerts', { body: { labels: { host: 'db01' } } }),
    status: 400,
    error: /^summary: is required/,
    field: 'summary',
  },
  {
    name: 'generic: a misspelt field',
    send: post('/api/v1/alerts', { body: { sumary: 'Disk full' } }),
    status: 400,
    error: /sumary: is not a field of a generic alert/,
    field: 'sumary',
  },
  {
    name: 'generic: an empty array',
    send: post('/api/v1/alerts', { body: [] }),
    status: 400,
    error: /empty array/,
    field: '',
  },
  {
    name: 'Alertmanager payload version "3"',
    send: post('/api/v1/alerts/alertmanager', { body: { ...alertmanagerFixture(), version: '3' } }),
    status: 400,
    error: /^version: "3" is not supported; Switchboard reads Alertmanager webhook payload version "4"/,
    field: 'version',
  },
  {
    name: 'Alertmanager alert without labels',
    send: (name) => {
      const payload = alertmanagerFixture();
      delete payload.alerts[0].labels;
      return call(name, 'POST', '/api/v1/alerts/alertmanager', { body: payload });
    },
    status: 400,
    error: /alerts\[0\]\.labels: is required/,
    field: 'alerts[0].labels',
  },
  {
    name: 'Zabbix: event_value that is neither problem nor recovery',
    send: post('/api/v1/alerts/zabbix', { body: { event_id: '77', event_value: '7', event_name: 'x' } }),
    status: 400,
    error: /event_value: must be "1" \(problem\) or "0" \(recovery\), got "7"/,
    field: 'event_value',
  },
  {
    name: 'PRTG: an unknown status',
    send: post('/api/v1/alerts/prtg', { body: 'sensorid=1&status=Exploded', headers: FORM_TYPE }),
    status: 400,
    error: /status: "Exploded" is not a PRTG status/,
    field: 'status',
  },
  {
    name: 'a body over the limit (JSON)',
    send: post('/api/v1/alerts', {
      body: { summary: 'big', annotations: { blob: 'x'.repeat(MAX_BODY + 1024) } },
    }),
    status: 413,
    error: new RegExp(`larger than ${MAX_BODY} bytes`),
  },
  {
    name: 'a body over the limit (PRTG form)',
    send: post(`/api/v1/alerts/prtg/${TOKENS.acme}`, {
      body: `sensorid=1&status=Down&message=${'x'.repeat(MAX_BODY + 1024)}`,
      headers: FORM_TYPE,
    }),
    status: 413,
    error: new RegExp(`larger than ${MAX_BODY} bytes`),
  },
  {
    name: 'too many alerts in one request (under the byte limit)',
    send: (name) => {
      const body = JSON.stringify(Array.from({ length: MAX_ALERTS + 1 }, () => ({ summary: 'a' })));
      assert.ok(body.length < MAX_BODY, `${MAX_ALERTS + 1} alerts need ${body.length} bytes: raise MAX_BODY`);
      return call(name, 'POST', '/api/v1/alerts', { body, headers: JSON_TYPE });
    },
    status: 400,
    error: new RegExp(`has ${MAX_ALERTS + 1} alerts; at most ${MAX_ALERTS} are accepted per request`),
    field: '',
  },
  {
    name: 'unknown tenant: the shared token and labels no tenant matches',
    send: post('/api/v1/alerts', { token: SHARED_TOKEN, body: { summary: 'x', labels: { customer: 'initech' } } }),
    status: 400,
    error: /no tenant claims this alert/,
    field: 'labels',
  },
  {
    name: 'a wrong token',
    send: post('/api/v1/alerts', { token: 'not-a-token', body: { summary: 'x' } }),
    status: 401,
    error: /the token is not valid/,
    check: (r) => assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer /),
  },
  {
    name: 'no Authorization header',
    send: post('/api/v1/alerts', { token: null, body: { summary: 'x' } }),
    status: 401,
    error: /send Authorization: Bearer <token>/,
    check: (r) => assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer /),
  },
  {
    name: 'Authorization that is not a bearer token',
    send: post('/api/v1/alerts', { token: null, body: { summary: 'x' }, headers: { authorization: 'Basic YTpi' } }),
    status: 401,
    error: /send Authorization: Bearer <token>/,
  },
  {
    name: 'a wrong key in the path',
    send: post('/api/v1/alerts/generic/not-a-key', { token: null, body: { summary: 'x' } }),
    status: 401,
    error: /the token is not valid/,
  },
  {
    name: 'an unknown source in the path',
    send: post(`/api/v1/alerts/nagios/${TOKENS.acme}`, { token: null, body: { summary: 'x' } }),
    status: 400,
    error: /unknown source "nagios"/,
    field: 'source',
  },
  {
    name: 'Content-Type text/plain',
    send: post('/api/v1/alerts', { body: '{"summary":"x"}', headers: { 'content-type': 'text/plain' } }),
    status: 400,
    error: /^Content-Type: is text\/plain; send application\/json/,
    field: 'Content-Type',
  },
  {
    name: 'a status-page viewer token sending alerts',
    send: post('/api/v1/alerts', { token: VIEWER_TOKEN, body: { summary: 'x' } }),
    status: 403,
    error: /alerts.send needs an ingest token or the admin token; this is a viewer token/,
  },
  {
    name: "tenant acme's ingest token reading an incident",
    send: (name) => call(name, 'GET', `/api/v1/incidents/${globexIncident}`),
    status: 403,
    error: /incidents.read needs a responder token or the admin token; this is an ingest token/,
  },
  {
    name: "tenant acme's responder token reading globex's incident",
    send: (name) => call(name, 'GET', `/api/v1/incidents/${globexIncident}`, { token: RESPONDER_TOKENS.acme }),
    status: 404,
    error: /^incident \w+ not found$/,
  },
  {
    name: "tenant acme's responder token acknowledging globex's incident",
    send: (name) =>
      call(name, 'POST', `/api/v1/incidents/${globexIncident}/acknowledge`, {
        token: RESPONDER_TOKENS.acme,
        body: { by: 'mallory' },
      }),
    status: 404,
    error: /not found/,
  },
  {
    name: "tenant acme's responder token listing ?tenant=globex",
    send: (name) => call(name, 'GET', '/api/v1/incidents?tenant=globex', { token: RESPONDER_TOKENS.acme }),
    status: 403,
    error: /this token reads tenant acme only/,
  },
  {
    name: 'the shared ingest token listing incidents',
    send: (name) => call(name, 'GET', '/api/v1/incidents', { token: SHARED_TOKEN }),
    status: 403,
    error: /incidents.read needs a responder token/,
  },
  {
    name: 'an unknown incident status filter',
    send: (name) => call(name, 'GET', '/api/v1/incidents?status=exploded', { token: RESPONDER_TOKENS.acme }),
    status: 400,
    error: /^status: must be one of/,
    field: 'status',
  },
  {
    name: 'a page size out of range',
    send: (name) => call(name, 'GET', '/api/v1/incidents?limit=100000', { token: RESPONDER_TOKENS.acme }),
    status: 400,
    error: /^limit: must be an integer/,
    field: 'limit',
  },
  {
    name: 'a note of the wrong type',
    send: (name) =>
      call(name, 'POST', `/api/v1/incidents/${globexIncident}/notes`, { token: ADMIN_TOKEN, body: { text: 5 } }),
    status: 400,
    error: /^text: must be a string/,
    field: 'text',
  },
  {
    name: 'an unknown route',
    send: (name) => call(name, 'GET', '/api/v1/nothing-here'),
    status: 404,
    error: /no route for GET \/api\/v1\/nothing-here/,
  },
];

before(async () => {
  nats = await NatsServer.start();
  router = await startTestRouter(nats.url, { maxBodyBytes: MAX_BODY });
  const r = await api(router.url, TOKENS.globex).post('/api/v1/alerts', {
    summary: 'Printer on fire',
    fingerprint: 'printer-1',
    labels: { alertname: 'PrinterOnFire' },
  });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  globexIncident = await waitFor('the globex incident', async () => {
    const list = await api(router.url, ADMIN_TOKEN).get('/api/v1/incidents?tenant=globex');
    return list.body.incidents?.[0]?.id as string | undefined;
  });
});

after(async () => {
  await router?.stop();
  await nats?.close();
});

describe('bad input gets its status code and a message naming the problem', () => {
  for (const c of CASES) {
    it(`${c.name} -> ${c.status}`, async () => {
      const r = await c.send(c.name);
      assert.equal(r.status, c.status, `${c.name}: ${JSON.stringify(r.body)}`);
      assert.equal(typeof r.body, 'object', `a JSON body: ${String(r.body)}`);
      assert.equal(typeof r.body.error, 'string');
      assert.match(r.body.error, c.error);
      if (c.field !== undefined) assert.equal(r.body.details?.field, c.field, JSON.stringify(r.body));
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      c.check?.(r);
    });
  }

  it('over the tenant limit (globex: 600 alerts per minute) -> 202, the alerts over it counted, never 429 (H4)', async () => {
    // The same storm alert, 200 per request: far faster than the 10 per second the bucket refills.
    const body = Array.from({ length: 200 }, () => ({ summary: 'Storm', fingerprint: 'storm-1' }));
    let accepted = 0;
    let over = 0;
    for (let n = 0; n < 10; n++) {
      const r = await call('rate limit', 'POST', '/api/v1/alerts', { token: TOKENS.globex, body });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      accepted += r.body.accepted;
      over += (r.body.overLimit as { alerts: number }[] | undefined)?.[0]?.alerts ?? 0;
    }
    assert.equal(accepted, 2_000, 'every alert accepted');
    // 600 in the bucket, plus the few the bucket refilled (10 a second) while the requests ran.
    assert.ok(over >= 1_300 && over <= 1_400, `over the limit: ${over}`);
    // Another tenant is not affected by globex's storm.
    const other = await call('acme during the storm', 'POST', '/api/v1/alerts', { body: { summary: 'unrelated' } });
    assert.equal(other.status, 202);
    assert.equal(other.body.overLimit, undefined);
  });

  it('the router still serves, and no case was answered with a 5xx', async () => {
    const health = await fetch(`${router.url}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`${router.url}/readyz`);
    assert.equal(ready.status, 200);
    const fine = await call('a good alert after all that', 'POST', '/api/v1/alerts', { body: { summary: 'ok' } });
    assert.equal(fine.status, 202);
    const failures = statuses.filter((s) => s.status >= 500);
    assert.deepEqual(failures, []);
    assert.ok(statuses.length >= CASES.length);
  });
});
