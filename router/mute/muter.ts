// One interface for every kind of suppression. A muter answers whether a firing alert pages right now;
// it never decides whether the alert is recorded (a muted alert is stored, shown on its incident with
// the verdict and counted in switchboard_alerts_suppressed_total{tenant,reason}).
//
// Muters are pure: each is built from config and state snapshots and answers from those, the alert and
// `now` only. What changes state (silences created, alerts firing, state changes counted) happens
// outside, in the pipeline, which then asks again.
import type { Alert } from '../alert.ts';

/**
 * Every kind of suppression, in the order `muteAll` asks them. The first verdict is the one shown and
 * counted, so the order puts the reasons people chose on purpose before the ones the router inferred:
 *
 * 1. maintenance: planned, declared in a manifest; the most specific explanation an engineer can get.
 * 2. silence: ad hoc, but also a person's explicit decision.
 * 3. inhibited: another firing alert explains this one.
 * 4. coverage: nobody is meant to be paged for this severity now; it pages when business hours begin.
 * 5. flapping: the alert itself is unreliable.
 * 6. storm: last, because a storm counts only what would otherwise page: an alert already muted for an
 *    earlier reason (a planned reboot of 500 hosts in a maintenance window) must not start a storm.
 */
export const MUTE_REASONS = ['maintenance', 'silence', 'inhibited', 'coverage', 'flapping', 'storm'] as const;
export type MuteReason = (typeof MUTE_REASONS)[number];

export interface MuteVerdict {
  reason: MuteReason;
  /** For people: which window, silence, source alert or limit, shown on the incident. */
  detail: string;
  /**
   * Epoch ms at which this muting ends by itself, if known: the caller schedules a re-check then and pages
   * if the alert still fires and nothing else mutes it. Null when only an event can end it (a source alert
   * resolving, a silence being expired early) or when it never should (see storm.ts).
   */
  until: number | null;
}

/**
 * What muters look at. `severity` must be the severity the pipeline decided (after the tenant's routes), the
 * one that is stored in the alert state: matchers see it as the `severity` label (see matchableLabels), and
 * coverage looks up the SLA target of that severity.
 */
export type MuteSubject = Pick<Alert, 'tenant' | 'fingerprint' | 'labels' | 'severity' | 'summary' | 'startsAt'>;

export interface Muter {
  readonly reason: MuteReason;
  /** The verdict for a firing alert at `now`, or null when this muter lets it page. */
  mutes(alert: MuteSubject, now: number): MuteVerdict | null;
}

function rank(reason: MuteReason): number {
  return MUTE_REASONS.indexOf(reason);
}

/**
 * The first verdict in MUTE_REASONS order (whatever order `muters` are given in), or null: page.
 * A resolved alert is never muted: it always resolves its incident and stops its escalation, so that no
 * incident is left open because its end arrived while it was muted (Alertmanager #226/#2754).
 */
export function muteAll(
  muters: readonly Muter[],
  alert: MuteSubject & Pick<Alert, 'status'>,
  now: number,
): MuteVerdict | null {
  if (alert.status !== 'firing') return null;
  const ordered = [...muters].sort((a, b) => rank(a.reason) - rank(b.reason));
  for (const m of ordered) {
    const verdict = m.mutes(alert, now);
    if (verdict) return boundDetail(verdict);
  }
  return null;
}

/**
 * The most characters of a verdict's detail that are stored with the alert state and its timeline event. A
 * silence's detail quotes its matchers and comment, which its tenant writes: unbounded, a near-limit alert
 * muted by a 50 KB silence grew past NATS max_payload once stored, and its partition stopped (security
 * review H2). The silence itself (GET /api/v1/silences) still has all of it.
 */
export const MAX_MUTE_DETAIL_CHARS = 500;

export function boundDetail(v: MuteVerdict): MuteVerdict {
  if (v.detail.length <= MAX_MUTE_DETAIL_CHARS) return v;
  return { ...v, detail: `${v.detail.slice(0, MAX_MUTE_DETAIL_CHARS - 1)}…` };
}

/** An instant for details shown to people: ISO 8601 in UTC, to the minute. */
export function formatInstant(epoch: number): string {
  return new Date(epoch).toISOString().replace(/:\d\d\.\d{3}Z$/, 'Z');
}
