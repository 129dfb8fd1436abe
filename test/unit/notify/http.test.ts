// The notifier's one HTTP request (router/notify/http.ts) against a local server: answers, timeouts that
// cover a stalled body, refused connections, redirects not followed, kept-alive connections.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { failure, isAnswer, request } from '../../../router/notify/http.ts';

describe('notify/http request', () => {
  let server: Server;
  let base = '';
  let connections = 0;
  const seen: { method: string; url: string; body: string; length: string | undefined }[] = [];
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/ok': (_req, res) => res.writeHead(201, { 'Retry-After': '7', 'X-Twice': ['a', 'b'] }).end('{"sid":"SM1"}'),
    '/stall-body': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
      // never ends
    },
    '/moved': (_req, res) => res.writeHead(302, { location: '/ok' }).end(),
  };

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          body: Buffer.concat(chunks).toString(),
          length: req.headers['content-length'],
        });
        (routes[req.url ?? ''] ?? ((_q, r) => r.writeHead(404).end()))(req, res);
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends the body with its length and returns status, text and headers by any case', async () => {
    const a = await request(`${base}/ok`, {
      body: '{"text":"héllo"}',
      headers: { 'content-type': 'application/json' },
    });
    assert.ok(isAnswer(a));
    assert.equal(a.status, 201);
    assert.equal(a.text, '{"sid":"SM1"}');
    assert.equal(a.headers.get('retry-after'), '7');
    assert.equal(a.headers.get('Retry-After'), '7');
    assert.equal(a.headers.get('x-twice'), 'a, b');
    assert.equal(a.headers.get('x-absent'), null);
    const last = seen.at(-1);
    assert.equal(last?.method, 'POST');
    assert.equal(last?.body, '{"text":"héllo"}');
    assert.equal(
      last?.length,
      String(Buffer.byteLength('{"text":"héllo"}')),
      'content-length in bytes, not characters',
    );
  });

  it('keeps the connection for the next request to the same server', async () => {
    const before = connections;
    for (let i = 0; i < 5; i++) assert.ok(isAnswer(await request(`${base}/ok`, { body: 'x' })));
    assert.ok(connections - before <= 1, `${connections - before} connections for 5 requests`);
  });

  it('times out on a body that stalls after the headers: recoverable', async () => {
    const started = Date.now();
    const r = await request(`${base}/stall-body`, { timeoutMs: 300 });
    assert.ok(!isAnswer(r));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.recoverable, true);
    assert.match(!r.ok ? r.error : '', /no answer within 300 ms/);
    assert.ok(Date.now() - started < 2_000);
  });

  it('a refused connection is recoverable and says why', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await request(`http://127.0.0.1:${port}/x`, { timeoutMs: 2_000 });
    assert.ok(!isAnswer(r));
    assert.equal(!r.ok && r.recoverable, true);
    assert.match(!r.ok ? r.error : '', /ECONNREFUSED/);
  });

  it('does not follow a redirect: the 3xx is the answer, and not worth retrying', async () => {
    const a = await request(`${base}/moved`, { method: 'GET' });
    assert.ok(isAnswer(a));
    assert.equal(a.status, 302);
    const f = failure('Webhook', a);
    assert.equal(!f.ok && f.recoverable, false);
    assert.match(!f.ok ? f.error : '', /Webhook answered 302/);
  });

  it('an unusable URL is a configuration error, not a retry', async () => {
    for (const url of ['not a url', 'ftp://example.com/x']) {
      const r = await request(url, {});
      assert.ok(!isAnswer(r));
      assert.equal(!r.ok && r.recoverable, false, url);
    }
  });
});
