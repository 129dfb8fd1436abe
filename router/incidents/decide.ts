// Pure decisions of the incident lifecycle: functions of their inputs and `now`, tested in tables.
import { createHash, randomBytes } from 'node:crypto';
import type { Alert, Severity } from '../alert.ts';
import { SEVERITIES } from '../alert.ts';
import type { TenantConfig } from '../config/compiled.ts';
import { matchesAll } from '../config/matchers.ts';
import type { AlertState, Incident, IncidentEvent } from './model.ts';
import { firingCount } from './model.ts';

/** KV-safe key of an alert within a tenant (fingerprints may hold any characters). */
export function alertKey(fingerprint: string): string {
  return createHash('sha256').update(fingerprint).digest('hex').slice(0, 32);
}

/** Sortable, unique incident id: time in base 36, then randomness. */
export function newIncidentId(now: number): string {
  return `${now.toString(36).padStart(9, '0')}${randomBytes(5).toString('hex')}`;
}

/** The earlier of two ISO times, normalised (sources differ in precision and offset notation). */
export function earlier(a: string, b: string): string {
  return new Date(Math.min(Date.parse(a), Date.parse(b))).toISOString();
}

export function severityRank(s: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(s);
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

/** The labels that decide the incident, and a stable key of them. */
export function groupOf(
  tenant: TenantConfig,
  labels: Record<string, string>,
): { key: string; labels: Record<string, string> } {
  const names = tenant.groupBy.includes('...') ? Object.keys(labels).sort() : tenant.groupBy;
  const picked: Record<string, string> = {};
  for (const n of names) picked[n] = labels[n] ?? '';
  const key = createHash('sha256')
    .update(JSON.stringify(Object.entries(picked)))
    .digest('hex')
    .slice(0, 32);
  return { key, labels: picked };
}

/**
 * The labels matchers see: the alert's labels with `severity` set to the normalised severity, so
 * `severity=~"critical|high"` means the same for Alertmanager, Zabbix, PRTG and generic alerts.
 */
export function matchableLabels(alert: Pick<Alert, 'labels' | 'severity'>): Record<string, string> {
  return { ...alert.labels, severity: alert.severity };
}

/** First matching route decides severity and policy; otherwise the tenant default. */
export function route(
  tenant: TenantConfig,
  alert: Pick<Alert, 'labels' | 'severity'>,
): { severity: Severity; policy: string } {
  const labels = matchableLabels(alert);
  for (const r of tenant.routes) {
    if (matchesAll(r.matchers, labels)) {
      return { severity: r.severity ?? alert.severity, policy: r.escalationPolicy ?? tenant.escalationPolicy };
    }
  }
  return { severity: alert.severity, policy: tenant.escalationPolicy };
}

/** When the alert's status changed according to its source. */
export function changedAt(alert: Pick<Alert, 'status' | 'startsAt' | 'endsAt' | 'receivedAt'>): string {
  return alert.status === 'resolved' ? (alert.endsAt ?? alert.receivedAt) : alert.startsAt;
}

export type AlertDecision =
  /** A new or re-fired alert: it joins (or opens) its group's incident. */
  | 'fire'
  /** Firing again while firing: the same alert, deduplicated. */
  | 'duplicate'
  /** Resolved while firing: leaves its incident resolved. */
  | 'resolve'
  /** Resolved, and it was not firing: nothing to do (recorded so a late "firing" is recognised as stale). */
  | 'resolved-unknown'
  /** Older than what we already know (out-of-order delivery): ignored. */
  | 'stale';

export function decideAlert(
  prev: AlertState | null,
  alert: Pick<Alert, 'status' | 'startsAt' | 'endsAt' | 'receivedAt'>,
): AlertDecision {
  const at = Date.parse(changedAt(alert));
  if (prev && prev.status !== alert.status && at < Date.parse(prev.changedAt)) return 'stale';
  if (alert.status === 'firing') return prev?.status === 'firing' ? 'duplicate' : 'fire';
  return prev?.status === 'firing' ? 'resolve' : 'resolved-unknown';
}

export function openIncident(
  id: string,
  tenant: TenantConfig,
  group: { key: string; labels: Record<string, string> },
  policy: string,
  severity: Severity,
  alert: Alert,
  now: number,
): Incident {
  const at = new Date(now).toISOString();
  return {
    id,
    tenant: tenant.name,
    groupKey: group.key,
    groupLabels: group.labels,
    title: alert.summary,
    severity,
    status: 'triggered',
    policy,
    openedAt: at,
    startsAt: earlier(alert.startsAt, at),
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    alerts: {},
    updatedAt: at,
  };
}

export interface Transition {
  incident: Incident;
  /** False when the incident already was in this state (a repeated step): nothing to write. */
  changed: boolean;
  /**
   * The events this step stands for. A repeated step lists them again (without what cannot be told
   * any more): appending is idempotent by event id, so a crash between writing and appending heals.
   */
  events: IncidentEvent[];
}

function event(
  i: Incident,
  type: IncidentEvent['type'],
  now: number,
  extra: Partial<IncidentEvent> = {},
): IncidentEvent {
  return { type, at: new Date(now).toISOString(), tenant: i.tenant, incidentId: i.id, ...extra };
}

/**
 * Adds a firing alert to an open incident. Idempotent: applying it twice changes nothing more.
 * With `draft`, `i` is a private copy the caller owns and is changed in place (a batch applying
 * thousands of alerts to one incident would otherwise copy its alert map for every alert).
 */
export function withFiringAlert(i: Incident, alert: Alert, severity: Severity, now: number, draft = false): Transition {
  const key = alertKey(alert.fingerprint);
  const firing = event(i, 'alert.firing', now, {
    fingerprint: alert.fingerprint,
    summary: alert.summary,
    severity,
    source: alert.source,
    changedAt: changedAt(alert),
  });
  const known = i.alerts[key];
  // Already firing here: restate its event as first recorded (same id), in case that append was lost.
  if (known?.status === 'firing')
    return { incident: i, changed: false, events: [{ ...firing, changedAt: known.since }] };
  const raised = maxSeverity(i.severity, severity);
  const events = [firing];
  if (raised !== i.severity && Object.keys(i.alerts).length > 0) {
    events.push(event(i, 'incident.severity_changed', now, { severity: raised, previousSeverity: i.severity }));
  }
  const next: Incident = draft ? i : { ...i, alerts: { ...i.alerts } };
  next.alerts[key] = { status: 'firing', since: changedAt(alert) };
  next.severity = raised;
  next.startsAt = earlier(alert.startsAt, i.startsAt);
  next.updatedAt = new Date(now).toISOString();
  return { incident: next, changed: true, events };
}

/** Marks an alert resolved; the incident resolves when none of its alerts fires any more. `draft`: as above. */
export function withResolvedAlert(i: Incident, alert: Alert, now: number, draft = false): Transition {
  const key = alertKey(alert.fingerprint);
  const at = new Date(now).toISOString();
  const resolvedAlert = event(i, 'alert.resolved', now, {
    fingerprint: alert.fingerprint,
    summary: alert.summary,
    changedAt: changedAt(alert),
  });
  const autoResolvedBy = `${alert.source} (all alerts resolved)`;
  const known = i.alerts[key];
  if (known?.status !== 'firing') {
    const events: IncidentEvent[] = known?.status === 'resolved' ? [{ ...resolvedAlert, changedAt: known.since }] : [];
    if (events.length && i.status === 'resolved' && i.resolvedBy === autoResolvedBy && firingCount(i) === 0) {
      events.push(event(i, 'incident.resolved', Date.parse(i.resolvedAt ?? at), { by: autoResolvedBy }));
    }
    return { incident: i, changed: false, events };
  }
  const wasResolved = i.status === 'resolved';
  const next: Incident = draft ? i : { ...i, alerts: { ...i.alerts } };
  next.alerts[key] = { status: 'resolved', since: changedAt(alert) };
  next.updatedAt = at;
  const events = [resolvedAlert];
  if (!wasResolved && firingCount(next) === 0) {
    next.status = 'resolved';
    next.resolvedAt = at;
    next.resolvedBy = autoResolvedBy;
    events.push(event(i, 'incident.resolved', now, { by: autoResolvedBy }));
  }
  return { incident: next, changed: true, events };
}

export type ManualAction = { kind: 'acknowledge'; by: string } | { kind: 'resolve'; by: string };

/** Acknowledge or resolve by a person; an error message when the transition is not allowed. */
export function applyManual(i: Incident, action: ManualAction, now: number): Transition | { error: string } {
  const at = new Date(now).toISOString();
  if (i.status === 'resolved') return { error: `incident ${i.id} is already resolved` };
  if (action.kind === 'acknowledge') {
    if (i.status === 'acknowledged') return { incident: i, changed: false, events: [] };
    return {
      incident: { ...i, status: 'acknowledged', acknowledgedAt: at, acknowledgedBy: action.by, updatedAt: at },
      changed: true,
      events: [event(i, 'incident.acknowledged', now, { by: action.by })],
    };
  }
  return {
    incident: {
      ...i,
      status: 'resolved',
      resolvedAt: at,
      resolvedBy: action.by,
      // Resolving by hand also acknowledges: response time ends at the latest here.
      acknowledgedAt: i.acknowledgedAt ?? at,
      acknowledgedBy: i.acknowledgedBy ?? action.by,
      updatedAt: at,
    },
    changed: true,
    events: [
      ...(i.acknowledgedAt ? [] : [event(i, 'incident.acknowledged', now, { by: action.by })]),
      event(i, 'incident.resolved', now, { by: action.by }),
    ],
  };
}
