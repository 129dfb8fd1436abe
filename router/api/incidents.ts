// The incident API: list, get (with alerts and timeline), acknowledge, resolve, notes.
import express, { type Request, Router } from 'express';
import { SEVERITIES } from '../alert.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { type AlertState, INCIDENT_STATUSES, type Incident } from '../incidents/model.ts';
import { alertStateKey } from '../incidents/store.ts';
import { canRead } from './auth.ts';
import type { ApiContext } from './context.ts';
import { authenticate } from './middleware.ts';

const PUBLIC_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
const MAX_PAGE = 500;

/** The list view: the incident with the number of its alerts and of those firing. */
export function summary(ctx: ApiContext, i: Incident) {
  return { ...i, alertCount: ctx.store.membersOf(i.id).size, firingCount: ctx.store.firingCount(i.id) };
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

  /** The incident if this caller may see it; 404 otherwise (also for other tenants', so ids don't leak). */
  const visible = (req: Request): Incident => {
    const id = String(req.params['id']);
    const i = ctx.store.incident(id);
    if (!i || !req.principal || !canRead(req.principal, i.tenant) || req.principal.kind === 'viewer') {
      throw new NotFoundError(`incident ${id} not found`);
    }
    return i;
  };
  const actor = (req: Request, body: Record<string, unknown>) =>
    text(body, 'by', { required: false, max: 200 }) ??
    (req.principal?.kind === 'admin' ? 'admin' : `token of ${(req.principal as { tenant?: string }).tenant}`);

  r.get('/api/v1/incidents', (req, res) => {
    const p = req.principal;
    if (!p || p.kind === 'viewer' || p.kind === 'shared') throw new ForbiddenError('this token cannot read incidents');
    const q = req.query;
    let tenant = typeof q['tenant'] === 'string' && q['tenant'] ? q['tenant'] : undefined;
    if (p.kind === 'tenant') {
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
    res.json({ incidents: page.map((i) => summary(ctx, i)), ...(next ? { nextCursor: next } : {}) });
  });

  r.get('/api/v1/incidents/:id', async (req, res) => {
    const i = visible(req);
    const timeline = await ctx.events.timeline(i.tenant, i.id);
    res.json({ ...summary(ctx, i), alerts: alertsOf(ctx, i), timeline });
  });

  for (const kind of ['acknowledge', 'resolve'] as const) {
    r.post(`/api/v1/incidents/:id/${kind}`, json, async (req, res) => {
      const i = visible(req);
      const body = bodyObject(req);
      const out = await ctx.incidents.manual(i.tenant, i.id, { kind, by: actor(req, body) });
      if ('error' in out) throw new ConflictError(out.error);
      res.json(summary(ctx, out));
    });
  }

  r.post('/api/v1/incidents/:id/notes', json, async (req, res) => {
    const i = visible(req);
    const body = bodyObject(req);
    const noteText = text(body, 'text', { required: true, max: 10_000 }) as string;
    const visibility =
      oneOf(body['visibility'] ?? 'internal', ['internal', 'customer'] as const, 'visibility') ?? 'internal';
    const publicStatus = oneOf(body['status'], PUBLIC_STATUSES, 'status');
    if (publicStatus && visibility !== 'customer')
      throw new ValidationError('status', 'is only for customer notes (visibility: customer)');
    const e = await ctx.incidents.note(i.tenant, i.id, {
      text: noteText,
      by: actor(req, body),
      visibility,
      ...(publicStatus ? { publicStatus } : {}),
    });
    res.status(201).json(e);
  });
  return r;
}
