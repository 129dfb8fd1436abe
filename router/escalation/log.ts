// The notification log: one record per notification (and per ticket and ticket update) in the KV bucket
// sb-notifications, so that any number of replicas, restarted at any moment, send each notification once.
//
// Protocol, per notification key:
//   claim     KV create of {state: claimed, owner, leaseUntil}: of replicas racing for a key only one
//             create succeeds. A claim whose lease has expired (its owner died) is taken over by a
//             compare-and-set on the revision read, so again only one replica wins.
//   send      the winner calls the provider (with retries, all within the lease).
//   markSent  the record becomes {state: sent | failed | reported, outcome}: settled for good.
//
// Exactly once, and the one window where it is at least once: a replica that dies after the provider
// accepted the message but before markSent is written leaves a claim that expires after LEASE_MS; the
// next wake-up then sends that notification again, once (the new claim is again exclusive). A replica
// that dies before the provider accepted causes one late send, not two. Nothing else re-sends: a settled
// record is never claimed again, and a live claim is never taken over. The sender keeps every attempt
// within the lease (see `sendDeadline`), so a slow but living owner cannot be overtaken.

import { StorageType } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { openBucket } from '../bus/buckets.ts';
import { retryTransient } from '../bus/retry.ts';

export const NOTIFICATIONS_BUCKET = 'sb-notifications';
/**
 * How long a claim is exclusive, by default. Longer than the whole retry budget of a send (see
 * `sendDeadline`). `SWITCHBOARD_NOTIFY_LEASE_MS` changes it (crash tests use a few seconds).
 */
export const LEASE_MS = 120_000;
/**
 * Margin between the last send attempt's end and the lease's end, for clock skew and the markSent write;
 * a quarter of the lease when the lease is shorter than a minute.
 */
export const LEASE_MARGIN_MS = 15_000;
/** Records are kept this long: far longer than any escalation (rounds x cycle + rule offsets). */
export const DEFAULT_RETENTION_MS = 90 * 86_400_000;

export type SettledState = 'sent' | 'failed' | 'reported';

export interface LogRecord {
  state: 'claimed' | SettledState;
  owner: string;
  claimedAt: number;
  leaseUntil: number;
  /** How many times it was claimed: more than 1 means a lease expired (a possible re-send). */
  claims: number;
  /** Settled records: what happened (`sent`, an error message, `nobody-on-call`, ...). */
  outcome?: string;
  /** Provider reference (a ticket id, a Twilio sid, ...). */
  ref?: string;
  settledAt?: number;
}

export type ClaimResult =
  | { won: true; record: LogRecord; revision: number }
  | { won: false; reason: 'settled' | 'busy'; record: LogRecord };

export interface NotificationLogOptions {
  replicas?: number;
  retentionMs?: number;
  /** How long a claim is exclusive (default LEASE_MS). */
  leaseMs?: number;
}

function isConflict(e: unknown): boolean {
  return /wrong last sequence|key exists|10071/i.test((e as Error)?.message ?? '');
}

/** The margin kept free at the end of a lease of `leaseMs`. */
export function leaseMargin(leaseMs: number): number {
  return Math.min(LEASE_MARGIN_MS, Math.floor(leaseMs / 4));
}

/** The last moment a sender may still be working on a claim it took at `claimedAt`. */
export function sendDeadline(claimedAt: number, leaseMs: number = LEASE_MS): number {
  return claimedAt + leaseMs - leaseMargin(leaseMs);
}

export class NotificationLog {
  /**
   * Claims this process won and has not settled yet, with the revision it wrote: settling one writes at
   * once instead of reading it back first (one request less per notification).
   */
  private readonly won = new Map<string, { record: LogRecord; revision: number }>();

  constructor(
    private readonly kv: KV,
    /** How long a claim is exclusive. */
    readonly leaseMs: number = LEASE_MS,
  ) {}

  /** The last moment a sender may still be working on a claim it took at `claimedAt`. */
  sendDeadline(claimedAt: number): number {
    return sendDeadline(claimedAt, this.leaseMs);
  }

  /** Creates the bucket if needed (idempotent: an existing bucket is bound as it is). */
  static async open(nc: NatsConnection, opts: NotificationLogOptions = {}): Promise<NotificationLog> {
    const kv = await openBucket(nc, NOTIFICATIONS_BUCKET, {
      history: 1,
      replicas: opts.replicas ?? 1,
      ttl: opts.retentionMs ?? DEFAULT_RETENTION_MS,
      storage: StorageType.File,
    });
    return new NotificationLog(kv, opts.leaseMs ?? LEASE_MS);
  }

