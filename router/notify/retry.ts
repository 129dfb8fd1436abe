// Retrying recoverable send failures: exponential backoff with full jitter ("Exponential Backoff And
// Jitter", AWS Architecture Blog): attempt n waits a uniformly random time in [0, min(cap, base * 2^n)),
// which spreads the retries of many notifications hitting one rate-limited provider instead of sending
// them again in lockstep. A provider's Retry-After is honoured as a lower bound.
import type { SendResult } from './types.ts';

export interface BackoffPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { maxAttempts: 5, baseMs: 1_000, capMs: 30_000 };

/** The wait before retry number `retry` (0 = the first retry), given a random number in [0, 1). Pure. */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** retry);
  return Math.floor(random * ceiling);
}

export interface RetryDeps {
  sleep: (ms: number) => Promise<void>;
  clock: () => number;
  random: () => number;
}

export const realRetryDeps: RetryDeps = {
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  clock: () => Date.now(),
  random: Math.random,
};

export interface RetryOutcome {
  result: SendResult;
  attempts: number;
  /** The recoverable errors that were retried, in order. */
  retried: string[];
}

/**
 * Runs `attempt` until it succeeds, fails unrecoverably, runs out of attempts, or the next attempt could
 * not finish before `deadline` (an attempt may take up to `attemptTimeoutMs`). The deadline keeps every
 * attempt inside the notification log's lease.
 */
export async function withRetry(
  attempt: () => Promise<SendResult>,
  opts: { policy?: BackoffPolicy; deadline: number; attemptTimeoutMs: number },
  deps: RetryDeps = realRetryDeps,
): Promise<RetryOutcome> {
  const policy = opts.policy ?? DEFAULT_BACKOFF;
  const retried: string[] = [];
  for (let n = 1; ; n++) {
    const result = await attempt();
    if (result.ok || !result.recoverable || n >= policy.maxAttempts) return { result, attempts: n, retried };
    const wait = Math.max(backoffDelay(n - 1, policy, deps.random()), result.retryAfterMs ?? 0);
    if (deps.clock() + wait + opts.attemptTimeoutMs > opts.deadline) {
      return {
        result: { ...result, error: `${result.error} (gave up: a retry would outlast the send deadline)` },
        attempts: n,
        retried,
      };
    }
    retried.push(result.error);
    await deps.sleep(wait);
  }
}
