// Scale-out on a real 3-node NATS cluster (routes between the nodes, JetStream clustered, every stream and
// bucket R3) with three router replicas as their own processes, started with --replicas 3. Six tenants hash
// into six of the eight partitions, so the replicas share the work. Three disruptions, each during a stream
// of 10,000 alerts sent by clients that retry every failed request (as Alertmanager does):
//   (a) kill -9 the NATS node that leads the alerts stream, and bring it back;
//   (b) kill -9 one of the three router replicas (the other two take its partitions over);
//   (c) a rolling restart of all three replicas, one after the other (SIGTERM, partitions handed over).
// After each: every accepted alert is in exactly one incident, with one alert.firing event; every incident
// was paged by both steps of its policy exactly once (a webhook receiver counts X-Switchboard-Delivery ids);
// the SLA report (GET /api/v1/reports/sla) has the expected figures, the same on every replica; and a
// seventh tenant's alerts, each fired, resolved and fired again in sequence throughout the disruption, were
// applied in that order (applied out of order, the second firing would be a duplicate of the first and the
// resolve would close the only incident: in order, each alert has a resolved incident and a firing one).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { NatsCluster } from '../harness/nats.ts';
import { alertsBacklog, type IncidentDetail, listIncidents, readEvents } from '../harness/outcome.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, RouterProcess } from '../harness/router.ts';
import { type Attempt, postUntilAccepted } from '../harness/sender.ts';
import { ROOT } from '../harness/tools.ts';
import { type FakeServer, fakeServer } from '../unit/notify/fake-server.ts';

const TENANTS = ['acme', 'globex', 'initech', 'umbrella', 'tyrell', 'cyberdyne'];
/** The tenant of the ordering check. */
const ORDERED = 'hooli';
const TOTAL = 10_000;
const PER_REQUEST = 100;
/** Groups (incidents) per tenant and scenario. */
const GROUPS = 10;
const SENDERS = 4;
const RUN = Date.now().toString(36);
const ENV = {
  SWITCHBOARD_SIGNING_KEY: 'cluster-test-signing-key-0123456789abcdef',
  // A page claimed by a replica killed mid-send is taken over after this (not the default 2 minutes).
  SWITCHBOARD_NOTIFY_LEASE_MS: '6000',
  SWITCHBOARD_NOTIFY_TIMEOUT_MS: '1500',
};

let cluster: NatsCluster;
let routers: RouterProcess[] = [];
let nc: NatsConnection;
let hook: FakeServer;

/** One page as the webhook receiver saw it. */
interface Page {
  delivery: string;
  incident: string;
  tenant: string;
  step: number;
}
const pages: Page[] = [];

before(async () => {
  const t0 = Date.now();
  cluster = await NatsCluster.start(3);
  hook = await fakeServer((r) => {
    const body = JSON.parse(r.body) as {
      incident: { id: string };
      tenant: { name: string };
      escalation: { step: number };
    };
    pages.push({
      delivery: String(r.headers['x-switchboard-delivery']),
      incident: body.incident.id,
      tenant: body.tenant.name,
      step: body.escalation.step,
    });
    return { status: 200, body: { ok: true } };
  });
  const configDir = mkdtempSync(join(tmpdir(), 'sb-cluster-'));
  const text = readFileSync(join(ROOT, 'test/fixtures/cluster/config.yaml'), 'utf8').replaceAll(
    'HOOK_URL',
    `${hook.url}/hook`,
  );
  writeFileSync(join(configDir, 'config.yaml'), text);
  const args = ['--replicas', '3'];
  // The first replica creates the streams and buckets; the others then start side by side.
  routers = [await RouterProcess.start(cluster.url, configDir, args, ENV)];
  await Promise.all([1, 2].map(async () => routers.push(await RouterProcess.start(cluster.url, configDir, args, ENV))));
  nc = await connect({ servers: cluster.url.split(',') });
  console.log(`3 NATS nodes and 3 routers up in ${Date.now() - t0} ms`);
});