  async get(key: string): Promise<{ record: LogRecord; revision: number } | null> {
    const e = await this.kv.get(key);
    if (e?.operation !== 'PUT' || e.value.length === 0) return null;
    return { record: e.json<LogRecord>(), revision: e.revision };
  }

  /** Claims `key` for `owner`; see the file comment. */
  async claim(key: string, owner: string, now: number): Promise<ClaimResult> {
    const fresh = (claims: number): LogRecord => ({
      state: 'claimed',
      owner,
      claimedAt: now,
      leaseUntil: now + this.leaseMs,
      claims,
    });
    const won = (record: LogRecord, revision: number): ClaimResult => {
      // Only a bug leaves claims unsettled in numbers; the map must not grow with them.
      if (this.won.size >= 10_000) this.won.clear();
      this.won.set(key, { record, revision });
      return { won: true, record, revision };
    };
    // Most keys are new: create first (one request), and read only when it exists already.
    let exists = false;
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = exists ? await this.get(key) : null;
      try {
        if (!cur) {
          const record = fresh(1);
          return won(record, await this.kv.create(key, JSON.stringify(record)));
        }
        if (cur.record.state !== 'claimed') return { won: false, reason: 'settled', record: cur.record };
        if (cur.record.leaseUntil > now) return { won: false, reason: 'busy', record: cur.record };
        const record = fresh(cur.record.claims + 1);
        return won(record, await this.kv.update(key, JSON.stringify(record), cur.revision));
      } catch (e) {
        // It exists, or someone else created or took it over between our read and write: read and decide.
        if (!isConflict(e)) throw e;
        exists = true;
      }
    }
    const cur = await this.get(key);
    if (!cur) throw new Error(`notification log: ${key} keeps changing`);
    return { won: false, reason: cur.record.state === 'claimed' ? 'busy' : 'settled', record: cur.record };
  }

  /**
   * Settles a claimed record. The first settlement wins: if the record was settled meanwhile (a
   * replica that took over an expired lease finished first), it is left as it is and false is returned.
   */
  async markSent(
    key: string,
    outcome: { state: SettledState; outcome: string; ref?: string },
    now: number,
  ): Promise<boolean> {
    const settled = (record: LogRecord): LogRecord => ({
      ...record,
      state: outcome.state,
      outcome: outcome.outcome,
      ...(outcome.ref !== undefined ? { ref: outcome.ref } : {}),
      settledAt: now,
    });
    // The claim this process wrote: settle it at that revision. A conflict means it changed meanwhile (a
    // replica took the expired lease over): read it and decide below.
    const mine = this.won.get(key);
    this.won.delete(key);
    if (mine) {
      try {
        await retryTransient(() => this.kv.update(key, JSON.stringify(settled(mine.record)), mine.revision));
        return true;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    for (let attempt = 0; attempt < 10; attempt++) {
      // A NATS leader election right after a send must not lose its record: an unrecorded send is re-sent
      // once its claim expires (the cluster test's NATS-node kill found that), so transient failures wait.
      const cur = await retryTransient(() => this.get(key));
      if (!cur) throw new Error(`notification log: ${key} was never claimed`);
      if (cur.record.state !== 'claimed') return false;
      try {
        await retryTransient(() => this.kv.update(key, JSON.stringify(settled(cur.record)), cur.revision));
        return true;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    throw new Error(`notification log: ${key} keeps changing`);
  }

  /** Stores a value under a key once (first writer wins); returns the stored value. For ticket refs. */
  async putOnce<T>(key: string, value: T): Promise<T> {
    try {
      await this.kv.create(key, JSON.stringify(value));
      return value;
    } catch (e) {
      if (!isConflict(e)) throw e;
      const e2 = await this.kv.get(key);
      if (!e2) throw new Error(`notification log: ${key} vanished`);
      return e2.json<T>();
    }
  }

  /** Keys matching a NATS wildcard filter (e.g. every page of one incident to one channel). */
  async keys(filter: string): Promise<string[]> {
    const out: string[] = [];
    for await (const k of await this.kv.keys(filter)) out.push(k);
    return out;
  }

  async read<T>(key: string): Promise<T | null> {
    const e = await this.kv.get(key);
    if (e?.operation !== 'PUT' || e.value.length === 0) return null;
    return e.json<T>();
  }
}
