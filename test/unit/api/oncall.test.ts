// GET /api/v1/oncall/{schedule} and /api/v1/schedules/{schedule}/shifts over HTTP.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import pino from 'pino';
import { TokenIndex } from '../../../router/api/auth.ts';
import type { ApiContext } from '../../../router/api/context.ts';
import { errorHandler } from '../../../router/api/middleware.ts';
import { oncallRouter } from '../../../router/api/oncall.ts';
import { ConfigHolder } from '../../../router/config/holder.ts';
import { Metrics } from '../../../router/metrics.ts';
import { responder, restriction, routerConfig, schedule } from '../escalation/fixtures.ts';

describe('on-call API', () => {
  let base = '';
  let server: ReturnType<ReturnType<typeof express>['listen']>;
  const ADMIN = 'admin-token';

  before(async () => {
    const berlin = schedule('berlin', 'Europe/Berlin', {
      start: '2026-03-27T09:00',
      every: '1d',
      members: ['ana', 'ben'],
    });
    const otherBerlin = { ...berlin, key: 'other/berlin', namespace: 'other' };
    const office = schedule('office', 'Etc/UTC', {
      start: '2026-03-02T09:00',
      every: '1w',
      members: ['ana'],
      restrictions: [restriction([1, 2, 3, 4, 5], '09:00', '17:00')],
    });
    const config = routerConfig({
      schedules: [berlin, otherBerlin, office],
      responders: [responder('ana', [['0m', 'email']]), responder('ben', [['0m', 'email']])],
    });
    config.tenants['acme'] = {
      name: 'acme',
      ingestTokenSha256: createHash('sha256').update('tenant-token').digest('hex'),
      statusPage: { viewerTokenSha256: null },
    } as never;
    const holder = new ConfigHolder();
    holder.set(config, 1, 0);
    const tokens = new TokenIndex({
      adminTokenSha256: createHash('sha256').update(ADMIN).digest(),
      sharedTokenSha256: null,
    });
    tokens.rebuild(config);
    const ctx = {
      tokens,
      config: holder,
      clock: () => Date.parse('2026-03-30T08:00:00Z'),
      metrics: new Metrics(),
      log: pino({ level: 'silent' }),
      maxBodyBytes: 1,
    } as unknown as ApiContext;
    const app = express();
    app.set('query parser', 'simple');
    app.use(oncallRouter(ctx));
    app.use(errorHandler(ctx));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
  });
  const get = async (path: string, token = ADMIN) => {
    const res = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('who is on call at a time, with the layer; local times read in the schedule zone', async () => {
    const utc = await get('/api/v1/oncall/msp/berlin?at=2026-03-29T07:05:00Z');
    assert.deepEqual(utc.body, {
      schedule: 'msp/berlin',
      timezone: 'Europe/Berlin',
      at: '2026-03-29T07:05:00.000Z',
      onCall: { responder: 'msp/ana', displayName: 'Ana', layer: 'primary' },
    });
    const local = await get('/api/v1/oncall/msp/berlin?at=2026-03-29T08:55');
    assert.equal((local.body['onCall'] as { responder: string }).responder, 'msp/ben');
    assert.equal(local.body['at'], '2026-03-29T06:55:00.000Z');
  });
  it('defaults to now, and answers null in a gap', async () => {
    const now = await get('/api/v1/oncall/msp/berlin');
    assert.equal(now.body['at'], '2026-03-30T08:00:00.000Z');
    const gap = await get('/api/v1/oncall/office?at=2026-03-07T12:00:00Z');
    assert.equal(gap.status, 200);
    assert.equal(gap.body['onCall'], null);
  });
  it('a bare name must be unique', async () => {
    const r = await get('/api/v1/oncall/berlin');
    assert.equal(r.status, 400);
    assert.match(String(r.body['error']), /ambiguous; name one of: msp\/berlin, other\/berlin/);
    assert.equal((await get('/api/v1/oncall/msp%2Fberlin')).status, 200);
    assert.equal((await get('/api/v1/oncall/msp/nope')).status, 404);
  });
  it('shifts with their layer, across the DST change', async () => {
    const r = await get('/api/v1/schedules/msp/berlin/shifts?from=2026-03-28T00:00&to=2026-03-30T00:00');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body['shifts'], [
      {
        responder: 'msp/ana',
        displayName: 'Ana',
        layer: 'primary',
        start: '2026-03-27T23:00:00.000Z',
        end: '2026-03-28T08:00:00.000Z',
      },
      {
        responder: 'msp/ben',
        displayName: 'Ben',
        layer: 'primary',
        start: '2026-03-28T08:00:00.000Z',
        end: '2026-03-29T07:00:00.000Z',
      },
      {
        responder: 'msp/ana',
        displayName: 'Ana',
        layer: 'primary',
        start: '2026-03-29T07:00:00.000Z',
        end: '2026-03-29T22:00:00.000Z',
      },
    ]);
  });
  it('bad ranges are 400 with the field', async () => {
    const r = await get('/api/v1/schedules/office/shifts?from=2026-03-10T00:00Z&to=2026-03-01T00:00Z');
    assert.equal(r.status, 400);
    assert.deepEqual(r.body['details'], { field: 'to' });
    assert.equal(
      (await get('/api/v1/schedules/office/shifts?from=2026-01-01T00:00Z&to=2026-12-01T00:00Z')).status,
      400,
    );
    assert.equal((await get('/api/v1/oncall/office?at=yesterday')).status, 400);
  });
  it('admin only: a tenant token is forbidden, no token is 401', async () => {
    assert.equal((await get('/api/v1/oncall/office', 'tenant-token')).status, 403);
    assert.equal((await fetch(`${base}/api/v1/schedules/office/shifts`)).status, 401);
  });
});
