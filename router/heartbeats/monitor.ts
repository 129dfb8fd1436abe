// Heartbeat state in the KV bucket sb-heartbeats, the ping handler, and the check that raises missed
// heartbeats. Every replica runs the check; raising goes through the alerts stream with a message id
// naming the miss, so two replicas raise it once, and the state is changed by compare-and-set.
import { createHash } from 'node:crypto';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { AlertDraft } from '../alert.ts';
import { openBucket } from '../bus/buckets.ts';
import { alertSubject } from '../bus/subjects.ts';
import type { Clock } from '../clock.ts';
import type { ConfigHolder } from '../config/holder.ts';
import type { Logger } from '../log.ts';
import type { AlertBatch } from '../pipeline/batch.ts';
import { type HeartbeatConfig, type HeartbeatState, isNewlyMissed, missedAlert, recoveredAlert } from './decide.ts';

export const HEARTBEATS_BUCKET = 'sb-heartbeats';
/** The check runs four times per shortest interval, between every 250 ms and every 5 s. */
function checkEvery(config: ConfigHolder): number {
  let shortest = Number.POSITIVE_INFINITY;
  for (const t of Object.values(config.get()?.config.tenants ?? {})) {
    for (const h of t.heartbeats) shortest = Math.min(shortest, h.intervalMs);
  }
  return Math.max(250, Math.min(5_000, shortest / 4));
}

const key = (tenant: string, name: string) => `${tenant}.${name}`;

export class HeartbeatMonitor {
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  private constructor(
    private readonly kv: KV,
    private readonly js: JetStreamClient,
    private readonly config: ConfigHolder,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  static async open(
    nc: NatsConnection,
    js: JetStreamClient,
    config: ConfigHolder,
    clock: Clock,
    log: Logger,
    replicas: number,
  ): Promise<HeartbeatMonitor> {
    const kv = await openBucket(nc, HEARTBEATS_BUCKET, { history: 1, replicas });
    return new HeartbeatMonitor(kv, js, config, clock, log);
  }

  start(): void {
    const tick = () => {
      void this.check().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, checkEvery(this.config));
      });
    };
    this.timer = setTimeout(tick, checkEvery(this.config));
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The heartbeat's current state, arming it on first sight. */
  private async state(tenant: string, name: string): Promise<{ value: HeartbeatState; revision: number }> {
    const e = await this.kv.get(key(tenant, name));
    if (e && e.operation === 'PUT' && e.value.length > 0)
      return { value: e.json<HeartbeatState>(), revision: e.revision };
    const armed: HeartbeatState = { armedAt: this.clock(), lastPingAt: null, missedAt: null };
    try {
      return { value: armed, revision: await this.kv.create(key(tenant, name), JSON.stringify(armed)) };
    } catch {
      return this.state(tenant, name); // armed by another replica meanwhile
    }
  }

  /** A ping: records it and, if the heartbeat was missed, resolves its alert. Returns when it is next due. */
  async ping(tenant: string, h: HeartbeatConfig): Promise<number> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const now = this.clock();
      const { value: s, revision } = await this.state(tenant, h.name);
      if (s.missedAt !== null) await this.publish(tenant, recoveredAlert(tenant, h, s, now), `recovered:${s.missedAt}`);
      const next: HeartbeatState = { ...s, lastPingAt: now, missedAt: null };
      try {
        await this.kv.update(key(tenant, h.name), JSON.stringify(next), revision);
        return now + h.intervalMs;
      } catch {
        // changed concurrently (another ping or the check): read again
      }
    }
    throw new Error(`heartbeat ${tenant}/${h.name}: too many concurrent changes`);
  }

  /** Raises every heartbeat that became overdue. Safe to run on every replica at once. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const snapshot = this.config.get();
      for (const t of Object.values(snapshot?.config.tenants ?? {})) {
        for (const h of t.heartbeats) {
          const { value: s, revision } = await this.state(t.name, h.name);
          if (!isNewlyMissed(h, s, this.clock())) continue;
          const alert = missedAlert(t.name, h, s);
          await this.publish(t.name, alert, `missed:${s.lastPingAt ?? s.armedAt}`);
          const next: HeartbeatState = { ...s, missedAt: Date.parse(alert.startsAt) };
          await this.kv.update(key(t.name, h.name), JSON.stringify(next), revision).catch(() => undefined);
          this.log.warn({ tenant: t.name, heartbeat: h.name }, 'heartbeat missed: incident raised');
        }
      }
    } catch (err) {
      this.log.warn({ err }, 'heartbeat check failed; retrying at the next check');
    } finally {
      this.checking = false;
    }
  }

  /** Into the alerts stream like any ingested alert; the id makes a second replica's raise a duplicate. */
  private async publish(tenant: string, alert: AlertDraft, what: string): Promise<void> {
    const batch: AlertBatch = { v: 1, tenant, receivedAt: new Date(this.clock()).toISOString(), alerts: [alert] };
    const id = createHash('sha256').update(`heartbeat:${tenant}:${alert.fingerprint}:${what}`).digest('hex');
    await this.js.publish(alertSubject(tenant), JSON.stringify(batch), { msgID: id });
  }
}
