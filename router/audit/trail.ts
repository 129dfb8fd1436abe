// Audit events besides incident timelines: configuration revisions and silences (issue #17 point 7).
// Stored in the events stream under `sb.events._audit.<scope>.<type>`; `_audit` cannot be a tenant name
// (tenant names are DNS labels), so incident timelines and SLA reads on `sb.events.<tenant>.>` never see them.
// Each is published under a Nats-Msg-Id naming what happened, so every replica recording the same change
// stores it once (within the stream's duplicate window).
import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { fetchBatch, readingConsumer } from '../bus/fetch.ts';
import { retryTransient } from '../bus/retry.ts';
import { EVENTS_STREAM } from '../bus/subjects.ts';
import type { ConfigDiff } from './diff.ts';

export type AuditEvent =
  | ({ type: 'config.changed'; at: string; revision: number; hash: string; previousHash: string | null } & ConfigDiff)
  | { type: 'silence.created'; at: string; tenant: string; silenceId: string; by: string; endsAt: string }
  | { type: 'silence.expired'; at: string; tenant: string; silenceId: string; by: string };

export const AUDIT_TYPES = ['config.changed', 'silence.created', 'silence.expired'] as const;

const PREFIX = 'sb.events._audit';
const scopeOf = (e: AuditEvent) => (e.type === 'config.changed' ? '_config' : e.tenant);

/** The Nats-Msg-Id: what happened, not who recorded it. */
export function auditId(e: AuditEvent): string {
  switch (e.type) {
    case 'config.changed':
      return `config:${e.previousHash ?? 'none'}:${e.hash}`;
    case 'silence.created':
      return `silence-created:${e.silenceId}`;
    case 'silence.expired':
      return `silence-expired:${e.silenceId}`;
  }
}

export interface AuditQuery {
  from: number;
  to: number;
  tenant?: string;
  type?: string;
}

export class AuditTrail {
  constructor(private readonly js: JetStreamClient) {}

  async append(e: AuditEvent): Promise<void> {
    const subject = `${PREFIX}.${scopeOf(e)}.${e.type.replace('.', '_')}`;
    await retryTransient(() => this.js.publish(subject, JSON.stringify(e), { msgID: auditId(e) }));
  }

  /** Audit events stored from `from` on, at or before `to`, oldest first (at most LIMIT). */
  async read(q: AuditQuery, limit = 10_000): Promise<AuditEvent[]> {
    const out: AuditEvent[] = [];
    const consumer = await readingConsumer(this.js, EVENTS_STREAM, {
      filter: `${PREFIX}.>`,
      deliver: DeliverPolicy.StartTime,
      startTime: new Date(q.from).toISOString(),
    });
    try {
      let pending = (await consumer.info(true)).num_pending;
      while (pending > 0 && out.length < limit) {
        const got = await fetchBatch(consumer, { max_messages: Math.min(pending, 500), expires: 2_000 }, (m) => {
          const e = m.json<AuditEvent>();
          const at = Date.parse(e.at);
          if (at >= q.from && at <= q.to && matches(e, q)) out.push(e);
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

function matches(e: AuditEvent, q: AuditQuery): boolean {
  if (q.type && e.type !== q.type) return false;
  if (q.tenant && (e.type === 'config.changed' || e.tenant !== q.tenant)) return false;
  return true;
}
