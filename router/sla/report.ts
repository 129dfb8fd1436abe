// The SLA report of a tenant and period (docs/sla.md), as a pure computation over its incidents, and its
// CSV and HTML renderings. The API (router/api/reports.ts) passes the incidents from the store.
//
// Incidents count in the period they were opened in ([from, to)). Means and p90 (nearest rank: the smallest
// value at least 90 % of the values are at or below) are over the incidents that have the measure (acknowledged
// for MTTA, resolved for MTTR). "Within target" is met / (met + breached): incidents still open and not yet
// over their target are pending and count in neither. The previous period is the one of equal length just
// before `from`; `change` is current minus previous (null when either side has no figure).
import { SEVERITIES, type Severity } from '../alert.ts';
import type { ServiceLevelConfig } from '../config/compiled.ts';
import type { Incident } from '../incidents/model.ts';
import { escapeHtml } from '../notify/templates.ts';
import { type Breach, type SlaStatus, slaStatus } from './breaches.ts';

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

export interface ReportBreach extends Omit<Breach, 'overrunMs'> {
  severity: Severity;
  title: string;
  overrunSeconds: number;
}

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
  breaches: ReportBreach[];
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
  breaches: number;
}

export interface ReportIncident {
  id: string;
  severity: Severity;
  title: string;
  status: Incident['status'];
  openedAt: string;
  startsAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  coverage: SlaStatus['coverage'];
  respondBy: string | null;
  resolveBy: string | null;
  detectionSeconds: number | null;
  responseSeconds: number | null;
  resolutionSeconds: number | null;
  respond: SlaStatus['respond'];
  resolve: SlaStatus['resolve'];
}

export interface SlaReport {
  tenant: string;
  displayName: string;
  serviceLevel: string | null;
  generatedAt: string;
  current: PeriodFigures;
  previous: PeriodFigures;
  change: ReportChange;
  /** The incidents of the current period, oldest first. */
  incidents: ReportIncident[];
}

export interface ReportInput {
  tenant: string;
  displayName: string;
  level: ServiceLevelConfig | undefined;
  /** Every incident known (other tenants' are ignored). */
  incidents: Iterable<Incident>;
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

function within(statuses: SlaStatus[], key: 'respond' | 'resolve'): WithinTarget {
  const n = (o: SlaStatus['respond']) => statuses.filter((s) => s[key] === o).length;
  const met = n('met');
  const breached = n('breached');
  const decided = met + breached;
  return { met, breached, pending: n('pending'), percent: decided ? Math.round((met / decided) * 1000) / 10 : null };
}

function period(
  incidents: Incident[],
  level: ServiceLevelConfig | undefined,
  from: number,
  to: number,
  now: number,
): { figures: PeriodFigures; rows: ReportIncident[] } {
  const mine = incidents
    .filter((i) => {
      const at = Date.parse(i.openedAt);
      return at >= from && at < to;
    })
    .sort((a, b) => (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : a.id < b.id ? -1 : 1));
  const statuses = mine.map((i) => slaStatus(i, level, now));
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const i of mine) bySeverity[i.severity]++;
  const values = (k: 'responseMs' | 'resolutionMs' | 'detectionMs') =>
    statuses.map((s) => s[k]).filter((v): v is number => v !== null);
  const breaches: ReportBreach[] = [];
  statuses.forEach((s, idx) => {
    const i = mine[idx] as Incident;
    for (const { overrunMs, ...b } of s.breaches) {
      breaches.push({ ...b, severity: i.severity, title: i.title, overrunSeconds: seconds(overrunMs) as number });
    }
  });
  const rows = mine.map((i, idx): ReportIncident => {
    const s = statuses[idx] as SlaStatus;
    return {
      id: i.id,
      severity: i.severity,
      title: i.title,
      status: i.status,
      openedAt: i.openedAt,
      startsAt: i.startsAt,
      acknowledgedAt: i.acknowledgedAt,
      resolvedAt: i.resolvedAt,
      coverage: s.coverage,
      respondBy: s.respondBy,
      resolveBy: s.resolveBy,
      detectionSeconds: seconds(s.detectionMs),
      responseSeconds: seconds(s.responseMs),
      resolutionSeconds: seconds(s.resolutionMs),
      respond: s.respond,
      resolve: s.resolve,
    };
  });
  return {
    figures: {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      incidents: mine.length,
      bySeverity,
      mtta: stat(values('responseMs')),
      mttr: stat(values('resolutionMs')),
      mttd: stat(values('detectionMs')),
      respondWithinTarget: within(statuses, 'respond'),
      resolveWithinTarget: within(statuses, 'resolve'),
      breaches,
    },
    rows,
  };
}

const diff = (a: number | null, b: number | null) =>
  a === null || b === null ? null : Math.round((a - b) * 1000) / 1000;

