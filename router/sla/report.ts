// The SLA report of a tenant and period (docs/sla.md), as a pure computation over its incidents, and its CSV.
// The HTML is router/sla/report-html.ts. The API (router/api/reports.ts) folds the incidents from the events
// stream (router/sla/fold.ts, read by router/sla/events-reader.ts).
//
// Incidents count in the period they were opened in ([from, to)). Means and p90 (nearest rank: the smallest
// value at least 90 % of the values are at or below) are over the incidents that have the measure (acknowledged
// for MTTA, resolved for MTTR). "Within target" is met / (met + breached): incidents still open and not yet
// over their target are pending and count in neither. Customer updates (updates.ts): an incident is on time
// when every update that fell due was given in time; one resolved before its first update fell due counts in
// neither (not due). Uptime per status-page component (uptime.ts) is over the period up to `now`, from every
// incident that overlaps it, whenever it opened. The previous period is the one of equal length just before
// `from`; `change` is current minus previous (null when either side has no figure; percentages in points).
import { SEVERITIES, type Severity } from '../alert.ts';
import type { MaintenanceWindowConfig, ServiceLevelConfig } from '../config/compiled.ts';
import type { Incident } from '../incidents/model.ts';
import {
  type Breach,
  type BreachKind,
  type SlaIncident,
  type SlaStatus,
  slaClockStart,
  slaExempt,
  slaStatus,
} from './breaches.ts';
import { csvLine } from './csv.ts';
import { updateCadence } from './updates.ts';
import { type Component, clipSpans, maintenanceSpans, mergeSpans, type Span, subtractSpans, uptime } from './uptime.ts';

export interface Stat {
  count: number;
  meanSeconds: number | null;
  p90Seconds: number | null;
}

export interface WithinTarget {
  met: number;
  breached: number;
  pending: number;
  percent: number | null;
}

export interface UpdatesOnTime extends WithinTarget {
  /** Resolved before the first update fell due: nothing was owed. */
  notDue: number;
}

export interface ReportBreach extends Omit<Breach, 'overrunMs'> {
  severity: Severity;
  title: string;
  overrunSeconds: number;
  /** Update breaches: which update was late (1 = the first). */
  updateNumber?: number;
}

export interface SeverityFigures {
  incidents: number;
  coverage: '24x7' | 'businessHours' | null;
  respondTargetSeconds: number | null;
  resolveTargetSeconds: number | null;
  mtta: Stat;
  mttr: Stat;
  respondWithinTarget: WithinTarget;
  resolveWithinTarget: WithinTarget;
  updatesOnTime: UpdatesOnTime;
}

export interface ComponentUptime {
  name: string;
  displayName: string;
  /** Percent (3 decimals) of the measured time up; null when nothing was measured. */
  uptimePercent: number | null;
  /** The ServiceLevel's uptimeTarget (percent), or null. */
  target: number | null;
  /** uptimePercent >= target; null without a target or a figure. */
  met: boolean | null;
  downtimeSeconds: number;
  maintenanceSeconds: number;
  /** The period up to now, less maintenance. */
  measuredSeconds: number;
  /** Incidents whose outage of this component fell into the period (outside maintenance). */
  incidents: string[];
}

export type BreachCounts = Record<BreachKind, number>;

export interface PeriodFigures {
  from: string;
  to: string;
  incidents: number;
  bySeverity: Record<Severity, number>;
  mtta: Stat;
  mttr: Stat;
  mttd: Stat;
  respondWithinTarget: WithinTarget;
  resolveWithinTarget: WithinTarget;
  updatesOnTime: UpdatesOnTime;
  breaches: ReportBreach[];
  breachesByKind: BreachCounts;
  severities: Record<Severity, SeverityFigures>;
  uptime: ComponentUptime[];
}

export interface ReportChange {
  incidents: number;
  mttaMeanSeconds: number | null;
  mttaP90Seconds: number | null;
  mttrMeanSeconds: number | null;
  mttrP90Seconds: number | null;
  mttdMeanSeconds: number | null;
  mttdP90Seconds: number | null;
  respondWithinTargetPercent: number | null;
  resolveWithinTargetPercent: number | null;
  updatesOnTimePercent: number | null;
  breaches: number;
  breachesByKind: BreachCounts;
  /** Per component: uptime change in points. */
  uptimePercent: Record<string, number | null>;
}

