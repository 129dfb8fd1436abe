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

/** Pending before startsAt, active in [startsAt, endsAt), expired from endsAt on. */
export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (now >= Date.parse(s.endsAt)) return 'expired';
  return now < Date.parse(s.startsAt) ? 'pending' : 'active';
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
      const parsed = { silence: s, start: Date.parse(s.startsAt), end: Date.parse(s.endsAt) };
      if (!(parsed.end > parsed.start)) continue;
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
