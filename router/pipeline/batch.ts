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
 * The message of a batch, built around the alerts' JSON bytes so the caller can hash those same bytes
 * (ingest serialises and encodes each request's alerts once, not once for the id and once for the message).
 */
export function encodeBatch(tenant: string, receivedAt: string, alertsJson: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(batchHead(tenant, receivedAt)), alertsJson, BATCH_TAIL]);
}

/** The bytes a batch's message adds to its alerts' JSON. */
export function batchOverhead(tenant: string, receivedAt: string): number {
  return Buffer.byteLength(batchHead(tenant, receivedAt)) + BATCH_TAIL.length;
}

const batchHead = (tenant: string, receivedAt: string) =>
  `{"v":1,"tenant":${JSON.stringify(tenant)},"receivedAt":${JSON.stringify(receivedAt)},"alerts":`;
const BATCH_TAIL = Buffer.from('}');

export function decodeBatch(data: Uint8Array): AlertBatch {
  const b = JSON.parse(new TextDecoder().decode(data)) as AlertBatch;
  if (b.v !== 1 || typeof b.tenant !== 'string' || !Array.isArray(b.alerts)) throw new Error('not an alert batch');
  return b;
}
