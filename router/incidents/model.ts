// Runtime state of incidents and alerts, as stored in the incidents bucket.
import type { AlertStatus, Severity, Source } from '../alert.ts';
import type { FlapState } from '../mute/flapping.ts';
import type { MuteReason, MuteVerdict } from '../mute/muter.ts';

export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/**
 * One alert: its latest details and status, and the incident it is in. Kept apart from the incident, so
 * an incident of thousands of alerts stays small (it holds only their keys and statuses) and adding an
 * alert rewrites a compact record, not every other alert.
 */
export interface AlertState {
  fingerprint: string;
  source: Source;
  status: AlertStatus;
  severity: Severity;
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string | null;
  /** Source time of the last status change (firing: startsAt, resolved: endsAt), for ordering deliveries. */
  changedAt: string;
  /** When the router received the last status change. */
  receivedAt: string;
  /** The incident of its current (or last) firing; null for a resolve of an alert never seen firing. */
  incidentId: string | null;
  /** Flapping state (router/mute/flapping.ts), updated at every status change; absent before the first. */
  flap?: FlapState;
  /** Fields cut to the ingest caps (router/ingest/caps.ts); absent when none was. */
  truncated?: string[];
  /** Why its current firing pages nobody (the first reason that applied when it fired); null: it pages. */
  muted?: MuteVerdict | null;
}

/**
 * An alert's membership in an incident: its status there and the source time it took it (which also
 * identifies its events). Stored as its own small record (`m.<tenant>.<incident>.<alert>`), so adding an
 * alert to an incident of thousands writes a hundred bytes, not the incident.
 */
export interface Membership {
  status: AlertStatus;
  since: string;
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
  updatedAt: string;
  /**
   * Since when the incident pages: the first moment it had a firing alert that no suppression mutes
   * (docs/suppression.md). Escalation counts from here; null while every firing alert is muted (nobody is
   * paged, the incident is still recorded). Absent on incidents stored before suppression: they page from
   * openedAt.
   */
  pagingSince?: string | null;
  /**
   * Opened while its tenant was in storm mode: the storm incident that stands for it (and paged once). It does
   * not page when the storm ends; an alert firing in it after the storm pages normally.
   */
  stormIncidentId?: string | null;
}

export type EventType =
  | 'incident.opened'
  | 'incident.acknowledged'
  | 'incident.resolved'
  | 'incident.severity_changed'
  | 'incident.note'
  | 'alert.firing'
  | 'alert.resolved'
  // Suppression: a firing alert recorded but not paged, and an incident that starts paging after being muted.
  | 'alert.suppressed'
  | 'incident.paging'
  // Escalation outcomes (router/escalation/events.ts: NotificationEvent).
  | 'notification.sent'
  | 'notification.failed'
  | 'escalation.problem'
  // SLA (router/sla/watch.ts): a missed respond, resolve or customer-update deadline.
  | 'sla.breached';

/** One entry of the audit trail (the events stream). */
export interface IncidentEvent {
  type: EventType;
  at: string;
  tenant: string;
  incidentId: string;
  /** Who did it, as shown (a person's name under the admin token; else the principal). */
  by?: string;
  /** API actions: the authenticated caller (`admin`, `tenant:<name>:responder`, `ack-link:<responder>`). */
  principal?: string;
  fingerprint?: string;
  summary?: string;
  severity?: Severity;
  previousSeverity?: Severity;
  text?: string;
  visibility?: 'internal' | 'customer';
  publicStatus?: 'investigating' | 'identified' | 'monitoring' | 'resolved';
  source?: Source;
  /** alert.firing: the alert's labels (reports read which status-page components it affected from them). */
  labels?: Record<string, string>;
  /** incident.opened: false when it opened muted (it pages nobody until `incident.paging`); absent: it paged at once. */
  paging?: boolean;
  /** Alert events: the source time of the change (identifies the event, see eventId). */
  changedAt?: string;
  /** Notes: unique per note. */
  noteId?: string;
  /** alert.suppressed: why, and when the muting ends by itself (ISO; null when only an event ends it). */
  reason?: MuteReason;
  until?: string | null;
  /** sla.breached: which deadline, and when it was (ISO). */
  kind?: 'respond' | 'resolve' | 'update';
  deadline?: string;
}
