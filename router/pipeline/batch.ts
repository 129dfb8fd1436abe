// What ingest publishes to the alerts stream: one message per request and tenant.
import type { AlertDraft } from '../alert.ts';

export interface AlertBatch {
  v: 1;
  tenant: string;
  /** ISO 8601: when the router accepted the request. */
  receivedAt: string;
  alerts: AlertDraft[];
}

/**
 * The message text of a batch, built around the alerts' JSON so the caller can hash that same text
 * (ingest serialises each request's alerts once, not once for the id and once for the message).
 */
export function encodeBatch(tenant: string, receivedAt: string, alertsJson: string): string {
  return `{"v":1,"tenant":${JSON.stringify(tenant)},"receivedAt":${JSON.stringify(receivedAt)},"alerts":${alertsJson}}`;
}

export function decodeBatch(data: Uint8Array): AlertBatch {
  const b = JSON.parse(new TextDecoder().decode(data)) as AlertBatch;
  if (b.v !== 1 || typeof b.tenant !== 'string' || !Array.isArray(b.alerts)) throw new Error('not an alert batch');
  return b;
}