/** Customer-update outcome of one incident. */
export type UpdateOutcome = 'met' | 'breached' | 'pending' | 'not_due' | 'no_target' | 'exempt';

export interface ReportIncident {
  id: string;
  severity: Severity;
  title: string;
  status: Incident['status'];
  openedAt: string;
  startsAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  /** When the SLA clock started (it started paging); null: it never paged. */
  pagingSince: string | null;
  coverage: SlaStatus['coverage'];
  respondBy: string | null;
  resolveBy: string | null;
  detectionSeconds: number | null;
  responseSeconds: number | null;
  resolutionSeconds: number | null;
  respond: SlaStatus['respond'];
  resolve: SlaStatus['resolve'];
  updates: UpdateOutcome;
  customerUpdates: number;
  updateBreaches: number;
  /** Status-page components it was an outage of. */
  components: string[];
}

export interface SlaReport {
  tenant: string;
  displayName: string;
  serviceLevel: string | null;
  uptimeTarget: number | null;
  generatedAt: string;
  current: PeriodFigures;
  previous: PeriodFigures;
  change: ReportChange;
  /** The incidents of the current period, oldest first. */
  incidents: ReportIncident[];
}

/** An incident as the report needs it: a stored Incident or one folded from the events (fold.ts). */
export type ReportSourceIncident = SlaIncident &
  Pick<Incident, 'tenant' | 'title' | 'status'> & {
    /** Times of its customer-visible notes (epoch ms); none when absent. */
    customerNotes?: number[];
    /** Status-page components it was an outage of; none when absent. */
    componentsDown?: string[];
  };

export interface ReportInput {
  tenant: string;
  displayName: string;
  level: ServiceLevelConfig | undefined;
  /** Every incident known (other tenants' are ignored); those opened before the period count for uptime only. */
  incidents: Iterable<ReportSourceIncident>;
  /** The tenant's status-page components (uptime is reported for these). */
  components?: readonly Component[];
  /** Maintenance windows (only the tenant's apply): excluded from uptime. */
  maintenance?: readonly MaintenanceWindowConfig[];
  from: number;
  to: number;
  now: number;
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms) / 1000);

