// The incidents bucket: incidents, per-alert states and the open incident of each group, updated by
// compare-and-set so any number of router replicas can write. Reads come from a local cache kept
// current by a KV watch (and by our own writes), so the API lists without a round trip per incident.
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { retryTransient } from '../bus/retry.ts';
import { capAlert } from '../ingest/caps.ts';
import type { AlertState, Incident, Membership } from './model.ts';
import { packText, unpackText } from './packed-text.ts';

export const incidentKey = (tenant: string, id: string) => `i.${tenant}.${id}`;
export const alertStateKey = (tenant: string, alertKey: string) => `a.${tenant}.${alertKey}`;
export const groupKey = (tenant: string, group: string) => `g.${tenant}.${group}`;
/** A tenant's storm state (router/mute/storm.ts). */
export const stormKey = (tenant: string) => `s.${tenant}`;
export const membershipKey = (tenant: string, incidentId: string, alertKey: string) =>
  `m.${tenant}.${incidentId}.${alertKey}`;

export interface Versioned<T> {
  value: T;
  revision: number;
}

/** Thrown by a compare-and-set whose expected revision was not the current one. */
export class RevisionConflict extends Error {
  override readonly name = 'RevisionConflict';
}

function isConflict(e: unknown): boolean {
  const m = (e as Error)?.message ?? '';
  return /wrong last sequence|key exists|10071/i.test(m);
}

const decoder = new TextDecoder();

/**
 * A cached key at its revision, held in the form that keeps memory per active alert small: incidents
 * (few, read often) and memberships (indexed in `members` anyway) parsed; alert states (one per active
 * alert) packed until read (packed-text.ts); group claims and the rest as their JSON text.
 */
interface CacheEntry {
  revision: number;
  value?: unknown;
  packed?: string;
  text?: string;
}

function cachedValue(c: CacheEntry): unknown {
  if (c.value !== undefined) return c.value;
  return JSON.parse(c.packed !== undefined ? unpackText(c.packed) : (c.text as string));
}

/**
 * An alert state's text within the ingest caps (router/ingest/caps.ts), with the state when it had to be
 * parsed: a state an older version stored over the caps is cut as it is loaded, so memory per alert stays
 * bounded after a restart. Text of at most CAP_FREE characters cannot break a cap (the smallest is 1,024),
 * so only longer text, or text that carries a truncation marker (for its `truncated` list), is parsed.
 */
function capStateText(text: string): { text: string; state: AlertState | null } {
  if (text.length <= CAP_FREE && !text.includes('… [truncated ')) return { text, state: null };
  const state = JSON.parse(text) as AlertState;
  const capped = capAlert(state);
  return capped === state ? { text, state } : { text: JSON.stringify(capped), state: capped };
}

const CAP_FREE = 1024;

export class IncidentStore {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly incidentsById = new Map<string, Incident>();
  /** Memberships by incident id and alert key, and how many of each incident's alerts fire. */
  private readonly members = new Map<string, Map<string, Membership>>();
  private readonly firing = new Map<string, number>();
  private readonly quietListeners: ((tenant: string, incidentId: string) => void)[] = [];
  private readonly alertStateListeners: ((tenant: string, state: AlertState) => void)[] = [];
  private watching = false;
  /** The newest revision the watch has delivered (all older changes are in the cache). */
  private watched = 0;

  constructor(
    private readonly kv: KV,
    private readonly log: Logger,
  ) {}

  /** Loads everything and follows changes; resolves once the initial state is loaded. */
  async start(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    let initialized!: () => void;
    const ready = new Promise<void>((r) => {
      initialized = r;
    });
    // The watch first replays the current values (delta counts down to 0), then follows updates.
    const status = await this.kv.status();
    if (status.values === 0) initialized();
    const iter = await this.kv.watch({ key: '>' });
    void (async () => {
      for await (const e of iter) {
        if (e.revision > this.watched) this.watched = e.revision;
        // Most updates are this replica's own writes, already applied: skip them before decoding.
        const cur = this.cache.get(e.key);
        if (cur && cur.revision >= e.revision) {
          if (e.isUpdate || e.delta === 0) initialized();
          continue;
        }
        this.apply(e.key, e.operation === 'PUT' ? decoder.decode(e.value) : null, e.revision, true);
        if (e.isUpdate || e.delta === 0) initialized();
      }
    })().catch((err) => this.log.error({ err }, 'incident watch ended'));
    await ready;
  }

