// Observes switchboard_time_to_acknowledge_seconds / switchboard_time_to_resolve_seconds once per incident.
//
// An incident change reaches this replica's listeners only on the replica that made it (IncidentService.onChange
// for acknowledge/resolve by people and quiet resolves, AlertConsumer.use for alert batches), so each change is
// observed by one replica. Within the replica, a measure is observed only by the change that set it (the
// incident's updatedAt equals its acknowledgedAt / resolvedAt) and at most once per incident (a bounded set of
// what was observed), so a listener that runs twice for one change, or later changes, observe nothing again.
import type { ServiceLevelConfig } from '../config/compiled.ts';
import type { Incident } from '../incidents/model.ts';
import type { Metrics } from '../metrics.ts';
import { slaStatus } from './breaches.ts';

const REMEMBER = 10_000;

export class ResponseTimeObserver {
  private readonly seen = new Set<string>();

  constructor(
    private readonly metrics: Pick<Metrics, 'timeToAcknowledge' | 'timeToResolve'>,
    private readonly levelOf: (tenant: string) => ServiceLevelConfig | undefined,
  ) {}

  observe(i: Incident): void {
    const ack = i.acknowledgedAt !== null && i.acknowledgedAt === i.updatedAt && this.first(`a:${i.id}`);
    const res = i.resolvedAt !== null && i.resolvedAt === i.updatedAt && this.first(`r:${i.id}`);
    if (!ack && !res) return;
    const s = slaStatus(i, this.levelOf(i.tenant), Date.parse(i.updatedAt));
    const labels = { tenant: i.tenant, severity: i.severity };
    if (ack && s.responseMs !== null) this.metrics.timeToAcknowledge.observe(labels, s.responseMs / 1000);
    if (res && s.resolutionMs !== null) this.metrics.timeToResolve.observe(labels, s.resolutionMs / 1000);
  }

  private first(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > REMEMBER) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}
