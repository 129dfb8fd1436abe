// POST /api/v1/alerts/... : authenticate, parse, assign tenants, rate-limit, persist in JetStream, 202.
// The answer is 202 only after JetStream acknowledged every message of the request.
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import type { AlertDraft, Source } from '../alert.ts';
import { alertSubject } from '../bus/subjects.ts';
import { ForbiddenError, RateLimitError, UnavailableError, UnclaimedAlertsError, ValidationError } from '../errors.ts';
import { parseAlertmanager } from '../ingest/alertmanager.ts';
import { capAlert } from '../ingest/caps.ts';
import type { IngestResult } from '../ingest/common.ts';
import { parseGeneric } from '../ingest/generic.ts';
import { parsePrtg } from '../ingest/prtg.ts';
import { parseZabbix } from '../ingest/zabbix.ts';
import { batchOverhead, encodeBatch } from '../pipeline/batch.ts';
import type { Principal } from './auth.ts';
import type { ApiContext } from './context.ts';
import type { IngestLoad } from './ingest-load.ts';
import { type Answer, authenticate, sendAnswer } from './middleware.ts';
import { backPressure } from './rate-limit.ts';
import { decide } from './scopes.ts';
import { assignTenants } from './tenancy.ts';

export type IngestSource = Exclude<Source, 'heartbeat'>;
const PARSERS: Record<IngestSource, (body: unknown, receivedAt: Date) => IngestResult> = {
  alertmanager: parseAlertmanager,
  zabbix: parseZabbix,
  prtg: parsePrtg,
  generic: parseGeneric,
};

function isIngestSource(s: string): s is IngestSource {
  // Own keys: `in` also finds `__proto__`, `constructor`... (`POST /api/v1/alerts/__proto__/{key}` was a 500).
  return Object.hasOwn(PARSERS, s);
}

/** The JSON body parser of every ingest route. */
export function ingestJson(ctx: ApiContext): ReturnType<typeof express.json> {
  return express.json({
    limit: ctx.maxBodyBytes,
    strict: true,
    type: ['application/json', 'application/*+json'],
  });
}

export function ingestRouter(ctx: ApiContext): Router {
  const r = Router();
  const json = ingestJson(ctx);
  const form = express.urlencoded({ limit: ctx.maxBodyBytes, extended: false, parameterLimit: 200 });
  const handle = (source: IngestSource) => (req: Request, res: Response) => accept(ctx, source, req, res);
  const counted = countInFlight(ctx.ingestLoad);

  r.post('/api/v1/alerts', counted, authenticate(ctx), json, handle('generic'));
  r.post('/api/v1/alerts/alertmanager', counted, authenticate(ctx), json, handle('alertmanager'));
  r.post('/api/v1/alerts/zabbix', counted, authenticate(ctx), json, handle('zabbix'));
  r.post('/api/v1/alerts/prtg', counted, authenticate(ctx), json, form, handle('prtg'));
  // For tools that cannot set headers (PRTG): the ingest token is the last path segment.
  r.post('/api/v1/alerts/:source/:key', counted, authenticate(ctx, 'path'), json, form, (req, res) => {
    const source = String(req.params['source']);
    if (!isIngestSource(source)) {
      throw new ValidationError('source', `unknown source "${source}" (use alertmanager, zabbix, prtg or generic)`);
    }
    return accept(ctx, source, req, res);
  });
  return r;
}

/** What accepting alerts needs of a request, whether express routed it or not (router/api/ingest-direct.ts). */
export interface IngestRequest {
  id: string;
  principal: Principal | undefined;
  /** The parsed body; undefined when no parser took its Content-Type. */
  body: unknown;
  contentType: string | undefined;
}

function requireBody(req: IngestRequest, source: IngestSource): unknown {
  if (req.body === undefined) {
    const type = req.contentType ?? 'none';
    const accepted = source === 'prtg' ? 'application/json or application/x-www-form-urlencoded' : 'application/json';
    throw new ValidationError('Content-Type', `is ${type}; send ${accepted}`);
  }
  return req.body;
}

