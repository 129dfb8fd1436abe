// Flapping: an alert that keeps changing between firing and resolved is unreliable, and paging on every
// change trains people to ignore it. Once it changed `changes` times within `window` (Tenant.flapping,
// default 6 in 30m) it is flapping: it pages once more, so someone learns about it, and then stays quiet
// until it has not changed for `stableFor`. If it is still firing then, it pages (it is a real problem
// now); if it resolved, nothing is left to page.
//
// The state is small (at most `changes` timestamps), plain JSON, and meant to be stored with the alert's
// state. It is updated by the pure `recordChange` for every status change of the alert (decisions `fire`
// and `resolve`), with the source's own time of the change: a redelivered change then has the same time
// and is recognised, so recording it twice changes nothing.
import type { AlertStatus } from '../alert.ts';
import type { TenantConfig } from '../config/compiled.ts';
import { formatInstant, type Muter, type MuteSubject, type MuteVerdict } from './muter.ts';

export type FlapSettings = TenantConfig['flapping'];

export interface FlapState {
  /** Source times (epoch ms) of the latest status changes within the window, ascending, at most `changes`. */
  changes: number[];
  /** Source time of the change that made the alert flapping, or null while it is not flapping. */
  flappingSince: number | null;
  /** Source time of the one firing that pages in the current flapping episode, once there was one. */
  pagedFiringAt: number | null;
}

export const NOT_FLAPPING: FlapState = { changes: [], flappingSince: null, pagedFiringAt: null };

function lastChange(state: FlapState): number | null {
  return state.changes.length > 0 ? (state.changes[state.changes.length - 1] as number) : null;
}

/**
 * The state after a status change of the alert at source time `at` to `status`. Pure and idempotent.
 * A flapping episode ends when `stableFor` passed without a change; the changes before it then no longer
 * count, so the next episode needs `changes` new ones.
 */
export function recordChange(
  state: FlapState | null,
  change: { at: number; status: AlertStatus },
  settings: FlapSettings,
): FlapState {
  const prev = state ?? NOT_FLAPPING;
  if (prev.changes.includes(change.at)) return prev;
  let { flappingSince, pagedFiringAt } = prev;
  let changes = prev.changes;
  const last = lastChange(prev);
  if (flappingSince !== null && last !== null && change.at - last >= settings.stableForMs) {
    flappingSince = null;
    pagedFiringAt = null;
    changes = [];
  }
  changes = [...changes, change.at].sort((a, b) => a - b);
  const newest = changes[changes.length - 1] as number;
  // Only the latest `changes` matter: the threshold is reached when that many lie within one window.
  changes = changes.filter((t) => t > newest - settings.windowMs).slice(-settings.changes);
  if (flappingSince === null && changes.length >= settings.changes) flappingSince = change.at;
  if (flappingSince !== null && pagedFiringAt === null && change.status === 'firing') pagedFiringAt = change.at;
  return { changes, flappingSince, pagedFiringAt };
}

/** Whether the alert counts as flapping at `now`: an episode began and it has not been stable since. */
export function isFlapping(state: FlapState | null, now: number, settings: FlapSettings): boolean {
  const until = stableAt(state, settings);
  return until !== null && now < until;
}

/** When a flapping alert becomes stable if it does not change again; null when it is not flapping. */
export function stableAt(state: FlapState | null, settings: FlapSettings): number | null {
  if (!state || state.flappingSince === null) return null;
  const last = lastChange(state);
  return last === null ? null : last + settings.stableForMs;
}

/**
 * Mutes the firings of a flapping alert except the one that pages for its episode. `stateOf` returns the
 * alert's flap state after its current change was recorded (null if it never changed).
 */
export class FlappingMuter implements Muter {
  readonly reason = 'flapping' as const;

  constructor(
    private readonly tenants: Readonly<Record<string, Pick<TenantConfig, 'flapping'>>>,
    private readonly stateOf: (alert: MuteSubject) => FlapState | null,
  ) {}

  mutes(alert: MuteSubject, now: number): MuteVerdict | null {
    const settings = this.tenants[alert.tenant]?.flapping;
    if (!settings) return null;
    const state = this.stateOf(alert);
    if (!state || !isFlapping(state, now, settings)) return null;
    // The episode's one page: the firing whose source time was recorded as the paging one.
    if (state.pagedFiringAt === Date.parse(alert.startsAt)) return null;
    const until = stableAt(state, settings) as number;
    return {
      reason: 'flapping',
      detail:
        `flapping since ${formatInstant(state.flappingSince as number)} ` +
        `(${settings.changes} state changes within ${minutes(settings.windowMs)}); ` +
        `quiet until stable for ${minutes(settings.stableForMs)}, at ${formatInstant(until)} at the earliest`,
      until,
    };
  }
}

function minutes(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}
