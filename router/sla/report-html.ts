// The SLA report as one printable, self-contained HTML page: the executive summary on top (headline figures
// with a traffic light against the targets and the trend against the previous period, charts), the technical
// detail below (figures, per-severity table, uptime per component, every breach, every incident). Charts are
// inline SVG; no scripts, no external requests (the API serves it under a CSP that forbids them). Every text
// is escaped.
//
// Traffic lights: a "% within target" figure is green at 100 %, amber from 90 %, red below; uptime is green
// at or above the ServiceLevel's uptimeTarget and red below; grey when there is no figure or no target.
import { SEVERITIES } from '../alert.ts';
import { escapeHtml } from '../notify/templates.ts';
import { humanDuration, type PeriodFigures, type SlaReport, summaryRows } from './report.ts';

export { humanDuration };

export type Light = 'green' | 'amber' | 'red' | 'grey';

export function percentLight(v: number | null): Light {
  return v === null ? 'grey' : v >= 100 ? 'green' : v >= 90 ? 'amber' : 'red';
}

export function uptimeLight(v: number | null, target: number | null): Light {
  return v === null || target === null ? 'grey' : v >= target ? 'green' : 'red';
}

const LIGHT_TEXT: Record<Light, string> = {
  green: 'on target',
  amber: 'near target',
  red: 'below target',
  grey: 'no target',
};

const e = (v: unknown) => escapeHtml(v === null || v === undefined ? '–' : String(v));
const pct = (v: number | null, digits = 1) => (v === null ? '–' : `${Number(v.toFixed(digits))}%`);
const utc = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')}` : '–');

/**
 * The trend against the previous period, coloured by whether it is better (`higherIsBetter`: up is good).
 * `fmt` formats the magnitude.
 */
function trend(change: number | null, higherIsBetter: boolean, fmt: (x: number) => string): string {
  if (change === null) return '<span class="trend">no comparison</span>';
  if (change === 0) return '<span class="trend">± 0 vs previous period</span>';
  const good = change > 0 === higherIsBetter;
  const arrow = change > 0 ? '▲' : '▼';
  const sign = change > 0 ? '+' : '−';
  return `<span class="trend ${good ? 'better' : 'worse'}">${arrow} ${sign}${e(fmt(Math.abs(change)))} vs previous period</span>`;
}

function kpi(
  label: string,
  value: string,
  light: Light | null,
  trendHtml: string,
  note = '',
  lightText?: string,
): string {
  const text = light ? (lightText ?? LIGHT_TEXT[light]) : '';
  const dot = light
    ? `<span class="light ${light}" role="img" aria-label="${e(text)}"></span><span class="lighttext">${e(text)}</span>`
    : '';
  return `<div class="kpi"><div class="label">${e(label)}</div><div class="value">${e(value)}</div><div>${dot}</div>${trendHtml}${note ? `<div class="note">${e(note)}</div>` : ''}</div>`;
}

const svgOpen = (label: string, w: number, h: number) =>
  `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${e(label)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}">`;

/** MTTA and MTTR of each severity as a share of its target (100 % = the target): one scale for all. */
function targetChart(c: PeriodFigures): string {
  const rows: { label: string; value: number | null; target: number | null; text: string }[] = [];
  for (const s of SEVERITIES) {
    const f = c.severities[s];
    if (f.incidents === 0) continue;
    rows.push({
      label: `${s} · respond`,
      value: f.mtta.meanSeconds,
      target: f.respondTargetSeconds,
      text: `MTTA ${humanDuration(f.mtta.meanSeconds)} / target ${humanDuration(f.respondTargetSeconds)}`,
    });
    rows.push({
      label: `${s} · resolve`,
      value: f.mttr.meanSeconds,
      target: f.resolveTargetSeconds,
      text: `MTTR ${humanDuration(f.mttr.meanSeconds)} / target ${humanDuration(f.resolveTargetSeconds)}`,
    });
  }
  if (rows.length === 0) return '<p class="muted">No incidents in this period.</p>';
  const w = 620;
  const left = 120;
  const barW = 300;
  const rowH = 24;
  const h = rows.length * rowH + 30;
  const ratios = rows.map((r) => (r.value !== null && r.target ? r.value / r.target : 0));
  const max = Math.min(3, Math.max(1.25, ...ratios));
  const x = (ratio: number) => left + Math.min(ratio, max) * (barW / max);
  const body = rows
    .map((r, k) => {
      const y = 20 + k * rowH;
      const ratio = r.value !== null && r.target ? r.value / r.target : null;
      const cls = ratio === null ? 'none' : ratio <= 1 ? 'ok' : 'over';
      const bw = ratio === null ? 0 : Math.max(1, x(ratio) - left);
      return (
        `<text x="${left - 6}" y="${y + 13}" text-anchor="end">${e(r.label)}</text>` +
        `<rect class="${cls}" x="${left}" y="${y + 3}" width="${bw.toFixed(1)}" height="14"><title>${e(r.text)}</title></rect>` +
        `<text x="${left + barW + 8}" y="${y + 13}">${e(r.text)}</text>`
      );
    })
    .join('');
  const t = x(1);
  return (
    `${svgOpen('Mean times against their targets', w, h)}${body}` +
    `<line class="target" x1="${t}" y1="14" x2="${t}" y2="${h - 12}"/>` +
    `<text x="${t}" y="10" text-anchor="middle">target</text>` +
    `<text x="${left}" y="${h - 2}" class="muted">0</text>` +
    `<text x="${left + barW}" y="${h - 2}" text-anchor="end" class="muted">${Math.round(max * 100)}% of target</text></svg>`
  );
}

