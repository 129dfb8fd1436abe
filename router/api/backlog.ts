// The alerts accepted but not yet applied, for ingest's back-pressure (rate-limit.ts backPressure). Sampled
// from JetStream at most once a second, in the background: a request reads the last sample and never
// waits on NATS for it. Counted in messages (one per request and tenant, more for a request split to fit
// NATS), summed over the alerts stream's partition consumers.
import type { JetStreamManager } from '@nats-io/jetstream';
import { ALERTS_STREAM } from '../bus/subjects.ts';
import type { Logger } from '../log.ts';
import type { Backlog } from './rate-limit.ts';

const SAMPLE_EVERY_MS = 1_000;

interface Sample {
  at: number;
  pending: number;
  lastSeq: number;
}

/** The drain rate between two samples: what was published meanwhile, less what the backlog grew by. */
export function drainRate(prev: Sample, next: Sample): number {
  const seconds = (next.at - prev.at) / 1000;
  if (seconds <= 0) return 0;
  const applied = next.lastSeq - prev.lastSeq - (next.pending - prev.pending);
  return Math.max(0, applied / seconds);
}

export class BacklogProbe {
  private last: Sample | null = null;
  private drain = 0;
  private sampling = false;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The last sample (pending 0 until the first one), and a fresh one started if it is stale. */
  current(): Backlog {
    if (!this.sampling && (this.last === null || this.now() - this.last.at >= SAMPLE_EVERY_MS)) void this.sample();
    return { pending: this.last?.pending ?? 0, drainPerSecond: this.drain };
  }

  private async sample(): Promise<void> {
    this.sampling = true;
    try {
      const stream = await this.jsm.streams.info(ALERTS_STREAM);
      let pending = 0;
      for await (const c of this.jsm.consumers.list(ALERTS_STREAM)) pending += c.num_pending + c.num_ack_pending;
      const next = { at: this.now(), pending, lastSeq: stream.state.last_seq };
      if (this.last) this.drain = drainRate(this.last, next);
      this.last = next;
    } catch (err) {
      this.log.debug({ err }, 'sampling the alerts backlog failed');
    } finally {
      this.sampling = false;
    }
  }
}
