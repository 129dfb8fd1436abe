// The direct ingest routes (router/api/ingest-direct.ts) answer exactly as express does. Each request goes
// once to a direct route (`/api/v1/alerts/alertmanager`) and once to the same route spelled with a trailing
// slash, which only express serves; status, body and the headers a client acts on must be the same.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { RunningRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { startTestRouter, TOKENS } from '../harness/router.ts';

const MAX_BODY = 64 * 1024;
const JSON_TYPE = 'application/json';

let nats: NatsServer;
let router: RunningRouter;

interface Request {
  name: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  token?: string | null;
  status: number;
}

const webhook = () =>
  JSON.parse(readFileSync(new URL('../fixtures/alertmanager-0.25-webhook.json', import.meta.url), 'utf8'));
const valid = () => JSON.stringify(webhook());

const REQUESTS: Request[] = [
  { name: 'a valid Alertmanager webhook', path: '/api/v1/alerts/alertmanager', body: valid(), status: 202 },
  { name: 'a valid generic alert', path: '/api/v1/alerts', body: '{"summary":"disk full"}', status: 202 },
  { name: 'no token', path: '/api/v1/alerts/alertmanager', body: valid(), token: null, status: 401 },
  { name: 'a wrong token', path: '/api/v1/alerts/alertmanager', body: valid(), token: 'nope', status: 401 },
  { name: 'a viewer token', path: '/api/v1/alerts', body: '{"summary":"x"}', token: 'acme-viewer-token', status: 403 },
  { name: 'malformed JSON', path: '/api/v1/alerts/alertmanager', body: '{"version": "4", ', status: 400 },
  { name: 'a JSON string, not an object', path: '/api/v1/alerts', body: '"just a string"', status: 400 },
  { name: 'an empty body', path: '/api/v1/alerts/alertmanager', body: '', status: 400 },
  { name: 'wrong types', path: '/api/v1/alerts/alertmanager', body: '{"version":"4","alerts":5}', status: 400 },
  {
    name: 'text/plain',
    path: '/api/v1/alerts/alertmanager',
    body: valid(),
    headers: { 'content-type': 'text/plain' },
    status: 400,
  },
  {
    name: 'a charset other than UTF-8',
    path: '/api/v1/alerts/alertmanager',
    body: valid(),
    headers: { 'content-type': 'application/json; charset=latin1' },
    status: 400,
  },
  {
    name: 'a gzip body',
    path: '/api/v1/alerts/alertmanager',
    body: gzipSync(valid()),
    headers: { 'content-encoding': 'gzip' },
    status: 202,
  },
  {
    name: 'a body that is not gzip although it says so',
    path: '/api/v1/alerts/alertmanager',
    body: valid(),
    headers: { 'content-encoding': 'gzip' },
    status: 400,
  },
  {
    name: 'an unknown Content-Encoding',
    path: '/api/v1/alerts/alertmanager',
    body: valid(),
    headers: { 'content-encoding': 'snappy' },
    status: 400,
  },
  {
    name: 'a body over the limit',
    path: '/api/v1/alerts/alertmanager',
    body: JSON.stringify({ ...webhook(), pad: 'x'.repeat(MAX_BODY) }),
    status: 413,
  },
  {
    name: 'Zabbix: a problem without its event id',
    path: '/api/v1/alerts/zabbix',
    body: '{"event_value":"1"}',
    status: 400,
  },
  {
    name: 'a query string',
    path: '/api/v1/alerts/alertmanager?source=test',
    body: valid(),
    headers: { 'x-request-id': 'given-id-1' },
    status: 202,
  },
];

async function send(r: Request, path: string) {
  const token = r.token === undefined ? TOKENS.acme : r.token;
  const res = await fetch(`${router.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': JSON_TYPE,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...r.headers,
    },
    ...(r.body === undefined ? {} : { body: r.body }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: JSON.parse(text),
    headers: Object.fromEntries(
      ['content-type', 'content-length', 'www-authenticate', 'retry-after'].map((h) => [h, res.headers.get(h)]),
    ),
    requestId: res.headers.get('x-request-id'),
  };
}

/** The same route as only express serves it. */
function expressSpelling(path: string): string {
  const [p, q] = path.split('?');
  return `${p}/${q === undefined ? '' : `?${q}`}`;
}

describe('ingest: the direct routes answer as express does', () => {
  before(async () => {
    nats = await NatsServer.start();
    router = await startTestRouter(nats.url, { maxBodyBytes: MAX_BODY });
  });
  after(async () => {
    await router?.stop();
    await nats?.close();
  });

  for (const r of REQUESTS) {
    it(`${r.name}: ${r.status}, the same answer both ways`, async () => {
      const direct = await send(r, r.path);
      const viaExpress = await send(r, expressSpelling(r.path));
      assert.equal(direct.status, r.status, JSON.stringify(direct.body));
      assert.deepEqual(direct.body, viaExpress.body);
      assert.deepEqual(direct.headers, viaExpress.headers);
      assert.equal(direct.status, viaExpress.status);
      if (r.headers?.['x-request-id']) {
        assert.equal(direct.requestId, r.headers['x-request-id']);
        assert.equal(viaExpress.requestId, r.headers['x-request-id']);
      } else {
        assert.match(direct.requestId ?? '', /^[0-9a-f-]{36}$/);
      }
      if (r.status >= 400) assert.equal(typeof direct.body.error, 'string');
    });
  }

  it('a rejected request is counted as express counts it', async () => {
    const metric = async () => {
      const text = await (await fetch(`${router.url}/metrics`)).text();
      return Number(
        /^switchboard_alerts_rejected_total\{source="alertmanager",reason="invalid"\} (\d+)/m.exec(text)?.[1] ?? 0,
      );
    };
    const before = await metric();
    await send({ name: 'x', path: '', body: '{', status: 400 }, '/api/v1/alerts/alertmanager');
    assert.equal(await metric(), before + 1);
    await send({ name: 'x', path: '', body: '{', status: 400 }, '/api/v1/alerts/alertmanager/');
    assert.equal(await metric(), before + 2);
  });
});
