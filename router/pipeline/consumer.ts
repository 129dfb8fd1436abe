// Applies the alerts stream to incidents. The stream is split into partitions by tenant
// (router/pipeline/partitions.ts); this replica applies the partitions whose lease it holds
// (router/pipeline/leases.ts), each from its own durable consumer, in stream order, and acknowledges each
// message only after all of its alerts are applied. A crash before the ack means redelivery; the incident
// service makes that harmless.
//
// Messages are applied in micro-batches: whatever has arrived while the partition's previous batch was
// being applied is applied together, per tenant, so under load each incident is written once per batch
// instead of once per alert; when idle, a single message is applied as soon as it arrives. Partitions are
// applied side by side.
//
// Fetching is by bounded pull requests (not a continuous subscription), so when a partition is given back
// nothing is still on its way to this replica: the worker stops fetching, applies and acknowledges what it
// has, and only then does the lease go. Taking a partition whose previous holder died, the worker first
// waits out the ack wait of what that holder had fetched, so it is redelivered before any later message.
import type { Consumer, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { Alert } from '../alert.ts';
import type { DeadLetters } from '../bus/deadletter.ts';
import { ensurePartitionConsumer, PARTITION_ACK_WAIT_MS } from '../bus/setup.ts';
import { ALERTS_STREAM } from '../bus/subjects.ts';
import type { Clock } from '../clock.ts';
import { DEFAULT_FLAPPING, DEFAULT_GROUP_BY } from '../config/compile/tenant.ts';
import type { TenantConfig } from '../config/compiled.ts';
import type { ConfigHolder } from '../config/holder.ts';
import type { AppliedAlert, IncidentService } from '../incidents/service.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { type AlertBatch, decodeBatch } from './batch.ts';
import { classifyFailure, type DeadLetterReason, nextStep } from './failures.ts';
import type { PartitionOwner } from './leases.ts';
import type { Partition } from './partitions.ts';

/** Called after each alert is applied; later stages (suppression, escalation) hook in here. */
export type AfterApply = (tenant: TenantConfig, alert: Alert, applied: AppliedAlert) => Promise<void>;

/** The most messages applied in one batch, and fetched ahead of applying (per partition). */
const MAX_BATCH_MESSAGES = 64;
const PULL_AHEAD = 2 * MAX_BATCH_MESSAGES;
/**
 * And at most this many bytes of messages (at least one message): a message holds a whole request's alerts,
 * so 64 of 100 alerts each kept the event loop for a second, during which no request was even read.
 */
const MAX_BATCH_BYTES = 256 * 1024;
/**
 * While ingest is flooded (router/api/ingest-load.ts): the longest applying waits, and the
 * smaller batches it then takes. A steady stream is not "busy", so this costs pages no latency.
 */
const MAX_YIELD_MS = 2_000;
const BUSY_BATCH_MESSAGES = 16;
const BUSY_BATCH_BYTES = 64 * 1024;
/**
 * What an idle partition's open pull request asks for. A pulled message is read from NATS at once, applied
 * or not, and the open request of an idle partition is filled by the first messages of a flood: asking for
 * PULL_AHEAD made the router read 128 whole requests' alerts back from NATS while still accepting them
 * (~20 % more CPU per ingest request). The size doubles while requests come back full (a backlog).
 */
const PULL_MIN = BUSY_BATCH_MESSAGES;

/**
 * The pull size after a pull request that asked for `asked` (at most `size`, less when the queue was nearly
 * full) and got `got`: twice `size` after a full one (up to PULL_AHEAD), PULL_MIN after one that came back
 * short.
 */
export function nextPullSize(size: number, asked: number, got: number): number {
  return got >= asked ? Math.min(2 * size, PULL_AHEAD) : PULL_MIN;
}

/** How long one pull request waits for messages: also the longest a give-back waits for the last one. */
const FETCH_EXPIRES_MS = 1_000;

export { PARTITION_ACK_WAIT_MS };

/**
 * How long until what a consumer delivered last is due for redelivery (its ack wait after the last delivery,
 * on the server's clock, plus a margin); the whole ack wait when the server's times are missing.
 */
export function redeliveryWait(info: { delivered: { last_active?: unknown }; ts?: unknown }): number {
  const last = Date.parse(String(info.delivered.last_active ?? ''));
  const now = Date.parse(String(info.ts ?? ''));
  if (!Number.isFinite(last) || !Number.isFinite(now)) return PARTITION_ACK_WAIT_MS + 250;
  return Math.max(0, Math.min(PARTITION_ACK_WAIT_MS, last + PARTITION_ACK_WAIT_MS - now) + 250);
}

/** A tenant removed from the config while its alerts were in flight: still recorded, with defaults. */
function orphanTenant(name: string): TenantConfig {
  return {
    name,
    namespace: '',
    displayName: name,
    timezone: 'Etc/UTC',
    serviceLevel: '',
    escalationPolicy: '',
    ingestTokenSha256: null,
    responderTokenSha256: null,
    match: [],
    routes: [],
    groupBy: DEFAULT_GROUP_BY,
    inhibitRules: [],
    limits: { alertsPerMinute: null, newIncidentsPerMinute: null },
    flapping: { changes: DEFAULT_FLAPPING.changes, windowMs: 1_800_000, stableForMs: 1_800_000 },
    heartbeats: [],
    statusPage: { enabled: false, components: [], viewerTokenSha256: null },
  };
}

export interface ConsumerDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  service: IncidentService;
  config: ConfigHolder;
  metrics: Metrics;
  clock: Clock;
  log: Logger;
  /** True while ingest requests are coming in. */
  busy?: () => boolean;
  /** Resolves (true) once this replica's incident cache has every change stored before the call. */
  caughtUp?: () => Promise<boolean>;
  /** Resolves once NATS has everything this replica sent (the acknowledgements before a give-back). */
  flush?: () => Promise<void>;
  /** Where messages that cannot be applied go (without it, they are retried for ever). */
  deadLetters?: DeadLetters;
}

