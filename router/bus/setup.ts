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
import {
  ALERTS_CONSUMER,
  ALERTS_STREAM,
  CONFIG_BUCKET,
  EVENTS_STREAM,
  INCIDENTS_BUCKET,
  TIMERS_CONSUMER,
  TIMERS_STREAM,
} from './subjects.ts';

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

async function ensureConsumer(
  jsm: Awaited<ReturnType<typeof jetstreamManager>>,
  stream: string,
  config: Parameters<typeof jsm.consumers.add>[1] & {
    durable_name: string;
    ack_wait: number;
    max_ack_pending: number;
    max_deliver: number;
  },
) {
  try {
    await jsm.consumers.info(stream, config.durable_name);
    await jsm.consumers.update(stream, config.durable_name, {
      ack_wait: config.ack_wait,
      max_ack_pending: config.max_ack_pending,
      max_deliver: config.max_deliver,
    });
  } catch (e) {
    if (!/consumer not found/i.test((e as Error).message)) throw e;
    await jsm.consumers.add(stream, config);
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
  // Escalation wake-ups: scheduled messages (nats-server >= 2.12) on sb.timers.schedule.<tenant>.<incident>
  // that the server publishes to sb.timers.due.<tenant>.<incident> when due. A work queue: a due message
  // is gone once a replica has run the incident's escalation and acknowledged it; a pending schedule stays
  // until it fires (router/escalation/timers.ts).
  await ensureStream(jsm, {
    name: TIMERS_STREAM,
    subjects: ['sb.timers.>'],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    allow_msg_schedules: true,
    num_replicas: s.replicas,
  });
  await ensureConsumer(jsm, TIMERS_STREAM, {
    durable_name: TIMERS_CONSUMER,
    filter_subject: 'sb.timers.due.>',
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    // A replica that died with a wake-up in hand: redelivered within seconds (a long run sends "working").
    ack_wait: nanos(ACK_WAIT_MS),
    max_ack_pending: 1_000,
    max_deliver: -1,
    num_replicas: 0,
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
  await ensureConsumer(jsm, ALERTS_STREAM, consumer);
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
