// Building blocks the ingest parsers share: the result type, type-checked field access with precise
// error paths, fingerprint hashing and timestamp parsing. Everything here is pure and total: any JSON
// value in, a value or a ValidationError out, never another exception.
import { createHash } from 'node:crypto';
import type { AlertDraft } from '../alert.ts';
import { ValidationError } from '../errors.ts';
import { fromLocal, isValidTimeZone, type LocalDateTime } from '../time/zoned.ts';

/** What a parser made of one request body. */
export interface IngestResult {
  /** The drafts to record; may be empty (see `ignored`). */
  alerts: AlertDraft[];
  /**
   * Alerts the sender says it left out of this request. Only Alertmanager reports it
   * (`truncatedAlerts`, when the receiver's `max_alerts` cut the group); 0 for every other source.
   */
  truncated: number;
  /** Set when the payload was understood and deliberately not turned into alerts (answer 2xx anyway). */
  ignored?: IgnoredPayload;
}

export interface IgnoredPayload {
  /** `paused`: PRTG reported a paused sensor, which is neither a problem nor a recovery. */
  reason: 'paused';
  /** Human-readable detail for logs and the response body. */
  detail: string;
}

export type JsonObject = Record<string, unknown>;

/** One label or annotation as read from a payload, with the path to report if it is at fault. */
export interface NamedValue {
  readonly name: string;
  readonly value: string;
  readonly field: string;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "a number", "null", "an array"... for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'undefined') return 'nothing';
  return `a ${typeof value}`;
}

/**
 * A value quoted for an error message, cut short so a huge field cannot bloat logs and responses.
 * JSON.stringify recurses: a value nested some thousand levels deep (`"status": [[[[...]]]]`, a few KiB
 * of body) overflows the stack, so such a value is only described by its type.
 */
