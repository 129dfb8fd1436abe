// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it, small:
// every replica tries to acquire or renew the Lease with an update that names the resourceVersion it
// read (optimistic concurrency: two replicas cannot both win); a Lease held by another replica is taken
// over only after it has not changed for a whole lease duration, measured on this replica's own clock
// from when it last saw the Lease change (so clock skew between nodes does not matter). A leader that
// cannot renew within the renew deadline (shorter than the lease) stops leading before anyone else may
// start. On shutdown the leader releases the Lease so another replica takes over at once.
import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import { realScheduler, type Scheduler } from './work-queue.ts';

export interface LeaseRecord {
  /** Empty when released. */
  holder: string;
  durationSeconds: number;
  acquireTime: number | null;
  renewTime: number | null;
  transitions: number;
  /** Set by the store; an update must name the one it read. */
  resourceVersion?: string;
}

/** The Lease as stored: a fake in unit tests, the API server in the operator. */
export interface LeaseStore {
  /** null when the Lease does not exist. */
  get(): Promise<LeaseRecord | null>;
  /** Throws LeaseConflictError when it exists already. */
  create(r: LeaseRecord): Promise<LeaseRecord>;
  /** Throws LeaseConflictError when the stored resourceVersion is not r.resourceVersion. */
  update(r: LeaseRecord): Promise<LeaseRecord>;
}

export class LeaseConflictError extends Error {
  override readonly name = 'LeaseConflictError';
}

export interface LeaderElectorOptions {
  identity: string;
  /** How long a Lease nobody renews stays with its holder (default 15 s). */
  leaseDurationMs?: number;
  /** How often the leader renews (default 5 s). */
  renewPeriodMs?: number;
  /** A leader that has not renewed for this long stops leading (default 10 s; < lease duration). */
  renewDeadlineMs?: number;
  /** How often a follower tries to acquire (default 2 s). */
  retryPeriodMs?: number;
  clock?: () => number;
  schedule?: Scheduler;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  onError?: (err: unknown) => void;
}

export class LeaderElector {
  readonly identity: string;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly deadlineMs: number;
  private readonly retryMs: number;
  private readonly clock: () => number;
  private readonly schedule: Scheduler;
  private leading = false;
  private lastRenewAt = 0;
  private observed: LeaseRecord | null = null;
  private observedAt = 0;
  private cancelTimer: (() => void) | null = null;
  private running = false;
  private ticking: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: LeaseStore,
    private readonly o: LeaderElectorOptions,
  ) {
    this.identity = o.identity;
    this.leaseMs = o.leaseDurationMs ?? 15_000;
    this.renewMs = o.renewPeriodMs ?? 5_000;
    this.deadlineMs = o.renewDeadlineMs ?? 10_000;
    this.retryMs = o.retryPeriodMs ?? 2_000;
    this.clock = o.clock ?? Date.now;
    this.schedule = o.schedule ?? realScheduler;
    if (this.deadlineMs >= this.leaseMs) throw new Error('renew deadline must be shorter than the lease duration');
  }

  /** True only while this replica holds the Lease and renewed it within the renew deadline. */
  isLeader(): boolean {
    return this.leading && this.clock() - this.lastRenewAt < this.deadlineMs;
  }

  /** The holder last seen in the Lease (this replica or another), or null. */
  observedHolder(): string | null {
    return this.observed?.holder || null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop();
  }

  private loop(): void {
    if (!this.running) return;
    this.ticking = this.tick().finally(() => {
      if (!this.running) return;
      this.cancelTimer = this.schedule(() => this.loop(), this.leading ? this.renewMs : this.retryMs);
    });
  }

  /** One attempt to acquire or renew; public so tests can drive it with an injected clock. */
  async tick(): Promise<void> {
    try {
      const won = await this.tryAcquireOrRenew();
      if (won) this.setLeading(true);
      else this.setLeading(false);
    } catch (e) {
      this.o.onError?.(e);
      // A leader keeps leading through short API trouble, until the renew deadline.
      if (this.leading && this.clock() - this.lastRenewAt >= this.deadlineMs) this.setLeading(false);
    }
  }

  private setLeading(v: boolean): void {
    if (v === this.leading) return;
    this.leading = v;
    if (v) this.o.onStartedLeading?.();
    else this.o.onStoppedLeading?.();
  }

  private observe(r: LeaseRecord, now: number): void {
    if (!this.observed || this.observed.resourceVersion !== r.resourceVersion) {
      this.observed = r;
      this.observedAt = now;
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock();
    const durationSeconds = Math.ceil(this.leaseMs / 1000);
    const current = await this.store.get();
    if (!current) {
      try {
        const created = await this.store.create({
          holder: this.identity,
          durationSeconds,
          acquireTime: now,
          renewTime: now,
          transitions: 0,
        });
        this.observe(created, now);
        this.lastRenewAt = now;
        return true;
      } catch (e) {
        if (e instanceof LeaseConflictError) return false;
        throw e;
      }
    }
    this.observe(current, now);
    const mine = current.holder === this.identity;
    if (!mine && current.holder) {
      const expiresAt = this.observedAt + Math.max(current.durationSeconds, 1) * 1000;
      if (now < expiresAt) return false;
    }
    const next: LeaseRecord = mine
      ? { ...current, durationSeconds, renewTime: now }
      : {
          holder: this.identity,
          durationSeconds,
          acquireTime: now,
          renewTime: now,
          transitions: current.transitions + 1,
          resourceVersion: current.resourceVersion,
        };
    try {
      const updated = await this.store.update(next);
      this.observe(updated, now);
      this.lastRenewAt = now;
      return true;
    } catch (e) {
      if (e instanceof LeaseConflictError) return false;
      throw e;
    }
  }

  /**
   * Stops the loop. With release (the default, a clean shutdown) a leader hands the Lease back, so
   * another replica takes over at once; without it (a crash) the others wait for the Lease to expire.
   */
  async stop(o: { release?: boolean } = {}): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = null;
    await this.ticking;
    const wasLeading = this.leading;
    this.setLeading(false);
    if (!wasLeading || o.release === false) return;
    try {
      const current = await this.store.get();
      if (current && current.holder === this.identity) {
        await this.store.update({ ...current, holder: '', durationSeconds: 1, renewTime: this.clock() });
      }
    } catch (e) {
      this.o.onError?.(e);
    }
  }
}

