// Signed acknowledge links and the /ack pages: GET shows, only POST acknowledges.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { ackRouter } from '../../../router/api/ack.ts';
import type { RouterConfig } from '../../../router/config/compiled.ts';
import type { Incident } from '../../../router/incidents/model.ts';
import { AckLinks, signAckToken, verifyAckToken } from '../../../router/notify/ack-link.ts';

const KEY = 'k'.repeat(40);
const NOW = Date.parse('2026-03-04T10:00:00Z');
const HOUR = 3_600_000;

describe('ack tokens', () => {
  const token = signAckToken({ incidentId: 'inc1', tenant: 'acme', exp: NOW + HOUR, responder: 'msp/anna' }, KEY);
  it('a valid token verifies and carries its payload', () => {
    assert.deepEqual(verifyAckToken(token, KEY, NOW), {
      ok: true,
      payload: { incidentId: 'inc1', tenant: 'acme', exp: NOW + HOUR, responder: 'msp/anna' },
    });
  });
  it('a changed payload, a changed signature, another key or garbage are refused', () => {
    const [body, sig] = token.split('.') as [string, string];
    const other = Buffer.from(JSON.stringify({ i: 'inc2', t: 'acme', e: NOW + HOUR })).toString('base64url');
    assert.deepEqual(verifyAckToken(`${other}.${sig}`, KEY, NOW), { ok: false, reason: 'bad-signature' });
    const flipped = `${sig.slice(0, -2)}${sig.at(-2) === 'A' ? 'B' : 'A'}${sig.at(-1)}`;
    assert.deepEqual(verifyAckToken(`${body}.${flipped}`, KEY, NOW), { ok: false, reason: 'bad-signature' });
    assert.deepEqual(verifyAckToken(`${body}.${sig.slice(0, 10)}`, KEY, NOW), { ok: false, reason: 'bad-signature' });
    assert.deepEqual(verifyAckToken(token, 'x'.repeat(40), NOW), { ok: false, reason: 'bad-signature' });
    assert.deepEqual(verifyAckToken('not-a-token', KEY, NOW), { ok: false, reason: 'malformed' });
  });
  it('expires', () => {
    assert.equal(verifyAckToken(token, KEY, NOW + HOUR - 1).ok, true);
    assert.deepEqual(verifyAckToken(token, KEY, NOW + HOUR).ok, false);
    const v = verifyAckToken(token, KEY, NOW + HOUR);
    assert.equal(!v.ok && v.reason, 'expired');
  });
  it('AckLinks builds URLs under the public URL, valid for the TTL', () => {
    const links = new AckLinks('https://switchboard.msp.example/', KEY, 2 * HOUR);
    const url = links.url('inc1', 'acme', NOW);
    assert.match(url, /^https:\/\/switchboard\.msp\.example\/ack\/[\w-]+\.[\w-]+$/);
    const v = verifyAckToken(url.split('/ack/')[1] ?? '', KEY, NOW + HOUR);
    assert.equal(v.ok && v.payload.exp, NOW + 2 * HOUR);
    assert.throws(() => new AckLinks('https://x', 'short', HOUR), /at least 32/);
  });
});

