// Which replica applies which partition of the alerts stream, without a coordinator of our own: membership
// and leases in the KV bucket sb-partitions, written by compare-and-set with per-key TTLs, so they expire
// on the NATS server's clock when their holder stops renewing them.
//
//   member.<id>       every processing replica, renewed every RENEW_MS; gone TTL_MS after its replica died
//   lease.<consumer>  the replica applying a partition (router/pipeline/partitions.ts), renewed likewise
//
// Every replica runs the same loop: renew its member key; compute the assignment of the partitions to the
// live members (rendezvous hashing with bounded loads, so every replica computes the same from the same
// members); renew its leases; give back partitions assigned to another member; take partitions assigned
// to it whose lease is free. A lease is taken with a create (or a compare-and-set on the marker an expiry
// or release left), so two replicas can never both take one; it is renewed by compare-and-set, so a holder
// whose lease expired and was taken learns it at its next renewal.
//
// Giving back is graceful: the holder stops fetching, applies and acknowledges what it has fetched, and
// only then deletes the lease, so the next holder starts exactly where it left off. A holder that cannot
// renew (NATS unreachable) stops on its own before the server can expire its lease: it counts its lease
// from the moment it sent the last successful renewal, which is before the server stamped it. A replica
// that died leaves its lease to expire (TTL_MS); its unacknowledged alerts are redelivered to the next
// holder before any later alert (router/pipeline/consumer.ts waits out their ack wait).
import { hostname } from 'node:os';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Logger } from '../log.ts';
import { assign, type Partition } from './partitions.ts';

export interface LeaseTimings {
  /** How often members and leases are renewed (and the assignment recomputed). */
  renewMs: number;
  /** How long a member or lease lives without renewal. */
  ttlMs: number;
  /** How often the partitions (the stream's layout and its consumers) are read again. */
  discoverMs: number;
}

export const DEFAULT_LEASE_TIMINGS: LeaseTimings = { renewMs: 1_000, ttlMs: 8_000, discoverMs: 5_000 };

/** The part of a lease a holder does not count on: renewal round trip and timer slack. */
const SAFETY_MS = 1_500;

/** What the leases drive: the partition workers (router/pipeline/consumer.ts). */
export interface PartitionOwner {
  /** This replica holds the partition now: start applying it. */
  take(p: Partition): void;
  /**
   * Stop applying it. `release`: apply and acknowledge what was fetched first (the lease is deleted once
   * this resolves). `lost`: the lease is gone, stop at once and hand back what is unapplied.
   */
  give(p: Partition, how: 'release' | 'lost'): Promise<void>;
  /** A drained partition of an earlier layout whose consumer was deleted: its lease can go. */
  finished(p: Partition): boolean;
}

interface Held {
  partition: Partition;
  revision: number;
  /** Monotonic time until which this replica may count on the lease. */
  validUntil: number;
  /** running; giving: its worker is stopping; deleting: stopped, the lease is being deleted. */
  state: 'running' | 'giving' | 'deleting';
  renewing: Promise<void> | null;
}

interface Cached {
  revision: number;
  live: boolean;
}

const encoder = new TextEncoder();

/** A KV key token from a host name and pid: letters, digits, dash and underscore only. */
export function memberId(host = hostname(), pid = process.pid): string {
  const rand = Math.random().toString(36).slice(2, 8);
  return `${host.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60)}-${pid}-${rand}`;
}

function isConflict(e: unknown): boolean {
  return /wrong last sequence|key exists|10071/i.test((e as Error)?.message ?? '');
}

export class PartitionLeases {
  readonly id = memberId();
  private readonly cache = new Map<string, Cached>();
  private readonly held = new Map<string, Held>();
  private partitions: Partition[] = [];
  private discoveredAt = Number.NEGATIVE_INFINITY;
  private memberValidUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private again = false;
  private closing = false;
  private watch: { stop(): void } | null = null;
  private bucket = '';
  private readonly t: LeaseTimings;

