// Zabbix webhook media type payloads (integrations/zabbix/switchboard.js) to alert drafts.
//
// The body is a flat JSON object of strings, one per media type parameter (each value a Zabbix
// macro the server filled in):
//
//   event_id                 {EVENT.ID}             the problem's id; also in its updates and recovery
//   event_value              {EVENT.VALUE}          1 problem, 0 recovery
//   event_update_status      {EVENT.UPDATE.STATUS}  1 for an update (ack, comment, severity change...)
//   event_ack_status         {EVENT.ACK.STATUS}     Yes / No
//   event_nseverity          {EVENT.NSEVERITY}      0..5 (preferred: severity names can be renamed)
//   event_severity           {EVENT.SEVERITY}       Not classified / Information / Warning / Average / High / Disaster
//   event_name               {EVENT.NAME}           the summary
//   event_date, event_time   {EVENT.DATE} {EVENT.TIME}  2026.11.26 15:14:44, Zabbix server local time
//   event_timestamp          {EVENT.TIMESTAMP}      Unix seconds; preferred over date+time when filled
//   event_recovery_date, event_recovery_time, event_recovery_timestamp   the same for the recovery
//   event_recovery_id        {EVENT.RECOVERY.ID}
//   event_tagsjson           {EVENT.TAGSJSON}       [{"tag":"service","value":"web"}, ...]
//   event_tags               {EVENT.TAGS}           "service:web, role:web" (fallback only: values can contain ", ")
//   event_opdata             {EVENT.OPDATA}
//   event_update_action      {EVENT.UPDATE.ACTION}
//   event_update_message     {EVENT.UPDATE.MESSAGE}
//   user_fullname            {USER.FULLNAME}        who made the update
//   host_host, host_name, host_id   {HOST.HOST} {HOST.NAME} {HOST.ID}
//   trigger_id               {TRIGGER.ID}
//   zabbix_url               {$ZABBIX.URL}          optional frontend URL, for a link to the event
//   timezone                 optional IANA zone of the Zabbix server (default UTC)
//
// Zabbix leaves a macro it cannot fill as literal text (`{USER.FULLNAME}` in a problem message,
// `{EVENT.RECOVERY.ID}` before recovery) or writes `*UNKNOWN*`: both count as absent. Unknown keys
// are ignored, so older or extended copies of the script keep working.
import type { AlertDraft, AlertStatus, Severity } from '../alert.ts';
import { ValidationError } from '../errors.ts';
import {
  describeType,
  type IngestResult,
  indexPath,
  type JsonObject,
  keyPath,
  localToEpoch,
  type NamedValue,
  notAfterReceipt,
  ownField,
  payloadTimeZone,
  preview,
  requireObject,
  toIso,
} from './common.ts';
import { buildAnnotations, buildLabels, capSummary, checkFingerprint, INGEST_LIMITS, truncateText } from './limits.ts';

/** Every key parseZabbix reads; the shipped media type sends all of them but `event_tags` (a fallback). */
export const ZABBIX_PAYLOAD_KEYS = [
  'event_id',
  'event_value',
  'event_update_status',
  'event_ack_status',
  'event_nseverity',
  'event_severity',
  'event_name',
  'event_date',
  'event_time',
  'event_timestamp',
  'event_recovery_date',
  'event_recovery_time',
  'event_recovery_timestamp',
  'event_recovery_id',
  'event_tagsjson',
  'event_tags',
  'event_opdata',
  'event_update_action',
  'event_update_message',
  'user_fullname',
  'host_host',
  'host_name',
  'host_id',
  'trigger_id',
  'zabbix_url',
  'timezone',
] as const;

/** `{EVENT.ID}`, `{$SWITCHBOARD.URL}`, `{$MACRO:"context"}`: a macro Zabbix did not replace. */
const UNEXPANDED_MACRO = /^\{\$?[A-Z][A-Z0-9_.]*(?::[^{}]*)?\}$/;

