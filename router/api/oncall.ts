// Who is on call: `GET /api/v1/oncall/{schedule}?at=` and `GET /api/v1/schedules/{schedule}/shifts?from=&to=`.
//
// Admin token only: schedules are the MSP's internal staffing (names, rotations, who covers when) and
// belong to no tenant, so a tenant's token must not read them. A schedule is named `namespace/name`, or
// by `name` alone when only one namespace has a schedule of that name (otherwise 400 lists the choices).
// Times are ISO 8601; without an offset they are read in the schedule's own time zone, as in manifests.
import { type Request, Router } from 'express';
import type { ScheduleConfig } from '../config/compiled.ts';
import { NotFoundError, UnavailableError, ValidationError } from '../errors.ts';
import { onCallAt, shifts } from '../oncall/schedule.ts';
import { parseResourceTime } from '../time/zoned.ts';
import type { ApiContext } from './context.ts';
import { authenticate, requireAdmin } from './middleware.ts';

/** The longest shifts window one request may ask for. */
export const MAX_SHIFTS_RANGE_MS = 93 * 86_400_000;
const DEFAULT_SHIFTS_RANGE_MS = 7 * 86_400_000;

export function findSchedule(schedules: Record<string, ScheduleConfig>, ref: string): ScheduleConfig {
  const exact = schedules[ref];
  if (exact) return exact;
  if (!ref.includes('/')) {
    const named = Object.values(schedules).filter((s) => s.name === ref);
    if (named.length === 1) return named[0] as ScheduleConfig;
    if (named.length > 1) {
      throw new ValidationError(
        'schedule',
        `"${ref}" is ambiguous; name one of: ${named
          .map((s) => s.key)
          .sort()
          .join(', ')}`,
      );
    }
  }
  throw new NotFoundError(`schedule ${ref} not found`);
}

function instant(value: unknown, field: string, schedule: ScheduleConfig, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const ms = typeof value === 'string' ? parseResourceTime(value, schedule.timezone) : null;
  if (ms === null) {
    throw new ValidationError(
      field,
      'must be an ISO time like 2026-03-04T10:00:00Z (without an offset: schedule time)',
    );
  }
  return ms;
}

export function oncallRouter(ctx: ApiContext): Router {
  const r = Router();
  r.use(['/api/v1/oncall', '/api/v1/schedules'], authenticate(ctx), requireAdmin);

  const config = () => {
    const c = ctx.config.get()?.config;
    if (!c) throw new UnavailableError('the configuration is not loaded yet', 5);
    return c;
  };
  const scheduleOf = (req: Request) => {
    const ref = req.params['namespace']
      ? `${req.params['namespace']}/${req.params['name']}`
      : String(req.params['name']);
    return findSchedule(config().schedules, ref);
  };
  const person = (key: string) => ({ responder: key, displayName: config().responders[key]?.displayName ?? key });

  const current = (req: Request) => {
    const s = scheduleOf(req);
    const at = instant(req.query['at'], 'at', s, ctx.clock());
    const who = onCallAt(s, at);
    return {
      schedule: s.key,
      timezone: s.timezone,
      at: new Date(at).toISOString(),
      onCall: who ? { ...person(who.responder), layer: who.layer } : null,
    };
  };
  r.get('/api/v1/oncall/:namespace/:name', (req, res) => void res.json(current(req)));
  r.get('/api/v1/oncall/:name', (req, res) => void res.json(current(req)));

  const list = (req: Request) => {
    const s = scheduleOf(req);
    const from = instant(req.query['from'], 'from', s, ctx.clock());
    const to = instant(req.query['to'], 'to', s, from + DEFAULT_SHIFTS_RANGE_MS);
    if (!(to > from)) throw new ValidationError('to', 'must be after from');
    if (to - from > MAX_SHIFTS_RANGE_MS) throw new ValidationError('to', 'the range may span at most 93 days');
    return {
      schedule: s.key,
      timezone: s.timezone,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      shifts: shifts(s, from, to).map((x) => ({
        ...person(x.responder),
        layer: x.layer,
        start: new Date(x.start).toISOString(),
        end: new Date(x.end).toISOString(),
      })),
    };
  };
  r.get('/api/v1/schedules/:namespace/:name/shifts', (req, res) => void res.json(list(req)));
  r.get('/api/v1/schedules/:name/shifts', (req, res) => void res.json(list(req)));
  return r;
}
