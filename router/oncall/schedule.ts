// Who is on call: a schedule's layers and overrides combined. Pure: instants in, answers out.
//
// Priority, highest first: overrides (of overlapping overrides the one listed last), then layers from the
// last listed to the first. A layer has someone at an instant when it has started, has members and, if it
// has restrictions, the instant is inside one of them (read in the schedule's time zone); otherwise lower
// layers show through, and with nobody anywhere the schedule has a gap (null / no shift).
// Rotation semantics (handoffs, DST) are in rotation.ts, window semantics in router/time/weekly.ts.
import type { ScheduleConfig, ScheduleLayerConfig } from '../config/compiled.ts';
import { activeWindowAt, type Interval, occurrences } from '../time/weekly.ts';
import { rotationMemberAt, rotationShifts } from './rotation.ts';

/** The `layer` reported for overrides. */
export const OVERRIDE_LAYER = 'override';

export interface OnCall {
  responder: string;
  /** The layer's name, or OVERRIDE_LAYER. */
  layer: string;
}

export interface Shift extends OnCall {
  start: number;
  end: number;
}

/** The responder a layer puts on call at `at` (restrictions applied), or null where it has nobody. */
export function layerResponderAt(layer: ScheduleLayerConfig, timeZone: string, at: number): string | null {
  if (layer.restrictions.length > 0 && activeWindowAt(layer.restrictions, timeZone, at) === null) return null;
  return rotationMemberAt(layer, timeZone, at);
}

/** Who is on call at `at`, and through which layer; null if nobody is. */
export function onCallAt(schedule: ScheduleConfig, at: number): OnCall | null {
  for (let i = schedule.overrides.length - 1; i >= 0; i--) {
    const o = schedule.overrides[i];
    if (o && o.start <= at && at < o.end) return { responder: o.responder, layer: OVERRIDE_LAYER };
  }
  for (let i = schedule.layers.length - 1; i >= 0; i--) {
    const layer = schedule.layers[i];
    if (!layer) continue;
    const responder = layerResponderAt(layer, schedule.timezone, at);
    if (responder !== null) return { responder, layer: layer.name };
  }
  return null;
}

/** Intersection of two sorted lists of disjoint intervals. */
function intersect<T extends Interval>(items: readonly T[], windows: readonly Interval[]): T[] {
  const out: T[] = [];
  let w = 0;
  for (const item of items) {
    while (w < windows.length && (windows[w]?.end ?? 0) <= item.start) w++;
    for (let k = w; k < windows.length; k++) {
      const win = windows[k];
      if (!win || win.start >= item.end) break;
      const start = Math.max(item.start, win.start);
      const end = Math.min(item.end, win.end);
      if (end > start) out.push({ ...item, start, end });
    }
  }
  return out;
}

/** A layer's own shifts in [from, to) before other layers are considered: rotation cut by restrictions. */
export function layerShifts(layer: ScheduleLayerConfig, timeZone: string, from: number, to: number): Shift[] {
  const rotation = rotationShifts(layer, timeZone, from, to);
  const pieces =
    layer.restrictions.length === 0
      ? rotation
      : intersect(rotation, occurrences(layer.restrictions, timeZone, rotation[0]?.start ?? from, to));
  return pieces.map((p) => ({ responder: p.responder, layer: layer.name, start: p.start, end: p.end }));
}

/**
 * The final shifts in [from, to), clipped to it, in order: for every stretch, who wins after layering (see
 * the file comment). Contiguous pieces of the same responder through the same layer are one shift; stretches
 * with nobody on call are absent. Agrees with onCallAt at every instant.
 */
export function shifts(schedule: ScheduleConfig, from: number, to: number): Shift[] {
  if (!(to > from)) return [];
  // Sources in priority order, each a sorted list of disjoint shifts. Overrides may overlap one another, so each
  // is a source of its own.
  const sources: Shift[][] = [];
  for (let i = schedule.overrides.length - 1; i >= 0; i--) {
    const o = schedule.overrides[i];
    if (!o) continue;
    const start = Math.max(o.start, from);
    const end = Math.min(o.end, to);
    if (end > start) sources.push([{ responder: o.responder, layer: OVERRIDE_LAYER, start, end }]);
  }
  for (let i = schedule.layers.length - 1; i >= 0; i--) {
    const layer = schedule.layers[i];
    if (layer) sources.push(layerShifts(layer, schedule.timezone, from, to));
  }

  // Between two consecutive edges of any source the winner cannot change.
  const edges = [...new Set(sources.flatMap((s) => s.flatMap((p) => [p.start, p.end])))].sort((a, b) => a - b);
  const cursors = sources.map(() => 0);
  const out: Shift[] = [];
  for (let e = 0; e + 1 < edges.length; e++) {
    const start = edges[e] as number;
    const end = edges[e + 1] as number;
    const winner = winnerAt(sources, cursors, start);
    if (!winner) continue;
    const last = out[out.length - 1];
    if (last && last.end === start && last.responder === winner.responder && last.layer === winner.layer) {
      last.end = end;
    } else {
      out.push({ responder: winner.responder, layer: winner.layer, start, end });
    }
  }
  return out;
}

/** The highest-priority source piece containing `at`; advances each source's cursor (calls come in order). */
function winnerAt(sources: readonly Shift[][], cursors: number[], at: number): Shift | null {
  for (let s = 0; s < sources.length; s++) {
    const pieces = sources[s] ?? [];
    let c = cursors[s] ?? 0;
    while (c < pieces.length && (pieces[c]?.end ?? 0) <= at) c++;
    cursors[s] = c;
    const piece = pieces[c];
    if (piece && piece.start <= at) return piece;
  }
  return null;
}
