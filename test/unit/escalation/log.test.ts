// The notification log against a real nats-server: one claimer wins, leases expire, settled stays settled.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { LEASE_MS, NotificationLog } from '../../../router/escalation/log.ts';
import { NatsServer } from '../../harness/nats.ts';

describe('notification log', () => {
  let nats: NatsServer;
  let ncA: NatsConnection;
  let ncB: NatsConnection;
  let a: NotificationLog;
  let b: NotificationLog;
  const NOW = 1_772_618_400_000;

  before(async () => {
    nats = await NatsServer.start();
    ncA = await connect({ servers: nats.url });
    ncB = await connect({ servers: nats.url });
    // Two replicas opening the bucket at once: creation is idempotent.
    [a, b] = await Promise.all([NotificationLog.open(ncA), NotificationLog.open(ncB)]);
  });
  after(async () => {
    await ncA.close();
    await ncB.close();
    await nats.close();
  });

  it('two replicas racing for the same keys: exactly one wins each', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `n.race.0.${i}.channel/msp/noc.-`);
    const results = await Promise.all(
      keys.flatMap((k) => [
        a.claim(k, 'replica-a', NOW).then((r) => ({ k, r })),
        b.claim(k, 'replica-b', NOW).then((r) => ({ k, r })),
      ]),
    );
    for (const k of keys) {
      const mine = results.filter((x) => x.k === k);
      assert.equal(mine.filter((x) => x.r.won).length, 1, k);
      const loser = mine.find((x) => !x.r.won)?.r;
      assert.equal(loser && !loser.won && loser.reason, 'busy');
    }
  });

  it('a settled notification is never claimed again, even after the lease', async () => {
    const k = 'n.settled.0.0.channel/msp/noc.-';
    assert.equal((await a.claim(k, 'replica-a', NOW)).won, true);
    assert.equal(await a.markSent(k, { state: 'sent', outcome: 'sent', ref: 'SM1' }, NOW + 1), true);
    const again = await b.claim(k, 'replica-b', NOW + 10 * LEASE_MS);
    assert.equal(again.won, false);
    assert.equal(!again.won && again.reason, 'settled');
    assert.equal(again.record.ref, 'SM1');
  });

  it('a claim whose owner died is taken over after the lease, by one replica only', async () => {
    const k = 'n.crashed.0.0.responder/msp/anna.sms=40300000';
    assert.equal((await a.claim(k, 'replica-a', NOW)).won, true);
    // replica-a dies. Within the lease nobody may take over.
    const early = await b.claim(k, 'replica-b', NOW + LEASE_MS - 1);
    assert.equal(!early.won && early.reason, 'busy');
    // After it, two survivors race: one wins, and the record says it was claimed twice.
    const late = NOW + LEASE_MS;
    const [x, y] = await Promise.all([b.claim(k, 'replica-b', late), a.claim(k, 'replica-c', late)]);
    assert.equal([x, y].filter((r) => r.won).length, 1);
    const winner = [x, y].find((r) => r.won);
    assert.equal(winner?.record.claims, 2);
  });

  it('the first settlement wins', async () => {
    const k = 'n.twice.0.0.channel/msp/noc.-';
    await a.claim(k, 'replica-a', NOW);
    assert.equal(await a.markSent(k, { state: 'failed', outcome: 'Slack answered 404' }, NOW + 1), true);
    assert.equal(await b.markSent(k, { state: 'sent', outcome: 'sent' }, NOW + 2), false);
    assert.equal((await a.get(k))?.record.state, 'failed');
  });

  it('a slow owner settling after its lease was taken over: its write at the old revision fails, and it reads before deciding', async () => {
    const k = 'n.slow.0.0.responder/msp/jonas.sms=10000';
    assert.equal((await a.claim(k, 'replica-a', NOW)).won, true);
    const taken = await b.claim(k, 'replica-b', NOW + LEASE_MS);
    assert.equal(taken.won, true);
    // replica-a's provider did accept: its record settles the key (replica-b's claim is still only a claim).
    assert.equal(await a.markSent(k, { state: 'sent', outcome: 'sent', ref: 'late' }, NOW + LEASE_MS + 1), true);
    const rec = (await b.get(k))?.record;
    assert.equal(rec?.state, 'sent');
    assert.equal(rec?.ref, 'late');
    assert.equal(rec?.claims, 2, 'the record keeps that the lease expired once');
    // replica-b then finds it settled and records nothing over it.
    assert.equal(await b.markSent(k, { state: 'sent', outcome: 'sent', ref: 'again' }, NOW + LEASE_MS + 2), false);
    assert.equal((await a.get(k))?.record.ref, 'late');
  });

  it('claiming a key that exists (created first, then read): settled stays settled, a live claim stays busy', async () => {
    const k = 'n.exists.0.0.channel/msp/noc.-';
    assert.equal((await a.claim(k, 'replica-a', NOW)).won, true);
    const busy = await b.claim(k, 'replica-b', NOW + 1);
    assert.equal(!busy.won && busy.reason, 'busy');
    assert.equal(!busy.won && busy.record.owner, 'replica-a');
    await a.markSent(k, { state: 'sent', outcome: 'sent' }, NOW + 2);
    const settled = await b.claim(k, 'replica-b', NOW + 3);
    assert.equal(!settled.won && settled.reason, 'settled');
  });

  it('putOnce keeps the first value (ticket references)', async () => {
    assert.deepEqual(await a.putOnce('t.inc.msp/sn', { ref: 'A' }), { ref: 'A' });
    assert.deepEqual(await b.putOnce('t.inc.msp/sn', { ref: 'B' }), { ref: 'A' });
  });
});