  constructor(
    private readonly kv: KV,
    private readonly js: JetStreamClient,
    private readonly owner: PartitionOwner,
    private readonly discover: () => Promise<Partition[]>,
    private readonly log: Logger,
    timings: Partial<LeaseTimings> = {},
    private readonly onChange: (held: number) => void = () => {},
  ) {
    this.t = { ...DEFAULT_LEASE_TIMINGS, ...timings };
  }

  /** The partitions this replica holds now (for metrics and tests). */
  holding(): string[] {
    return [...this.held.keys()].sort();
  }

  async start(): Promise<void> {
    const iter = await this.kv.watch({ key: '>' });
    this.watch = iter;
    let loaded!: () => void;
    const ready = new Promise<void>((r) => {
      loaded = r;
    });
    const status = await this.kv.status();
    this.bucket = status.bucket;
    if (status.values === 0) loaded();
    void (async () => {
      for await (const e of iter as AsyncIterable<KvWatchEntry>) {
        const live = e.operation === 'PUT';
        const was = this.cache.get(e.key)?.live;
        this.seen(e.key, e.revision, live);
        if (e.isUpdate || e.delta === 0) loaded();
        // A member came or went, or a lease was given back or expired: act on it now, not at the next round.
        if (e.isUpdate && (e.key.startsWith('member.') ? was !== live : was === true && !live)) this.kick();
      }
    })().catch((err) => this.log.warn({ err }, 'partition lease watch ended'));
    await ready;
    this.kick();
    this.timer = setInterval(() => this.kick(), this.t.renewMs);
  }

