// One HTTP request to a provider, with a timeout, turned into a SendResult: the classification every
// adapter shares. Timeouts, connection errors, 429 and 5xx are recoverable; any other 4xx is not (the
// request itself is wrong: bad credentials, unknown channel, invalid number), so retrying cannot help.
//
// Requests go through node:http with keep-alive agents rather than fetch: a page is one small request, and
// fetch's WHATWG streams, Headers and AbortSignal cost several times the request itself (a tenth of the
// router's CPU at 1,000 pages/s). Redirects are not followed: a 3xx is the provider's answer, not recoverable.
import http from 'node:http';
import https from 'node:https';
import type { SendResult } from './types.ts';

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  text: string;
  /** Response headers by case-insensitive name (several values joined by ", "). */
  headers: { get(name: string): string | null };
}

/** Connections to each provider are kept and reused; at most this many at once per host (others queue). */
const MAX_SOCKETS_PER_HOST = 128;
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }),
};

function headersOf(h: http.IncomingHttpHeaders): HttpAnswer['headers'] {
  return {
    get(name) {
      const v = h[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
  };
}

/** Seconds or an HTTP date in Retry-After, as milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function isRecoverableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/**
 * Sends the request; network failures and timeouts come back as a recoverable SendResult. The timeout covers
 * the whole exchange, a wait for a free connection and the body included (a server may stall after the
 * headers).
 */
export function request(url: string, req: HttpRequest): Promise<HttpAnswer | SendResult> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, recoverable: false, error: `not a URL: ${url}` });
  }
  const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : null;
  if (!client) {
    return Promise.resolve({ ok: false, recoverable: false, error: `not an http(s) URL: ${url}` });
  }
  const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (v: HttpAnswer | SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(v);
    };
    const failed = (err: Error) => finish({ ok: false, recoverable: true, error: `request failed: ${describe(err)}` });
    const r = client.request(
      target,
      { method: req.method ?? 'POST', headers, agent: agents[target.protocol as 'http:' | 'https:'] },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          finish({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            headers: headersOf(res.headers),
          }),
        );
        res.on('error', failed);
        res.on('aborted', () => failed(new Error('the connection closed before the whole answer came')));
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, recoverable: true, error: `no answer within ${timeoutMs} ms` });
      r.destroy();
    }, timeoutMs);
    r.on('error', failed);
    r.end(body);
  });
}

function describe(err: Error): string {
  return (err as { code?: string }).code ?? err.message;
}

export function isAnswer(x: HttpAnswer | SendResult): x is HttpAnswer {
  return 'status' in x;
}

/** A non-2xx answer as a failed SendResult, naming the provider and a short piece of its body. */
export function failure(provider: string, a: HttpAnswer): SendResult {
  const retry = retryAfterMs(a.headers.get('retry-after'));
  return {
    ok: false,
    recoverable: isRecoverableStatus(a.status),
    error: `${provider} answered ${a.status}${a.text ? `: ${a.text.slice(0, 300)}` : ''}`,
    ...(retry !== undefined ? { retryAfterMs: retry } : {}),
  };
}

/** Sends and expects a 2xx; hands its answer to `ok`. */
export async function send(
  provider: string,
  url: string,
  req: HttpRequest,
  ok: (a: HttpAnswer) => SendResult = () => ({ ok: true }),
): Promise<SendResult> {
  const a = await request(url, req);
  if (!isAnswer(a)) return a;
  if (a.status < 200 || a.status >= 300) return failure(provider, a);
  return ok(a);
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** Parses a JSON answer; a 2xx with an unreadable body is not recoverable (the provider changed). */
export function parseJson(provider: string, a: HttpAnswer): { value: unknown } | SendResult {
  try {
    return { value: JSON.parse(a.text) as unknown };
  } catch {
    return { ok: false, recoverable: false, error: `${provider} answered ${a.status} with a body that is not JSON` };
  }
}
