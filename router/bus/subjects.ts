// Names of every stream, subject and bucket in one place.
export const ALERTS_STREAM = 'SB_ALERTS';
export const EVENTS_STREAM = 'SB_EVENTS';
export const ALERTS_CONSUMER = 'router';
export const INCIDENTS_BUCKET = 'sb-incidents';
export const CONFIG_BUCKET = 'sb-config';

/** Alerts of one tenant, as accepted by ingest. */
export const alertSubject = (tenant: string) => `sb.alerts.${tenant}`;
/** The audit trail of one incident. */
export const eventSubject = (tenant: string, incidentId: string) => `sb.events.${tenant}.${incidentId}`;
