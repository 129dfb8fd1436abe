// Partitions of the alerts stream: which exist, and which replica applies which (pure parts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterView, replicasProblem } from '../../../router/bus/cluster.ts';
import { partitionCountOf, partitionFilter } from '../../../router/bus/subjects.ts';
import { PARTITION_ACK_WAIT_MS, redeliveryWait } from '../../../router/pipeline/consumer.ts';
import { assign, layoutPartitions, partitionsToApply } from '../../../router/pipeline/partitions.ts';

const names = (n: number) => layoutPartitions(n).map((p) => p.consumer);
const counts = (plan: Map<string, string>) => {
  const out = new Map<string, number>();
  for (const m of plan.values()) out.set(m, (out.get(m) ?? 0) + 1);
  return [...out.values()].sort();
};

describe('assign (rendezvous hashing with bounded loads)', () => {
  it('gives every partition to exactly one member, the same on every replica', () => {
    const members = ['router-a-1', 'router-b-2', 'router-c-3'];
    const a = assign(names(16), members);
    const b = assign(names(16), [...members].reverse());
    assert.equal(a.size, 16);
    assert.deepEqual([...a].sort(), [...b].sort(), 'member order does not matter');
    for (const m of a.values()) assert.ok(members.includes(m));
  });

  it('balances: every member takes floor or ceil of partitions / members', () => {
    // One case per shape: fewer partitions than members, even, uneven, one member.
    const cases: [number, string[], number[]][] = [
      [8, ['a', 'b', 'c'], [2, 3, 3]],
      [8, ['a', 'b'], [4, 4]],
      [2, ['a', 'b', 'c'], [1, 1]],
      [8, ['solo'], [8]],
      [16, ['a', 'b', 'c', 'd', 'e'], [3, 3, 3, 3, 4]],
    ];
    for (const [n, members, expected] of cases) {
      assert.deepEqual(counts(assign(names(n), members)), expected, `${n} over ${members.length}`);
    }
  });

  it('moves few partitions when a member leaves or joins', () => {
    const three = assign(names(16), ['a', 'b', 'c']);
    const two = assign(names(16), ['a', 'b']);
    // Everything c had moves; of a's and b's, at most the few the load bound pushes around.
    const moved = [...three].filter(([p, m]) => m !== 'c' && two.get(p) !== m).length;
    assert.ok(moved <= 3, `${moved} partitions of the surviving members moved`);
    const four = assign(names(16), ['a', 'b', 'c', 'd']);
    const changed = [...three].filter(([p, m]) => four.get(p) !== m).length;
    assert.ok(changed <= 6, `${changed} of 16 partitions moved when d joined (4 must)`);
  });

  it('assigns nothing without members', () => {
    assert.equal(assign(names(8), []).size, 0);
  });
});

describe('partitionsToApply', () => {
  it('is the layout of the stream when no earlier layout is left', () => {
    assert.deepEqual(
      partitionsToApply(8, ['alerts-8-0', 'alerts-8-3']).map((p) => p.consumer),
      names(8),
    );
    assert.equal(partitionsToApply(4, [])[2]?.filter, 'sb.alerts.4.2.*');
  });

  it('is only the partitions of earlier layouts (and the pre-partitioning consumer) while any is left', () => {
    const p = partitionsToApply(16, ['alerts-16-0', 'alerts-8-3', 'router', 'alerts-8-1', 'escalation-like']);
    assert.deepEqual(
      p.map((x) => [x.consumer, x.filter, x.drain]),
      [
        ['alerts-8-1', 'sb.alerts.8.1.*', true],
        ['alerts-8-3', 'sb.alerts.8.3.*', true],
        ['router', 'sb.alerts.*', true],
      ],
    );
  });
});

describe('subjects', () => {
  it('reads the partition count back from the stream transform', () => {
    assert.equal(partitionCountOf({ dest: 'sb.alerts.16.{{partition(16,1)}}.{{wildcard(1)}}' }), 16);
    assert.equal(partitionCountOf(undefined), 0);
    assert.equal(partitionFilter(8, 7), 'sb.alerts.8.7.*');
  });
});

describe('replicasProblem (start-up check of the NATS deployment)', () => {
  const single = clusterView({});
  const three = clusterView({ cluster: 'nats', connect_urls: ['a:4222', 'b:4222', 'c:4222'] });
  const two = clusterView({ cluster: 'nats', connect_urls: ['a:4222', 'b:4222'] });
  it('accepts what the deployment can hold', () => {
    assert.equal(replicasProblem(1, single), null);
    assert.equal(replicasProblem(3, three), null);
    // A cluster that advertises no client URLs: cannot be told in advance (JetStream's error is explained).
    assert.equal(replicasProblem(3, clusterView({ cluster: 'nats', connect_urls: [] })), null);
  });
  it('says what to change when it cannot', () => {
    assert.equal(
      replicasProblem(3, single),
      'requested 3 replicas but the NATS server is not clustered (1 JetStream server): set --replicas 1 ' +
        '(chart: nats.streamReplicas) or add JetStream servers to the cluster',
    );
    assert.match(replicasProblem(3, two) ?? '', /NATS cluster "nats" has 2 servers: set --replicas 2/);
    assert.match(replicasProblem(7, three) ?? '', /at most 5/);
  });
});

describe('redeliveryWait (taking over a partition whose holder died)', () => {
  const at = (ms: number) => new Date(Date.parse('2026-11-26T10:00:00Z') + ms).toISOString();
  it('waits out the ack wait of the last delivery, on the server clock', () => {
    // Delivered 1 s before the takeover: 4 s of its 5 s ack wait left (plus a margin).
    assert.equal(redeliveryWait({ delivered: { last_active: at(0) }, ts: at(1_000) }), 4_250);
    // Delivered long ago (the holder died, its lease expired since): already redelivered, no wait.
    assert.equal(redeliveryWait({ delivered: { last_active: at(0) }, ts: at(9_000) }), 0);
    // Nanosecond server times parse too.
    assert.equal(
      redeliveryWait({ delivered: { last_active: '2026-11-26T10:00:00.000000001Z' }, ts: '2026-11-26T10:00:02.5Z' }),
      2_750,
    );
  });
  it('waits the whole ack wait without the server times', () => {
    assert.equal(redeliveryWait({ delivered: {} }), PARTITION_ACK_WAIT_MS + 250);
  });
});
