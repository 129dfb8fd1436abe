// Wires the router together: NATS, streams and buckets, config, incident store, consumer, HTTP.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jetstream } from '@nats-io/jetstream';
import { createApp } from './api/app.ts';
import { credentialsFromEnv, TokenIndex } from './api/auth.ts';
import type { ApiContext } from './api/context.ts';
import { TenantRateLimiter } from './api/rate-limit.ts';
import { connectBus } from './bus/connection.ts';
import { type BusSettings, DEFAULT_BUS_SETTINGS } from './bus/settings.ts';
import { setupBus } from './bus/setup.ts';
import { type Clock, systemClock } from './clock.ts';
import { ConfigHolder } from './config/holder.ts';
import { DirectoryConfigSource } from './config/source-dir.ts';
import { EventLog } from './incidents/events.ts';
import { IncidentService } from './incidents/service.ts';
import { IncidentStore } from './incidents/store.ts';
import { createLogger, type Logger } from './log.ts';
import { Metrics } from './metrics.ts';
import { AlertConsumer } from './pipeline/consumer.ts';

export interface RouterOptions {
  configDir: string;
  /**
   * `all`: serve the API and apply alerts. `api`: serve the API only, leaving the applying to `all` replicas
   * — so a flood of ingest never competes with processing for the same CPU (docs/scaling.md).
   */
  role?: 'all' | 'api';
  natsUrl: string;
  listen: { host: string; port: number };
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  log?: Logger;
  bus?: Partial<BusSettings>;
  maxBodyBytes?: number;
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
  const configSource = new DirectoryConfigSource(o.configDir, holder, clock, metrics, log);
  configSource.start();

  const tokens = new TokenIndex(credentialsFromEnv(o.env ?? process.env));
  tokens.rebuild(holder.get()!.config);
  holder.onChange((s) => tokens.rebuild(s.config));

  const bus = await connectBus(o.natsUrl, log);
  const resources = await setupBus(bus.nc, { ...DEFAULT_BUS_SETTINGS, ...o.bus });
  const js = jetstream(bus.nc);
  const store = new IncidentStore(resources.incidents, log);
  const events = new EventLog(js);
  const incidents = new IncidentService(store, events, metrics, clock, log);
  // Ingest goes first: a sender waits for its answer, while applying alerts can catch up a moment later.
  const ingestActivity = { inFlight: 0, lastAt: 0 };
  const ingestBusy = () => ingestActivity.inFlight > 0 || clock() - ingestActivity.lastAt < 25;
  const consumer = new AlertConsumer(js, incidents, holder, metrics, clock, log, ingestBusy);

  let started = false;
  const ctx: ApiContext = {
    bus,
    js,
    config: holder,
    tokens,
    limiter: new TenantRateLimiter(),
    store,
    events,
    incidents,
    metrics,
    clock,
    log,
    maxBodyBytes: o.maxBodyBytes ?? 4 * 1024 * 1024,
    ingestActivity,
    started: () => started,
  };
  const server: Server = createServer(createApp(ctx));
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

  // Incident state must be loaded before the consumer applies anything to it.
  await store.start();
  await incidents.resolveQuietIncidents();
  if ((o.role ?? 'all') === 'all') consumer.start();
  started = true;

  return {
    url,
    ctx,
    async stop() {
      started = false;
      configSource.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await consumer.stop();
      await bus.close();
    },
  };
}
