// The durable consumer shared by all router replicas: takes accepted alerts from the stream, applies them
// to incidents, and acknowledges each message only after all of its alerts are applied. A crash before
// the ack means redelivery; the incident service makes that harmless.
//
// Messages are applied in micro-batches: whatever has arrived while the previous batch was being applied
// is applied together, per tenant, so under load each incident is written once per batch instead of once
// per alert; when idle, a single message is applied as soon as it arrives.
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Alert } from '../alert.ts';
import { ACK_WAIT_MS } from '../bus/setup.ts';
import { ALERTS_CONSUMER, ALERTS_STREAM } from '../bus/subjects.ts';
import type { Clock } from '../clock.ts';
import { DEFAULT_FLAPPING, DEFAULT_GROUP_BY } from '../config/compile/tenant.ts';
import type { TenantConfig } from '../config/compiled.ts';
import type { ConfigHolder } from '../config/holder.ts';
import type { AppliedAlert, IncidentService } from '../incidents/service.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { type AlertBatch, decodeBatch } from './batch.ts';

/** Called after each alert is applied; later stages (suppression, escalation) hook in here. */
export type AfterApply = (tenant: TenantConfig, alert: Alert, applied: AppliedAlert) => Promise<void>;

/** Messages pulled ahead of processing, and the most applied in one batch. */
const PULL_AHEAD = 256;
const MAX_BATCH_MESSAGES = 64;
/** While ingest is busy: the longest applying waits, and the smaller batches it then takes. */
const MAX_YIELD_MS = 2_000;
const BUSY_BATCH_MESSAGES = 16;

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

export class AlertConsumer {
  private stopped = false;
  private running: Promise<void> | null = null;
  private messages: { stop(): void } | null = null;
  private readonly queue: JsMsg[] = [];
  private wake: (() => void) | null = null;
  private drained: (() => void) | null = null;
  private readonly after: AfterApply[] = [];

  constructor(
    private readonly js: JetStreamClient,
    private readonly service: IncidentService,
    private readonly config: ConfigHolder,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** True while ingest requests are coming in. */
    private readonly busy: () => boolean = () => false,
  ) {}

  use(stage: AfterApply): void {
    this.after.push(stage);
  }

  start(): void {
    this.running = Promise.all([this.pull(), this.work()]).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    this.wake?.();
    this.drained?.();
    await this.running;
  }

  /** Fills the queue from the stream, restarting the subscription with backoff after any error. */
  private async pull(): Promise<void> {
    let backoff = 250;
    while (!this.stopped) {
      try {
        const consumer = await this.js.consumers.get(ALERTS_STREAM, ALERTS_CONSUMER);
        const messages = await consumer.consume({ max_messages: PULL_AHEAD, expires: 5_000 });
        this.messages = messages;
        backoff = 250;
        for await (const m of messages) {
          if (this.stopped) break;
          this.queue.push(m);
          this.wake?.();
          // Back-pressure: pull no further ahead than the worker can take, so queued messages are not
          // redelivered elsewhere for waiting past their ack wait.
          while (this.queue.length >= PULL_AHEAD && !this.stopped) {
            await new Promise<void>((r) => {
              this.drained = r;
            });
          }
        }
      } catch (e) {
        if (this.stopped) break;
        this.log.warn({ err: e, retryInMs: backoff }, 'alert consumer interrupted; restarting');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      if (this.queue.length === 0) {
        await new Promise<void>((r) => {
          this.wake = r;
        });
        this.wake = null;
        continue;
      }
      // Ingest first: while requests are coming in, applying waits (up to 2 s, then takes a smaller batch),
      // because accepting alerts is what senders wait for and applying them can catch up a moment later.
      let waited = 0;
      for (; this.busy() && waited < MAX_YIELD_MS; waited += 5) await new Promise((r) => setTimeout(r, 5));
      const batch = this.queue.splice(0, waited >= MAX_YIELD_MS ? BUSY_BATCH_MESSAGES : MAX_BATCH_MESSAGES);
      this.drained?.();
      this.drained = null;
      await this.applyBatch(batch);
    }
    // Anything pulled but not applied goes back for redelivery (to this or another replica).
    for (const m of this.queue.splice(0)) m.nak();
  }

  private async applyBatch(msgs: JsMsg[]): Promise<void> {
    const byTenant = new Map<string, { msgs: JsMsg[]; alerts: Alert[]; receivedAt: number[] }>();
    for (const m of msgs) {
      let batch: AlertBatch;
      try {
        batch = decodeBatch(m.data);
      } catch (e) {
        // Only ingest writes here; an undecodable message is a bug. Keep it in the stream for inspection.
        this.log.error({ err: e, seq: m.seq }, 'undecodable message in the alerts stream; terminating its delivery');
        m.term();
        continue;
      }
      let t = byTenant.get(batch.tenant);
      if (!t) {
        t = { msgs: [], alerts: [], receivedAt: [] };
        byTenant.set(batch.tenant, t);
      }
      t.msgs.push(m);
      t.receivedAt.push(Date.parse(batch.receivedAt));
      for (const draft of batch.alerts) t.alerts.push({ ...draft, tenant: batch.tenant, receivedAt: batch.receivedAt });
    }
    // A long batch keeps its messages from being redelivered to another replica meanwhile.
    const progress = setInterval(() => {
      for (const m of msgs) m.working();
    }, ACK_WAIT_MS / 2);
    try {
      await Promise.all(
        [...byTenant].map(async ([name, t]) => {
          const tenant = this.config.tenant(name) ?? orphanTenant(name);
          try {
            const applied = await this.service.applyBatch(tenant, t.alerts, `${t.msgs[0]?.seq ?? 0}`);
            for (const [i, alert] of t.alerts.entries()) {
              for (const stage of this.after) await stage(tenant, alert, applied[i] as AppliedAlert);
            }
            const now = this.clock();
            for (const r of t.receivedAt) this.metrics.processingLag.observe((now - r) / 1000);
            for (const m of t.msgs) m.ack();
          } catch (e) {
            this.log.warn(
              { err: e, tenant: name, messages: t.msgs.length },
              'applying alerts failed; they will be redelivered',
            );
            for (const m of t.msgs) m.nak(1_000);
          }
        }),
      );
    } finally {
      clearInterval(progress);
    }
  }
}
