// Creates or updates the streams and buckets at start-up, idempotently, with explicit limits and the replica
// count asked for (checked against the NATS deployment first: router/bus/cluster.ts). The alerts stream is
// partitioned by tenant with a subject transform; its per-partition consumers are created by the replicas
// that take the partitions (router/pipeline/partitions.ts).
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { openBucket } from './buckets.ts';
import { ClusterSetupError, type ClusterView, clusterView, explainPlacementError, replicasProblem } from './cluster.ts';
import type { BusSettings } from './settings.ts';
import {
  ALERTS_STREAM,
  alertsPartitionTransform,
  CONFIG_BUCKET,
  DEADLETTER_STREAM,
  EVENTS_STREAM,
  INCIDENTS_BUCKET,
  LEGACY_ALERTS_CONSUMER,
  PARTITIONS_BUCKET,
  partitionConsumer,
  partitionCountOf,
  partitionFilter,
  TIMERS_CONSUMER,
  TIMERS_STREAM,
} from './subjects.ts';

const nanos = (ms: number) => ms * 1_000_000;

export const ACK_WAIT_MS = 10_000;
/**
 * Ack wait of the alerts partition consumers: a message fetched by a replica that died is redelivered after
 * this (a replica still working on a long batch extends it; router/pipeline/consumer.ts).
 */
export const PARTITION_ACK_WAIT_MS = 5_000;

export interface BusResources {
  incidents: KV;
  config: KV;
  /** Replica membership and partition leases (router/pipeline/leases.ts). */
  partitions: KV;
  /** The alerts stream's partition count in force (it may differ from the one asked for: see setupBus). */
  partitionCount: number;
}

export interface BusLogger {
  warn(o: object, msg: string): void;
}

type StreamConfig = Parameters<JetStreamManager['streams']['add']>[0] & { name: string };

async function ensureStream(jsm: JetStreamManager, config: StreamConfig, view: ClusterView): Promise<void> {
  try {
    try {
      await jsm.streams.info(config.name);
    } catch (e) {
      if (!/stream not found/i.test((e as Error).message)) throw e;
      await jsm.streams.add(config);
      return;
    }
    const { name, ...update } = config;
    await jsm.streams.update(name, update);
  } catch (e) {
    throw explainPlacementError(e, `the stream ${config.name}`, config.num_replicas ?? 1, view);
  }
}

export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Parameters<JetStreamManager['consumers']['add']>[1] & {
    durable_name: string;
    ack_wait: number;
    max_ack_pending: number;
    max_deliver: number;
  },
): Promise<void> {
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

/**
 * The durable consumer of one partition, created if missing: from the stream's first message, or from
 * `startSeq` (a layout taken up again after a re-partitioning: its older messages were applied then).
 */
export async function ensurePartitionConsumer(
  jsm: JetStreamManager,
  count: number,
  index: number,
  startSeq?: number,
): Promise<void> {
  const name = partitionConsumer(count, index);
  try {
    await ensureConsumer(jsm, ALERTS_STREAM, {
      durable_name: name,
      filter_subject: partitionFilter(count, index),
      ack_policy: AckPolicy.Explicit,
      ...(startSeq ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq } : {}),
      ...(startSeq ? {} : { deliver_policy: DeliverPolicy.All }),
      ack_wait: nanos(PARTITION_ACK_WAIT_MS),
      max_ack_pending: 1_000,
      // Redelivered until processed: an alert that was accepted is never dropped by the consumer.
      max_deliver: -1,
      num_replicas: 0,
    });
  } catch (e) {
    // Another replica created it a moment ago (with its own start): theirs stands.
    if (!/already (exists|in use)/i.test((e as Error).message)) throw e;
  }
}

/**
 * Fails with a message that says what to change when the NATS deployment cannot hold `replicas` copies;
 * warns when a cluster would hold more than the single copy asked for.
 */
export function checkCluster(nc: NatsConnection, replicas: number, log?: BusLogger): ClusterView {
  const view = clusterView(nc.info);
  const problem = replicasProblem(replicas, view);
  if (problem) throw new ClusterSetupError(problem);
  if (replicas === 1 && view.name !== null && (view.servers ?? 0) >= 3) {
    log?.warn(
      { cluster: view.name, servers: view.servers },
      'NATS is a cluster but streams and buckets get 1 replica: a lost node loses their data (set --replicas 3)',
    );
  }
  return view;
}