/** Grouped vertical bars: `values` for the previous and this period per category. */
function groupedBars(label: string, cats: { name: string; prev: number; cur: number }[]): string {
  const max = Math.max(1, ...cats.flatMap((c) => [c.prev, c.cur]));
  const w = 300;
  const h = 190;
  const base = 160;
  const group = (w - 30) / cats.length;
  const bar = Math.min(28, group / 3);
  const bars = cats
    .map((c, k) => {
      const x0 = 25 + k * group + (group - 2 * bar) / 2;
      const one = (v: number, dx: number, cls: string, when: string) => {
        const bh = Math.round((v / max) * 120);
        return (
          `<rect class="${cls}" x="${x0 + dx}" y="${base - bh}" width="${bar}" height="${bh}"><title>${e(`${c.name}, ${when}: ${v}`)}</title></rect>` +
          `<text x="${x0 + dx + bar / 2}" y="${base - bh - 4}" text-anchor="middle">${v}</text>`
        );
      };
      return (
        one(c.prev, 0, 'prev', 'previous period') +
        one(c.cur, bar, 'cur', 'this period') +
        `<text x="${x0 + bar}" y="${base + 15}" text-anchor="middle">${e(c.name)}</text>`
      );
    })
    .join('');
  return (
    `${svgOpen(label, w, h)}<line x1="20" y1="${base}" x2="${w - 5}" y2="${base}" stroke="#555"/>${bars}` +
    `<rect class="prev" x="25" y="178" width="10" height="10"/><text x="39" y="187">previous</text>` +
    `<rect class="cur" x="110" y="178" width="10" height="10"/><text x="124" y="187">this period</text></svg>`
  );
}

/** Uptime of each component as a horizontal bar on a zoomed scale, with the target as a line. */
function uptimeChart(r: SlaReport): string {
  const list = r.current.uptime;
  if (list.length === 0) return '';
  const values = list.map((u) => u.uptimePercent ?? 100);
  const floor = Math.max(0, Math.floor(Math.min(...values, r.uptimeTarget ?? 100, 99.5) - 0.5));
  const w = 620;
  const left = 140;
  const barW = 320;
  const rowH = 24;
  const h = list.length * rowH + 30;
  const x = (v: number) => left + ((v - floor) / (100 - floor)) * barW;
  const body = list
    .map((u, k) => {
      const y = 20 + k * rowH;
      const v = u.uptimePercent;
      const light = uptimeLight(v, u.target);
      const text = `${pct(v, 3)}${u.target !== null ? ` (target ${u.target}%)` : ''}`;
      return (
        `<text x="${left - 6}" y="${y + 13}" text-anchor="end">${e(u.displayName)}</text>` +
        `<rect class="bg" x="${left}" y="${y + 3}" width="${barW}" height="14"/>` +
        (v === null
          ? ''
          : `<rect class="${light === 'red' ? 'over' : 'ok'}" x="${left}" y="${y + 3}" width="${Math.max(1, x(v) - left).toFixed(1)}" height="14"><title>${e(`${u.displayName}: ${text}`)}</title></rect>`) +
        `<text x="${left + barW + 8}" y="${y + 13}">${e(text)}</text>`
      );
    })
    .join('');
  const target =
    r.uptimeTarget === null
      ? ''
      : `<line class="target" x1="${x(r.uptimeTarget)}" y1="14" x2="${x(r.uptimeTarget)}" y2="${h - 12}"/><text x="${x(r.uptimeTarget)}" y="10" text-anchor="middle">target</text>`;
  return (
    `${svgOpen('Uptime per component', w, h)}${body}${target}` +
    `<text x="${left}" y="${h - 2}" class="muted">${floor}%</text><text x="${left + barW}" y="${h - 2}" text-anchor="end" class="muted">100%</text></svg>`
  );
}