/** A tenant's messages of a batch that could not be applied, and why. */
export interface TenantFailure {
  tenant: string;
  msgs: JsMsg[];
  /** Alerts in each message (same order). */
  alerts: number[];
  error: unknown;
}

type Mode = 'run' | 'release' | 'lost';

/** How many of the queue's first messages make a batch: at most `size` messages and `bytes` bytes, at least one. */
export function batchLength(queue: readonly { data: Uint8Array }[], size: number, bytes: number): number {
  let n = 0;
  let total = 0;
  while (n < queue.length && n < size) {
    total += (queue[n] as { data: Uint8Array }).data.length;
    if (n > 0 && total > bytes) break;
    n++;
  }
  return n;
}

/** One partition this replica holds: fetches its messages and applies them in order. */
class PartitionWorker {
  mode: Mode = 'run';
  private readonly queue: JsMsg[] = [];
  private wake: (() => void) | null = null;
  private room: (() => void) | null = null;
  private fetching = false;
  readonly done: Promise<void>;
  /** A drained partition of an earlier layout whose consumer this worker deleted. */
  finished = false;

  constructor(
    readonly partition: Partition,
    private readonly owner: AlertConsumer,
    private readonly d: ConsumerDeps,
  ) {
    this.done = this.run().catch((err) => {
      this.d.log.error({ err, partition: partition.consumer }, 'partition worker failed');
    });
  }

