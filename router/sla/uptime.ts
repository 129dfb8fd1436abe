// Uptime of status-page components, as pure arithmetic over time spans. One module for the status page's
// 90-day bars (router/status/page.ts) and the SLA report (router/sla/report.ts), so both tell a customer
// the same figure for the same time.
//
// - An incident is an outage of a component from its open to its resolve (or `now`) when one of its
//   `critical`/`high` alerts matched the component's matchers (while the incident is open: one still firing).
//   Overlapping outages count once.
// - Maintenance is excluded: the time inside a MaintenanceWindow that applies to the component counts neither
//   as downtime nor as time measured. A window applies to a component when it has no matchers (the whole
//   tenant) or when its matchers select the component's own labels (the `name="value"` matchers of the
//   component read as a label set: a window for `service="web"` applies to a component `service="web"`).
// - uptime % = 100 × (1 − downtime / measured), measured = period − maintenance; 3 decimals.
// Spans are half-open [start, end) in epoch ms.
import type { Severity } from '../alert.ts';
import type { MaintenanceWindowConfig, TenantConfig } from '../config/compiled.ts';
import { matchesAll } from '../config/matchers.ts';
import { iterateOccurrences } from '../time/weekly.ts';

export type Span = [number, number];
export type Component = TenantConfig['statusPage']['components'][number];

const DAY_MS = 86_400_000;

/** Severities whose alerts take a component down (any other firing severity only degrades it). */
export function isOutageSeverity(s: Severity): boolean {
  return s === 'critical' || s === 'high';
}

/**
 * The components an incident is an outage of: those a critical/high alert of it matched; while the incident
 * is open, only alerts still firing count (so the bars agree with the component's current state).
 */
export function componentsDown(
  components: readonly Component[],
  alerts: Iterable<{ labels: Record<string, string>; severity: Severity; firing: boolean }>,
  open: boolean,
): string[] {
  const list = [...alerts].filter((a) => isOutageSeverity(a.severity) && (!open || a.firing));
  return components.filter((c) => list.some((a) => matchesAll(c.matchers, a.labels))).map((c) => c.name);
}

/** Sorted, with overlapping and touching spans joined; empty spans dropped. */
export function mergeSpans(spans: Iterable<Span>): Span[] {
  const out: Span[] = [];
  for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
    if (b <= a) continue;
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The parts of merged `spans` inside [from, to). */
export function clipSpans(spans: readonly Span[], from: number, to: number): Span[] {
  const out: Span[] = [];
  for (const [a, b] of spans) {
    const s = Math.max(a, from);
    const e = Math.min(b, to);
    if (e > s) out.push([s, e]);
  }
  return out;
}

/** Merged `spans` without the merged `cut`. */
export function subtractSpans(spans: readonly Span[], cut: readonly Span[]): Span[] {
  const out: Span[] = [];
  let j = 0;
  for (const [a0, b] of spans) {
    let a = a0;
    while (j < cut.length && (cut[j] as Span)[1] <= a) j++;
    let k = j;
    while (k < cut.length && (cut[k] as Span)[0] < b) {
      const [ca, cb] = cut[k] as Span;
      if (ca > a) out.push([a, ca]);
      a = Math.max(a, cb);
      if (a >= b) break;
      k++;
    }
    if (a < b) out.push([a, b]);
  }
  return out;
}

export function spanLength(spans: readonly Span[]): number {
  return spans.reduce((sum, [a, b]) => sum + (b - a), 0);
}

/** Whether a maintenance window applies to a component (see the header). */
export function maintenanceApplies(w: Pick<MaintenanceWindowConfig, 'matchers'>, c: Component): boolean {
  if (w.matchers.length === 0) return true;
  const labels: Record<string, string> = {};
  for (const m of c.matchers) if (m.op === '=') labels[m.name] = m.value;
  return Object.keys(labels).length > 0 && matchesAll(w.matchers, labels);
}

/** Merged occurrences, inside [from, to), of the tenant's maintenance windows that apply to the component. */
export function maintenanceSpans(
  windows: readonly MaintenanceWindowConfig[],
  tenant: string,
  c: Component,
  from: number,
  to: number,
): Span[] {
  const spans: Span[] = [];
  if (to <= from) return spans;
  for (const w of windows) {
    if (w.tenant !== tenant || !maintenanceApplies(w, c)) continue;
    if (w.oneOff) spans.push([w.oneOff.start, w.oneOff.end]);
    if (w.recurrence) {
      for (const o of iterateOccurrences([w.recurrence], w.recurrence.timezone, from, [], to)) {
        spans.push([o.start, o.end]);
      }
    }
  }
  return clipSpans(mergeSpans(spans), from, to);
}

export interface Uptime {
  /** The period less maintenance. */
  measuredMs: number;
  /** Outage outside maintenance. */
  downMs: number;
  maintenanceMs: number;
  /** 100 × (1 − down / measured), 3 decimals; null when nothing was measured (all maintenance, or empty). */
  percent: number | null;
}

/** Uptime over [from, to) of one component, given its outage spans and its maintenance spans (any order). */
export function uptime(outages: Iterable<Span>, maintenance: Iterable<Span>, from: number, to: number): Uptime {
  const maint = clipSpans(mergeSpans(maintenance), from, to);
  const down = subtractSpans(clipSpans(mergeSpans(outages), from, to), maint);
  const maintenanceMs = spanLength(maint);
  const measuredMs = Math.max(0, to - from - maintenanceMs);
  const downMs = spanLength(down);
  return {
    measuredMs,
    downMs,
    maintenanceMs,
    percent: measuredMs > 0 ? round(100 * (1 - downMs / measuredMs), 3) : null,
  };
}

export interface DayBar {
  /** UTC date. */
  date: string;
  /** Fraction of the day (its elapsed part for today) with an outage outside maintenance, 4 decimals. */
  outage: number;
  /** Fraction of the day in maintenance, 4 decimals. */
  maintenance: number;
}

/** One bar per UTC day from the day of `firstDay` to the day of `now` (the last one up to `now`). */
export function dailyBars(
  outages: Iterable<Span>,
  maintenance: Iterable<Span>,
  firstDay: number,
  now: number,
): DayBar[] {
  const start = Math.floor(firstDay / DAY_MS) * DAY_MS;
  const maint = clipSpans(mergeSpans(maintenance), start, now);
  const down = subtractSpans(clipSpans(mergeSpans(outages), start, now), maint);
  const bars: DayBar[] = [];
  for (let d = start; d <= now - (now % DAY_MS); d += DAY_MS) {
    const end = Math.min(d + DAY_MS, now);
    const len = end - d;
    const frac = (spans: Span[]) => (len > 0 ? round(spanLength(clipSpans(spans, d, end)) / len, 4) : 0);
    bars.push({ date: new Date(d).toISOString().slice(0, 10), outage: frac(down), maintenance: frac(maint) });
  }
  return bars;
}

export const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
