// The operator: informers on the seven kinds and their Secrets → a keyed work queue → reconcile
// (compile everything, write the snapshot to KV, decide every status) → status writes. Every replica
// keeps its caches warm; only the holder of the leader Lease reconciles and writes.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { StorageType } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { openBucket } from '../router/bus/buckets.ts';
import { type Bus, connectBus } from '../router/bus/connection.ts';
import { type NatsAuthSource, natsAuthSource, natsConnectSettings } from '../router/bus/nats-options.ts';
import { checkCluster } from '../router/bus/setup.ts';
import { CONFIG_BUCKET } from '../router/bus/subjects.ts';
import { type Clock, systemClock } from '../router/clock.ts';
import { createLogger, type Logger } from '../router/log.ts';
import { type InformerSource, Informers, type KubeObject } from './kube/informers.ts';
import { KubeLeaseStore, LeaderElector } from './kube/leader.ts';
import { kubeSecretGetter, ReferencedSecrets, type SecretGetter } from './kube/secrets.ts';
import { StatusWriter } from './kube/status.ts';
import { WorkQueue } from './kube/work-queue.ts';
import { OperatorMetrics } from './metrics.ts';
import { CONFIG_KEY, objectKey, Reconciler, statusKey } from './reconcile.ts';

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  /** Namespaces to watch; empty or null: all. */
  namespaces?: string[] | null;
  natsUrl: string;
  /** NATS credentials and TLS files (default: the SWITCHBOARD_NATS_* variables of the process). */
  natsAuth?: NatsAuthSource;
  /** HTTP for /healthz, /readyz, /metrics; null: none. */
  listen?: { host: string; port: number } | null;
  /** Replicas of the KV bucket on a NATS cluster (default 1; must match the router's). */
  replicas?: number;
  /** Identity in the Lease (default $POD_NAME, else host-pid-random). */
  identity?: string;
  /** Where the Lease lives (default $POD_NAMESPACE, else the first watched namespace, else `default`). */
  leaseNamespace?: string;
  leaseName?: string;
  leaseDurationMs?: number;
  renewPeriodMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** A full reconcile this often even without events (default 5 min). */
  resyncMs?: number;
  /** How often the leader re-reads the referenced Secrets (default 30 s): a changed one reconciles. */
  secretResyncMs?: number;
  /** Reads one Secret by name (default: the API server's GET). */
  secretGetter?: SecretGetter;
  /** Parallel status writes (default 8). */
  statusWorkers?: number;
  clock?: Clock;
  log?: Logger;
}

export interface RunningOperator {
  /** http://host:port of the health/metrics listener, or null. */
  url: string | null;
  identity: string;
  metrics: OperatorMetrics;
  reconciler: Reconciler;
  informers: Informers;
  leader: LeaderElector;
  isLeader(): boolean;
  ready(): boolean;
  /** Clean shutdown: the Lease is released. `{release: false}` stops like a crash would (tests). */
  stop(o?: { release?: boolean }): Promise<void>;
}

