// What ingest publishes to the alerts stream: one message per request and tenant.
import type { AlertDraft } from '../alert.ts';

export interface AlertBatch {
  v: 1;
  tenant: string;
  /** ISO 8601: when the router accepted the request. */
  receivedAt: string;
  alerts: AlertDraft[];
}

export function decodeBatch(data: Uint8Array): AlertBatch {
  const b = JSON.parse(new TextDecoder().decode(data)) as AlertBatch;
  if (b.v !== 1 || typeof b.tenant !== 'string' || !Array.isArray(b.alerts)) throw new Error('not an alert batch');
  return b;
}