export function stat(valuesMs: number[]): Stat {
  if (valuesMs.length === 0) return { count: 0, meanSeconds: null, p90Seconds: null };
  const sorted = [...valuesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  const p90 = sorted[Math.ceil(0.9 * sorted.length) - 1] as number;
  return { count: sorted.length, meanSeconds: seconds(mean), p90Seconds: seconds(p90) };
}

const percentOf = (met: number, breached: number) =>
  met + breached ? Math.round((met / (met + breached)) * 1000) / 10 : null;

function within(outcomes: string[]): WithinTarget {
  const n = (o: string) => outcomes.filter((x) => x === o).length;
  const met = n('met');
  const breached = n('breached');
  return { met, breached, pending: n('pending'), percent: percentOf(met, breached) };
}

function updatesWithin(outcomes: UpdateOutcome[]): UpdatesOnTime {
  return { ...within(outcomes), notDue: outcomes.filter((o) => o === 'not_due').length };
}

interface Row {
  i: ReportSourceIncident;
  s: SlaStatus;
  updates: UpdateOutcome;
  updateBreaches: ReportBreach[];
}

/** The customer-update outcome and breaches of one incident at `now`. */
function updatesOf(
  i: ReportSourceIncident,
  level: ServiceLevelConfig | undefined,
  now: number,
): { outcome: UpdateOutcome; breaches: ReportBreach[] } {
  const target = level?.targets[i.severity];
  if (!target?.firstUpdateMs) return { outcome: 'no_target', breaches: [] };
  if (slaExempt(i)) return { outcome: 'exempt', breaches: [] };
  const resolvedAt = i.resolvedAt ? Date.parse(i.resolvedAt) : null;
  const c = updateCadence({
    startedAt: slaClockStart(i),
    resolvedAt,
    customerNotes: i.customerNotes ?? [],
    target,
    now,
  });
  const breaches = c.breaches.map(
    (b): ReportBreach => ({
      kind: 'update',
      incidentId: i.id,
      deadline: new Date(b.due).toISOString(),
      ongoing: b.ongoing,
      severity: i.severity,
      title: i.title,
      overrunSeconds: seconds(b.overrunMs) as number,
      updateNumber: b.n + 1,
    }),
  );
  const outcome: UpdateOutcome =
    breaches.length > 0 ? 'breached' : resolvedAt === null ? 'pending' : c.dues.length === 0 ? 'not_due' : 'met';
  return { outcome, breaches };
}

function statsOf(rows: Row[]) {
  const values = (k: 'responseMs' | 'resolutionMs' | 'detectionMs') =>
    rows.map((r) => r.s[k]).filter((v): v is number => v !== null);
  return {
    mtta: stat(values('responseMs')),
    mttr: stat(values('resolutionMs')),
    mttd: stat(values('detectionMs')),
    respondWithinTarget: within(rows.map((r) => r.s.respond)),
    resolveWithinTarget: within(rows.map((r) => r.s.resolve)),
    updatesOnTime: updatesWithin(rows.map((r) => r.updates)),
  };
}

function uptimeOf(all: ReportSourceIncident[], input: ReportInput, from: number, to: number): ComponentUptime[] {
  const end = Math.min(to, input.now);
  const target = input.level?.uptimeTarget ?? null;
  return (input.components ?? []).map((c) => {
    const maintenance = maintenanceSpans(input.maintenance ?? [], input.tenant, c, from, end);
    const spans: Span[] = [];
    const incidents: string[] = [];
    for (const i of all) {
      if (!i.componentsDown?.includes(c.name)) continue;
      const span: Span = [Date.parse(i.openedAt), i.resolvedAt ? Date.parse(i.resolvedAt) : input.now];
      if (subtractSpans(clipSpans(mergeSpans([span]), from, end), maintenance).length === 0) continue;
      spans.push(span);
      incidents.push(i.id);
    }
    const u = uptime(spans, maintenance, from, Math.max(from, end));
    return {
      name: c.name,
      displayName: c.displayName,
      uptimePercent: u.percent,
      target,
      met: target === null || u.percent === null ? null : u.percent >= target,
      downtimeSeconds: u.downMs / 1000,
      maintenanceSeconds: u.maintenanceMs / 1000,
      measuredSeconds: u.measuredMs / 1000,
      incidents,
    };
  });
}

function period(
  all: ReportSourceIncident[],
  input: ReportInput,
  from: number,
  to: number,
): { figures: PeriodFigures; rows: ReportIncident[] } {
  const { level, now } = input;
  const mine = all.filter((i) => {
    const at = Date.parse(i.openedAt);
    return at >= from && at < to;
  });
  const rows: Row[] = mine.map((i) => {
    const u = updatesOf(i, level, now);
    return { i, s: slaStatus(i, level, now), updates: u.outcome, updateBreaches: u.breaches };
  });
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const i of mine) bySeverity[i.severity]++;
  const breaches: ReportBreach[] = [];
  for (const { i, s, updateBreaches } of rows) {
    for (const { overrunMs, ...b } of s.breaches) {
      breaches.push({ ...b, severity: i.severity, title: i.title, overrunSeconds: seconds(overrunMs) as number });
    }
    breaches.push(...updateBreaches);
  }
  const breachesByKind: BreachCounts = { respond: 0, resolve: 0, update: 0 };
  for (const b of breaches) breachesByKind[b.kind]++;
  const severities = Object.fromEntries(
    SEVERITIES.map((sev): [Severity, SeverityFigures] => {
      const t = level?.targets[sev];
      const of = rows.filter((r) => r.i.severity === sev);
      const { mttd: _mttd, ...figures } = statsOf(of);
      return [
        sev,
        {
          incidents: of.length,
          coverage: t?.coverage ?? null,
          respondTargetSeconds: t ? t.respondMs / 1000 : null,
          resolveTargetSeconds: t ? t.resolveMs / 1000 : null,
          ...figures,
        },
      ];
    }),
  ) as Record<Severity, SeverityFigures>;
  const out = rows.map(
    ({ i, s, updates, updateBreaches }): ReportIncident => ({
      id: i.id,
      severity: i.severity,
      title: i.title,
      status: i.status,
      openedAt: i.openedAt,
      startsAt: i.startsAt,
      acknowledgedAt: i.acknowledgedAt,
      resolvedAt: i.resolvedAt,
      pagingSince: slaExempt(i) ? null : new Date(slaClockStart(i)).toISOString(),
      coverage: s.coverage,
      respondBy: s.respondBy,
      resolveBy: s.resolveBy,
      detectionSeconds: seconds(s.detectionMs),
      responseSeconds: seconds(s.responseMs),
      resolutionSeconds: seconds(s.resolutionMs),
      respond: s.respond,
      resolve: s.resolve,
      updates,
      customerUpdates: i.customerNotes?.length ?? 0,
      updateBreaches: updateBreaches.length,
      components: i.componentsDown ?? [],
    }),
  );
  return {
    figures: {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      incidents: mine.length,
      bySeverity,
      ...statsOf(rows),
      breaches,
      breachesByKind,
      severities,
      uptime: uptimeOf(all, input, from, to),
    },
    rows: out,
  };
}

