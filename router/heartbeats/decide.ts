// Dead man's switches (Tenant.spec.heartbeats): pure decisions of when a heartbeat is missed.
import type { AlertDraft } from '../alert.ts';
import type { TenantConfig } from '../config/compiled.ts';

export type HeartbeatConfig = TenantConfig['heartbeats'][number];

/** What is stored per heartbeat. Times are epoch ms. */
export interface HeartbeatState {
  /** When the router first saw the heartbeat declared: the first interval counts from here. */
  armedAt: number;
  lastPingAt: number | null;
  /** Set while the heartbeat is missed (its alert fires); cleared by the next ping. */
  missedAt: number | null;
}

/** When the heartbeat is next due: an interval after the last ping (or after it was armed). */
export function dueAt(h: HeartbeatConfig, s: HeartbeatState): number {
  return (s.lastPingAt ?? s.armedAt) + h.intervalMs;
}

/** True when the heartbeat is overdue and its missed alert has not been raised yet. */
export function isNewlyMissed(h: HeartbeatConfig, s: HeartbeatState, now: number): boolean {
  return s.missedAt === null && now > dueAt(h, s);
}

export const heartbeatFingerprint = (name: string) => `heartbeat/${name}`;

function labels(tenant: string, h: HeartbeatConfig): Record<string, string> {
  return { alertname: 'HeartbeatMissed', heartbeat: h.name, tenant };
}

/** The alert a missed heartbeat raises, starting at the moment it became overdue. */
export function missedAlert(tenant: string, h: HeartbeatConfig, s: HeartbeatState): AlertDraft {
  const since = new Date(dueAt(h, s)).toISOString();
  return {
    source: 'heartbeat',
    fingerprint: heartbeatFingerprint(h.name),
    status: 'firing',
    severity: h.severity,
    summary: h.summary,
    labels: labels(tenant, h),
    annotations: {
      description: `No ping on /api/v1/heartbeats/${h.name} since ${new Date(s.lastPingAt ?? s.armedAt).toISOString()}`,
    },
    startsAt: since,
  };
}

/** The alert a ping after a miss sends: the missed alert, resolved at the ping. */
export function recoveredAlert(tenant: string, h: HeartbeatConfig, s: HeartbeatState, pingAt: number): AlertDraft {
  return {
    ...missedAlert(tenant, h, s),
    status: 'resolved',
    startsAt: new Date(s.missedAt ?? pingAt).toISOString(),
    endsAt: new Date(pingAt).toISOString(),
  };
}
