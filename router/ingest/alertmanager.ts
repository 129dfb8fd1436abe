// Prometheus Alertmanager webhook receiver payloads (version "4", Alertmanager 0.x) to alert drafts.
// Shape: { version: "4", status, receiver, groupKey, truncatedAlerts, alerts: [{ status, labels,
// annotations, startsAt, endsAt, generatorURL, fingerprint }], ... }. Only `version`, `alerts` and
// `truncatedAlerts` are read from the envelope; the group-level fields repeat what the alerts carry.
import type { AlertDraft, AlertStatus, Severity } from '../alert.ts';
import { ValidationError } from '../errors.ts';
import {
  describeType,
  type IngestResult,
  indexPath,
  isCanonicalIso,
  isGoZeroTime,
  type JsonObject,
  keyPath,
  type NamedValue,
  optionalString,
  ownField,
  parseRfc3339,
  preview,
  readStringMap,
  requireArray,
  requireObject,
  stableFingerprint,
  toIso,
} from './common.ts';
import {
  buildAnnotations,
  buildLabels,
  capSummary,
  checkAlertCount,
  checkFingerprint,
  INGEST_LIMITS,
} from './limits.ts';

export const ALERTMANAGER_PAYLOAD_VERSION = '4';

/**
 * `labels.severity` values, lower-cased, to severities. Besides Prometheus conventions it accepts
 * the names other tools use (Zabbix's disaster/average, ITSM's major/minor) because rules are often
 * ported from them. A missing or unlisted value maps to `warning`: loud enough to be seen, but it
 * does not page at night as `critical` would, and `labels.severity` itself is kept for routing.
 */
const SEVERITY_BY_LABEL = new Map<string, Severity>([
  ['critical', 'critical'],
  ['crit', 'critical'],
  ['page', 'critical'],
  ['disaster', 'critical'],
  ['high', 'high'],
  ['error', 'high'],
  ['major', 'high'],
  ['warning', 'warning'],
  ['warn', 'warning'],
  ['average', 'warning'],
  ['minor', 'warning'],
  ['info', 'info'],
  ['information', 'info'],
  ['informational', 'info'],
  ['low', 'info'],
  ['none', 'info'],
]);

export const DEFAULT_ALERTMANAGER_SEVERITY: Severity = 'warning';

/** The severity a `labels.severity` value stands for; see {@link SEVERITY_BY_LABEL}. */
export function severityFromLabel(value: string | undefined): Severity {
  if (value === undefined) return DEFAULT_ALERTMANAGER_SEVERITY;
  return SEVERITY_BY_LABEL.get(value.trim().toLowerCase()) ?? DEFAULT_ALERTMANAGER_SEVERITY;
}

/**
 * Parses an Alertmanager webhook body. `truncated` in the result is the payload's `truncatedAlerts`:
 * alerts of the group Alertmanager left out because of the receiver's `max_alerts`. They are not
 * lost to Alertmanager (they stay in its group) but Switchboard has not seen them; the HTTP layer
 * should log and count them.
 */
const GRAFANA_PAYLOAD_VERSION = '1';

export function parseAlertmanager(body: unknown, receivedAt: Date): IngestResult {
  const payload = requireObject(body, '', 'an Alertmanager webhook payload (a JSON object)');
  checkVersion(ownField(payload, 'version'), ownField(payload, 'orgId') !== undefined);
  const alerts = requireArray(ownField(payload, 'alerts'), 'alerts', 'an array of alerts');
  checkAlertCount(alerts.length, 'alerts');
  const truncated = readTruncatedAlerts(payload);
  const drafts: AlertDraft[] = [];
  for (let i = 0; i < alerts.length; i++) drafts.push(parseAlert(alerts[i], indexPath('alerts', i), receivedAt));
  return { alerts: drafts, truncated };
}

/**
 * Alertmanager's webhook is version "4". Grafana Alerting's webhook contact point sends the same shape (plus
 * orgId, title, state, message, and per alert fingerprint, silenceURL, dashboardURL, panelURL, values) as
 * version "1"; it is told apart by its orgId.
 */
function checkVersion(version: unknown, grafana: boolean): void {
  if (version === ALERTMANAGER_PAYLOAD_VERSION || (grafana && version === GRAFANA_PAYLOAD_VERSION)) return;
  if (version === undefined) {
    throw new ValidationError('version', `is missing; Switchboard reads Alertmanager webhook payload version "4"`);
  }
  throw new ValidationError(
    'version',
    `${preview(version)} is not supported; Switchboard reads Alertmanager webhook payload version "4" (and Grafana Alerting's "1", which carries orgId)`,
  );
}

