// Silences in the KV bucket `sb-silences`, one key per silence (`<tenant>.<id>`), shared by every router
// replica and kept across restarts. Expired silences are never deleted: expiry rewrites endsAt (and who
// expired it), so the bucket is the audit trail of who muted what, when and why. Writes are
// compare-and-set; reads come from a local cache kept current by a KV watch, so building the muter and
// listing need no round trip.
import { randomUUID } from 'node:crypto';
import { StorageType } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { openBucket } from '../bus/buckets.ts';
import { expireSilence, type Silence, type SilenceState, silenceState } from './silence.ts';

export const SILENCES_BUCKET = 'sb-silences';

export const silenceKey = (tenant: string, id: string) => `${tenant}.${id}`;

export type NewSilence = Pick<Silence, 'tenant' | 'matchers' | 'startsAt' | 'endsAt' | 'createdBy' | 'comment'>;

/**
 * Creates the bucket or binds to it if it exists (idempotent, like router/bus/setup.ts). A little history
 * keeps the version before an expiry next to the current one.
 */
export async function openSilencesBucket(nc: NatsConnection, replicas = 1): Promise<KV> {
  return openBucket(nc, SILENCES_BUCKET, { history: 5, replicas, storage: StorageType.File });
}

function isConflict(e: unknown): boolean {
  return /wrong last sequence|key exists|10071/i.test((e as Error)?.message ?? '');
}

const decoder = new TextDecoder();

export class SilenceStore {
  private readonly byId = new Map<string, { silence: Silence; revision: number }>();
  private readonly listeners: ((s: Silence) => void)[] = [];
  private stopWatch: (() => void) | null = null;

  constructor(
    private readonly kv: KV,
    private readonly log: Logger,
  ) {}

  /** Loads every silence and follows changes (also other replicas'); resolves once loaded. */
  async start(): Promise<void> {
    if (this.stopWatch) return;
    let loaded!: () => void;
    const ready = new Promise<void>((r) => {
      loaded = r;
    });
    if ((await this.kv.status()).values === 0) loaded();
    const iter = await this.kv.watch({ key: '>' });
    this.stopWatch = () => iter.stop();
    void (async () => {
      for await (const e of iter) {
        if (e.operation === 'PUT' && e.value.length > 0) this.apply(decoder.decode(e.value), e.revision);
        if (e.isUpdate || e.delta === 0) loaded();
      }
    })().catch((err) => this.log.error({ err }, 'silence watch ended'));
    await ready;
  }

  stop(): void {
    this.stopWatch?.();
    this.stopWatch = null;
  }

  /** Called with every silence created or changed, by this replica or another (to rebuild the muter and re-check). */
  onChange(listener: (s: Silence) => void): void {
    this.listeners.push(listener);
  }

  private apply(text: string, revision: number): Silence | null {
    const silence = JSON.parse(text) as Silence;
    const cur = this.byId.get(silence.id);
    if (cur && cur.revision >= revision) return null;
    this.byId.set(silence.id, { silence, revision });
    for (const l of this.listeners) l(silence);
    return silence;
  }

  /** Every silence, expired ones included (SilenceMuter skips those). */
  all(): Silence[] {
    return [...this.byId.values()].map((e) => e.silence);
  }

  get(id: string): Silence | undefined {
    return this.byId.get(id)?.silence;
  }

  /** Silences of one tenant (or all) in one state (or any), newest first. */
  list(filter: { tenant?: string; state?: SilenceState }, now: number): Silence[] {
    return this.all()
      .filter(
        (s) =>
          (!filter.tenant || s.tenant === filter.tenant) && (!filter.state || silenceState(s, now) === filter.state),
      )
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
  }

  async create(input: NewSilence, now: number, id: string = randomUUID()): Promise<Silence> {
    const at = new Date(now).toISOString();
    const silence: Silence = { ...input, id, createdAt: at, updatedAt: at, expiredBy: null };
    const text = JSON.stringify(silence);
    const revision = await this.kv.create(silenceKey(silence.tenant, id), text);
    this.apply(text, revision);
    return silence;
  }

  /**
   * Ends the silence now (a no-op for one already expired), by compare-and-set on the version read, so an
   * expiry on another replica at the same time is not overwritten. Null when there is no such silence.
   */
  async expire(id: string, now: number, by: string): Promise<Silence | null> {
    const known = this.get(id);
    if (!known) return null;
    const key = silenceKey(known.tenant, id);
    for (let attempt = 0; attempt < 20; attempt++) {
      const entry = await this.kv.get(key);
      if (entry?.operation !== 'PUT' || entry.value.length === 0) return null;
      const current = entry.json<Silence>();
      const next = expireSilence(current, now, by);
      if (next === current) return current;
      const text = JSON.stringify(next);
      try {
        const revision = await this.kv.update(key, text, entry.revision);
        this.apply(text, revision);
        return next;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    throw new Error(`silence ${id}: too many concurrent changes`);
  }
}