const diff = (a: number | null, b: number | null) =>
  a === null || b === null ? null : Math.round((a - b) * 1000) / 1000;

const byOpening = (a: ReportSourceIncident, b: ReportSourceIncident) =>
  a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

export function slaReport(input: ReportInput): SlaReport {
  const all = [...input.incidents].filter((i) => i.tenant === input.tenant).sort(byOpening);
  const length = input.to - input.from;
  const cur = period(all, input, input.from, input.to);
  const prev = period(all, input, input.from - length, input.from).figures;
  const c = cur.figures;
  return {
    tenant: input.tenant,
    displayName: input.displayName,
    serviceLevel: input.level?.key ?? null,
    uptimeTarget: input.level?.uptimeTarget ?? null,
    generatedAt: new Date(input.now).toISOString(),
    current: c,
    previous: prev,
    change: {
      incidents: c.incidents - prev.incidents,
      mttaMeanSeconds: diff(c.mtta.meanSeconds, prev.mtta.meanSeconds),
      mttaP90Seconds: diff(c.mtta.p90Seconds, prev.mtta.p90Seconds),
      mttrMeanSeconds: diff(c.mttr.meanSeconds, prev.mttr.meanSeconds),
      mttrP90Seconds: diff(c.mttr.p90Seconds, prev.mttr.p90Seconds),
      mttdMeanSeconds: diff(c.mttd.meanSeconds, prev.mttd.meanSeconds),
      mttdP90Seconds: diff(c.mttd.p90Seconds, prev.mttd.p90Seconds),
      respondWithinTargetPercent: diff(c.respondWithinTarget.percent, prev.respondWithinTarget.percent),
      resolveWithinTargetPercent: diff(c.resolveWithinTarget.percent, prev.resolveWithinTarget.percent),
      updatesOnTimePercent: diff(c.updatesOnTime.percent, prev.updatesOnTime.percent),
      breaches: c.breaches.length - prev.breaches.length,
      breachesByKind: {
        respond: c.breachesByKind.respond - prev.breachesByKind.respond,
        resolve: c.breachesByKind.resolve - prev.breachesByKind.resolve,
        update: c.breachesByKind.update - prev.breachesByKind.update,
      },
      uptimePercent: Object.fromEntries(
        c.uptime.map((u) => [
          u.name,
          diff(u.uptimePercent, prev.uptime.find((p) => p.name === u.name)?.uptimePercent ?? null),
        ]),
      ),
    },
    incidents: cur.rows,
  };
}

