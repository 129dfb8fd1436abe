// A keyed work queue, as controllers use it (client-go's workqueue, small): a key that is added again
// while it waits is merged into one entry; a key added while it is being processed is processed once
// more after that; failures are retried with exponential backoff per key. Reconcile by key, never by event.

/** Schedules FN after MS; returns a cancel function. Injected so tests need no real time. */
export type Scheduler = (fn: () => void, ms: number) => () => void;

export const realScheduler: Scheduler = (fn, ms) => {
  const t = setTimeout(fn, ms);
  t.unref?.();
  return () => clearTimeout(t);
};

/** Exponential backoff: base * 2^(attempt-1), capped at max. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  if (attempt <= 0) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
}

export interface WorkQueueOptions {
  /** First retry delay (default 100 ms); doubled per consecutive failure of the same key. */
  baseDelayMs?: number;
  /** Longest retry delay (default 30 s). */
  maxDelayMs?: number;
  schedule?: Scheduler;
}

export class WorkQueue<K extends string = string> {
  private readonly queue: K[] = [];
  private readonly queued = new Set<K>();
  private readonly processing = new Set<K>();
  /** Added while processing: queued again when done. */
  private readonly dirty = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly delayed = new Map<K, () => void>();
  private readonly waiters: ((k: K | null) => void)[] = [];
  private closed = false;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly schedule: Scheduler;

  constructor(o: WorkQueueOptions = {}) {
    this.baseMs = o.baseDelayMs ?? 100;
    this.maxMs = o.maxDelayMs ?? 30_000;
    this.schedule = o.schedule ?? realScheduler;
  }

  /** Keys waiting (not counting delayed ones or those being processed). */
  get length(): number {
    return this.queue.length;
  }

  get shuttingDown(): boolean {
    return this.closed;
  }

  add(key: K): void {
    if (this.closed) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queued.add(key);
    this.queue.push(key);
  }

  /** Adds KEY after MS; a second delayed add of the same key keeps the earlier one. */
  addAfter(key: K, ms: number): void {
    if (this.closed) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    if (this.delayed.has(key)) return;
    const cancel = this.schedule(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, cancel);
  }

  /** Retry after a failure: the delay doubles with each consecutive failure of KEY. */
  addRateLimited(key: K): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const ms = backoffDelay(n, this.baseMs, this.maxMs);
    this.addAfter(key, ms);
    return ms;
  }

  /** Forget KEY's failures (after a success). */
  forget(key: K): void {
    this.failures.delete(key);
  }

  retries(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key (marked as processing until done()), or null once shut down. */
  get(): Promise<K | null> {
    if (this.closed) return Promise.resolve(null);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  shutDown(): void {
    this.closed = true;
    for (const cancel of this.delayed.values()) cancel();
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(null);
    this.queue.length = 0;
    this.queued.clear();
  }

  /**
   * Runs WORKERS loops: each takes a key, calls HANDLER, forgets the key's failures on success and
   * retries it with backoff on an error (reported to ON_ERROR). Resolves when the queue is shut down.
   */
  async run(
    handler: (key: K) => Promise<void>,
    workers = 1,
    onError: (key: K, err: unknown, retryInMs: number) => void = () => {},
  ): Promise<void> {
    const loop = async () => {
      for (;;) {
        const key = await this.get();
        if (key === null) return;
        try {
          await handler(key);
          this.forget(key);
        } catch (e) {
          if (!this.closed) onError(key, e, this.addRateLimited(key));
        } finally {
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, loop));
  }
}
