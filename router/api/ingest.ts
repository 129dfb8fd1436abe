// POST /api/v1/alerts/... : authenticate, parse, assign tenants, rate-limit, persist in JetStream, 202.
// The answer is 202 only after JetStream acknowledged every message of the request.
import { createHash } from 'node:crypto';
import express, { type Request, type Response, Router } from 'express';
import type { Source } from '../alert.ts';
import { alertSubject } from '../bus/subjects.ts';
import { ForbiddenError, RateLimitError, UnavailableError, UnclaimedAlertsError, ValidationError } from '../errors.ts';
import { parseAlertmanager } from '../ingest/alertmanager.ts';
import type { IngestResult } from '../ingest/common.ts';
import { parseGeneric } from '../ingest/generic.ts';
import { parsePrtg } from '../ingest/prtg.ts';
import { parseZabbix } from '../ingest/zabbix.ts';
import { encodeBatch } from '../pipeline/batch.ts';
import type { ApiContext } from './context.ts';
import { authenticate } from './middleware.ts';
import { assignTenants } from './tenancy.ts';

type IngestSource = Exclude<Source, 'heartbeat'>;
const PARSERS: Record<IngestSource, (body: unknown, receivedAt: Date) => IngestResult> = {
  alertmanager: parseAlertmanager,
  zabbix: parseZabbix,
  prtg: parsePrtg,
  generic: parseGeneric,
};

function isIngestSource(s: string): s is IngestSource {
  return s in PARSERS;
}

export function ingestRouter(ctx: ApiContext): Router {
  const r = Router();
  const json = express.json({
    limit: ctx.maxBodyBytes,
    strict: true,
    type: ['application/json', 'application/*+json'],
  });
  const form = express.urlencoded({ limit: ctx.maxBodyBytes, extended: false, parameterLimit: 200 });
  const handle = (source: IngestSource) => (req: Request, res: Response) => ingest(ctx, source, req, res);

  r.post('/api/v1/alerts', authenticate(ctx), json, handle('generic'));
  r.post('/api/v1/alerts/alertmanager', authenticate(ctx), json, handle('alertmanager'));
  r.post('/api/v1/alerts/zabbix', authenticate(ctx), json, handle('zabbix'));
  r.post('/api/v1/alerts/prtg', authenticate(ctx), json, form, handle('prtg'));
  // For tools that cannot set headers (PRTG): the ingest token is the last path segment.
  r.post('/api/v1/alerts/:source/:key', authenticate(ctx, 'path'), json, form, (req, res) => {
    const source = String(req.params['source']);
    if (!isIngestSource(source)) {
      throw new ValidationError('source', `unknown source "${source}" (use alertmanager, zabbix, prtg or generic)`);
    }
    return ingest(ctx, source, req, res);
  });
  return r;
}

function requireBody(req: Request, source: IngestSource): unknown {
  if (req.body === undefined) {
    const type = req.header('content-type') ?? 'none';
    const accepted = source === 'prtg' ? 'application/json or application/x-www-form-urlencoded' : 'application/json';
    throw new ValidationError('Content-Type', `is ${type}; send ${accepted}`);
  }
  return req.body;
}

async function ingest(ctx: ApiContext, source: IngestSource, req: Request, res: Response): Promise<void> {
  ctx.ingestActivity.inFlight++;
  try {
    await accept(ctx, source, req, res);
  } finally {
    ctx.ingestActivity.inFlight--;
    ctx.ingestActivity.lastAt = ctx.clock();
  }
}

async function accept(ctx: ApiContext, source: IngestSource, req: Request, res: Response): Promise<void> {
  const started = process.hrtime.bigint();
  const p = req.principal;
  if (!p || p.kind === 'viewer') throw new ForbiddenError('a status-page viewer token cannot send alerts');
  const snapshot = ctx.config.get();
  if (!snapshot) throw new UnavailableError('the router has no configuration loaded yet; retry shortly', 5);

  const now = ctx.clock();
  const result = PARSERS[source](requireBody(req, source), new Date(now));
  const { byTenant, unclaimed } = assignTenants(p, result.alerts, snapshot.config);
  if (unclaimed.length > 0) {
    ctx.metrics.alertsRejected.inc({ source, reason: 'no_tenant' }, unclaimed.length);
    ctx.log.warn({ req: req.id, source, unclaimed: unclaimed.length }, 'alerts no tenant claims were rejected');
    if (byTenant.size === 0) {
      throw new UnclaimedAlertsError(
        source === 'alertmanager' ? `alerts[${unclaimed[0]}].labels` : 'labels',
        "no tenant claims this alert: send it with a tenant's ingest token, or give it labels that match a tenant's spec.match",
      );
    }
  }

  for (const [tenant, drafts] of byTenant) {
    const retryAfter = ctx.limiter.take(
      tenant,
      snapshot.config.tenants[tenant]?.limits.alertsPerMinute ?? null,
      drafts.length,
      now,
    );
    if (retryAfter > 0) {
      throw new RateLimitError(
        `tenant ${tenant} is over its limit of ${snapshot.config.tenants[tenant]?.limits.alertsPerMinute} alerts per minute`,
        retryAfter,
      );
    }
  }

  if (!ctx.bus.connected()) throw new UnavailableError('NATS is unreachable; nothing was recorded, retry later', 5);
  const receivedAt = new Date(now).toISOString();
  try {
    await Promise.all(
      [...byTenant].map(([tenant, drafts]) => {
        const alertsJson = JSON.stringify(drafts);
        return ctx.js.publish(alertSubject(tenant), encodeBatch(tenant, receivedAt, alertsJson), {
          msgID: batchId(source, tenant, alertsJson),
          timeout: 5_000,
        });
      }),
    );
  } catch (e) {
    ctx.log.warn({ err: e, req: req.id }, 'publishing to JetStream failed');
    throw new UnavailableError('NATS did not confirm the alerts were stored; retry later', 5, { cause: e });
  }

  let accepted = 0;
  for (const [tenant, drafts] of byTenant) {
    ctx.metrics.alertsReceived.inc({ tenant, source }, drafts.length);
    accepted += drafts.length;
  }
  ctx.metrics.ingestDuration.observe({ source }, Number(process.hrtime.bigint() - started) / 1e9);
  res.status(202).json({
    accepted,
    tenants: [...byTenant.keys()],
    ...(unclaimed.length
      ? { rejected: unclaimed.map((index) => ({ index, error: 'no tenant claims this alert' })) }
      : {}),
    ...(result.truncated ? { truncated: result.truncated } : {}),
    ...(result.ignored ? { ignored: result.ignored } : {}),
  });
}

/**
 * The same alerts give the same id, so a webhook redelivered within the stream's duplicate window is
 * stored once. Not the raw body: where a source sends no times, the drafts carry the receipt time, so
 * the same body sent again later (firing, resolved, then firing again) is a new message, not a
 * "redelivery" to drop after answering 202. A retry of such a body is stored twice; the processor
 * deduplicates it by fingerprint.
 */
function batchId(source: string, tenant: string, alertsJson: string): string {
  return createHash('sha256').update(source).update('\0').update(tenant).update('\0').update(alertsJson).digest('hex');
}
