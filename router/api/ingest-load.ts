// Whether ingest is flooded, so the consumer gives way (router/pipeline/consumer.ts): senders wait for their
// answers, while applying alerts can catch up a moment later. Two signals, either one is enough:
//
// - Occupied: ingest kept the router occupied (a request in flight) more than half of the recent time, as an
//   exponentially weighted share. This sees a flood whose requests happen not to overlap, and one whose
//   requests were not even read for a while because applying held the event loop.
// - Concurrent: two or more requests were in flight together within the last 50 ms, and one is in flight
//   now or just finished. This sees a flood at once, before the share has risen, and while applying on
//   several partitions starves the loop so much that the share stays low.
//
// A steady stream (100 requests/s of 10 alerts keep ingest ~20 % occupied, one at a time) is neither, so
// it costs pages no delay.

/** Busy above this share of time with a request in flight. */
export const BUSY_SHARE = 0.5;
/** The past counts with half its weight after this long. */
export const HALF_LIFE_MS = 100;
/** Concurrent requests keep ingest busy this long, while one is in flight or ended CONCURRENT_TAIL_MS ago. */
export const CONCURRENT_MS = 50;
export const CONCURRENT_TAIL_MS = 10;

export class IngestLoad {
  private inFlight = 0;
  private since: number;
  /** Exponentially weighted share of time with at least one request in flight, 0..1. */
  private occupied = 0;
  private concurrentAt = Number.NEGATIVE_INFINITY;
  private endedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.since = now();
  }

  begin(): void {
    this.advance();
    if (++this.inFlight >= 2) this.concurrentAt = this.since;
  }

  end(): void {
    this.advance();
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.endedAt = this.since;
  }

  /** The share of recent time with a request in flight (0..1). */
  share(): number {
    this.advance();
    return this.occupied;
  }

  busy(): boolean {
    const occupied = this.share();
    if (occupied > BUSY_SHARE) return true;
    const t = this.since;
    return t - this.concurrentAt < CONCURRENT_MS && (this.inFlight > 0 || t - this.endedAt < CONCURRENT_TAIL_MS);
  }

  private advance(): void {
    const t = this.now();
    const dt = t - this.since;
    if (dt <= 0) return;
    const kept = 0.5 ** (dt / HALF_LIFE_MS);
    this.occupied = this.occupied * kept + (this.inFlight > 0 ? 1 - kept : 0);
    this.since = t;
  }
}
