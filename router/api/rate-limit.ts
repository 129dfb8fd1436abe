// Per-tenant token buckets for `limits.alertsPerMinute`. Each replica limits what it accepts; with N
// replicas behind a load balancer a tenant may get up to N times the limit (documented in suppression.md).
//
// The limit no longer refuses alerts (security review H4: a request carrying more alerts than the limit
// was answered 429 forever, since the bucket never holds more than `perMinute` tokens, so a storm's first
// webhook was lost for good). Alerts over the limit are accepted, persisted and counted
// (switchboard_alerts_over_limit_total); storm mode then folds them into one paging incident. A 429 is
// only real back-pressure that clears: see backPressure().

export interface Bucket {
  /** Tokens left, at most `perMinute`. */
  tokens: number;
  /** Epoch ms the tokens were counted at. */
  at: number;
}

export interface Admission {
  /** The tenant's bucket after taking the alerts. */
  bucket: Bucket;
  /** Alerts of the request within the limit. */
  within: number;
  /** Alerts over the limit: accepted all the same, counted, and they engage storm mode. */
  over: number;
}

/**
 * Takes `n` alerts from `bucket` (null: a full bucket, the tenant's first request) at `now`. Pure: the
 * caller decides when to keep the new bucket. Tokens refill at `perMinute` per minute up to `perMinute`.
 */
export function admit(bucket: Bucket | null, perMinute: number, n: number, now: number): Admission {
  const rate = perMinute / 60_000;
  const start = bucket ?? { tokens: perMinute, at: now };
  // A clock stepping back must not mint or drain tokens.
  const elapsed = Math.max(0, now - start.at);
  const tokens = Math.min(perMinute, start.tokens + elapsed * rate);
  const within = Math.min(n, Math.floor(tokens));
  return { bucket: { tokens: tokens - within, at: Math.max(now, start.at) }, within, over: n - within };
}

export class TenantRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /**
   * Takes a stored request's alerts, `counts` per tenant with each tenant's `perMinute` (null: no limit),
   * and returns how many of each tenant's were over its limit. Called once the request is stored, so a
   * request that failed (back-pressure, NATS down) takes no tokens, and a multi-tenant request (shared
   * token) takes every tenant's together, after all passed; synchronous, so concurrent requests each see
   * the tokens the other took.
   */
  take(
    counts: ReadonlyMap<string, number>,
    perMinuteOf: (tenant: string) => number | null,
    now: number,
  ): Map<string, number> {
    const over = new Map<string, number>();
    for (const [tenant, n] of counts) {
      const perMinute = perMinuteOf(tenant);
      if (perMinute === null) continue;
      const a = admit(this.buckets.get(tenant) ?? null, perMinute, n, now);
      this.buckets.set(tenant, a.bucket);
      if (a.over > 0) over.set(tenant, a.over);
    }
    return over;
  }
}

export interface Backlog {
  /** Alerts messages accepted but not yet applied (the alerts stream's consumers' pending + unacknowledged). */
  pending: number;
  /** Messages applied per second lately (0 when unknown or stalled). */
  drainPerSecond: number;
}

/** Retry-After is never below this or above this, in seconds. */
export const MIN_RETRY_S = 1;
export const MAX_RETRY_S = 300;

/**
 * Seconds a sender should wait (0: accept now). Only a backlog above `bound` answers 429, and the wait is
 * what it takes to bring the backlog back under the bound at the rate it drains lately: it clears by
 * itself, unlike the old limit. A stalled drain (0/s) answers MAX_RETRY_S.
 */
export function backPressure(backlog: Backlog, bound: number): number {
  if (backlog.pending <= bound) return 0;
  if (backlog.drainPerSecond <= 0) return MAX_RETRY_S;
  const seconds = Math.ceil((backlog.pending - bound) / backlog.drainPerSecond);
  return Math.min(MAX_RETRY_S, Math.max(MIN_RETRY_S, seconds));
}