export async function setupBus(nc: NatsConnection, s: BusSettings, log?: BusLogger): Promise<BusResources> {
  const view = checkCluster(nc, s.replicas, log);
  const jsm = await jetstreamManager(nc);
  const partitionCount = await ensureAlertsStream(jsm, s, view, log);
  await ensureStream(
    jsm,
    {
      name: EVENTS_STREAM,
      subjects: ['sb.events.>'],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: nanos(s.eventsMaxAgeMs),
      max_bytes: s.eventsMaxBytes,
      duplicate_window: nanos(s.duplicateWindowMs),
      num_replicas: s.replicas,
    },
    view,
  );
  // Alerts that could not be applied (router/bus/deadletter.ts): kept until retried or discarded, so no age
  // limit; bounded in size, the oldest going first should a flood of failures fill it (the metric says so).
  await ensureStream(
    jsm,
    {
      name: DEADLETTER_STREAM,
      subjects: ['sb.deadletter.>'],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_bytes: s.deadLetterMaxBytes,
      num_replicas: s.replicas,
    },
    view,
  );
  // Escalation wake-ups: scheduled messages (nats-server >= 2.12) on sb.timers.schedule.<tenant>.<incident>
  // that the server publishes to sb.timers.due.<tenant>.<incident> when due. A work queue: a due message
  // is gone once a replica has run the incident's escalation and acknowledged it; a pending schedule stays
  // until it fires (router/escalation/timers.ts).
  await ensureStream(
    jsm,
    {
      name: TIMERS_STREAM,
      subjects: ['sb.timers.>'],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      allow_msg_schedules: true,
      num_replicas: s.replicas,
    },
    view,
  );
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
  const incidents = await openBucket(nc, INCIDENTS_BUCKET, {
    history: 1,
    replicas: s.replicas,
    max_bytes: s.incidentsMaxBytes,
    storage: StorageType.File,
    // Reads bypassing the cache (after a conflict, on a miss) must see the latest write: from the stream
    // leader, not a direct get that any replica answers (a follower, or a node catching up after a restart).
    allow_direct: false,
  });
  const config = await openBucket(nc, CONFIG_BUCKET, { history: 10, replicas: s.replicas, storage: StorageType.File });
  // Per-key TTLs (leases expire on the server's clock); deletions leave a marker for a while, so every
  // replica watching sees an expired lease at once.
  const partitions = await openBucket(nc, PARTITIONS_BUCKET, {
    history: 1,
    replicas: s.replicas,
    storage: StorageType.File,
    markerTTL: 60_000,
  });
  return { incidents, config, partitions, partitionCount };
}

/**
 * The alerts stream, partitioned by tenant into `s.partitions`, and a consumer for each partition (made
 * here, by whichever router starts, so no accepted alert waits in a partition nobody consumes). An existing
 * stream with another count is re-partitioned: new alerts go to the new partitions at once, and the
 * replicas drain the old partitions before they take any new one, so each tenant's alerts stay in order
 * (router/pipeline/partitions.ts).
 */
async function ensureAlertsStream(
  jsm: JetStreamManager,
  s: BusSettings,
  view: ClusterView,
  log?: BusLogger,
): Promise<number> {
  const existing = await jsm.streams.info(ALERTS_STREAM).catch((e: Error) => {
    if (/stream not found/i.test(e.message)) return null;
    throw e;
  });
  const before = partitionCountOf(existing?.config.subject_transform);
  const repartitioned = existing !== null && before !== s.partitions;
  if (repartitioned) {
    log?.warn(
      { from: before || 'unpartitioned', to: s.partitions },
      're-partitioning the alerts stream: the old partitions are drained before the new ones are applied',
    );
  }
  await ensureStream(
    jsm,
    {
      name: ALERTS_STREAM,
      subjects: ['sb.alerts.>'],
      subject_transform: alertsPartitionTransform(s.partitions),
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: nanos(s.alertsMaxAgeMs),
      max_bytes: s.alertsMaxBytes,
      duplicate_window: nanos(s.duplicateWindowMs),
      num_replicas: s.replicas,
    },
    view,
  );
  // The consumer of the unpartitioned layout (0.1) takes only that layout's subjects from now on, so it can
  // be drained (its filter matched every subject, the partitioned ones too).
  const legacy = await jsm.consumers.info(ALERTS_STREAM, LEGACY_ALERTS_CONSUMER).catch(() => null);
  if (legacy && legacy.config.filter_subject !== 'sb.alerts.*') {
    await jsm.consumers.update(ALERTS_STREAM, LEGACY_ALERTS_CONSUMER, { filter_subject: 'sb.alerts.*' });
  }
  // Taken up again after a re-partitioning (8 -> 16 -> 8): the layout's older messages were applied back
  // then, its new ones start after what the stream held before the transform changed.
  const startSeq = repartitioned && existing ? existing.state.last_seq + 1 : undefined;
  for (let i = 0; i < s.partitions; i++) await ensurePartitionConsumer(jsm, s.partitions, i, startSeq);
  return s.partitions;
}
