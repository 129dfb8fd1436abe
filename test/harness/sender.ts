// A sender that behaves like Alertmanager: POSTs until 202, retrying connection errors and 5xx with a short
// randomised backoff, giving up on any other 4xx. Used by the suites that break the router or NATS mid-stream.

export interface Attempt {
  /** The answer's status, or the error code/name when there was no answer. */
  status: number | string;
  ms: number;
  retryAfter: string | null;
}

export async function postUntilAccepted(
  url: () => string,
  token: string,
  body: unknown,
  attempts: Attempt[],
  /** The shortest wait between attempts (a random 0-100 ms is added). */
  backoffMs = 50,
): Promise<void> {
  for (let n = 0; ; n++) {
    const started = Date.now();
    let status: number | string;
    let retryAfter: string | null = null;
    try {
      const res = await fetch(`${url()}/api/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      await res.arrayBuffer();
      status = res.status;
      retryAfter = res.headers.get('retry-after');
    } catch (e) {
      status = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    }
    attempts.push({ status, ms: Date.now() - started, retryAfter });
    if (status === 202) return;
    if (typeof status === 'number' && status < 500) throw new Error(`request refused with ${status}`);
    if (n > 400) throw new Error(`gave up after ${n} attempts (last: ${status})`);
    await new Promise((r) => setTimeout(r, backoffMs + Math.random() * 100));
  }
}
