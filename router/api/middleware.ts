// Request ids, access logs, authentication and the mapping of errors to JSON answers.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError,
} from '@nats-io/nats-core';
import type { NextFunction, Request, Response } from 'express';
import {
  AuthError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitError,
  UnavailableError,
  UnclaimedAlertsError,
  ValidationError,
} from '../errors.ts';
import { bearerToken, type Principal } from './auth.ts';
import type { ApiContext } from './context.ts';
import { redactUrl } from './redact.ts';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    principal?: Principal;
  }
}

/** A JSON answer: what handlers and the error mapping produce, written by {@link sendAnswer}. */
export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Writes an answer as express's `res.status(s).json(body)` does, on any node response (express's or a direct route's). */
export function sendAnswer(res: ServerResponse, answer: Answer): void {
  const text = JSON.stringify(answer.body);
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** The caller's X-Request-Id when it is a sane one, else a new id. */
export function requestIdOf(given: string | undefined): string {
  return given && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
}

/** Sets X-Request-Id and logs the request once answered. `path` is read then (express rewrites it while routing). */
export function trackRequest(ctx: ApiContext, res: ServerResponse, id: string, method: string, path: () => string) {
  res.setHeader('X-Request-Id', id);
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug';
    ctx.log[level]({ req: { id, method, path: redactUrl(path()) }, status: res.statusCode, ms }, 'request');
  });
}

export function requestId(ctx: ApiContext) {
  return (req: Request, res: Response, next: NextFunction) => {
    req.id = requestIdOf(req.header('x-request-id'));
    trackRequest(ctx, res, req.id, req.method, () => req.path);
    next();
  };
}

/** The principal a bearer token (or the path key of a source that cannot set headers) stands for. */
export function principalOf(ctx: ApiContext, token: string | null, tokenFrom: 'header' | 'path'): Principal {
  if (!token) {
    throw new AuthError(
      tokenFrom === 'path'
        ? 'the ingest key in the URL is empty'
        : 'send Authorization: Bearer <token> (an ingest token or the admin token)',
    );
  }
  const p = ctx.tokens.resolve(token);
  if (!p)
    throw new AuthError(
      "the token is not valid (check the Secret referenced by the tenant's spec.ingestTokenSecretRef)",
    );
  // A URL ends up in proxy logs, browser history and tool configs: only a tenant's ingest token belongs there.
  if (tokenFrom === 'path' && p.kind !== 'tenant') {
    throw new ForbiddenError(
      'only a tenant ingest token may be sent in the URL; send other tokens as Authorization: Bearer',
    );
  }
  return p;
}

/** Resolves the bearer token (or the path key for sources that cannot set headers) to a principal. */
export function authenticate(ctx: ApiContext, tokenFrom: 'header' | 'path' = 'header') {
  return (req: Request, _res: Response, next: NextFunction) => {
    const token = tokenFrom === 'path' ? String(req.params['key'] ?? '') : bearerToken(req.header('authorization'));
    req.principal = principalOf(ctx, token, tokenFrom);
    next();
  };
}

export function requireAdmin(req: Request, _res: Response, next: NextFunction) {
  if (req.principal?.kind !== 'admin') throw new ForbiddenError('this needs the admin token');
  next();
}

/** The source named by an ingest path (`/api/v1/alerts` is the generic one), for metric labels. */
function ingestSource(path: string): string {
  const [, api, v1, alerts, source] = path.split('/');
  if (api !== 'api' || v1 !== 'v1' || alerts !== 'alerts') return 'none';
  if (!source) return 'generic';
  return ['alertmanager', 'zabbix', 'prtg', 'generic'].includes(source) ? source : 'unknown';
}

interface HttpishError {
  status?: number;
  type?: string;
  expose?: boolean;
  message: string;
}

/**
 * The other ways body parsing and routing refuse a request, as a 400 naming the header or part at
 * fault (as docs/api.md promises for a wrong Content-Type), instead of body-parser's bare 415/413/400
 * ("unsupported charset", "too many parameters", zlib's "incorrect header check").
 */
