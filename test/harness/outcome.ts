// Reading back what the router made of a workload: incidents through the API, events from the stream.
// Shared by the crash, outage and replica tests.
import assert from 'node:assert/strict';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { waitFor } from './ports.ts';
import { ADMIN_TOKEN } from './router.ts';

/** What the incident API answers, as far as these tests read it. */
export interface IncidentSummary {
  id: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  status: string;
  alertCount: number;
  firingCount: number;
}
export interface IncidentEvent {
  type: string;
  incidentId: string;
  fingerprint?: string;
}
export interface IncidentDetail extends IncidentSummary {
  alerts: { fingerprint: string; status: string }[];
  timeline: IncidentEvent[];
}

export async function getJson<T>(baseUrl: string, path: string): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as T;
}

/** Every incident of a tenant, newest first, following nextCursor. */
export async function listIncidents(baseUrl: string, tenant = 'acme'): Promise<IncidentSummary[]> {
  const out: IncidentSummary[] = [];
  let cursor = '';
  for (;;) {
    const page = await getJson<{ incidents: IncidentSummary[]; nextCursor?: string }>(
      baseUrl,
      `/api/v1/incidents?tenant=${tenant}&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
    );
    out.push(...page.incidents);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}

/**
 * What the alerts stream's consumers (one per partition) still have to deliver or have delivered without an
 * acknowledgement, summed, and how often they redelivered.
 */
export async function alertsBacklog(
  conn: NatsConnection,
): Promise<{ pending: number; unacked: number; redelivered: number; consumers: number }> {
  const jsm = await jetstreamManager(conn);
  const out = { pending: 0, unacked: 0, redelivered: 0, consumers: 0 };
  for await (const ci of jsm.consumers.list('SB_ALERTS')) {
    if (!ci.config.durable_name) continue;
    out.consumers++;
    out.pending += ci.num_pending;
    out.unacked += ci.num_ack_pending;
    out.redelivered += ci.num_redelivered;
  }
  return out;
}

/**
 * Waits until the partition consumers have nothing pending or unacknowledged and the number of alerts across
 * the tenant's incidents has reached `expected` and stayed put for a second (a surplus is left to the
 * assertions). `context` adds the router's log tail to a timeout.
 */
export async function settled(
  conn: NatsConnection,
  baseUrl: string,
  expected: number,
  timeoutMs: number,
  context: () => string = () => '',
  tenant = 'acme',
): Promise<void> {
  let stable = { count: -1, since: 0 };
  let last = '';
  await waitFor(
    `${expected} alerts in incidents`,
    async () => {
      const b = await alertsBacklog(conn);
      const count = (await listIncidents(baseUrl, tenant)).reduce((n, i) => n + i.alertCount, 0);
      last = `pending ${b.pending}, unacked ${b.unacked}, redelivered ${b.redelivered}, alerts ${count}`;
      const idle = b.pending === 0 && b.unacked === 0 && count >= expected;
      if (!idle || count !== stable.count) stable = { count: idle ? count : -1, since: Date.now() };
      return idle && Date.now() - stable.since > 1_000;
    },
    timeoutMs,
  ).catch((e) => {
    throw new Error(`${(e as Error).message} (${last})\n${context()}`);
  });
}

/** Every event of a tenant, read from the events stream with an ordered consumer. */
export async function readEvents(conn: NatsConnection, tenant = 'acme'): Promise<IncidentEvent[]> {
  const jsm = await jetstreamManager(conn);
  const filter = `sb.events.${tenant}.>`;
  const info = await jsm.streams.info('SB_EVENTS', { subjects_filter: filter });
  const out: IncidentEvent[] = [];
  if (Object.keys(info.state.subjects ?? {}).length === 0) return out;
  const c = await jetstream(conn).consumers.get('SB_EVENTS', { filter_subjects: [filter] });
  const it = await c.consume({ max_messages: 1000 });
  for await (const m of it) {
    out.push(m.json<IncidentEvent>());
    if (m.info.pending === 0) break;
  }
  await it.close();
  return out;
}
