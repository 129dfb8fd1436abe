// ServiceNow table API: one record per incident (POST /api/now/table/{table}), updated on later pages,
// acknowledge and resolve (PATCH /api/now/table/{table}/{sys_id}), with basic auth. The sys_id of the
// created record is the ticket reference the runner stores in the notification log. correlation_id
// carries the Switchboard incident id, so the record can be found from either side.
import type { Severity } from '../alert.ts';
import { basicAuth, failure, isAnswer, parseJson, request } from './http.ts';
import { render, title } from './templates.ts';
import type { Adapter, DestinationOf, Message, SendResult } from './types.ts';

/** ServiceNow's 1 (high) .. 3 (low) urgency and impact, which give the record's priority. */
const URGENCY_IMPACT: Record<Severity, [string, string]> = {
  critical: ['1', '1'],
  high: ['1', '2'],
  warning: ['2', '2'],
  info: ['3', '3'],
};
/** States of the incident table: 2 In Progress, 6 Resolved. */
export const SN_STATE_IN_PROGRESS = '2';
export const SN_STATE_RESOLVED = '6';

export function servicenowBody(m: Message): Record<string, string> {
  const c = m.context;
  if (m.ticketRef === null) {
    const [urgency, impact] = URGENCY_IMPACT[c.incident.severity];
    return {
      short_description: title(c).slice(0, 160),
      description: render('ticket', c, m.template),
      urgency,
      impact,
      correlation_id: `switchboard:${c.incident.id}`,
      correlation_display: 'Switchboard',
    };
  }
  if (m.event === 'acknowledged') {
    return { state: SN_STATE_IN_PROGRESS, work_notes: `Acknowledged by ${c.by || 'someone'} in Switchboard.` };
  }
  if (m.event === 'resolved') {
    return {
      state: SN_STATE_RESOLVED,
      close_code: 'Solved (Permanently)',
      close_notes: `Resolved by ${c.by || 'someone'} in Switchboard.`,
    };
  }
  return {
    work_notes: `Still unacknowledged: escalation step ${c.escalation.step}, round ${c.escalation.round}.\n${c.ackUrl}`,
  };
}

export function servicenowAdapter(opts: { timeoutMs: number }): Adapter<DestinationOf<'servicenow'>> {
  return {
    async send(m): Promise<SendResult> {
      const d = m.destination;
      const base = `${d.instanceUrl.replace(/\/+$/, '')}/api/now/table/${encodeURIComponent(d.table)}`;
      const url = m.ticketRef === null ? base : `${base}/${encodeURIComponent(m.ticketRef)}`;
      const a = await request(url, {
        method: m.ticketRef === null ? 'POST' : 'PATCH',
        headers: {
          Authorization: basicAuth(d.username, d.password),
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'X-Switchboard-Delivery': m.deliveryId,
        },
        body: JSON.stringify(servicenowBody(m)),
        timeoutMs: opts.timeoutMs,
      });
      if (!isAnswer(a)) return a;
      if (a.status < 200 || a.status >= 300) return failure('ServiceNow', a);
      if (m.ticketRef !== null) return { ok: true, ref: m.ticketRef };
      const parsed = parseJson('ServiceNow', a);
      if (!('value' in parsed)) return parsed;
      const sysId = (parsed.value as { result?: { sys_id?: unknown } }).result?.sys_id;
      if (typeof sysId !== 'string') {
        return { ok: false, recoverable: false, error: 'ServiceNow created a record but returned no result.sys_id' };
      }
      return { ok: true, ref: sysId };
    },
  };
}
