// Runtime state of incidents and alerts, as stored in the incidents bucket.
import type { AlertStatus, Severity, Source } from '../alert.ts';

export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** An alert as its incident shows it. */
export interface IncidentAlert {
  fingerprint: string;
  source: Source;
  status: AlertStatus;
  severity: Severity;
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string | null;
  lastReceivedAt: string;
}

export interface Incident {
  id: string;
  tenant: string;
  /** Values of the tenant's groupBy labels; equal keys share an incident while it is open. */
  groupKey: string;
  groupLabels: Record<string, string>;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  /** EscalationPolicy key chosen when the incident opened (route or tenant default). */
  policy: string;
  openedAt: string;
  /** Earliest `startsAt` of its alerts: detection time (MTTD) is openedAt - startsAt. */
  startsAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  /** Alerts by alert key (see alertKey). */
  alerts: Record<string, IncidentAlert>;
  updatedAt: string;
}

/** Per-alert state across incidents: which incident it is in, and when its status last changed. */
export interface AlertState {
  fingerprint: string;
  status: AlertStatus;
  /** Source time of the last status change (firing: startsAt, resolved: endsAt), for ordering. */
  changedAt: string;
  incidentId: string | null;
}

export type EventType =
  | 'incident.opened'
  | 'incident.acknowledged'
  | 'incident.resolved'
  | 'incident.severity_changed'
  | 'incident.note'
  | 'alert.firing'
  | 'alert.resolved';

/** One entry of the audit trail (the events stream). */
export interface IncidentEvent {
  type: EventType;
  at: string;
  tenant: string;
  incidentId: string;
  by?: string;
  fingerprint?: string;
  summary?: string;
  severity?: Severity;
  previousSeverity?: Severity;
  text?: string;
  visibility?: 'internal' | 'customer';
  publicStatus?: 'investigating' | 'identified' | 'monitoring' | 'resolved';
  source?: Source;
}

export function firingCount(i: Incident): number {
  let n = 0;
  for (const a of Object.values(i.alerts)) if (a.status === 'firing') n++;
  return n;
}
