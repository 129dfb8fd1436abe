// Every KV bucket Switchboard uses is opened here: created with the replica count asked for, and brought
// to it when it exists with another (Kvm.create binds an existing bucket as it is, so a deployment moved
// from one server to a cluster would otherwise keep R1 buckets).
import { jetstreamManager } from '@nats-io/jetstream';
import { type KV, Kvm, type KvOptions } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { clusterView, explainPlacementError } from './cluster.ts';

export async function openBucket(
  nc: NatsConnection,
  name: string,
  opts: Partial<KvOptions> & { replicas: number },
): Promise<KV> {
  const view = clusterView(nc.info);
  let kv: KV;
  try {
    kv = await new Kvm(nc).create(name, opts);
  } catch (e) {
    throw explainPlacementError(e, `the KV bucket ${name}`, opts.replicas, view);
  }
  const info = (await kv.status()).streamInfo;
  if (info.config.num_replicas !== opts.replicas) {
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.update(info.config.name, { ...info.config, num_replicas: opts.replicas });
    } catch (e) {
      throw explainPlacementError(e, `the KV bucket ${name}`, opts.replicas, view);
    }
  }
  return kv;
}
