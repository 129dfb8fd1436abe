// Limits every ingest parser enforces, and the label/annotation building that enforces them. Counts and
// names are schema (a 400 naming the field); sizes are truncated, never rejected, so an alert is never
// lost for being large (router/ingest/caps.ts caps what is stored, docs/api.md has the table).
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
  /** Longer label values are cut, with a hash of the whole value so distinct values stay distinct (caps.ts). */
  maxLabelValueLength: 1024,
  /** Longer annotation values are truncated. */
  maxAnnotationValueLength: 4096,
  /** All label values of one alert together, in UTF-8 bytes; later ones (by name) are cut first. */
  maxLabelValueBytes: 8192,
  /** All annotation values of one alert together, in UTF-8 bytes; later ones (by name) are cut first. */
  maxAnnotationBytes: 8192,
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

/**
 * Cuts `text` to at most `max` characters, ending it with the visible marker `… [truncated N bytes]` (N:
 * the UTF-8 bytes cut). Never splits a surrogate pair, so the result is always valid UTF-16 (and so valid
 * UTF-8 once encoded). `tag` goes into the marker after the count (caps.ts puts a label value's hash there).
 */
export function truncateText(text: string, max: number, tag = ''): string {
  if (text.length <= max) return text;
  // The marker's length depends on the count, which depends on the cut: at most two tries settle it.
  let end = max;
  for (let i = 0; i < 3; i++) {
    const marker = truncationMarker(Buffer.byteLength(text.slice(safeEnd(text, end))), tag);
    const next = Math.max(0, max - marker.length);
    if (next === end) break;
    end = next;
  }
  end = safeEnd(text, end);
  return text.slice(0, end) + truncationMarker(Buffer.byteLength(text.slice(end)), tag);
}

/** `end`, or one less when it would split a surrogate pair. */
function safeEnd(text: string, end: number): number {
  if (end <= 0) return 0;
  const last = text.charCodeAt(end - 1);
  return last >= 0xd800 && last <= 0xdbff ? end - 1 : end;
}

export function truncationMarker(bytesCut: number, tag = ''): string {
  return `… [truncated ${bytesCut} bytes${tag ? `, ${tag}` : ''}]`;
}

/** Whether a value ends with the marker truncateText writes (cut by a parser or an earlier version). */
export const TRUNCATED_SUFFIX = /… \[truncated \d+ bytes(, [^\]]*)?\]$/;

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
      labels.push([names[i] as string, e.value]);
    });
  } else {
    const merged = new Map<string, { values: Set<string> }>();
    entries.forEach((entry, i) => {
      const name = names[i] as string;
      const existing = merged.get(name);
      if (existing) existing.values.add(entry.value);
      else merged.set(name, { values: new Set([entry.value]) });
    });
    for (const [name, { values }] of merged) {
      const value = [...values].sort().join(',');
      labels.push([name, value]);
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