export function slaReport(input: ReportInput): SlaReport {
  const all = [...input.incidents].filter((i) => i.tenant === input.tenant);
  const length = input.to - input.from;
  const cur = period(all, input.level, input.from, input.to, input.now);
  const prev = period(all, input.level, input.from - length, input.from, input.now).figures;
  const c = cur.figures;
  return {
    tenant: input.tenant,
    displayName: input.displayName,
    serviceLevel: input.level?.key ?? null,
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
      breaches: c.breaches.length - prev.breaches.length,
    },
    incidents: cur.rows,
  };
}

// ---- CSV ----

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  // Quote what CSV needs quoted; a leading = + - @ is prefixed so spreadsheets do not run it as a formula.
  const safe = /^[=+\-@\t\r]/.test(s) && Number.isNaN(Number(s)) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const csvLine = (fields: unknown[]) => `${fields.map(csvField).join(',')}\r\n`;

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

/** Summary figures as [metric, current, previous, change] rows (CSV and HTML share them). */
export function summaryRows(r: SlaReport): [string, number | null, number | null, number | null][] {
  const c = r.current;
  const p = r.previous;
  const d = r.change;
  return [
    ['incidents', c.incidents, p.incidents, d.incidents],
    ...SEVERITIES.map(
      (s) =>
        [`incidents_${s}`, c.bySeverity[s], p.bySeverity[s], c.bySeverity[s] - p.bySeverity[s]] as [
          string,
          number,
          number,
          number,
        ],
    ),
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
    ['breaches', c.breaches.length, p.breaches.length, d.breaches],
  ];
}

/** One row per incident of the period, then a blank line and the summary (metric, current, previous, change). */
export function reportCsv(r: SlaReport): string {
  let out = csvLine([...INCIDENT_COLUMNS, 'respondOverrunSeconds', 'resolveOverrunSeconds']);
  for (const i of r.incidents) {
    const overrun = (kind: string) =>
      r.current.breaches.find((b) => b.incidentId === i.id && b.kind === kind)?.overrunSeconds ?? null;
    out += csvLine([...INCIDENT_COLUMNS.map((c) => i[c]), overrun('respond'), overrun('resolve')]);
  }
  out += '\r\n';
  out += csvLine(['metric', 'current', 'previous', 'change']);
  for (const row of summaryRows(r)) out += csvLine(row);
  return out;
}

// ---- HTML ----

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

const pct = (v: number | null) => (v === null ? '–' : `${v}%`);
const signed = (v: number | null, fmt: (x: number) => string) =>
  v === null ? '–' : v === 0 ? '±0' : v > 0 ? `+${fmt(v)}` : `−${fmt(-v)}`;

