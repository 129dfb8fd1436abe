// Transient NATS failures, retried in place. While a JetStream stream elects a new leader (a NATS node
// died), requests to it get "no responders" or time out for a few seconds; a step that gave up then would
// leave a batch half applied and be redone from the start (router/incidents/service.ts), so writes wait it
// out instead, up to TRANSIENT_RETRY_MS.
export const TRANSIENT_RETRY_MS = 30_000;

const PAUSES = [50, 100, 200, 400, 800, 1_000];

/** A failure that says nothing about the request's own validity: NATS was (briefly) unable to answer. */
export function isTransient(e: unknown): boolean {
  const m = (e as Error)?.message ?? '';
  if (/wrong last sequence|key exists|10071/i.test(m)) return false;
  return /no responders|timeout|timed out|disconnect|connection (closed|draining)|not enabled|leader/i.test(m);
}

/**
 * Runs `op` until it succeeds, retrying transient failures for up to `maxMs`; `retried` is told before each
 * retry (for a write whose first attempt may have been applied although its answer was lost).
 */
export async function retryTransient<T>(op: (attempt: number) => Promise<T>, maxMs = TRANSIENT_RETRY_MS): Promise<T> {
  const until = performance.now() + maxMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await op(attempt);
    } catch (e) {
      if (!isTransient(e) || performance.now() >= until) throw e;
      await new Promise((r) => setTimeout(r, PAUSES[Math.min(attempt, PAUSES.length - 1)]));
    }
  }
}
