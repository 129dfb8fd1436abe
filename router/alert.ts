// The normalised alert every source is mapped to (SPEC §3).
export const SEVERITIES = ['critical', 'high', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SOURCES = ['alertmanager', 'zabbix', 'prtg', 'generic', 'heartbeat'] as const;
export type Source = (typeof SOURCES)[number];
export type AlertStatus = 'firing' | 'resolved';

/** What a source payload says, before the tenant is known. */
export interface AlertDraft {
  source: Source;
  /** Stable identity of the alert within its tenant: Alertmanager fingerprint, Zabbix problem event id, PRTG sensor id. */
  fingerprint: string;
  status: AlertStatus;
  severity: Severity;
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** ISO 8601. */
  startsAt: string;
  /** ISO 8601; set when resolved. */
  endsAt?: string;
  /** A source-side acknowledgement (Zabbix "acknowledged" updates) to apply to the alert's incident. */
  acknowledgedBy?: string;
  /** Free text the source sent with an update (Zabbix update message). */
  note?: string;
  /** Fields cut to the ingest caps (router/ingest/caps.ts): `summary`, `labels.<name>`, `annotations.<name>`, `note`. */
  truncated?: string[];
}

export interface Alert extends AlertDraft {
  tenant: string;
  /** ISO 8601: when the router accepted it. */
  receivedAt: string;
}