export async function startOperator(o: OperatorOptions): Promise<RunningOperator> {
  const log = o.log ?? createLogger('switchboard-operator');
  const clock = o.clock ?? systemClock;
  const identity =
    o.identity ?? process.env['POD_NAME'] ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const metrics = new OperatorMetrics();
  const namespaces = o.namespaces?.length ? o.namespaces : null;

  const bus: Bus = await connectBus(
    natsConnectSettings(o.natsUrl, o.natsAuth ?? natsAuthSource(process.env), readFileSync),
    log,
    'switchboard-operator',
  );
  let kv: KV;
  try {
    // Refuses, saying what to change, a replica count the NATS deployment cannot hold (as the router does).
    checkCluster(bus.nc, o.replicas ?? 1, log);
    // The same settings as the router's setupBus, so whichever starts first creates it identically.
    kv = await openBucket(bus.nc, CONFIG_BUCKET, {
      history: 10,
      replicas: o.replicas ?? 1,
      storage: StorageType.File,
    });
  } catch (e) {
    await bus.close();
    throw e;
  }

  const queue = new WorkQueue<string>({ baseDelayMs: 200, maxDelayMs: 30_000 });
  const writer = new StatusWriter(o.kubeConfig, identity);
  // The elector is created below; reconcile asks it on every write.
  let leader: LeaderElector | null = null;
  const isLeader = () => leader?.isLeader() ?? false;

  /** Generation last seen per resource: only a change of it triggers a reconcile. */
  const seen = new Map<string, string>();
  let reconciler: Reconciler | null = null;
  const onEvent = (event: 'add' | 'update' | 'delete', obj: KubeObject, source: InformerSource) => {
    const { namespace, name } = obj.metadata;
    const k = objectKey(source.kind, namespace, name);
    if (event === 'delete') {
      if (seen.delete(k)) queue.add(CONFIG_KEY);
      return;
    }
    const fingerprint = String(obj.metadata.generation ?? obj.metadata.resourceVersion);
    const before = seen.get(k);
    seen.set(k, fingerprint);
    if (before === fingerprint) {
      // Status or metadata alone changed (our own status writes among them): no reconcile; only
      // put the status right if someone else changed it.
      if (reconciler?.statusStale(obj)) queue.add(statusKey(source.kind, namespace, name));
      return;
    }
    // A changed resource: reconcile, which also re-reads the Secrets it references.
    queue.add(CONFIG_KEY);
  };
  const informers = new Informers(o.kubeConfig, namespaces, {
    onEvent,
    onError: (err, source, retryInMs) => {
      metrics.informerRestarts.inc({ kind: source.kind });
      log.warn(
        { err: (err as Error)?.message ?? String(err), kind: source.kind, namespace: source.namespace, retryInMs },
        'watch failed; restarting with backoff',
      );
    },
  });
  const secrets = new ReferencedSecrets(o.secretGetter ?? kubeSecretGetter(o.kubeConfig));
  reconciler = new Reconciler(informers, kv, writer, metrics, isLeader, clock, log, secrets);
  const rec = reconciler;

  leader = new LeaderElector(
    new KubeLeaseStore(
      o.kubeConfig,
      o.leaseNamespace ?? process.env['POD_NAMESPACE'] ?? namespaces?.[0] ?? 'default',
      o.leaseName ?? 'switchboard-operator',
    ),
    {
      identity,
      leaseDurationMs: o.leaseDurationMs,
      renewPeriodMs: o.renewPeriodMs,
      renewDeadlineMs: o.renewDeadlineMs,
      retryPeriodMs: o.retryPeriodMs,
      clock,
      onStartedLeading: () => {
        metrics.leader.set(1);
        log.info({ identity }, 'leading: reconciling and writing');
        queue.add(CONFIG_KEY);
      },
      onStoppedLeading: () => {
        metrics.leader.set(0);
        log.info({ identity }, 'not leading: watching only');
      },
      onError: (err) =>
        log.warn({ err: (err as Error)?.message ?? String(err) }, 'leader election: Lease request failed'),
    },
  );
  const elector = leader;

  const handle = async (key: string) => {
    if (key === CONFIG_KEY) {
      const out = await rec.reconcileConfig();
      if (out.outcome === 'not-synced') queue.addAfter(CONFIG_KEY, 500);
      for (const k of out.statusKeys) queue.add(k);
      if (out.outcome !== 'not-leader' && out.outcome !== 'not-synced') {
        log.debug(
          { outcome: out.outcome, revision: out.revision, errors: out.errors, ms: Math.round(out.durationMs) },
          'reconciled',
        );
      }
    } else {
      await rec.reconcileStatus(key);
    }
  };
  const running = queue.run(handle, o.statusWorkers ?? 8, (key, err, retryInMs) => {
    log.warn({ key, err: (err as Error)?.message ?? String(err), retryInMs }, 'reconcile failed; retrying');
  });

  await informers.start();
  elector.start();
  const resync = setInterval(() => queue.add(CONFIG_KEY), o.resyncMs ?? 300_000);
  resync.unref();
  // Secrets are not watched: the leader re-reads the referenced ones (by name) and reconciles on a change.
  let checkingSecrets = false;
  const secretResync = setInterval(async () => {
    if (checkingSecrets || !isLeader()) return;
    checkingSecrets = true;
    try {
      if (await secrets.changed()) queue.add(CONFIG_KEY);
    } catch (err) {
      log.warn({ err: (err as Error)?.message ?? String(err) }, 'reading referenced Secrets failed; retrying');
    } finally {
      checkingSecrets = false;
    }
  }, o.secretResyncMs ?? 30_000);
  secretResync.unref();

  const ready = () => informers.synced && bus.connected();
  let server: Server | null = null;
  let url: string | null = null;
  if (o.listen) {
    const srv = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (path === '/readyz') {
        const ok = ready();
        res
          .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
          .end(
            ok
              ? 'ready\n'
              : `not ready: informers ${informers.synced ? 'synced' : 'syncing'}, NATS ${bus.connected() ? 'connected' : 'disconnected'}\n`,
          );
      } else if (path === '/metrics') {
        metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
          (err: Error) => res.writeHead(500).end(err.message),
        );
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(o.listen?.port, o.listen?.host, () => resolve());
    });
    server = srv;
    const addr = srv.address();
    url = addr && typeof addr === 'object' ? `http://${o.listen.host}:${addr.port}` : null;
  }
  log.info({ identity, namespaces: namespaces ?? 'all', url }, 'operator started');

  let stopped = false;
  return {
    url,
    identity,
    metrics,
    reconciler: rec,
    informers,
    leader: elector,
    isLeader,
    ready,
    async stop(so = {}) {
      if (stopped) return;
      stopped = true;
      clearInterval(resync);
      clearInterval(secretResync);
      await elector.stop({ release: so.release ?? true });
      queue.shutDown();
      informers.stop();
      await running;
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      await bus.close();
      log.info({ identity }, 'operator stopped');
    },
  };
}