/** 1h 05m, 2d 3h, 45s: durations for people. */
export function humanDuration(secondsValue: number | null): string {
  if (secondsValue === null) return '–';
  const s = Math.round(Math.abs(secondsValue));
  const sign = secondsValue < 0 ? '−' : '';
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${sign}${d}d ${h}h`;
  if (h > 0) return `${sign}${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${sign}${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${sign}${s}s`;
}

// ---- CSV ----

const INCIDENT_COLUMNS = [
  'id',
  'severity',
  'title',
  'status',
  'openedAt',
  'startsAt',
  'acknowledgedAt',
  'resolvedAt',
  'coverage',
  'respondBy',
  'resolveBy',
  'detectionSeconds',
  'responseSeconds',
  'resolutionSeconds',
  'respond',
  'resolve',
] as const;

const LATER_COLUMNS = ['pagingSince', 'updates', 'customerUpdates', 'updateBreaches', 'components'] as const;

/** Summary figures as [metric, current, previous, change] rows (CSV and HTML share them). */
export function summaryRows(r: SlaReport): [string, number | null, number | null, number | null][] {
  const c = r.current;
  const p = r.previous;
  const d = r.change;
  const kinds: BreachKind[] = ['respond', 'resolve', 'update'];
  return [
    ['incidents', c.incidents, p.incidents, d.incidents],
    ...SEVERITIES.map((s): [string, number, number, number] => [
      `incidents_${s}`,
      c.bySeverity[s],
      p.bySeverity[s],
      c.bySeverity[s] - p.bySeverity[s],
    ]),
    ['mtta_mean_seconds', c.mtta.meanSeconds, p.mtta.meanSeconds, d.mttaMeanSeconds],
    ['mtta_p90_seconds', c.mtta.p90Seconds, p.mtta.p90Seconds, d.mttaP90Seconds],
    ['mttr_mean_seconds', c.mttr.meanSeconds, p.mttr.meanSeconds, d.mttrMeanSeconds],
    ['mttr_p90_seconds', c.mttr.p90Seconds, p.mttr.p90Seconds, d.mttrP90Seconds],
    ['mttd_mean_seconds', c.mttd.meanSeconds, p.mttd.meanSeconds, d.mttdMeanSeconds],
    ['mttd_p90_seconds', c.mttd.p90Seconds, p.mttd.p90Seconds, d.mttdP90Seconds],
    [
      'respond_within_target_percent',
      c.respondWithinTarget.percent,
      p.respondWithinTarget.percent,
      d.respondWithinTargetPercent,
    ],
    [
      'resolve_within_target_percent',
      c.resolveWithinTarget.percent,
      p.resolveWithinTarget.percent,
      d.resolveWithinTargetPercent,
    ],
    ['updates_on_time_percent', c.updatesOnTime.percent, p.updatesOnTime.percent, d.updatesOnTimePercent],
    ['breaches', c.breaches.length, p.breaches.length, d.breaches],
    ...kinds.map((k): [string, number, number, number] => [
      `breaches_${k}`,
      c.breachesByKind[k],
      p.breachesByKind[k],
      d.breachesByKind[k],
    ]),
    ...c.uptime.map((u): [string, number | null, number | null, number | null] => [
      `uptime_percent_${u.name}`,
      u.uptimePercent,
      p.uptime.find((x) => x.name === u.name)?.uptimePercent ?? null,
      d.uptimePercent[u.name] ?? null,
    ]),
  ];
}

/**
 * One row per incident of the period, a blank line, the summary (metric, current, previous, change), a blank
 * line and one row per breach (kind, incident, severity, deadline, overrun, ongoing).
 */
export function reportCsv(r: SlaReport): string {
  let out = csvLine([...INCIDENT_COLUMNS, 'respondOverrunSeconds', 'resolveOverrunSeconds', ...LATER_COLUMNS]);
  for (const i of r.incidents) {
    const overrun = (kind: string) =>
      r.current.breaches.find((b) => b.incidentId === i.id && b.kind === kind)?.overrunSeconds ?? null;
    out += csvLine([
      ...INCIDENT_COLUMNS.map((c) => i[c]),
      overrun('respond'),
      overrun('resolve'),
      ...LATER_COLUMNS.map((c) => i[c]),
    ]);
  }
  out += '\r\n';
  out += csvLine(['metric', 'current', 'previous', 'change']);
  for (const row of summaryRows(r)) out += csvLine(row);
  out += '\r\n';
  out += csvLine([
    'breach',
    'incidentId',
    'severity',
    'title',
    'deadline',
    'overrunSeconds',
    'ongoing',
    'updateNumber',
  ]);
  for (const b of r.current.breaches) {
    out += csvLine([
      b.kind,
      b.incidentId,
      b.severity,
      b.title,
      b.deadline,
      b.overrunSeconds,
      b.ongoing,
      b.updateNumber,
    ]);
  }
  return out;
}
