// The incident API: list, get (with alerts and timeline), acknowledge, resolve, notes.
import express, { type Request, Router } from 'express';
import { SEVERITIES } from '../alert.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { type AlertState, INCIDENT_STATUSES, type Incident } from '../incidents/model.ts';
import { alertStateKey } from '../incidents/store.ts';
import { type Principal, principalName } from './auth.ts';
import type { ApiContext } from './context.ts';
import { authenticate } from './middleware.ts';
import { type Action, decide, isTenantToken } from './scopes.ts';
import { tenantIncident, tenantTimeline } from './tenant-view.ts';

const PUBLIC_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
const MAX_PAGE = 500;

/** The list view: the incident with the number of its alerts and of those firing (a tenant's view for its tokens). */
export function summary(ctx: ApiContext, i: Incident, p?: Principal) {
  const shown = p && isTenantToken(p) ? tenantIncident(i) : i;
  return { ...shown, alertCount: ctx.store.membersOf(i.id).size, firingCount: ctx.store.firingCount(i.id) };
}

/** The principal, if it may do `action` at all (403 naming the token kind needed otherwise). */
export function allowed(req: Request, action: Action): Principal {
  const p = req.principal;
  if (!p) throw new ForbiddenError('no principal');
  const d = decide(p, action);
  if (!d.allowed) throw new ForbiddenError(d.error);
  return p;
}

/**
 * Who did an API action: `by` is what is shown, `principal` the authenticated caller. Under the admin token
 * (shared by MSP staff) the body's `by` names the person; a tenant token acts as itself (its `by` is ignored).
 */
export function actorOf(p: Principal, body: Record<string, unknown>, field = 'by'): { by: string; principal: string } {
  const principal = principalName(p);
  // A tenant's `by` is ignored, as a silence's `createdBy` (clients such as amtool always send one): it
  // could otherwise pose as MSP staff.
  const named = p.kind === 'admin' ? text(body, field, { required: false, max: 200 }) : undefined;
  return { by: named ?? principal, principal };
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new ValidationError(field, `must be one of: ${allowed.join(', ')}`);
  }
  return value as T;
}

function text(
  body: Record<string, unknown>,
  field: string,
  { required, max }: { required: boolean; max: number },
): string | undefined {
  const v = body[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw new ValidationError(field, 'is required');
    return undefined;
  }
  if (typeof v !== 'string') throw new ValidationError(field, 'must be a string');
  if (v.length > max) throw new ValidationError(field, `must be at most ${max} characters`);
  return v;
}

function bodyObject(req: Request): Record<string, unknown> {
  const b: unknown = req.body ?? {};
  if (typeof b !== 'object' || Array.isArray(b) || b === null)
    throw new ValidationError('body', 'must be a JSON object');
  return b as Record<string, unknown>;
}

/**
 * The incident's alerts with their details from the alert states. An alert that fired again later is in
 * a newer incident; this incident still shows it with the status it had here.
 */
function alertsOf(ctx: ApiContext, i: Incident) {
  return [...ctx.store.membersOf(i.id)].map(([key, { status, since }]) => {
    const s = ctx.store.cached<AlertState>(alertStateKey(i.tenant, key))?.value;
    // The membership is this incident's truth: the alert state may already belong to a later firing, or
    // (for a moment after a batch) not yet show the resolve its membership already records.
    const endsAt =
      status === 'resolved' ? (s?.status === 'resolved' && s.incidentId === i.id ? s.endsAt : since) : null;
    if (!s) return { key, status, endsAt };
    const { incidentId: _incidentId, changedAt: _changedAt, ...details } = s;
    return { ...details, key, status, endsAt };
  });
}

export function incidentsRouter(ctx: ApiContext): Router {
  const r = Router();
  const json = express.json({ limit: 64 * 1024 });
  r.use('/api/v1/incidents', authenticate(ctx));

  /** The incident if this caller may do `action` on it; 404 for other tenants' (so ids don't leak). */
  const visible = (req: Request, action: Action): Incident => {
    const p = allowed(req, action);
    const id = String(req.params['id']);
    const i = ctx.store.incident(id);
    if (!i || !decide(p, action, i.tenant).allowed) throw new NotFoundError(`incident ${id} not found`);
    return i;
  };

  r.get('/api/v1/incidents', (req, res) => {
    const p = allowed(req, 'incidents.read');
    const q = req.query;
    let tenant = typeof q['tenant'] === 'string' && q['tenant'] ? q['tenant'] : undefined;
    if (isTenantToken(p)) {
      if (tenant && tenant !== p.tenant) throw new ForbiddenError(`this token reads tenant ${p.tenant} only`);
      tenant = p.tenant;
    }
    const status = oneOf(q['status'], [...INCIDENT_STATUSES, 'open'] as const, 'status');
    const severity = oneOf(q['severity'], SEVERITIES, 'severity');
    const limitText = typeof q['limit'] === 'string' ? q['limit'] : '100';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
      throw new ValidationError('limit', `must be an integer from 1 to ${MAX_PAGE}`);
    const cursor = typeof q['cursor'] === 'string' ? q['cursor'] : undefined;

    const matching: Incident[] = [];
    for (const i of ctx.store.incidents()) {
      if (tenant && i.tenant !== tenant) continue;
      if (status === 'open' ? i.status === 'resolved' : status && i.status !== status) continue;
      if (severity && i.severity !== severity) continue;
      if (cursor && i.id >= cursor) continue;
      matching.push(i);
    }
    // Ids sort by opening time: newest first, and the cursor is the last id of the page.
    matching.sort((a, b) => (a.id < b.id ? 1 : -1));
    const page = matching.slice(0, limit);
    const next = matching.length > limit ? page[page.length - 1]?.id : undefined;
    res.json({ incidents: page.map((i) => summary(ctx, i, p)), ...(next ? { nextCursor: next } : {}) });
  });

  r.get('/api/v1/incidents/:id', async (req, res) => {
    const i = visible(req, 'incidents.read');
    const p = req.principal as Principal;
    const all = await ctx.events.timeline(i.tenant, i.id);
    const timeline = isTenantToken(p) ? tenantTimeline(i.tenant, all) : all;
    res.json({ ...summary(ctx, i, p), alerts: alertsOf(ctx, i), timeline });
  });

  for (const kind of ['acknowledge', 'resolve'] as const) {
    r.post(`/api/v1/incidents/:id/${kind}`, json, async (req, res) => {
      const i = visible(req, 'incidents.act');
      const p = req.principal as Principal;
      const out = await ctx.incidents.manual(i.tenant, i.id, { kind, ...actorOf(p, bodyObject(req)) });
      if ('error' in out) throw new ConflictError(out.error);
      res.json(summary(ctx, out, p));
    });
  }

  r.post('/api/v1/incidents/:id/notes', json, async (req, res) => {
    const i = visible(req, 'incidents.act');
    const body = bodyObject(req);
    const noteText = text(body, 'text', { required: true, max: 10_000 }) as string;
    const visibility =
      oneOf(body['visibility'] ?? 'internal', ['internal', 'customer'] as const, 'visibility') ?? 'internal';
    const publicStatus = oneOf(body['status'], PUBLIC_STATUSES, 'status');
    if (publicStatus && visibility !== 'customer')
      throw new ValidationError('status', 'is only for customer notes (visibility: customer)');
    const e = await ctx.incidents.note(i.tenant, i.id, {
      text: noteText,
      ...actorOf(req.principal as Principal, body),
      visibility,
      ...(publicStatus ? { publicStatus } : {}),
    });
    res.status(201).json(e);
  });
  return r;
}