/** Whether a parameter value is really "no value": empty, an unexpanded macro, or Zabbix's `*UNKNOWN*`. */
export function isUnfilledZabbixValue(value: string): boolean {
  const text = value.trim();
  return text === '' || text === '*UNKNOWN*' || UNEXPANDED_MACRO.test(text);
}

/** {EVENT.NSEVERITY} 0..5 to severities, per SPEC §3. */
const SEVERITY_BY_NUMBER: readonly Severity[] = ['info', 'info', 'warning', 'warning', 'high', 'critical'];

/** {EVENT.SEVERITY} default names, lower-cased; used only when the number is missing. */
const SEVERITY_BY_NAME = new Map<string, Severity>([
  ['not classified', 'info'],
  ['information', 'info'],
  ['warning', 'warning'],
  ['average', 'warning'],
  ['high', 'high'],
  ['disaster', 'critical'],
]);

/**
 * The severity of a Zabbix event: from the number when it is 0..5, else from the default name, else
 * `warning`. An unreadable severity does not reject the event: Zabbix would retry and then drop it,
 * and a problem recorded at the wrong severity is better than a problem lost.
 */
export function zabbixSeverity(nseverity: string | undefined, name: string | undefined): Severity {
  if (nseverity !== undefined && /^[0-5]$/.test(nseverity.trim())) {
    return SEVERITY_BY_NUMBER[Number(nseverity.trim())] ?? 'warning';
  }
  return (name !== undefined && SEVERITY_BY_NAME.get(name.trim().toLowerCase())) || 'warning';
}

/** Who acknowledged: the Zabbix user's full name, or "zabbix" when the macro was not filled. */
export const ZABBIX_FALLBACK_ACKNOWLEDGER = 'zabbix';

/**
 * Parses a Zabbix media type body into one draft:
 * - a problem (`event_value` 1, `event_update_status` 0): firing;
 * - an update (`event_update_status` 1) of a problem: firing, with `note` = the update message, and
 *   `acknowledgedBy` = the user when the problem is now acknowledged (`event_ack_status` Yes);
 * - a recovery (`event_value` 0): resolved, ending at the recovery time.
 * The fingerprint is always `event_id`, the original problem's id, so all three meet in one alert.
 */
export function parseZabbix(body: unknown, receivedAt: Date): IngestResult {
  const payload = requireObject(body, '', 'a Zabbix media type payload (a JSON object)');
  const read = (key: string) => readText(payload, key);
  const timeZone = payloadTimeZone(payload, isUnfilledZabbixValue);

  const eventId = read('event_id');
  if (eventId === undefined) throw new ValidationError('event_id', 'is required ({EVENT.ID})');
  const fingerprint = checkFingerprint(eventId, 'event_id');
  const status = readEventStatus(read('event_value'));
  const isUpdate = readUpdateFlag(read('event_update_status'));

  const startsAt = eventTime(payload, 'event', timeZone) ?? receivedAt.getTime();
  const draft: AlertDraft = {
    source: 'zabbix',
    fingerprint,
    status,
    severity: zabbixSeverity(read('event_nseverity'), read('event_severity')),
    summary: capSummary(read('event_name') ?? `Zabbix event ${eventId}`),
    labels: buildLabels(labelEntries(payload), 'sanitise', 'event_tagsjson'),
    annotations: buildAnnotations(annotationEntries(payload, eventId), 'sanitise', ''),
    startsAt: toIso(notAfterReceipt(startsAt, receivedAt)),
  };
  if (status === 'resolved') {
    const endsAt = eventTime(payload, 'event_recovery', timeZone) ?? receivedAt.getTime();
    draft.endsAt = toIso(notAfterReceipt(endsAt, receivedAt));
  } else if (isUpdate) {
    applyUpdate(draft, payload);
  }
  return { alerts: [draft], truncated: 0 };
}

