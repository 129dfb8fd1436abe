// How much of the recent past the router spent with an ingest request in flight: the consumer applies
// alerts while ingest has room and gives way while senders keep it occupied (router/pipeline/consumer.ts).
//
// A share of time, not a count of concurrent requests: a check at one instant missed floods whose requests
// happened not to overlap at that instant, or were not even read yet because applying held the event loop.
// A steady stream (100 requests/s of 10 alerts keep ingest busy ~20 % of the time) is not a flood, so
// waiting for it would only delay pages.

/** Busy above this share of time with a request in flight. */
export const BUSY_SHARE = 0.5;
/** The past counts with half its weight after this long. */
export const HALF_LIFE_MS = 100;

export class IngestLoad {
  private inFlight = 0;
  private since: number;
  /** Exponentially weighted share of time with at least one request in flight, 0..1. */
  private occupied = 0;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.since = now();
  }

  begin(): void {
    this.advance();
    this.inFlight++;
  }

  end(): void {
    this.advance();
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** The share of recent time with a request in flight (0..1). */
  share(): number {
    this.advance();
    return this.occupied;
  }

  busy(): boolean {
    return this.share() > BUSY_SHARE;
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
