// The audit trail: every transition, alert, ack and note is an event in the events stream.
import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { fetchBatch, readingConsumer } from '../bus/fetch.ts';
import { retryTransient } from '../bus/retry.ts';
import { EVENTS_STREAM, eventSubject } from '../bus/subjects.ts';
import { type NotificationEvent, notificationEventId } from '../escalation/events.ts';
import { alertKey } from './decide.ts';
import type { IncidentEvent } from './model.ts';

/**
 * The id an event is stored under in the events stream. It names what happened, not the delivery that
 * did it, so a step repeated after a crash, a redelivery or by a second replica appends nothing new
 * (within the stream's duplicate window).
 */
export function eventId(e: IncidentEvent | NotificationEvent): string {
  switch (e.type) {
    case 'incident.opened':
      return `opened:${e.incidentId}`;
    case 'incident.acknowledged':
      return `acknowledged:${e.incidentId}`;
    case 'incident.resolved':
      return `resolved:${e.incidentId}`;
    // Severity only rises, so each level is reached at most once.
    case 'incident.severity_changed':
      return `severity:${e.incidentId}:${e.severity}`;
    case 'alert.firing':
      return `firing:${e.incidentId}:${alertKey(e.fingerprint ?? '')}:${e.changedAt}`;
    case 'alert.resolved':
      return `resolved:${e.incidentId}:${alertKey(e.fingerprint ?? '')}:${e.changedAt}`;
    case 'alert.suppressed':
      return `suppressed:${e.incidentId}:${alertKey(e.fingerprint ?? '')}:${e.changedAt}`;
    case 'incident.paging':
      return `paging:${e.incidentId}`;
    case 'incident.note':
      return `note:${e.incidentId}:${e.noteId}`;
    case 'sla.breached':
      return `breach:${e.incidentId}:${e.kind}:${e.deadline}`;
    case 'notification.sent':
    case 'notification.failed':
    case 'escalation.problem':
      return notificationEventId(e as NotificationEvent);
  }
}

export class EventLog {
  constructor(private readonly js: JetStreamClient) {}

  /** Appends events, each under its eventId: appending the same event again stores nothing new. */
  async append(events: (IncidentEvent | NotificationEvent)[]): Promise<void> {
    await Promise.all(
      // Retried while NATS cannot answer: the id makes a repeat of a stored event a no-op.
      events.map((e) =>
        retryTransient(() =>
          this.js.publish(eventSubject(e.tenant, e.incidentId), JSON.stringify(e), { msgID: eventId(e) }),
        ),
      ),
    );
  }

  /** All events of one incident, oldest first. */
  async timeline(tenant: string, incidentId: string, limit = 10_000): Promise<IncidentEvent[]> {
    const out: IncidentEvent[] = [];
    const consumer = await readingConsumer(this.js, EVENTS_STREAM, {
      filter: eventSubject(tenant, incidentId),
      deliver: DeliverPolicy.All,
    });
    try {
      let pending = (await consumer.info(true)).num_pending;
      while (pending > 0 && out.length < limit) {
        const got = await fetchBatch(consumer, { max_messages: Math.min(pending, 500), expires: 2_000 }, (m) => {
          out.push(m.json<IncidentEvent>());
          pending = m.info.pending;
          return pending > 0;
        });
        if (got === 0) break;
      }
    } finally {
      await consumer.delete().catch(() => undefined);
    }
    return out;
  }
}
