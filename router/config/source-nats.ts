// Kubernetes mode: the config comes from the operator's snapshot in the KV bucket `sb-config`, key
// `snapshot` (router/config/snapshot.ts). Every newer snapshot is applied atomically to the holder; a
// snapshot that cannot be read (corrupt, older, or an operator of another version) is logged and
// skipped, and the one in force stays. The KV watch resumes by itself after a NATS reconnect.
import type { KV } from '@nats-io/kv';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { ConfigHolder } from './holder.ts';
import { decodeSnapshot, SNAPSHOT_KEY } from './snapshot.ts';

export class NatsConfigSource {
  private iter: { stop(): void } | null = null;
  private stopped = false;
  private firstResolve: (() => void) | null = null;
  /** Snapshots read and applied, skipped as not newer, or rejected as unreadable. */
  readonly counts = { applied: 0, skipped: 0, rejected: 0 };

  constructor(
    private readonly kv: KV,
    private readonly holder: ConfigHolder,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {}

  /**
   * Starts watching; resolves once a snapshot is in force (the router cannot serve without one).
   * Rejects after TIMEOUT_MS (default: wait forever, logging every 10 s) so a caller may give up.
   */
  async start(timeoutMs?: number): Promise<void> {
    const first = new Promise<void>((resolve) => {
      this.firstResolve = resolve;
    });
    const iter = await this.kv.watch({ key: SNAPSHOT_KEY });
    this.iter = iter;
    void (async () => {
      for await (const e of iter) {
        if (this.stopped) break;
        if (e.operation !== 'PUT') continue;
        this.apply(e.value, e.revision);
      }
    })().catch((err) => {
      if (!this.stopped) this.log.error({ err }, 'config snapshot watch ended; the config in force stays');
    });
    if (this.holder.get()) return;
    const waiting = setInterval(
      () => this.log.warn({ key: SNAPSHOT_KEY }, 'waiting for the operator to write a config snapshot'),
      10_000,
    );
    waiting.unref();
    try {
      if (timeoutMs === undefined) await first;
      else {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          first,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no config snapshot in KV key ${SNAPSHOT_KEY} within ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
        ]).finally(() => clearTimeout(timer));
      }
    } finally {
      clearInterval(waiting);
    }
  }

  /** Applies one stored value; false when it was skipped or rejected. Public for tests. */
  apply(value: Uint8Array, kvRevision: number): boolean {
    let s: ReturnType<typeof decodeSnapshot>;
    try {
      s = decodeSnapshot(value);
    } catch (err) {
      this.counts.rejected++;
      this.metrics?.configReloads.inc({ outcome: 'rejected' });
      this.log.error(
        { err, kvRevision, revision: this.holder.get()?.revision },
        `unreadable config snapshot rejected; keeping revision ${this.holder.get()?.revision ?? '(none)'}`,
      );
      return false;
    }
    const current = this.holder.get();
    if (current && current.revision >= s.revision) {
      this.counts.skipped++;
      return false;
    }
    const changed = this.holder.set(s.config, s.revision, this.clock());
    this.counts.applied++;
    this.metrics?.configReloads.inc({ outcome: changed ? 'applied' : 'unchanged' });
    if (changed) this.metrics?.configRevision.set(s.revision);
    this.log.info({ revision: s.revision, hash: s.hash.slice(0, 12) }, 'config snapshot applied');
    this.firstResolve?.();
    this.firstResolve = null;
    return changed;
  }

  stop(): void {
    this.stopped = true;
    this.iter?.stop();
    this.firstResolve = null;
  }
}
