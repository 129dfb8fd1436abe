// Partitions of the alerts stream on one NATS server (the cluster suite covers node and replica loss):
//   - a replica count the server cannot hold is refused at start-up, with what to change;
//   - two replicas split the eight partitions; one stopping hands its partitions to the other at once;
//   - re-partitioning (4 -> 8) with a backlog in the old partitions: the backlog is applied before anything
//     of the new partitions, so a tenant's alerts stay in order across the change;
//   - a stream from before partitioning (0.1: one consumer `router` on unpartitioned subjects) is drained
//     first, then its consumer deleted.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { type RouterOptions, type RunningRouter, startRouter } from '../../router/main.ts';
import { encodeBatch } from '../../router/pipeline/batch.ts';
import { NatsServer } from '../harness/nats.ts';
import { alertsBacklog, listIncidents } from '../harness/outcome.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, copyConfig, SHARED_TOKEN, TOKENS } from '../harness/router.ts';

const RUN = Date.now().toString(36);
const cleanup: (() => Promise<unknown>)[] = [];

after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

async function nats(): Promise<{ server: NatsServer; nc: NatsConnection }> {
  const server = await NatsServer.start();
  const nc = await connect({ servers: server.url });
  cleanup.push(
    () => server.close(),
    () => nc.close(),
  );
  return { server, nc };
}

async function router(url: string, o: Partial<RouterOptions> = {}): Promise<RunningRouter> {
  const r = await startRouter({
    configDir: copyConfig(),
    natsUrl: url,
    listen: { host: '127.0.0.1', port: 0 },
    env: { SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN, SWITCHBOARD_SHARED_INGEST_TOKEN: SHARED_TOKEN },
    log: pino({ level: process.env['SWITCHBOARD_TEST_LOG'] ?? 'silent' }),
    ...o,
  });
  cleanup.push(() => r.stop());
  return r;
}

const owned = async (r: RunningRouter) => (await r.ctx.metrics.partitionsOwned.get()).values[0]?.value ?? 0;

/** An alert of acme (partition 7 of 8, 3 of 4) or globex (6 of 8, 2 of 4), firing or resolved at `t`. */
function alert(tenant: 'acme' | 'globex', k: number, status: 'firing' | 'resolved', t: number) {
  const at = new Date(Date.parse('2026-11-26T10:00:00Z') + t).toISOString();
  return {
    fingerprint: `${RUN}-${tenant}-${k}`,
    summary: `partition test ${k}`,
    severity: 'critical',
    status,
    startsAt: at,
    ...(status === 'resolved' ? { endsAt: at } : {}),
    labels: { alertname: `P${k}`, instance: 'h', ...(tenant === 'globex' ? { customer: 'globex' } : {}) },
  };
}