const status = (e: unknown): number | undefined => (e as { code?: number; statusCode?: number }).code;

/** The Lease in the API server, read and written with resourceVersion-based optimistic concurrency. */
export class KubeLeaseStore implements LeaseStore {
  private readonly api: CoordinationV1Api;
  constructor(
    kc: KubeConfig,
    readonly namespace: string,
    readonly name: string,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  private toRecord(l: V1Lease): LeaseRecord {
    const ms = (d: Date | undefined) => (d ? new Date(d).getTime() : null);
    return {
      holder: l.spec?.holderIdentity ?? '',
      durationSeconds: l.spec?.leaseDurationSeconds ?? 0,
      acquireTime: ms(l.spec?.acquireTime),
      renewTime: ms(l.spec?.renewTime),
      transitions: l.spec?.leaseTransitions ?? 0,
      resourceVersion: l.metadata?.resourceVersion,
    };
  }

  private toLease(r: LeaseRecord): V1Lease {
    const micro = (t: number | null) => (t === null ? undefined : new V1MicroTime(t));
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace, resourceVersion: r.resourceVersion },
      spec: {
        holderIdentity: r.holder || undefined,
        leaseDurationSeconds: r.durationSeconds,
        acquireTime: micro(r.acquireTime),
        renewTime: micro(r.renewTime),
        leaseTransitions: r.transitions,
      },
    };
  }

  async get(): Promise<LeaseRecord | null> {
    try {
      return this.toRecord(await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace }));
    } catch (e) {
      if (status(e) === 404) return null;
      throw e;
    }
  }

  async create(r: LeaseRecord): Promise<LeaseRecord> {
    try {
      const { resourceVersion: _rv, ...rest } = r;
      return this.toRecord(
        await this.api.createNamespacedLease({ namespace: this.namespace, body: this.toLease(rest) }),
      );
    } catch (e) {
      if (status(e) === 409) throw new LeaseConflictError(`Lease ${this.namespace}/${this.name} exists`);
      throw e;
    }
  }

  async update(r: LeaseRecord): Promise<LeaseRecord> {
    try {
      return this.toRecord(
        await this.api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body: this.toLease(r) }),
      );
    } catch (e) {
      if (status(e) === 409) throw new LeaseConflictError(`Lease ${this.namespace}/${this.name} changed`);
      throw e;
    }
  }
}
