// Silences: ad hoc muting through the API, as in Alertmanager. A silence belongs to one tenant, selects
// that tenant's alerts by matchers and mutes them from startsAt until endsAt. Expiring one sets endsAt
// to the moment it was expired; the record stays (silence-store.ts), so the audit trail keeps who
// muted what, when and why.
import type { Matcher } from '../config/compiled.ts';
import { formatMatcher, matchesAll } from '../config/matchers.ts';
import { matchableLabels } from '../incidents/decide.ts';
import { formatInstant, type Muter, type MuteSubject, type MuteVerdict } from './muter.ts';

export interface Silence {
  id: string;
  tenant: string;
  /** All must match (Alertmanager semantics: a missing label is "", regular expressions fully anchored). */
  matchers: Matcher[];
  /** ISO 8601. */
  startsAt: string;
  /** ISO 8601; set to the moment of expiry when expired early. */
  endsAt: string;
  createdBy: string;
  comment: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601 of the last change (creation or expiry). */
  updatedAt: string;
  /** Who expired it early, if anyone. */
  expiredBy: string | null;
}

export const SILENCE_STATES = ['pending', 'active', 'expired'] as const;
export type SilenceState = (typeof SILENCE_STATES)[number];

export function isSilenceState(v: unknown): v is SilenceState {
  return SILENCE_STATES.includes(v as SilenceState);
}

/**
 * Pending before startsAt, active in [startsAt, endsAt), expired from endsAt on. Two cases do not wait for the
 * clock: a silence that started when it was created (no startsAt given, or one already past) is active as soon
 * as a replica knows it, and one expired by a person is over as soon as a replica knows it. The times are those
 * of the replica that took the request, and replicas' clocks differ a little: without this, a silence created
 * (or expired) "now" on a replica whose clock runs ahead would not mute (or stop muting) on the others until
 * their clocks caught up.
 */
export function silenceState(
  s: Pick<Silence, 'startsAt' | 'endsAt' | 'createdAt' | 'expiredBy'>,
  now: number,
): SilenceState {
  if (s.expiredBy !== null || now >= Date.parse(s.endsAt)) return 'expired';
  if (startedAtCreation(s)) return 'active';
  return now < Date.parse(s.startsAt) ? 'pending' : 'active';
}

function startedAtCreation(s: Pick<Silence, 'startsAt' | 'createdAt'>): boolean {
  return Date.parse(s.startsAt) <= Date.parse(s.createdAt);
}

/** The silence ended at `now` (a pending one never starts). Unchanged if it already ended. */
export function expireSilence(s: Silence, now: number, by: string): Silence {
  if (silenceState(s, now) === 'expired') return s;
  const at = new Date(now).toISOString();
  const startsAt = Date.parse(s.startsAt) > now ? at : s.startsAt;
  return { ...s, startsAt, endsAt: at, updatedAt: at, expiredBy: by };
}

interface ParsedSilence {
  silence: Silence;
  start: number;
  end: number;
}

export class SilenceMuter implements Muter {
  readonly reason = 'silence' as const;
  private readonly byTenant = new Map<string, ParsedSilence[]>();

  /** From a snapshot of silences (expired ones may be included; they are skipped). */
  constructor(silences: Iterable<Silence>) {
    for (const s of silences) {
      if (s.expiredBy !== null) continue; // over, whatever this replica's clock says (see silenceState)
      const start = startedAtCreation(s) ? Number.NEGATIVE_INFINITY : Date.parse(s.startsAt);
      const parsed = { silence: s, start, end: Date.parse(s.endsAt) };
      if (!(parsed.end > Date.parse(s.startsAt))) continue;
      const list = this.byTenant.get(s.tenant);
      if (list) list.push(parsed);
      else this.byTenant.set(s.tenant, [parsed]);
    }
  }

  /** Of the active silences that select the alert, the one that ends last. */
  mutes(alert: MuteSubject, now: number): MuteVerdict | null {
    const silences = this.byTenant.get(alert.tenant);
    if (!silences) return null;
    const labels = matchableLabels(alert);
    let best: ParsedSilence | null = null;
    for (const p of silences) {
      if (now < p.start || now >= p.end || !matchesAll(p.silence.matchers, labels)) continue;
      if (!best || p.end > best.end) best = p;
    }
    if (!best) return null;
    const s = best.silence;
    return {
      reason: 'silence',
      detail:
        `silence ${s.id} by ${s.createdBy} (${s.matchers.map(formatMatcher).join(', ')}) ` +
        `until ${formatInstant(best.end)}: ${s.comment}`,
      until: best.end,
    };
  }
}
