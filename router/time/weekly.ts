// Weekly windows (`Mon-Fri 08:00-18:00`, `22:00-06:00`) turned into concrete instants in an IANA time zone.
// Pure: every function takes its instants as epoch milliseconds and never reads the clock.
//
// Semantics, shared by business hours, layer restrictions and anything else built on these windows:
// - A window opens on each of its `days` (ISO weekday of the local date it OPENS on) at `from` and closes at
//   `to` the same day (`to` = 1440 is midnight at its end); `to < from` means it closes on the next local day
//   (`22:00-06:00`). `to === from` is an empty window (the config compiler rejects it).
// - Edges are read on the local wall clock, so an occurrence is as long as the real time between its edges:
//   `00:00-24:00` on a spring-forward day is 23 hours, `22:00-06:00` across a fall-back night 9 hours.
// - A wall time that the clock skips (spring-forward gap) is read as the instant the gap ends, i.e. when
//   the clock first shows that time or later; one that occurs twice (fall-back overlap) as the first one.
//   This is `fromLocal` except in the gap, where `fromLocal` shifts forward by the gap (02:30 -> 03:30):
//   recurring edges need a mapping that never reorders them (02:30 must not come after 03:00).
// - Holidays (`YYYY-MM-DD`, local) remove the occurrences that open on that date; a window that opened the
//   evening before still runs into the holiday.
// - Intervals are half-open: [start, end).
import type { WeeklyWindow } from '../config/compiled.ts';
import { fromLocal, isoDate, offsetAt, toLocal } from './zoned.ts';