async function post(r: RunningRouter, tenant: 'acme' | 'globex', body: unknown[]): Promise<void> {
  const res = await fetch(`${r.url}/api/v1/alerts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS[tenant]}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 202, await res.text());
}

/** Until every consumer is idle and the tenant shows `n` alerts, `firing` of them firing. */
async function applied(nc: NatsConnection, r: RunningRouter, tenant: string, n: number, firing: number) {
  let last = '';
  await waitFor(
    `${n} alerts of ${tenant}, ${firing} firing`,
    async () => {
      const b = await alertsBacklog(nc);
      const list = await listIncidents(r.url, tenant);
      const alerts = list.reduce((s, i) => s + i.alertCount, 0);
      const f = list.reduce((s, i) => s + i.firingCount, 0);
      last = JSON.stringify({ ...b, alerts, firing: f });
      return b.pending === 0 && b.unacked === 0 && alerts === n && f === firing;
    },
    30_000,
  ).catch((e) => {
    throw new Error(`${(e as Error).message}: ${last}`);
  });
}

async function consumers(nc: NatsConnection): Promise<string[]> {
  const out: string[] = [];
  for await (const c of (await jetstreamManager(nc)).consumers.list('SB_ALERTS')) out.push(c.name);
  return out.sort();
}

describe('partitions of the alerts stream', { timeout: 120_000 }, () => {
  it('a router asked for more replicas than the NATS deployment has refuses to start, saying what to change', async () => {
    const { server, nc } = await nats();
    await assert.rejects(
      router(server.url, { bus: { replicas: 3 } }),
      /requested 3 replicas but the NATS server is not clustered \(1 JetStream server\): set --replicas 1/,
    );
    // Nothing was created.
    const names: string[] = [];
    for await (const si of (await jetstreamManager(nc)).streams.list()) names.push(si.config.name);
    assert.deepEqual(names, []);
  });

  it('two replicas split the partitions; one stopping hands its partitions over at once', async () => {
    const { server, nc } = await nats();
    const a = await router(server.url);
    const b = await router(server.url);
    await waitFor('4 partitions each', async () => (await owned(a)) === 4 && (await owned(b)) === 4);
    const tenantOf = (k: number) => (k % 2 ? 'acme' : 'globex');
    for (let k = 0; k < 20; k++) await post(k % 4 < 2 ? a : b, tenantOf(k), [alert(tenantOf(k), k, 'firing', k)]);
    await applied(nc, a, 'acme', 10, 10);
    await applied(nc, b, 'globex', 10, 10);
    const t0 = Date.now();
    await b.stop();
    await waitFor('all 8 partitions on the replica left', async () => (await owned(a)) === 8);
    const handover = Date.now() - t0;
    console.log(`a stopping replica's partitions were taken over ${handover} ms after it began stopping`);
    assert.ok(handover < 5_000, `handed over in ${handover} ms (a dead replica's would take the lease TTL)`);
    for (let k = 0; k < 20; k++) await post(a, tenantOf(k), [alert(tenantOf(k), k, 'resolved', 100 + k)]);
    await applied(nc, a, 'acme', 10, 0);
    await applied(nc, a, 'globex', 10, 0);
  });

  it('re-partitioning applies the old partitions first, so a tenant stays in order', async () => {
    const { server, nc } = await nats();
    // An ingest-only replica on 4 partitions takes alerts while nothing applies them: a backlog in layout 4.
    const api = await router(server.url, { role: 'api', bus: { partitions: 4 } });
    assert.deepEqual(await consumers(nc), ['alerts-4-0', 'alerts-4-1', 'alerts-4-2', 'alerts-4-3']);
    for (let k = 0; k < 30; k++) await post(api, 'acme', [alert('acme', k, 'firing', k)]);
    // A processing replica on 8: the stream is re-partitioned; what comes now lands in layout 8 ...
    const r = await router(server.url, { bus: { partitions: 8 } });
    // ... and resolves what the backlog fires: applied before the backlog, the resolves would find nothing
    // firing, and the alerts would end up firing.
    for (let k = 0; k < 30; k++) await post(r, 'acme', [alert('acme', k, 'resolved', 1_000 + k)]);
    await applied(nc, r, 'acme', 30, 0);
    const list = await listIncidents(r.url, 'acme');
    assert.equal(list.length, 30);
    assert.ok(
      list.every((i) => i.status === 'resolved'),
      'every incident resolved by its alert',
    );
    await waitFor('only the layout of 8 left', async () =>
      (await consumers(nc)).every((c) => c.startsWith('alerts-8-')),
    );
  });

  it('a stream from before partitioning is drained first, then its consumer deleted', async () => {
    const { server, nc } = await nats();
    // What 0.1 made: no subject transform, one durable consumer for every replica, alerts on sb.alerts.<tenant>.
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'SB_ALERTS', subjects: ['sb.alerts.>'] });
    await jsm.consumers.add('SB_ALERTS', { durable_name: 'router', ack_policy: 'explicit' as never });
    const js = jetstream(nc);
    for (let k = 0; k < 10; k++) {
      const drafts = [alert('acme', k, 'firing', k)].map(
        ({ fingerprint, summary, severity, status, startsAt, labels }) => ({
          fingerprint,
          summary,
          severity,
          status,
          startsAt,
          labels,
          annotations: {},
          source: 'generic',
        }),
      );
      await js.publish(
        'sb.alerts.acme',
        encodeBatch('acme', new Date().toISOString(), Buffer.from(JSON.stringify(drafts))),
      );
    }
    const r = await router(server.url);
    for (let k = 0; k < 10; k++) await post(r, 'acme', [alert('acme', k, 'resolved', 1_000 + k)]);
    await applied(nc, r, 'acme', 10, 0);
    assert.equal((await listIncidents(r.url, 'acme')).length, 10);
    await waitFor('the consumer before partitioning deleted', async () => !(await consumers(nc)).includes('router'));
  });
});
