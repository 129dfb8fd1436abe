// Start-up check of the NATS deployment against the replica count asked for: a single server cannot hold
// R3 streams, a 2-node cluster cannot hold R3 either. Said plainly, with what to change, instead of
// JetStream's "no suitable peers for placement" on the first stream.
import type { ServerInfo } from '@nats-io/nats-core';

/** The most replicas JetStream allows a stream. */
export const MAX_REPLICAS = 5;

export interface ClusterView {
  /** The cluster's name, or null for a server that is not clustered. */
  name: string | null;
  /** Servers the connected server advertises (itself included); null when it advertises none. */
  servers: number | null;
}

/** What the server we are connected to says about its cluster (the INFO it sent). */
export function clusterView(info: Pick<ServerInfo, 'cluster' | 'connect_urls'> | undefined): ClusterView {
  if (!info?.cluster) return { name: null, servers: 1 };
  const urls = info.connect_urls?.length ?? 0;
  return { name: info.cluster, servers: urls > 0 ? urls : null };
}

const fix = (servers: number) =>
  `set --replicas ${Math.min(servers, MAX_REPLICAS)} (chart: nats.streamReplicas) or add JetStream servers to the cluster`;

/** Why `replicas` cannot be met on this deployment, or null when it can (or cannot be told in advance). */
export function replicasProblem(replicas: number, c: ClusterView): string | null {
  if (replicas > MAX_REPLICAS) {
    return `requested ${replicas} replicas, but JetStream keeps at most ${MAX_REPLICAS} copies of a stream: set --replicas 3 (or 5)`;
  }
  if (replicas <= 1) return null;
  if (c.name === null) {
    return `requested ${replicas} replicas but the NATS server is not clustered (1 JetStream server): ${fix(1)}`;
  }
  if (c.servers !== null && c.servers < replicas) {
    const n = c.servers === 1 ? '1 JetStream server' : `${c.servers} servers`;
    return `requested ${replicas} replicas but the NATS cluster "${c.name}" has ${n}: ${fix(c.servers)}`;
  }
  return null;
}

/** A start-up failure of the NATS deployment: the message says what to change. */
export class ClusterSetupError extends Error {
  override readonly name = 'ClusterSetupError';
}

/**
 * Turns JetStream's placement errors (a stream created or scaled beyond the servers available now) into
 * one that names the cause; other errors pass unchanged.
 */
export function explainPlacementError(e: unknown, what: string, replicas: number, c: ClusterView): unknown {
  const msg = (e as Error)?.message ?? '';
  if (!/no suitable peers|insufficient resources|not supported in non-clustered mode/i.test(msg)) return e;
  const have = c.name === null ? 'the NATS server is not clustered' : `the NATS cluster "${c.name}"`;
  const up = c.servers === null ? '' : ` advertises ${c.servers} server(s)`;
  return new ClusterSetupError(
    `cannot place ${what} with ${replicas} replicas: ${have}${up}, and JetStream answered "${msg}". ` +
      `Every replica needs its own JetStream server that is up now (and with storage left): start the missing ` +
      `servers, or ${fix(c.servers ?? 1)}`,
    { cause: e },
  );
}