/** Grouped bars: incidents by severity, this period against the previous one. Inline SVG, no external refs. */
function severityChart(r: SlaReport): string {
  const max = Math.max(1, ...SEVERITIES.flatMap((s) => [r.current.bySeverity[s], r.previous.bySeverity[s]]));
  const w = 480;
  const h = 200;
  const base = 170;
  const group = (w - 40) / SEVERITIES.length;
  const bar = group / 3;
  const bars = SEVERITIES.map((s, k) => {
    const x = 30 + k * group;
    const one = (v: number, dx: number, cls: string) => {
      const bh = Math.round((v / max) * 140);
      return (
        `<rect class="${cls}" x="${x + dx}" y="${base - bh}" width="${bar}" height="${bh}"><title>${s}: ${v}</title></rect>` +
        `<text x="${x + dx + bar / 2}" y="${base - bh - 4}" text-anchor="middle">${v}</text>`
      );
    };
    return (
      one(r.previous.bySeverity[s], 0, 'prev') +
      one(r.current.bySeverity[s], bar, 'cur') +
      `<text x="${x + bar}" y="${base + 16}" text-anchor="middle">${s}</text>`
    );
  }).join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Incidents by severity" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}">` +
    `<line x1="25" y1="${base}" x2="${w - 5}" y2="${base}" stroke="#555"/>${bars}` +
    `<rect class="prev" x="${w - 190}" y="4" width="10" height="10"/><text x="${w - 175}" y="13">previous period</text>` +
    `<rect class="cur" x="${w - 90}" y="4" width="10" height="10"/><text x="${w - 75}" y="13">this period</text></svg>`
  );
}

/** A printable page: executive summary first, then the technical detail. Self-contained (no external requests). */
export function reportHtml(r: SlaReport): string {
  const e = (v: unknown) => escapeHtml(v === null || v === undefined ? '–' : String(v));
  const c = r.current;
  const range = `${c.from.slice(0, 16).replace('T', ' ')} – ${c.to.slice(0, 16).replace('T', ' ')} UTC`;
  const kpi = (label: string, value: string, change: string) =>
    `<div class="kpi"><div class="label">${e(label)}</div><div class="value">${e(value)}</div><div class="change">${e(change)} vs previous period</div></div>`;
  const breachRows = c.breaches
    .map(
      (b) =>
        `<tr><td>${e(b.kind)}</td><td>${e(b.incidentId)}</td><td>${e(b.severity)}</td><td>${e(b.title)}</td>` +
        `<td>${e(b.deadline)}</td><td>${e(humanDuration(b.overrunSeconds))}${b.ongoing ? ' (ongoing)' : ''}</td></tr>`,
    )
    .join('');
  const incidentRows = r.incidents
    .map(
      (i) =>
        `<tr><td>${e(i.id)}</td><td>${e(i.severity)}</td><td>${e(i.title)}</td><td>${e(i.status)}</td>` +
        `<td>${e(i.openedAt)}</td><td>${e(humanDuration(i.detectionSeconds))}</td><td>${e(humanDuration(i.responseSeconds))}</td>` +
        `<td>${e(humanDuration(i.resolutionSeconds))}</td><td class="${e(i.respond)}">${e(i.respond)}</td><td class="${e(i.resolve)}">${e(i.resolve)}</td></tr>`,
    )
    .join('');
  const summary = summaryRows(r)
    .map(([m, cur, prev, d]) => `<tr><td>${e(m)}</td><td>${e(cur)}</td><td>${e(prev)}</td><td>${e(d)}</td></tr>`)
    .join('');
  const breachCount = c.breaches.length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SLA report ${e(r.displayName)} ${e(range)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;color:#222;max-width:960px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ccc}
.kpis{display:flex;flex-wrap:wrap;gap:12px}.kpi{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:150px}
.kpi .label{color:#666;font-size:12px}.kpi .value{font-size:22px;font-weight:600}.kpi .change{color:#666;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:12px}th,td{border:1px solid #ddd;padding:3px 6px;text-align:left}
th{background:#f3f3f3}.breached{color:#b00020;font-weight:600}.met{color:#1b5e20}
svg text{font:11px sans-serif}svg .cur{fill:#1565c0}svg .prev{fill:#b0bec5}
@media print{body{margin:0}h2{break-after:avoid}table,svg{break-inside:avoid}}
</style></head><body>
<h1>SLA report: ${e(r.displayName)}</h1>
<p>${e(range)} · service level ${e(r.serviceLevel)} · generated ${e(r.generatedAt)}</p>
<section id="executive-summary"><h2>Executive summary</h2>
<p>${c.incidents} incident${c.incidents === 1 ? '' : 's'} (${signed(r.change.incidents, String)} against the previous period).
${pct(c.respondWithinTarget.percent)} were answered and ${pct(c.resolveWithinTarget.percent)} resolved within the agreed targets;
${breachCount === 0 ? 'no target was missed.' : `${breachCount} target${breachCount === 1 ? ' was' : 's were'} missed (listed below).`}</p>
<div class="kpis">
${kpi(
  'Response within target',
  pct(c.respondWithinTarget.percent),
  signed(r.change.respondWithinTargetPercent, (x) => `${x} pts`),
)}
${kpi(
  'Resolution within target',
  pct(c.resolveWithinTarget.percent),
  signed(r.change.resolveWithinTargetPercent, (x) => `${x} pts`),
)}
${kpi('Mean time to acknowledge', humanDuration(c.mtta.meanSeconds), signed(r.change.mttaMeanSeconds, humanDuration))}
${kpi('Mean time to resolve', humanDuration(c.mttr.meanSeconds), signed(r.change.mttrMeanSeconds, humanDuration))}
</div>
<figure>${severityChart(r)}<figcaption>Incidents by severity</figcaption></figure>
</section>
<section id="technical-detail"><h2>Technical detail</h2>
<h3>Figures</h3>
<table><thead><tr><th>metric</th><th>this period</th><th>previous period</th><th>change</th></tr></thead><tbody>${summary}</tbody></table>
<h3>Breaches</h3>
${breachCount === 0 ? '<p>None.</p>' : `<table><thead><tr><th>kind</th><th>incident</th><th>severity</th><th>title</th><th>deadline</th><th>overrun</th></tr></thead><tbody>${breachRows}</tbody></table>`}
<h3>Incidents</h3>
<table><thead><tr><th>id</th><th>severity</th><th>title</th><th>status</th><th>opened</th><th>detection</th><th>response</th><th>resolution</th><th>respond</th><th>resolve</th></tr></thead><tbody>${incidentRows}</tbody></table>
<p>Times are measured on each target's clock: business time for business-hours targets, wall time for 24x7 targets.</p>
</section></body></html>
`;
}
