// The API's answer to an error thrown while NATS is away (restarting, failing over): 503 with Retry-After, as
// ingest answers, so clients retry; not 500, which says the router is broken.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TimeoutError } from '@nats-io/nats-core';
import express from 'express';
import pino from 'pino';
import type { ApiContext } from '../../../router/api/context.ts';
import { errorHandler } from '../../../router/api/middleware.ts';
import { Metrics } from '../../../router/metrics.ts';

describe('API errors', () => {
  let server: ReturnType<ReturnType<typeof express>['listen']>;
  let url = '';
  before(async () => {
    const ctx = { metrics: new Metrics(), log: pino({ level: 'silent' }), maxBodyBytes: 1024 } as unknown as ApiContext;
    const app = express();
    app.get('/timeout', () => {
      throw new TimeoutError();
    });
    app.get('/wrapped', () => {
      throw new Error('could not read the timeline', { cause: new TimeoutError() });
    });
    app.get('/bug', () => {
      throw new TypeError('x is undefined');
    });
    app.use(errorHandler(ctx));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
  });

  for (const path of ['/timeout', '/wrapped']) {
    it(`a NATS timeout (${path}) is 503 with Retry-After`, async () => {
      const r = await fetch(`${url}${path}`);
      assert.equal(r.status, 503);
      assert.equal(r.headers.get('retry-after'), '5');
      assert.match(((await r.json()) as { error: string }).error, /NATS/);
    });
  }

  it('anything else unexpected is still 500', async () => {
    assert.equal((await fetch(`${url}/bug`)).status, 500);
  });
});
