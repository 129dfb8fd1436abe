// Limits of the JetStream resources the router creates. Explicit, so storage is bounded and a NATS
// cluster gets the replica count the operator asks for.
export interface BusSettings {
  /** Replicas of every stream and bucket (1 on a single server, 3 on a production cluster; at most 5). */
  replicas: number;
  /**
   * Partitions of the alerts stream: a tenant's alerts are always in the same one, and each partition is
   * applied by one replica at a time, in order (docs/scaling.md). Every replica must use the same count; a
   * change re-partitions the stream (the old partitions are drained first).
   */
  partitions: number;
  /** How long accepted alerts stay in the alerts stream (they are processed within seconds). */
  alertsMaxAgeMs: number;
  alertsMaxBytes: number;
  /** Window in which a repeated `Nats-Msg-Id` is dropped as a redelivery. */
  duplicateWindowMs: number;
  /** How long the audit trail is kept (reports compare a period with the one before). */
  eventsMaxAgeMs: number;
  eventsMaxBytes: number;
  incidentsMaxBytes: number;
  /** The dead-letter stream's size limit (alerts that could not be applied: router/bus/deadletter.ts). */
  deadLetterMaxBytes: number;
}

const DAY = 86_400_000;

export const DEFAULT_BUS_SETTINGS: BusSettings = {
  replicas: 1,
  partitions: 8,
  alertsMaxAgeMs: 7 * DAY,
  alertsMaxBytes: 2 * 1024 ** 3,
  duplicateWindowMs: 10 * 60_000,
  eventsMaxAgeMs: 400 * DAY,
  eventsMaxBytes: 10 * 1024 ** 3,
  incidentsMaxBytes: 2 * 1024 ** 3,
  deadLetterMaxBytes: 256 * 1024 ** 2,
};
