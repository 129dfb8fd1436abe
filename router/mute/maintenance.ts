// Maintenance windows (MaintenanceWindow resources): one-off or weekly, for the whole tenant or the alerts
// their matchers select. Recurring windows use router/time/weekly.ts, so a window crossing midnight and
// the nights the clocks change are read exactly as business hours and on-call restrictions are.
import type { MaintenanceWindowConfig } from '../config/compiled.ts';
import { formatMatcher, matchesAll } from '../config/matchers.ts';
import { matchableLabels } from '../incidents/decide.ts';
import { activeWindowAt, type Interval } from '../time/weekly.ts';
import { formatInstant, type Muter, type MuteSubject, type MuteVerdict } from './muter.ts';

/** The occurrence of the window that contains `now` (start <= now < end), or null. */
export function activeOccurrence(w: MaintenanceWindowConfig, now: number): Interval | null {
  if (w.oneOff) return w.oneOff.start <= now && now < w.oneOff.end ? w.oneOff : null;
  if (w.recurrence) return activeWindowAt([w.recurrence], w.recurrence.timezone, now);
  return null;
}

function describe(w: MaintenanceWindowConfig, occurrence: Interval): string {
  const scope = w.matchers.length > 0 ? `alerts with ${w.matchers.map(formatMatcher).join(', ')}` : 'the whole tenant';
  const comment = w.comment ? `: ${w.comment}` : '';
  return `maintenance window ${w.key} for ${scope} until ${formatInstant(occurrence.end)}${comment}`;
}

export class MaintenanceMuter implements Muter {
  readonly reason = 'maintenance' as const;
  private readonly byTenant = new Map<string, MaintenanceWindowConfig[]>();

  constructor(windows: readonly MaintenanceWindowConfig[]) {
    for (const w of windows) {
      const list = this.byTenant.get(w.tenant);
      if (list) list.push(w);
      else this.byTenant.set(w.tenant, [w]);
    }
  }

  /**
   * Of the active windows that select the alert, the one that ends last: `until` is then the earliest
   * instant at which none of them mutes it any more (a window that starts exactly then is found by the
   * re-check).
   */
  mutes(alert: MuteSubject, now: number): MuteVerdict | null {
    const windows = this.byTenant.get(alert.tenant);
    if (!windows) return null;
    const labels = matchableLabels(alert);
    let best: { w: MaintenanceWindowConfig; occurrence: Interval } | null = null;
    for (const w of windows) {
      if (!matchesAll(w.matchers, labels)) continue;
      const occurrence = activeOccurrence(w, now);
      if (occurrence && (!best || occurrence.end > best.occurrence.end)) best = { w, occurrence };
    }
    if (!best) return null;
    return { reason: 'maintenance', detail: describe(best.w, best.occurrence), until: best.occurrence.end };
  }
}
