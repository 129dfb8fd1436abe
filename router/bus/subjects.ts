// Names of every stream, subject and bucket in one place.
export const ALERTS_STREAM = 'SB_ALERTS';
export const EVENTS_STREAM = 'SB_EVENTS';
export const ALERTS_CONSUMER = 'router';
export const INCIDENTS_BUCKET = 'sb-incidents';
export const CONFIG_BUCKET = 'sb-config';
/** Escalation wake-ups (work queue with scheduled messages) and the consumer every replica shares. */
export const TIMERS_STREAM = 'SB_TIMERS';
export const TIMERS_CONSUMER = 'escalation';

/** Alerts of one tenant, as accepted by ingest. */
export const alertSubject = (tenant: string) => `sb.alerts.${tenant}`;
/** The audit trail of one incident. */
export const eventSubject = (tenant: string, incidentId: string) => `sb.events.${tenant}.${incidentId}`;
/** The pending wake-up of one incident: a scheduled message; a newer one replaces it. */
export const timerScheduleSubject = (tenant: string, incidentId: string) =>
  `sb.timers.schedule.${tenant}.${incidentId}`;
/** Where wake-ups land when due (and where changes ask for an immediate run). */
export const timerDueSubject = (tenant: string, incidentId: string) => `sb.timers.due.${tenant}.${incidentId}`;
