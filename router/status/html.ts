// The status page as one self-contained HTML document: inline CSS, no scripts, no external assets, every
// text escaped. Reloads itself every minute (the URL may carry the viewer token for browsers).
import { escapeHtml } from '../notify/templates.ts';
import type { ComponentState, StatusPage } from './page.ts';

const LABEL: Record<ComponentState, string> = {
  operational: 'Operational',
  degraded: 'Degraded performance',
  outage: 'Outage',
};
const OVERALL: Record<ComponentState, string> = {
  operational: 'All systems operational',
  degraded: 'Some systems are degraded',
  outage: 'Some systems have an outage',
};

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
main{max-width:860px;margin:0 auto;padding:24px}
h1{font-size:1.6em;margin:0 0 16px}h2{font-size:1.15em;margin:28px 0 10px}
.banner{padding:14px 18px;border-radius:6px;color:#fff;font-weight:600}
.operational{background:#2e8540}.degraded{background:#d98c00}.outage{background:#c62828}
.card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:14px 18px;margin-bottom:10px}
.row{display:flex;justify-content:space-between;align-items:baseline;gap:12px}
.state{font-size:.9em;font-weight:600}.state.operational{color:#2e8540;background:none}
.state.degraded{color:#b37400;background:none}.state.outage{color:#c62828;background:none}
.bars{display:flex;gap:1px;height:28px;margin:10px 0 4px}
.bars span{flex:1;border-radius:1px;background:#2e8540}.bars span.d{background:#d98c00}.bars span.o{background:#c62828}
.bars span.m{background:#1565c0}
.meta{font-size:.8em;color:#5b6472;display:flex;justify-content:space-between}
.update{border-left:3px solid #dde1e6;padding:4px 10px;margin:8px 0}.update p{margin:4px 0;white-space:pre-wrap}
footer{margin-top:28px;font-size:.8em;color:#5b6472}
`;

const e = (v: string) => escapeHtml(v);
const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export function statusHtml(p: StatusPage): string {
  const components = p.components
    .map((c) => {
      const bars = c.days
        .map((d) => {
          const cls =
            d.outage >= 0.05 ? ' class="o"' : d.outage > 0 ? ' class="d"' : d.maintenance > 0 ? ' class="m"' : '';
          const up = d.maintenance < 1 ? (100 * (1 - d.outage / (1 - d.maintenance))).toFixed(2) : '100.00';
          const title = `${d.date}: ${up}% up${d.maintenance > 0 ? `, ${(100 * d.maintenance).toFixed(1)}% maintenance` : ''}`;
          return `<span${cls} title="${e(title)}"></span>`;
        })
        .join('');
      return `<div class="card"><div class="row"><strong>${e(c.displayName)}</strong><span class="state ${c.state}">${LABEL[c.state]}</span></div>
<div class="bars" aria-label="uptime over ${c.days.length} days">${bars}</div>
<div class="meta"><span>${c.days.length} days ago</span><span>${c.uptimePercent.toFixed(3)}% uptime</span><span>today</span></div></div>`;
    })
    .join('\n');
  const incidents = p.incidents.length
    ? p.incidents
        .map((i) => {
          const updates = i.updates
            .map(
              (u) =>
                `<div class="update"><small>${e(when(u.at))}${u.status ? ` · <strong>${e(u.status)}</strong>` : ''}</small><p>${e(u.text)}</p></div>`,
            )
            .join('');
          const affects = i.components.length
            ? ` · affects ${e(i.components.map((n) => p.components.find((c) => c.name === n)?.displayName ?? n).join(', '))}`
            : '';
          return `<div class="card"><div class="row"><strong>${e(i.title)}</strong><span class="state">${e(i.status)}</span></div>
<small>Since ${e(when(i.openedAt))}${affects}</small>${updates}</div>`;
        })
        .join('\n')
    : '<div class="card">No open incidents.</div>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="60"><meta name="referrer" content="no-referrer">
<title>${e(p.displayName)} status</title><style>${CSS}</style></head>
<body><main>
<h1>${e(p.displayName)} status</h1>
<div class="banner ${p.overall}">${OVERALL[p.overall]}</div>
<h2>Open incidents</h2>
${incidents}
<h2>Components</h2>
${components || '<div class="card">No components configured.</div>'}
<footer>Updated ${e(when(p.generatedAt))}</footer>
</main></body></html>
`;
}
