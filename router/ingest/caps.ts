// Caps on what the router stores and holds in memory per alert (issue #17 point 3). Every replica keeps
// every active alert's state in memory (router/incidents/store.ts), so a field's size is memory on every
// replica: 150 alerts carrying ~1 MiB of annotations added ~200 MiB each. Over-limit values are cut, never
// rejected, and marked visibly (`… [truncated N bytes]`); the alert lists the fields cut in `truncated`.
//
// Applied to every parsed alert before it is stored, and to every alert state loaded into memory (a state
// an older version wrote over the caps is cut as it is loaded: a restarted replica does not run out again).
// Pure and idempotent: capping a capped alert changes nothing.
import { createHash } from 'node:crypto';
import { INGEST_LIMITS, TRUNCATED_SUFFIX, truncateText } from './limits.ts';

/** What caps read and write of an alert (a draft at ingest, a state on load). */
export interface CappedFields {
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  note?: string;
  /** Fields cut to the caps: `summary`, `labels.<name>`, `annotations.<name>`, `note`. */
  truncated?: string[];
}

/** Room a truncation marker may take past a byte budget (`… [truncated N bytes, sha256 <16 hex>]`). */
const MARKER_ROOM = 64;

/**
 * The most UTF-8 bytes an alert's capped fields can take: 64 label names of 256 characters and 64 annotation
 * names, each at most 3 bytes a character in UTF-8; the two 8 KiB value budgets, each value possibly with
 * a marker past it; a 1,024-character summary and a 4,096-character note.
 */
export const MAX_CAPPED_BYTES =
  3 *
    (2 * INGEST_LIMITS.maxLabelsPerAlert * INGEST_LIMITS.maxLabelNameLength +
      INGEST_LIMITS.maxSummaryLength +
      INGEST_LIMITS.maxAnnotationValueLength) +
  INGEST_LIMITS.maxLabelValueBytes +
  INGEST_LIMITS.maxAnnotationBytes +
  2 * INGEST_LIMITS.maxLabelsPerAlert * MARKER_ROOM;

/**
 * A label value over `max` characters is cut with the first 16 hex digits of its SHA-256 in the marker:
 * labels are identity (dedupe, grouping, silences), and two long values sharing a prefix must stay two alerts.
 */
export function capLabelValue(value: string, max: number = INGEST_LIMITS.maxLabelValueLength): string {
  if (value.length <= max) return value;
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 16);
  return truncateText(value, max, `sha256 ${hash}`);
}

/**
 * The alert with every field within the caps, and `truncated` listing the fields that were cut (here, by a
 * parser, or by an earlier version: a value ending with the marker). Returns `alert` itself when nothing
 * needed cutting and nothing was marked, so the common case allocates nothing.
 */
export function capAlert<T extends CappedFields>(alert: T): T {
  if (clearlyWithinCaps(alert)) return alert;
  const cut = new Set(alert.truncated ?? []);
  const capText = (field: string, value: string, max: number): string => {
    const out = truncateText(value, max);
    if (out !== value || TRUNCATED_SUFFIX.test(value)) cut.add(field);
    return out;
  };

  const summary = capText('summary', alert.summary, INGEST_LIMITS.maxSummaryLength);
  const labels = capLabels(alert.labels, cut);
  const annotations = capAnnotations(alert.annotations, cut);
  const note =
    alert.note === undefined ? undefined : capText('note', alert.note, INGEST_LIMITS.maxAnnotationValueLength);

  const changed =
    summary !== alert.summary || labels !== alert.labels || annotations !== alert.annotations || note !== alert.note;
  if (!changed && cut.size === (alert.truncated?.length ?? 0)) return alert;
  const out: T = { ...alert, summary, labels, annotations, truncated: [...cut].sort() };
  if (note !== undefined) out.note = note;
  return out;
}

/** Each value cut to the per-value cap, then all of them to the total budget in name order (as annotations). */
/**
 * A cheap test that an alert needs nothing cut or listed, which nearly every alert passes: no value over
 * its length cap, none that could end with a marker (`]`), and the values' lengths three times over (a
 * character is at most 3 bytes) within the byte budgets. An alert that fails it is looked at properly.
 */
function clearlyWithinCaps(alert: CappedFields): boolean {
  if (alert.truncated !== undefined) return false;
  if (!shortText(alert.summary, INGEST_LIMITS.maxSummaryLength)) return false;
  if (alert.note !== undefined && !shortText(alert.note, INGEST_LIMITS.maxAnnotationValueLength)) return false;
  return (
    shortValues(alert.labels, INGEST_LIMITS.maxLabelValueLength, INGEST_LIMITS.maxLabelValueBytes) &&
    shortValues(alert.annotations, INGEST_LIMITS.maxAnnotationValueLength, INGEST_LIMITS.maxAnnotationBytes)
  );
}

function shortText(text: string, max: number): boolean {
  return text.length <= max && !text.endsWith(']');
}

function shortValues(record: Record<string, string>, max: number, budget: number): boolean {
  let chars = 0;
  for (const name in record) {
    const value = record[name] as string;
    if (!shortText(value, max)) return false;
    chars += value.length;
  }
  return chars * 3 <= budget;
}

function capLabels(labels: Record<string, string>, cut: Set<string>): Record<string, string> {
  let out: Record<string, string> | null = null;
  let budget: number = INGEST_LIMITS.maxLabelValueBytes;
  for (const name of Object.keys(labels).sort()) {
    const value = labels[name] as string;
    if (TRUNCATED_SUFFIX.test(value)) cut.add(`labels.${name}`);
    let capped = capLabelValue(value);
    let bytes = Buffer.byteLength(capped);
    if (bytes > budget) {
      capped = capLabelValue(value, Math.max(0, Math.floor(budget / 3)));
      bytes = Buffer.byteLength(capped);
    }
    budget = Math.max(0, budget - bytes);
    if (capped === value) continue;
    cut.add(`labels.${name}`);
    out ??= copy(labels);
    define(out, name, capped);
  }
  return out ?? labels;
}

/**
 * Each value cut to the per-value cap, then all of them to the total budget, in name order: the first
 * annotations (`description`, `runbook_url`... sort early) keep their text, the later ones are cut.
 */
function capAnnotations(annotations: Record<string, string>, cut: Set<string>): Record<string, string> {
  let out: Record<string, string> | null = null;
  let budget: number = INGEST_LIMITS.maxAnnotationBytes;
  for (const name of Object.keys(annotations).sort()) {
    const value = annotations[name] as string;
    if (TRUNCATED_SUFFIX.test(value)) cut.add(`annotations.${name}`);
    let capped = truncateText(value, INGEST_LIMITS.maxAnnotationValueLength);
    let bytes = Buffer.byteLength(capped);
    if (bytes > budget) {
      // Characters are 1-3 bytes (a surrogate pair 4 for 2): budget/3 characters always fit.
      capped = truncateText(value, Math.max(0, Math.floor(budget / 3)));
      bytes = Buffer.byteLength(capped);
    }
    budget = Math.max(0, budget - bytes);
    if (capped === value) continue;
    cut.add(`annotations.${name}`);
    out ??= copy(annotations);
    define(out, name, capped);
  }
  return out ?? annotations;
}

function copy(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) define(out, k, v);
  return out;
}

/** Defined, not assigned: a key named __proto__ must be an entry, not the object's prototype. */
function define(record: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
