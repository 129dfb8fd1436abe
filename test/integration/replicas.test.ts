// Two router replicas on one NATS give the same incidents as one router (issue 3, processor point 4).
// The same workload runs against a single router on a fresh NATS and against two replicas sharing a NATS,
// requests spread over both, with the hazards of replication on purpose: the same request sent to both
// replicas at the same moment, every group's alerts split across replicas (a group must get ONE incident),
// duplicates, resolutions and re-firing after resolution. The normalised results must be equal.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { NatsServer } from '../harness/nats.ts';
import { alertsBacklog } from '../harness/outcome.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, RouterProcess, TOKENS } from '../harness/router.ts';

const ALERTS = 2_000;
const GROUPS = 100;
const PER_REQUEST = 50;
const RUN = `replicas-${Date.now().toString(36)}`;

interface Cluster {
  nats: NatsServer;
  routers: RouterProcess[];
  nc: NatsConnection;
}

let single: Cluster;
let replicated: Cluster;

async function cluster(replicas: number): Promise<Cluster> {
  const nats = await NatsServer.start();
  // The first router creates the streams and buckets; the others then start side by side.
  const first = await RouterProcess.start(nats.url);
  const others = await Promise.all(Array.from({ length: replicas - 1 }, () => RouterProcess.start(nats.url)));
  return { nats, routers: [first, ...others], nc: await connect({ servers: nats.url }) };
}

async function shutdown(c: Cluster | undefined): Promise<void> {
  if (!c) return;
  await c.nc.close().catch(() => undefined);
  await Promise.all(c.routers.map((r) => r.kill()));
  await c.nats.close();
}

before(async () => {
  [single, replicated] = await Promise.all([cluster(1), cluster(2)]);
});

after(async () => {
  await Promise.all([shutdown(single), shutdown(replicated)]);
});

// ---- the workload ----

interface Alert {
  fingerprint: string;
  summary: string;
  labels: Record<string, string>;
  status?: 'firing' | 'resolved';
}

/** Alert k belongs to group k mod 100 (alertname × instance): 100 groups of 20 alerts. */
function alert(k: number, status: 'firing' | 'resolved' = 'firing'): Alert {
  return {
    fingerprint: `${RUN}-${k}`,
    summary: `replica test alert ${k}`,
    labels: { alertname: `Rep${k % 20}`, instance: `host-${k % GROUPS}`, k: String(k) },
    status,
  };
}

/** Hot groups: 10 groups of 20 alerts, sent as 20 requests that all start with the same group, at once. */
const HOT_GROUPS = 10;
const HOT_ALERTS = 20;
function hotAlert(g: number, j: number, status: 'firing' | 'resolved' = 'firing'): Alert {
  return {
    fingerprint: `${RUN}-hot-${g}-${j}`,
    summary: `hot group ${g} alert ${j}`,
    labels: { alertname: 'Hot', instance: `hot-${g}`, j: String(j) },
    status,
  };
}
/** Request j holds alert j of every hot group, in the same group order: every handler races for group 0 first. */
function hotBurst(status: 'firing' | 'resolved' = 'firing'): Send[] {
  return Array.from({ length: HOT_ALERTS }, (_, j) => ({
    body: Array.from({ length: HOT_GROUPS }, (_, g) => hotAlert(g, j, status)),
    everywhere: false,
  }));
}

/** Resolved in phase 3: half of every group, and all of every tenth group (those incidents resolve). */
const resolves = (k: number) => Math.floor(k / GROUPS) % 2 === 0 || (k % GROUPS) % 10 === 0;
/** Fired again in phase 4, after their incident resolved: 3 alerts in each of 5 groups (new incidents). */
const refires = (k: number) => (k % GROUPS) % 20 === 0 && Math.floor(k / GROUPS) < 3;

/** A deterministic shuffle, so that every request holds alerts of many groups. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  const rand = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * One request: to one replica (round-robin), or the same body to every replica at the same moment
 * (`everywhere`), which makes the replicas process the same alerts concurrently.
 */
interface Send {
  body: Alert[];
  everywhere: boolean;
}

interface Phase {
  name: string;
  sends: Send[];
  /** Requests in flight at once. */
  concurrency: number;
  /** Totals over all incidents once the phase is processed. */
  expect: { incidents: number; alerts: number; firing: number };
}