export function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = describeType(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Keys longer than this are shortened in paths: they are invalid anyway, and the path goes into logs. */
const MAX_KEY_IN_PATH = 100;

/** `labels.host`, or `labels["my-label"]` when the key is not an identifier; a bare key at the root. */
export function keyPath(parent: string, key: string): string {
  const shown = key.length > MAX_KEY_IN_PATH ? `${key.slice(0, MAX_KEY_IN_PATH)}...` : key;
  if (IDENTIFIER.test(shown)) return parent ? `${parent}.${shown}` : shown;
  return `${parent}[${JSON.stringify(shown)}]`;
}

/** `alerts[3]`, or `[3]` at the root. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** The value of an own property: keys inherited from Object.prototype (`constructor`...) never count. */
export function ownField(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

export function requireObject(value: unknown, field: string, what: string): JsonObject {
  if (!isJsonObject(value)) throw new ValidationError(field, `must be ${what}, got ${describeType(value)}`);
  return value;
}

export function requireArray(value: unknown, field: string, what: string): unknown[] {
  if (!Array.isArray(value)) throw new ValidationError(field, `must be ${what}, got ${describeType(value)}`);
  return value;
}

/** A string field that may be absent; any other type is an error. */
export function optionalString(object: JsonObject, key: string, parent: string): string | undefined {
  const value = ownField(object, key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new ValidationError(keyPath(parent, key), `must be a string, got ${describeType(value)}`);
  }
  return value;
}

/**
 * Reads a `{name: "value"}` map, each value a string. The entry count is checked first, so a map of
 * 10 000 entries is refused for its size before any entry is looked at.
 */
export function readStringMap(value: unknown, field: string, maxEntries: number, what: string): NamedValue[] {
  const object = requireObject(value, field, 'an object of strings');
  const keys = Object.keys(object);
  if (keys.length > maxEntries) {
    throw new ValidationError(field, `has ${keys.length} ${what}; at most ${maxEntries} are allowed`);
  }
  const entries: NamedValue[] = [];
  for (const name of keys) {
    const entryValue = object[name];
    if (typeof entryValue !== 'string') {
      throw new ValidationError(keyPath(field, name), `must be a string, got ${describeType(entryValue)}`);
    }
    entries.push(new MapEntry(name, entryValue, field));
  }
  return entries;
}

/** An entry of a payload's object of strings; its path is only worked out for an error (most have none). */
class MapEntry implements NamedValue {
  constructor(
    readonly name: string,
    readonly value: string,
    private readonly parent: string,
  ) {}

  get field(): string {
    return keyPath(this.parent, this.name);
  }
}

/**
 * A stable 16-hex-digit fingerprint (the width of Alertmanager's) of labels, plus optional extra text.
 * Labels are sorted by name so the order the sender listed them in does not matter.
 */
export function stableFingerprint(labels: Record<string, string>, extra?: string): string {
  const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const material = JSON.stringify(extra === undefined ? [sorted] : [sorted, extra]);
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}

// ---- time ----

/** Whether the fields name a real wall-clock time (Date.UTC would roll 30 February into March). */
export function isRealLocalDateTime(local: LocalDateTime): boolean {
  const { year, month, day, hour, minute, second } = local;
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day && year >= 1000;
}

/** The instant a wall-clock time in `timeZone` names, or null if it names no real time. */
export function localToEpoch(local: LocalDateTime, timeZone: string): number | null {
  return isRealLocalDateTime(local) ? fromLocal(local, timeZone) : null;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Epoch milliseconds of an RFC 3339 timestamp (`2026-11-26T14:47:06.513Z`, `...+01:00`, up to
 * nanosecond fractions as Go writes them). An offset is required: a time without one is ambiguous.
 */
export function parseRfc3339(text: string): number | null {
  if (text === lastParsed.text) return lastParsed.epoch;
  const epoch = parseRfc3339Uncached(text);
  lastParsed = { text, epoch };
  return epoch;
}

/**
 * The last time parsed: the alerts of one webhook often carry the same startsAt (Prometheus stamps every
 * alert that started firing in one rule evaluation with that evaluation's time).
 */
let lastParsed: { text: string; epoch: number | null } = { text: '', epoch: null };

function parseRfc3339Uncached(text: string): number | null {
  const upper = text.toUpperCase();
  const m = RFC3339.exec(upper);
  if (!m) return null;
  const local = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
  };
  if (!isRealLocalDateTime(local)) return null;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return null;
  const epoch = Date.parse(upper);
  return Number.isFinite(epoch) ? epoch : null;
}

/** Go's zero `time.Time` (`0001-01-01T00:00:00Z`), which Alertmanager writes for "not set". */
export function isGoZeroTime(text: string): boolean {
  return text.startsWith('0001-01-01T00:00:00');
}

/**
 * Whether a valid RFC 3339 time (checked by parseRfc3339) is already written the way toIso writes it
 * (`2026-11-26T14:47:06.513Z`, as Alertmanager 0.25 sends it), so it can be stored as it came.
 */
export function isCanonicalIso(text: string): boolean {
  return text.length === 24 && text[10] === 'T' && text[19] === '.' && text[23] === 'Z';
}

export function toIso(epoch: number): string {
  return new Date(epoch).toISOString();
}

/**
 * Sources that send wall-clock times (Zabbix, PRTG) are read in a configured time zone. If that zone
 * is wrong (the default UTC for a server in Berlin), a start can land in the future, which would make
 * detection time negative; nothing can have started after we received it, so receipt caps it.
 */
export function notAfterReceipt(epoch: number, receivedAt: Date): number {
  return Math.min(epoch, receivedAt.getTime());
}

/**
 * The time zone a wall-clock source's payload names in its optional `timezone` field (an IANA name
 * such as `Europe/Berlin`); UTC when absent, empty or an unexpanded placeholder (`isAbsent`).
 */
export function payloadTimeZone(object: JsonObject, isAbsent: (value: string) => boolean): string {
  const value = ownField(object, 'timezone');
  if (value === undefined) return 'UTC';
  if (typeof value !== 'string') {
    throw new ValidationError(
      'timezone',
      `must be an IANA time zone name such as "Europe/Berlin", got ${describeType(value)}`,
    );
  }
  const name = value.trim();
  if (name === '' || isAbsent(name)) return 'UTC';
  if (!isValidTimeZone(name)) {
    throw new ValidationError('timezone', `"${name}" is not an IANA time zone name (e.g. "Europe/Berlin", "UTC")`);
  }
  return name;
}
