// Wires the router together: NATS, streams and buckets, config, incident store, consumer, HTTP.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { ackRouter } from './api/ack.ts';
import { createRequestListener } from './api/app.ts';
import { auditRouter } from './api/audit.ts';
import { credentialsFromEnv, TokenIndex } from './api/auth.ts';
import { BacklogProbe } from './api/backlog.ts';
import type { ApiContext } from './api/context.ts';
import { deadLettersRouter } from './api/deadletters.ts';
import { heartbeatsRouter } from './api/heartbeats.ts';
import { IngestLoad } from './api/ingest-load.ts';
import { oncallRouter } from './api/oncall.ts';
import { TenantRateLimiter } from './api/rate-limit.ts';
import { reportsRouter } from './api/reports.ts';
import { silencesRouter } from './api/silences.ts';
import { statusRouter } from './api/status.ts';
import { recordConfigChanges } from './audit/config-recorder.ts';
import { AuditTrail } from './audit/trail.ts';
import { connectBus } from './bus/connection.ts';
import { DeadLetters } from './bus/deadletter.ts';
import { type NatsAuthSource, natsAuthSource, natsConnectSettings } from './bus/nats-options.ts';
import { type BusSettings, DEFAULT_BUS_SETTINGS } from './bus/settings.ts';
import { setupBus } from './bus/setup.ts';
import { busStorageFromEnv } from './bus/storage-budget.ts';
import { type Clock, systemClock } from './clock.ts';
import { ConfigHolder } from './config/holder.ts';
import { DirectoryConfigSource } from './config/source-dir.ts';
import { NatsConfigSource } from './config/source-nats.ts';
import { NotificationLog } from './escalation/log.ts';
import { EscalationRunner } from './escalation/runner.ts';
import { EscalationTimers } from './escalation/timers.ts';
import { HeartbeatMonitor } from './heartbeats/monitor.ts';
import { EventLog } from './incidents/events.ts';
import type { Incident } from './incidents/model.ts';
import { DEFAULT_RESOLVED_RETENTION_MS, IncidentRetention } from './incidents/retention.ts';
import { IncidentService } from './incidents/service.ts';
import { IncidentStore } from './incidents/store.ts';
import { createLogger, type Logger } from './log.ts';
import { Metrics } from './metrics.ts';
import { createSuppressedCounter } from './mute/metrics.ts';
import { openSilencesBucket, SilenceStore } from './mute/silence-store.ts';
import { Suppression } from './mute/suppression.ts';
import { AckLinks } from './notify/ack-link.ts';
import { createDispatcher } from './notify/dispatch.ts';
import { createNotifyMetrics } from './notify/metrics.ts';
import { notifySettingsFromEnv, settingsProblems } from './notify/settings.ts';
import { AlertConsumer } from './pipeline/consumer.ts';
import { type LeaseTimings, PartitionLeases } from './pipeline/leases.ts';
import { discoverPartitions } from './pipeline/partitions.ts';
import { escalationTimes } from './sla/deadlines.ts';
import { ResponseTimeObserver } from './sla/response-metrics.ts';
import { parseDuration } from './time/duration.ts';

export interface RouterOptions {
  /** Local / GitOps mode: manifests in this folder. Without it, the operator's snapshot in NATS. */
  configDir?: string;
  /**
   * `all`: serve the API and apply alerts. `api`: serve the API only, leaving the applying to `all` replicas
   * — so a flood of ingest never competes with processing for the same CPU (docs/scaling.md).
   */
  role?: 'all' | 'api';
  natsUrl: string;
  /** NATS credentials and TLS files (default: the SWITCHBOARD_NATS_* variables of `env`). */
  natsAuth?: NatsAuthSource;
  listen: { host: string; port: number };
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  log?: Logger;
  bus?: Partial<BusSettings>;
  maxBodyBytes?: number;
  /** How often the escalation sweep looks for incidents whose wake-up went missing (default 30 s). */
  escalationSweepMs?: number;
  /** Renewal and expiry of the partition leases (router/pipeline/leases.ts; tests shorten them). */
  leases?: Partial<LeaseTimings>;
}

export interface RunningRouter {
  url: string;
  ctx: ApiContext;
  stop(): Promise<void>;
}

