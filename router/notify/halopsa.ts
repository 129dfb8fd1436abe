// HaloPSA REST API: an OAuth2 client-credentials token from {base}/auth/token, then tickets through
// POST {base}/api/Tickets (an array of tickets; one with an `id` updates that ticket). Ack and later pages
// add an action (a note) with POST {base}/api/Actions; resolve closes the ticket. Tokens are cached per
// application until a minute before they expire, and dropped on a 401 so the next attempt gets a new one.
import type { Severity } from '../alert.ts';
import { failure, isAnswer, parseJson, request } from './http.ts';
import { render, title } from './templates.ts';
import type { Adapter, DestinationOf, Message, SendResult } from './types.ts';

/** HaloPSA's default priorities: 1 (highest) .. 4. */
const PRIORITY: Record<Severity, number> = { critical: 1, high: 2, warning: 3, info: 4 };
/** HaloPSA's default "Closed" status. */
export const HALO_STATUS_CLOSED = 9;

type Halo = DestinationOf<'halopsa'>;

export function haloRequest(m: Message<Halo>): { path: '/api/Tickets' | '/api/Actions'; body: unknown[] } {
  const c = m.context;
  const d = m.destination;
  if (m.ticketRef === null) {
    return {
      path: '/api/Tickets',
      body: [
        {
          summary: title(c).slice(0, 250),
          details: render('ticket', c, m.template),
          priority_id: PRIORITY[c.incident.severity],
          ...(d.clientId !== null ? { client_id: d.clientId } : {}),
          ...(d.ticketTypeId !== null ? { tickettype_id: d.ticketTypeId } : {}),
        },
      ],
    };
  }
  const id = Number(m.ticketRef);
  if (m.event === 'resolved') return { path: '/api/Tickets', body: [{ id, status_id: HALO_STATUS_CLOSED }] };
  const note =
    m.event === 'acknowledged'
      ? `Acknowledged by ${c.by || 'someone'} in Switchboard.`
      : `Still unacknowledged: escalation step ${c.escalation.step}, round ${c.escalation.round}. ${c.ackUrl}`;
  return { path: '/api/Actions', body: [{ ticket_id: id, note, outcome: 'Note', hiddenfromuser: true }] };
}

export function halopsaAdapter(opts: { timeoutMs: number; clock?: () => number }): Adapter<Halo> {
  const clock = opts.clock ?? Date.now;
  const tokens = new Map<string, { token: string; until: number }>();

  async function token(d: Halo): Promise<{ token: string } | SendResult> {
    const cacheKey = `${d.baseUrl} ${d.oauthClientId}`;
    const cached = tokens.get(cacheKey);
    if (cached && cached.until > clock()) return { token: cached.token };
    const a = await request(`${d.baseUrl.replace(/\/+$/, '')}/auth/token`, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: d.oauthClientId,
        client_secret: d.oauthClientSecret,
        scope: 'all',
      }).toString(),
      timeoutMs: opts.timeoutMs,
    });
    if (!isAnswer(a)) return a;
    if (a.status < 200 || a.status >= 300) return failure('HaloPSA token endpoint', a);
    const parsed = parseJson('HaloPSA', a);
    if (!('value' in parsed)) return parsed;
    const v = parsed.value as { access_token?: unknown; expires_in?: unknown };
    if (typeof v.access_token !== 'string') {
      return { ok: false, recoverable: false, error: 'HaloPSA token endpoint returned no access_token' };
    }
    const ttl = typeof v.expires_in === 'number' ? v.expires_in * 1000 : 3_600_000;
    tokens.set(cacheKey, { token: v.access_token, until: clock() + ttl - 60_000 });
    return { token: v.access_token };
  }

  return {
    async send(m): Promise<SendResult> {
      const d = m.destination;
      const t = await token(d);
      if (!('token' in t)) return t;
      const { path, body } = haloRequest(m);
      const a = await request(`${d.baseUrl.replace(/\/+$/, '')}${path}`, {
        headers: {
          Authorization: `Bearer ${t.token}`,
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'X-Switchboard-Delivery': m.deliveryId,
        },
        body: JSON.stringify(body),
        timeoutMs: opts.timeoutMs,
      });
      if (!isAnswer(a)) return a;
      if (a.status === 401) {
        // An expired or revoked token: the retry fetches a new one.
        tokens.delete(`${d.baseUrl} ${d.oauthClientId}`);
        return { ok: false, recoverable: true, error: 'HaloPSA answered 401; the token is renewed on retry' };
      }
      if (a.status < 200 || a.status >= 300) return failure('HaloPSA', a);
      if (m.ticketRef !== null) return { ok: true, ref: m.ticketRef };
      const parsed = parseJson('HaloPSA', a);
      if (!('value' in parsed)) return parsed;
      // Halo answers the created ticket (or an array of them).
      const v = parsed.value as { id?: unknown } | { id?: unknown }[];
      const id = Array.isArray(v) ? v[0]?.id : v.id;
      if (typeof id !== 'number') return { ok: false, recoverable: false, error: 'HaloPSA returned no ticket id' };
      return { ok: true, ref: String(id) };
    },
  };
}
