// The operator against a real kube-apiserver and a real nats-server (test/harness/kube.ts, nats.ts):
// examples/msp applied with kubectl compiles into the KV snapshot a router loads; a broken reference
// marks exactly that resource Ready=False (field named, Warning Event) and keeps the last good
// snapshot; the fix brings a new revision; the API server rejects invalid manifests itself; one of two
// replicas leads and the other takes over after it crashes; informers survive a restarted API server
// and a 410 Gone; 500 resources reconcile into one snapshot (the time is printed).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { type KV, Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type RunningOperator, startOperator } from '../../operator/main.ts';
import { CONFIG_BUCKET } from '../../router/bus/subjects.ts';
import { compile } from '../../router/config/compile/index.ts';
import { ConfigHolder } from '../../router/config/holder.ts';
import { loadManifests } from '../../router/config/manifest.ts';
import { type ConfigSnapshot, decodeSnapshot, SNAPSHOT_KEY } from '../../router/config/snapshot.ts';
import { NatsConfigSource } from '../../router/config/source-nats.ts';
import { createLogger } from '../../router/log.ts';
import { KubeApiServer } from '../harness/kube.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, RouterProcess } from '../harness/router.ts';

const log = createLogger('operator-test', process.env['SWITCHBOARD_LOG_LEVEL'] ?? 'error');

let kube: KubeApiServer;
let nats: NatsServer;
let nc: NatsConnection;
let kv: KV;
let startError: Error | undefined;
const operators: RunningOperator[] = [];
const holder = new ConfigHolder();
let source: NatsConfigSource | undefined;

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kube.kubeconfigPath);
  return kc;
}

async function operator(name: string): Promise<RunningOperator> {
  const op = await startOperator({
    kubeConfig: kubeConfig(),
    natsUrl: nats.url,
    listen: { host: '127.0.0.1', port: 0 },
    identity: name,
    log: log.child({ replica: name }),
  });
  operators.push(op);
  return op;
}

before(async () => {
  try {
    [kube, nats] = await Promise.all([KubeApiServer.start(), NatsServer.start()]);
    await kube.applyCrds();
    nc = await connect({ servers: nats.url });
  } catch (e) {
    startError = e as Error;
  }
});
beforeEach(() => {
  if (startError) throw startError;
});
after(async () => {
  source?.stop();
  for (const op of operators) await op.stop({ release: false }).catch(() => {});
  await nc?.close();
  await nats?.close();
  await kube?.stop();
});

interface Status {
  observedGeneration?: number;
  configRevision?: string;
  conditions?: { type: string; status: string; reason: string; message: string; observedGeneration?: number }[];
}
interface Obj {
  kind: string;
  metadata: { name: string; namespace: string; generation: number };
  status?: Status;
}

async function getAll(ns: string): Promise<Obj[]> {
  const kinds = 'tenants,servicelevels,oncallschedules,escalationpolicies,responders,channels,maintenancewindows';
  return (JSON.parse(await kube.kubectl('get', kinds, '-n', ns, '-o', 'json')) as { items: Obj[] }).items;
}

async function get(kind: string, ns: string, name: string): Promise<Obj> {
  return JSON.parse(await kube.kubectl('get', kind, name, '-n', ns, '-o', 'json')) as Obj;
}

const ready = (o: Obj) => o.status?.conditions?.find((c) => c.type === 'Ready');

async function snapshot(): Promise<ConfigSnapshot | null> {
  const e = await kv.get(SNAPSHOT_KEY);
  return e && e.operation === 'PUT' ? decodeSnapshot(e.value) : null;
}

/** Waits until every resource in NS is Ready=True (reason Compiled: in force) for its current generation. */
async function allReady(ns: string, timeoutMs = 30_000): Promise<Obj[]> {
  return waitFor(
    `every resource in ${ns} Ready=True, Compiled`,
    async () => {
      const items = await getAll(ns);
      const pending = items.filter(
        (o) =>
          ready(o)?.status !== 'True' ||
          ready(o)?.reason !== 'Compiled' ||
          o.status?.observedGeneration !== o.metadata.generation,
      );
      return items.length > 0 && pending.length === 0 ? items : false;
    },
    timeoutMs,
  );
}

