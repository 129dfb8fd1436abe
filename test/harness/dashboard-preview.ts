// A preview of a Grafana dashboard: its panels laid out by their gridPos, each drawn from what its queries
// return from a real Prometheus (stat: the value, bar gauge and table: one row per series, time series: inline
// SVG lines). No Grafana is available from this machine's registries, so the docs' dashboard pictures are
// these previews, taken in headless Chromium by test/integration/dashboards.test.ts. Grafana draws the same
// queries in the same places with its own styling.

// biome-ignore lint/suspicious/noExplicitAny: Grafana JSON is walked generically
type Json = any;

export interface SeriesData {
  labels: Record<string, string>;
  /** [unix seconds, value] */
  points: [number, number][];
}

export interface PanelData {
  title: string;
  type: string;
  gridPos: { x: number; y: number; w: number; h: number };
  unit: string;
  series: SeriesData[];
}

const COLORS = ['#73bf69', '#f2cc0c', '#5794f2', '#ff780a', '#b877d9', '#f2495c', '#8ab8ff', '#96d98d'];
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Grafana's legendFormat: `{{label}}` replaced; `__auto` or empty: the label set. */
export function legend(format: string | undefined, labels: Record<string, string>): string {
  if (format && format !== '__auto') return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => labels[k] ?? '');
  const parts = Object.entries(labels).filter(([k]) => k !== '__name__');
  return parts.length ? parts.map(([k, v]) => `${k}="${v}"`).join(', ') : 'value';
}

function format(v: number, unit: string): string {
  if (!Number.isFinite(v)) return String(v);
  if (unit === 'percentunit') return `${(v * 100).toFixed(1)}%`;
  if (unit === 'percent') return `${v.toFixed(1)}%`;
  if (unit === 's')
    return v >= 3600
      ? `${(v / 3600).toFixed(1)} h`
      : v >= 60
        ? `${(v / 60).toFixed(1)} min`
        : `${v.toFixed(v < 10 ? 2 : 0)} s`;
  if (unit === 'bytes') return v >= 1024 ** 2 ? `${(v / 1024 ** 2).toFixed(1)} MiB` : `${(v / 1024).toFixed(1)} KiB`;
  return Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(2);
}

const last = (s: SeriesData) => s.points[s.points.length - 1]?.[1] ?? Number.NaN;

function timeseries(p: PanelData, width: number, height: number): string {
  const pts = p.series.flatMap((s) => s.points);
  if (pts.length === 0) return '<div class="empty">No data</div>';
  const t0 = Math.min(...pts.map((x) => x[0]));
  const t1 = Math.max(...pts.map((x) => x[0]));
  const finite = pts.map((x) => x[1]).filter(Number.isFinite);
  const lo = Math.min(0, ...finite);
  const hi = Math.max(...finite, lo + 1e-9);
  const X = (t: number) => 40 + ((t - t0) / Math.max(t1 - t0, 1)) * (width - 50);
  const Y = (v: number) => 8 + (1 - (v - lo) / (hi - lo)) * (height - 28);
  const lines = p.series
    .map((s, i) => {
      const d = s.points
        .filter((x) => Number.isFinite(x[1]))
        .map((x, k) => `${k ? 'L' : 'M'}${X(x[0]).toFixed(1)},${Y(x[1]).toFixed(1)}`)
        .join('');
      return `<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5"/>`;
    })
    .join('');
  const axis = `<text x="4" y="${Y(hi) + 4}" class="axis">${esc(format(hi, p.unit))}</text><text x="4" y="${Y(lo)}" class="axis">${esc(format(lo, p.unit))}</text><line x1="40" x2="${width - 10}" y1="${Y(lo)}" y2="${Y(lo)}" class="grid"/>`;
  const keys = p.series
    .slice(0, 6)
    .map(
      (s, i) =>
        `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(legend(undefined, s.labels))}</span>`,
    )
    .join('');
  return `<svg width="${width}" height="${height}" role="img">${axis}${lines}</svg><div class="legend">${keys}</div>`;
}

