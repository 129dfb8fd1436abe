// Leader election on a Lease, with an in-memory Lease store that enforces resourceVersions exactly as
// the API server does, and an injected clock: one leader among many; a follower takes over only after
// the Lease went unrenewed for a whole lease duration (on its own clock); a leader that cannot renew
// stops leading before that; a released Lease is taken at once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeaderElector, LeaseConflictError, type LeaseRecord, type LeaseStore } from '../../../operator/kube/leader.ts';

class MemoryLeaseStore {
  private record: LeaseRecord | null = null;
  private rv = 0;
  failing = false;
  writes = 0;

  /** The store as one replica sees it (FAIL: its API calls fail, like a partitioned replica). */
  view(o: { fail?: () => boolean } = {}): LeaseStore {
    const check = () => {
      if (o.fail?.()) throw new Error('connection refused');
    };
    return {
      get: async () => {
        check();
        return this.record ? { ...this.record } : null;
      },
      create: async (r) => {
        check();
        if (this.record) throw new LeaseConflictError('exists');
        this.writes++;
        this.record = { ...r, resourceVersion: String(++this.rv) };
        return { ...this.record };
      },
      update: async (r) => {
        check();
        if (!this.record || r.resourceVersion !== this.record.resourceVersion) throw new LeaseConflictError('changed');
        this.writes++;
        this.record = { ...r, resourceVersion: String(++this.rv) };
        return { ...this.record };
      },
    };
  }

  get holder(): string | undefined {
    return this.record?.holder;
  }
  get transitions(): number | undefined {
    return this.record?.transitions;
  }
}

const noTimers = () => () => {};

function elector(store: LeaseStore, identity: string, clock: () => number) {
  const events: string[] = [];
  const e = new LeaderElector(store, {
    identity,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    clock,
    schedule: noTimers,
    onStartedLeading: () => events.push('started'),
    onStoppedLeading: () => events.push('stopped'),
  });
  return { e, events };
}

describe('LeaderElector', () => {
  it('creates the Lease when there is none, and only one of two replicas leads', async () => {
    let now = 1_000;
    const store = new MemoryLeaseStore();
    const a = elector(store.view(), 'a', () => now);
    const b = elector(store.view(), 'b', () => now);
    await a.e.tick();
    await b.e.tick();
    assert.equal(a.e.isLeader(), true);
    assert.equal(b.e.isLeader(), false);
    assert.equal(store.holder, 'a');
    assert.deepEqual(a.events, ['started']);
    // Renewing keeps it; the follower keeps waiting while the Lease changes.
    for (let i = 0; i < 10; i++) {
      now += 5_000;
      await a.e.tick();
      await b.e.tick();
      assert.equal(a.e.isLeader(), true);
      assert.equal(b.e.isLeader(), false);
    }
    assert.equal(b.e.observedHolder(), 'a');
  });

  it('two replicas racing for a free Lease: the resourceVersion lets exactly one win', async () => {
    const now = 0;
    const store = new MemoryLeaseStore();
    const a = elector(store.view(), 'a', () => now);
    const b = elector(store.view(), 'b', () => now);
    // Both read "no Lease", both create: one gets a conflict.
    await Promise.all([a.e.tick(), b.e.tick()]);
    assert.equal([a.e.isLeader(), b.e.isLeader()].filter(Boolean).length, 1);
    assert.equal(store.writes, 1);
  });

  it('a crashed leader (no renewals) is replaced once the Lease has gone unrenewed for its duration', async () => {
    let now = 0;
    const store = new MemoryLeaseStore();
    const a = elector(store.view(), 'a', () => now);
    const b = elector(store.view(), 'b', () => now);
    await a.e.tick();
    await b.e.tick(); // b observes a's Lease at t=0
    // a crashes: it never ticks again. b retries every 2 s.
    let takenAt = -1;
    for (now = 2_000; now <= 30_000; now += 2_000) {
      await b.e.tick();
      if (b.e.isLeader()) {
        takenAt = now;
        break;
      }
    }
    assert.equal(takenAt, 16_000, 'the first retry at or after 15 s');
    assert.equal(store.holder, 'b');
    assert.equal(store.transitions, 1);
    // Once the deadline passed without a renewal, a no longer claims to lead, even without a tick.
    assert.equal(a.e.isLeader(), false);
  });

  it('measures expiry on its own clock from when it last saw the Lease change, not from renewTime', async () => {
    let now = 0;
    const store = new MemoryLeaseStore();
    const a = elector(store.view(), 'a', () => now);
    await a.e.tick();
    // b's clock is far ahead (skew): it must still wait a full lease duration after first seeing the Lease.
    let bNow = 1_000_000;
    const b = elector(store.view(), 'b', () => bNow);
    await b.e.tick();
    assert.equal(b.e.isLeader(), false);
    bNow += 14_000;
    await b.e.tick();
    assert.equal(b.e.isLeader(), false);
    bNow += 1_000;
    await b.e.tick();
    assert.equal(b.e.isLeader(), true);
    now += 1;
  });

  it('a leader that cannot reach the API server stops leading after the renew deadline, before the Lease expires', async () => {
    let now = 0;
    let partitioned = false;
    const store = new MemoryLeaseStore();
    const a = elector(store.view({ fail: () => partitioned }), 'a', () => now);
    await a.e.tick();
    partitioned = true;
    now = 5_000;
    await a.e.tick();
    assert.equal(a.e.isLeader(), true, 'short trouble: still leading');
    now = 10_000;
    await a.e.tick();
    assert.equal(a.e.isLeader(), false);
    assert.deepEqual(a.events, ['started', 'stopped']);
  });

  it('release on shutdown: the Lease is handed back and another replica takes it at once', async () => {
    let now = 0;
    const store = new MemoryLeaseStore();
    const a = elector(store.view(), 'a', () => now);
    const b = elector(store.view(), 'b', () => now);
    await a.e.tick();
    await b.e.tick();
    await a.e.stop();
    assert.equal(store.holder, '');
    assert.equal(a.e.isLeader(), false);
    now += 100;
    await b.e.tick();
    assert.equal(b.e.isLeader(), true);
  });

  it('stop({release: false}) leaves the Lease as a crash would', async () => {
    const store = new MemoryLeaseStore();
    const a = elector(store.view(), 'a', () => 0);
    await a.e.tick();
    await a.e.stop({ release: false });
    assert.equal(store.holder, 'a');
  });

  it('refuses a renew deadline that is not shorter than the lease', () => {
    assert.throws(
      () =>
        new LeaderElector(new MemoryLeaseStore().view(), {
          identity: 'x',
          leaseDurationMs: 10_000,
          renewDeadlineMs: 10_000,
        }),
      /shorter/,
    );
  });
});
