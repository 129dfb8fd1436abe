// /healthz (the process serves), /readyz (config loaded, NATS connected, consumer running), /metrics.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { AuthError } from '../errors.ts';
import { bearerToken } from './auth.ts';
import type { ApiContext } from './context.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * /metrics names tenants, their incident counts and rates (security review M9): with
 * SWITCHBOARD_METRICS_TOKEN set, only a scraper holding it reads them. Compared as hashes in constant time.
 */
function requireMetricsToken(ctx: ApiContext, authorization: string | undefined): void {
  if (!ctx.metricsToken) return;
  const given = bearerToken(authorization);
  if (!given) throw new AuthError('send Authorization: Bearer <SWITCHBOARD_METRICS_TOKEN> to read /metrics');
  if (!timingSafeEqual(sha256(given), sha256(ctx.metricsToken))) throw new AuthError('the metrics token is not valid');
}

export function healthRouter(ctx: ApiContext): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', (_req, res) => {
    const checks = {
      config: ctx.config.get() !== null,
      nats: ctx.bus.connected(),
      started: ctx.started(),
    };
    const ready = Object.values(checks).every(Boolean);
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not ready', checks, revision: ctx.config.get()?.revision ?? null });
  });
  r.get('/metrics', async (req, res) => {
    requireMetricsToken(ctx, req.header('authorization'));
    refreshGauges(ctx);
    res.setHeader('Content-Type', ctx.metrics.registry.contentType);
    res.send(await ctx.metrics.registry.metrics());
  });
  return r;
}

/** Gauges computed from state at scrape time. */
function refreshGauges(ctx: ApiContext): void {
  const m = ctx.metrics;
  m.natsConnected.set(ctx.bus.connected() ? 1 : 0);
  m.configRevision.set(ctx.config.get()?.revision ?? 0);
  const states = ctx.store.alertStatesSize();
  m.alertStates.set(states.count);
  m.alertStatesBytes.set(states.bytes);
  m.alertStateMaxBytes.set(states.maxBytes);
  m.incidentsOpen.reset();
  const counts = new Map<string, number>();
  for (const i of ctx.store.incidents()) {
    if (i.status === 'resolved') continue;
    const k = `${i.tenant}\u0000${i.severity}\u0000${i.status}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  for (const [k, n] of counts) {
    const [tenant, severity, status] = k.split('\u0000') as [string, string, string];
    m.incidentsOpen.set({ tenant, severity, status }, n);
  }
}