export interface Interval {
  start: number;
  end: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** How long a search for the next occurrence may run without finding any before it gives up. */
export const SEARCH_HORIZON_DAYS = 3 * 366;

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/**
 * "Naive" wall time: the local wall-clock reading written as if it were UTC epoch ms. Differences of naive
 * times are wall-clock differences (a local day is always 86 400 000), which is what calendar arithmetic needs.
 */
export function wallReading(epoch: number, timeZone: string): number {
  return epoch + offsetAt(epoch, timeZone);
}

/** Naive midnight of the local date on which `epoch` falls in `timeZone`. */
export function localMidnight(epoch: number, timeZone: string): number {
  const l = toLocal(epoch, timeZone);
  return Date.UTC(l.year, l.month - 1, l.day);
}

/**
 * The first instant at which the wall clock in `timeZone` reads `naive` or later: the instant itself when that
 * wall time exists (the earlier one in a fall-back overlap), the end of the gap when the clock skips it.
 * Monotone in `naive`, so recurring boundaries keep their order across DST changes.
 */
export function wallClockInstant(naive: number, timeZone: string): number {
  const ms = mod(naive, 1000);
  const whole = naive - ms;
  const d = new Date(whole);
  const local = {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
  const instant = fromLocal(local, timeZone);
  if (wallReading(instant, timeZone) === whole) return instant + ms;
  return gapEnd(whole, instant, timeZone);
}

/**
 * The transition instant ending the spring-forward gap that contains the naive wall time `whole`.
 * `afterGap` (what `fromLocal` returned) lies after the transition; `whole` minus the later offset lies before.
 * Transitions fall on whole seconds, so a binary search over seconds finds it in about a dozen steps.
 */
function gapEnd(whole: number, afterGap: number, timeZone: string): number {
  const offsetAfter = offsetAt(afterGap, timeZone);
  let lo = whole - offsetAfter; // read with the earlier offset this is before the gap
  let hi = afterGap;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(mid, timeZone) === offsetAfter) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** ISO weekday (1 = Monday) of a naive midnight. */
function weekdayOfNaive(naiveMidnight: number): number {
  const w = new Date(naiveMidnight).getUTCDay();
  return w === 0 ? 7 : w;
}

function isoDateOfNaive(naiveMidnight: number): string {
  const d = new Date(naiveMidnight);
  return isoDate({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
}

/** Minutes after the opening day's midnight at which a window closes (past 1440 when it crosses midnight). */
function closingMinute(window: WeeklyWindow): number {
  return window.to < window.from ? window.to + 1440 : window.to;
}

/** Whether any window can ever open (guards the searches below against looping over nothing). */
export function hasAnyWindow(windows: readonly WeeklyWindow[]): boolean {
  return windows.some((w) => w.days.length > 0 && w.from !== w.to);
}

/**
 * The occurrences of `windows` that open on the local date whose naive midnight is `naiveMidnight`, sorted
 * by start, unmerged. Empty when the date is a holiday. An empty occurrence (`from === to`, or both edges
 * inside the same spring-forward gap) is dropped.
 */
export function occurrencesOpeningOn(
  windows: readonly WeeklyWindow[],
  timeZone: string,
  naiveMidnight: number,
  holidays: ReadonlySet<string> = new Set(),
): Interval[] {
  if (holidays.size > 0 && holidays.has(isoDateOfNaive(naiveMidnight))) return [];
  const weekday = weekdayOfNaive(naiveMidnight);
  const out: Interval[] = [];
  for (const w of windows) {
    if (!w.days.includes(weekday)) continue;
    const start = wallClockInstant(naiveMidnight + w.from * MINUTE_MS, timeZone);
    const end = wallClockInstant(naiveMidnight + closingMinute(w) * MINUTE_MS, timeZone);
    if (end > start) out.push({ start, end });
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

// An occurrence closes before the end of the day after the one it opens on (with a hand-built `from` of 1440,
// which the compiler rejects, before the end of the second day after), so the occurrences covering an instant
// opened on its local date or one of the two before.
const LOOKBACK_DAYS = 2;

/**
 * The window occurrence containing `at` (start <= at < end), or null. It is the occurrence of one window,
 * not merged with neighbours; when several contain `at`, the one that closes last.
 */
export function activeWindowAt(
  windows: readonly WeeklyWindow[],
  timeZone: string,
  at: number,
  holidays: readonly string[] = [],
): Interval | null {
  const holidaySet = new Set(holidays);
  const today = localMidnight(at, timeZone);
  let best: Interval | null = null;
  for (let back = LOOKBACK_DAYS; back >= 0; back--) {
    for (const occ of occurrencesOpeningOn(windows, timeZone, today - back * DAY_MS, holidaySet)) {
      if (occ.start <= at && at < occ.end && (!best || occ.end > best.end)) best = occ;
    }
  }
  return best;
}

/**
 * Merged occurrences (overlapping or touching ones joined) from the first that ends after `from`, in order,
 * unclipped. Nothing starting at or after `until` is yielded; the walk also stops after SEARCH_HORIZON_DAYS local
 * days in a row without any occurrence (so a window set that never opens cannot loop forever). A stretch
 * that goes on for longer than SEARCH_HORIZON_DAYS (windows covering every hour of the week) is yielded in
 * pieces of about that length, which touch but do not overlap, so that a consumer is never starved.
 * Work is proportional to the number of local days walked, never to minutes.
 */
export function* iterateOccurrences(
  windows: readonly WeeklyWindow[],
  timeZone: string,
  from: number,
  holidays: readonly string[] = [],
  until = Number.POSITIVE_INFINITY,
): Generator<Interval, void, undefined> {
  if (!hasAnyWindow(windows)) return;
  const holidaySet = new Set(holidays);
  let day = localMidnight(from, timeZone) - LOOKBACK_DAYS * DAY_MS;
  let pending: Interval | null = null;
  let pendingDays = 0;
  let yieldedUntil = Number.NEGATIVE_INFINITY;
  let idleDays = 0;
  // Occurrences opening after the local date of `until` start after its midnight, which is after `until`.
  const lastDay = Number.isFinite(until) ? localMidnight(until, timeZone) : Number.POSITIVE_INFINITY;
  // Occurrences opening on later days never start before those of earlier days (wallClockInstant is
  // monotone), so joining each one to `pending` as it comes keeps the output merged and in order.
  for (;;) {
    if (day > lastDay || idleDays > SEARCH_HORIZON_DAYS) break;
    if (pending && pendingDays > SEARCH_HORIZON_DAYS) {
      yield pending;
      yieldedUntil = pending.end;
      pending = null;
    }
    const opening = occurrencesOpeningOn(windows, timeZone, day, holidaySet);
    idleDays = opening.length > 0 ? 0 : idleDays + 1;
    for (const occ of opening) {
      if (occ.end <= Math.max(from, yieldedUntil) || occ.start >= until) continue;
      if (pending && occ.start <= pending.end) {
        pending.end = Math.max(pending.end, occ.end);
        continue;
      }
      if (pending) yield pending;
      pending = { start: Math.max(occ.start, yieldedUntil), end: occ.end };
      pendingDays = 0;
    }
    pendingDays++;
    day += DAY_MS;
  }
  if (pending) yield pending;
}

/** The merged occurrences intersecting [from, to), clipped to it. */
export function occurrences(
  windows: readonly WeeklyWindow[],
  timeZone: string,
  from: number,
  to: number,
  holidays: readonly string[] = [],
): Interval[] {
  if (to <= from) return [];
  const out: Interval[] = [];
  for (const occ of iterateOccurrences(windows, timeZone, from, holidays, to)) {
    out.push({ start: Math.max(occ.start, from), end: Math.min(occ.end, to) });
  }
  return out;
}

/**
 * The start of the first stretch of window time that begins at or after `at` (a stretch already open at
 * `at` does not count, however long it goes on). Null if there is none within SEARCH_HORIZON_DAYS days.
 */
export function nextWindowStart(
  windows: readonly WeeklyWindow[],
  timeZone: string,
  at: number,
  holidays: readonly string[] = [],
): number | null {
  const horizon = at + SEARCH_HORIZON_DAYS * DAY_MS;
  let previousEnd = Number.NaN;
  for (const occ of iterateOccurrences(windows, timeZone, at, holidays, horizon)) {
    // A piece continuing the one before (see iterateOccurrences) is not a start.
    if (occ.start >= at && occ.start !== previousEnd) return occ.start;
    previousEnd = occ.end;
  }
  return null;
}