function phases(): Phase[] {
  const all = Array.from({ length: ALERTS }, (_, k) => k);
  const hot = HOT_GROUPS * HOT_ALERTS;
  const firing = chunks(shuffled(all, 1), PER_REQUEST).map((ks, i) => ({
    body: ks.map((k) => alert(k)),
    everywhere: i % 4 === 0,
  }));
  const duplicates = chunks(
    shuffled(
      all.filter((k) => k % 5 === 0),
      2,
    ),
    PER_REQUEST,
  ).map((ks) => ({ body: ks.map((k) => alert(k)), everywhere: true }));
  const resolved = all.filter(resolves);
  const stillFiring = all.filter((k) => !resolves(k));
  const resolving = chunks(shuffled(resolved, 3), PER_REQUEST).map((ks, i) => ({
    body: ks.map((k) => alert(k, 'resolved')),
    everywhere: i % 3 === 0,
  }));
  const repeats = chunks(
    shuffled(
      stillFiring.filter((k) => k % 3 === 0),
      4,
    ),
    PER_REQUEST,
  ).map((ks) => ({ body: ks.map((k) => alert(k)), everywhere: true }));
  const again = all.filter(refires);
  const refiring = chunks(shuffled(again, 5), 5).map((ks) => ({ body: ks.map((k) => alert(k)), everywhere: true }));
  const burst = hotBurst();
  return [
    {
      name: 'hot groups opened by a burst',
      sends: burst,
      concurrency: burst.length,
      expect: { incidents: HOT_GROUPS, alerts: hot, firing: hot },
    },
    {
      name: 'firing with duplicates',
      sends: shuffled([...firing, ...duplicates], 6),
      concurrency: 4,
      expect: { incidents: HOT_GROUPS + GROUPS, alerts: hot + ALERTS, firing: hot + ALERTS },
    },
    {
      name: 'resolving, with repeats of the alerts still firing',
      sends: shuffled([...resolving, ...repeats, ...hotBurst('resolved')], 7),
      concurrency: 4,
      expect: { incidents: HOT_GROUPS + GROUPS, alerts: hot + ALERTS, firing: ALERTS - resolved.length },
    },
    {
      name: 'firing again after resolution (new incidents), hot groups in a burst',
      sends: [...refiring, ...burst],
      concurrency: refiring.length + burst.length,
      expect: {
        incidents: 2 * HOT_GROUPS + GROUPS + 5,
        alerts: 2 * hot + ALERTS + again.length,
        firing: hot + ALERTS - resolved.length + again.length,
      },
    },
  ];
}

// ---- talking to a cluster ----

async function post(url: string, body: Alert[]): Promise<void> {
  for (let n = 0; ; n++) {
    const res = await fetch(`${url}/api/v1/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.acme}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).catch((e: Error) => e);
    if (!(res instanceof Error)) {
      await res.arrayBuffer();
      if (res.status === 202) return;
      if (res.status < 500 || n > 20) throw new Error(`POST ${url}: ${res.status}`);
    } else if (n > 20) throw res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sends a phase's requests, `concurrency` at a time, one-replica requests round-robin over the replicas. */
async function send(c: Cluster, p: Phase): Promise<void> {
  let next = 0;
  let turn = 0;
  const worker = async () => {
    while (next < p.sends.length) {
      const s = p.sends[next++]!;
      const targets = s.everywhere ? c.routers : [c.routers[turn++ % c.routers.length]!];
      await Promise.all(targets.map((r) => post(r.url, s.body)));
    }
  };
  await Promise.all(Array.from({ length: p.concurrency }, worker));
}

/** What the incident API answers, as far as these tests read it. */
interface IncidentSummary {
  id: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  status: string;
  alertCount: number;
  firingCount: number;
}
interface IncidentEvent {
  type: string;
  incidentId: string;
  fingerprint?: string;
}
interface IncidentDetail extends IncidentSummary {
  alerts: { fingerprint: string; status: string }[];
  timeline: IncidentEvent[];
}

async function getJson<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as T;
}

async function listIncidents(base: string): Promise<IncidentSummary[]> {
  const out: IncidentSummary[] = [];
  let cursor = '';
  for (;;) {
    const page = await getJson<{ incidents: IncidentSummary[]; nextCursor?: string }>(
      base,
      `/api/v1/incidents?tenant=acme&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
    );
    out.push(...page.incidents);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}

/**
 * Until the shared consumer is idle and every replica's API shows the expected number of alerts (and of
 * firing ones) for a second; then the number of incidents must be the expected one too.
 */
async function settled(c: Cluster, p: Phase): Promise<void> {
  let since = 0;
  let seen: Phase['expect'][] = [];
  let last = '';
  await waitFor(
    `${JSON.stringify(p.expect)}`,
    async () => {
      const ci = await alertsBacklog(c.nc);
      seen = [];
      for (const r of c.routers) {
        const list = await listIncidents(r.url);
        seen.push({
          incidents: list.length,
          alerts: list.reduce((n, i) => n + i.alertCount, 0),
          firing: list.reduce((n, i) => n + i.firingCount, 0),
        });
      }
      last = `pending ${ci.pending}, unacked ${ci.unacked}, seen ${JSON.stringify(seen)}`;
      const done =
        ci.pending === 0 &&
        ci.unacked === 0 &&
        seen.every((s) => s.alerts === p.expect.alerts && s.firing === p.expect.firing);
      if (!done) since = 0;
      else if (!since) since = Date.now();
      return since > 0 && Date.now() - since > 1_000;
    },
    30_000,
  ).catch((e) => {
    throw new Error(`${(e as Error).message} (${last})`);
  });
  for (const [n, s] of seen.entries()) {
    assert.equal(
      s.incidents,
      p.expect.incidents,
      `${c.routers.length} router(s), ${p.name}: replica ${n} shows ${s.incidents} incidents, expected ` +
        `${p.expect.incidents} (a group with two incidents?)`,
    );
  }
}

/** The incidents without ids and times: group, status, and each alert's fingerprint and status. */
async function normalised(base: string): Promise<string[]> {
  const list = await listIncidents(base);
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 8) {
    const details = await Promise.all(
      list.slice(i, i + 8).map((s) => getJson<IncidentDetail>(base, `/api/v1/incidents/${s.id}`)),
    );
    for (const inc of details) {
      const alerts = inc.alerts.map((a) => `${a.fingerprint.slice(RUN.length + 1)}:${a.status}`).sort();
      out.push(JSON.stringify({ group: inc.groupLabels, status: inc.status, alertCount: inc.alertCount, alerts }));
    }
  }
  return out.sort();
}

