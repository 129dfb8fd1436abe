// GET /api/v1/audit?from=&to=&tenant=&type=: configuration changes and silences (issue #17 point 7).
// The admin token reads everything; a tenant's ingest token reads its own silences only.
import { type Request, Router } from 'express';
import { AUDIT_TYPES, type AuditTrail } from '../audit/trail.ts';
import { ForbiddenError, ValidationError } from '../errors.ts';
import type { ApiContext } from './context.ts';
import { authenticate } from './middleware.ts';
import { decide } from './scopes.ts';

const DAY_MS = 86_400_000;

function time(req: Request, field: 'from' | 'to', fallback: number): number {
  const v = req.query[field];
  if (v === undefined) return fallback;
  const ms = typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(ms)) throw new ValidationError(field, 'must be an ISO 8601 time, e.g. 2026-03-09T08:00:00Z');
  return ms;
}

export function auditRouter(ctx: ApiContext, audit: AuditTrail): Router {
  const r = Router();
  r.use('/api/v1/audit', authenticate(ctx));
  r.get('/api/v1/audit', async (req, res) => {
    const p = req.principal;
    const now = ctx.clock();
    const to = time(req, 'to', now);
    const from = time(req, 'from', to - 7 * DAY_MS);
    if (from > to) throw new ValidationError('from', 'must not be after to');
    const type = req.query['type'];
    if (type !== undefined && !(AUDIT_TYPES as readonly unknown[]).includes(type)) {
      throw new ValidationError('type', `must be one of: ${AUDIT_TYPES.join(', ')}`);
    }
    const asked = typeof req.query['tenant'] === 'string' && req.query['tenant'] ? req.query['tenant'] : undefined;
    let tenant = asked;
    if (!p) throw new ForbiddenError('no principal');
    if (p.kind !== 'admin') {
      // A tenant reads the audit of what it may manage: its silences (the responder token).
      const d = decide(p, 'silences.manage');
      if (!d.allowed || p.kind !== 'responder')
        throw new ForbiddenError(d.allowed ? 'the audit trail needs a responder token or the admin token' : d.error);
      if (asked && asked !== p.tenant) throw new ForbiddenError(`this token reads tenant ${p.tenant} only`);
      if (type === 'config.changed') throw new ForbiddenError('configuration changes need the admin token');
      tenant = p.tenant;
    }
    const events = await audit.read({
      from,
      to,
      ...(tenant ? { tenant } : {}),
      ...(typeof type === 'string' ? { type } : {}),
    });
    res.json({ events });
  });
  return r;
}