  stop(how: 'release' | 'lost'): Promise<void> {
    if (this.mode !== 'lost') this.mode = how;
    this.wake?.();
    this.room?.();
    return this.done;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  private async run(): Promise<void> {
    const consumer = await this.prepare();
    if (!consumer) return;
    await Promise.all([this.pull(consumer), this.work()]);
    if (this.mode === 'release') await this.d.flush?.();
  }

  /** The partition's consumer, once it is safe to start fetching from it (null: stopped meanwhile). */
  private async prepare(): Promise<Consumer | null> {
    const { js, jsm, log } = this.d;
    const p = this.partition;
    for (let backoff = 250; this.mode === 'run'; backoff = Math.min(backoff * 2, 5_000)) {
      try {
        if (!p.drain) {
          // Made at start-up (router/bus/setup.ts); made here too should it be gone.
          await ensurePartitionConsumer(jsm, p.count, p.index);
        }
        const consumer = await js.consumers.get(ALERTS_STREAM, p.consumer);
        // The previous holder's last writes reach this replica's cache first: decisions that write nothing
        // (a repeat of a firing alert) are only as good as the cache they are made from.
        if ((await this.d.caughtUp?.()) === false) {
          log.warn({ partition: p.consumer }, 'the incident cache is still behind the bucket; applying anyway');
        }
        // Messages fetched by a holder that died are redelivered once their ack wait is over, ahead of later
        // ones: start after that, so the partition stays in order. The wait is counted from the consumer's
        // last delivery, on the server's clock: usually over by the time the dead holder's lease expired.
        // (A holder that gave the partition back left nothing unacknowledged; its last acks may be in flight.)
        let info = await consumer.info(false);
        for (let i = 0; i < 5 && info.num_ack_pending > 0 && this.mode === 'run'; i++) {
          await this.sleep(100);
          info = await consumer.info(false);
        }
        const wait = info.num_ack_pending > 0 ? redeliveryWait(info) : 0;
        if (wait > 0) {
          log.info(
            { partition: p.consumer, unacknowledged: info.num_ack_pending, waitMs: wait },
            "waiting for the previous holder's unacknowledged alerts to be redelivered",
          );
          const until = performance.now() + wait;
          while (performance.now() < until && this.mode === 'run') await this.sleep(50);
        }
        return this.mode === 'run' ? consumer : null;
      } catch (e) {
        if (p.drain && /consumer not found/i.test((e as Error).message)) {
          this.finished = true;
          return null;
        }
        log.warn({ err: e, partition: p.consumer, retryInMs: backoff }, 'cannot start applying a partition; retrying');
        await this.sleep(backoff);
      }
    }
    return null;
  }

  /** Fills the queue with bounded pull requests until the partition is given back. */
  private async pull(consumer: Consumer): Promise<void> {
    // Short: a consumer just created answers "no responders" until its leader is elected, a moment later.
    let backoff = 100;
    let size = PULL_MIN;
    while (this.mode === 'run') {
      // While ingest is flooded only a busy batch is applied now and then: only that much is read ahead.
      const ahead = this.owner.busy() ? BUSY_BATCH_MESSAGES : PULL_AHEAD;
      const room = Math.min(ahead - this.queue.length, size);
      if (room <= 0) {
        await new Promise<void>((r) => {
          this.room = r;
        });
        this.room = null;
        continue;
      }
      let got = 0;
      this.fetching = true;
      try {
        const messages = await consumer.fetch({ max_messages: room, expires: FETCH_EXPIRES_MS });
        for await (const m of messages) {
          got++;
          if ((this.mode as Mode) === 'lost') m.nak();
          else this.queue.push(m);
          this.wake?.();
        }
        size = nextPullSize(size, room, got);
        backoff = 100;
      } catch (e) {
        if (this.mode !== 'run') break;
        if (this.partition.drain && /consumer not found/i.test((e as Error).message)) {
          this.finished = true;
          break;
        }
        this.d.log.warn(
          { err: e, partition: this.partition.consumer, retryInMs: backoff },
          'fetching alerts failed; retrying',
        );
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 2_000);
      } finally {
        this.fetching = false;
        this.wake?.();
      }
      if (got === 0 && this.partition.drain && this.queue.length === 0) await this.drainedAway(consumer);
    }
  }

  /**
   * What failed is retried here before anything later of the partition, so its tenants stay in order: for as
   * long as the failure is transient (NATS unreachable a moment, conflicts), a bounded number of times when
   * it is not (router/pipeline/failures.ts); then those messages are dead-lettered and the partition moves
   * on. Given back meanwhile, what is still failing goes back for redelivery.
   */
  private async retry(first: TenantFailure[]): Promise<void> {
    const attempts = new Map<string, number>();
    for (let failures = first; failures.length > 0; ) {
      if (this.mode !== 'run') {
        for (const f of failures) for (const m of f.msgs) m.nak();
        return;
      }
      const again: JsMsg[] = [];
      let wait = 0;
      for (const f of failures) {
        const attempt = (attempts.get(f.tenant) ?? 0) + 1;
        attempts.set(f.tenant, attempt);
        const step = nextStep(classifyFailure(f.error), attempt);
        if ('deadLetter' in step && (await this.owner.deadLetter(f, step.deadLetter, attempt))) continue;
        again.push(...f.msgs);
        wait = Math.max(wait, 'retryInMs' in step ? step.retryInMs : 1_000);
      }
      if (again.length === 0) return;
      const progress = setInterval(() => {
        for (const m of again) m.working();
      }, PARTITION_ACK_WAIT_MS / 2);
      await this.sleep(wait);
      clearInterval(progress);
      failures = await this.owner.applyBatch(again.sort((a, b) => a.seq - b.seq));
    }
  }

