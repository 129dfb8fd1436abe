// The generic JSON alert API (`POST /api/v1/alerts`): for scripts and tools without a dedicated parser.
//
//   { "summary": "Disk full on db01",            required
//     "fingerprint": "db01-disk",                optional; default: hash of labels + summary
//     "status": "firing" | "resolved",           optional; default firing
//     "severity": "critical" | "high" | "warning" | "info",   optional; default warning
//     "labels": { "host": "db01" },              optional; Prometheus label names, string values
//     "annotations": { "runbook": "https://…" }, optional; string values
//     "startsAt": "2026-11-26T15:14:44Z",        optional RFC 3339 with offset; default: receipt
//     "endsAt": "2026-11-26T15:20:00Z" }         optional; read only when resolved; default: receipt
//
// One object or an array of them. The caller writes this payload, so it is validated strictly:
// wrong types, unknown fields (a typo such as `sumary`) and invalid label names are rejected with
// the exact path (`[2].labels.host: must be a string, got a number`), never silently fixed.
import { type AlertDraft, type AlertStatus, SEVERITIES, type Severity } from '../alert.ts';
import { ValidationError } from '../errors.ts';
import {
  describeType,
  type IngestResult,
  indexPath,
  isGoZeroTime,
  isJsonObject,
  type JsonObject,
  keyPath,
  optionalString,
  ownField,
  parseRfc3339,
  preview,
  readStringMap,
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

export const GENERIC_ALERT_FIELDS = [
  'fingerprint',
  'status',
  'severity',
  'summary',
  'labels',
  'annotations',
  'startsAt',
  'endsAt',
] as const;

const KNOWN_FIELDS = new Set<string>(GENERIC_ALERT_FIELDS);

export const DEFAULT_GENERIC_SEVERITY: Severity = 'warning';

/**
 * Parses a generic alert body. Without a `fingerprint`, an alert is identified by its labels and
 * summary together: send a fingerprint if the summary carries changing numbers ("CPU at 93%"),
 * or each repetition becomes a new alert.
 */
export function parseGeneric(body: unknown, receivedAt: Date): IngestResult {
  if (Array.isArray(body)) {
    if (body.length === 0) throw new ValidationError('', 'is an empty array; send at least one alert');
    checkAlertCount(body.length, '');
    const alerts: AlertDraft[] = [];
    for (let i = 0; i < body.length; i++) alerts.push(parseAlert(body[i], indexPath('', i), receivedAt));
    return { alerts, truncated: 0 };
  }
  if (isJsonObject(body)) return { alerts: [parseAlert(body, '', receivedAt)], truncated: 0 };
  throw new ValidationError('', `must be an alert object or an array of alert objects, got ${describeType(body)}`);
}

function parseAlert(value: unknown, field: string, receivedAt: Date): AlertDraft {
  const alert = requireObject(value, field, 'an alert object');
  rejectUnknownFields(alert, field);
  const summary = readSummary(alert, field);
  const status = readStatus(alert, field);
  const labelsField = keyPath(field, 'labels');
  const rawLabels = ownField(alert, 'labels');
  const labels = buildLabels(
    rawLabels === undefined ? [] : readStringMap(rawLabels, labelsField, INGEST_LIMITS.maxLabelsPerAlert, 'labels'),
    'strict',
    labelsField,
  );
  const annotationsField = keyPath(field, 'annotations');
  const rawAnnotations = ownField(alert, 'annotations');
  const annotations = buildAnnotations(
    rawAnnotations === undefined
      ? []
      : readStringMap(rawAnnotations, annotationsField, INGEST_LIMITS.maxAnnotationsPerAlert, 'annotations'),
    'strict',
    annotationsField,
  );
  const fingerprint = readFingerprint(alert, field) ?? stableFingerprint(labels, summary);
  const startsAt = readTime(alert, 'startsAt', field);
  const endsAt = readTime(alert, 'endsAt', field);
  const draft: AlertDraft = {
    source: 'generic',
    fingerprint,
    status,
    severity: readSeverity(alert, field),
    summary: capSummary(summary),
    labels,
    annotations,
    startsAt: toIso(startsAt ?? receivedAt.getTime()),
  };
  if (status === 'resolved') draft.endsAt = toIso(endsAt ?? receivedAt.getTime());
  return draft;
}

function rejectUnknownFields(alert: JsonObject, field: string): void {
  for (const key of Object.keys(alert)) {
    if (!KNOWN_FIELDS.has(key)) {
      throw new ValidationError(
        keyPath(field, key),
        `is not a field of a generic alert (known: ${GENERIC_ALERT_FIELDS.join(', ')}); put extra data in labels or annotations`,
      );
    }
  }
}

function readSummary(alert: JsonObject, field: string): string {
  const summary = optionalString(alert, 'summary', field);
  if (summary === undefined) throw new ValidationError(keyPath(field, 'summary'), 'is required');
  if (summary.trim() === '') throw new ValidationError(keyPath(field, 'summary'), 'must not be empty');
  return summary.trim();
}

function readStatus(alert: JsonObject, field: string): AlertStatus {
  const status = ownField(alert, 'status');
  if (status === undefined || status === 'firing') return 'firing';
  if (status === 'resolved') return 'resolved';
  throw new ValidationError(keyPath(field, 'status'), `must be "firing" or "resolved", got ${preview(status)}`);
}

function readSeverity(alert: JsonObject, field: string): Severity {
  const severity = ownField(alert, 'severity');
  if (severity === undefined) return DEFAULT_GENERIC_SEVERITY;
  const known = SEVERITIES.find((s) => s === severity);
  if (known) return known;
  throw new ValidationError(
    keyPath(field, 'severity'),
    `must be one of ${SEVERITIES.map((s) => `"${s}"`).join(', ')}, got ${preview(severity)}`,
  );
}

function readFingerprint(alert: JsonObject, field: string): string | undefined {
  const fingerprint = optionalString(alert, 'fingerprint', field);
  return fingerprint === undefined ? undefined : checkFingerprint(fingerprint, keyPath(field, 'fingerprint'));
}

function readTime(alert: JsonObject, key: string, field: string): number | undefined {
  const timeField = keyPath(field, key);
  const value = optionalString(alert, key, field);
  if (value === undefined || isGoZeroTime(value)) return undefined;
  const epoch = parseRfc3339(value);
  if (epoch === null) {
    throw new ValidationError(
      timeField,
      `${preview(value)} is not an RFC 3339 timestamp with an offset (e.g. "2026-11-26T15:14:44Z")`,
    );
  }
  return epoch;
}
