// SLA report (GET /api/v1/reports/sla) and postmortem draft (GET /api/v1/incidents/{id}/postmortem).
// The report is computed from the events stream (the audit trail), not from the incidents bucket, so it is
// exact after restarts and on every replica alike.
// Access (router/api/scopes.ts): reports need the tenant's viewer or responder token (403 for another
// tenant's report); postmortems are incident reads (responder; 404 for another tenant's incident, so ids do
// not leak) and are rendered from the tenant's view of the incident for tenant tokens (tenant-view.ts).
import { type Request, Router } from 'express';
import { ForbiddenError, NotFoundError, UnavailableError, ValidationError } from '../errors.ts';
import { readTenantIncidents } from '../sla/events-reader.ts';
import { renderPostmortem } from '../sla/postmortem.ts';
import { reportCsv, slaReport } from '../sla/report.ts';
import { reportHtml } from '../sla/report-html.ts';
import type { Principal } from './auth.ts';
import type { ApiContext } from './context.ts';
import { authenticate } from './middleware.ts';
import { decide, isTenantToken } from './scopes.ts';
import { tenantIncident, tenantTimeline } from './tenant-view.ts';

const MAX_PERIOD_MS = 400 * 86_400_000;

function instant(q: Request['query'], field: string): number {
  const v = q[field];
  if (typeof v !== 'string' || v === '') throw new ValidationError(field, 'is required (RFC 3339 time or date)');
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new ValidationError(field, 'must be an RFC 3339 time or a date (2026-03-01)');
  return ms;
}

function allowed(p: Principal | undefined, action: 'reports.read' | 'incidents.read'): Principal {
  if (!p) throw new ForbiddenError('no principal');
  const d = decide(p, action);
  if (!d.allowed) throw new ForbiddenError(d.error);
  return p;
}

export function reportsRouter(ctx: ApiContext): Router {
  const r = Router();
  r.use('/api/v1/reports', authenticate(ctx));

  r.get('/api/v1/reports/sla', async (req, res) => {
    const p = allowed(req.principal, 'reports.read');
    const q = req.query;
    let tenant = typeof q['tenant'] === 'string' && q['tenant'] ? q['tenant'] : undefined;
    if (isTenantToken(p)) {
      if (tenant && tenant !== p.tenant) throw new ForbiddenError(`this token reads tenant ${p.tenant} only`);
      tenant = p.tenant;
    }
    if (!tenant) throw new ValidationError('tenant', 'is required');
    const from = instant(q, 'from');
    const to = instant(q, 'to');
    if (to <= from) throw new ValidationError('to', 'must be after from');
    if (to - from > MAX_PERIOD_MS) throw new ValidationError('to', 'the period may be at most 400 days');
    const format = q['format'] === undefined ? 'json' : q['format'];
    if (format !== 'json' && format !== 'csv' && format !== 'html')
      throw new ValidationError('format', 'must be one of: json, csv, html');
    const t = ctx.config.tenant(tenant);
    if (!t) throw new NotFoundError(`tenant ${tenant} not found`);
    const now = ctx.clock();
    const config = ctx.config.get()?.config;
    const components = t.statusPage.components;
    const started = Date.now();
    if (!ctx.bus.connected()) throw new UnavailableError('NATS is unreachable: the report reads the audit trail', 5);
    const fold = await readTenantIncidents(ctx.js, {
      tenant,
      from: from - (to - from),
      components,
      progress: (p) => ctx.log.debug({ tenant, ...p }, 'reading events for the SLA report'),
    }).catch((e: unknown) => {
      throw new UnavailableError('could not read the audit trail from NATS; retry later', 5, { cause: e });
    });
    const report = slaReport({
      tenant,
      displayName: t.displayName,
      level: config?.serviceLevels[t.serviceLevel],
      incidents: fold.incidents(),
      components,
      maintenance: config?.maintenanceWindows ?? [],
      from,
      to,
      now,
    });
    ctx.log.info(
      { tenant, from: report.current.from, to: report.current.to, incidents: fold.size, ms: Date.now() - started },
      'SLA report',
    );
    const name = `sla-${tenant}-${new Date(from).toISOString().slice(0, 10)}`;
    if (format === 'csv') {
      res.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
      res.type('text/csv; charset=utf-8').send(reportCsv(report));
    } else if (format === 'html') {
      res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
      res.type('text/html; charset=utf-8').send(reportHtml(report));
    } else res.json(report);
  });

  r.get('/api/v1/incidents/:id/postmortem', authenticate(ctx), async (req, res) => {
    const id = String(req.params['id']);
    const i = ctx.store.incident(id);
    const p = allowed(req.principal, 'incidents.read');
    if (!i || !decide(p, 'incidents.read', i.tenant).allowed) throw new NotFoundError(`incident ${id} not found`);
    const t = ctx.config.tenant(i.tenant);
    const timeline = await ctx.events.timeline(i.tenant, i.id);
    const own = isTenantToken(p);
    const md = renderPostmortem({
      incident: own ? { ...tenantIncident(i), policy: '' } : i,
      tenantName: t?.displayName ?? i.tenant,
      level: t ? ctx.config.get()?.config.serviceLevels[t.serviceLevel] : undefined,
      timeline: own ? tenantTimeline(i.tenant, timeline) : timeline,
      alertCount: ctx.store.membersOf(i.id).size,
      now: ctx.clock(),
    });
    res.type('text/markdown; charset=utf-8').send(md);
  });
  return r;
}
