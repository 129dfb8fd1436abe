// PRTG "Execute HTTP Action" notifications to alert drafts.
//
// The HTTP layer decodes the body (form-encoded, as integrations/prtg/http-action.txt sends it, or
// JSON) into a plain object; its keys are the placeholders' names:
//
//   sensorid=%sensorid  deviceid=%deviceid  device=%device  name=%name  status=%status  down=%down
//   message=%message  datetime=%datetime  lastvalue=%lastvalue  probe=%probe  group=%group
//   priority=%priority  tags=%tags          (+ optional timezone=Europe/Berlin, an IANA name)
//
// %settings is deliberately not used: it can carry credentials of the notification's configuration.
import type { AlertDraft, AlertStatus, Severity } from '../alert.ts';
import { ValidationError } from '../errors.ts';
import {
  describeType,
  type IngestResult,
  type JsonObject,
  localToEpoch,
  type NamedValue,
  notAfterReceipt,
  ownField,
  payloadTimeZone,
  preview,
  requireObject,
  toIso,
} from './common.ts';
import { buildAnnotations, buildLabels, capSummary, checkFingerprint } from './limits.ts';

/** A placeholder PRTG did not substitute, e.g. `%sensorid`. */
const PLACEHOLDER = /^%[a-z]+$/i;

export function isPrtgPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value.trim());
}

export const PRTG_TEST_NOTIFICATION_MESSAGE =
  "this looks like PRTG's test notification: placeholders were not substituted; it was not recorded";

/** What a PRTG status text means for Switchboard. */
export type PrtgStatusMeaning = { kind: 'alert'; status: AlertStatus; severity: Severity } | { kind: 'paused' };

/**
 * Maps PRTG's `%status` text, per SPEC §3: Down in any variant (`Down (partial)`, `Down (acknowledged)`)
 * -> critical, Warning -> warning, Unusual -> info, Up -> resolved, Paused in any variant (`Paused
 * (paused by user)`, `Paused until ...`) -> paused. Resolutions carry `info`: PRTG does not say how bad
 * the state it recovered from was, and the alert being resolved already has its severity.
 * Returns null for a status Switchboard does not know.
 */
export function prtgStatusMeaning(text: string): PrtgStatusMeaning | null {
  const status = text.trim().toLowerCase();
  if (/^paused\b/.test(status)) return { kind: 'paused' };
  if (/^down\b/.test(status)) return { kind: 'alert', status: 'firing', severity: 'critical' };
  if (/^warning\b/.test(status)) return { kind: 'alert', status: 'firing', severity: 'warning' };
  if (/^unusual\b/.test(status)) return { kind: 'alert', status: 'firing', severity: 'info' };
  if (status === 'up') return { kind: 'alert', status: 'resolved', severity: 'info' };
  return null;
}

/**
 * Parses a decoded PRTG notification. A paused sensor yields no alert and `ignored: {reason: 'paused'}`
 * (answer 2xx: PRTG did nothing wrong). PRTG's "Test" button sends the placeholders unsubstituted,
 * which is refused with a ValidationError saying so, rather than recording a fake alert.
 */
export function parsePrtg(body: unknown, receivedAt: Date): IngestResult {
  const payload = requireObject(body, '', 'a PRTG notification (an object of placeholder values)');
  rejectTestNotification(payload);
  const read = (key: string) => readText(payload, key);

  const sensorId = read('sensorid');
  if (sensorId === undefined) throw new ValidationError('sensorid', 'is required (sensorid=%sensorid)');
  const fingerprint = checkFingerprint(sensorId, 'sensorid');
  const statusText = read('status');
  if (statusText === undefined) throw new ValidationError('status', 'is required (status=%status)');
  const meaning = prtgStatusMeaning(statusText);
  if (meaning === null) {
    throw new ValidationError(
      'status',
      `${preview(statusText)} is not a PRTG status Switchboard maps (Down, Down (partial), Down (acknowledged), Warning, Unusual, Up, Paused)`,
    );
  }
  if (meaning.kind === 'paused') {
    return {
      alerts: [],
      truncated: 0,
      ignored: {
        reason: 'paused',
        detail: `PRTG sensor ${sensorId} is "${statusText}": a paused sensor is neither a problem nor a recovery, so nothing was recorded`,
      },
    };
  }

  const timeZone = payloadTimeZone(payload, isPrtgPlaceholder);
  const datetime = read('datetime');
  const parsed = datetime === undefined ? null : parsePrtgDateTime(datetime, timeZone);
  const at = toIso(notAfterReceipt(parsed ?? receivedAt.getTime(), receivedAt));
  const draft: AlertDraft = {
    source: 'prtg',
    fingerprint,
    status: meaning.status,
    severity: meaning.severity,
    summary: capSummary(summaryOf(read('name'), read('device'), statusText, read('message'), sensorId)),
    labels: buildLabels(labelEntries(payload), 'sanitise', ''),
    annotations: buildAnnotations(annotationEntries(payload, statusText), 'sanitise', ''),
    // %datetime is when PRTG sent the notification: the start of a problem, the end of a recovery.
    startsAt: at,
  };
  if (meaning.status === 'resolved') draft.endsAt = at;
  return { alerts: [draft], truncated: 0 };
}

