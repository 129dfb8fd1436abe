// Alert storms: when a core switch dies, hundreds of hosts alert at once. Paging for each is useless and
// harmful, so above a tenant's limit the tenant enters storm mode: one storm incident pages, and the alerts
// that would have paged on their own attach to it instead. Storm mode ends by itself once the rate has
// stayed under the limit for a quiet period. State is per tenant, so another tenant is never affected.
//
// What is counted (see stormLimit): new incidents per minute when `limits.newIncidentsPerMinute` is set,
// else firing alerts per minute against `limits.alertsPerMinute`; neither set, no storm mode. Only what
// would page is counted: alerts muted for an earlier reason (muteAll order) are not, so a planned
// maintenance with 500 reboots does not start a storm.
//
// Time here is the router's clock (a storm is about how fast pages would go out now), not source time.
// The state is plain JSON, at most `perMinute` timestamps.
import type { TenantConfig } from '../config/compiled.ts';
import { formatInstant, type Muter, type MuteSubject, type MuteVerdict } from './muter.ts';

const MINUTE_MS = 60_000;
/** How long the rate must stay at or under the limit before storm mode ends by itself. */
export const STORM_QUIET_MS = 5 * MINUTE_MS;

export interface StormLimit {
  /** More than this many within a minute start (and keep up) storm mode. */
  perMinute: number;
  /** What the pipeline feeds into `observe`: new incidents it opens, or firing alerts (decision `fire`). */
  counts: 'incidents' | 'alerts';
}

export function stormLimit(limits: TenantConfig['limits']): StormLimit | null {
  if (limits.newIncidentsPerMinute !== null) return { perMinute: limits.newIncidentsPerMinute, counts: 'incidents' };
  if (limits.alertsPerMinute !== null) return { perMinute: limits.alertsPerMinute, counts: 'alerts' };
  return null;
}

export interface StormState {
  /** Epoch ms of the latest counted events within the last minute, ascending, at most `perMinute`. */
  recent: number[];
  /** When the current storm began, or null when the tenant is not in storm mode. */
  stormSince: number | null;
  /** The last time the rate was over the limit; storm mode ends STORM_QUIET_MS after it. */
  lastOverAt: number | null;
}

export const CALM: StormState = { recent: [], stormSince: null, lastOverAt: null };

/** When the current storm ends if the rate stays under the limit; null when there is no storm. */
export function stormEndsAt(state: StormState | null, quietMs = STORM_QUIET_MS): number | null {
  if (!state || state.stormSince === null || state.lastOverAt === null) return null;
  return state.lastOverAt + quietMs;
}

export function inStorm(state: StormState | null, now: number, quietMs = STORM_QUIET_MS): boolean {
  const end = stormEndsAt(state, quietMs);
  return end !== null && now < end;
}

/**
 * The state after one more counted event (a new incident or a firing alert, see StormLimit) at `at`.
 * The tenant enters storm mode when more than `perMinute` fall within one minute; `stormStarted` tells the
 * caller that this event started it (and the storm incident must be opened and paged).
 */
export function observe(state: StormState | null, at: number, limit: StormLimit, quietMs = STORM_QUIET_MS): StormState {
  let { stormSince, lastOverAt } = state ?? CALM;
  if (stormSince !== null && !inStorm(state, at, quietMs)) {
    stormSince = null;
    lastOverAt = null;
  }
  // Keep only what can still be in a minute with the next event; `perMinute` of them are enough to tell
  // whether the next one is over the limit.
  const recent = [...(state?.recent ?? []), at].sort((a, b) => a - b).filter((t) => t > at - MINUTE_MS);
  const over = recent.length > limit.perMinute;
  if (over) {
    lastOverAt = Math.max(lastOverAt ?? at, at);
    stormSince ??= at;
  }
  return { recent: recent.slice(-limit.perMinute), stormSince, lastOverAt };
}

/** True when `next` (the result of observe on `prev`) began a storm: open and page the storm incident. */
export function stormStarted(prev: StormState | null, next: StormState): boolean {
  return next.stormSince !== null && next.stormSince !== (prev?.stormSince ?? null);
}

/**
 * Mutes every alert of a tenant in storm mode: they attach to the storm incident, which paged once.
 * `until` is null on purpose: when the storm ends, the alerts it swallowed must not page one by one (that
 * is the flood storm mode exists to prevent); they stay with the storm incident, whose people handle them.
 * Alerts that fire after the storm page normally again.
 */
export class StormMuter implements Muter {
  readonly reason = 'storm' as const;

  constructor(
    private readonly tenants: Readonly<Record<string, Pick<TenantConfig, 'limits'>>>,
    private readonly stateOf: (tenant: string) => StormState | null,
    private readonly quietMs = STORM_QUIET_MS,
  ) {}

  mutes(alert: MuteSubject, now: number): MuteVerdict | null {
    const tenant = this.tenants[alert.tenant];
    const limit = tenant ? stormLimit(tenant.limits) : null;
    if (!limit) return null;
    const state = this.stateOf(alert.tenant);
    if (!state || !inStorm(state, now, this.quietMs)) return null;
    const what = limit.counts === 'incidents' ? 'new incidents' : 'alerts';
    return {
      reason: 'storm',
      detail:
        `tenant ${alert.tenant} is in storm mode since ${formatInstant(state.stormSince as number)} ` +
        `(more than ${limit.perMinute} ${what} per minute); attached to the storm incident, which paged once`,
      until: null,
    };
  }
}
