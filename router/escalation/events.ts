// Notification outcomes on the incident timeline. The lead's EventLog appends them to the events stream
// like incident events; `notificationEventId` names what happened, so a repeated append stores nothing new.

export interface NotificationEvent {
  type: 'notification.sent' | 'notification.failed' | 'escalation.problem';
  at: string;
  tenant: string;
  incidentId: string;
  /** Notification-log key: identifies the notification. */
  key: string;
  repeat: number;
  step: number;
  /** `channel/<ns>/<name>`, `responder/<ns>/<name>` or `schedule/<ns>/<name>`. */
  target: string;
  /** `<via>@<afterMs>`, `-` for channels, the problem kind, or the ticket update (`acknowledged`/`resolved`). */
  rule: string;
  /** Destination type (slack, sms, servicenow, ...); absent for problems. */
  destination?: string;
  /** The schedule (and its layer) that resolved to the responder. */
  viaSchedule?: { key: string; layer: string };
  attempts?: number;
  /** Provider reference: ticket id, Twilio sid, ... */
  ref?: string;
  error?: string;
}

export function notificationEventId(e: NotificationEvent): string {
  return `notify:${e.key}`;
}