export async function startRouter(o: RouterOptions): Promise<RunningRouter> {
  const log = o.log ?? createLogger('switchboard-router');
  const clock = o.clock ?? systemClock;
  const metrics = new Metrics();
  const holder = new ConfigHolder();
  const env = o.env ?? process.env;
  const natsSettings = natsConnectSettings(o.natsUrl, o.natsAuth ?? natsAuthSource(env), readFileSync);
  const settings = { ...DEFAULT_BUS_SETTINGS, ...busStorageFromEnv(env), ...o.bus };
  const bus = await connectBus(natsSettings, log);
  let resources: Awaited<ReturnType<typeof setupBus>>;
  try {
    resources = await setupBus(bus.nc, settings, log);
  } catch (e) {
    await bus.close();
    throw e;
  }

  // The config: a folder of manifests (local / GitOps mode) or the operator's snapshot in NATS.
  const configSource = o.configDir
    ? new DirectoryConfigSource(o.configDir, holder, clock, metrics, log)
    : new NatsConfigSource(resources.config, holder, clock, log, metrics);
  await configSource.start();

  const tokens = new TokenIndex(credentialsFromEnv(env));
  tokens.rebuild(holder.get()!.config);
  holder.onChange((s) => tokens.rebuild(s.config));
  const js = jetstream(bus.nc);
  const jsm = await jetstreamManager(bus.nc);
  const store = new IncidentStore(resources.incidents, log);
  // Resolved incidents leave the bucket (and memory) after the retention; their history stays in the events.
  const retentionText = env['SWITCHBOARD_RESOLVED_RETENTION'];
  let retentionMs = DEFAULT_RESOLVED_RETENTION_MS;
  if (retentionText) {
    try {
      retentionMs = parseDuration(retentionText);
    } catch (e) {
      throw new Error(`SWITCHBOARD_RESOLVED_RETENTION: ${(e as Error).message}`);
    }
  }
  // How often the escalation sweep runs: it also records SLA breaches, so it bounds how late one is recorded.
  const sweepText = env['SWITCHBOARD_SWEEP_INTERVAL'];
  let sweepMs = o.escalationSweepMs;
  if (sweepText && !sweepMs) {
    try {
      sweepMs = parseDuration(sweepText);
    } catch (e) {
      throw new Error(`SWITCHBOARD_SWEEP_INTERVAL: ${(e as Error).message}`);
    }
  }
  const retention = new IncidentRetention(store, resources.incidents, clock, log, { retentionMs });
  const events = new EventLog(js);
  const audit = new AuditTrail(js);
  recordConfigChanges(holder, audit, clock, log);
  const incidents = new IncidentService(store, events, metrics, clock, log);
  // Ingest goes first during a flood: senders wait for their answers, while applying alerts can catch up a
  // moment later (router/api/ingest-load.ts says what counts as a flood).
  const ingestLoad = new IngestLoad();
  const deadLetters = new DeadLetters(js, jsm);
  const consumer = new AlertConsumer({
    js,
    jsm,
    service: incidents,
    config: holder,
    metrics,
    clock,
    log,
    busy: () => ingestLoad.busy(),
    caughtUp: () => store.caughtUp(),
    flush: () => bus.nc.flush(),
    deadLetters,
  });
  // Which partitions of the alerts stream this replica applies: leases in KV (docs/scaling.md).
  const leases = new PartitionLeases(
    resources.partitions,
    js,
    consumer,
    async () => (await discoverPartitions(jsm)).partitions,
    log,
    o.leases,
    (n) => metrics.partitionsOwned.set(n),
  );
  // Suppression (docs/suppression.md): silences from their bucket, the rest from the config.
  const replicas = settings.replicas;
  const silences = new SilenceStore(await openSilencesBucket(bus.nc, replicas), log);
  await silences.start();
  const suppression = new Suppression(holder.get()!.config, silences.all());
  holder.onChange((s) => suppression.setConfig(s.config));
  incidents.useSuppression(suppression, createSuppressedCounter(metrics.registry));

  const backlogProbe = new BacklogProbe(jsm, log);
  let started = false;
  const ctx: ApiContext = {
    bus,
    js,
    config: holder,
    tokens,
    limiter: new TenantRateLimiter(),
    backlog: () => backlogProbe.current(),
    store,
    events,
    incidents,
    metrics,
    clock,
    log,
    maxBodyBytes: o.maxBodyBytes ?? 4 * 1024 * 1024,
    ingestLoad,
    started: () => started,
    audit,
    ...(env['SWITCHBOARD_METRICS_TOKEN'] ? { metricsToken: env['SWITCHBOARD_METRICS_TOKEN'] } : {}),
  };
  // Notifications: settings from the environment; acknowledge links need a signing key and a public URL.
  const notifyEnv = notifySettingsFromEnv(env);
  let signingKey = notifyEnv.signingKey;
  if (!signingKey) {
    signingKey = randomBytes(32).toString('base64url');
    log.warn(
      'SWITCHBOARD_SIGNING_KEY is not set: using a random key, so acknowledge links stop working when this ' +
        'router restarts and work only on the replica that sent them',
    );
  }
  const heartbeats = await HeartbeatMonitor.open(bus.nc, js, holder, clock, log, replicas);
  const server: Server = createServer(
    // Node checks the header and request timeouts only this often (default 30 s): a stalled client would
    // hold its connection up to 30 s past them.
    { connectionsCheckingInterval: 1_000 },
    createRequestListener(ctx, [
      heartbeatsRouter(ctx, heartbeats),
      ackRouter(ctx, {
        signingKey,
        acknowledge: (tenant, id, by, principal) =>
          ctx.incidents.manual(tenant, id, { kind: 'acknowledge', by, principal }),
      }),
      oncallRouter(ctx),
      deadLettersRouter(ctx, deadLetters),
      silencesRouter(ctx, silences),
      auditRouter(ctx, audit),
      reportsRouter(ctx),
      statusRouter(ctx),
    ]),
  );
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.listen.port, o.listen.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  log.info({ url }, 'router listening');

  // Escalation: durable wake-ups run each incident's plan; the notification log makes each send happen once.
  const publicUrl = notifyEnv.publicUrl ?? url.replace(/\/\/(0\.0\.0\.0|\[::\])(?=:)/, '//localhost');
  const notify = { ...notifyEnv, signingKey, publicUrl };
  for (const p of settingsProblems(notifyEnv)) {
    if (p.startsWith('SWITCHBOARD_SIGNING_KEY is not set')) continue; // warned above
    log.warn(p.includes('PUBLIC_URL') ? `${p}; using ${publicUrl}` : p);
  }
  const dispatcher = createDispatcher(notify);
  const runner = new EscalationRunner({
    log: await NotificationLog.open(bus.nc, {
      replicas,
      leaseMs: notify.leaseMs,
    }),
    dispatcher,
    config: () => holder.get()!.config,
    settings: notify,
    ackLinks: new AckLinks(publicUrl, signingKey, notify.ackLinkTtlMs),
    metrics: createNotifyMetrics(metrics.registry),
    clock,
    owner: `${hostname()}:${process.pid}`,
    logger: log,
    appendEvent: (e) => events.append([e]),
    customerNotes: async (i) =>
      (await events.timeline(i.tenant, i.id))
        .filter((e) => e.type === 'incident.note' && e.visibility === 'customer')
        .map((e) => Date.parse(e.at)),
    breaches: metrics.slaBreaches,
  });
  const timers = new EscalationTimers({
    js,
    store,
    runner,
    // Escalation and the SLA clock count from the moment the incident started paging (later when muted).
    times: (i) => escalationTimes(i, holder.tenant(i.tenant), holder.get()!.config),
    recheck: (i) => incidents.recheckMuted(i),
    mutedNow: (i) => incidents.mutedNow(i),
    clock,
    log,
    ...(sweepMs ? { sweepMs } : {}),
  });
  // Runs when an incident opens or changes: by alerts (after their batch is stored, before it is acknowledged,
  // so the trigger is as durable as the change; a paging incident the batch opened as soon as its group is
  // stored; `changed` triggers once per state) and by people (acknowledge, resolve).
  // An incident a storm swallowed has nothing to run (its storm incident pages): skip thousands of wake-ups.
  const escalate = async (i: Incident | null) => {
    if (i && !(i.pagingSince === null && i.stormIncidentId)) await timers.changed(i);
  };
  incidents.onPagingOpened(escalate);
  consumer.use(async (_tenant, _alert, applied) => escalate(applied.incident));
  incidents.onChange((i) => timers.changed(i));
  // A customer note meets the update that is due: the incident's SLA duties are looked at again at once.
  incidents.onNote(async (e) => {
    if (e.visibility === 'customer') await timers.trigger({ tenant: e.tenant, id: e.incidentId });
  });
  // SLA histograms (time to acknowledge / resolve), observed by the change that sets the time.
  const responseTimes = new ResponseTimeObserver(
    metrics,
    (t) => holder.get()!.config.serviceLevels[holder.tenant(t)?.serviceLevel ?? ''],
  );
  incidents.onChange(async (i) => responseTimes.observe(i));
  consumer.use(async (_tenant, _alert, applied) => {
    if (applied.incident) responseTimes.observe(applied.incident);
  });

  // Incident state must be loaded before the consumer applies anything to it.
  await store.start();
  // Inhibition sources come back from the stored alert states before the consumer resumes, so targets stay
  // muted right after a restart; then every stored alert state (ours and other replicas') keeps it current.
  suppression.inhibition.rebuild(store.alertStates());
  store.onAlertState((tenant, state) => {
    if (state.status === 'firing') suppression.inhibition.firing({ ...state, tenant });
    else if (suppression.inhibition.resolved({ tenant, fingerprint: state.fingerprint })) {
      timers.recheckTenant(tenant).catch((err) => log.warn({ err, tenant }, 'inhibition re-check failed'));
    }
  });
  // A new config may end a maintenance window or change coverage: muted incidents are asked again.
  holder.onChange(() => {
    if (started) timers.recheckTenant().catch((err) => log.warn({ err }, 'config re-check failed'));
  });
  // A silence created, expired or changed (here or on another replica): muted incidents are asked again.
  silences.onChange((s) => {
    suppression.setSilences(silences.all());
    if (started) timers.recheckTenant(s.tenant).catch((err) => log.warn({ err }, 'silence re-check failed'));
  });
  await incidents.resolveQuietIncidents();
  if ((o.role ?? 'all') === 'all') {
    await leases.start();
    timers.start();
    heartbeats.start();
    retention.start();
  }
  started = true;

  return {
    url,
    ctx,
    async stop() {
      started = false;
      configSource.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      // Partitions go back after their fetched alerts are applied, so the next holder continues in order.
      await leases.stop();
      await consumer.stop();
      await timers.stop();
      retention.stop();
      silences.stop();
      heartbeats.stop();
      dispatcher.close();
      await bus.close();
    },
  };
}
