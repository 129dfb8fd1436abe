// The silences API (SPEC §2): create, list, get and expire silences. A tenant's token sees and touches only
// its own tenant's silences (another tenant's silence is "not found", so ids don't leak); the admin token
// all. Expiring is DELETE, as in Alertmanager, but keeps the record: it ends the silence now.
import express, { type Request, Router } from 'express';
import type { Matcher } from '../config/compiled.ts';
import { formatMatcher, matches, parseMatcher } from '../config/matchers.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { isSilenceState, SILENCE_STATES, type Silence, silenceState } from '../mute/silence.ts';
import type { SilenceStore } from '../mute/silence-store.ts';
import { type Principal, principalName } from './auth.ts';
import type { ApiContext } from './context.ts';
import { authenticate } from './middleware.ts';
import { decide } from './scopes.ts';

const MAX_MATCHERS = 50;
const MAX_TEXT = 10_000;

/** The API view: matchers in Alertmanager syntax, and the state at the time asked. */
export function silenceView(s: Silence, now: number) {
  return { ...s, matchers: s.matchers.map(formatMatcher), state: silenceState(s, now) };
}

/** Admin or a tenant's responder token (403 naming the token kind needed otherwise). */
function caller(req: Request): Extract<Principal, { kind: 'admin' } | { kind: 'responder' }> {
  const p = req.principal;
  if (!p) throw new ForbiddenError('no principal');
  const d = decide(p, 'silences.manage');
  if (!d.allowed) throw new ForbiddenError(d.error);
  return p as Extract<Principal, { kind: 'admin' } | { kind: 'responder' }>;
}

/** Who did it, for the audit trail: the token used, and under the shared admin token the person it names. */
function auditActor(p: ReturnType<typeof caller>, said: string): string {
  return p.kind === 'admin' ? `admin (createdBy: ${said})` : principalName(p);
}

function bodyObject(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b))
    throw new ValidationError('body', 'must be a JSON object');
  return b as Record<string, unknown>;
}

function requiredText(body: Record<string, unknown>, field: string, max: number): string {
  const v = body[field];
  if (typeof v !== 'string' || v.trim() === '') throw new ValidationError(field, 'is required (a non-empty string)');
  if (v.length > max) throw new ValidationError(field, `must be at most ${max} characters`);
  return v;
}

function instant(body: Record<string, unknown>, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new ValidationError(field, 'must be an ISO 8601 time with offset, e.g. 2026-03-09T08:00:00Z');
  }
  return ms;
}

function parseMatchers(value: unknown): Matcher[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ValidationError(
      'matchers',
      'is required: a non-empty list like ["alertname=\\"DiskFull\\"", "env!=\\"dev\\""]',
    );
  }
  if (value.length > MAX_MATCHERS) throw new ValidationError('matchers', `must have at most ${MAX_MATCHERS} entries`);
  const parsed = value.map((text, i) => {
    if (typeof text !== 'string') throw new ValidationError(`matchers[${i}]`, 'must be a string');
    try {
      return parseMatcher(text);
    } catch (e) {
      throw new ValidationError(`matchers[${i}]`, (e as Error).message);
    }
  });
  // As Alertmanager: a silence whose every matcher also matches a missing label would silence (nearly)
  // everything of the tenant by accident.
  if (parsed.every((m) => matches(m, {}))) {
    throw new ValidationError(
      'matchers',
      'at least one matcher must not match the empty string (e.g. alertname="...")',
    );
  }
  return parsed;
}

export function silencesRouter(ctx: ApiContext, silences: SilenceStore): Router {
  const r = Router();
  const json = express.json({ limit: 64 * 1024 });
  r.use('/api/v1/silences', authenticate(ctx));

  /** The silence if this caller may see it; 404 otherwise, also for another tenant's. */
  const visible = (req: Request): Silence => {
    const p = caller(req);
    const id = String(req.params['id']);
    const s = silences.get(id);
    if (!s || (p.kind === 'responder' && p.tenant !== s.tenant)) throw new NotFoundError(`silence ${id} not found`);
    return s;
  };

  r.post('/api/v1/silences', json, async (req, res) => {
    const p = caller(req);
    const body = bodyObject(req);
    const now = ctx.clock();
    let tenant = body['tenant'];
    if (p.kind === 'responder') {
      tenant ??= p.tenant;
      if (tenant !== p.tenant) throw new ForbiddenError(`this token may silence tenant ${p.tenant} only`);
    }
    if (typeof tenant !== 'string' || tenant === '') throw new ValidationError('tenant', 'is required');
    if (!ctx.config.tenant(tenant)) throw new ValidationError('tenant', `unknown tenant "${tenant}"`);
    const matchers = parseMatchers(body['matchers']);
    const startsAt = Math.max(instant(body, 'startsAt') ?? now, now);
    const endsAt = instant(body, 'endsAt');
    if (endsAt === undefined) throw new ValidationError('endsAt', 'is required');
    if (endsAt <= startsAt) throw new ValidationError('endsAt', 'must be after startsAt (and in the future)');
    const silence = await silences.create(
      {
        tenant,
        matchers,
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(endsAt).toISOString(),
        // The admin token names the person (MSP staff share it); a responder token is recorded as itself.
        createdBy: p.kind === 'admin' ? requiredText(body, 'createdBy', 200) : principalName(p),
        comment: requiredText(body, 'comment', MAX_TEXT),
      },
      now,
    );
    ctx.log.info({ tenant, silence: silence.id, by: silence.createdBy }, 'silence created');
    await ctx.audit?.append({
      type: 'silence.created',
      at: new Date(now).toISOString(),
      tenant,
      silenceId: silence.id,
      by: auditActor(p, silence.createdBy),
      endsAt: silence.endsAt,
    });
    res.status(201).json(silenceView(silence, now));
  });

  r.get('/api/v1/silences', (req, res) => {
    const p = caller(req);
    const q = req.query;
    let tenant = typeof q['tenant'] === 'string' && q['tenant'] ? q['tenant'] : undefined;
    if (p.kind === 'responder') {
      if (tenant && tenant !== p.tenant) throw new ForbiddenError(`this token reads tenant ${p.tenant} only`);
      tenant = p.tenant;
    }
    const state = q['state'];
    if (state !== undefined && !isSilenceState(state)) {
      throw new ValidationError('state', `must be one of: ${SILENCE_STATES.join(', ')}`);
    }
    const now = ctx.clock();
    const list = silences.list({ ...(tenant ? { tenant } : {}), ...(state ? { state } : {}) }, now);
    res.json({ silences: list.map((s) => silenceView(s, now)) });
  });

  r.get('/api/v1/silences/:id', (req, res) => {
    res.json(silenceView(visible(req), ctx.clock()));
  });

  r.delete('/api/v1/silences/:id', async (req, res) => {
    const s = visible(req);
    const p = caller(req);
    const now = ctx.clock();
    const by = principalName(p);
    const expired = await silences.expire(s.id, now, by);
    if (!expired) throw new NotFoundError(`silence ${s.id} not found`);
    ctx.log.info({ tenant: s.tenant, silence: s.id, by }, 'silence expired');
    await ctx.audit?.append({
      type: 'silence.expired',
      at: new Date(now).toISOString(),
      tenant: s.tenant,
      silenceId: s.id,
      by,
    });
    res.json(silenceView(expired, now));
  });
  return r;
}
