// Status pages: GET /status/{tenant} (HTML) and GET /api/v1/status/{tenant} (JSON). Readable by the admin,
// the tenant's viewer token and its responder token (not its ingest token: router/api/scopes.ts), sent as a Bearer header or, for browsers, `?token=`
// (resolved by the TokenIndex, in constant time). Any other valid token, and a tenant without an enabled
// status page, get 404: a tenant never learns anything about another.
import { type Request, type Response, Router } from 'express';
import { AuthError, NotFoundError } from '../errors.ts';
import type { AlertState } from '../incidents/model.ts';
import { alertStateKey } from '../incidents/store.ts';
import { statusHtml } from '../status/html.ts';
import { type StatusIncidentInput, type StatusPage, statusPage, UPTIME_DAYS } from '../status/page.ts';
import { bearerToken } from './auth.ts';
import type { ApiContext } from './context.ts';
import { decide } from './scopes.ts';

const DAY_MS = 86_400_000;

export function statusRouter(ctx: ApiContext): Router {
  const r = Router();

  const build = async (req: Request): Promise<StatusPage> => {
    const q = req.query['token'];
    const token = bearerToken(req.header('authorization')) ?? (typeof q === 'string' && q ? q : null);
    if (!token) throw new AuthError('send Authorization: Bearer <token> or ?token= (a viewer token)');
    const p = ctx.tokens.resolve(token);
    if (!p) throw new AuthError('the token is not valid');
    const name = String(req.params['tenant']);
    const t = ctx.config.tenant(name);
    if (!t?.statusPage.enabled || !decide(p, 'status.read', name).allowed)
      throw new NotFoundError(`status page ${name} not found`);

    const now = ctx.clock();
    const since = now - (UPTIME_DAYS + 1) * DAY_MS;
    const inputs: StatusIncidentInput[] = [];
    for (const i of ctx.store.incidents()) {
      if (i.tenant !== name) continue;
      const open = i.status !== 'resolved';
      if (!open && i.resolvedAt && Date.parse(i.resolvedAt) < since) continue;
      const alerts = [...ctx.store.membersOf(i.id)].flatMap(([key, m]) => {
        const s = ctx.store.cached<AlertState>(alertStateKey(i.tenant, key))?.value;
        return s ? [{ labels: s.labels, severity: s.severity, status: m.status }] : [];
      });
      inputs.push({ incident: i, alerts, events: open ? await ctx.events.timeline(i.tenant, i.id) : [] });
    }
    return statusPage({
      tenant: t,
      incidents: inputs,
      maintenance: ctx.config.get()?.config.maintenanceWindows ?? [],
      now,
    });
  };

  const headers = (res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
  };

  r.get('/api/v1/status/:tenant', async (req, res) => {
    const page = await build(req);
    headers(res);
    res.json(page);
  });

  r.get('/status/:tenant', async (req, res) => {
    const page = await build(req);
    headers(res);
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    res.type('text/html; charset=utf-8').send(statusHtml(page));
  });
  return r;
}
