// POST /api/v1/heartbeats/{name}: a ping of a dead man's switch declared on the tenant.
// Any body is accepted and ignored (Alertmanager's Watchdog webhook can ping it directly).
import { type Request, Router } from 'express';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import type { HeartbeatMonitor } from '../heartbeats/monitor.ts';
import type { ApiContext } from './context.ts';
import { authenticate } from './middleware.ts';
import { decide } from './scopes.ts';

function tenantOf(req: Request): string {
  const p = req.principal;
  if (!p) throw new ForbiddenError('no principal');
  const d = decide(p, 'heartbeats.ping');
  if (!d.allowed) throw new ForbiddenError(d.error);
  if (p.kind === 'tenant') return p.tenant;
  const t = req.query['tenant'];
  if (typeof t !== 'string' || !t)
    throw new ValidationError('tenant', 'is required as a query parameter with this token');
  return t;
}

export function heartbeatsRouter(ctx: ApiContext, monitor: HeartbeatMonitor): Router {
  const r = Router();
  r.post('/api/v1/heartbeats/:name', authenticate(ctx), async (req, res) => {
    const tenant = tenantOf(req);
    const name = String(req.params['name']);
    const h = ctx.config.tenant(tenant)?.heartbeats.find((x) => x.name === name);
    if (!h) throw new NotFoundError(`heartbeat "${name}" is not declared on tenant ${tenant} (Tenant spec.heartbeats)`);
    const nextDueAt = await monitor.ping(tenant, h);
    res.status(202).json({ tenant, heartbeat: name, nextDueAt: new Date(nextDueAt).toISOString() });
  });
  return r;
}
