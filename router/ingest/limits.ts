// Limits every ingest parser enforces, and the label/annotation building that enforces them.
// Labels are an alert's identity (dedupe, grouping, routing, silences), so a label that breaks a
// limit is rejected rather than cut: truncating two different values to the same prefix would merge
// two alerts. Prose (summary, annotation values) is truncated instead: losing its tail loses no alert.
import { ValidationError } from '../errors.ts';
import type { NamedValue } from './common.ts';

export const INGEST_LIMITS = {
  /** Alerts in one request (Alertmanager group, generic array). */
  maxAlertsPerRequest: 5000,
  /** Labels on one alert, after merging duplicates. */
  maxLabelsPerAlert: 64,
  /** Annotations on one alert. */
  maxAnnotationsPerAlert: 64,
  maxLabelNameLength: 256,
  maxLabelValueLength: 4096,
  /** Longer annotation values are truncated. */
  maxAnnotationValueLength: 16_384,
  /** Longer summaries are truncated: they end up in SMS, chat titles and e-mail subjects. */
  maxSummaryLength: 1024,
  maxFingerprintLength: 256,
} as const;

/** Prometheus' label name syntax; the router's matchers and groupBy rely on it. */
export const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * How a parser treats label names that break {@link LABEL_NAME_PATTERN}:
 * - `sanitise` for payloads the user does not write (Zabbix tags, PRTG, Alertmanager with Prometheus 3
 *   UTF-8 names): invalid characters become `_`, and names that then collide have their values merged;
 * - `strict` for the generic API, where the caller writes the payload and is better told.
 */
export type NameMode = 'sanitise' | 'strict';

const ELLIPSIS = '…';

/**
 * Cuts `text` to at most `max` characters, marking the cut with an ellipsis. Never splits a surrogate
 * pair, so the result is always valid UTF-16 (and so valid UTF-8 once encoded).
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - ELLIPSIS.length;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}

/** The summary as stored: whitespace-trimmed and capped. */
export function capSummary(text: string): string {
  return truncateText(text.trim(), INGEST_LIMITS.maxSummaryLength);
}

/**
 * A Prometheus-valid version of `name`: invalid characters become `_`, a leading digit gets a `_`
 * prefix, and a reserved `__` prefix is cut to one `_` (Prometheus reserves `__*` for internal use,
 * and it keeps `__proto__` out of every label map).
 */
export function sanitiseLabelName(name: string): string {
  // Nearly every name is valid already: one test instead of three passes.
  if (LABEL_NAME_PATTERN.test(name) && !name.startsWith('__')) return name;
  let clean = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (clean === '' || /^[0-9]/.test(clean)) clean = `_${clean}`;
  return clean.replace(/^_{2,}/, '_');
}

/** Rejects a request carrying more alerts than one request may. */
export function checkAlertCount(count: number, field: string): void {
  if (count > INGEST_LIMITS.maxAlertsPerRequest) {
    throw new ValidationError(
      field,
      `has ${count} alerts; at most ${INGEST_LIMITS.maxAlertsPerRequest} are accepted per request (split the request)`,
    );
  }
}

/** Rejects a map with more entries than allowed, before any of them is looked at. */
export function checkEntryCount(count: number, max: number, field: string, what: string): void {
  if (count > max) throw new ValidationError(field, `has ${count} ${what}; at most ${max} are allowed`);
}

function labelName(entry: NamedValue, mode: NameMode): string {
  const name = mode === 'sanitise' ? sanitiseLabelName(entry.name) : entry.name;
  if (mode === 'strict') {
    if (!LABEL_NAME_PATTERN.test(name)) {
      throw new ValidationError(
        entry.field,
        'is not a valid label name (use letters, digits and _; not a digit first)',
      );
    }
    if (name.startsWith('__')) throw new ValidationError(entry.field, 'label names starting with __ are reserved');
  }
  if (name.length > INGEST_LIMITS.maxLabelNameLength) {
    throw new ValidationError(
      entry.field,
      `label name is ${name.length} characters long; at most ${INGEST_LIMITS.maxLabelNameLength} are allowed`,
    );
  }
  return name;
}