after(async () => {
  await nc?.close().catch(() => undefined);
  await Promise.all((routers ?? []).map((r) => r.kill()));
  await hook?.close();
  await cluster?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A router that is up, in turn. */
let turn = 0;
function liveRouter(): RouterProcess {
  const up = routers.filter((r) => r.running);
  return up[turn++ % up.length] as RouterProcess;
}

/** GET as the admin; a failure names the answer and the log of the replica that gave it. */
async function getJson<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const text = await res.text();
  assert.equal(res.status, 200, `${path}: ${res.status} ${text} from ${base}\n${errorsLogged()}`);
  return JSON.parse(text) as T;
}

/** What the replicas logged as errors (for failure messages). */
function errorsLogged(): string {
  return routers
    .map(
      (r) =>
        `${r.url}:\n${r.output
          .split('\n')
          .filter((l) => /"level":50/.test(l) && !l.includes('/readyz'))
          .join('\n')}`,
    )
    .join('\n');
}

async function partitionsOwned(r: RouterProcess): Promise<number> {
  const text = await (await fetch(`${r.url}/metrics`)).text();
  return Number(/^switchboard_partitions_owned (\S+)/m.exec(text)?.[1] ?? Number.NaN);
}

interface Alert {
  fingerprint: string;
  summary: string;
  severity: 'critical';
  labels: Record<string, string>;
}

interface Scenario {
  name: string;
  /** Pause of each sender between requests, so the stream outlasts the disruption. */
  paceMs: number;
  /** Runs once 30% of the requests are accepted, while the others keep coming. */
  disrupt: () => Promise<void>;
  /** A replica killed mid-send may page again with the same delivery id (docs/notifications.md). */
  repeatsAllowed?: boolean;
}

/** The scenario's incidents per tenant (its groups are named after it), with their alerts and timelines. */
async function incidentsOf(s: Scenario, base: string): Promise<Map<string, IncidentDetail[]>> {
  const out = new Map<string, IncidentDetail[]>();
  for (const tenant of TENANTS) {
    const mine = (await listIncidents(base, tenant)).filter((i) =>
      i.groupLabels['alertname']?.startsWith(`${s.name}-`),
    );
    const details: IncidentDetail[] = [];
    for (let i = 0; i < mine.length; i += 8) {
      details.push(
        ...(await Promise.all(
          mine.slice(i, i + 8).map((x) => getJson<IncidentDetail>(base, `/api/v1/incidents/${x.id}`)),
        )),
      );
    }
    out.set(tenant, details);
  }
  return out;
}

async function alertsIn(s: Scenario, base: string): Promise<number> {
  let n = 0;
  for (const tenant of TENANTS) {
    for (const i of await listIncidents(base, tenant)) {
      if (i.groupLabels['alertname']?.startsWith(`${s.name}-`)) n += i.alertCount;
    }
  }
  return n;
}

/** Until every partition consumer is idle and the scenario's incidents hold all its alerts, for a second. */
async function settled(s: Scenario, timeoutMs: number): Promise<void> {
  let stable = { count: -1, since: 0 };
  let last = '';
  await waitFor(
    `${TOTAL} alerts of ${s.name} in incidents`,
    async () => {
      const b = await alertsBacklog(nc);
      const count = await alertsIn(s, liveRouter().url);
      last = `pending ${b.pending}, unacked ${b.unacked}, redelivered ${b.redelivered}, alerts ${count}`;
      const idle = b.pending === 0 && b.unacked === 0 && count >= TOTAL;
      if (!idle || count !== stable.count) stable = { count: idle ? count : -1, since: Date.now() };
      return idle && Date.now() - stable.since > 1_000;
    },
    timeoutMs,
  ).catch((e) => {
    throw new Error(`${(e as Error).message} (${last})\n${routers.map((r) => r.output.slice(-1500)).join('\n')}`);
  });
}

async function post(base: string, path: string, body: unknown): Promise<number> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

interface SlaFigures {
  current: {
    incidents: number;
    bySeverity: Record<string, number>;
    mtta: { count: number };
    mttr: { count: number };
    respondWithinTarget: { met: number; breached: number; pending: number };
    breaches: unknown[];
  };
}

async function run(s: Scenario): Promise<void> {
  const started = Date.now();
  const requests: { tenant: string; body: Alert[] }[] = [];
  for (let r = 0; r < TOTAL / PER_REQUEST; r++) {
    const tenant = TENANTS[r % TENANTS.length] as string;
    requests.push({
      tenant,
      body: Array.from({ length: PER_REQUEST }, (_, i) => {
        const k = r * PER_REQUEST + i;
        return {
          fingerprint: `${RUN}-${s.name}-${k}`,
          summary: `${s.name} alert ${k}`,
          severity: 'critical',
          labels: { alertname: `${s.name}-${k % GROUPS}`, instance: `host-${k}` },
        };
      }),
    });
  }
  const attempts: Attempt[] = [];
  let next = 0;
  let accepted = 0;
  let disruption: Promise<void> | null = null;
  const sender = async () => {
    while (next < requests.length) {
      const { tenant, body } = requests[next++] as (typeof requests)[number];
      await postUntilAccepted(() => liveRouter().url, `${tenant}-token`, body, attempts);
      accepted++;
      if (!disruption && accepted >= requests.length * 0.3) disruption = s.disrupt();
      await sleep(s.paceMs);
    }
  };
  // The ordering check: fire, resolve, fire again, each request only after the previous one was accepted
  // (so in this order in the stream), from the start until the disruption is over.
  let disrupted = 0;
  const origin = started - 3_600_000;
  const at = (ms: number) => new Date(origin + ms).toISOString();
  let ordered = 0;
  const orderedSender = async () => {
    for (; ordered < 20 || (disrupted === 0 && ordered < 200); ordered++) {
      const alert = {
        fingerprint: `${RUN}-${s.name}-ord-${ordered}`,
        summary: `ordered ${ordered}`,
        severity: 'critical',
      };
      const labels = { alertname: `ord-${s.name}-${ordered}` };
      for (const [status, time] of [
        ['firing', { startsAt: at(3_000 * ordered) }],
        ['resolved', { startsAt: at(3_000 * ordered), endsAt: at(3_000 * ordered + 1_000) }],
        ['firing', { startsAt: at(3_000 * ordered + 2_000) }],
      ] as const) {
        await postUntilAccepted(
          () => liveRouter().url,
          `${ORDERED}-token`,
          [{ ...alert, labels, status, ...time } as unknown as Alert],
          attempts,
        );
        await sleep(50);
      }
    }
  };
  const orderedDone = orderedSender();
  await Promise.all(Array.from({ length: SENDERS }, sender));
  const streamed = Date.now();
  await disruption;
  disrupted = Date.now();
  await orderedDone;
  await settled(s, 90_000);
  const processed = Date.now();

  // Every accepted alert in exactly one incident; one incident per group; one alert.firing per alert.
  const base = liveRouter().url;
  const incidents = await incidentsOf(s, base);
  const perFingerprint = new Map<string, number>();
  for (const list of incidents.values()) {
    for (const inc of list) {
      for (const a of inc.alerts) perFingerprint.set(a.fingerprint, (perFingerprint.get(a.fingerprint) ?? 0) + 1);
    }
  }
  assert.deepEqual(
    [...perFingerprint].filter(([, n]) => n !== 1),
    [],
    'no alert is in two incidents',
  );
  const missing = requests.flatMap((r) => r.body).filter((a) => !perFingerprint.has(a.fingerprint));
  assert.deepEqual(
    missing.map((a) => a.fingerprint),
    [],
    'no accepted alert is lost',
  );
  for (const [tenant, list] of incidents) assert.equal(list.length, GROUPS, `${tenant}: one incident per group`);
  const ids = new Set([...incidents.values()].flat().map((i) => i.id));
  for (const tenant of TENANTS) {
    const events = (await readEvents(nc, tenant)).filter((e) => ids.has(e.incidentId));
    const firing = new Map<string, number>();
    const opened = new Map<string, number>();
    for (const e of events) {
      if (e.type === 'alert.firing') firing.set(e.fingerprint ?? '', (firing.get(e.fingerprint ?? '') ?? 0) + 1);
      if (e.type === 'incident.opened') opened.set(e.incidentId, (opened.get(e.incidentId) ?? 0) + 1);
    }
    assert.deepEqual(
      [...firing].filter(([, n]) => n !== 1),
      [],
      `${tenant}: one alert.firing per alert`,
    );
    const sent = requests.filter((r) => r.tenant === tenant).length * PER_REQUEST;
    assert.equal(firing.size, sent, `${tenant}: an alert.firing for each of its ${sent} alerts`);
    assert.deepEqual(
      (incidents.get(tenant) ?? []).filter((i) => opened.get(i.id) !== 1).map((i) => i.id),
      [],
      `${tenant}: one incident.opened per incident`,
    );
  }

  // The ordered tenant: each alert resolved in its first incident and firing in a second one.
  const byAlertname = new Map<string, IncidentDetail[]>();
  for (const i of await listIncidents(base, ORDERED)) {
    const name = i.groupLabels['alertname'] ?? '';
    if (!name.startsWith(`ord-${s.name}-`)) continue;
    byAlertname.set(name, [
      ...(byAlertname.get(name) ?? []),
      await getJson<IncidentDetail>(base, `/api/v1/incidents/${i.id}`),
    ]);
  }
  const outOfOrder: string[] = [];
  for (let j = 0; j < ordered; j++) {
    const list = byAlertname.get(`ord-${s.name}-${j}`) ?? [];
    const shape = list
      .map((i) => `${i.status === 'resolved' ? 'resolved' : 'open'}:${i.alerts.map((a) => a.status).join(',')}`)
      .sort();
    if (JSON.stringify(shape) !== JSON.stringify(['open:firing', 'resolved:resolved'])) {
      outOfOrder.push(`ord-${s.name}-${j}: ${JSON.stringify(shape)}`);
    }
  }
  assert.deepEqual(outOfOrder, [], `the ${ordered} alerts fired, resolved and fired again were applied in order`);

  // Escalation: both steps of every incident paged, each exactly once.
  const mine = () => pages.filter((p) => ids.has(p.incident));
  const distinct = () => new Map(mine().map((p) => [p.delivery, p]));
  await waitFor(`${ids.size * 2} pages of ${s.name}`, async () => distinct().size >= ids.size * 2, 60_000).catch(
    (e) => {
      throw new Error(`${(e as Error).message}: ${distinct().size} distinct deliveries`);
    },
  );
  await sleep(2_000); // late repeats would show up here
  const byIncident = new Map<string, number[]>();
  for (const p of distinct().values()) byIncident.set(p.incident, [...(byIncident.get(p.incident) ?? []), p.step]);
  assert.deepEqual(
    [...ids].filter((id) => JSON.stringify((byIncident.get(id) ?? []).sort()) !== '[1,2]'),
    [],
    'every incident paged by step 1 and step 2, one delivery each',
  );
  const repeats = mine().length - distinct().size;
  if (!s.repeatsAllowed) assert.equal(repeats, 0, 'no page sent twice');

  // People act (on any replica): acknowledge the incidents of three tenants, resolve those of two.
  for (const [n, tenant] of TENANTS.slice(0, 3).entries()) {
    for (const inc of incidents.get(tenant) ?? []) {
      assert.equal(await post(liveRouter().url, `/api/v1/incidents/${inc.id}/acknowledge`, { by: 'oncall' }), 200);
      if (n < 2)
        assert.equal(await post(liveRouter().url, `/api/v1/incidents/${inc.id}/resolve`, { by: 'oncall' }), 200);
    }
  }
  // The SLA report of the scenario's period, as every replica computes it.
  const from = new Date(started - 1_000).toISOString();
  const to = new Date(Date.now() + 1_000).toISOString();
  for (const [n, tenant] of TENANTS.entries()) {
    const reports: SlaFigures[] = [];
    for (const r of routers.filter((x) => x.running)) {
      const res = await fetch(`${r.url}/api/v1/reports/sla?tenant=${tenant}&from=${from}&to=${to}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const text = await res.text();
      assert.equal(res.status, 200, `SLA report of ${tenant} from ${r.url}: ${text}\n${r.output.slice(-2000)}`);
      const { generatedAt: _, ...report } = JSON.parse(text) as SlaFigures & { generatedAt: string };
      reports.push(report);
    }
    for (const r of reports.slice(1)) assert.deepEqual(r, reports[0], `${tenant}: the same report on every replica`);
    const c = (reports[0] as SlaFigures).current;
    const acked = n < 3 ? GROUPS : 0;
    assert.deepEqual(
      {
        incidents: c.incidents,
        critical: c.bySeverity['critical'],
        acknowledged: c.mtta.count,
        resolved: c.mttr.count,
        respond: c.respondWithinTarget,
        breaches: c.breaches.length,
      },
      {
        incidents: GROUPS,
        critical: GROUPS,
        acknowledged: acked,
        resolved: n < 2 ? GROUPS : 0,
        respond: { ...c.respondWithinTarget, met: acked, breached: 0, pending: GROUPS - acked },
        breaches: 0,
      },
      `${tenant}: SLA figures`,
    );
  }
  // Leave nothing open for the next scenario's period.
  for (const tenant of TENANTS.slice(2)) {
    for (const inc of incidents.get(tenant) ?? []) {
      assert.equal(await post(liveRouter().url, `/api/v1/incidents/${inc.id}/resolve`, { by: 'cleanup' }), 200);
    }
  }
  const failures = attempts.filter((a) => a.status !== 202).map((a) => String(a.status));
  const unique = new Set(failures);
  console.log(
    `${s.name}: streamed ${TOTAL} alerts in ${streamed - started} ms (${failures.length} failed attempts: ` +
      `${[...unique].join(', ') || 'none'}); disruption over ${Math.max(0, disrupted - streamed)} ms after the ` +
      `stream; applied ${processed - Math.max(streamed, disrupted)} ms later; ${ids.size} incidents, ` +
      `${distinct().size} pages${repeats ? ` (+${repeats} repeated with the same delivery id)` : ''}; ` +
      `scenario took ${Date.now() - started} ms`,
  );
}

describe('on a 3-node NATS cluster with three router replicas', { timeout: 300_000 }, () => {
  it('creates R3 streams and buckets and spreads the partitions over the replicas', async () => {
    const jsm = await jetstreamManager(nc);
    for await (const si of jsm.streams.list()) {
      assert.equal(si.config.num_replicas, 3, `${si.config.name} has 3 replicas`);
    }
    await waitFor('8 partitions held, 2 or 3 by each replica', async () => {
      const owned = await Promise.all(routers.map(partitionsOwned));
      return owned.reduce((a, b) => a + b, 0) === 8 && owned.every((n) => n >= 2 && n <= 3);
    });
  });

  it('(a) kill -9 the NATS node leading the alerts stream mid-stream, then bring it back', async () => {
    await run({
      name: 'natskill',
      paceMs: 250,
      async disrupt() {
        const jsm = await jetstreamManager(nc);
        const leader = (await jsm.streams.info('SB_ALERTS')).cluster?.leader;
        const node =
          cluster.nodes.find((_, i) => `n${i + 1}` === leader) ?? (cluster.nodes[0] as (typeof cluster.nodes)[0]);
        await node.kill();
        await sleep(3_000);
        await node.startProcess();
      },
    });
  });

  it('(b) kill -9 one of three router replicas mid-stream: the other two take its partitions', async () => {
    const victim = routers[1] as RouterProcess;
    await run({
      name: 'routerkill',
      paceMs: 150,
      repeatsAllowed: true,
      async disrupt() {
        await victim.kill();
      },
    });
    await victim.spawn();
  });

  it('(c) rolling restart of all three replicas mid-stream', async () => {
    await run({
      name: 'rolling',
      paceMs: 600,
      async disrupt() {
        for (const r of routers) {
          await r.stop();
          await r.spawn();
        }
      },
    });
  });
});
