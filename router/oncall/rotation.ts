// One layer's rotation: when shifts change hands and whose turn it is, in the schedule's time zone.
// Pure and O(1) for any instant: the shift number is computed arithmetically, never by walking shifts.
//
// Handoffs form a sequence of boundaries b(m), m an integer, anchored on the local date of the layer's
// `start` at the handoff time of day (`handoff`, or the local time of `start` when not given):
// - Calendar-aligned ("wall-clock") rotations, i.e. a whole number of days (`1d`, `1w`, `48h`) or a divisor of
//   a day of at least an hour (`12h`, `8h`, `6h`, `1h`): b(m) is the anchor plus m periods of WALL-CLOCK time.
//   A weekly Monday-09:00 handoff stays Monday 09:00 local after DST changes (that week's shift is 167 or 169
//   real hours); a 12h rotation at 08:00/20:00 stays at 08:00/20:00 (the shift over the change is 11 or 13 h).
//   A handoff time the clock skips happens when the gap ends (02:30 -> 03:00); a repeated one at its first
//   occurrence. A `1h` slot the clock skips entirely is empty (that member's turn is skipped that night).
// - Any other period (`36h`, `5h`, `30m`): b(m) = anchor + m * period in REAL elapsed time, every shift is
//   exactly that long, and the local handoff time moves by an hour across DST: such periods have no daily
//   pattern to keep, and sub-hour periods would otherwise get empty or doubled slots around DST. (The config
//   compiler currently rejects periods under 1h and a `handoff` without a whole-day period; both are handled
//   here anyway so that hand-built configs mean something definite.)
// The first member is on call from `start` until the first boundary strictly after `start`; each later
// boundary passes the shift to the next member, round-robin. So a `handoff` that differs from the time of
// `start` makes the first shift shorter than a period (start Monday 00:00, weekly, handoff 09:00: the first
// member has Monday 00:00-09:00, the second Monday 09:00 to the next Monday 09:00); to give the first member a
// full shift, set `start` at a handoff time. Before `start` the layer has nobody.
import type { ScheduleLayerConfig } from '../config/compiled.ts';
import { localMidnight, wallClockInstant, wallReading } from '../time/weekly.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/**
 * A rotation's boundaries: `boundary(m)` never decreases with m (two may coincide in a DST gap);
 * `lastBoundaryAtOrBefore(t)` is the largest m with boundary(m) <= t.
 */
export interface Rotation {
  boundary(m: number): number;
  lastBoundaryAtOrBefore(t: number): number;
}

/** One shift of a rotation before layering. */
export interface RotationShift {
  responder: string;
  start: number;
  end: number;
}

/** Whether a rotation keeps its handoffs at fixed local times (see the file comment). */
export function isWallClockAligned(layer: ScheduleLayerConfig): boolean {
  if (layer.rotation.calendarDays !== null) return true;
  const period = layer.rotation.everyMs;
  return period % DAY_MS === 0 || (period >= HOUR_MS && DAY_MS % period === 0);
}

function periodOf(layer: ScheduleLayerConfig): number {
  const { calendarDays, everyMs, every } = layer.rotation;
  const period = calendarDays !== null ? calendarDays * DAY_MS : everyMs;
  if (!Number.isInteger(period) || period <= 0) {
    throw new RangeError(`layer "${layer.name}": rotation every ${every} is not a positive period`);
  }
  return period;
}

/** Naive wall time of the first handoff anchor: `start`'s local date at the handoff time of day. */
function anchorWall(layer: ScheduleLayerConfig, timeZone: string): number {
  if (layer.handoff === null) return wallReading(layer.start, timeZone);
  return localMidnight(layer.start, timeZone) + layer.handoff * MINUTE_MS;
}

function wallClockRotation(anchor: number, period: number, timeZone: string): Rotation {
  const boundary = (m: number) => wallClockInstant(anchor + m * period, timeZone);
  return {
    boundary,
    lastBoundaryAtOrBefore(t) {
      // The wall reading gives the answer up to the hour or so a DST change moves it: correct by a step or two.
      let m = Math.floor((wallReading(t, timeZone) - anchor) / period);
      while (boundary(m) > t) m--;
      while (boundary(m + 1) <= t) m++;
      return m;
    },
  };
}

function elapsedRotation(anchor: number, period: number): Rotation {
  return {
    boundary: (m) => anchor + m * period,
    lastBoundaryAtOrBefore: (t) => Math.floor((t - anchor) / period),
  };
}

/** The boundaries of a layer's rotation in `timeZone`. Throws RangeError for a non-positive period. */
export function rotationOf(layer: ScheduleLayerConfig, timeZone: string): Rotation {
  const period = periodOf(layer);
  if (isWallClockAligned(layer)) return wallClockRotation(anchorWall(layer, timeZone), period, timeZone);
  // Elapsed time: anchored on `start` itself, or on the first local handoff time of its date.
  const anchor = layer.handoff === null ? layer.start : wallClockInstant(anchorWall(layer, timeZone), timeZone);
  return elapsedRotation(anchor, period);
}

/** Shifts handed over between `start` and `t` (0 during the first shift); `t` must not be before `start`. */
function shiftNumber(rotation: Rotation, layer: ScheduleLayerConfig, t: number): number {
  return rotation.lastBoundaryAtOrBefore(t) - rotation.lastBoundaryAtOrBefore(layer.start);
}

/** The member taking the `n`th shift (round-robin); `members` must not be empty. */
function memberFor(layer: ScheduleLayerConfig, n: number): string {
  return layer.members[mod(n, layer.members.length)] as string;
}

/**
 * The member whose turn it is at `at`, ignoring restrictions: null before the layer's start or when it has no
 * members. Constant time however far `at` is after the start.
 */
export function rotationMemberAt(layer: ScheduleLayerConfig, timeZone: string, at: number): string | null {
  if (at < layer.start || layer.members.length === 0) return null;
  return memberFor(layer, shiftNumber(rotationOf(layer, timeZone), layer, at));
}

/** The rotation's shifts intersecting [from, to), clipped to it, without empty ones, in order. */
export function rotationShifts(
  layer: ScheduleLayerConfig,
  timeZone: string,
  from: number,
  to: number,
): RotationShift[] {
  const lo = Math.max(from, layer.start);
  if (lo >= to || layer.members.length === 0) return [];
  const rotation = rotationOf(layer, timeZone);
  const first = rotation.lastBoundaryAtOrBefore(layer.start);
  const out: RotationShift[] = [];
  let m = rotation.lastBoundaryAtOrBefore(lo);
  let shiftStart = Math.max(rotation.boundary(m), layer.start);
  while (shiftStart < to) {
    const shiftEnd = rotation.boundary(m + 1);
    const start = Math.max(shiftStart, lo);
    const end = Math.min(shiftEnd, to);
    if (end > start) out.push({ responder: memberFor(layer, m - first), start, end });
    m++;
    shiftStart = shiftEnd;
  }
  return out;
}
