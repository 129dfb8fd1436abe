// SLA deadlines and breaches of one incident, as pure functions of the incident, its ServiceLevel and `now`.
//
// Measures (SPEC §3): response = acknowledgedAt − openedAt, resolution = resolvedAt − openedAt, detection =
// openedAt − startsAt; the SLA clock starts when the incident started paging (slaClockStart: openedAt unless
// it opened muted). A target with `coverage: businessHours` counts only business time (business-clock.ts),
// a 24x7 target wall time: every measure of an incident is taken on the clock of its severity's target.
//
// A breach is a measure over its target: `respond` when the incident was acknowledged later than `respond`
// (or still is not, and that much time has passed by `now`), `resolve` likewise. The overrun is the measure
// minus the target, on the same clock — so an incident acknowledged at 19:00 whose business-hours deadline
// was the 18:00 close used no business time beyond its target and is not in breach. An incident not yet
// acknowledged whose deadline has passed is an *ongoing* breach, its overrun counted up to `now`.
import type { ServiceLevelConfig, SlaTarget } from '../config/compiled.ts';
import type { Incident } from '../incidents/model.ts';
import { addBusinessTime, type BusinessHours, businessTimeBetween } from './business-clock.ts';

export type BreachKind = 'respond' | 'resolve' | 'update';

export interface Breach {
  kind: BreachKind;
  incidentId: string;
  /** The deadline that was missed (ISO). */
  deadline: string;
  /** How far past the target, in ms on the target's clock (business time for businessHours coverage). */
  overrunMs: number;
  /** Still unacknowledged (respond) or unresolved (resolve) at `now`: the overrun keeps growing. */
  ongoing: boolean;
}

/**
 * Against one target: met, breached, not decided yet (pending), the severity has no target, or exempt: the
 * incident has never paged anyone (muted so far by maintenance, a silence, inhibition, coverage or a storm),
 * so nobody has been asked to respond.
 */
export type Outcome = 'met' | 'breached' | 'pending' | 'no_target' | 'exempt';

export interface SlaStatus {
  /** The target's clock: null when the severity has no target. */
  coverage: SlaTarget['coverage'] | null;
  respondBy: string | null;
  resolveBy: string | null;
  /** Measures in ms on the target's clock; null while not reached (or, for detection, unknown). */
  responseMs: number | null;
  resolutionMs: number | null;
  detectionMs: number | null;
  respond: Outcome;
  resolve: Outcome;
  breaches: Breach[];
}

export type SlaIncident = Pick<
  Incident,
  'id' | 'severity' | 'openedAt' | 'startsAt' | 'acknowledgedAt' | 'resolvedAt'
> &
  Partial<Pick<Incident, 'pagingSince'>>;

/**
 * When an incident's SLA clock starts: when it started paging. For nearly every incident that is its openedAt;
 * for one opened while muted (a maintenance window, a silence) it is the moment the muting ended, so the
 * customer's own maintenance does not count against the MSP. (Business-hours coverage needs no special case:
 * the business clock does not run outside business hours anyway.)
 */
export function slaClockStart(incident: Pick<Incident, 'openedAt'> & Partial<Pick<Incident, 'pagingSince'>>): number {
  const opened = Date.parse(incident.openedAt);
  return incident.pagingSince ? Math.max(opened, Date.parse(incident.pagingSince)) : opened;
}

/** Whether the incident has never paged anyone (pagingSince null; absent on old records: they paged). */
export function slaExempt(incident: Partial<Pick<Incident, 'pagingSince'>>): boolean {
  return incident.pagingSince === null;
}

/** The business hours a target counts in, or null for wall time. */
function hoursOf(target: SlaTarget | undefined, level: ServiceLevelConfig | undefined): BusinessHours | null {
  return target?.coverage === 'businessHours' && level?.businessHours ? level.businessHours : null;
}

/** Time between two instants on the clock of the incident's target (0 when `b` is before `a`). */
export function measure(a: number, b: number, hours: BusinessHours | null): number {
  if (b <= a) return 0;
  return hours ? businessTimeBetween(a, b, hours) : b - a;
}

function deadline(openedAt: number, ms: number, hours: BusinessHours | null): number {
  if (!hours) return openedAt + ms;
  try {
    return addBusinessTime(openedAt, ms, hours);
  } catch {
    return openedAt + ms; // hours that never open (the compiler rejects those)
  }
}

/** Deadlines, measures, outcomes and breaches of an incident at `now` (epoch ms). */
export function slaStatus(incident: SlaIncident, level: ServiceLevelConfig | undefined, now: number): SlaStatus {
  const target = level?.targets[incident.severity];
  const hours = hoursOf(target, level);
  const opened = slaClockStart(incident);
  const at = (iso: string | null) => (iso ? Date.parse(iso) : null);
  const acked = at(incident.acknowledgedAt);
  const resolved = at(incident.resolvedAt);
  const starts = at(incident.startsAt);
  const status: SlaStatus = {
    coverage: target?.coverage ?? null,
    respondBy: null,
    resolveBy: null,
    responseMs: acked === null ? null : measure(opened, acked, hours),
    resolutionMs: resolved === null ? null : measure(opened, resolved, hours),
    detectionMs: starts === null || Number.isNaN(starts) ? null : measure(starts, Date.parse(incident.openedAt), hours),
    respond: 'no_target',
    resolve: 'no_target',
    breaches: [],
  };
  if (!target) return status;
  if (slaExempt(incident)) {
    status.respond = 'exempt';
    status.resolve = 'exempt';
    return status;
  }
  const check = (kind: BreachKind, targetMs: number, doneAt: number | null, measured: number | null) => {
    const due = deadline(opened, targetMs, hours);
    const elapsed = measured ?? measure(opened, now, hours);
    let outcome: Outcome;
    if (elapsed > targetMs) {
      outcome = 'breached';
      status.breaches.push({
        kind,
        incidentId: incident.id,
        deadline: new Date(due).toISOString(),
        overrunMs: elapsed - targetMs,
        ongoing: doneAt === null,
      });
    } else outcome = doneAt === null ? 'pending' : 'met';
    return { due: new Date(due).toISOString(), outcome };
  };
  // An incident that resolved by itself before anyone acknowledged it was responded to by its resolution (else
  // its respond breach would grow for ever); MTTA still counts acknowledgements only.
  const responded = acked ?? resolved;
  const r = check(
    'respond',
    target.respondMs,
    responded,
    responded === null ? null : measure(opened, responded, hours),
  );
  const s = check('resolve', target.resolveMs, resolved, status.resolutionMs);
  status.respondBy = r.due;
  status.respond = r.outcome;
  status.resolveBy = s.due;
  status.resolve = s.outcome;
  return status;
}