function requestProblem(err: unknown): { field: string; message: string } | null {
  const e = err as {
    type?: unknown;
    code?: unknown;
    status?: unknown;
    charset?: unknown;
    encoding?: unknown;
    message?: unknown;
  };
  // The router's decoding of a path parameter (`/api/v1/incidents/%E0%A4`); other URIErrors are faults.
  if (err instanceof URIError && e.status === 400) return { field: 'path', message: 'is not valid percent-encoding' };
  switch (e?.type) {
    case 'charset.unsupported':
      return {
        field: 'Content-Type',
        message: `charset ${JSON.stringify(String(e.charset))} is not supported; send utf-8`,
      };
    case 'encoding.unsupported':
      return {
        field: 'Content-Encoding',
        message: `${JSON.stringify(String(e.encoding ?? ''))} is not supported; send identity, gzip, deflate or br`,
      };
    case 'parameters.too.many':
    case 'querystring.parse.rangeError':
      return { field: 'body', message: 'the form has too many fields' };
    case 'request.size.invalid':
      return { field: 'Content-Length', message: 'does not match the length of the body' };
    case 'request.aborted':
      return { field: 'body', message: 'the request ended before its body was complete' };
  }
  // A compressed body that does not decompress (zlib / brotli error codes).
  if (typeof e?.code === 'string' && /^(Z_|ERR_(BROTLI|ZSTD|ZLIB))/.test(e.code)) {
    return { field: 'Content-Encoding', message: `the body could not be decompressed: ${String(e.message)}` };
  }
  return null;
}

/** An error of the NATS connection itself (no answer in time, closed, reconnecting), here or as a cause. */
function natsUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (
      e instanceof TimeoutError ||
      e instanceof ConnectionError ||
      e instanceof ClosedConnectionError ||
      e instanceof DrainingConnectionError ||
      e instanceof NoRespondersError ||
      e instanceof RequestError
    ) {
      return true;
    }
  }
  return false;
}

function answer(status: number, error: string, details: unknown = undefined, retryAfter?: number): Answer {
  return {
    status,
    body: details === undefined ? { error } : { error, details },
    ...(retryAfter === undefined ? {} : { headers: { 'Retry-After': String(retryAfter) } }),
  };
}

/** Every error becomes `{error, details}` with the right status; only real faults are 500. */
export function errorHandler(ctx: ApiContext) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    sendAnswer(res, errorAnswer(ctx, err, { id: req.id, path: req.path }));
  };
}

/** The answer to an error (counted and logged here), for express's error handler and the direct ingest routes. */
export function errorAnswer(ctx: ApiContext, err: unknown, req: { id: string; path: string }): Answer {
  const source = ingestSource(req.path);
  if (err instanceof ValidationError) {
    // Unclaimed alerts were already counted, one per alert, under reason no_tenant.
    if (!(err instanceof UnclaimedAlertsError)) ctx.metrics.alertsRejected.inc({ source, reason: 'invalid' });
    return answer(400, err.message, { field: err.field });
  }
  if (err instanceof AuthError) {
    ctx.metrics.alertsRejected.inc({ source, reason: 'unauthorized' });
    return { ...answer(401, err.message), headers: { 'WWW-Authenticate': 'Bearer realm="switchboard"' } };
  }
  if (err instanceof ForbiddenError) return answer(403, err.message);
  if (err instanceof NotFoundError) return answer(404, err.message);
  if (err instanceof ConflictError) return answer(409, err.message);
  if (err instanceof RateLimitError) {
    ctx.metrics.alertsRejected.inc({ source, reason: 'rate_limited' });
    return answer(429, err.message, undefined, err.retryAfterSeconds);
  }
  if (err instanceof UnavailableError) {
    ctx.metrics.alertsRejected.inc({ source, reason: 'unavailable' });
    return answer(503, err.message, undefined, err.retryAfterSeconds);
  }
  const e = err as HttpishError;
  // Errors raised by body parsing (express.json / urlencoded).
  if (e?.type === 'entity.too.large') {
    ctx.metrics.alertsRejected.inc({ source, reason: 'too_large' });
    return answer(413, `the request body is larger than ${ctx.maxBodyBytes} bytes; send fewer alerts per request`);
  }
  if (e?.type === 'entity.parse.failed') {
    ctx.metrics.alertsRejected.inc({ source, reason: 'invalid' });
    return answer(400, 'the body is not valid JSON', { field: 'body', parser: e.message });
  }
  const problem = requestProblem(err);
  if (problem) {
    ctx.metrics.alertsRejected.inc({ source, reason: 'invalid' });
    return answer(400, `${problem.field}: ${problem.message}`, { field: problem.field });
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return answer(e.status, e.expose ? e.message : 'bad request');
  }
  // NATS away for a moment (restarting, a failover): the client should retry, as for ingest.
  if (natsUnavailable(err)) {
    ctx.log.warn({ err, req: { id: req.id, path: redactUrl(req.path) } }, 'NATS unavailable');
    return answer(503, 'NATS is unreachable or did not answer in time; retry later', undefined, 5);
  }
  ctx.log.error({ err, req: { id: req.id, path: redactUrl(req.path) } }, 'unhandled error');
  return answer(500, 'internal error; the request id in X-Request-Id identifies it in the router log');
}
