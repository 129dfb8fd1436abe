// Reading a stream once (a timeline, the events of a report): an ephemeral consumer created explicitly,
// and pull requests robust to its first moments. On a NATS cluster a consumer's leader is elected just
// after the create returns, and a pull request sent before that gets "no responders"; it is sent again
// (an ordered consumer cannot be used for this: it makes a new consumer for every fetch, which a loaded
// cluster answers with "no responders" every time).
import {
  AckPolicy,
  type Consumer,
  type DeliverPolicy,
  type FetchOptions,
  type JetStreamClient,
  type JsMsg,
} from '@nats-io/jetstream';

/** Pauses between attempts of a pull request that got "no responders" (about 10 s in all). */
const RETRY_MS = [50, 100, 200, 400, 800, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000];

export function isNoResponders(e: unknown): boolean {
  return /no responders/i.test((e as Error)?.message ?? '');
}

/**
 * An ephemeral consumer that reads `filter` from `deliver` on: no acknowledgements, in memory, one replica,
 * deleted by the server when left idle (the caller deletes it when done).
 */
export async function readingConsumer(
  js: JetStreamClient,
  stream: string,
  opts: { filter: string; deliver: DeliverPolicy; startTime?: string },
): Promise<Consumer> {
  const jsm = await js.jetstreamManager();
  const ci = await jsm.consumers.add(stream, {
    filter_subjects: [opts.filter],
    deliver_policy: opts.deliver,
    ...(opts.startTime ? { opt_start_time: opts.startTime } : {}),
    ack_policy: AckPolicy.None,
    mem_storage: true,
    num_replicas: 1,
    inactive_threshold: 60_000 * 1_000_000,
  });
  return js.consumers.get(stream, ci.name);
}

/**
 * Fetches one batch and passes each message to `each` (which returns false to stop early); resolves to the
 * number of messages passed.
 */
export async function fetchBatch(
  consumer: Pick<Consumer, 'fetch'>,
  opts: FetchOptions,
  each: (m: JsMsg) => boolean,
): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    let got = 0;
    try {
      const batch = await consumer.fetch(opts);
      for await (const m of batch) {
        got++;
        if (!each(m)) break;
      }
      return got;
    } catch (e) {
      const pause = RETRY_MS[attempt];
      if (got > 0 || !isNoResponders(e) || pause === undefined) throw e;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}
