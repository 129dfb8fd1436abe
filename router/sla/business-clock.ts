// The business clock: SLA time that only runs inside a ServiceLevel's business hours.
// Pure: instants are epoch milliseconds passed in; nothing here reads the clock.
//
// `hours` null means 24x7 coverage, where business time is wall time. Otherwise business time runs inside the
// weekly windows in `hours.timezone` (see router/time/weekly.ts for how windows, DST and holidays are read):
// a Monday-Friday 08:00-18:00 target of 4h opened Friday 17:30 has used 30 minutes by Friday 18:00 and is due
// Monday 11:30. Overlapping windows count once.
import type { ServiceLevelConfig } from '../config/compiled.ts';
import { activeWindowAt, hasAnyWindow, iterateOccurrences, nextWindowStart, occurrences } from '../time/weekly.ts';

export type BusinessHours = NonNullable<ServiceLevelConfig['businessHours']>;

function assertInstant(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite epoch-ms instant, got ${value}`);
}

function assertHasWindows(hours: BusinessHours): void {
  if (!hasAnyWindow(hours.windows)) {
    throw new RangeError(
      `business hours in ${hours.timezone} have no window on any day, so business time never passes; ` +
        'use 24x7 coverage or add windows',
    );
  }
}

/**
 * The earliest instant at which `durationMs` of business time has elapsed since `start`.
 * Zero duration gives `start` itself (even outside business hours); a duration that is used up exactly at
 * the close of a window gives that close, not the next opening.
 * Throws RangeError for a negative duration, for hours without windows, and when business time stops
 * (holidays) for longer than SEARCH_HORIZON_DAYS (3 years) before the duration is used up.
 */
export function addBusinessTime(start: number, durationMs: number, hours: BusinessHours | null): number {
  assertInstant('start', start);
  if (!Number.isFinite(durationMs) || durationMs < 0) {
    throw new RangeError(`duration must be a finite, non-negative number of ms, got ${durationMs}`);
  }
  if (hours === null) return start + durationMs;
  if (durationMs === 0) return start;
  assertHasWindows(hours);
  let remaining = durationMs;
  for (const occ of iterateOccurrences(hours.windows, hours.timezone, start, hours.holidays)) {
    const from = Math.max(occ.start, start);
    const available = occ.end - from;
    if (remaining <= available) return from + remaining;
    remaining -= available;
  }
  throw new RangeError(
    `no business time within 3 years after ${new Date(start).toISOString()} in ${hours.timezone} ` +
      `(with ${remaining} ms of ${durationMs} ms still to go): check the windows and holidays`,
  );
}

/**
 * Business time between `a` and `b` in ms: the part of [a, b) inside business hours. Antisymmetric:
 * negative when `b` is before `a`. Hours without windows have no business time (0).
 */
export function businessTimeBetween(a: number, b: number, hours: BusinessHours | null): number {
  assertInstant('a', a);
  assertInstant('b', b);
  if (b < a) return -businessTimeBetween(b, a, hours);
  if (hours === null) return b - a;
  let total = 0;
  for (const occ of occurrences(hours.windows, hours.timezone, a, b, hours.holidays)) total += occ.end - occ.start;
  return total;
}

/** Whether the business clock runs at `at` (window edges: open at the opening instant, shut at the closing one). */
export function isBusinessTime(at: number, hours: BusinessHours | null): boolean {
  assertInstant('at', at);
  if (hours === null) return true;
  return activeWindowAt(hours.windows, hours.timezone, at, hours.holidays) !== null;
}

/**
 * `at` itself when inside business hours, else the instant business hours next begin (when a
 * `businessHours` alert that arrived outside them starts to count and may page).
 * Throws RangeError for hours without windows or none within 3 years.
 */
export function nextBusinessTime(at: number, hours: BusinessHours | null): number {
  if (isBusinessTime(at, hours) || hours === null) return at;
  assertHasWindows(hours);
  const next = nextWindowStart(hours.windows, hours.timezone, at, hours.holidays);
  if (next === null) {
    throw new RangeError(`no business time within 3 years after ${new Date(at).toISOString()} in ${hours.timezone}`);
  }
  return next;
}