/** A parameter as text: strings as sent, numbers as written; absent when unfilled. */
function readText(payload: JsonObject, key: string): string | undefined {
  const value = ownField(payload, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') throw new ValidationError(key, `must be a string, got ${describeType(value)}`);
  return isUnfilledZabbixValue(value) ? undefined : value.trim();
}

function readEventStatus(value: string | undefined): AlertStatus {
  if (value === '1') return 'firing';
  if (value === '0') return 'resolved';
  if (value === undefined) {
    throw new ValidationError('event_value', 'is required ({EVENT.VALUE}: 1 problem, 0 recovery)');
  }
  throw new ValidationError('event_value', `must be "1" (problem) or "0" (recovery), got ${preview(value)}`);
}

function readUpdateFlag(value: string | undefined): boolean {
  if (value === undefined || value === '0') return false;
  if (value === '1') return true;
  throw new ValidationError('event_update_status', `must be "0" or "1", got ${preview(value)}`);
}

/** An update of a firing problem: carry the comment and, once acknowledged, who acknowledged it. */
function applyUpdate(draft: AlertDraft, payload: JsonObject): void {
  const message = readText(payload, 'event_update_message');
  if (message !== undefined) draft.note = truncateText(message, INGEST_LIMITS.maxAnnotationValueLength);
  if (readText(payload, 'event_ack_status')?.toLowerCase() === 'yes') {
    draft.acknowledgedBy = readText(payload, 'user_fullname') ?? ZABBIX_FALLBACK_ACKNOWLEDGER;
  }
}

// ---- time ----

const ZABBIX_DATE = /^(\d{4})\.(\d{2})\.(\d{2})$/;
const ZABBIX_TIME = /^(\d{2}):(\d{2}):(\d{2})$/;

/**
 * Epoch ms of `<prefix>_timestamp` (Unix seconds) if filled, else of `<prefix>_date` + `<prefix>_time`
 * read as wall time in `timeZone`; undefined if neither is usable, and the caller falls back to
 * receipt: a timestamp we cannot read is no reason to lose the event.
 */
function eventTime(payload: JsonObject, prefix: string, timeZone: string): number | undefined {
  const timestamp = readText(payload, `${prefix}_timestamp`);
  if (timestamp !== undefined && /^\d{1,12}$/.test(timestamp)) return Number(timestamp) * 1000;
  const date = ZABBIX_DATE.exec(readText(payload, `${prefix}_date`) ?? '');
  const time = ZABBIX_TIME.exec(readText(payload, `${prefix}_time`) ?? '');
  if (!date || !time) return undefined;
  const local = {
    year: Number(date[1]),
    month: Number(date[2]),
    day: Number(date[3]),
    hour: Number(time[1]),
    minute: Number(time[2]),
    second: Number(time[3]),
  };
  return localToEpoch(local, timeZone) ?? undefined;
}

// ---- labels and annotations ----

/** Labels: the event's tags, then the host and trigger identity (which win over a tag of the same name). */
function labelEntries(payload: JsonObject): NamedValue[] {
  const entries = tagEntries(payload);
  const identity: [string, string][] = [
    ['host', 'host_host'],
    ['host_name', 'host_name'],
    ['host_id', 'host_id'],
    ['trigger_id', 'trigger_id'],
  ];
  const identityNames = new Set(identity.map(([label]) => label));
  const kept = entries.filter((entry) => !identityNames.has(entry.name));
  for (const [label, key] of identity) {
    const value = readText(payload, key);
    if (value !== undefined) kept.push({ name: label, value, field: key });
  }
  return kept;
}

/** Tags from `event_tagsjson` (a JSON string, or an already-decoded array), else from `event_tags`. */
function tagEntries(payload: JsonObject): NamedValue[] {
  const json = ownField(payload, 'event_tagsjson');
  if (Array.isArray(json)) return tagsFromArray(json);
  const text = readText(payload, 'event_tagsjson');
  if (text !== undefined) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(text);
    } catch (error) {
      throw new ValidationError('event_tagsjson', `is not valid JSON ({EVENT.TAGSJSON}): ${(error as Error).message}`);
    }
    if (!Array.isArray(decoded)) {
      throw new ValidationError('event_tagsjson', `must be a JSON array of {tag, value}, got ${describeType(decoded)}`);
    }
    return tagsFromArray(decoded);
  }
  return tagsFromText(readText(payload, 'event_tags'));
}

