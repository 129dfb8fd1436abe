// The operator's own Prometheus registry (it runs in its own process, beside no router).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileErrors = new Counter({
    name: 'switchboard_reconcile_errors_total',
    help: 'Errors found while reconciling, by the kind of the resource at fault (and failed writes, by kind).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly configRevision = new Gauge({
    name: 'switchboard_config_revision',
    help: 'Revision of the config snapshot in force (the last one written to the KV bucket).',
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'switchboard_reconcile_duration_seconds',
    help: 'Time to compile every resource and write the snapshot, per reconcile.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly reconciles = new Counter({
    name: 'switchboard_reconciles_total',
    help: 'Reconciles by outcome: written (a new snapshot), unchanged, invalid (errors; the last good snapshot stays).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly statusWrites = new Counter({
    name: 'switchboard_status_writes_total',
    help: 'Status writes (server-side apply on /status) by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'switchboard_operator_leader',
    help: '1 while this replica holds the leader Lease (only the leader writes status and snapshots).',
    registers: [this.registry],
  });
  readonly informerRestarts = new Counter({
    name: 'switchboard_informer_restarts_total',
    help: 'Informers restarted after a watch or list error, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
}