const CSS = `
@page{size:A4;margin:14mm}
body{font:13px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2430;max-width:1000px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:2px solid #1d2430;padding-bottom:2px}
h3{font-size:14px;margin:20px 0 6px}.muted,p.meta{color:#5b6472}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(175px,1fr));gap:10px;margin:12px 0}
.kpi{border:1px solid #dde1e6;border-radius:6px;padding:10px 12px}
.kpi .label{color:#5b6472;font-size:12px}.kpi .value{font-size:22px;font-weight:650;margin:2px 0}
.kpi .note{color:#5b6472;font-size:11px}
.light{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px;vertical-align:baseline}
.light.green{background:#2e8540}.light.amber{background:#e0a100}.light.red{background:#c62828}.light.grey{background:#9aa3ad}
.lighttext{font-size:11px;color:#5b6472}
.trend{display:block;font-size:11px;color:#5b6472}.trend.better{color:#2e7d32}.trend.worse{color:#c62828}
.charts{display:grid;grid-template-columns:auto auto;gap:6px 24px;align-items:end;justify-content:start}
figure{margin:8px 0}figcaption{font-size:12px;color:#5b6472;max-width:620px}
table{border-collapse:collapse;width:100%;font-size:11.5px;margin-bottom:6px}
th,td{border:1px solid #dde1e6;padding:3px 6px;text-align:left;vertical-align:top}th{background:#f1f3f5}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.breached,.over-text{color:#c62828;font-weight:600}.met{color:#2e7d32}.pending{color:#8a6d00}
svg text{font:11px system-ui,sans-serif;fill:#1d2430}svg .muted{fill:#5b6472}
svg .cur{fill:#1565c0}svg .prev{fill:#b0bec5}svg .ok{fill:#2e8540}svg .over{fill:#c62828}svg .none{fill:#9aa3ad}
svg .bg{fill:#eef0f2}svg .target{stroke:#1d2430;stroke-width:1.5;stroke-dasharray:4 3}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}h3{break-after:avoid}tr,svg,.kpi{break-inside:avoid}
#technical-detail{break-before:page}}
`;