describe('GET/POST /ack/{token}', () => {
  let base = '';
  let server: ReturnType<ReturnType<typeof express>['listen']>;
  const now = NOW;
  const incidents = new Map<string, Incident>();
  const acks: { tenant: string; id: string; by: string }[] = [];
  const incident = (id: string, status: Incident['status'] = 'triggered'): Incident =>
    ({
      id,
      tenant: 'acme',
      groupKey: 'g',
      groupLabels: {},
      title: 'db01 <disk> full',
      severity: 'critical',
      status,
      policy: 'msp/p',
      openedAt: '2026-03-04T09:55:00.000Z',
      startsAt: '2026-03-04T09:55:00.000Z',
      acknowledgedAt: status === 'triggered' ? null : '2026-03-04T09:58:00.000Z',
      acknowledgedBy: status === 'triggered' ? null : 'Jonas',
      resolvedAt: null,
      resolvedBy: null,
      updatedAt: '2026-03-04T09:55:00.000Z',
    }) as Incident;
  const config = {
    tenants: { acme: { displayName: 'ACME Manufacturing' } },
    responders: { 'msp/anna': { displayName: 'Anna Becker' } },
  } as unknown as RouterConfig;

  before(async () => {
    const app = express();
    app.use(
      ackRouter(
        {
          store: { incident: (id) => incidents.get(id) },
          config: { get: () => ({ config, revision: 1, appliedAt: 0 }) },
          clock: () => now,
        },
        {
          signingKey: KEY,
          acknowledge: async (tenant, id, by) => {
            acks.push({ tenant, id, by });
            const i = incidents.get(id);
            if (!i) return { error: 'not found' };
            const acked = {
              ...i,
              status: 'acknowledged' as const,
              acknowledgedBy: by,
              acknowledgedAt: new Date(now).toISOString(),
            };
            incidents.set(id, acked);
            return acked;
          },
        },
      ),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
  });
  const link = (id: string, exp = NOW + HOUR, tenant = 'acme') =>
    `${base}/ack/${signAckToken({ incidentId: id, tenant, exp, responder: 'msp/anna' }, KEY)}`;

  it('GET shows a confirmation page with a POST form and does not acknowledge', async () => {
    incidents.set('inc1', incident('inc1'));
    const res = await fetch(link('inc1'));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    const html = await res.text();
    assert.match(html, /<form method="post"><button type="submit">Acknowledge<\/button><\/form>/);
    assert.match(html, /db01 &lt;disk&gt; full/);
    assert.match(html, /name="viewport"/);
    assert.doesNotMatch(html, /<(script|link|img)\b/);
    assert.equal(acks.length, 0);
    assert.equal(incidents.get('inc1')?.status, 'triggered');
  });
  it('POST acknowledges, naming the responder the link was sent to', async () => {
    const res = await fetch(link('inc1'), { method: 'POST' });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Acknowledged/);
    assert.deepEqual(acks, [{ tenant: 'acme', id: 'inc1', by: 'Anna Becker (acknowledge link)' }]);
    // Again: already acknowledged, nothing more is done.
    const again = await fetch(link('inc1'), { method: 'POST' });
    assert.match(await again.text(), /Already acknowledged/);
    assert.equal(acks.length, 1);
  });
  it('a tampered link is refused with 400 and a clear page, on GET and POST', async () => {
    incidents.set('inc2', incident('inc2'));
    const good = link('inc2');
    // Change one character of the payload (the part before the signature).
    const at = good.indexOf('/ack/') + 10;
    const tampered = `${good.slice(0, at)}${good[at] === 'A' ? 'B' : 'A'}${good.slice(at + 1)}`;
    for (const method of ['GET', 'POST']) {
      const res = await fetch(tampered, { method });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /This link is not valid/);
    }
    assert.equal(acks.length, 1);
  });
  it('an expired link is refused with 410', async () => {
    const res = await fetch(link('inc2', NOW - 1), { method: 'POST' });
    assert.equal(res.status, 410);
    assert.match(await res.text(), /This link has expired/);
    assert.equal(acks.length, 1);
  });
  it("a link for another tenant's incident id finds nothing", async () => {
    const res = await fetch(link('inc2', NOW + HOUR, 'globex'));
    assert.equal(res.status, 404);
  });
});

describe('ack tokens: canonical signatures and payload shape (security review L1, L5)', () => {
  const token = signAckToken({ incidentId: 'inc1', tenant: 'acme', exp: NOW + HOUR }, KEY);
  it('only the canonical base64url encoding of the signature verifies', () => {
    const [body, sig] = token.split('.') as [string, string];
    // 32 bytes = 43 base64url characters; the last one carries 2 unused bits, so 4 spellings decode alike.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(sig.at(-1) as string);
    const variants = [0, 1, 2, 3]
      .map((bits) => `${sig.slice(0, -1)}${alphabet[(last & ~3) | bits]}`)
      .filter((s) => s !== sig);
    assert.equal(variants.length, 3);
    for (const v of variants) {
      assert.deepEqual(Buffer.from(v, 'base64url'), Buffer.from(sig, 'base64url'), 'same bytes, other spelling');
      assert.equal(verifyAckToken(`${body}.${v}`, KEY, NOW).ok, false, v);
    }
    assert.equal(verifyAckToken(`${body}.${sig}=`, KEY, NOW).ok, false, 'padding is not canonical');
    assert.equal(verifyAckToken(token, KEY, NOW).ok, true);
  });
  for (const json of ['null', '1', '"x"', '[]', 'true']) {
    it(`a correctly signed ${json} payload is malformed, not a crash`, () => {
      const body = Buffer.from(json).toString('base64url');
      const sig = createHmac('sha256', KEY).update(body).digest('base64url');
      assert.deepEqual(verifyAckToken(`${body}.${sig}`, KEY, NOW), { ok: false, reason: 'malformed' });
    });
  }
});