function tagsFromArray(tags: unknown[]): NamedValue[] {
  if (tags.length > INGEST_LIMITS.maxLabelsPerAlert) {
    throw new ValidationError(
      'event_tagsjson',
      `has ${tags.length} tags; at most ${INGEST_LIMITS.maxLabelsPerAlert} labels are allowed per alert`,
    );
  }
  const entries: NamedValue[] = [];
  for (let i = 0; i < tags.length; i++) {
    const field = indexPath('event_tagsjson', i);
    const tag = requireObject(tags[i], field, 'a {tag, value} object');
    const name = ownField(tag, 'tag');
    const value = ownField(tag, 'value') ?? '';
    if (typeof name !== 'string') {
      throw new ValidationError(keyPath(field, 'tag'), `must be a string, got ${describeType(name)}`);
    }
    if (typeof value !== 'string') {
      throw new ValidationError(keyPath(field, 'value'), `must be a string, got ${describeType(value)}`);
    }
    entries.push({ name, value, field });
  }
  return entries;
}

/** `{EVENT.TAGS}`: `name:value, name2:value2`; a tag without a value is just `name`. */
function tagsFromText(text: string | undefined): NamedValue[] {
  if (text === undefined) return [];
  const parts = text.split(', ').filter((part) => part.trim() !== '');
  if (parts.length > INGEST_LIMITS.maxLabelsPerAlert) {
    throw new ValidationError(
      'event_tags',
      `has ${parts.length} tags; at most ${INGEST_LIMITS.maxLabelsPerAlert} labels are allowed per alert`,
    );
  }
  return parts.map((part) => {
    const colon = part.indexOf(':');
    const name = colon === -1 ? part : part.slice(0, colon);
    const value = colon === -1 ? '' : part.slice(colon + 1);
    return { name: name.trim(), value: value.trim(), field: 'event_tags' };
  });
}

/** Annotations: operational data, Zabbix's own severity name, the update action and a link to the event. */
function annotationEntries(payload: JsonObject, eventId: string): NamedValue[] {
  const entries: NamedValue[] = [];
  const add = (name: string, key: string) => {
    const value = readText(payload, key);
    if (value !== undefined) entries.push({ name, value, field: key });
  };
  add('opdata', 'event_opdata');
  add('zabbix_severity', 'event_severity');
  add('recovery_event_id', 'event_recovery_id');
  add('update_action', 'event_update_action');
  const link = eventLink(readText(payload, 'zabbix_url'), readText(payload, 'trigger_id'), eventId);
  if (link !== undefined) entries.push({ name: 'event_url', value: link, field: 'zabbix_url' });
  return entries;
}

/** The frontend page of the event, as Zabbix's own integrations link it; only for an http(s) base URL. */
function eventLink(zabbixUrl: string | undefined, triggerId: string | undefined, eventId: string): string | undefined {
  if (zabbixUrl === undefined || triggerId === undefined || !/^https?:\/\//i.test(zabbixUrl)) return undefined;
  // Not `replace(/\/+$/, '')`: that regex is quadratic on a long run of `/` not at the end (seconds of CPU
  // for a 100 KB value).
  let end = zabbixUrl.length;
  while (end > 0 && zabbixUrl.charCodeAt(end - 1) === 0x2f) end--;
  const base = zabbixUrl.slice(0, end);
  return `${base}/tr_events.php?triggerid=${encodeUri(triggerId)}&eventid=${encodeUri(eventId)}`;
}

/** encodeURIComponent, which throws URIError on a lone surrogate: those become U+FFFD first. */
function encodeUri(text: string): string {
  return encodeURIComponent(
    text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
  );
}