/** The report page. */
export function reportHtml(r: SlaReport): string {
  const c = r.current;
  const d = r.change;
  const range = `${utc(c.from)} – ${utc(c.to)} UTC`;
  const prevRange = `${utc(r.previous.from)} – ${utc(r.previous.to)} UTC`;
  const points = (x: number) => `${Number(x.toFixed(1))} pts`;
  const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

  const worstUptime = c.uptime
    .filter((u) => u.uptimePercent !== null)
    .sort((a, b) => (a.uptimePercent as number) - (b.uptimePercent as number))[0];
  const kpis = [
    kpi(
      'Responses within target',
      pct(c.respondWithinTarget.percent),
      percentLight(c.respondWithinTarget.percent),
      trend(d.respondWithinTargetPercent, true, points),
      `${c.respondWithinTarget.met} met, ${c.respondWithinTarget.breached} missed, ${c.respondWithinTarget.pending} pending`,
    ),
    kpi(
      'Resolutions within target',
      pct(c.resolveWithinTarget.percent),
      percentLight(c.resolveWithinTarget.percent),
      trend(d.resolveWithinTargetPercent, true, points),
      `${c.resolveWithinTarget.met} met, ${c.resolveWithinTarget.breached} missed, ${c.resolveWithinTarget.pending} pending`,
    ),
    kpi(
      'Customer updates on time',
      pct(c.updatesOnTime.percent),
      percentLight(c.updatesOnTime.percent),
      trend(d.updatesOnTimePercent, true, points),
      `${c.updatesOnTime.met} on time, ${c.updatesOnTime.breached} late`,
    ),
    worstUptime
      ? kpi(
          c.uptime.length === 1 ? `Uptime: ${worstUptime.displayName}` : `Lowest uptime: ${worstUptime.displayName}`,
          pct(worstUptime.uptimePercent, 3),
          uptimeLight(worstUptime.uptimePercent, worstUptime.target),
          trend(d.uptimePercent[worstUptime.name] ?? null, true, (x) => `${Number(x.toFixed(3))} pts`),
          worstUptime.target !== null ? `target ${worstUptime.target}%` : 'no uptime target',
        )
      : '',
    kpi('Incidents', String(c.incidents), null, trend(d.incidents, false, String)),
    kpi(
      'Mean time to acknowledge',
      humanDuration(c.mtta.meanSeconds),
      null,
      trend(d.mttaMeanSeconds, false, humanDuration),
      `p90 ${humanDuration(c.mtta.p90Seconds)}`,
    ),
    kpi(
      'Mean time to resolve',
      humanDuration(c.mttr.meanSeconds),
      null,
      trend(d.mttrMeanSeconds, false, humanDuration),
      `p90 ${humanDuration(c.mttr.p90Seconds)}`,
    ),
    kpi(
      'Targets missed',
      String(c.breaches.length),
      c.breaches.length === 0 ? 'green' : 'red',
      trend(d.breaches, false, String),
      `${c.breachesByKind.respond} respond, ${c.breachesByKind.resolve} resolve, ${c.breachesByKind.update} update`,
      c.breaches.length === 0 ? 'none missed' : 'targets missed',
    ),
  ].join('\n');

  const missedUptime = c.uptime.filter((u) => u.met === false);
  const sentence =
    `${count(c.incidents, 'incident')} (${d.incidents === 0 ? 'as many as' : d.incidents > 0 ? `${d.incidents} more than` : `${-d.incidents} fewer than`} the previous period). ` +
    `${pct(c.respondWithinTarget.percent)} were answered and ${pct(c.resolveWithinTarget.percent)} resolved within the agreed targets` +
    `${c.updatesOnTime.percent === null ? '' : `; customers were updated on time in ${pct(c.updatesOnTime.percent)}`}. ` +
    (c.breaches.length === 0
      ? 'No target was missed.'
      : `${count(c.breaches.length, 'target was', 'targets were')} missed (listed below).`) +
    (c.uptime.length === 0
      ? ''
      : missedUptime.length === 0
        ? ' Every component met its uptime target.'
        : ` Below the uptime target: ${missedUptime.map((u) => `${u.displayName} (${pct(u.uptimePercent, 3)})`).join(', ')}.`);

  const sevRows = SEVERITIES.map((s) => {
    const f = c.severities[s];
    return (
      `<tr><td>${e(s)}</td><td class="n">${f.incidents}</td><td>${e(f.coverage)}</td>` +
      `<td class="n">${e(humanDuration(f.respondTargetSeconds))}</td><td class="n">${e(humanDuration(f.mtta.meanSeconds))}</td><td class="n">${e(humanDuration(f.mtta.p90Seconds))}</td><td class="n">${e(pct(f.respondWithinTarget.percent))}</td>` +
      `<td class="n">${e(humanDuration(f.resolveTargetSeconds))}</td><td class="n">${e(humanDuration(f.mttr.meanSeconds))}</td><td class="n">${e(humanDuration(f.mttr.p90Seconds))}</td><td class="n">${e(pct(f.resolveWithinTarget.percent))}</td>` +
      `<td class="n">${e(pct(f.updatesOnTime.percent))}</td></tr>`
    );
  }).join('');
  const uptimeRows = c.uptime
    .map((u) => {
      const prev = r.previous.uptime.find((p) => p.name === u.name)?.uptimePercent ?? null;
      const light = uptimeLight(u.uptimePercent, u.target);
      return (
        `<tr><td>${e(u.displayName)} <span class="muted">(${e(u.name)})</span></td><td class="n ${light === 'red' ? 'breached' : ''}">${e(pct(u.uptimePercent, 3))}</td>` +
        `<td class="n">${e(u.target === null ? '–' : `${u.target}%`)}</td><td>${u.met === null ? '–' : u.met ? '<span class="met">met</span>' : '<span class="breached">missed</span>'}</td>` +
        `<td class="n">${e(humanDuration(u.downtimeSeconds))}</td><td class="n">${e(humanDuration(u.maintenanceSeconds))}</td>` +
        `<td class="n">${e(pct(prev, 3))}</td><td>${e(u.incidents.join(', ') || '–')}</td></tr>`
      );
    })
    .join('');
  const breachRows = c.breaches
    .map(
      (b) =>
        `<tr><td>${e(b.kind)}${b.updateNumber ? ` #${b.updateNumber}` : ''}</td><td>${e(b.incidentId)}</td><td>${e(b.severity)}</td><td>${e(b.title)}</td>` +
        `<td>${e(utc(b.deadline))}</td><td class="n over-text">${e(humanDuration(b.overrunSeconds))}${b.ongoing ? ' (ongoing)' : ''}</td></tr>`,
    )
    .join('');
  const incidentRows = r.incidents
    .map(
      (i) =>
        `<tr><td>${e(i.id)}</td><td>${e(i.severity)}</td><td>${e(i.title)}</td><td>${e(i.status)}</td>` +
        `<td>${e(utc(i.openedAt))}</td><td class="n">${e(humanDuration(i.detectionSeconds))}</td><td class="n">${e(humanDuration(i.responseSeconds))}</td>` +
        `<td class="n">${e(humanDuration(i.resolutionSeconds))}</td><td class="${e(i.respond)}">${e(i.respond)}</td><td class="${e(i.resolve)}">${e(i.resolve)}</td>` +
        `<td class="${e(i.updates)}">${e(i.updates)}${i.customerUpdates ? ` (${i.customerUpdates})` : ''}</td><td>${e(i.components.join(', ') || '–')}</td></tr>`,
    )
    .join('');
  const summary = summaryRows(r)
    .map(
      ([m, cur, prev, ch]) =>
        `<tr><td>${e(m)}</td><td class="n">${e(cur)}</td><td class="n">${e(prev)}</td><td class="n">${e(ch)}</td></tr>`,
    )
    .join('');
  const kinds = (['respond', 'resolve', 'update'] as const).map((k) => ({
    name: k,
    prev: r.previous.breachesByKind[k],
    cur: c.breachesByKind[k],
  }));
  const sevCats = SEVERITIES.map((s) => ({ name: s, prev: r.previous.bySeverity[s], cur: c.bySeverity[s] }));

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>SLA report ${e(r.displayName)} ${e(range)}</title>
<style>${CSS}</style></head><body>
<header><h1>SLA report: ${e(r.displayName)}</h1>
<p class="meta">${e(range)} · compared with ${e(prevRange)} · service level ${e(r.serviceLevel)} · generated ${e(utc(r.generatedAt))} UTC</p></header>
<section id="executive-summary"><h2>Executive summary</h2>
<p>${e(sentence)}</p>
<div class="kpis">
${kpis}
</div>
<div class="charts">
<figure>${targetChart(c)}<figcaption>Mean time to acknowledge and to resolve per severity, as a share of the target (dashed line).</figcaption></figure>
<figure>${groupedBars('Missed targets by kind', kinds)}<figcaption>Missed targets by kind.</figcaption></figure>
${c.uptime.length ? `<figure>${uptimeChart(r)}<figcaption>Uptime per component against the uptime target (dashed line).</figcaption></figure>` : '<figure></figure>'}
<figure>${groupedBars('Incidents by severity', sevCats)}<figcaption>Incidents by severity.</figcaption></figure>
</div>
</section>
<section id="technical-detail"><h2>Technical detail</h2>
<h3>Per severity</h3>
<table><thead><tr><th>severity</th><th>incidents</th><th>coverage</th><th>respond target</th><th>MTTA</th><th>MTTA p90</th><th>respond within</th><th>resolve target</th><th>MTTR</th><th>MTTR p90</th><th>resolve within</th><th>updates on time</th></tr></thead><tbody>${sevRows}</tbody></table>
${c.uptime.length ? `<h3>Uptime per component</h3><table><thead><tr><th>component</th><th>uptime</th><th>target</th><th></th><th>downtime</th><th>maintenance (excluded)</th><th>previous period</th><th>incidents</th></tr></thead><tbody>${uptimeRows}</tbody></table>` : ''}
<h3>Missed targets</h3>
${c.breaches.length === 0 ? '<p>None.</p>' : `<table><thead><tr><th>kind</th><th>incident</th><th>severity</th><th>title</th><th>deadline (UTC)</th><th>overrun</th></tr></thead><tbody>${breachRows}</tbody></table>`}
<h3>Incidents</h3>
${r.incidents.length === 0 ? '<p>None.</p>' : `<table><thead><tr><th>id</th><th>severity</th><th>title</th><th>status</th><th>opened (UTC)</th><th>detection</th><th>response</th><th>resolution</th><th>respond</th><th>resolve</th><th>updates</th><th>components</th></tr></thead><tbody>${incidentRows}</tbody></table>`}
<h3>All figures</h3>
<table><thead><tr><th>metric</th><th>this period</th><th>previous period</th><th>change</th></tr></thead><tbody>${summary}</tbody></table>
<p class="muted">Times are measured on each target's clock: business time for business-hours targets, wall time for 24x7 targets;
the clock starts when the incident starts paging. Incidents count in the period they were opened in. p90 is the nearest rank.
Customer updates are due on the wall clock. Uptime counts an incident's critical or high alerts as an outage of the components
they match; maintenance windows count neither as up nor as down. See docs/sla.md.</p>
</section></body></html>
`;
}