/** The test button leaves `%sensorid`/`%status` literal: no sensor, no state, nothing to record. */
function rejectTestNotification(payload: JsonObject): void {
  for (const key of ['sensorid', 'status']) {
    const value = ownField(payload, key);
    if (typeof value === 'string' && isPrtgPlaceholder(value))
      throw new ValidationError(key, PRTG_TEST_NOTIFICATION_MESSAGE);
  }
}

/** A field as text: strings trimmed, numbers as written (JSON bodies); absent if empty or a placeholder. */
function readText(payload: JsonObject, key: string): string | undefined {
  const value = ownField(payload, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') throw new ValidationError(key, `must be a string, got ${describeType(value)}`);
  const text = value.trim();
  return text === '' || isPrtgPlaceholder(text) ? undefined : text;
}

function summaryOf(
  sensor: string | undefined,
  device: string | undefined,
  status: string,
  message: string | undefined,
  sensorId: string,
): string {
  const subject = `${sensor ?? `Sensor ${sensorId}`}${device ? ` on ${device}` : ''}`;
  return `${subject} is ${status}${message ? `: ${message}` : ''}`;
}

/** Identity and placement of the sensor: what tenants' `match` and routes select on. */
function labelEntries(payload: JsonObject): NamedValue[] {
  const mapping: [string, string][] = [
    ['sensor_id', 'sensorid'],
    ['device_id', 'deviceid'],
    ['device', 'device'],
    ['sensor', 'name'],
    ['probe', 'probe'],
    ['group', 'group'],
    ['priority', 'priority'],
    ['tags', 'tags'],
  ];
  return presentEntries(payload, mapping);
}

function annotationEntries(payload: JsonObject, statusText: string): NamedValue[] {
  const mapping: [string, string][] = [
    ['message', 'message'],
    ['down', 'down'],
    ['lastvalue', 'lastvalue'],
    ['datetime', 'datetime'],
  ];
  return [{ name: 'prtg_status', value: statusText, field: 'status' }, ...presentEntries(payload, mapping)];
}

function presentEntries(payload: JsonObject, mapping: [string, string][]): NamedValue[] {
  const entries: NamedValue[] = [];
  for (const [name, key] of mapping) {
    const value = readText(payload, key);
    if (value !== undefined) entries.push({ name, value, field: key });
  }
  return entries;
}

// ---- %datetime ----

/** German and most European locales: `26.11.2026 15:14:44`. */
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))?$/;
/** US `11/26/2026 3:14:44 PM`, British `26/11/2026 15:14:44`. */
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([AP]M))?$/i;
/** ISO-like `2026-11-26 15:14:44`. */
const ISO_LIKE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * Epoch ms of PRTG's `%datetime` (the PRTG server's locale decides the format; it carries no offset,
 * so it is read as wall time in `timeZone`). Slashed dates are month-first when they carry AM/PM or
 * the second number exceeds 12 (US), day-first otherwise (British, 24 h). Null if unreadable.
 */
export function parsePrtgDateTime(text: string, timeZone: string): number | null {
  const value = text.trim();
  let m = DOTTED.exec(value);
  if (m) return wallTime(m[3], m[2], m[1], m[4], m[5], m[6], undefined, timeZone);
  m = ISO_LIKE.exec(value);
  if (m) return wallTime(m[1], m[2], m[3], m[4], m[5], m[6], undefined, timeZone);
  m = SLASHED.exec(value);
  if (m) {
    const [first, second] = [Number(m[1]), Number(m[2])];
    const monthFirst = m[7] !== undefined || (second > 12 && first <= 12);
    const [month, day] = monthFirst ? [m[1], m[2]] : [m[2], m[1]];
    return wallTime(m[3], month, day, m[4], m[5], m[6], m[7], timeZone);
  }
  return null;
}

function wallTime(
  year: string | undefined,
  month: string | undefined,
  day: string | undefined,
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
  meridiem: string | undefined,
  timeZone: string,
): number | null {
  let h = Number(hour);
  if (meridiem !== undefined) {
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (meridiem.toUpperCase() === 'PM' ? 12 : 0);
  }
  const local = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: h,
    minute: Number(minute),
    second: Number(second ?? 0),
  };
  return localToEpoch(local, timeZone);
}
