// Incidents and service levels for the SLA unit tests.
import type { Severity } from '../../../router/alert.ts';
import type { ServiceLevelConfig, SlaTarget } from '../../../router/config/compiled.ts';
import type { Incident } from '../../../router/incidents/model.ts';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const iso = (ms: number) => new Date(ms).toISOString();
export const at = (s: string) => Date.parse(s);

export const target = (respondMs: number, resolveMs: number, coverage: SlaTarget['coverage'] = '24x7'): SlaTarget => ({
  respondMs,
  resolveMs,
  coverage,
  firstUpdateMs: null,
  updateEveryMs: null,
});

/** Mon–Fri 08:00–18:00 Berlin; critical/high 24x7, warning in business hours; info has no target. */
export const level: ServiceLevelConfig = {
  key: 'msp/gold',
  businessHours: {
    timezone: 'Europe/Berlin',
    windows: [{ days: [1, 2, 3, 4, 5], from: 8 * 60, to: 18 * 60 }],
    holidays: ['2026-12-25'],
  },
  targets: {
    critical: target(15 * MIN, 4 * HOUR),
    high: target(30 * MIN, 8 * HOUR),
    warning: target(4 * HOUR, 8 * HOUR, 'businessHours'),
  },
  uptimeTarget: 99.9,
};

/** An incident opened at `openedAt`; the other times as offsets in seconds from it (null: not yet). */
export function incident(
  id: string,
  severity: Severity,
  openedAt: string,
  o: { detect?: number; ack?: number | null; resolve?: number | null; tenant?: string } = {},
): Incident {
  const opened = at(openedAt);
  const after = (s: number | null | undefined) => (s === null || s === undefined ? null : iso(opened + s * 1000));
  const acknowledgedAt = after(o.ack ?? o.resolve ?? null);
  const resolvedAt = after(o.resolve);
  return {
    id,
    tenant: o.tenant ?? 'acme',
    groupKey: id,
    groupLabels: {},
    title: `Incident ${id}`,
    severity,
    status: resolvedAt ? 'resolved' : acknowledgedAt ? 'acknowledged' : 'triggered',
    policy: 'msp/default',
    openedAt: iso(opened),
    startsAt: iso(opened - (o.detect ?? 0) * 1000),
    acknowledgedAt,
    acknowledgedBy: acknowledgedAt ? 'alice' : null,
    resolvedAt,
    resolvedBy: resolvedAt ? 'alice' : null,
    updatedAt: resolvedAt ?? acknowledgedAt ?? iso(opened),
  };
}
