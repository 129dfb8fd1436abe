// What an incident owes its SLA at `now`: breaches to record, customer-update reminders to send, and when to
// look again. Pure: the incident, its ServiceLevel, the times of its customer-visible notes and `now` in.
//
// The escalation runner calls it on every wake-up of the incident (router/escalation/runner.ts) and records
// each breach and sends each reminder once through the notification log, so SLA timers are exactly as durable
// as escalation steps: a restarted router or another replica picks up the same duties.
//
// Keys name what is owed, so every replica computes the same ones: `b.<incident>.<kind>.<deadline>` for a
// breach (a severity change moves the deadline, and the new one is a new duty), `r.<incident>.<n>.<due>` for
// the reminder of the n-th customer update.
import type { ServiceLevelConfig } from '../config/compiled.ts';
import type { Incident } from '../incidents/model.ts';
import { type BreachKind, type SlaIncident, slaClockStart, slaExempt, slaStatus } from './breaches.ts';
import { updateCadence } from './updates.ts';

/** Look again this long after a deadline (the breach is "measure > target": strictly after it). */
const PAST_DEADLINE_MS = 1_000;

export interface DueBreach {
  key: string;
  kind: BreachKind;
  /** The missed deadline (ISO). */
  deadline: string;
}

export interface DueReminder {
  key: string;
  /** Which customer update (0: the first). */
  n: number;
  /** When it is due (epoch ms). */
  due: number;
}

export interface SlaDuties {
  breaches: DueBreach[];
  reminders: DueReminder[];
  /** The next deadline that may be missed (a breach to record then), or null. */
  nextAt: number | null;
  /** When the next customer-update reminder is due, or null: it must go out on time, before the update. */
  remindAt: number | null;
}

export type WatchedIncident = SlaIncident & Pick<Incident, 'status'>;

const part = (s: string) => s.replace(/[^-_a-zA-Z0-9]/g, '_');

export function breachKey(incidentId: string, kind: BreachKind, deadline: number): string {
  return `b.${part(incidentId)}.${kind}.${deadline}`;
}

export function reminderKey(incidentId: string, n: number, due: number): string {
  return `r.${part(incidentId)}.${n}.${due}`;
}

/** Whether the incident's severity has a customer-update cadence (the caller then reads its notes). */
export function hasUpdateCadence(incident: Pick<Incident, 'severity'>, level: ServiceLevelConfig | undefined): boolean {
  return (level?.targets[incident.severity]?.firstUpdateMs ?? null) !== null;
}

export function slaDuties(
  incident: WatchedIncident,
  level: ServiceLevelConfig | undefined,
  customerNotes: number[],
  now: number,
): SlaDuties {
  const out: SlaDuties = { breaches: [], reminders: [], nextAt: null, remindAt: null };
  const target = level?.targets[incident.severity];
  if (!target || slaExempt(incident)) return out;
  const later = (t: number) => {
    if (out.nextAt === null || t < out.nextAt) out.nextAt = t;
  };

  const status = slaStatus(incident, level, now);
  for (const b of status.breaches) {
    if (b.kind === 'update') continue;
    out.breaches.push({
      key: breachKey(incident.id, b.kind, Date.parse(b.deadline)),
      kind: b.kind,
      deadline: b.deadline,
    });
  }
  if (status.respond === 'pending' && status.respondBy) later(Date.parse(status.respondBy) + PAST_DEADLINE_MS);
  if (status.resolve === 'pending' && status.resolveBy) later(Date.parse(status.resolveBy) + PAST_DEADLINE_MS);

  const cadence = updateCadence({
    startedAt: slaClockStart(incident),
    resolvedAt: incident.resolvedAt ? Date.parse(incident.resolvedAt) : null,
    customerNotes,
    target,
    now,
  });
  for (const b of cadence.breaches) {
    out.breaches.push({
      key: breachKey(incident.id, 'update', b.due),
      kind: 'update',
      deadline: new Date(b.due).toISOString(),
    });
  }
  const next = cadence.next;
  if (next && incident.status !== 'resolved') {
    if (next.remindAt <= now)
      out.reminders.push({ key: reminderKey(incident.id, next.n, next.due), n: next.n, due: next.due });
    else out.remindAt = next.remindAt;
    later(next.due + PAST_DEADLINE_MS);
  }
  return out;
}
