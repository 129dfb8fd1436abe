// Creates or updates the streams, consumer and buckets at start-up, idempotently, with explicit limits.
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { BusSettings } from './settings.ts';
import { ALERTS_CONSUMER, ALERTS_STREAM, CONFIG_BUCKET, EVENTS_STREAM, INCIDENTS_BUCKET } from './subjects.ts';

const nanos = (ms: number) => ms * 1_000_000;

export const ACK_WAIT_MS = 10_000;

export interface BusResources {
  incidents: KV;
  config: KV;
}

async function ensureStream(
  jsm: Awaited<ReturnType<typeof jetstreamManager>>,
  config: Parameters<typeof jsm.streams.add>[0] & { name: string },
) {
  try {
    await jsm.streams.info(config.name);
    const { name, ...update } = config;
    await jsm.streams.update(name, update);
  } catch (e) {
    if (!/stream not found/i.test((e as Error).message)) throw e;
    await jsm.streams.add(config);
  }
}

export async function setupBus(nc: NatsConnection, s: BusSettings): Promise<BusResources> {
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, {
    name: ALERTS_STREAM,
    subjects: ['sb.alerts.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(s.alertsMaxAgeMs),
    max_bytes: s.alertsMaxBytes,
    duplicate_window: nanos(s.duplicateWindowMs),
    num_replicas: s.replicas,
  });
  await ensureStream(jsm, {
    name: EVENTS_STREAM,
    subjects: ['sb.events.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(s.eventsMaxAgeMs),
    max_bytes: s.eventsMaxBytes,
    duplicate_window: nanos(s.duplicateWindowMs),
    num_replicas: s.replicas,
  });
  const consumer = {
    durable_name: ALERTS_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    // Short, so a message taken by a replica that died is redelivered within seconds; a replica still
    // working on a long batch extends it (consumer.ts sends "working").
    ack_wait: nanos(ACK_WAIT_MS),
    max_ack_pending: 2_000,
    // Redelivered until processed: an alert that was accepted is never dropped by the consumer.
    max_deliver: -1,
    num_replicas: 0,
  };
  try {
    await jsm.consumers.info(ALERTS_STREAM, ALERTS_CONSUMER);
    await jsm.consumers.update(ALERTS_STREAM, ALERTS_CONSUMER, {
      ack_wait: consumer.ack_wait,
      max_ack_pending: consumer.max_ack_pending,
      max_deliver: consumer.max_deliver,
    });
  } catch (e) {
    if (!/consumer not found/i.test((e as Error).message)) throw e;
    await jsm.consumers.add(ALERTS_STREAM, consumer);
  }
  const kvm = new Kvm(nc);
  const incidents = await kvm.create(INCIDENTS_BUCKET, {
    history: 1,
    replicas: s.replicas,
    max_bytes: s.incidentsMaxBytes,
    storage: StorageType.File,
  });
  const config = await kvm.create(CONFIG_BUCKET, { history: 10, replicas: s.replicas, storage: StorageType.File });
  return { incidents, config };
}
