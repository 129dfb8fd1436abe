// Per-tenant token buckets for `limits.alertsPerMinute`. Each replica limits what it accepts; with N
// replicas behind a load balancer a tenant may get up to N times the limit (documented in suppression.md).
export class TenantRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /**
   * Takes `n` alerts from the tenant's bucket. Returns 0 when allowed, otherwise the seconds after
   * which that many will be available (the Retry-After).
   */
  take(tenant: string, perMinute: number | null, n: number, now: number): number {
    if (perMinute === null) return 0;
    const rate = perMinute / 60_000;
    const b = this.buckets.get(tenant) ?? { tokens: perMinute, at: now };
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * rate);
    b.at = now;
    this.buckets.set(tenant, b);
    if (n <= b.tokens) {
      b.tokens -= n;
      return 0;
    }
    const missing = Math.min(n, perMinute) - b.tokens;
    return Math.max(1, Math.ceil(missing / rate / 1000));
  }
}
