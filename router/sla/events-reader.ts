// Reads a tenant's audit trail from the events stream into an IncidentFold (router/sla/fold.ts): the I/O edge
// of the SLA report. Streams the events through ordered consumers (in batches, nothing buffered beyond one
// batch), so memory holds the folded incidents, not the events.
//
// 1. Everything stored from `from` (less a day, for clock skew between router and NATS) to the end of the stream,
//    on `sb.events.<tenant>.>`: every incident opened in the report's window, whole, whenever it was
//    acknowledged or resolved.
// 2. Only for uptime (the tenant has status-page components), incidents opened earlier that may overlap the
//    window: those of which step 1 saw events but not the opening, and those step 1 did not fold at all whose
//    last event (found with a last-per-subject consumer, one message per incident) is not their resolution.
//    Each of these is read again whole, from its own subject.
import { DeliverPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { fetchBatch, readingConsumer } from '../bus/fetch.ts';
import { EVENTS_STREAM, eventSubject } from '../bus/subjects.ts';
import type { IncidentEvent } from '../incidents/model.ts';
import { IncidentFold } from './fold.ts';
import type { Component } from './uptime.ts';

/** Read this much before the window's start (stream time), in case the router's clock ran ahead of NATS'. */
export const CLOCK_SKEW_MARGIN_MS = 86_400_000;
const BATCH = 1_000;

export interface ReadProgress {
  phase: 'window' | 'open-before' | 'timelines';
  messages: number;
}

/** Passes every message of a reading consumer to `each`, until none is pending; returns how many. */
async function drain(
  js: JetStreamClient,
  opts: {
    filter: string;
    deliver: DeliverPolicy;
    startTime?: string;
  },
  each: (m: JsMsg) => void,
): Promise<number> {
  const consumer = await readingConsumer(js, EVENTS_STREAM, opts);
  let n = 0;
  try {
    let pending = (await consumer.info(true)).num_pending;
    while (pending > 0) {
      const got = await fetchBatch(consumer, { max_messages: Math.min(pending, BATCH), expires: 5_000 }, (m) => {
        each(m);
        n++;
        pending = m.info.pending;
        return pending > 0;
      });
      if (got === 0) break;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return n;
}

function parse(m: JsMsg): IncidentEvent | null {
  try {
    return m.json<IncidentEvent>();
  } catch {
    return null;
  }
}

/**
 * Folds the incidents of `tenant` that matter to a report whose earliest period starts at `from` (epoch ms): all
 * opened at or after it, and (with components) those opened before that overlap it.
 */
export async function readTenantIncidents(
  js: JetStreamClient,
  opts: {
    tenant: string;
    from: number;
    components: readonly Component[];
    /** Start of step 1 in stream time; default `from` less CLOCK_SKEW_MARGIN_MS. */
    readFrom?: number;
    progress?: (p: ReadProgress) => void;
  },
): Promise<IncidentFold> {
  const { tenant, components } = opts;
  const fold = new IncidentFold(tenant, components);
  const readFrom = opts.readFrom ?? opts.from - CLOCK_SKEW_MARGIN_MS;
  const all = `sb.events.${tenant}.>`;
  let messages = 0;
  const tick = (phase: ReadProgress['phase']) => {
    messages++;
    if (messages % 10_000 === 0) opts.progress?.({ phase, messages });
  };

  await drain(
    js,
    { filter: all, deliver: DeliverPolicy.StartTime, startTime: new Date(readFrom).toISOString() },
    (m) => {
      const e = parse(m);
      if (e) fold.add(e);
      tick('window');
    },
  );
  if (components.length === 0) return fold;

  const again = new Set(fold.partial());
  await drain(js, { filter: all, deliver: DeliverPolicy.LastPerSubject }, (m) => {
    tick('open-before');
    // Not folded at all: every event of it came before step 1, or none that the fold keeps (notifications).
    const id = m.subject.slice(`sb.events.${tenant}.`.length);
    if (!fold.has(id) && parse(m)?.type !== 'incident.resolved') again.add(id);
  });
  for (const id of again) {
    fold.reset(id);
    await drain(js, { filter: eventSubject(tenant, id), deliver: DeliverPolicy.All }, (m) => {
      const e = parse(m);
      if (e) fold.add(e);
      tick('timelines');
    });
  }
  opts.progress?.({ phase: 'timelines', messages });
  return fold;
}