function bars(p: PanelData): string {
  if (p.series.length === 0) return '<div class="empty">No data</div>';
  const max = Math.max(...p.series.map(last).filter(Number.isFinite), 1e-9);
  return p.series
    .slice(0, 8)
    .map((s, i) => {
      const v = last(s);
      const pct = Number.isFinite(v) ? Math.max(0, (v / max) * 100) : 0;
      return `<div class="bar"><span class="name">${esc(legend(undefined, s.labels))}</span><span class="track"><span style="width:${pct.toFixed(1)}%;background:${COLORS[i % COLORS.length]}"></span></span><span class="v">${esc(format(v, p.unit))}</span></div>`;
    })
    .join('');
}

function table(p: PanelData): string {
  if (p.series.length === 0) return '<div class="empty">No data</div>';
  const keys = [...new Set(p.series.flatMap((s) => Object.keys(s.labels)))].filter((k) => k !== '__name__');
  const head = [...keys, 'Value'].map((k) => `<th>${esc(k)}</th>`).join('');
  const rows = p.series
    .slice(0, 12)
    .map(
      (s) =>
        `<tr>${keys.map((k) => `<td>${esc(s.labels[k] ?? '')}</td>`).join('')}<td>${esc(format(last(s), p.unit))}</td></tr>`,
    )
    .join('');
  return `<table><tr>${head}</tr>${rows}</table>`;
}

function stat(p: PanelData): string {
  if (p.series.length === 0) return '<div class="empty">No data</div>';
  const v = p.series.map(last).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return `<div class="stat">${esc(format(v, p.unit))}</div>`;
}

/** The panels of a dashboard (rows' nested panels included, rows themselves as headings). */
export function dashboardPanels(d: Json): Json[] {
  return (d.panels as Json[]).flatMap((p) => [p, ...((p.panels as Json[] | undefined) ?? [])]);
}

/** The preview page of one dashboard. */
export function previewHtml(title: string, subtitle: string, panels: PanelData[]): string {
  const COL = 52;
  const ROW = 30;
  const body = panels
    .map((p) => {
      const w = p.gridPos.w * COL - 8;
      const h = p.gridPos.h * ROW - 8;
      const style = `left:${p.gridPos.x * COL}px;top:${p.gridPos.y * ROW}px;width:${w}px;height:${h}px`;
      if (p.type === 'row') return `<h2 class="row" style="${style}">${esc(p.title)}</h2>`;
      const inner =
        p.type === 'timeseries'
          ? timeseries(p, w - 16, h - 64)
          : p.type === 'stat'
            ? stat(p)
            : p.type === 'table'
              ? table(p)
              : bars(p);
      return `<section class="panel" style="${style}"><h3>${esc(p.title)}</h3>${inner}</section>`;
    })
    .join('\n');
  const height = Math.max(...panels.map((p) => (p.gridPos.y + p.gridPos.h) * ROW), 100);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>
body{margin:0;background:#111217;color:#ccccdc;font:12px -apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif}
header{padding:10px 16px;border-bottom:1px solid #2c2d33}header h1{font-size:16px;margin:0;color:#fff}header p{margin:2px 0 0;color:#8e8e9e}
main{position:relative;margin:12px 16px;height:${height}px;width:${24 * COL}px}
.panel{position:absolute;background:#181b1f;border:1px solid #2c2d33;border-radius:2px;padding:6px 8px;box-sizing:border-box;overflow:hidden}
.panel h3{margin:0 0 6px;font-size:12px;font-weight:500;color:#fff}
.row{position:absolute;margin:0;font-size:14px;color:#fff;padding-top:6px}
.stat{font-size:34px;font-weight:500;color:#73bf69;text-align:center;margin-top:10px}
.empty{color:#8e8e9e;text-align:center;margin-top:20px}
.axis{fill:#8e8e9e;font-size:10px}.grid{stroke:#2c2d33}
.legend span{margin-right:10px;white-space:nowrap;color:#ccccdc}.legend i{display:inline-block;width:10px;height:3px;margin:0 4px 3px 0}
.bar{display:flex;align-items:center;gap:6px;margin:3px 0}.bar .name{width:38%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bar .track{flex:1;height:12px;background:#22252b}.bar .track span{display:block;height:12px}.bar .v{width:60px;text-align:right}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #2c2d33;padding:2px 4px;text-align:left}th{color:#8e8e9e;font-weight:500}
</style></head><body><header><h1>${esc(title)}</h1><p>${esc(subtitle)}</p></header><main>
${body}
</main></body></html>`;
}
