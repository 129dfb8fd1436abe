// The dead-letter stream: alerts-stream messages whose alerts could not be applied (router/pipeline/
// failures.ts says when), kept with why, so the partition they blocked moves on and nothing accepted is
// silently lost. Each entry is the original message's bytes, unchanged, with what happened in headers;
// retrying publishes those bytes to the alerts stream again, discarding deletes the entry.
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { ALERTS_STREAM, alertSubject, DEADLETTER_STREAM, deadLetterSubject } from './subjects.ts';

/** What the consumer knows about a message it gives up on. */
export interface DeadLetterInput {
  tenant: string;
  reason: string;
  /** The last error, for people (cut to ERROR_CHARS). */
  error: string;
  /** Where the message was in the alerts stream. */
  subject: string;
  streamSeq: number;
  alerts: number;
  payload: Uint8Array;
  /** Epoch ms. */
  at: number;
}

/** An entry as the API lists it. */
export interface DeadLetterEntry {
  seq: number;
  tenant: string;
  reason: string;
  error: string;
  time: string;
  alerts: number;
  original: { stream: string; subject: string; seq: number };
  /** False when the payload did not fit beside the headers: retry then reads the alerts stream. */
  payloadKept: boolean;
}

const H = {
  tenant: 'Sb-Tenant',
  reason: 'Sb-Reason',
  error: 'Sb-Error',
  subject: 'Sb-Original-Subject',
  seq: 'Sb-Original-Seq',
  alerts: 'Sb-Alerts',
  at: 'Sb-Dead-Lettered-At',
  kept: 'Sb-Payload-Kept',
} as const;

const ERROR_CHARS = 500;
/** The most entries one list returns. */
export const MAX_LIST = 1_000;

const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ').slice(0, ERROR_CHARS);

export class DeadLetters {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  /**
   * Stores one entry; returns its sequence. A payload at the size limit does not fit beside the headers:
   * the entry then keeps only the headers, and retry reads the original from the alerts stream.
   */
  async put(d: DeadLetterInput): Promise<number> {
    const h = (kept: boolean) => {
      const hdr = natsHeaders();
      hdr.set(H.tenant, d.tenant);
      hdr.set(H.reason, d.reason);
      hdr.set(H.error, oneLine(d.error));
      hdr.set(H.subject, d.subject);
      hdr.set(H.seq, String(d.streamSeq));
      hdr.set(H.alerts, String(d.alerts));
      hdr.set(H.at, new Date(d.at).toISOString());
      hdr.set(H.kept, kept ? 'true' : 'false');
      return hdr;
    };
    // The same original stored twice (a crash between storing and acknowledging) is stored once.
    const msgID = `dl-${d.subject}-${d.streamSeq}`;
    try {
      return (await this.js.publish(deadLetterSubject(d.tenant), d.payload, { headers: h(true), msgID })).seq;
    } catch (e) {
      if (!/max_payload|maximum payload|message size exceeds/i.test((e as Error).message)) throw e;
      return (await this.js.publish(deadLetterSubject(d.tenant), new Uint8Array(0), { headers: h(false), msgID })).seq;
    }
  }

  /** Entries in stream order, of one tenant or all (at most `limit`). */
  async list(tenant?: string, limit = MAX_LIST): Promise<DeadLetterEntry[]> {
    const filter = tenant ? deadLetterSubject(tenant) : deadLetterSubject('>');
    const info = await this.jsm.streams.info(DEADLETTER_STREAM, tenant ? { subjects_filter: filter } : undefined);
    const total = tenant ? Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0) : info.state.messages;
    if (total === 0) return [];
    const consumer = await this.js.consumers.get(DEADLETTER_STREAM, { filter_subjects: filter, headers_only: true });
    const out: DeadLetterEntry[] = [];
    const want = Math.min(total, limit);
    try {
      // Until `want` entries, the last one, or a fetch that got nothing (entries deleted meanwhile).
      for (let done = false; !done && out.length < want; ) {
        const batch = await consumer.fetch({ max_messages: want - out.length, expires: 1_000 });
        done = true;
        for await (const m of batch) {
          out.push(entryOf(m.seq, m.headers));
          done = m.info.pending === 0;
          if (done) break;
        }
      }
    } finally {
      await consumer.delete().catch(() => {});
    }
    return out;
  }

  async get(seq: number): Promise<{ entry: DeadLetterEntry; payload: Uint8Array } | null> {
    const m = await this.jsm.streams.getMessage(DEADLETTER_STREAM, { seq }).catch((e: Error) => {
      if (/no message found|not found|10037/i.test(e.message)) return null;
      throw e;
    });
    if (!m) return null;
    return { entry: entryOf(m.seq, m.header), payload: m.data };
  }

  /**
   * Publishes the entry's alerts to the alerts stream again (they are applied as if just accepted) and
   * deletes the entry. Null: no such entry; `gone`: its payload was not kept and the alerts stream no longer
   * holds the original.
   */
  async retry(seq: number): Promise<DeadLetterEntry | null | 'gone'> {
    const found = await this.get(seq);
    if (!found) return null;
    let payload = found.payload;
    if (!found.entry.payloadKept) {
      const original = await this.jsm.streams
        .getMessage(ALERTS_STREAM, { seq: found.entry.original.seq })
        .catch(() => null);
      if (!original) return 'gone';
      payload = original.data;
    }
    await this.js.publish(alertSubject(found.entry.tenant), payload, { msgID: `dl-retry-${seq}` });
    await this.discard(seq);
    return found.entry;
  }

  /** Deletes an entry; false when there was none. */
  async discard(seq: number): Promise<boolean> {
    return this.jsm.streams.deleteMessage(DEADLETTER_STREAM, seq, false).catch((e: Error) => {
      if (/no message found|not found|10037/i.test(e.message)) return false;
      throw e;
    });
  }
}

function entryOf(seq: number, h: { get(k: string): string } | undefined): DeadLetterEntry {
  const get = (k: string) => h?.get(k) ?? '';
  return {
    seq,
    tenant: get(H.tenant),
    reason: get(H.reason),
    error: get(H.error),
    time: get(H.at),
    alerts: Number(get(H.alerts)) || 0,
    original: { stream: ALERTS_STREAM, subject: get(H.subject), seq: Number(get(H.seq)) || 0 },
    payloadKept: get(H.kept) !== 'false',
  };
}