  /** A partition of an earlier layout with nothing left: its consumer is deleted, the partition is done. */
  private async drainedAway(consumer: Consumer): Promise<void> {
    try {
      const info = await consumer.info(false);
      if (info.num_pending > 0 || info.num_ack_pending > 0) return;
      await this.d.jsm.consumers.delete(ALERTS_STREAM, this.partition.consumer);
      this.d.log.info({ partition: this.partition.consumer }, 'drained a partition of an earlier layout; deleted it');
      this.finished = true;
      this.mode = 'release';
    } catch (e) {
      if (/consumer not found/i.test((e as Error).message)) {
        this.finished = true;
        this.mode = 'release';
      }
    }
  }

  private async work(): Promise<void> {
    for (;;) {
      if (this.mode === 'lost') break;
      if (this.queue.length === 0) {
        if (this.mode !== 'run' && !this.fetching) break;
        await new Promise<void>((r) => {
          this.wake = r;
        });
        this.wake = null;
        continue;
      }
      // Ingest first (see AlertConsumer.turn): while requests are coming in, applying waits.
      const turn = await this.owner.turn(() => this.mode === 'run');
      if ((this.mode as Mode) === 'lost') {
        turn.done();
        break;
      }
      const batch = this.queue.splice(0, batchLength(this.queue, turn.size, turn.bytes));
      this.room?.();
      let failures: TenantFailure[];
      try {
        failures = await this.owner.applyBatch(batch);
      } finally {
        turn.done();
      }
      await this.retry(failures);
    }
    // Lost: what was fetched but not applied goes back for redelivery (to whoever holds the partition now).
    for (const m of this.queue.splice(0)) m.nak();
  }
}

export class AlertConsumer implements PartitionOwner {
  private readonly workers = new Map<string, PartitionWorker>();
  /** While ingest is busy: when the next (small) batch of any partition may start; null: one is applying. */
  private busySlot: number | null = 0;
  private readonly gone = new Set<string>();
  private readonly after: AfterApply[] = [];
  private readonly d: ConsumerDeps;

  constructor(deps: ConsumerDeps) {
    this.d = deps;
  }

  /** True while ingest requests are coming in (router/api/ingest-load.ts). */
  busy(): boolean {
    return this.d.busy?.() ?? false;
  }

  use(stage: AfterApply): void {
    this.after.push(stage);
  }