  /** Gives every partition back (gracefully), then leaves the membership. */
  async stop(timeoutMs = 20_000): Promise<void> {
    this.closing = true;
    // Leaving first: the others assign this replica's partitions among themselves at once, and take each
    // as soon as its lease is deleted here. (After the round in progress, which may be renewing the key.)
    await this.ticking;
    await this.kv.delete(this.memberKey()).catch(() => undefined);
    // The loop keeps renewing the leases being given back, and deletes each once its worker has stopped.
    this.kick();
    const deadline = performance.now() + timeoutMs;
    while (this.held.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    for (const [name, h] of this.held) {
      await this.owner.give(h.partition, 'lost');
      this.held.delete(name);
    }
    this.watch?.stop();
    this.onChange(0);
  }

  /** Runs a round now, or right after the one running. */
  private kick(): void {
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((err) => this.log.warn({ err }, 'partition lease round failed'))
      .finally(() => {
        this.ticking = null;
        if (this.again && this.timer) {
          this.again = false;
          this.kick();
        }
      });
  }

  private memberKey(id = this.id): string {
    return `member.${id}`;
  }

  private seen(key: string, revision: number, live: boolean): void {
    const cur = this.cache.get(key);
    if (!cur || cur.revision < revision) this.cache.set(key, { revision, live });
  }

  /** Members whose key is present (not expired); this replica while it can count on its own key. */
  private liveMembers(now: number): string[] {
    const out: string[] = [];
    for (const [key, c] of this.cache) {
      const id = key.slice('member.'.length);
      if (c.live && key.startsWith('member.') && id !== this.id) out.push(id);
    }
    if (!this.closing && now < this.memberValidUntil) out.push(this.id);
    return out;
  }

  /**
   * Publishes `key` with a TTL; with `revision`, only if the key is still at it (0: absent). Resolves to the
   * new revision.
   */
  private async put(key: string, value: object, revision?: number): Promise<number> {
    const pa = await this.js.publish(`$KV.${this.bucket}.${key}`, encoder.encode(JSON.stringify(value)), {
      ...(revision === undefined ? {} : { expect: { lastSubjectSequence: revision } }),
      ttl: `${Math.ceil(this.t.ttlMs / 1000)}s`,
      timeout: Math.max(500, this.t.renewMs * 2),
    });
    this.seen(key, pa.seq, true);
    return pa.seq;
  }

  private async tick(): Promise<void> {
    const sent = performance.now();
    if (!this.closing) {
      try {
        // Only this replica writes its member key: no compare-and-set needed.
        await this.put(this.memberKey(), { id: this.id, host: hostname(), pid: process.pid });
        this.memberValidUntil = sent + this.t.ttlMs - SAFETY_MS;
      } catch (err) {
        this.log.debug({ err }, 'renewing the membership failed');
      }
    }
    const now = performance.now();
    if (now - this.discoveredAt >= this.t.discoverMs) {
      try {
        this.partitions = await this.discover();
        this.discoveredAt = now;
      } catch (err) {
        this.log.debug({ err }, 'reading the alerts partitions failed');
      }
    }
    const byName = new Map(this.partitions.filter((p) => !this.owner.finished(p)).map((p) => [p.consumer, p] as const));
    const plan = this.closing
      ? new Map<string, string>()
      : assign([...byName.keys()], this.liveMembers(performance.now()));

    // Renew what is held (also what is being given back); give back what belongs elsewhere now.
    await Promise.all(
      [...this.held.values()].map(async (h) => {
        const name = h.partition.consumer;
        if (h.state === 'running' && plan.get(name) !== this.id) {
          h.state = 'giving';
          void this.give(h);
        }
        if (h.state === 'deleting') return;
        h.renewing = this.renew(h);
        await h.renewing;
        h.renewing = null;
      }),
    );

    // Take what is assigned here and free (never held, given back, or expired on the server).
    if (this.closing) return;
    for (const [name, member] of plan) {
      if (member !== this.id || this.held.has(name)) continue;
      const key = `lease.${name}`;
      const c = this.cache.get(key);
      if (c?.live) continue;
      try {
        const at = performance.now();
        const revision = await this.put(key, { owner: this.id }, c?.revision ?? 0);
        const partition = byName.get(name) as Partition;
        const h: Held = {
          partition,
          revision,
          validUntil: at + this.t.ttlMs - SAFETY_MS,
          state: 'running',
          renewing: null,
        };
        this.held.set(name, h);
        this.onChange(this.held.size);
        this.log.info({ partition: name }, 'took partition');
        this.owner.take(partition);
      } catch (err) {
        if (!isConflict(err)) this.log.debug({ err, partition: name }, 'taking a partition failed');
      }
    }
  }

  private async renew(h: Held): Promise<void> {
    const name = h.partition.consumer;
    try {
      const at = performance.now();
      h.revision = await this.put(`lease.${name}`, { owner: this.id }, h.revision);
      h.validUntil = at + this.t.ttlMs - SAFETY_MS;
    } catch (err) {
      if (!isConflict(err) && performance.now() < h.validUntil) return;
      // Taken by another replica after it expired, or about to expire while NATS does not answer.
      this.log.warn({ partition: name, err }, 'partition lease lost; stopping that partition');
      this.held.delete(name);
      this.onChange(this.held.size);
      await this.owner.give(h.partition, 'lost');
    }
  }

  /** Gives a partition back gracefully, then deletes its lease (if it is still ours). */
  private async give(h: Held): Promise<void> {
    const name = h.partition.consumer;
    try {
      await this.owner.give(h.partition, 'release');
    } catch (err) {
      this.log.warn({ err, partition: name }, 'stopping a partition failed');
    }
    if (this.held.get(name) !== h) return;
    h.state = 'deleting';
    await h.renewing;
    if (this.held.get(name) !== h) return;
    try {
      await this.kv.delete(`lease.${name}`, { previousSeq: h.revision });
    } catch (err) {
      // Expired or taken meanwhile: nothing of ours to delete.
      if (!isConflict(err)) this.log.debug({ err, partition: name }, 'deleting a partition lease failed');
    }
    this.held.delete(name);
    this.onChange(this.held.size);
    // A drained partition of an earlier layout is gone for good: read the layout again at the next round.
    if (h.partition.drain) this.discoveredAt = Number.NEGATIVE_INFINITY;
    this.log.info({ partition: name }, 'gave partition back');
  }
}
