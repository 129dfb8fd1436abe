// Prometheus metrics of SPEC §4 (prefix switchboard_). One registry per router process.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** 1 min … 30 days: SLA targets run from minutes (critical respond) to days (info resolve). */
const SLA_BUCKETS = [60, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 259200, 604800, 2592000];

export class Metrics {
  readonly registry = new Registry();
  readonly alertsReceived = new Counter({
    name: 'switchboard_alerts_received_total',
    help: 'Alerts accepted by ingest, by tenant and source.',
    labelNames: ['tenant', 'source'] as const,
    registers: [this.registry],
  });
  readonly alertsRejected = new Counter({
    name: 'switchboard_alerts_rejected_total',
    help: 'Alerts or requests refused by ingest, by source and reason.',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });
  readonly alertsOverLimit = new Counter({
    name: 'switchboard_alerts_over_limit_total',
    help: "Alerts accepted over their tenant's limits.alertsPerMinute (accepted all the same; they engage storm mode).",
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  });
  readonly alertFieldsTruncated = new Counter({
    name: 'switchboard_alert_fields_truncated_total',
    help: 'Alert fields cut to the ingest limits (docs/api.md), by tenant and field.',
    labelNames: ['tenant', 'field'] as const,
    registers: [this.registry],
  });
  readonly alertsDeduplicated = new Counter({
    name: 'switchboard_alerts_deduplicated_total',
    help: 'Alerts that repeated an alert already firing.',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  });
  readonly alertsProcessed = new Counter({
    name: 'switchboard_alerts_processed_total',
    help: 'Alerts processed by this replica, by tenant and decision (fire, duplicate, resolve, stale, resolved-unknown).',
    labelNames: ['tenant', 'decision'] as const,
    registers: [this.registry],
  });
  readonly alertsDeadLettered = new Counter({
    name: 'switchboard_alerts_dead_lettered_total',
    help: 'Alerts that could not be applied and were moved to the dead-letter stream, by tenant and reason (too_large, invalid, failing).',
    labelNames: ['tenant', 'reason'] as const,
    registers: [this.registry],
  });
  readonly incidentsTotal = new Counter({
    name: 'switchboard_incidents_total',
    help: 'Incidents opened, by tenant and severity at opening.',
    labelNames: ['tenant', 'severity'] as const,
    registers: [this.registry],
  });
  readonly incidentsOpen = new Gauge({
    name: 'switchboard_incidents_open',
    help: 'Incidents not yet resolved, by tenant, severity and status (the same on every replica: aggregate with max).',
    labelNames: ['tenant', 'severity', 'status'] as const,
    registers: [this.registry],
  });
  readonly alertStatesBytes = new Gauge({
    name: 'switchboard_alert_states_bytes',
    help: 'Characters of alert state this replica holds in memory (packed, about one byte each for ASCII), over all alerts.',
    registers: [this.registry],
  });
  readonly alertStateMaxBytes = new Gauge({
    name: 'switchboard_alert_state_max_bytes',
    help: 'Characters held in memory for the largest alert state (bounded by the ingest caps, docs/api.md).',
    registers: [this.registry],
  });
  readonly alertStates = new Gauge({
    name: 'switchboard_alert_states',
    help: 'Alert states this replica holds in memory.',
    registers: [this.registry],
  });
  /** SLA measures (router/sla/breaches.ts): business time for a businessHours target, else wall time. */
  readonly timeToAcknowledge = new Histogram({
    name: 'switchboard_time_to_acknowledge_seconds',
    help: 'Time from incident opened to acknowledged, on the SLA clock of its severity (business time for businessHours coverage), by tenant and severity.',
    labelNames: ['tenant', 'severity'] as const,
    buckets: SLA_BUCKETS,
    registers: [this.registry],
  });
  readonly timeToResolve = new Histogram({
    name: 'switchboard_time_to_resolve_seconds',
    help: 'Time from incident opened to resolved, on the SLA clock of its severity (business time for businessHours coverage), by tenant and severity.',
    labelNames: ['tenant', 'severity'] as const,
    buckets: SLA_BUCKETS,
    registers: [this.registry],
  });
  readonly slaBreaches = new Counter({
    name: 'switchboard_sla_breaches_total',
    help: 'Missed SLA deadlines, by tenant, severity and kind (respond, resolve, update), counted once by the replica that records the breach.',
    labelNames: ['tenant', 'severity', 'kind'] as const,
    registers: [this.registry],
  });
  readonly ingestDuration = new Histogram({
    name: 'switchboard_ingest_duration_seconds',
    help: 'Time from request received to every alert persisted in JetStream.',
    labelNames: ['source'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly processingLag = new Histogram({
    name: 'switchboard_processing_lag_seconds',
    help: 'Time from ingest to the alert being applied to its incident.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly partitionsOwned = new Gauge({
    name: 'switchboard_partitions_owned',
    help: 'Partitions of the alerts stream this replica applies now (docs/scaling.md).',
    registers: [this.registry],
  });
  readonly configRevision = new Gauge({
    name: 'switchboard_config_revision',
    help: 'Revision of the configuration in force.',
    registers: [this.registry],
  });
  readonly configReloads = new Counter({
    name: 'switchboard_config_reloads_total',
    help: 'Configuration reloads, by outcome (applied, rejected, unchanged).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly natsConnected = new Gauge({
    name: 'switchboard_nats_connected',
    help: '1 while connected to NATS.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
    // Series that alert rules take increase() of exist from the start, so the first event counts too.
    for (const outcome of ['applied', 'rejected', 'unchanged']) this.configReloads.inc({ outcome }, 0);
  }
}