/**
 * An ingest request is in flight from its headers to its answer, body reading included (counted only from
 * the handler on, a flood's requests looked further apart than they were).
 */
function countInFlight(load: IngestLoad): RequestHandler {
  return (_req, res, next) => {
    countRequest(load, res);
    next();
  };
}

/** Counts a request in flight until it is answered or its connection is lost (express and direct routes). */
export function countRequest(load: IngestLoad, res: ServerResponse): void {
  load.begin();
  // 'close' comes once, after the answer was sent or the connection was lost.
  res.once('close', () => load.end());
}

async function accept(ctx: ApiContext, source: IngestSource, req: Request, res: Response): Promise<void> {
  const request = { id: req.id, principal: req.principal, body: req.body, contentType: req.header('content-type') };
  sendAnswer(res, await acceptAlerts(ctx, source, request));
}

/** Records a request's alerts in JetStream: the 202 answer, or an error for the error mapping (middleware.ts). */
export async function acceptAlerts(ctx: ApiContext, source: IngestSource, req: IngestRequest): Promise<Answer> {
  const started = process.hrtime.bigint();
  const p = req.principal;
  if (!p) throw new ForbiddenError('no principal');
  const allowed = decide(p, 'alerts.send');
  if (!allowed.allowed) throw new ForbiddenError(allowed.error);
  const snapshot = ctx.config.get();
  if (!snapshot) throw new UnavailableError('the router has no configuration loaded yet; retry shortly', 5);

  const now = ctx.clock();
  const parsed = PARSERS[source](requireBody(req, source), new Date(now));
  // Every field within the caps before anything is stored (router/ingest/caps.ts).
  const result = { ...parsed, alerts: parsed.alerts.map(capAlert) };
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

  const retryAfter = ctx.backlog ? backPressure(ctx.backlog(), ctx.maxBacklog ?? MAX_BACKLOG) : 0;
  if (retryAfter > 0) {
    throw new RateLimitError(
      'the router has more accepted alerts than it can apply right now; nothing was recorded, retry later',
      retryAfter,
    );
  }

  if (!ctx.bus.connected()) throw new UnavailableError('NATS is unreachable; nothing was recorded, retry later', 5);
  const receivedAt = new Date(now).toISOString();
  // Serialised (and split to fit NATS) before anything is published, so an alert too large to store
  // fails the request with a 400 rather than after part of it was recorded.
  const maxPayload = (ctx.bus.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADER_ROOM;
  const messages = [...byTenant].flatMap(([tenant, drafts]) =>
    splitAlerts(drafts, maxPayload - batchOverhead(tenant, receivedAt), (d) =>
      alertField(source, req.body, result.alerts.indexOf(d)),
    ).map((alertsJson) => ({ tenant, alertsJson })),
  );
  try {
    await Promise.all(
      messages.map(({ tenant, alertsJson }) =>
        ctx.js.publish(alertSubject(tenant), encodeBatch(tenant, receivedAt, alertsJson), {
          msgID: batchId(source, tenant, alertsJson),
          timeout: 5_000,
        }),
      ),
    );
  } catch (e) {
    ctx.log.warn({ err: e, req: req.id }, 'publishing to JetStream failed');
    throw new UnavailableError('NATS did not confirm the alerts were stored; retry later', 5, { cause: e });
  }

  // Tokens are taken only now that every tenant's alerts are stored: a request refused takes none.
  const limits = snapshot.config.tenants;
  const over = ctx.limiter.take(
    new Map([...byTenant].map(([tenant, drafts]) => [tenant, drafts.length])),
    (tenant) => limits[tenant]?.limits.alertsPerMinute ?? null,
    now,
  );
  let accepted = 0;
  for (const [tenant, drafts] of byTenant) {
    ctx.metrics.alertsReceived.inc({ tenant, source }, drafts.length);
    countTruncations(ctx, tenant, drafts);
    accepted += drafts.length;
  }
  const overLimit = [...over].map(([tenant, alerts]) => ({ tenant, alerts }));
  for (const { tenant, alerts } of overLimit) {
    ctx.metrics.alertsOverLimit.inc({ tenant }, alerts);
    ctx.log.warn({ req: req.id, tenant, overLimit: alerts }, 'alerts over the tenant limit accepted (storm mode)');
  }
  ctx.metrics.ingestDuration.observe({ source }, Number(process.hrtime.bigint() - started) / 1e9);
  return {
    status: 202,
    body: {
      accepted,
      tenants: [...byTenant.keys()],
      ...(unclaimed.length
        ? { rejected: unclaimed.map((index) => ({ index, error: 'no tenant claims this alert' })) }
        : {}),
      ...(result.truncated ? { truncated: result.truncated } : {}),
      ...(result.ignored ? { ignored: result.ignored } : {}),
      ...(overLimit.length ? { overLimit } : {}),
    },
  };
}

/** Unapplied alerts messages (about one per request) above which ingest answers 429. */
export const MAX_BACKLOG = 20_000;

/**
 * Counts the fields cut to the caps (docs/api.md) by kind: `summary`, `labels`, `annotations`, `note`. Not
 * by name: label and annotation names are the sender's, and a metric label per name would be unbounded.
 */
function countTruncations(ctx: ApiContext, tenant: string, drafts: readonly AlertDraft[]): void {
  for (const d of drafts) {
    for (const path of d.truncated ?? []) {
      const dot = path.indexOf('.');
      ctx.metrics.alertFieldsTruncated.inc({ tenant, field: dot < 0 ? path : path.slice(0, dot) });
    }
  }
}

/** Room for a message's headers (Nats-Msg-Id), which count towards the server's max_payload. */
const HEADER_ROOM = 1024;
/** nats-server's default max_payload, should the server not say. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/**
 * A tenant's alerts as the alerts JSON (UTF-8) of its messages, each at most `room` bytes. JetStream refuses a
 * message over the server's max_payload (1 MiB by default) while a request may carry 4 MiB (--max-body)
 * of alerts, which used to answer 503 on every retry. A request that fits is one message whose text is
 * JSON.stringify(drafts) as before; a larger one becomes several, published in order on one connection,
 * each with the id of its own alerts (a redelivered request splits the same way, so it is stored once).
 */
function splitAlerts(drafts: AlertDraft[], room: number, fieldOf: (d: AlertDraft) => string): Buffer[] {
  const whole = Buffer.from(JSON.stringify(drafts));
  if (whole.length <= room) return [whole];
  const jsons: Buffer[] = [];
  let parts: string[] = [];
  let bytes = 2;
  for (const d of drafts) {
    const text = JSON.stringify(d);
    const size = Buffer.byteLength(text);
    if (size + 2 > room) {
      throw new ValidationError(
        fieldOf(d),
        `is ${size} bytes once parsed; one alert may have at most ${room - 2} (shorten its annotations)`,
      );
    }
    if (parts.length > 0 && bytes + 1 + size > room) {
      jsons.push(Buffer.from(`[${parts.join(',')}]`));
      parts = [];
      bytes = 2;
    }
    bytes += (parts.length > 0 ? 1 : 0) + size;
    parts.push(text);
  }
  if (parts.length > 0) jsons.push(Buffer.from(`[${parts.join(',')}]`));
  return jsons;
}

/** The request field of the `index`th alert a parser returned, for an error about that alert. */
function alertField(source: IngestSource, body: unknown, index: number): string {
  if (source === 'alertmanager') return `alerts[${index}]`;
  if (source === 'generic' && Array.isArray(body)) return `[${index}]`;
  return '';
}

/**
 * The same alerts give the same id, so a webhook redelivered within the stream's duplicate window is
 * stored once. Not the raw body: where a source sends no times, the drafts carry the receipt time, so
 * the same body sent again later (firing, resolved, then firing again) is a new message, not a
 * "redelivery" to drop after answering 202. A retry of such a body is stored twice; the processor
 * deduplicates it by fingerprint.
 */
function batchId(source: string, tenant: string, alertsJson: Uint8Array): string {
  return createHash('sha256').update(source).update('\0').update(tenant).update('\0').update(alertsJson).digest('hex');
}
