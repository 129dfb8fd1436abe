// What the HTTP handlers need, passed in once (no globals).
import type { JetStreamClient } from '@nats-io/jetstream';
import type { AuditTrail } from '../audit/trail.ts';
import type { Bus } from '../bus/connection.ts';
import type { Clock } from '../clock.ts';
import type { ConfigHolder } from '../config/holder.ts';
import type { EventLog } from '../incidents/events.ts';
import type { IncidentService } from '../incidents/service.ts';
import type { IncidentStore } from '../incidents/store.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { TokenIndex } from './auth.ts';
import type { IngestLoad } from './ingest-load.ts';
import type { Backlog, TenantRateLimiter } from './rate-limit.ts';

export interface ApiContext {
  bus: Bus;
  js: JetStreamClient;
  config: ConfigHolder;
  tokens: TokenIndex;
  limiter: TenantRateLimiter;
  /** Alerts accepted but not yet applied (router/api/backlog.ts); absent: no back-pressure. */
  backlog?: () => Backlog;
  /** Unapplied alerts messages above which ingest answers 429 with an honest Retry-After. */
  maxBacklog?: number;
  store: IncidentStore;
  events: EventLog;
  incidents: IncidentService;
  metrics: Metrics;
  clock: Clock;
  log: Logger;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
  /** How busy ingest keeps the router (the consumer gives way to a flood of requests). */
  ingestLoad: IngestLoad;
  /** True once the consumer runs and the incident cache is loaded. */
  started: () => boolean;
  /** SWITCHBOARD_METRICS_TOKEN: when set, /metrics (per-tenant series) needs it as a bearer token. */
  metricsToken?: string;
  /** Where silences and config changes are recorded (GET /api/v1/audit); absent in tests that need none. */
  audit?: AuditTrail;
}
