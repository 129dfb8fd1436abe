// Builders for the muter tests: a tenant config and a firing alert with only what a test changes.
import type { Alert } from '../../../router/alert.ts';
import type { TenantConfig } from '../../../router/config/compiled.ts';
import { parseMatcher } from '../../../router/config/matchers.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export function tenantConfig(over: Partial<TenantConfig> = {}): TenantConfig {
  return {
    name: 'acme',
    namespace: 'msp',
    displayName: 'Acme',
    timezone: 'Europe/Berlin',
    serviceLevel: 'msp/gold',
    escalationPolicy: 'msp/default',
    ingestTokenSha256: null,
    responderTokenSha256: null,
    match: [],
    routes: [],
    groupBy: ['alertname'],
    inhibitRules: [],
    limits: { alertsPerMinute: null, newIncidentsPerMinute: null },
    flapping: { changes: 6, windowMs: 30 * MINUTE, stableForMs: 30 * MINUTE },
    heartbeats: [],
    statusPage: { enabled: false, components: [], viewerTokenSha256: null },
    ...over,
  };
}

export function firing(over: Partial<Alert> = {}): Alert {
  return {
    tenant: 'acme',
    source: 'generic',
    fingerprint: 'fp1',
    status: 'firing',
    severity: 'warning',
    summary: 'Disk full on db01',
    labels: { alertname: 'DiskFull', instance: 'db01' },
    annotations: {},
    startsAt: '2026-03-09T07:00:00Z',
    receivedAt: '2026-03-09T07:00:01Z',
    ...over,
  };
}

/** Matchers from Alertmanager strings. */
export const ms = (...texts: string[]) => texts.map(parseMatcher);