  private apply(key: string, text: string | null, revision: number, fromWatch = false): void {
    const cur = this.cache.get(key);
    if (cur && cur.revision >= revision) return;
    const membership = key.startsWith('m.') ? this.applyMembership(key, text, fromWatch) : undefined;
    if (text === null || text.length === 0) {
      this.cache.delete(key);
      if (key.startsWith('i.')) {
        // Gone (router/incidents/retention.ts): its membership index goes too.
        const id = key.slice(key.lastIndexOf('.') + 1);
        this.incidentsById.delete(id);
        this.members.delete(id);
        this.firing.delete(id);
      }
      return;
    }
    if (key.startsWith('i.')) {
      const value = JSON.parse(text) as Incident;
      this.cache.set(key, { revision, value });
      this.incidentsById.set(value.id, value);
    } else if (membership) {
      this.cache.set(key, { revision, value: membership });
    } else if (key.startsWith('a.')) {
      const capped = capStateText(text);
      this.cache.set(key, { revision, packed: packText(capped.text) });
      if (this.alertStateListeners.length > 0) {
        const state = capped.state ?? (JSON.parse(capped.text) as AlertState);
        const tenant = key.slice(2, key.lastIndexOf('.'));
        for (const l of this.alertStateListeners) l(tenant, state);
      }
    } else {
      this.cache.set(key, { revision, text });
    }
  }

  /**
   * Called with every alert state stored, by this replica (as it writes) or another (through the watch):
   * keeps the inhibition index current.
   */
  onAlertState(listener: (tenant: string, state: AlertState) => void): void {
    this.alertStateListeners.push(listener);
  }

  /** Every cached alert state (`a.<tenant>.<key>`), e.g. to rebuild the inhibition index after start(). */
  *alertStates(): IterableIterator<{ tenant: string; state: AlertState }> {
    for (const [key, c] of this.cache) {
      if (!key.startsWith('a.')) continue;
      yield { tenant: key.slice(2, key.lastIndexOf('.')), state: cachedValue(c) as AlertState };
    }
  }

  /** How much alert state the cache holds (packed characters), for switchboard_alert_states_bytes. */
  alertStatesSize(): { count: number; bytes: number; maxBytes: number } {
    let count = 0;
    let bytes = 0;
    let maxBytes = 0;
    for (const [key, c] of this.cache) {
      if (!key.startsWith('a.') || c.packed === undefined) continue;
      count++;
      bytes += c.packed.length;
      if (c.packed.length > maxBytes) maxBytes = c.packed.length;
    }
    return { count, bytes, maxBytes };
  }

  /**
   * Keeps the membership index and firing counts current; tells listeners when another writer made an
   * incident quiet. Returns the membership stored (undefined: deleted).
   */
  private applyMembership(key: string, text: string | null, fromWatch: boolean): Membership | undefined {
    const [, tenant, incidentId, alertKey] = key.split('.') as [string, string, string, string];
    let m = this.members.get(incidentId);
    if (!m) {
      m = new Map();
      this.members.set(incidentId, m);
    }
    const before = m.get(alertKey);
    const after = text ? (JSON.parse(text) as Membership) : undefined;
    if (after) m.set(alertKey, after);
    else m.delete(alertKey);
    const delta = (after?.status === 'firing' ? 1 : 0) - (before?.status === 'firing' ? 1 : 0);
    if (delta !== 0) {
      const n = (this.firing.get(incidentId) ?? 0) + delta;
      this.firing.set(incidentId, n);
      if (n === 0 && fromWatch) for (const l of this.quietListeners) l(tenant, incidentId);
    }
    return after;
  }

