// One HTTP request to a provider, with a timeout, turned into a SendResult: the classification every
// adapter shares. Timeouts, connection errors, 429 and 5xx are recoverable; any other 4xx is not (the
// request itself is wrong: bad credentials, unknown channel, invalid number), so retrying cannot help.
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
  headers: Headers;
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

/** Sends the request; network failures and timeouts come back as a recoverable SendResult. */
export async function request(url: string, req: HttpRequest): Promise<HttpAnswer | SendResult> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    const res = await fetch(url, {
      method: req.method ?? 'POST',
      headers: req.headers ?? {},
      ...(req.body !== undefined ? { body: req.body } : {}),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    // The body is read under the same timeout (a server may stall after the headers).
    const text = await res.text();
    return { status: res.status, text, headers: res.headers };
  } catch (e) {
    const err = e as Error;
    const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError';
    return {
      ok: false,
      recoverable: true,
      error: timedOut ? `no answer within ${timeoutMs} ms` : `request failed: ${describe(err)}`,
    };
  }
}

function describe(err: Error): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? err.message;
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
