// The audit trail: every transition, alert, ack and note is an event in the events stream.
import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { EVENTS_STREAM, eventSubject } from '../bus/subjects.ts';
import type { IncidentEvent } from './model.ts';

export class EventLog {
  constructor(private readonly js: JetStreamClient) {}

  /**
   * Appends events. `idBase` makes the write idempotent: a redelivered alert publishes the same ids
   * and the stream drops the repeats within its duplicate window.
   */
  async append(events: IncidentEvent[], idBase: string): Promise<void> {
    await Promise.all(
      events.map((e, n) =>
        this.js.publish(eventSubject(e.tenant, e.incidentId), JSON.stringify(e), { msgID: `${idBase}:${n}:${e.type}` }),
      ),
    );
  }

  /** All events of one incident, oldest first. */
  async timeline(tenant: string, incidentId: string, limit = 10_000): Promise<IncidentEvent[]> {
    const out: IncidentEvent[] = [];
    const consumer = await this.js.consumers.get(EVENTS_STREAM, {
      filter_subjects: [eventSubject(tenant, incidentId)],
      deliver_policy: DeliverPolicy.All,
    });
    const info = await consumer.info(true);
    let pending = info.num_pending;
    while (pending > 0 && out.length < limit) {
      const batch = await consumer.fetch({ max_messages: Math.min(pending, 500), expires: 2_000 });
      let got = 0;
      for await (const m of batch) {
        out.push(m.json<IncidentEvent>());
        got++;
        pending = m.info.pending;
        if (pending === 0) break;
      }
      if (got === 0) break;
    }
    await consumer.delete().catch(() => undefined);
    return out;
  }
}