  /**
   * Resolves (true) once the watch has delivered every change stored before the call, or (false) after
   * `timeoutMs`: a replica taking over a partition then starts from the previous holder's last writes.
   */
  async caughtUp(timeoutMs = 30_000): Promise<boolean> {
    const last = (await retryTransient(() => this.kv.status())).streamInfo.state.last_seq;
    const until = performance.now() + timeoutMs;
    while (this.watched < last && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
    return this.watched >= last;
  }

  /** Called when another replica's change left an incident without a firing alert. */
  onQuiet(listener: (tenant: string, incidentId: string) => void): void {
    this.quietListeners.push(listener);
  }

  /** The alerts of an incident (by alert key) with their status there. */
  membersOf(incidentId: string): ReadonlyMap<string, Membership> {
    return this.members.get(incidentId) ?? new Map();
  }

  firingCount(incidentId: string): number {
    return this.firing.get(incidentId) ?? 0;
  }

  /** Authoritative read (bypasses the cache), used to recover from a conflict. */
  async read<T>(key: string): Promise<Versioned<T> | null> {
    const e = await retryTransient(() => this.kv.get(key));
    if (e?.operation !== 'PUT' || e.value.length === 0) return null;
    this.apply(key, decoder.decode(e.value), e.revision);
    return { value: e.json<T>(), revision: e.revision };
  }

  /**
   * Cached read without a round trip: once start() has loaded the bucket, a key missing from the cache
   * is absent (or written by another replica a moment ago, which the compare-and-set then detects).
   */
  cached<T>(key: string): Versioned<T> | null {
    const c = this.cache.get(key);
    return c ? { value: cachedValue(c) as T, revision: c.revision } : null;
  }

  /** Cached read, falling back to the bucket for keys not seen yet. */
  async get<T>(key: string): Promise<Versioned<T> | null> {
    const c = this.cache.get(key);
    if (c) return { value: cachedValue(c) as T, revision: c.revision };
    return this.read<T>(key);
  }

  /**
   * Writes `value` if the key is still at `revision` (0 = must not exist). Throws RevisionConflict. NATS
   * failing for a moment is waited out (router/bus/retry.ts); a retry that conflicts with the value it
   * meant to write found its own earlier attempt applied (only its answer was lost).
   */
  async write<T>(key: string, value: T, revision: number): Promise<number> {
    const data = JSON.stringify(value);
    try {
      const rev = await retryTransient(async (attempt) => {
        try {
          return revision === 0 ? await this.kv.create(key, data) : await this.kv.update(key, data, revision);
        } catch (e) {
          if (attempt > 0 && isConflict(e)) {
            const cur = await this.kv.get(key);
            if (cur?.operation === 'PUT' && decoder.decode(cur.value) === data) return cur.revision;
          }
          throw e;
        }
      });
      this.apply(key, data, rev);
      return rev;
    } catch (e) {
      if (isConflict(e)) {
        this.cache.delete(key);
        throw new RevisionConflict(`${key} changed concurrently`);
      }
      throw e;
    }
  }

  async delete(key: string, revision: number): Promise<void> {
    try {
      await retryTransient(() => this.kv.delete(key, { previousSeq: revision }));
      this.apply(key, null, revision + 1);
    } catch (e) {
      if (!isConflict(e)) throw e;
      this.cache.delete(key);
    }
  }

  /**
   * Read-modify-write with retries on conflict. `change` gets the current value (null if absent) and
   * returns the new value, or undefined to leave it as it is.
   */
  async modify<T, R>(key: string, change: (cur: T | null) => { value: T; result: R } | { result: R }): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      const cur = attempt === 0 ? await this.get<T>(key) : await this.read<T>(key);
      const out = change(cur?.value ?? null);
      if (!('value' in out)) return out.result;
      try {
        await this.write(key, out.value, cur?.revision ?? 0);
        return out.result;
      } catch (e) {
        if (!(e instanceof RevisionConflict) || attempt > 50) throw e;
      }
    }
  }

  incident(id: string): Incident | undefined {
    return this.incidentsById.get(id);
  }

  incidents(): IterableIterator<Incident> {
    return this.incidentsById.values();
  }
}