function readTruncatedAlerts(payload: JsonObject): number {
  const value = ownField(payload, 'truncatedAlerts');
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError('truncatedAlerts', `must be a whole number of 0 or more, got ${preview(value)}`);
  }
  return value;
}

function parseAlert(value: unknown, field: string, receivedAt: Date): AlertDraft {
  const alert = requireObject(value, field, 'an alert object');
  const status = readStatus(alert, field);
  const rawLabels = ownField(alert, 'labels');
  if (rawLabels === undefined) throw new ValidationError(keyPath(field, 'labels'), 'is required');
  const labelsField = keyPath(field, 'labels');
  const labels = buildLabels(
    readStringMap(rawLabels, labelsField, INGEST_LIMITS.maxLabelsPerAlert, 'labels'),
    'sanitise',
    labelsField,
  );
  const annotationEntries = readAnnotations(alert, field);
  const annotations = buildAnnotations(annotationEntries, 'sanitise', keyPath(field, 'annotations'));
  const fingerprint = readFingerprint(alert, field) ?? stableFingerprint(labels);
  const startsAt = readTime(alert, 'startsAt', field, true);
  const draft: AlertDraft = {
    source: 'alertmanager',
    fingerprint,
    status,
    severity: severityFromLabel(labels['severity']),
    summary: summaryOf(annotations, labels, fingerprint),
    labels,
    annotations,
    startsAt: startsAt ?? toIso(receivedAt.getTime()),
  };
  // A firing alert's endsAt is only Alertmanager's guess of when it will time out; a resolved
  // alert's endsAt is when it ended (receipt if Alertmanager left it unset).
  if (status === 'resolved') draft.endsAt = readTime(alert, 'endsAt', field, false) ?? toIso(receivedAt.getTime());
  return draft;
}

function readStatus(alert: JsonObject, field: string): AlertStatus {
  const status = ownField(alert, 'status');
  if (status === 'firing' || status === 'resolved') return status;
  const statusField = keyPath(field, 'status');
  if (status === undefined) throw new ValidationError(statusField, 'is required ("firing" or "resolved")');
  throw new ValidationError(statusField, `must be "firing" or "resolved", got ${preview(status)}`);
}

/**
 * Links a responder follows: Alertmanager's `generatorURL` (the Prometheus graph), and Grafana's dashboard,
 * panel and silence links.
 */
const LINK_FIELDS = ['generatorURL', 'dashboardURL', 'panelURL', 'silenceURL'] as const;

/** Annotations, plus the alert's links (LINK_FIELDS) as annotations unless one of that name is already there. */
function readAnnotations(alert: JsonObject, field: string): NamedValue[] {
  const raw = ownField(alert, 'annotations');
  const annotationsField = keyPath(field, 'annotations');
  const entries =
    raw === undefined ? [] : readStringMap(raw, annotationsField, INGEST_LIMITS.maxAnnotationsPerAlert, 'annotations');
  for (const name of LINK_FIELDS) {
    const url = optionalString(alert, name, field);
    if (url && !entries.some((e) => e.name === name)) entries.push({ name, value: url, field: keyPath(field, name) });
  }
  return entries;
}

/** Alertmanager's fingerprint; absent or empty means "compute one" (hand-written or proxied payloads). */
function readFingerprint(alert: JsonObject, field: string): string | undefined {
  const fingerprint = optionalString(alert, 'fingerprint', field);
  if (fingerprint === undefined || fingerprint === '') return undefined;
  return checkFingerprint(fingerprint, keyPath(field, 'fingerprint'));
}

/**
 * `startsAt`/`endsAt` as ISO 8601 in UTC with milliseconds (what the router stores), or undefined when unset
 * (absent, empty or Go's zero time).
 */
function readTime(alert: JsonObject, key: string, field: string, required: boolean): string | undefined {
  const value = ownField(alert, key);
  if (value === undefined) {
    if (required) throw new ValidationError(keyPath(field, key), 'is required (an RFC 3339 timestamp)');
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new ValidationError(keyPath(field, key), `must be an RFC 3339 timestamp string, got ${describeType(value)}`);
  }
  if (value === '' || isGoZeroTime(value)) return undefined;
  const epoch = parseRfc3339(value);
  if (epoch === null) {
    throw new ValidationError(keyPath(field, key), `${preview(value)} is not an RFC 3339 timestamp`);
  }
  return isCanonicalIso(value) ? value : toIso(epoch);
}

/** `summary`, else `description` annotation, else the alert name: what a human reads first. */
function summaryOf(annotations: Record<string, string>, labels: Record<string, string>, fingerprint: string): string {
  for (const candidate of [annotations['summary'], annotations['description'], labels['alertname']]) {
    if (candidate !== undefined && candidate.trim() !== '') return capSummary(candidate);
  }
  return `Alertmanager alert ${fingerprint}`;
}
