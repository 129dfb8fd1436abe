// Retention of resolved incidents in the incidents bucket (and so in every replica's memory).
//
// The bucket holds what the router decides with: open incidents, their alerts and groups. A resolved incident
// stays there for `retentionMs` after it was resolved (the API shows it, the status page's 90 days read it),
// then it goes, with its memberships and the states of its alerts that have not fired again since. Its
// history stays in the events stream (docs/sla.md: reports are computed from there), so nothing is lost but
// the quick lookup. Without this, a router that runs for a year keeps every incident of the year in memory.
//
// Every processing replica prunes; each delete is a compare-and-set on the revision it read, so two replicas
// pruning the same incident, or an alert firing into it at that moment, conflict harmlessly (the loser skips).
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { AlertState, Incident } from './model.ts';
import { alertStateKey, type IncidentStore, incidentKey, membershipKey } from './store.ts';

/** Default: longer than the status page's 90 days of uptime bars. */
export const DEFAULT_RESOLVED_RETENTION_MS = 100 * 86_400_000;
const DEFAULT_INTERVAL_MS = 10 * 60_000;
/** Delete markers older than this are purged from the bucket (they only tell watchers a key went). */
const PURGE_MARKERS_AFTER_MS = 30 * 60_000;
/**
 * At most this often: purging reads the whole bucket's history and sends one request per marker, which at a
 * few thousand markers floods the JetStream API (the soak found pages falling behind while it ran every pass).
 */
const PURGE_MARKERS_EVERY_MS = 6 * 3_600_000;

export interface RetentionOptions {
  retentionMs?: number;
  intervalMs?: number;
}

export class IncidentRetention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private readonly retentionMs: number;
  private purgedAt: number;

  constructor(
    private readonly store: Pick<IncidentStore, 'incidents' | 'cached' | 'membersOf' | 'delete'>,
    /** The bucket (a @nats-io/kv Bucket has purgeDeletes; the KV interface does not declare it). */
    private readonly kv: object | null,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: RetentionOptions = {},
  ) {
    this.retentionMs = opts.retentionMs ?? DEFAULT_RESOLVED_RETENTION_MS;
    // Not at start: a fleet restarted together would all purge at once.
    this.purgedAt = clock();
  }

  start(): void {
    const every = this.opts.intervalMs ?? Math.min(DEFAULT_INTERVAL_MS, Math.max(1_000, this.retentionMs / 4));
    this.timer = setInterval(() => {
      this.prune().catch((err) => this.log.warn({ err }, 'pruning resolved incidents failed; retried later'));
    }, every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Removes resolved incidents past the retention; returns how many. One pass at a time. */
  prune(): Promise<number> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<number> {
    const before = this.clock() - this.retentionMs;
    const due: Incident[] = [];
    for (const i of this.store.incidents()) {
      if (i.status === 'resolved' && i.resolvedAt && Date.parse(i.resolvedAt) < before) due.push(i);
    }
    for (const i of due) await this.remove(i);
    if (due.length > 0)
      this.log.info({ incidents: due.length, retentionMs: this.retentionMs }, 'pruned resolved incidents');
    if (due.length > 0 && this.clock() - this.purgedAt >= PURGE_MARKERS_EVERY_MS) {
      this.purgedAt = this.clock();
      const purge = (this.kv as { purgeDeletes?: (olderMillis: number) => Promise<unknown> } | null)?.purgeDeletes;
      await purge?.call(this.kv, PURGE_MARKERS_AFTER_MS).catch(() => undefined);
    }
    return due.length;
  }

  private async remove(i: Incident): Promise<void> {
    const key = incidentKey(i.tenant, i.id);
    const cur = this.store.cached<Incident>(key);
    // Gone already, or changed since it was listed (say reopened by hand): leave it to the next pass.
    if (!cur || cur.value.updatedAt !== i.updatedAt) return;
    for (const alertKey of [...this.store.membersOf(i.id).keys()]) {
      const m = this.store.cached<unknown>(membershipKey(i.tenant, i.id, alertKey));
      if (m) await this.store.delete(membershipKey(i.tenant, i.id, alertKey), m.revision);
      const a = this.store.cached<AlertState>(alertStateKey(i.tenant, alertKey));
      // The alert's state goes with its last incident, unless it fired again since (into another incident).
      if (a && a.value.incidentId === i.id && a.value.status === 'resolved') {
        await this.store.delete(alertStateKey(i.tenant, alertKey), a.revision);
      }
    }
    await this.store.delete(key, cur.revision);
  }
}
