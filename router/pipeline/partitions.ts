// Partitions of the alerts stream and who applies which: pure functions (the KV side is leases.ts).
//
// The alerts stream stores a tenant's alerts under sb.alerts.<count>.<partition>.<tenant>, the partition
// being a hash of the tenant computed by the stream's subject transform (router/bus/subjects.ts). Each
// partition has its own durable consumer, applied by one replica at a time in stream order, so a tenant's
// alerts are applied in the order they were accepted and one incident is only ever changed by one replica.
//
// Partitions of an earlier layout (another count, or the single consumer before partitioning) still holding
// alerts are drained first: while any exists, only those are assigned; the current layout's partitions are
// taken once they are gone, so no tenant's newer alerts overtake its older ones.
import { createHash } from 'node:crypto';
import type { JetStreamManager } from '@nats-io/jetstream';
import {
  ALERTS_STREAM,
  LEGACY_ALERTS_CONSUMER,
  partitionConsumer,
  partitionCountOf,
  partitionFilter,
} from '../bus/subjects.ts';

export interface Partition {
  /** The durable consumer: also the partition's name (its lease is `lease.<consumer>`). */
  consumer: string;
  /** Subjects it takes. */
  filter: string;
  /** Of an earlier layout: consumed until empty, then its consumer is deleted. */
  drain: boolean;
  /** Its layout's partition count and its index there (0 and 0: the consumer before partitioning). */
  count: number;
  index: number;
}

export function layoutPartitions(count: number): Partition[] {
  return Array.from({ length: count }, (_, i) => ({
    consumer: partitionConsumer(count, i),
    filter: partitionFilter(count, i),
    drain: false,
    count,
    index: i,
  }));
}

/** Consumer names of a partitioned layout: alerts-<count>-<index>. */
const PARTITION_NAME = /^alerts-(\d+)-(\d+)$/;

/**
 * The partitions to apply now, given the stream's partition count and the names of the durable consumers
 * that exist on it: the earlier layouts' partitions while any is left, otherwise the current ones.
 */
export function partitionsToApply(count: number, consumers: string[]): Partition[] {
  const drain: Partition[] = [];
  for (const name of consumers) {
    if (name === LEGACY_ALERTS_CONSUMER) {
      drain.push({ consumer: name, filter: 'sb.alerts.*', drain: true, count: 0, index: 0 });
      continue;
    }
    const m = PARTITION_NAME.exec(name);
    if (m && Number(m[1]) !== count) {
      const [c, i] = [Number(m[1]), Number(m[2])];
      drain.push({ consumer: name, filter: partitionFilter(c, i), drain: true, count: c, index: i });
    }
  }
  return drain.length > 0 ? drain.sort((a, b) => a.consumer.localeCompare(b.consumer)) : layoutPartitions(count);
}

/** Reads the stream's partition count and its consumers: the partitions to apply now. */
export async function discoverPartitions(jsm: JetStreamManager): Promise<{ count: number; partitions: Partition[] }> {
  const info = await jsm.streams.info(ALERTS_STREAM);
  const count = partitionCountOf(info.config.subject_transform);
  const names: string[] = [];
  for await (const c of jsm.consumers.list(ALERTS_STREAM)) if (c.config.durable_name) names.push(c.name);
  return { count, partitions: partitionsToApply(count, names) };
}

function score(member: string, partition: string): bigint {
  return createHash('sha256').update(member).update('\0').update(partition).digest().readBigUInt64BE(0);
}

/**
 * Which member applies which partition: rendezvous hashing (each partition goes to the member that scores
 * highest for it, so a member joining or leaving moves few partitions) with bounded loads (every member
 * takes floor or ceil of partitions / members, so 8 partitions over 3 replicas are 3/3/2, not whatever the
 * hash gives). Every replica computes the same answer from the same member set; leases settle the moments
 * when their views differ.
 */
export function assign(partitions: string[], members: string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (members.length === 0) return out;
  const floor = Math.floor(partitions.length / members.length);
  const load = new Map(members.map((m) => [m, 0]));
  const ranked = (p: string) =>
    [...members].sort((a, b) => {
      const d = score(b, p) - score(a, p);
      return d > 0n ? 1 : d < 0n ? -1 : a.localeCompare(b);
    });
  const place = (p: string, m: string) => {
    load.set(m, (load.get(m) ?? 0) + 1);
    out.set(p, m);
  };
  // Up to the floor by preference; a partition whose every member is full waits for the second pass. Once
  // one waits, every member is at the floor, so the second pass gives each at most one more.
  const waiting: string[] = [];
  for (const p of [...partitions].sort()) {
    const m = ranked(p).find((x) => (load.get(x) ?? 0) < floor);
    if (m) place(p, m);
    else waiting.push(p);
  }
  for (const p of waiting) place(p, ranked(p).find((x) => (load.get(x) ?? 0) <= floor) as string);
  return out;
}