describe('operator on a real kube-apiserver', () => {
  it('reconciles examples/msp: every resource Ready=True, the snapshot is the compiled folder, a router loads it', async () => {
    await kube.kubectl('create', 'namespace', 'msp');
    await kube.kubectl('apply', '-f', 'examples/msp');
    kv = await new Kvm(nc).create(CONFIG_BUCKET, { history: 10 });
    const a = await operator('replica-a');
    await waitFor('replica-a leads', async () => a.isLeader(), 10_000);
    const items = await allReady('msp');
    const want = compile(loadManifests(['examples/msp']).resources);
    assert.ok(want.ok);
    const snap = await waitFor('snapshot', async () => (await snapshot()) ?? undefined, 10_000);
    assert.equal(snap.hash, want.config.hash, 'the snapshot is not the compiled folder');
    assert.deepEqual(snap.config, want.config);
    assert.equal(snap.revision, 1);
    for (const o of items) {
      const c = ready(o);
      assert.equal(c?.reason, 'Compiled', `${o.kind} ${o.metadata.name}: ${c?.message}`);
      assert.equal(c?.observedGeneration, o.metadata.generation);
      if (o.kind === 'Tenant') assert.equal(o.status?.configRevision, '1', o.metadata.name);
    }
    // The printer columns show it.
    assert.match(await kube.kubectl('get', 'tn', '-n', 'msp'), /acme\s+.*True/);

    // A router replica's holder, fed from the KV bucket.
    source = new NatsConfigSource(kv, holder, Date.now, log);
    await source.start(5_000);
    assert.equal(holder.get()?.revision, 1);
    assert.equal(holder.get()?.config.hash, want.config.hash);
    assert.equal(holder.tenant('acme')?.serviceLevel, want.config.tenants['acme']?.serviceLevel);

    // A real router started from NATS (`switchboard router --config-from-nats`) routes an alert by it.
    const router = await RouterProcess.start(nats.url, '');
    try {
      const sent = await api(router.url, 'acme-ingest-token-change-me').post('/api/v1/alerts', {
        summary: 'Disk full on db01',
        severity: 'critical',
        labels: { alertname: 'DiskFull', instance: 'db01' },
      });
      assert.equal(sent.status, 202);
      const incident = await waitFor(
        'incident routed from the snapshot',
        async () => {
          const l = await api(router.url, ADMIN_TOKEN).get('/api/v1/incidents?tenant=acme');
          return l.body.incidents?.[0];
        },
        15_000,
      );
      assert.equal(incident.severity, 'critical');
      assert.equal(incident.policy, want.config.tenants['acme']?.escalationPolicy);
    } finally {
      await router.stop();
    }

    // Health, readiness and metrics.
    assert.equal((await fetch(`${a.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${a.url}/readyz`)).status, 200);
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    assert.match(metrics, /^switchboard_config_revision 1$/m);
    assert.match(metrics, /switchboard_reconcile_duration_seconds_count [1-9]/);
    assert.match(metrics, /switchboard_operator_leader 1/);
  });

  it('a broken reference: that Tenant Ready=False naming spec.serviceLevel, a Warning Event, the snapshot kept; the fix brings a new revision', async () => {
    const before = await snapshot();
    await kube.kubectl(
      'patch',
      'tenant',
      'acme',
      '-n',
      'msp',
      '--type=merge',
      '-p',
      '{"spec":{"serviceLevel":"platinum"}}',
    );
    const acme = await waitFor(
      'acme Ready=False',
      async () => {
        const o = await get('tenant', 'msp', 'acme');
        return ready(o)?.status === 'False' && o.status?.observedGeneration === o.metadata.generation ? o : false;
      },
      15_000,
    );
    const c = ready(acme);
    assert.equal(c?.reason, 'InvalidConfig');
    assert.match(c?.message ?? '', /^spec\.serviceLevel: ServiceLevel "platinum" not found/);
    assert.match(c?.message ?? '', /config revision 1 stays in force/);
    assert.equal(acme.status?.configRevision, '1');
    // Everything else stays Ready=True (reason Valid: the config with its change is not in force).
    const globex = await waitFor(
      'globex Valid',
      async () => {
        const o = await get('tenant', 'msp', 'globex');
        return ready(o)?.reason === 'Valid' ? o : false;
      },
      15_000,
    );
    assert.equal(ready(globex)?.status, 'True');
    const events = await waitFor(
      'a Warning Event on acme',
      async () => {
        const list = JSON.parse(
          await kube.kubectl(
            'get',
            'events',
            '-n',
            'msp',
            '--field-selector',
            'involvedObject.kind=Tenant,involvedObject.name=acme,type=Warning',
            '-o',
            'json',
          ),
        ) as { items: { reason: string; message: string; source?: { component?: string } }[] };
        return list.items.length > 0 ? list.items : false;
      },
      10_000,
    );
    assert.equal(events[0]?.reason, 'InvalidConfig');
    assert.match(events[0]?.message ?? '', /spec\.serviceLevel: ServiceLevel "platinum" not found/);
    assert.equal(events[0]?.source?.component, 'switchboard-operator');
    // Nothing written: the last good snapshot stays in force, and so in the router.
    assert.deepEqual(await snapshot(), before);
    assert.equal(holder.get()?.revision, 1);
    const metrics = await (await fetch(`${operators[0]?.url}/metrics`)).text();
    assert.match(metrics, /switchboard_reconcile_errors_total\{kind="Tenant"\} [1-9]/);

    // The fix: a ServiceLevel that exists (another than before, so the config really changes).
    await kube.kubectl(
      'patch',
      'tenant',
      'acme',
      '-n',
      'msp',
      '--type=merge',
      '-p',
      '{"spec":{"serviceLevel":"silver"}}',
    );
    const items = await allReady('msp');
    for (const o of items) assert.equal(ready(o)?.reason, 'Compiled', `${o.kind} ${o.metadata.name}`);
    const fixed = await snapshot();
    assert.equal(fixed?.revision, 2);
    assert.equal(fixed?.config.tenants['acme']?.serviceLevel, 'msp/silver');
    assert.equal(items.find((o) => o.metadata.name === 'acme')?.status?.configRevision, '2');
    await waitFor('the router holds revision 2', async () => holder.get()?.revision === 2, 5_000);
    assert.equal(holder.tenant('acme')?.serviceLevel, 'msp/silver');
  });

  it('invalid manifests are rejected by the API server itself (schema), before the operator sees them', async () => {
    const r = await kube.kubectlResult(
      ['apply', '-f', '-'],
      `apiVersion: switchboard.dev/v1alpha1
kind: Responder
metadata: { name: pigeon, namespace: msp }
spec:
  displayName: Pigeon
  contact: { email: pigeon@msp.example }
  rules: [{ after: 0m, via: pigeon }]
`,
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.rules\[0\]\.via/);
    assert.notEqual((await kube.kubectlResult(['get', 'responder', 'pigeon', '-n', 'msp'])).code, 0);
  });

  it('informers recover from a restarted API server (dropped watches) and from 410 Gone', async () => {
    const a = operators[0] as RunningOperator;
    const restartsBefore = a.informers.restarts;
    await kube.restartApiServer();
    await waitFor(
      'informers synced again',
      async () => a.informers.synced && a.informers.restarts > restartsBefore,
      30_000,
    );
    await kube.kubectl('patch', 'sla', 'silver', '-n', 'msp', '--type=merge', '-p', '{"spec":{"uptimeTarget":99.7}}');
    await waitFor('revision 3 after the restart', async () => (await snapshot())?.revision === 3, 30_000);
    await allReady('msp');

    // 410 Gone: the Tenant watch resumes from a compacted resourceVersion; the informer lists afresh.
    const tenants = a.informers.all.find((i) => i.source.kind === 'Tenant');
    assert.ok(tenants);
    const listsBefore = tenants.lists;
    tenants.forceStaleWatch();
    await waitFor('a fresh list after the 410', async () => tenants.lists > listsBefore && tenants.synced, 15_000);
    await kube.kubectl(
      'patch',
      'tenant',
      'globex',
      '-n',
      'msp',
      '--type=merge',
      '-p',
      '{"spec":{"displayName":"Globex Inc."}}',
    );
    await waitFor(
      'revision 4 after the 410',
      async () => (await snapshot())?.config.tenants['globex']?.displayName === 'Globex Inc.',
      20_000,
    );
    assert.equal((await snapshot())?.revision, 4);
    await allReady('msp');
  });

  it('two replicas: one leader writes; after it crashes the other takes over within 20 s', async () => {
    const a = operators[0] as RunningOperator;
    const b = await operator('replica-b');
    await waitFor('replica-b synced', async () => b.ready(), 15_000);
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(a.isLeader(), true);
    assert.equal(b.isLeader(), false);
    // A change: only the leader writes it.
    await kube.kubectl(
      'patch',
      'rsp',
      'anna-becker',
      '-n',
      'msp',
      '--type=merge',
      '-p',
      '{"spec":{"displayName":"Anna K."}}',
    );
    await waitFor('revision 5', async () => (await snapshot())?.revision === 5, 15_000);
    await allReady('msp');
    const bMetrics = await (await fetch(`${b.url}/metrics`)).text();
    assert.doesNotMatch(bMetrics, /switchboard_status_writes_total\{/, 'the follower wrote status');
    assert.doesNotMatch(bMetrics, /switchboard_reconciles_total\{/, 'the follower reconciled');
    const lease = JSON.parse(
      await kube.kubectl('get', 'lease', 'switchboard-operator', '-n', 'default', '-o', 'json'),
    ) as {
      spec: { holderIdentity: string };
    };
    assert.equal(lease.spec.holderIdentity, 'replica-a');

    // The leader crashes: no release, its Lease runs out.
    const crashedAt = Date.now();
    await a.stop({ release: false });
    await waitFor('replica-b leads', async () => b.isLeader(), 25_000);
    const takeoverMs = Date.now() - crashedAt;
    console.log(`# leader takeover after a crash: ${takeoverMs} ms`);
    assert.ok(takeoverMs < 20_000, `takeover took ${takeoverMs} ms`);
    await kube.kubectl('patch', 'sla', 'silver', '-n', 'msp', '--type=merge', '-p', '{"spec":{"uptimeTarget":99.6}}');
    await waitFor('revision 6 written by replica-b', async () => (await snapshot())?.revision === 6, 15_000);
    await allReady('msp');
    assert.match(
      await (await fetch(`${b.url}/metrics`)).text(),
      /switchboard_reconciles_total\{outcome="written"\} [1-9]/,
    );
  });

  it('500 resources reconcile into one snapshot (time measured)', async () => {
    const b = operators[1] as RunningOperator;
    await kube.kubectl('create', 'namespace', 'bulk');
    const docs: string[] = [];
    for (let i = 0; i < 100; i++) {
      const n = String(i).padStart(3, '0');
      docs.push(`apiVersion: switchboard.dev/v1alpha1
kind: Tenant
metadata: { name: bulk-${n}, namespace: bulk }
spec:
  displayName: Customer ${n}
  serviceLevel: sla-${n}
  escalationPolicy: policy-${n}
  timezone: Europe/Berlin
  groupBy: [alertname]
---
apiVersion: switchboard.dev/v1alpha1
kind: ServiceLevel
metadata: { name: sla-${n}, namespace: bulk }
spec:
  targets:
    critical: { respond: 15m, resolve: 4h }
    warning: { respond: 4h, resolve: 3d }
---
apiVersion: switchboard.dev/v1alpha1
kind: OnCallSchedule
metadata: { name: schedule-${n}, namespace: bulk }
spec:
  timezone: Europe/Berlin
  layers:
    - name: weekly
      start: '2026-01-05T09:00'
      rotation: { every: 1w }
      members: [responder-${n}]
---
apiVersion: switchboard.dev/v1alpha1
kind: EscalationPolicy
metadata: { name: policy-${n}, namespace: bulk }
spec:
  steps:
    - after: 0m
      notify: [{ schedule: schedule-${n} }]
---
apiVersion: switchboard.dev/v1alpha1
kind: Responder
metadata: { name: responder-${n}, namespace: bulk }
spec:
  displayName: Responder ${n}
  contact: { email: r${n}@msp.example }
  rules: [{ after: 0m, via: email }]`);
    }
    const createStart = Date.now();
    await kube.kubectlInput(docs.join('\n---\n'), 'create', '-f', '-');
    const created = Date.now();
    const snap = await waitFor(
      'a snapshot with all 100 bulk tenants',
      async () => {
        const s = await snapshot();
        return s && Object.keys(s.config.tenants).filter((t) => t.startsWith('bulk-')).length === 100 ? s : false;
      },
      30_000,
    );
    const snapshotAt = Date.now();
    await allReady('bulk', 60_000);
    const readyAt = Date.now();
    // One full reconcile of everything, timed on its own.
    const full = await b.reconciler.reconcileConfig();
    assert.equal(full.outcome, 'unchanged');
    const want = compile(loadManifests(['examples/msp']).resources);
    assert.ok(want.ok);
    assert.ok(Object.keys(snap.config.schedules).length >= 100);
    console.log(
      `# 500 resources: kubectl create ${created - createStart} ms; snapshot with all of them ${snapshotAt - created} ms after; all 500 Ready=True ${readyAt - created} ms after; one full reconcile (${Object.keys(snap.config.tenants).length} tenants, ${Object.keys(snap.config.policies).length} policies) ${full.durationMs.toFixed(0)} ms`,
    );
    assert.ok(snapshotAt - created < 15_000, `snapshot took ${snapshotAt - created} ms`);
    assert.ok(full.durationMs < 2_000, `a full reconcile took ${full.durationMs} ms`);
    await waitFor('the router holds the bulk snapshot', async () => holder.get()?.revision === snap.revision, 5_000);
  });
});
