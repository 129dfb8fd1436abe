// Pure decisions of the incident lifecycle: functions of their inputs and `now`, tested in tables.
import { createHash, randomBytes } from 'node:crypto';
import type { Alert, Severity } from '../alert.ts';
import { SEVERITIES } from '../alert.ts';
import type { TenantConfig } from '../config/compiled.ts';
import { matchesAll } from '../config/matchers.ts';
import type { AlertState, Incident, IncidentEvent, Membership } from './model.ts';

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
  /** False when the opening alert is muted: the incident is recorded but pages nobody (pagingSince null). */
  paging = true,
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
    updatedAt: at,
    pagingSince: paging ? at : null,
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

/** A change of one alert in one incident: its new membership (null: unchanged) and the incident's transition. */
export interface AlertTransition extends Transition {
  membership: Membership | null;
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
 * An alert fires in an open incident (`known`: its membership there, if any). Idempotent: a repeat
 * changes nothing and restates the event under the id it was first recorded with.
 */
export function alertFiringIn(
  i: Incident,
  known: Membership | undefined,
  alert: Alert,
  severity: Severity,
  now: number,
  /** False when this firing is muted (it joins, and pages nobody). */
  paging = true,
): AlertTransition {
  const firing = event(i, 'alert.firing', now, {
    fingerprint: alert.fingerprint,
    summary: alert.summary,
    severity,
    source: alert.source,
    labels: alert.labels,
    changedAt: known?.status === 'firing' ? known.since : changedAt(alert),
  });
  if (known?.status === 'firing') return { incident: i, changed: false, membership: null, events: [firing] };
  const raised = maxSeverity(i.severity, severity);
  const startsAt = earlier(alert.startsAt, i.startsAt);
  const events = [firing];
  if (raised !== i.severity) {
    events.push(event(i, 'incident.severity_changed', now, { severity: raised, previousSeverity: i.severity }));
  }
  const starts = paging && i.pagingSince === null;
  if (starts) events.push(event(i, 'incident.paging', now, { fingerprint: alert.fingerprint, summary: alert.summary }));
  const changed = raised !== i.severity || startsAt !== i.startsAt || starts;
  const at = new Date(now).toISOString();
  return {
    incident: changed ? { ...i, severity: raised, startsAt, updatedAt: at, ...(starts ? { pagingSince: at } : {}) } : i,
    changed,
    membership: { status: 'firing', since: changedAt(alert) },
    events,
  };
}

/**
 * An alert resolves in its incident. `firingAfter` is how many of the incident's alerts still fire once
 * this one has resolved: at 0 the incident resolves. Idempotent like alertFiringIn.
 */
export function alertResolvedIn(
  i: Incident,
  known: Membership | undefined,
  alert: Alert,
  now: number,
  firingAfter: number,
): AlertTransition {
  const repeat = known?.status === 'resolved';
  const events: IncidentEvent[] = [];
  if (known) {
    events.push(
      event(i, 'alert.resolved', now, {
        fingerprint: alert.fingerprint,
        summary: alert.summary,
        changedAt: repeat ? known.since : changedAt(alert),
      }),
    );
  }
  const membership: Membership | null = known && !repeat ? { status: 'resolved', since: changedAt(alert) } : null;
  const quiet = resolveWhenQuiet(i, firingAfter, now, `${alert.source} (all alerts resolved)`);
  return { ...quiet, membership, events: [...events, ...quiet.events] };
}

/**
 * An incident none of whose alerts fires any more resolves (also run when another replica's change
 * made it quiet, and at start-up, so no incident is left open without a firing alert).
 */
export function resolveWhenQuiet(i: Incident, firing: number, now: number, by = 'all alerts resolved'): Transition {
  if (firing > 0) return { incident: i, changed: false, events: [] };
  if (i.status === 'resolved') {
    // Restate the resolution if it was ours, in case its event was lost.
    const restated = i.resolvedBy?.includes('all alerts resolved')
      ? [event(i, 'incident.resolved', Date.parse(i.resolvedAt ?? new Date(now).toISOString()), { by: i.resolvedBy })]
      : [];
    return { incident: i, changed: false, events: restated };
  }
  const at = new Date(now).toISOString();
  return {
    incident: { ...i, status: 'resolved', resolvedAt: at, resolvedBy: by, updatedAt: at },
    changed: true,
    events: [event(i, 'incident.resolved', now, { by })],
  };
}

/**
 * A muted incident starts paging: one of its firing alerts is no longer muted (a window ended, a silence
 * expired, the inhibiting source resolved, business hours began, the alert became stable). Idempotent.
 */
export function startPaging(i: Incident, now: number, why: string): Transition {
  if (i.pagingSince !== null || i.status === 'resolved') return { incident: i, changed: false, events: [] };
  const at = new Date(now).toISOString();
  return {
    incident: { ...i, pagingSince: at, updatedAt: at },
    changed: true,
    events: [event(i, 'incident.paging', now, { text: why })],
  };
}

/** `by`: who, as shown; `principal`: the authenticated caller that did it (router/api/auth.ts principalName). */
export type ManualAction = { kind: 'acknowledge' | 'resolve'; by: string; principal?: string };

/** Acknowledge or resolve by a person; an error message when the transition is not allowed. */
export function applyManual(i: Incident, action: ManualAction, now: number): Transition | { error: string } {
  const at = new Date(now).toISOString();
  const actor = { by: action.by, ...(action.principal ? { principal: action.principal } : {}) };
  if (i.status === 'resolved') return { error: `incident ${i.id} is already resolved` };
  if (action.kind === 'acknowledge') {
    if (i.status === 'acknowledged') return { incident: i, changed: false, events: [] };
    return {
      incident: { ...i, status: 'acknowledged', acknowledgedAt: at, acknowledgedBy: action.by, updatedAt: at },
      changed: true,
      events: [event(i, 'incident.acknowledged', now, actor)],
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
      ...(i.acknowledgedAt ? [] : [event(i, 'incident.acknowledged', now, actor)]),
      event(i, 'incident.resolved', now, actor),
    ],
  };
}