/**
 * Builds an alert's labels from `entries`, enforcing names, counts and lengths. Entries that end up
 * with the same name (Zabbix allows a tag twice, `service:web` and `service:db`; sanitising can make
 * `a.b` and `a-b` both `a_b`) are merged into one label whose value is the distinct values, sorted,
 * joined by `,` (`service="db,web"`), so no value is silently dropped and the result does not depend
 * on the order the source listed them in.
 */
export function buildLabels(entries: readonly NamedValue[], mode: NameMode, field: string): Record<string, string> {
  checkEntryCount(entries.length, INGEST_LIMITS.maxLabelsPerAlert, field, 'labels');
  const names = entries.map((e) => labelName(e, mode));
  // Nearly always every name is distinct: one label per entry, no merging needed.
  const distinct = allDistinct(names);
  const labels: [string, string][] = [];
  if (distinct) {
    entries.forEach((e, i) => {
      labels.push([checkLabelValue(names[i] as string, e.value, e), e.value]);
    });
  } else {
    const merged = new Map<string, { values: Set<string>; entry: NamedValue }>();
    entries.forEach((entry, i) => {
      const name = names[i] as string;
      const existing = merged.get(name);
      if (existing) existing.values.add(entry.value);
      else merged.set(name, { values: new Set([entry.value]), entry });
    });
    for (const [name, { values, entry }] of merged) {
      const value = [...values].sort().join(',');
      labels.push([checkLabelValue(name, value, entry), value]);
    }
  }
  checkEntryCount(labels.length, INGEST_LIMITS.maxLabelsPerAlert, field, 'labels');
  // Sorted by name, so equal label sets serialise identically whatever order the source used.
  labels.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, string> = {};
  for (const [name, value] of labels) {
    // Defined, not assigned: a label named __proto__ must be a label, not the object's prototype.
    if (name === '__proto__')
      Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
    else out[name] = value;
  }
  return out;
}

/** Whether no name occurs twice (a handful of labels: comparing pairs is cheaper than building a Set). */
function allDistinct(names: readonly string[]): boolean {
  if (names.length > 16) return new Set(names).size === names.length;
  for (let i = 1; i < names.length; i++) {
    for (let j = 0; j < i; j++) if (names[i] === names[j]) return false;
  }
  return true;
}

/** The label's name when its value is within the length limit; else the error names the entry's field. */
function checkLabelValue(name: string, value: string, entry: NamedValue): string {
  if (value.length > INGEST_LIMITS.maxLabelValueLength) {
    throw new ValidationError(
      entry.field,
      `is ${value.length} characters long; at most ${INGEST_LIMITS.maxLabelValueLength} are allowed in a label value`,
    );
  }
  return name;
}

/**
 * Builds an alert's annotations. Names are free text (generic callers use `runbook-url`) but not
 * empty, not over the name length limit and not `__`-prefixed; values are truncated to the cap.
 */
export function buildAnnotations(
  entries: readonly NamedValue[],
  mode: NameMode,
  field: string,
): Record<string, string> {
  checkEntryCount(entries.length, INGEST_LIMITS.maxAnnotationsPerAlert, field, 'annotations');
  // Assigned, not defined: no name reaching the object starts with `__`, so none is `__proto__`.
  const annotations: Record<string, string> = {};
  for (const entry of entries) {
    let name = entry.name;
    if (name.startsWith('__')) {
      if (mode === 'strict') throw new ValidationError(entry.field, 'annotation names starting with __ are reserved');
      name = name.replace(/^_{2,}/, '_');
    }
    if (name === '') throw new ValidationError(entry.field, 'annotation names must not be empty');
    if (name.length > INGEST_LIMITS.maxLabelNameLength) {
      throw new ValidationError(
        entry.field,
        `annotation name is ${name.length} characters long; at most ${INGEST_LIMITS.maxLabelNameLength} are allowed`,
      );
    }
    annotations[name] = truncateText(entry.value, INGEST_LIMITS.maxAnnotationValueLength);
  }
  return annotations;
}

/** Rejects a fingerprint the router could not use as a key. */
export function checkFingerprint(fingerprint: string, field: string): string {
  if (fingerprint.trim() === '') throw new ValidationError(field, 'must not be empty');
  if (fingerprint.length > INGEST_LIMITS.maxFingerprintLength) {
    throw new ValidationError(
      field,
      `is ${fingerprint.length} characters long; at most ${INGEST_LIMITS.maxFingerprintLength} are allowed`,
    );
  }
  return fingerprint;
}
