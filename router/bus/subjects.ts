// Names of every stream, subject and bucket in one place.
export const ALERTS_STREAM = 'SB_ALERTS';
export const EVENTS_STREAM = 'SB_EVENTS';
/**
 * The single durable consumer of the alerts stream before it was partitioned (0.1): drained by the
 * partitioned replicas and then deleted (router/pipeline/partitions.ts).
 */
export const LEGACY_ALERTS_CONSUMER = 'router';
export const INCIDENTS_BUCKET = 'sb-incidents';
export const CONFIG_BUCKET = 'sb-config';
/** Escalation wake-ups (work queue with scheduled messages) and the consumer every replica shares. */
export const TIMERS_STREAM = 'SB_TIMERS';
export const TIMERS_CONSUMER = 'escalation';

/** Membership of the processing replicas and their partition leases (router/pipeline/leases.ts). */
export const PARTITIONS_BUCKET = 'sb-partitions';

/**
 * Alerts of one tenant, as ingest publishes them. The alerts stream stores each under
 * `sb.alerts.<count>.<partition>.<tenant>` (a subject transform: the partition is a hash of the tenant).
 */
export const alertSubject = (tenant: string) => `sb.alerts.${tenant}`;
/** The alerts stream's subject transform for `count` partitions. */
export const alertsPartitionTransform = (count: number) => ({
  src: 'sb.alerts.*',
  dest: `sb.alerts.${count}.{{partition(${count},1)}}.{{wildcard(1)}}`,
});
/** The partition count of a transform made by alertsPartitionTransform (0: none, the unpartitioned layout). */
export function partitionCountOf(transform: { dest?: string } | undefined): number {
  const m = /^sb\.alerts\.(\d+)\./.exec(transform?.dest ?? '');
  return m ? Number(m[1]) : 0;
}
/** The durable consumer of partition `index` of `count`, and the subjects it takes. */
export const partitionConsumer = (count: number, index: number) => `alerts-${count}-${index}`;
export const partitionFilter = (count: number, index: number) => `sb.alerts.${count}.${index}.*`;
/** The audit trail of one incident. */
export const eventSubject = (tenant: string, incidentId: string) => `sb.events.${tenant}.${incidentId}`;
/** The pending wake-up of one incident: a scheduled message; a newer one replaces it. */
export const timerScheduleSubject = (tenant: string, incidentId: string) =>
  `sb.timers.schedule.${tenant}.${incidentId}`;
/** Where wake-ups land when due (and where changes ask for an immediate run). */
export const timerDueSubject = (tenant: string, incidentId: string) => `sb.timers.due.${tenant}.${incidentId}`;
/**
 * Alerts that could not be applied (router/bus/deadletter.ts): one message per alerts-stream message, under
 * `sb.deadletter.<tenant>`, kept until someone retries or discards them (docs/runbooks.md).
 */
export const DEADLETTER_STREAM = 'SB_DEADLETTER';
export const deadLetterSubject = (tenant: string) => `sb.deadletter.${tenant}`;