/** Counts of events by type, and of alert.firing / alert.resolved per fingerprint and incident. */
async function eventSummary(c: Cluster): Promise<{ byType: Record<string, number>; repeated: string[] }> {
  const c2 = await jetstream(c.nc).consumers.get('SB_EVENTS', { filter_subjects: ['sb.events.acme.>'] });
  const it = await c2.consume({ max_messages: 1000 });
  const byType: Record<string, number> = {};
  const perKey = new Map<string, number>();
  for await (const m of it) {
    const e = m.json<IncidentEvent>();
    byType[e.type] = (byType[e.type] ?? 0) + 1;
    const key = `${e.type} ${e.incidentId} ${e.fingerprint ?? ''}`;
    perKey.set(key, (perKey.get(key) ?? 0) + 1);
    if (m.info.pending === 0) break;
  }
  await it.close();
  return { byType, repeated: [...perKey].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`) };
}

async function run(c: Cluster): Promise<{ incidents: string[]; events: Awaited<ReturnType<typeof eventSummary>> }> {
  for (const p of phases()) {
    const t = Date.now();
    await send(c, p);
    await settled(c, p);
    console.log(
      `${c.routers.length} router(s): ${p.name}: ${p.sends.length} requests, settled in ${Date.now() - t} ms`,
    );
  }
  const incidents = await normalised(c.routers[0]!.url);
  for (const r of c.routers.slice(1)) {
    assert.deepEqual(await normalised(r.url), incidents, 'every replica shows the same incidents');
  }
  return { incidents, events: await eventSummary(c) };
}

test('two replicas on one NATS give the same incidents as one router', { timeout: 120_000 }, async () => {
  const one = await run(single);
  const two = await run(replicated);

  // The single router's result is the expected one.
  assert.equal(one.incidents.length, 2 * HOT_GROUPS + GROUPS + 5);
  const statuses = one.incidents.map((s) => JSON.parse(s).status);
  assert.equal(statuses.filter((s) => s === 'resolved').length, HOT_GROUPS + 10);
  assert.deepEqual(one.events.repeated, [], 'one router: no event appended twice');

  // Two replicas: the same incidents, the same audit trail.
  assert.equal(two.incidents.length, one.incidents.length, 'as many incidents');
  assert.deepEqual(two.incidents, one.incidents, 'the same incidents (groups, statuses, alerts)');
  assert.deepEqual(two.events.repeated, [], 'two replicas: no event appended twice');
  assert.deepEqual(two.events.byType, one.events.byType, 'the same number of events of each type');
  console.log(`events: ${JSON.stringify(one.events.byType)}`);
});