  /**
   * Ingest first: while requests are coming in, applying waits, because accepting alerts is what senders
   * wait for and applying them can catch up a moment later. Shared by the partitions: during a flood of
   * requests one small batch of one partition is applied every MAX_YIELD_MS, however many partitions have
   * alerts waiting (as many partitions as this replica holds would otherwise each take their turn).
   */
  async turn(running: () => boolean): Promise<{ size: number; bytes: number; done(): void }> {
    const free = { size: MAX_BATCH_MESSAGES, bytes: MAX_BATCH_BYTES, done: () => {} };
    for (;;) {
      if (!this.busy() || !running()) {
        if (this.busySlot !== null) this.busySlot = 0;
        return free;
      }
      const now = performance.now();
      if (this.busySlot === 0) this.busySlot = now + MAX_YIELD_MS;
      if (this.busySlot !== null && now >= this.busySlot) {
        this.busySlot = null;
        return {
          size: BUSY_BATCH_MESSAGES,
          bytes: BUSY_BATCH_BYTES,
          done: () => {
            this.busySlot = performance.now() + MAX_YIELD_MS;
          },
        };
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Partitions being applied here now. */
  partitions(): string[] {
    return [...this.workers.keys()].sort();
  }

  take(p: Partition): void {
    if (this.workers.has(p.consumer)) return;
    this.workers.set(p.consumer, new PartitionWorker(p, this, this.d));
  }

  async give(p: Partition, how: 'release' | 'lost'): Promise<void> {
    const w = this.workers.get(p.consumer);
    if (!w) return;
    await w.stop(how);
    if (w.finished) this.gone.add(p.consumer);
    if (this.workers.get(p.consumer) === w) this.workers.delete(p.consumer);
  }

  finished(p: Partition): boolean {
    return this.gone.has(p.consumer) || this.workers.get(p.consumer)?.finished === true;
  }

  /** Stops every partition at once (what is unapplied is redelivered); leases.stop() gives them back first. */
  async stop(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => this.give(w.partition, 'lost')));
  }

  /**
   * Moves a tenant's failing messages to the dead-letter stream and acknowledges them, so the partition
   * moves on. False when that is not possible now (no dead-letter stream, or storing failed): retry them.
   */
  async deadLetter(f: TenantFailure, reason: DeadLetterReason, attempts: number): Promise<boolean> {
    const dl = this.d.deadLetters;
    if (!dl) return false;
    const error = (f.error as Error)?.message ?? String(f.error);
    try {
      for (const [i, m] of f.msgs.entries()) {
        const alerts = f.alerts[i] ?? 0;
        const at = this.d.clock();
        const seq = await dl.put({
          tenant: f.tenant,
          reason,
          error,
          subject: m.subject,
          streamSeq: m.seq,
          alerts,
          payload: m.data,
          at,
        });
        m.ack();
        this.d.metrics.alertsDeadLettered.inc({ tenant: f.tenant, reason }, alerts);
        this.d.log.error(
          { tenant: f.tenant, reason, err: f.error, attempts, alerts, alertsSeq: m.seq, deadLetterSeq: seq },
          `alerts of ${f.tenant} cannot be applied; moved them to the dead-letter stream so the partition moves on. ` +
            `Fix the cause (docs/runbooks.md "Dead-lettered alerts"), then POST /api/v1/deadletters/${seq}/retry ` +
            `(or DELETE it to discard them)`,
        );
      }
      return true;
    } catch (e) {
      this.d.log.warn({ err: e, tenant: f.tenant }, 'storing alerts in the dead-letter stream failed; retrying them');
      return false;
    }
  }

  /**
   * Applies one partition's batch: per tenant, tenants side by side. Acknowledges what was applied and
   * returns, per tenant, the messages whose alerts could not be (unacknowledged, to be retried) and why.
   */
  async applyBatch(msgs: JsMsg[]): Promise<TenantFailure[]> {
    const failed: TenantFailure[] = [];
    const byTenant = new Map<string, { msgs: JsMsg[]; counts: number[]; alerts: Alert[]; receivedAt: number[] }>();
    for (const m of msgs) {
      let batch: AlertBatch;
      try {
        batch = decodeBatch(m.data);
      } catch (e) {
        // Only ingest writes here; an undecodable message is a bug. Kept as a dead letter for inspection.
        const tenant = m.subject.slice(m.subject.lastIndexOf('.') + 1) || 'unknown';
        const f = { tenant, msgs: [m], alerts: [0], error: e };
        if (!(await this.deadLetter(f, 'invalid', 1))) {
          this.d.log.error(
            { err: e, seq: m.seq },
            'undecodable message in the alerts stream; terminating its delivery',
          );
          m.term();
        }
        continue;
      }
      let t = byTenant.get(batch.tenant);
      if (!t) {
        t = { msgs: [], counts: [], alerts: [], receivedAt: [] };
        byTenant.set(batch.tenant, t);
      }
      t.msgs.push(m);
      t.counts.push(batch.alerts.length);
      t.receivedAt.push(Date.parse(batch.receivedAt));
      for (const draft of batch.alerts) t.alerts.push({ ...draft, tenant: batch.tenant, receivedAt: batch.receivedAt });
    }
    // A long batch keeps its messages from being redelivered to another replica meanwhile.
    const progress = setInterval(() => {
      for (const m of msgs) m.working();
    }, PARTITION_ACK_WAIT_MS / 2);
    try {
      await Promise.all(
        [...byTenant].map(async ([name, t]) => {
          const tenant = this.d.config.tenant(name) ?? orphanTenant(name);
          try {
            const applied = await this.d.service.applyBatch(tenant, t.alerts, `${t.msgs[0]?.seq ?? 0}`);
            // Stage by stage, the alerts side by side: one after another, a batch of new incidents waited for
            // a round trip to NATS per alert (each trigger is a publish), most of the time a batch took.
            for (const stage of this.after) {
              await Promise.all(t.alerts.map((alert, i) => stage(tenant, alert, applied[i] as AppliedAlert)));
            }
            const now = this.d.clock();
            for (const r of t.receivedAt) this.d.metrics.processingLag.observe((now - r) / 1000);
            for (const m of t.msgs) m.ack();
          } catch (e) {
            this.d.log.warn({ err: e, tenant: name, messages: t.msgs.length }, 'applying alerts failed');
            failed.push({ tenant: name, msgs: t.msgs, alerts: t.counts, error: e });
          }
        }),
      );
    } finally {
      clearInterval(progress);
    }
    return failed;
  }
}
