// The durable consumer shared by all router replicas: takes accepted alerts from the stream, applies them
// to incidents, and acknowledges each message only after all of its alerts are applied. A crash before
// the ack means redelivery; the incident service makes that harmless.
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
import { decodeBatch } from './batch.ts';

/** Called after each alert is applied; later stages (suppression, escalation) hook in here. */
export type AfterApply = (tenant: TenantConfig, alert: Alert, applied: AppliedAlert) => Promise<void>;

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
  private inFlight = 0;
  private messages: { stop(): void } | null = null;
  private readonly after: AfterApply[] = [];

  constructor(
    private readonly js: JetStreamClient,
    private readonly service: IncidentService,
    private readonly config: ConfigHolder,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly concurrency = 16,
  ) {}

  use(stage: AfterApply): void {
    this.after.push(stage);
  }

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    await this.running;
  }

  private async loop(): Promise<void> {
    let backoff = 250;
    while (!this.stopped) {
      try {
        const consumer = await this.js.consumers.get(ALERTS_STREAM, ALERTS_CONSUMER);
        const messages = await consumer.consume({ max_messages: this.concurrency * 4, expires: 5_000 });
        this.messages = messages;
        backoff = 250;
        const slots: Promise<void>[] = [];
        for await (const m of messages) {
          if (this.stopped) {
            m.nak();
            break;
          }
          while (this.inFlight >= this.concurrency) await Promise.race(slots);
          const p = this.handle(m).finally(() => {
            this.inFlight--;
            slots.splice(slots.indexOf(p), 1);
          });
          this.inFlight++;
          slots.push(p);
          if (this.stopped) break;
        }
        await Promise.all(slots);
        messages.stop();
      } catch (e) {
        if (this.stopped) break;
        this.log.warn({ err: e, retryInMs: backoff }, 'alert consumer interrupted; restarting');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  private async handle(m: JsMsg): Promise<void> {
    let batch: ReturnType<typeof decodeBatch>;
    try {
      batch = decodeBatch(m.data);
    } catch (e) {
      // Only ingest writes here; an undecodable message is a bug. Keep it in the stream for inspection.
      this.log.error({ err: e, seq: m.seq }, 'undecodable message in the alerts stream; terminating its delivery');
      m.term();
      return;
    }
    const tenant = this.config.tenant(batch.tenant) ?? orphanTenant(batch.tenant);
    try {
      let lastProgress = this.clock();
      for (const [i, draft] of batch.alerts.entries()) {
        if (this.clock() - lastProgress > ACK_WAIT_MS / 2) {
          m.working();
          lastProgress = this.clock();
        }
        const alert: Alert = { ...draft, tenant: batch.tenant, receivedAt: batch.receivedAt };
        const applied = await this.service.applyAlert(tenant, alert, `${m.seq}:${i}`);
        for (const stage of this.after) await stage(tenant, alert, applied);
      }
      this.metrics.processingLag.observe((this.clock() - Date.parse(batch.receivedAt)) / 1000);
      m.ack();
    } catch (e) {
      this.log.warn({ err: e, seq: m.seq, tenant: batch.tenant }, 'processing failed; message will be redelivered');
      m.nak(1_000);
    }
  }
}
