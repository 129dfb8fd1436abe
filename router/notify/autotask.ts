// Autotask PSA REST API: one ticket per incident (POST {base}/V1.0/Tickets), updated with PATCH on the
// same collection URL with the ticket id in the body (Autotask's update style). Authentication is the
// three headers ApiIntegrationCode, UserName and Secret of an API-only user.
import type { Severity } from '../alert.ts';
import { failure, isAnswer, parseJson, request } from './http.ts';
import { render, title } from './templates.ts';
import type { Adapter, DestinationOf, Message, SendResult } from './types.ts';

/** Autotask's default priorities: 4 Critical, 1 High, 2 Medium, 3 Low. */
const PRIORITY: Record<Severity, number> = { critical: 4, high: 1, warning: 2, info: 3 };
/** Default ticket statuses: 1 New, 8 In Progress, 5 Complete. */
export const AT_STATUS_NEW = 1;
export const AT_STATUS_IN_PROGRESS = 8;
export const AT_STATUS_COMPLETE = 5;

export function autotaskBody(m: Message<DestinationOf<'autotask'>>): Record<string, unknown> {
  const c = m.context;
  if (m.ticketRef === null) {
    return {
      companyID: m.destination.companyId,
      ...(m.destination.queueId !== null ? { queueID: m.destination.queueId } : {}),
      title: title(c).slice(0, 255),
      description: render('ticket', c, m.template).slice(0, 8000),
      status: AT_STATUS_NEW,
      priority: PRIORITY[c.incident.severity],
    };
  }
  const id = Number(m.ticketRef);
  if (m.event === 'acknowledged') return { id, status: AT_STATUS_IN_PROGRESS };
  if (m.event === 'resolved')
    return { id, status: AT_STATUS_COMPLETE, resolution: `Resolved by ${c.by || 'someone'} in Switchboard.` };
  // A later page: raise the priority to the incident's current one (severity may have risen).
  return { id, priority: PRIORITY[c.incident.severity] };
}

export function autotaskAdapter(opts: { timeoutMs: number }): Adapter<DestinationOf<'autotask'>> {
  return {
    async send(m): Promise<SendResult> {
      const d = m.destination;
      const a = await request(`${d.baseUrl.replace(/\/+$/, '')}/V1.0/Tickets`, {
        method: m.ticketRef === null ? 'POST' : 'PATCH',
        headers: {
          ApiIntegrationCode: d.integrationCode,
          UserName: d.username,
          Secret: d.secret,
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'X-Switchboard-Delivery': m.deliveryId,
        },
        body: JSON.stringify(autotaskBody(m)),
        timeoutMs: opts.timeoutMs,
      });
      if (!isAnswer(a)) return a;
      if (a.status < 200 || a.status >= 300) return failure('Autotask', a);
      if (m.ticketRef !== null) return { ok: true, ref: m.ticketRef };
      const parsed = parseJson('Autotask', a);
      if (!('value' in parsed)) return parsed;
      const itemId = (parsed.value as { itemId?: unknown }).itemId;
      if (typeof itemId !== 'number') {
        return { ok: false, recoverable: false, error: 'Autotask created a ticket but returned no itemId' };
      }
      return { ok: true, ref: String(itemId) };
    },
  };
}
